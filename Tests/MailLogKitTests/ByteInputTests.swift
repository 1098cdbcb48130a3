// ByteInputTests.swift: ByteInput detects gzip and text encoding by content: plain,
// gzip, concatenated gzip members, truncated gzip (warning, earlier lines kept),
// binary junk, UTF-16LE/BE with and without BOM, UTF-8 BOM, and stdin-like streams
// (a FIFO, and "-" read from file descriptor 0).

import Foundation
import MailLogKit
import XCTest

#if canImport(Glibc)
  import Glibc
#endif

final class ByteInputTests: XCTestCase {
  let dir = TempDir()

  /// Text with non-ASCII letters, a symbol and a character outside the BMP (surrogate pair).
  let unicodeLines = [
    realLines[0],
    "Apr 15 12:20:28 mx2 postfix/smtpd[6833]: Grüße aus Köln, 5 €, 😀 done",
    realLines[3],
  ]

  private func utf16(_ text: String, bigEndian: Bool, bom: Bool) -> [UInt8] {
    var out: [UInt8] = bom ? (bigEndian ? [0xFE, 0xFF] : [0xFF, 0xFE]) : []
    for unit in text.utf16 {
      let hi = UInt8(unit >> 8)
      let lo = UInt8(unit & 0xFF)
      out += bigEndian ? [hi, lo] : [lo, hi]
    }
    return out
  }

  /// Checks every chunk size gives `lines` and the given flags.
  private func assertInput(
    _ path: String, lines: [String], encoding: DetectedEncoding, compressed: Bool,
    file: StaticString = #filePath, line: UInt = #line
  ) throws {
    for chunk in chunkSizes {
      let r = try readLines(path, chunk: chunk)
      XCTAssertEqual(r.strings, lines, "chunk size \(chunk)", file: file, line: line)
      XCTAssertEqual(r.encoding, encoding, "chunk size \(chunk)", file: file, line: line)
      XCTAssertEqual(r.compressed, compressed, "chunk size \(chunk)", file: file, line: line)
      XCTAssertNil(r.warning, "chunk size \(chunk)", file: file, line: line)
    }
  }

  func testPlainFile() throws {
    let path = dir.write("plain.log", realLines.joined(separator: "\n") + "\n")
    try assertInput(path, lines: realLines, encoding: .utf8, compressed: false)
    let input = try ByteInput(path: path)
    XCTAssertEqual(input.name, path)
    XCTAssertNotNil(input.modificationTime)
  }

  func testGzipIsDetectedByContentNotName() throws {
    let gz = gzipMember(realLines.joined(separator: "\n") + "\n")
    XCTAssertEqual(Array(gz.prefix(2)), [0x1F, 0x8B])
    let path = dir.write("rotated.log.1", gz)  // no .gz suffix on purpose
    try assertInput(path, lines: realLines, encoding: .utf8, compressed: true)
  }

  func testConcatenatedGzipMembersAreAllRead() throws {
    // Rotated logs are often several members glued together (`cat a.gz b.gz`).
    let first = gzipMember(realLines[0] + "\n" + realLines[1] + "\n")
    let second = gzipMember(realLines[2] + "\n")
    let third = gzipMember(realLines[3])
    let path = dir.write("concat.gz", first + second + third)
    try assertInput(path, lines: realLines, encoding: .utf8, compressed: true)
  }

  func testEmptyGzipMemberGivesNoLines() throws {
    let path = dir.write("empty.gz", gzipMember(""))
    let r = try readLines(path, chunk: 4096)
    XCTAssertEqual(r.lines, [])
    XCTAssertNil(r.warning)
    XCTAssertTrue(r.compressed)
  }

  func testTruncatedGzipWarnsAndKeepsEarlierLines() throws {
    var lines: [String] = []
    for i in 0..<4000 { lines.append("\(realLines[i % 4]) n=\(i * 7919 % 100_003)") }
    let gz = gzipMember(lines.joined(separator: "\n") + "\n")
    let path = dir.write("truncated.gz", Array(gz.prefix(gz.count * 6 / 10)))
    for chunk in chunkSizes {
      let r = try readLines(path, chunk: chunk)
      XCTAssertNotNil(r.warning, "chunk size \(chunk)")
      XCTAssertTrue(r.warning?.contains("lines before it were read") ?? false, "\(r.warning ?? "")")
      XCTAssertTrue(r.compressed)
      // Everything but a possibly cut last line is a prefix of the original.
      let whole = r.strings.dropLast()
      XCTAssertGreaterThan(whole.count, 1000, "chunk size \(chunk)")
      XCTAssertLessThan(whole.count, lines.count)
      XCTAssertEqual(Array(whole), Array(lines.prefix(whole.count)), "chunk size \(chunk)")
    }
  }

  func testTruncatedInsideGzipHeaderDoesNotCrash() throws {
    let gz = gzipMember(realLines.joined(separator: "\n"))
    let path = dir.write("header-only.gz", Array(gz.prefix(5)))
    let r = try readLines(path, chunk: 7)
    XCTAssertLessThanOrEqual(r.lines.count, 1)
  }

  func testBinaryJunkIsReadWithoutCrashing() throws {
    // Deterministic pseudo-random bytes, NULs and high bytes included.
    var state: UInt32 = 0x1234_5678
    var junk: [UInt8] = [0x00, 0x01, 0x02, 0x03]
    for _ in 0..<200_000 {
      state = state &* 1_664_525 &+ 1_013_904_223
      junk.append(UInt8(state >> 24))
    }
    let path = dir.write("junk.bin", junk)
    for chunk in chunkSizes {
      let r = try readLines(path, chunk: chunk, maxLine: 4096)
      XCTAssertEqual(r.bytesRead, junk.count, "chunk size \(chunk)")
      XCTAssertNil(r.warning)
      XCTAssertFalse(r.compressed)
      let lfCount = junk.filter { $0 == 0x0A }.count
      XCTAssertEqual(r.lines.count + r.overlong, lfCount + 1, "chunk size \(chunk)")
    }
  }

