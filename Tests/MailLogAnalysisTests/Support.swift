// Support.swift: runs a log text through the library the way `mailtls report` does
// (LogRun with format detection, CoverageAggregator, BounceClusters) and keeps every
// event for asserts. Times are read in UTC with a fixed year, so figures do not depend
// on the machine.

import Foundation
import MailLogAnalysis
import MailLogKit
import MailLogModel
import XCTest

/// Collects events for asserts on single deliveries.
final class EventLog: EventSink {
  var events: [MailEvent] = []
  func consume(_ event: MailEvent) { events.append(event) }
  var deliveries: [DeliveryEvent] {
    events.compactMap { if case .delivery(let d) = $0 { return d } else { return nil } }
  }
  var attempts: [AttemptEvent] {
    events.compactMap { if case .attempt(let a) = $0 { return a } else { return nil } }
  }
}

/// The outcome of one counted run.
struct Counted {
  var coverage: CoverageAggregator
  /// Failure totals as the report computes them (BounceClusters).
  var tally: BounceSummary
  var events: EventLog
  var result: RunResult
}

/// Writes `log` to a temporary file and counts it as `mailtls report` would.
func count(
  _ log: String, year: Int = 2026, chunkSize: Int = 1 << 20, file: StaticString = #filePath,
  line: UInt = #line
) -> Counted {
  let path = FileManager.default.temporaryDirectory
    .appendingPathComponent("counting-\(UUID().uuidString).log").path
  XCTAssertTrue(
    FileManager.default.createFile(atPath: path, contents: Data(log.utf8)), file: file, line: line)
  defer { try? FileManager.default.removeItem(atPath: path) }
  return count(paths: [path], year: year, chunkSize: chunkSize)
}

/// Counts the given files in order.
func count(paths: [String], year: Int? = 2026, chunkSize: Int = 1 << 20) -> Counted {
  var options = RunOptions(inputs: paths, year: year, utc: true)
  options.chunkSize = chunkSize
  let run = LogRun(options: options)
  let coverage = CoverageAggregator(inputNames: run.inputNames, clock: run.clock)
  let clusters = BounceClusters()
  let events = EventLog()
  let result = run.run(sink: SinkFanOut([coverage, clusters, events]))
  coverage.finish()
  return Counted(coverage: coverage, tally: clusters.summary(), events: events, result: result)
}

/// Asserts the exact figures of one population.
func assertCounts(
  _ c: CoverageCounts?, delivered: Int, tls: Int, plaintext: Int, unknown: Int,
  versions: [TLSVersion: Int] = [:], trust: [TLSTrust: Int] = [:],
  file: StaticString = #filePath, line: UInt = #line
) {
  guard let c else { return XCTFail("population missing", file: file, line: line) }
  XCTAssertEqual(c.delivered, delivered, "delivered", file: file, line: line)
  XCTAssertEqual(c.tls, tls, "tls", file: file, line: line)
  XCTAssertEqual(c.plaintext, plaintext, "plaintext", file: file, line: line)
  XCTAssertEqual(c.unknown, unknown, "unknown", file: file, line: line)
  XCTAssertEqual(c.byVersion, versions, "by_version", file: file, line: line)
  XCTAssertEqual(c.byTrust, trust, "by_trust", file: file, line: line)
  XCTAssertTrue(c.pending.isEmpty, "nothing left pending after finish()", file: file, line: line)
}

/// Epoch seconds of a UTC civil time.
func utc(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int) -> LogTime {
  LocalClock.epoch(year: y, month: mo, day: d, hour: h, minute: mi, second: s, offset: 0)!
}
