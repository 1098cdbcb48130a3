// ExchangeTestSupport.swift: runs Exchange inputs the way the CLI reads them (ByteInput
// + LineReader, one ExchangeParser per input, one RunState) and records the events;
// writes re-encoded copies of fixtures (CRLF, UTF-8 BOM, UTF-16LE) to a temp folder.
// Test support only; a missing fixture fails the calling test.

import Foundation
import MailLogKit
import MailLogModel
import MailLogParsers
import XCTest

extension Collector {
  /// Outbound successful deliveries.
  var outbound: [DeliveryEvent] { deliveries.filter { $0.status == .sent && $0.isOutbound } }
}


/// One run over several Exchange inputs.
final class ExchangeRun {
  let run = RunState()
  let sink = RecordingSink()
  private(set) var stats: [InputStats] = []

  /// Reads the file at `path` through ByteInput and LineReader.
  func read(_ path: String) throws {
    let input = try ByteInput(path: path)
    let reader = LineReader(input: input, chunkSize: 4096)
    let parser = ExchangeParser(context: context(name: path))
    reader.forEachLine { line in
      parser.parse(line)
      return true
    }
    parser.finish()
    stats.append(parser.stats)
  }

  /// Reads `text` split at LF (no ByteInput): for inline lines.
  func read(text: String, name: String = "inline") {
    let parser = ExchangeParser(context: context(name: name))
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      withBytes(String(line)) { parser.parse($0) }
    }
    parser.finish()
    stats.append(parser.stats)
  }

  /// Runs the finishers (the join).
  func finish() { run.finish() }

  private func context(name: String) -> ParseContext {
    ParseContext(
      input: stats.count, name: name, clock: LocalClock(utc: true),
      years: YearTracker(reference: Date()), sink: sink, run: run)
  }
}

/// Where test fixtures and sample logs are.
enum ExchangeFiles {
  static let testsDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  static let fixtures = testsDir.appendingPathComponent("Fixtures/exchange")
  static let repo = testsDir.deletingLastPathComponent().deletingLastPathComponent()
  static let samples = repo.appendingPathComponent("sample-logs/exchange")

  static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }
  static func sample(_ name: String) -> String { samples.appendingPathComponent(name).path }

  /// The encodings a real Exchange file may come in.
  enum Encoding: String, CaseIterable {
    case lf, crlf, utf8BOM, utf16LE
  }

  /// A copy of `path` re-encoded as `encoding` in a temp folder (CRLF line ends for all
  /// but `lf`; UTF-16LE with BOM, as PowerShell and the admin centre write it).
  static func reencoded(_ path: String, as encoding: Encoding) throws -> String {
    var text = try String(contentsOfFile: path, encoding: .utf8)
    if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
    if encoding != .lf { text = text.replacingOccurrences(of: "\n", with: "\r\n") }
    var data = Data()
    switch encoding {
    case .lf, .crlf: data = Data(text.utf8)
    case .utf8BOM: data = Data([0xEF, 0xBB, 0xBF]) + Data(text.utf8)
    case .utf16LE: data = Data([0xFF, 0xFE]) + text.data(using: .utf16LittleEndian)!
    }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "mailtls-exchange-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let out = dir.appendingPathComponent(
      encoding.rawValue + "-" + URL(fileURLWithPath: path).lastPathComponent)
    try data.write(to: out)
    return out.path
  }
}

/// A one-line description of an event, for comparing runs.
func describe(_ event: MailEvent) -> String {
  switch event {
  case .delivery(let d):
    return "delivery \(d.messageID) \(d.recipient) \(d.status) out=\(d.isOutbound) \(d.protection) "
      + "dsn=\(d.dsn ?? "-") reason=\(d.reason ?? "-") t=\(d.time.map { String($0) } ?? "-")"
  case .arrival(let a):
    return
      "arrival \(a.messageID) \(a.client) \(a.protection) t=\(a.time.map { String($0) } ?? "-")"
  case .ndr(let n): return "ndr \(n.originalID) -> \(n.ndrID)"
  case .time(let t): return "time \(t)"
  default: return "\(event)"
  }
}
