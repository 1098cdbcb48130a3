// Bytes.swift: small, allocation-free helpers for scanning a line of bytes.
//
// Parsers work on `UnsafeBufferPointer<UInt8>` slices handed out by LineReader and
// decode only the fields they keep into Strings. All helpers are bounds-checked
// against the buffer's count; none of them allocates unless it returns a String.
// Invalid UTF-8 becomes U+FFFD when a field is turned into a String.

#if canImport(Glibc)
  import Glibc
#endif

public typealias Bytes = UnsafeBufferPointer<UInt8>

extension UnsafeBufferPointer where Element == UInt8 {
  /// The index of the first `byte` at or after `from`, or nil.
  @inlinable
  public func index(of byte: UInt8, from: Int = 0) -> Int? {
    guard from < count, let base = baseAddress else { return nil }
    guard let p = memchr(base + from, Int32(byte), count - from) else { return nil }
    return base.distance(to: p.assumingMemoryBound(to: UInt8.self))
  }

  /// The index where `needle` starts at or after `from`, or nil (memmem).
  @inlinable
  public func index(of needle: StaticString, from: Int = 0) -> Int? {
    guard from <= count, let base = baseAddress else { return nil }
    let n = needle.utf8CodeUnitCount
    guard n <= count - from else { return nil }
    return byteSearch(base, count, from, needle.utf8Start, n)
  }

  /// The index where `needle` starts at or after `from`, or nil.
  public func index(of needle: [UInt8], from: Int = 0) -> Int? {
    guard from <= count, let base = baseAddress, !needle.isEmpty else { return nil }
    guard needle.count <= count - from else { return nil }
    return needle.withUnsafeBufferPointer { nb -> Int? in
      byteSearch(base, count, from, nb.baseAddress!, nb.count)
    }
  }

  /// Whether the bytes at `at` equal `prefix`.
  @inlinable
  public func has(_ prefix: StaticString, at: Int) -> Bool {
    let n = prefix.utf8CodeUnitCount
    guard at >= 0, at + n <= count, let base = baseAddress else { return false }
    return memcmp(base + at, prefix.utf8Start, n) == 0
  }

  /// Whether the line ends with `suffix`.
  @inlinable
  public func hasSuffix(_ suffix: StaticString) -> Bool {
    has(suffix, at: count - suffix.utf8CodeUnitCount)
  }

  /// A String made of bytes `start..<end` (clamped); invalid UTF-8 becomes U+FFFD.
  public func string(_ start: Int, _ end: Int) -> String {
    let s = Swift.max(0, Swift.min(start, count))
    let e = Swift.max(s, Swift.min(end, count))
    return String(decoding: UnsafeBufferPointer(rebasing: self[s..<e]), as: UTF8.self)
  }

  /// The whole line as a String.
  public var string: String { string(0, count) }

  /// A String of bytes `start..<end`, lower-cased for ASCII letters.
  public func lowercasedString(_ start: Int, _ end: Int) -> String {
    let s = Swift.max(0, Swift.min(start, count))
    let e = Swift.max(s, Swift.min(end, count))
    var needsLower = false
    for i in s..<e where self[i] >= 0x41 && self[i] <= 0x5A { needsLower = true; break }
    if !needsLower { return string(s, e) }
    var copy = Array(self[s..<e])
    for i in copy.indices where copy[i] >= 0x41 && copy[i] <= 0x5A { copy[i] |= 0x20 }
    return String(decoding: copy, as: UTF8.self)
  }

  /// Parses an unsigned decimal number at `start..<end`; nil if any byte is not a digit.
  @inlinable
  public func decimal(_ start: Int, _ end: Int) -> Int? {
    guard start < end, end <= count, end - start <= 18 else { return nil }
    var v = 0
    for i in start..<end {
      let d = Int(self[i]) &- 0x30
      guard d >= 0 && d <= 9 else { return nil }
      v = v &* 10 &+ d  // safe because at most 18 digits
    }
    return v
  }

  /// The end of the run of bytes from `from` that are not `stop` (or the line's end).
  @inlinable
  public func end(of from: Int, stop: UInt8) -> Int {
    index(of: stop, from: from) ?? count
  }
}

/// Finds `needle` (n ≥ 1 bytes) in `hay[from..<count]`: memchr for the first byte, then
/// memcmp. Returns the index or nil.
@inlinable
public func byteSearch(
  _ hay: UnsafePointer<UInt8>, _ count: Int, _ from: Int, _ needle: UnsafePointer<UInt8>,
  _ n: Int
) -> Int? {
  guard n > 0 else { return from <= count ? from : nil }
  let first = Int32(needle[0])
  var i = from
  let last = count - n  // last possible start
  while i <= last {
    guard let p = memchr(hay + i, first, last - i + 1) else { return nil }
    let at = hay.distance(to: p.assumingMemoryBound(to: UInt8.self))
    if n == 1 || memcmp(hay + at + 1, needle + 1, n - 1) == 0 { return at }
    i = at + 1
  }
  return nil
}

/// Byte constants used by the parsers.
public enum ASCII {
  public static let space: UInt8 = 0x20
  public static let tab: UInt8 = 0x09
  public static let colon: UInt8 = 0x3A
  public static let comma: UInt8 = 0x2C
  public static let lbracket: UInt8 = 0x5B
  public static let rbracket: UInt8 = 0x5D
  public static let lparen: UInt8 = 0x28
  public static let rparen: UInt8 = 0x29
  public static let lt: UInt8 = 0x3C
  public static let gt: UInt8 = 0x3E
  public static let at: UInt8 = 0x40
  public static let equals: UInt8 = 0x3D
  public static let slash: UInt8 = 0x2F
  public static let dot: UInt8 = 0x2E
  public static let quote: UInt8 = 0x22

  @inlinable public static func isDigit(_ b: UInt8) -> Bool { b &- 0x30 < 10 }
  @inlinable public static func isAlnum(_ b: UInt8) -> Bool {
    isDigit(b) || (b | 0x20) &- 0x61 < 26
  }
  @inlinable public static func isUpper(_ b: UInt8) -> Bool { b &- 0x41 < 26 }
}

/// Runs `body` with a temporary byte buffer holding `text` (for tests and one-off parsing).
public func withBytes<R>(_ text: String, _ body: (Bytes) -> R) -> R {
  var copy = text
  return copy.withUTF8 { body($0) }
}
