// SyslogPrefix.swift: splits a syslog-style line into time, host, program, pid, message.
//
// Shapes: traditional `Mar  1 10:00:00 host prog[pid]: msg` (also zero-padded day, a
// fraction as in `journalctl -o short-precise`, and localised month names), RFC 3339
// `2026-03-01T10:00:00.123456+01:00 host ...` (offset with or without colon, `Z`, no
// fraction), `journalctl -o short-full` (`Thu 2026-12-03 16:54:38 CET host ...`),
// `short-unix` (`1796313278.352067 host ...`), container templates with a severity word
// instead of the host (`... INFO    postfix/smtp[138]: ...`) and Solaris's
// `[ID nnn mail.info] ` tag. A line that fits none of them gives nil; the caller counts it.

import MailLogKit
import MailLogModel

/// The parts of one syslog line, as index ranges into the line's bytes.
public struct SyslogLine {
  public var time: LogTime?
  public var host: Range<Int>
  /// The whole program token, e.g. `postfix/submission/smtpd`.
  public var program: Range<Int>
  public var pid: Int
  /// Start of the message text (after `prog[pid]: ` and any Solaris tag).
  public var message: Int
}

/// Parses syslog prefixes for one input (keeps the year tracker and clock).
public struct SyslogPrefixParser {
  let clock: LocalClock
  let years: YearTracker

  public init(clock: LocalClock, years: YearTracker) {
    self.clock = clock
    self.years = years
  }

  /// Splits `b`; nil when the line has no recognisable prefix or program[pid].
  public func parse(_ b: Bytes) -> SyslogLine? {
    guard b.count > 16 else { return nil }
    var time: LogTime?
    var pos: Int
    if let (t, p) = traditional(b) {
      time = t
      pos = p
    } else if let (t, p) = iso(b, 0) {
      time = t
      pos = p
    } else if let (t, p) = shortFull(b) {
      time = t
      pos = p
    } else if let (t, p) = unix(b) {
      time = t
      pos = p
    } else {
      return nil
    }
    // pos is at the first byte after the timestamp's trailing space.
    while pos < b.count && b[pos] == ASCII.space { pos += 1 }
    let firstEnd = b.end(of: pos, stop: ASCII.space)
    var host = pos..<pos
    var progStart = pos
    if !isProgramToken(b, pos, firstEnd) {
      host = pos..<firstEnd
      if isSeverityWord(b, pos, firstEnd) { host = pos..<pos }
      progStart = firstEnd
      while progStart < b.count && b[progStart] == ASCII.space { progStart += 1 }
    }
    let progEnd = b.end(of: progStart, stop: ASCII.space)
    guard isProgramToken(b, progStart, progEnd) else { return nil }
    // progStart..<progEnd is `name[pid]:`
    guard let lb = b.index(of: ASCII.lbracket, from: progStart), lb < progEnd,
      let pid = b.decimal(lb + 1, progEnd - 2)
    else { return nil }
    var message = progEnd + 1
    // Solaris: `[ID 197553 mail.info] `
    if b.has("[ID ", at: message), let close = b.index(of: ASCII.rbracket, from: message) {
      message = close + 2
    }
    return SyslogLine(
      time: time, host: host, program: progStart..<lb, pid: pid,
      message: min(message, b.count))
  }

  /// A `.digits` fraction of a second at `p` (0 when there is none); moves `p` past it.
  private func fraction(_ b: Bytes, _ p: inout Int) -> Double {
    guard p < b.count && b[p] == ASCII.dot else { return 0 }
    p += 1
    var frac = 0.0
    var scale = 0.1
    while p < b.count && ASCII.isDigit(b[p]) {
      frac += Double(b[p] - 0x30) * scale
      scale /= 10
      p += 1
    }
    return frac
  }

  /// `name[digits]:` exactly.
  private func isProgramToken(_ b: Bytes, _ s: Int, _ e: Int) -> Bool {
    guard e - s >= 5, b[e - 1] == ASCII.colon, b[e - 2] == ASCII.rbracket else { return false }
    var i = e - 3
    var digits = 0
    while i > s && ASCII.isDigit(b[i]) {
      i -= 1
      digits += 1
    }
    return digits > 0 && b[i] == ASCII.lbracket && i > s
  }

  private func isSeverityWord(_ b: Bytes, _ s: Int, _ e: Int) -> Bool {
    guard e - s >= 3 && e - s <= 7 else { return false }
    for i in s..<e where !ASCII.isUpper(b[i]) { return false }
    return true
  }

  /// `Mmm dD HH:MM:SS[.frac] ` (also `Mmm DD`, localised month names).
  private func traditional(_ b: Bytes) -> (LogTime?, Int)? {
    var month: Int?
    var p = 0
    if b.count > 15 && b[3] == ASCII.space, let m = MonthNames.english(b[0], b[1], b[2]) {
      month = m
      p = 4
    } else if !ASCII.isDigit(b[0]) {
      // Localised names: a short word of letters (possibly multibyte) then a space.
      guard let sp = b.index(of: ASCII.space), sp >= 3, sp <= 10,
        let m = MonthNames.localized(b.string(0, sp))
      else { return nil }
      month = m
      p = sp + 1
    }
    guard let month else { return nil }
    if p < b.count && b[p] == ASCII.space { p += 1 }
    var dayEnd = p
    while dayEnd < b.count && ASCII.isDigit(b[dayEnd]) { dayEnd += 1 }
    guard let day = b.decimal(p, dayEnd), dayEnd < b.count, b[dayEnd] == ASCII.space else {
      return nil
    }
    let t = dayEnd + 1
    guard t + 8 <= b.count, b[t + 2] == ASCII.colon, b[t + 5] == ASCII.colon,
      let hh = b.decimal(t, t + 2), let mm = b.decimal(t + 3, t + 5),
      let ss = b.decimal(t + 6, t + 8)
    else { return nil }
    var end = t + 8
    let frac = fraction(b, &end)
    guard end < b.count && b[end] == ASCII.space else { return nil }
    let year = years.year(month: month, day: day)
    let epoch = clock.epoch(
      year: year, month: month, day: day, hour: hh, minute: mm, second: ss)
    return (epoch.map { $0 + frac }, end + 1)
  }

