// ExchangeText.swift: small readers for the texts inside Exchange fields: timestamps in
// the shapes Exchange and PowerShell write, TLS version tokens (`SP_PROT_TLS1_2_SERVER`,
// `TLS1.2`), enhanced status codes, `S:key=value` items of custom-data, `;`-separated
// per-recipient lists.
//
// Every reader returns nil (or the input unchanged) for text it does not recognise;
// none of them fails or traps on hostile input.

import MailLogKit
import MailLogModel

/// Whether a timestamp without a zone is UTC or the local clock's time.
enum ExchangeZone {
  /// Tracking and protocol logs, Exchange Online exports (documented as UTC).
  case utc
  /// `Get-MessageTrackingLog` output and text copied from the admin centre.
  case local
}

/// Reads timestamps: ISO 8601 (`2024-01-25T15:16:09.843Z`, with or without zone or
/// fraction), PowerShell culture dates (`1/25/2024 3:16:09 PM`, `25.01.2024 15:16:09`,
/// `25/01/2024 15:16:09`) and the admin centre's `Nov 26, 2020 3:56:03 AM`.
struct ExchangeTimeReader {
  /// For `a/b/yyyy` dates: nil until a field above 12 shows which one is the day.
  private(set) var dayFirst: Bool?

  init() {}

  /// The time in `f`, or nil when it is not a timestamp. Without a clock, times
  /// without a zone are read as UTC.
  mutating func read(_ f: Bytes, zone: ExchangeZone, clock: LocalClock?) -> LogTime? {
    var c = Cursor(f)
    c.skipSpaces()
    guard c.i < f.count else { return nil }
    if ASCII.isDigit(f[c.i]) {
      let first = c.number(maxDigits: 4)
      guard let first, c.i < f.count else { return nil }
      let sep = f[c.i]
      if sep == 0x2D, c.digitsRead == 4 {  // yyyy-mm-dd
        c.i += 1
        guard let mo = c.number(maxDigits: 2), c.take(0x2D), let d = c.number(maxDigits: 2)
        else { return nil }
        guard c.i < f.count, f[c.i] == 0x54 || f[c.i] == ASCII.space else { return nil }
        c.i += 1
        return clockTime(&c, year: first, month: mo, day: d, zone: zone, clock: clock)
      }
      guard sep == ASCII.slash || sep == ASCII.dot else { return nil }
      c.i += 1
      guard let second = c.number(maxDigits: 2), c.take(sep), let year = c.number(maxDigits: 4),
        c.digitsRead == 4, c.take(ASCII.space)
      else { return nil }
      // A dotted date is always day first (de-DE and friends); slashes are en-US unless
      // a value above 12 proves otherwise.
      var dayIsFirst = sep == ASCII.dot
      if sep == ASCII.slash {
        if first > 12 { dayFirst = true } else if second > 12 { dayFirst = false }
        dayIsFirst = dayFirst ?? false
      }
      let (d, mo) = dayIsFirst ? (first, second) : (second, first)
      return clockTime(&c, year: year, month: mo, day: d, zone: zone, clock: clock)
    }
    // "Nov 26, 2020 3:56:03 AM"
    guard f.count - c.i >= 12, let mo = MonthNames.english(f[c.i], f[c.i + 1], f[c.i + 2])
    else { return nil }
    c.i += 3
    guard c.take(ASCII.space), let d = c.number(maxDigits: 2), c.take(ASCII.comma),
      c.take(ASCII.space), let year = c.number(maxDigits: 4), c.take(ASCII.space)
    else { return nil }
    return clockTime(&c, year: year, month: mo, day: d, zone: zone, clock: clock)
  }

