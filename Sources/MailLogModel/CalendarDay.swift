// CalendarDay.swift: a civil date (year, month, day) with calendar-day arithmetic and
// its bounds as epoch seconds in a LocalClock's zone.
//
// Days step by the calendar, never by 86 400 seconds, so a day across a DST change is
// 23 or 25 hours long and "yesterday" is right at 00:30 after a change. Text that is
// not a valid `YYYY-MM-DD` gives nil; nothing here throws.

/// One calendar day, e.g. 2026-03-29.
public struct CalendarDay: Hashable, Comparable, CustomStringConvertible, Sendable {
  public let year: Int
  public let month: Int
  public let day: Int

  /// A valid date, or nil (month 1-12, day within the month, year 1-9999).
  public init?(year: Int, month: Int, day: Int) {
    guard (1...9999).contains(year), (1...12).contains(month),
      (1...CalendarDay.daysIn(year: year, month: month)).contains(day)
    else { return nil }
    self.year = year
    self.month = month
    self.day = day
  }

  /// Parses `YYYY-MM-DD`; nil for anything else.
  public init?(_ text: Substring) {
    let parts = text.split(separator: "-", omittingEmptySubsequences: false)
    guard parts.count == 3, parts[0].count == 4, (1...2).contains(parts[1].count),
      (1...2).contains(parts[2].count), let y = Int(parts[0]), let m = Int(parts[1]),
      let d = Int(parts[2])
    else { return nil }
    self.init(year: y, month: m, day: d)
  }

  /// Parses `YYYY-MM-DD`; nil for anything else.
  public init?(_ text: String) { self.init(text[...]) }

  /// The day `time` falls on in `clock`'s zone.
  public init(_ time: LogTime, clock: LocalClock) {
    let (y, m, d, _, _, _, _) = clock.civil(time)
    year = y
    month = m
    day = d
  }

  /// Number of days in a month of the Gregorian calendar.
  public static func daysIn(year: Int, month: Int) -> Int {
    switch month {
    case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
  }

  /// The next calendar day.
  public var next: CalendarDay {
    if day < CalendarDay.daysIn(year: year, month: month) {
      return CalendarDay(unchecked: year, month, day + 1)
    }
    return month == 12
      ? CalendarDay(unchecked: year + 1, 1, 1) : CalendarDay(unchecked: year, month + 1, 1)
  }

  /// The previous calendar day.
  public var previous: CalendarDay {
    if day > 1 { return CalendarDay(unchecked: year, month, day - 1) }
    let (y, m) = month == 1 ? (year - 1, 12) : (year, month - 1)
    return CalendarDay(unchecked: y, m, CalendarDay.daysIn(year: y, month: m))
  }

  /// The day `n` calendar days later (earlier for negative `n`).
  public func adding(days n: Int) -> CalendarDay {
    var d = self
    if n >= 0 {
      for _ in 0..<n { d = d.next }
    } else {
      for _ in 0..<(-n) { d = d.previous }
    }
    return d
  }

  /// Local midnight at the start of the day in `clock`'s zone (a midnight skipped by a
  /// DST change becomes the first instant of the day); nil outside the clock's range.
  public func start(_ clock: LocalClock) -> LogTime? {
    clock.epoch(year: year, month: month, day: day, hour: 0, minute: 0, second: 0)
  }

  /// The start of the day and the start of the next day (the end, exclusive).
  public func bounds(_ clock: LocalClock) -> (start: LogTime, end: LogTime)? {
    guard let s = start(clock), let e = next.start(clock) else { return nil }
    return (s, e)
  }

  /// `YYYY-MM-DD`, the same spelling as `LocalClock.day`.
  public var description: String {
    let m = month < 10 ? "0\(month)" : "\(month)"
    let d = day < 10 ? "0\(day)" : "\(day)"
    return "\(year)-\(m)-\(d)"
  }

  public static func < (a: CalendarDay, b: CalendarDay) -> Bool {
    (a.year, a.month, a.day) < (b.year, b.month, b.day)
  }

  private init(unchecked year: Int, _ month: Int, _ day: Int) {
    self.year = year
    self.month = month
    self.day = day
  }
}
