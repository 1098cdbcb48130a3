// TimeWindow.swift: parses --since/--until values into epoch seconds.
//
// Forms: `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]`, `YYYY-MM-DDTHH:MM[:SS]`, `today`,
// `yesterday`, `now`, relative `-7d` / `-12h` / `-30m` (from now), all in the local zone
// (or UTC with --utc); a bare date means its midnight. Days are calendar days, so a
// window from `yesterday` to `today` is 23 or 25 hours long across a DST change.
// Anything else is a UsageError naming the accepted forms.

import Foundation
import MailLogModel

enum TimeWindow {
  static func parse(_ text: String, clock: LocalClock, now: Date, option: String) throws -> LogTime {
    let t = text.trimmingCharacters(in: .whitespaces).lowercased()
    let nowT = now.timeIntervalSince1970
    func midnight(daysAgo: Int) -> LogTime {
      let (y, m, d, _, _, _, _) = clock.civil(nowT)
      // Step back whole calendar days through civil arithmetic.
      var day = (y, m, d)
      for _ in 0..<daysAgo { day = previousDay(day) }
      return clock.epoch(year: day.0, month: day.1, day: day.2, hour: 0, minute: 0, second: 0) ?? nowT
    }
    switch t {
    case "now": return nowT
    case "today": return midnight(daysAgo: 0)
    case "yesterday": return midnight(daysAgo: 1)
    default: break
    }
    if t.hasPrefix("-"), let unit = t.last, let n = Int(t.dropFirst().dropLast()), n >= 0 {
      switch unit {
      case "d": return relativeDays(n, clock: clock, now: nowT)
      case "h": return nowT - Double(n) * 3600
      case "m": return nowT - Double(n) * 60
      case "w": return relativeDays(n * 7, clock: clock, now: nowT)
      default: break
      }
    }
    let parts = t.split(whereSeparator: { $0 == "t" || $0 == " " })
    if let datePart = parts.first {
      let d = datePart.split(separator: "-").compactMap { Int($0) }
      if d.count == 3 {
        var hh = 0, mm = 0, ss = 0
        if parts.count > 1 {
          let tp = parts[1].split(separator: ":").compactMap { Int($0) }
          guard tp.count >= 2 else { throw bad(text, option) }
          hh = tp[0]; mm = tp[1]; ss = tp.count > 2 ? tp[2] : 0
        }
        if let e = clock.epoch(year: d[0], month: d[1], day: d[2], hour: hh, minute: mm, second: ss) {
          return e
        }
      }
    }
    throw bad(text, option)
  }

  /// Same clock time `n` calendar days ago.
  static func relativeDays(_ n: Int, clock: LocalClock, now: LogTime) -> LogTime {
    let (y, m, d, h, mi, s, _) = clock.civil(now)
    var day = (y, m, d)
    for _ in 0..<n { day = previousDay(day) }
    return clock.epoch(year: day.0, month: day.1, day: day.2, hour: h, minute: mi, second: s) ?? now
  }

  static func previousDay(_ day: (Int, Int, Int)) -> (Int, Int, Int) {
    var (y, m, d) = day
    d -= 1
    if d == 0 {
      m -= 1
      if m == 0 { m = 12; y -= 1 }
      d = daysIn(y, m)
    }
    return (y, m, d)
  }

  static func daysIn(_ y: Int, _ m: Int) -> Int {
    switch m {
    case 2: return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
  }

  static func bad(_ text: String, _ option: String) -> UsageError {
    UsageError(message: "--\(option) '\(text)' is not a time: use YYYY-MM-DD, 'YYYY-MM-DD HH:MM', today, yesterday, now, or -7d / -12h / -30m")
  }
}