  /// `YYYY-MM-DD[T ]HH:MM:SS[.frac][Z|±HH:MM|±HHMM] ` starting at `s`.
  func iso(_ b: Bytes, _ s: Int) -> (LogTime?, Int)? {
    guard s + 19 <= b.count, b[s + 4] == 0x2D, b[s + 7] == 0x2D,
      b[s + 10] == 0x54 || b[s + 10] == ASCII.space,
      b[s + 13] == ASCII.colon, b[s + 16] == ASCII.colon,
      let y = b.decimal(s, s + 4), let mo = b.decimal(s + 5, s + 7),
      let d = b.decimal(s + 8, s + 10), let h = b.decimal(s + 11, s + 13),
      let mi = b.decimal(s + 14, s + 16), let se = b.decimal(s + 17, s + 19)
    else { return nil }
    var p = s + 19
    let frac = fraction(b, &p)
    var offset: Int?
    if p < b.count && (b[p] == 0x5A || b[p] == 0x7A) {  // Z
      offset = 0
      p += 1
    } else if p + 5 <= b.count && (b[p] == 0x2B || b[p] == 0x2D),
      let oh = b.decimal(p + 1, p + 3)
    {
      let sign = b[p] == 0x2D ? -1 : 1
      if b[p + 3] == ASCII.colon, let om = b.decimal(p + 4, p + 6) {
        offset = sign * (oh * 3600 + om * 60)
        p += 6
      } else if let om = b.decimal(p + 3, p + 5) {
        offset = sign * (oh * 3600 + om * 60)
        p += 5
      } else {
        return nil
      }
    }
    guard p < b.count && b[p] == ASCII.space else { return nil }
    let epoch: LogTime?
    if let offset {
      epoch = LocalClock.epoch(
        year: y, month: mo, day: d, hour: h, minute: mi, second: se, offset: offset)
    } else {
      epoch = clock.epoch(year: y, month: mo, day: d, hour: h, minute: mi, second: se)
    }
    return (epoch.map { $0 + frac }, p + 1)
  }

  /// `Thu 2026-12-03 16:54:38 CET ` (journalctl -o short-full); the zone name is
  /// taken to be the local zone.
  private func shortFull(_ b: Bytes) -> (LogTime?, Int)? {
    guard b.count > 30, b[3] == ASCII.space, !ASCII.isDigit(b[0]),
      let (t, p) = iso(b, 4)
    else { return nil }
    let zoneEnd = b.end(of: p, stop: ASCII.space)
    guard zoneEnd - p <= 6, zoneEnd < b.count else { return nil }
    return (t, zoneEnd + 1)
  }

  /// `1796313278.352067 ` (journalctl -o short-unix).
  private func unix(_ b: Bytes) -> (LogTime?, Int)? {
    var p = 0
    while p < b.count && ASCII.isDigit(b[p]) { p += 1 }
    guard p >= 9 && p <= 11, let secs = b.decimal(0, p) else { return nil }
    let frac = fraction(b, &p)
    guard p < b.count && b[p] == ASCII.space else { return nil }
    return (LogTime(secs) + frac, p + 1)
  }
}

/// Interns short byte strings (host names, syslog names) to small integer ids, so hot
/// loops key dictionaries by Int instead of building Strings. Bounded by `limit`:
/// beyond it every new name shares one overflow id (and the string "(other)").
public struct Interner {
  public private(set) var names: [String] = []
  private var bytes: [[UInt8]] = []
  private var last = -1
  private let limit: Int

  public init(limit: Int = 4096) { self.limit = limit }

  /// The id of `b[range]`, adding it if new.
  public mutating func id(_ b: Bytes, _ range: Range<Int>) -> Int {
    let n = range.count
    if last >= 0 && matches(last, b, range, n) { return last }
    for i in bytes.indices where matches(i, b, range, n) {
      last = i
      return i
    }
    if bytes.count >= limit {
      if names.last != "(other)" {
        names.append("(other)")
        bytes.append([])
      }
      return names.count - 1
    }
    bytes.append(Array(b[range]))
    names.append(b.string(range.lowerBound, range.upperBound))
    last = bytes.count - 1
    return last
  }

  private func matches(_ i: Int, _ b: Bytes, _ range: Range<Int>, _ n: Int) -> Bool {
    let stored = bytes[i]
    guard stored.count == n else { return false }
    return stored.withUnsafeBufferPointer { s in
      n == 0 || memcmp(s.baseAddress!, b.baseAddress! + range.lowerBound, n) == 0
    }
  }
}

#if canImport(Glibc)
  import Glibc
#endif
