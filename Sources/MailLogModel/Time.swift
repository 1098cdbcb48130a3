// Time.swift: timestamps of log lines, local-time conversion and year inference.
//
// A log time is seconds since the Unix epoch (UTC) as a Double. Prefixes without a
// zone are local time (`--utc` switches to UTC); `LocalClock` converts civil fields to
// epoch with the C library (mktime semantics, so DST gaps and overlaps follow the
// zone rules), caching per hour. Prefixes without a year get one from `YearTracker`:
// the first line takes the reference year (file mtime or now, or --year), stepping back
// a year when the date would lie in the future, and the year advances when the month
// wraps (Dec 31 -> Jan 1). Nothing here fails: impossible dates give nil.

import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Seconds since 1970-01-01T00:00:00Z.
public typealias LogTime = Double

/// Converts civil time in the local zone (or UTC) to epoch seconds.
public final class LocalClock {
  /// Whether civil times are UTC rather than the process's local zone.
  public let utc: Bool
  private var cacheKey = -1
  private var cacheValue: LogTime = 0
  private var dayBucket = Int.min
  private var dayCache: String?

  public init(utc: Bool = false) {
    self.utc = utc
    tzset()
  }

  /// Epoch seconds for the civil time; nil for impossible fields.
  public func epoch(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int)
    -> LogTime?
  {
    guard (1...12).contains(month), (1...31).contains(day), (0...23).contains(hour),
      (0...59).contains(minute), (0...60).contains(second), (1970...2200).contains(year)
    else { return nil }
    let key = ((year * 13 + month) * 32 + day) * 24 + hour
    if key != cacheKey {
      var t = tm()
      t.tm_year = Int32(year - 1900)
      t.tm_mon = Int32(month - 1)
      t.tm_mday = Int32(day)
      t.tm_hour = Int32(hour)
      t.tm_isdst = -1
      let value = utc ? timegm(&t) : mktime(&t)
      if value == -1 && !(year == 1969) { return nil }
      cacheKey = key
      cacheValue = LogTime(value)
    }
    return cacheValue + LogTime(minute * 60 + second)
  }

  /// Epoch seconds for a civil time with an explicit UTC offset in seconds.
  public static func epoch(
    year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, offset: Int
  ) -> LogTime? {
    guard (1...12).contains(month), (1...31).contains(day), (0...23).contains(hour),
      (0...59).contains(minute), (0...60).contains(second)
    else { return nil }
    var t = tm()
    t.tm_year = Int32(year - 1900)
    t.tm_mon = Int32(month - 1)
    t.tm_mday = Int32(day)
    t.tm_hour = Int32(hour)
    t.tm_min = Int32(minute)
    t.tm_sec = Int32(second)
    return LogTime(timegm(&t)) - LogTime(offset)
  }

  /// Civil fields (year, month, day, hour, minute, second, offset) of `time`.
  public func civil(_ time: LogTime) -> (Int, Int, Int, Int, Int, Int, Int) {
    var secs = time_t(time.rounded(.down))
    var t = tm()
    if utc { gmtime_r(&secs, &t) } else { localtime_r(&secs, &t) }
    return (
      Int(t.tm_year) + 1900, Int(t.tm_mon) + 1, Int(t.tm_mday), Int(t.tm_hour),
      Int(t.tm_min), Int(t.tm_sec), utc ? 0 : Int(t.tm_gmtoff)
    )
  }

  /// ISO 8601 with the zone offset, e.g. `2026-07-16T06:12:24+01:00`.
  public func iso8601(_ time: LogTime) -> String {
    let (y, mo, d, h, mi, s, off) = civil(time)
    let sign = off < 0 ? "-" : "+"
    let a = abs(off)
    let zone = utc ? "Z" : "\(sign)\(pad(a / 3600)):\(pad(a % 3600 / 60))"
    return "\(y)-\(pad(mo))-\(pad(d))T\(pad(h)):\(pad(mi)):\(pad(s))\(zone)"
  }

