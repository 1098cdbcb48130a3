// Regex.swift: a small wrapper over PCRE2 (pcre2_compile_8 / pcre2_match_8).
//
// Patterns are compiled once (UTF mode, optionally caseless) and matched against
// Strings or byte slices. A pattern that fails to compile throws `RegexError` with
// PCRE2's message and offset; matching never throws (no match = nil). Used for rule
// tables (failure categories, masking), not on the per-line hot path.

import CPCRE2

/// A pattern PCRE2 rejected.
public struct RegexError: Error, CustomStringConvertible {
  public let pattern: String
  public let message: String
  public let offset: Int
  public var description: String { "bad pattern at offset \(offset): \(message): \(pattern)" }
}

/// A compiled PCRE2 pattern.
public final class Regex: @unchecked Sendable {
  /// The source pattern.
  public let pattern: String
  private let code: OpaquePointer
  private let names: [String: Int]

  /// Compiles `pattern`.
  /// - Parameter caseless: match ASCII and Unicode letters case-insensitively.
  /// - Throws: `RegexError` when PCRE2 rejects the pattern.
  public init(_ pattern: String, caseless: Bool = false) throws {
    self.pattern = pattern
    var errorCode: Int32 = 0
    var errorOffset: Int = 0
    var options = UInt32(PCRE2_UTF | PCRE2_MATCH_INVALID_UTF)
    if caseless { options |= UInt32(PCRE2_CASELESS) }
    let compiled = pattern.withCString { p in
      p.withMemoryRebound(to: UInt8.self, capacity: pattern.utf8.count) {
        pcre2_compile_8($0, pattern.utf8.count, options, &errorCode, &errorOffset, nil)
      }
    }
    guard let compiled else {
      var buf = [UInt8](repeating: 0, count: 256)
      pcre2_get_error_message_8(errorCode, &buf, buf.count)
      let message = String(decoding: buf.prefix { $0 != 0 }, as: UTF8.self)
      throw RegexError(pattern: pattern, message: message, offset: errorOffset)
    }
    code = compiled
    pcre2_jit_compile_8(code, UInt32(PCRE2_JIT_COMPLETE))
    // Named groups, for `Match.named`.
    var count: UInt32 = 0
    var entrySize: UInt32 = 0
    var table: UnsafePointer<UInt8>? = nil
    pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMECOUNT), &count)
    pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMEENTRYSIZE), &entrySize)
    pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMETABLE), &table)
    var names: [String: Int] = [:]
    if let table, count > 0 {
      for i in 0..<Int(count) {
        let entry = table + i * Int(entrySize)
        let group = Int(entry[0]) << 8 | Int(entry[1])
        let name = String(cString: entry + 2)
        names[name] = group
      }
    }
    self.names = names
  }

  deinit { pcre2_code_free_8(code) }

  /// The first match in `text`, or nil.
  public func firstMatch(in text: String) -> RegexMatch? {
    var copy = text
    return copy.withUTF8 { firstMatch(in: $0) }
  }

  /// Whether `text` contains a match.
  public func matches(_ text: String) -> Bool { firstMatch(in: text) != nil }

  /// The first match in `bytes` at or after `start`, or nil. Captures are copied out.
  public func firstMatch(in bytes: UnsafeBufferPointer<UInt8>, from start: Int = 0)
    -> RegexMatch?
  {
    guard let md = pcre2_match_data_create_from_pattern_8(code, nil) else { return nil }
    defer { pcre2_match_data_free_8(md) }
    let subject = bytes.baseAddress ?? UnsafePointer(bitPattern: 1)!
    let rc = pcre2_match_8(code, subject, bytes.count, start, 0, md, nil)
    guard rc > 0 else { return nil }
    let ovector = pcre2_get_ovector_pointer_8(md)!
    var ranges: [Range<Int>?] = []
    var groups: [String?] = []
    // Every group of the pattern gets an entry; PCRE2 marks those that did not take
    // part (trailing ones too, beyond rc) as unset.
    for i in 0..<Int(pcre2_get_ovector_count_8(md)) {
      let s = ovector[2 * i]
      let e = ovector[2 * i + 1]
      if s == Int.max || s == ~0 || e < s {
        ranges.append(nil)
        groups.append(nil)
      } else {
        ranges.append(Int(s)..<Int(e))
        groups.append(bytes.string(Int(s), Int(e)))
      }
    }
    return RegexMatch(groups: groups, ranges: ranges, names: names)
  }

  /// Every non-overlapping match in `text`, left to right.
  public func allMatches(in text: String) -> [RegexMatch] {
    var copy = text
    return copy.withUTF8 { bytes in
      var out: [RegexMatch] = []
      var pos = 0
      while pos <= bytes.count, let m = firstMatch(in: bytes, from: pos),
        let r = m.ranges[0]
      {
        out.append(m)
        pos = r.upperBound > r.lowerBound ? r.upperBound : r.upperBound + 1
      }
      return out
    }
  }

  /// `text` with every match replaced by `template` (no group references).
  public func replacingMatches(in text: String, with template: String) -> String {
    var copy = text
    return copy.withUTF8 { bytes in
      var out = [UInt8]()
      out.reserveCapacity(bytes.count)
      var pos = 0
      var search = 0
      while search <= bytes.count, let m = firstMatch(in: bytes, from: search),
        let r = m.ranges[0]
      {
        out.append(contentsOf: bytes[pos..<r.lowerBound])
        out.append(contentsOf: template.utf8)
        pos = r.upperBound
        search = r.upperBound > r.lowerBound ? r.upperBound : r.upperBound + 1
        if r.upperBound == r.lowerBound && r.lowerBound < bytes.count {
          out.append(bytes[r.lowerBound])
          pos = r.lowerBound + 1
        }
      }
      if pos < bytes.count { out.append(contentsOf: bytes[pos...]) }
      return String(decoding: out, as: UTF8.self)
    }
  }
}

/// The captures of one match.
public struct RegexMatch {
  /// Group texts; index 0 is the whole match; nil for groups that did not take part.
  public let groups: [String?]
  /// Byte ranges of the groups in the subject.
  public let ranges: [Range<Int>?]
  fileprivate let names: [String: Int]

  /// The text of group `i`, or nil.
  public subscript(i: Int) -> String? { i < groups.count ? groups[i] : nil }
  /// The text of the named group, or nil.
  public subscript(name: String) -> String? {
    guard let i = names[name] else { return nil }
    return self[i]
  }
}
