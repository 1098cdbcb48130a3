// LineReaderTests.swift: LineReader gives the same lines at every chunk size: CRLF,
// a last line without LF, empty lines, overlong lines (counted and skipped) and
// invalid UTF-8 (passed through byte for byte).

import MailLogKit
import XCTest

final class LineReaderTests: XCTestCase {
  let dir = TempDir()

  /// Reads `bytes` at every chunk size and checks lines and overlong count.
  private func assertLines(
    _ bytes: [UInt8], maxLine: Int = 64 * 1024, expected: [[UInt8]], overlong: Int,
    file: StaticString = #filePath, line: UInt = #line
  ) throws {
    let path = dir.write("input-\(UUID().uuidString).log", bytes)
    for chunk in chunkSizes {
      let r = try readLines(path, chunk: chunk, maxLine: maxLine)
      XCTAssertEqual(r.lines, expected, "chunk size \(chunk)", file: file, line: line)
      XCTAssertEqual(r.overlong, overlong, "overlong at chunk size \(chunk)", file: file, line: line)
      XCTAssertEqual(r.bytesRead, bytes.count, "bytes at chunk size \(chunk)", file: file, line: line)
    }
  }

  func testCRLFEmptyLinesAndLastLineWithoutLF() throws {
    let text = realLines[0] + "\r\n" + realLines[1] + "\n\n\r\n" + realLines[2] + "\r\n" + realLines[3]
    try assertLines(
      Array(text.utf8),
      expected: [realLines[0], realLines[1], "", "", realLines[2], realLines[3]].map { Array($0.utf8) },
      overlong: 0)
  }

  func testOnlyTheCRBeforeLFIsDropped() throws {
    // A lone CR inside a line stays; CR CR LF loses one CR only.
    try assertLines(
      Array("a\rb\nc\r\r\n".utf8), expected: [Array("a\rb".utf8), Array("c\r".utf8)], overlong: 0)
  }

  func testEmptyInputGivesNoLines() throws {
    try assertLines([], expected: [], overlong: 0)
  }

  func testSingleLFGivesOneEmptyLine() throws {
    try assertLines([0x0A], expected: [[]], overlong: 0)
  }

  func testOverlongLinesAreCountedAndSkipped() throws {
    let long1 = String(repeating: "x", count: 40)
    let long2 = String(repeating: "y", count: 17)  // last line, no LF
    let text = "short\n\(long1)\nafter\n\(String(repeating: "z", count: 5000))\r\nend\n\(long2)"
    try assertLines(
      Array(text.utf8), maxLine: 16,
      expected: ["short", "after", "end"].map { Array($0.utf8) }, overlong: 3)
  }

  func testLineOfExactlyMaxLengthIsKeptWithLFAndCRLF() throws {
    // 16 bytes is the limit: kept with LF, with CRLF, and without a terminator;
    // 17 bytes is overlong whatever the terminator.
    let max = "0123456789abcdef"
    let text = "\(max)\n\(max)\r\n\(max)x\r\n\(max)x\n\(max)"
    try assertLines(
      Array(text.utf8), maxLine: 16, expected: [max, max, max].map { Array($0.utf8) },
      overlong: 2)
  }

  func testInvalidUTF8IsPassedThroughUnchanged() throws {
    let bad: [UInt8] = [0xFF, 0xFE, 0x41, 0xC3, 0x28, 0xE2, 0x82, 0x00, 0x80]
    let bytes = Array("before\n".utf8) + bad + [0x0A] + Array("after".utf8)
    try assertLines(bytes, expected: [Array("before".utf8), bad, Array("after".utf8)], overlong: 0)
  }

  func testBodyReturningFalseStopsEarly() throws {
    let path = dir.write("stop.log", realLines.joined(separator: "\n"))
    for chunk in chunkSizes {
      let reader = LineReader(input: try ByteInput(path: path), chunkSize: chunk)
      var seen: [String] = []
      reader.forEachLine { line in
        seen.append(line.string)
        return seen.count < 2
      }
      XCTAssertEqual(seen, Array(realLines.prefix(2)), "chunk size \(chunk)")
    }
  }

  func testManyLinesAcrossChunkBoundaries() throws {
    // 3 000 lines of varying length: every chunk size must give all of them, in order.
    var lines: [String] = []
    for i in 0..<3000 {
      lines.append(realLines[i % realLines.count] + String(repeating: "#", count: i % 97))
    }
    try assertLines(
      Array((lines.joined(separator: "\n") + "\n").utf8), expected: lines.map { Array($0.utf8) },
      overlong: 0)
  }
}
