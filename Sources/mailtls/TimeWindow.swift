// TimeWindow.swift: parses --since/--until values into epoch seconds.
//
// Forms: `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]`, `YYYY-MM-DDTHH:MM[:SS]`, `HH:MM[:SS]`
// (today), `today`, `yesterday`, `tomorrow`, `now`, relative `-7d` / `-2w` / `-12h` /
// `-30m` (from now), all in the local zone (or UTC with --utc); a bare date means its
// midnight. Days are calendar days (CalendarDay), so a window from `yesterday` to
// `today` is 23 or 25 hours long across a DST change, and `-7d` is the same clock time
// seven calendar days ago. Anything else is a UsageError naming the accepted forms.
// Tests pin "now" with the environment variable MAILTLS_TEST_NOW (epoch seconds).

import Foundation
import MailLogModel

enum TimeWindow {
  /// The current time, or MAILTLS_TEST_NOW (epoch seconds) when set, for tests.
  static func currentTime() -> Date {
    if let v = ProcessInfo.processInfo.environment["MAILTLS_TEST_NOW"], let s = Double(v) {
      return Date(timeIntervalSince1970: s)
    }
    return Date()
  }

  static func parse(_ text: String, clock: LocalClock, now: Date, option: String) throws -> LogTime
  {
    let t = text.trimmingCharacters(in: .whitespaces).lowercased()
    let nowT = now.timeIntervalSince1970
    let today = CalendarDay(nowT, clock: clock)
    func midnight(_ day: CalendarDay) throws -> LogTime {
      guard let s = day.start(clock) else { throw bad(text, option) }
      return s
    }
    switch t {
    case "now": return nowT
    case "today": return try midnight(today)
    case "yesterday": return try midnight(today.previous)
    case "tomorrow": return try midnight(today.next)
    default: break
    }
    if t.hasPrefix("-"), let unit = t.last, let n = Int(t.dropFirst().dropLast()), n >= 0 {
      switch unit {
      case "d": return relativeDays(n, clock: clock, now: nowT)
      case "w": return relativeDays(n * 7, clock: clock, now: nowT)
      case "h": return nowT - Double(n) * 3600
      case "m": return nowT - Double(n) * 60
      default: break
      }
    }
    let parts = t.split(whereSeparator: { $0 == "t" || $0 == " " })
    guard (1...2).contains(parts.count) else { throw bad(text, option) }
    var day = today
    var timePart: Substring?
    if let d = CalendarDay(parts[0]) {
      day = d
      timePart = parts.count > 1 ? parts[1] : nil
    } else if parts.count == 1 && parts[0].contains(":") {
      timePart = parts[0]  // a time alone means today
    } else {
      throw bad(text, option)
    }
    var hh = 0
    var mm = 0
    var ss = 0
    if let timePart {
      let tp = timePart.split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
      guard (2...3).contains(tp.count), let h = tp[0], let m = tp[1] else {
        throw bad(text, option)
      }
      hh = h
      mm = m
      if tp.count == 3 {
        guard let s = tp[2] else { throw bad(text, option) }
        ss = s
      }
    }
    guard
      let e = clock.epoch(
        year: day.year, month: day.month, day: day.day, hour: hh, minute: mm, second: ss)
    else { throw bad(text, option) }
    return e
  }

  /// Same clock time `n` calendar days ago.
  static func relativeDays(_ n: Int, clock: LocalClock, now: LogTime) -> LogTime {
    let (_, _, _, h, mi, s, _) = clock.civil(now)
    let day = CalendarDay(now, clock: clock).adding(days: -n)
    return clock.epoch(
      year: day.year, month: day.month, day: day.day, hour: h, minute: mi, second: s) ?? now
  }

  static func bad(_ text: String, _ option: String) -> UsageError {
    UsageError(
      message:
        "--\(option) '\(text)' is not a time: use YYYY-MM-DD, 'YYYY-MM-DD HH:MM', HH:MM, today, yesterday, now, or -7d / -12h / -30m"
    )
  }
}