  /// The calendar day of `time`, `YYYY-MM-DD`, in this clock's zone. Cached per
  /// quarter hour (every zone offset is a multiple of 15 minutes, so a day never
  /// changes inside one), which keeps localtime_r off the per-delivery path.
  public func day(_ time: LogTime) -> String {
    let bucket = Int((time / 900).rounded(.down))
    if bucket == dayBucket, let cached = dayCache { return cached }
    let (y, mo, d, _, _, _, _) = civil(time)
    let text = "\(y)-\(pad(mo))-\(pad(d))"
    dayBucket = bucket
    dayCache = text
    return text
  }

  private func pad(_ v: Int) -> String { v < 10 ? "0\(v)" : String(v) }
}

/// Supplies years to year-less timestamps, one tracker per input.
public final class YearTracker {
  private let reference: Date
  private let forcedYear: Int?
  private var year: Int?
  private var lastMonth = 0

  /// - Parameters:
  ///   - reference: a time the log cannot be later than (file mtime, or now).
  ///   - forcedYear: the year of the first line, from `--year`.
  public init(reference: Date, forcedYear: Int? = nil) {
    self.reference = reference
    self.forcedYear = forcedYear
  }

  /// The year for a line dated `month`/`day`.
  public func year(month: Int, day: Int) -> Int {
    if let y = year {
      // Month going backwards by more than a few months means a new year
      // (Dec -> Jan); small backwards steps are reordering and keep the year.
      if month < lastMonth && lastMonth - month >= 6 {
        year = y + 1
      }
      // Going forwards as far is a late line from the year before (a Dec 31 line
      // logged after Jan 1): it neither moves the tracker nor takes the new year.
      if month > lastMonth && month - lastMonth >= 6 { return y - 1 }
      lastMonth = month
      return year!
    }
    var t = time_t(reference.timeIntervalSince1970)
    var parts = tm()
    localtime_r(&t, &parts)
    var y = forcedYear ?? (Int(parts.tm_year) + 1900)
    if forcedYear == nil {
      let refMonth = Int(parts.tm_mon) + 1
      let refDay = Int(parts.tm_mday)
      // A first line later in the calendar than the reference (allowing one day of
      // clock skew) must be from the year before.
      if month > refMonth || (month == refMonth && day > refDay + 1) { y -= 1 }
    }
    year = y
    lastMonth = month
    return y
  }
}

/// Month numbers for three-letter month names, English and the localised forms
/// seen in real logs (German, French, Spanish, Greek...). Returns nil if unknown.
public enum MonthNames {
  private static let table: [String: Int] = {
    var t: [String: Int] = [:]
    let sets: [[String]] = [
      ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
      ["jan", "feb", "mär", "apr", "mai", "jun", "jul", "aug", "sep", "okt", "nov", "dez"],
      ["janv", "févr", "mars", "avr", "mai", "juin", "juil", "août", "sept", "oct", "nov", "déc"],
      ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"],
      ["ιαν", "φεβ", "μαρ", "απρ", "μαΐ", "ιουν", "ιουλ", "αυγ", "σεπ", "οκτ", "νοε", "δεκ"],
    ]
    for set in sets {
      for (i, name) in set.enumerated() where t[name] == nil { t[name] = i + 1 }
    }
    t["maj"] = 5
    t["mrz"] = 3
    return t
  }()

  /// The month number (1-12) of an English name, fast path for the common case.
  @inlinable
  public static func english(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> Int? {
    switch (a, b | 0x20, c | 0x20) {
    case (0x4A, 0x61, 0x6E): return 1  // Jan
    case (0x46, 0x65, 0x62): return 2  // Feb
    case (0x4D, 0x61, 0x72): return 3  // Mar
    case (0x41, 0x70, 0x72): return 4  // Apr
    case (0x4D, 0x61, 0x79): return 5  // May
    case (0x4A, 0x75, 0x6E): return 6  // Jun
    case (0x4A, 0x75, 0x6C): return 7  // Jul
    case (0x41, 0x75, 0x67): return 8  // Aug
    case (0x53, 0x65, 0x70): return 9  // Sep
    case (0x4F, 0x63, 0x74): return 10  // Oct
    case (0x4E, 0x6F, 0x76): return 11  // Nov
    case (0x44, 0x65, 0x63): return 12  // Dec
    default: return nil
    }
  }

  /// The month number of a possibly localised name (case-insensitive, trailing dot ok).
  public static func localized(_ name: String) -> Int? {
    var n = name.lowercased()
    if n.hasSuffix(".") { n.removeLast() }
    return table[n]
  }
}