  func testJunkWithGzipMagicGivesAWarning() throws {
    let path = dir.write("fake.gz", [0x1F, 0x8B, 0x08, 0x00] + Array(repeating: 0x55, count: 300))
    let r = try readLines(path, chunk: 4096)
    XCTAssertNotNil(r.warning)
    XCTAssertTrue(r.compressed)
  }

  func testUTF16LEWithBOM() throws {
    let text = unicodeLines.joined(separator: "\r\n") + "\r\n"
    let path = dir.write("le-bom.log", utf16(text, bigEndian: false, bom: true))
    try assertInput(path, lines: unicodeLines, encoding: .utf16LE, compressed: false)
  }

  func testUTF16LEWithoutBOM() throws {
    let text = unicodeLines.joined(separator: "\n")
    let path = dir.write("le.log", utf16(text, bigEndian: false, bom: false))
    try assertInput(path, lines: unicodeLines, encoding: .utf16LE, compressed: false)
  }

  func testUTF16BEWithAndWithoutBOM() throws {
    let text = unicodeLines.joined(separator: "\n") + "\n"
    let withBOM = dir.write("be-bom.log", utf16(text, bigEndian: true, bom: true))
    try assertInput(withBOM, lines: unicodeLines, encoding: .utf16BE, compressed: false)
    let without = dir.write("be.log", utf16(text, bigEndian: true, bom: false))
    try assertInput(without, lines: unicodeLines, encoding: .utf16BE, compressed: false)
  }

  func testGzippedUTF16() throws {
    let text = unicodeLines.joined(separator: "\n")
    let path = dir.write("le.log.gz", gzipMember(utf16(text, bigEndian: false, bom: true)))
    try assertInput(path, lines: unicodeLines, encoding: .utf16LE, compressed: true)
  }

  func testUTF16LoneSurrogateAndOddTrailingByteBecomeReplacement() throws {
    // "a", a lone high surrogate, "b", then one stray byte.
    let bytes: [UInt8] = [0xFF, 0xFE, 0x61, 0x00, 0x00, 0xD8, 0x62, 0x00, 0x0A, 0x00, 0x63]
    let path = dir.write("bad16.log", bytes)
    for chunk in chunkSizes {
      let r = try readLines(path, chunk: chunk)
      XCTAssertEqual(r.strings, ["a\u{FFFD}b"], "chunk size \(chunk)")
    }
  }

  func testUTF8BOMIsDropped() throws {
    let path = dir.write("bom.log", [0xEF, 0xBB, 0xBF] + Array(realLines.joined(separator: "\n").utf8))
    try assertInput(path, lines: realLines, encoding: .utf8BOM, compressed: false)
  }

  func testMissingFileAndDirectoryCannotBeOpened() {
    XCTAssertThrowsError(try ByteInput(path: dir.url.appendingPathComponent("nope.log").path)) {
      XCTAssertTrue("\($0)".contains("No such file or directory"), "\($0)")
    }
    XCTAssertThrowsError(try ByteInput(path: dir.url.path)) {
      XCTAssertTrue("\($0)".contains("is a directory"), "\($0)")
    }
  }

  /// Writes `bytes` into a FIFO from another thread while `body` reads it.
  private func withFIFO(_ bytes: [UInt8], _ body: (String) throws -> Void) throws {
    let path = dir.url.appendingPathComponent("fifo-\(UUID().uuidString)").path
    XCTAssertEqual(mkfifo(path, 0o600), 0)
    let writer = Thread {
      let fd = open(path, O_WRONLY)
      guard fd >= 0 else { return }
      var off = 0
      while off < bytes.count {
        let n = bytes[off...].withUnsafeBytes { write(fd, $0.baseAddress, min(997, $0.count)) }
        if n <= 0 { break }
        off += n
      }
      close(fd)
    }
    writer.start()
    try body(path)
  }

  func testFIFOPlainAndGzip() throws {
    let text = realLines.joined(separator: "\n") + "\n"
    try withFIFO(Array(text.utf8)) { path in
      let r = try readLines(path, chunk: 7)
      XCTAssertEqual(r.strings, realLines)
      XCTAssertFalse(r.compressed)
    }
    try withFIFO(gzipMember(text) + gzipMember(text)) { path in
      let r = try readLines(path, chunk: 65536)
      XCTAssertEqual(r.strings, realLines + realLines)
      XCTAssertTrue(r.compressed)
      XCTAssertNil(r.warning)
    }
  }

  func testDashReadsStandardInput() throws {
    // Point fd 0 at a gzip file for the duration of the read, then restore it.
    let path = dir.write("stdin.gz", gzipMember(realLines.joined(separator: "\n")))
    let saved = dup(0)
    let fd = open(path, O_RDONLY)
    XCTAssertGreaterThanOrEqual(fd, 0)
    dup2(fd, 0)
    close(fd)
    defer {
      dup2(saved, 0)
      close(saved)
    }
    let input = try ByteInput(path: "-")
    XCTAssertEqual(input.name, "<stdin>")
    XCTAssertNil(input.modificationTime)
    var lines: [String] = []
    LineReader(input: input, chunkSize: 2).forEachLine {
      lines.append($0.string)
      return true
    }
    XCTAssertEqual(lines, realLines)
    XCTAssertTrue(input.compressed)
  }
}