  /// Reads `hh:mm[:ss[.fff]][ AM|PM][Z|±hh:mm]` at the cursor and converts.
  private func clockTime(
    _ c: inout Cursor, year: Int, month: Int, day: Int, zone: ExchangeZone, clock: LocalClock?
  ) -> LogTime? {
    guard var h = c.number(maxDigits: 2), c.take(ASCII.colon), let mi = c.number(maxDigits: 2)
    else { return nil }
    var s = 0
    var fraction = 0.0
    if c.take(ASCII.colon) {
      guard let sec = c.number(maxDigits: 2) else { return nil }
      s = sec
      if c.take(ASCII.dot) || c.take(ASCII.comma) {
        var scale = 0.1
        while c.i < c.f.count, ASCII.isDigit(c.f[c.i]) {
          fraction += Double(c.f[c.i] - 0x30) * scale
          scale /= 10
          c.i += 1
        }
      }
    }
    var offset: Int? = nil
    c.skipSpaces()
    if c.i + 1 < c.f.count, (c.f[c.i + 1] | 0x20) == 0x6D {  // AM / PM
      let ap = c.f[c.i] | 0x20
      if ap == 0x61 || ap == 0x70 {
        guard (1...12).contains(h) else { return nil }
        if ap == 0x70 && h < 12 { h += 12 }
        if ap == 0x61 && h == 12 { h = 0 }
        c.i += 2
      }
    }
    if c.i < c.f.count {
      let z = c.f[c.i]
      if z == 0x5A { offset = 0 }
      if z == 0x2B || z == 0x2D {
        c.i += 1
        if let oh = c.number(maxDigits: 2) {
          _ = c.take(ASCII.colon)
          let om = c.number(maxDigits: 2) ?? 0
          offset = (z == 0x2D ? -1 : 1) * (oh * 3600 + om * 60)
        }
      }
    }
    let base: LogTime?
    if offset == nil, zone == .local, let clock {
      base = clock.epoch(year: year, month: month, day: day, hour: h, minute: mi, second: s)
    } else {
      base = LocalClock.epoch(
        year: year, month: month, day: day, hour: h, minute: mi, second: s, offset: offset ?? 0)
    }
    return base.map { $0 + fraction }
  }

  /// A read position in a field.
  private struct Cursor {
    let f: Bytes
    var i = 0
    var digitsRead = 0
    init(_ f: Bytes) { self.f = f }

    mutating func skipSpaces() { while i < f.count && f[i] == ASCII.space { i += 1 } }

    mutating func take(_ b: UInt8) -> Bool {
      guard i < f.count, f[i] == b else { return false }
      i += 1
      return true
    }

    mutating func number(maxDigits: Int) -> Int? {
      var v = 0
      digitsRead = 0
      while i < f.count, digitsRead < maxDigits, ASCII.isDigit(f[i]) {
        v = v * 10 + Int(f[i] - 0x30)
        digitsRead += 1
        i += 1
      }
      return digitsRead > 0 ? v : nil
    }
  }
}

/// Readers for texts inside Exchange fields.
enum ExchangeText {
  /// The TLS version of the first `SP_PROT_TLS1_2_SERVER` / `SP_PROT-TLS1_0_CLIENT` /
  /// `SP_PROT_SSL3_CLIENT` token, and whether it names the client side.
  static func schannelToken(_ f: Bytes) -> (TLSVersion, client: Bool)? {
    guard let at = f.index(of: "SP_PROT") else { return nil }
    var end = at + 7
    while end < f.count && (ASCII.isAlnum(f[end]) || f[end] == 0x5F || f[end] == 0x2D) {
      end += 1
    }
    let token = f.string(at + 8, end).uppercased()  // "TLS1_2_SERVER"
    return (version(token), token.hasSuffix("CLIENT"))
  }

  /// The version after the first `using TLS` (Exchange Online detail text:
  /// "Message received by: X using TLS1.2 with AES256").
  static func usingTLS(_ f: Bytes) -> TLSVersion? {
    guard let at = f.index(of: "using TLS") ?? f.index(of: "using SSL") else { return nil }
    var end = at + 6
    while end < f.count && f[end] != ASCII.space { end += 1 }
    return version(f.string(at + 6, end))
  }

  /// `TLS1_2`, `TLS1.2`, `TLSv1.3`, `TLS1_0_CLIENT`, `SSL3` -> version; `.unknown` otherwise.
  static func version(_ token: String) -> TLSVersion {
    let t = token.uppercased()
    if t.hasPrefix("SSL") {
      return t.dropFirst(3).drop { $0 == "V" }.hasPrefix("3") ? .ssl3 : .unknown
    }
    guard t.hasPrefix("TLS") else { return .unknown }
    // The digits right after TLS, with one `_` or `.` allowed between major and minor.
    var digits = ""
    for ch in t.dropFirst(3) {
      if ch.isASCII && ch.isNumber {
        digits.append(ch)
      } else if ch == "V" && digits.isEmpty {
        continue
      } else if (ch == "_" || ch == ".") && digits.count == 1 {
        continue
      } else {
        break
      }
    }
    switch digits {
    case "1", "10": return .v10
    case "11": return .v11
    case "12": return .v12
    case "13": return .v13
    default: return .unknown
    }
  }

