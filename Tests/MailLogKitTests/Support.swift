// Support.swift: helpers for the MailLogKit tests: temporary files, gzip members written
// with zlib, and reading a file back through ByteInput + LineReader. A helper that
// cannot create its file fails the calling test (XCTFail), never the whole run.

import CZlib
import Foundation
import MailLogKit
import XCTest

/// A temporary directory removed when the test case ends.
final class TempDir {
  let url: URL

  init() {
    url = FileManager.default.temporaryDirectory
      .appendingPathComponent("maillogkit-tests-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(at: url) }

  /// Writes `bytes` to `name` and returns the path.
  @discardableResult
  func write(_ name: String, _ bytes: [UInt8]) -> String {
    let path = url.appendingPathComponent(name).path
    if !FileManager.default.createFile(atPath: path, contents: Data(bytes)) {
      XCTFail("cannot create \(path)")
    }
    return path
  }

  func write(_ name: String, _ text: String) -> String { write(name, Array(text.utf8)) }
}

/// One gzip member holding `bytes`, made by zlib's gzwrite in a scratch file.
func gzipMember(_ bytes: [UInt8]) -> [UInt8] {
  let path = FileManager.default.temporaryDirectory
    .appendingPathComponent("gz-\(UUID().uuidString).gz").path
  defer { unlink(path) }
  guard let gz = gzopen(path, "wb9") else {
    XCTFail("gzopen failed")
    return []
  }
  if !bytes.isEmpty {
    let written = bytes.withUnsafeBytes { gzwrite(gz, $0.baseAddress, UInt32($0.count)) }
    XCTAssertEqual(Int(written), bytes.count)
  }
  gzclose(gz)
  return Array(FileManager.default.contents(atPath: path) ?? Data())
}

func gzipMember(_ text: String) -> [UInt8] { gzipMember(Array(text.utf8)) }

/// What one input gave: its lines (as bytes), overlong count, warning and flags.
struct ReadResult {
  var lines: [[UInt8]] = []
  var overlong = 0
  var bytesRead = 0
  var warning: String?
  var encoding: DetectedEncoding = .utf8
  var compressed = false

  /// The lines decoded as UTF-8 (invalid bytes become U+FFFD), for readable asserts.
  var strings: [String] { lines.map { String(decoding: $0, as: UTF8.self) } }
}

/// Reads `path` through ByteInput and LineReader with the given sizes.
func readLines(_ path: String, chunk: Int, maxLine: Int = 64 * 1024) throws -> ReadResult {
  let input = try ByteInput(path: path)
  let reader = LineReader(input: input, chunkSize: chunk, maxLineLength: maxLine)
  var result = ReadResult()
  reader.forEachLine { line in
    result.lines.append(Array(line))
    return true
  }
  result.overlong = reader.overlongLines
  result.bytesRead = reader.bytesRead
  result.warning = input.warning
  result.encoding = input.encoding
  result.compressed = input.compressed
  return result
}

/// The chunk sizes every reader test is run at.
let chunkSizes = [1, 2, 7, 4096, 65536]

/// Real Postfix lines (from /work/shared/corpus/postfix-lines.log, lightmeter group
/// `1_bounce_simple.log`), used as ordinary log content.
let realLines = [
  "Jun  3 10:40:57 mail postfix/submission/smtpd[9708]: connect from h1.d1.example.com[192.0.2.2]",
  "Jun  3 10:40:58 mail postfix/smtp[9890]: Trusted TLS connection established to mx.example.com[192.0.2.4]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)",
  "Jun  3 10:40:59 mail postfix/bounce[9719]: 776E41855DB2: sender non-delivery notification: A48191855DA0",
  "Jun  3 10:40:59 mail postfix/qmgr[1005]: 776E41855DB2: removed",
]