  /// The first enhanced status code (`5.7.3`, `4.4.317`) in `text`, or nil. An IP
  /// address never matches (the code must not touch digits or dots on either side).
  static func enhancedCode(_ text: String) -> String? {
    let u = Array(text.utf8)
    var i = 0
    while i < u.count {
      let b = u[i]
      if b == 0x32 || b == 0x34 || b == 0x35, i + 1 < u.count, u[i + 1] == ASCII.dot,
        i == 0 || !(ASCII.isAlnum(u[i - 1]) || u[i - 1] == ASCII.dot)
      {
        var j = i + 2
        var groups = 1
        var digits = 0
        while j < u.count {
          if ASCII.isDigit(u[j]) {
            digits += 1
            if digits > 3 { break }
          } else if u[j] == ASCII.dot && digits > 0 && groups == 1 {
            groups = 2
            digits = 0
          } else {
            break
          }
          j += 1
        }
        let clean = j == u.count || !(ASCII.isDigit(u[j]) || u[j] == ASCII.dot)
        if groups == 2 && digits > 0 && digits <= 3 && clean {
          return String(decoding: u[i..<j], as: UTF8.self)
        }
      }
      i += 1
    }
    return nil
  }

  /// The value of `S:<key>=` in a custom-data field (items are separated by `;S:`, and
  /// values may themselves hold `;`, `=` and `|`).
  static func customValue(_ f: Bytes, _ key: StaticString) -> String? {
    var from = 0
    while let at = f.index(of: key, from: from) {
      if at >= 2 && f[at - 2] == 0x53 && f[at - 1] == ASCII.colon {
        let start = at + key.utf8CodeUnitCount
        let end = f.index(of: ";S:", from: start) ?? f.count
        return f.string(start, end)
      }
      from = at + 1
    }
    return nil
  }

  /// The value of a hexadecimal digit, or nil.
  static func hexValue(_ b: UInt8) -> UInt8? {
    if ASCII.isDigit(b) { return b - 0x30 }
    let l = b | 0x20
    return l >= 0x61 && l <= 0x66 ? l - 0x57 : nil
  }

  /// An address or Message-ID without surrounding spaces and angle brackets.
  static func bare(_ text: String) -> String {
    var s = Substring(text)
    while let f = s.first, f == " " || f == "<" { s = s.dropFirst() }
    while let l = s.last, l == " " || l == ">" { s = s.dropLast() }
    return String(s)
  }

  /// The IP of an `ip:port` endpoint (`[2001:db8::1]:25` and bare IPv6 too).
  static func endpointIP(_ text: String) -> (ip: String, port: Int?) {
    if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
      let ip = String(text[text.index(after: text.startIndex)..<close])
      let rest = text[text.index(after: close)...]
      return (ip, rest.hasPrefix(":") ? Int(rest.dropFirst()) : nil)
    }
    guard let colon = text.lastIndex(of: ":") else { return (text, nil) }
    if text[..<colon].contains(":") {
      // IPv6 without brackets: the last group is the port only if what is left parses.
      let head = String(text[..<colon])
      if Address.isIP(head), let port = Int(text[text.index(after: colon)...]) {
        return (head, port)
      }
      return (text, nil)
    }
    return (String(text[..<colon]), Int(text[text.index(after: colon)...]))
  }

  /// Splits recipient-status into `count` entries. Status texts can hold `;` themselves
  /// (`550 4.4.7 QUEUE.Expired; message expired`, `[{LRT=};{LED=...}]`), so a `;`
  /// starts a new entry only where a new status begins (an SMTP code, `[{`, `To`/`Cc`/
  /// `Bcc`). When that does not give `count` entries every recipient gets the whole text.
  static func statuses(_ text: String, count: Int) -> [String] {
    if count <= 1 { return [text] }
    let parts = text.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
    if parts.count == count { return parts.map { $0.trimmingSpaces } }
    var grouped: [String] = []
    for part in parts {
      let t = part.trimmingSpaces
      let startsEntry =
        t.utf8.prefix(3).allSatisfy(ASCII.isDigit) && t.utf8.count >= 3 || t.hasPrefix("[{")
        || t == "To" || t == "Cc" || t == "Bcc"
      if startsEntry || grouped.isEmpty {
        grouped.append(t)
      } else {
        grouped[grouped.count - 1] += ";" + part
      }
    }
    return grouped.count == count ? grouped : Array(repeating: text, count: count)
  }
}

extension String {
  /// The string without leading and trailing spaces and tabs.
  var trimmingSpaces: String {
    var s = Substring(self)
    while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
    while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
    return String(s)
  }
}
