// Support.swift: feeds lines to a PostfixParser and collects what it emits. Times are
// read in UTC and the year is fixed unless a test asks otherwise, so expected epochs do
// not depend on the machine's zone or date.

import Foundation
import MailLogKit
import MailLogModel
import MailLogParsers
import XCTest

/// Collects every event, with typed views for asserts; timestamps (`.time`) are kept
/// apart in `times` so `events` holds only facts. Shared by the Postfix, Exim and
/// Exchange parser tests.
final class Collector: EventSink {
  var events: [MailEvent] = []
  var times: [LogTime] = []
  func consume(_ event: MailEvent) {
    if case .time(let t) = event { times.append(t) } else { events.append(event) }
  }

  var deliveries: [DeliveryEvent] {
    events.compactMap { if case .delivery(let d) = $0 { return d } else { return nil } }
  }
  var arrivals: [ArrivalEvent] {
    events.compactMap { if case .arrival(let a) = $0 { return a } else { return nil } }
  }
  var attempts: [AttemptEvent] {
    events.compactMap { if case .attempt(let a) = $0 { return a } else { return nil } }
  }
  var ndrs: [NDREvent] {
    events.compactMap { if case .ndr(let n) = $0 { return n } else { return nil } }
  }
  var infos: [MessageInfoEvent] {
    events.compactMap { if case .messageInfo(let m) = $0 { return m } else { return nil } }
  }
  var evidence: [String] {
    events.compactMap { if case .tlsEvidence(let k) = $0 { return k } else { return nil } }
  }
}

typealias EximCollector = Collector
typealias RecordingSink = Collector

/// A reference time for year inference: 2026-11-20T12:00:00Z.
let referenceDate = Date(timeIntervalSince1970: 1_795_176_000)

/// Parses `lines` with a fresh PostfixParser; returns the events and the input stats.
func parsePostfix(
  _ lines: [String], year: Int? = 2026, reference: Date = referenceDate
) -> (Collector, InputStats) {
  let collector = Collector()
  let context = ParseContext(
    input: 0, name: "test.log", clock: LocalClock(utc: true),
    years: YearTracker(reference: reference, forcedYear: year), sink: collector, run: RunState())
  let parser = PostfixParser(context: context)
  for line in lines { withBytes(line) { parser.parse($0) } }
  parser.finish()
  return (collector, parser.stats)
}

/// The one delivery the lines give; fails the test when there is not exactly one.
func onlyDelivery(
  _ lines: [String], file: StaticString = #filePath, line: UInt = #line
) -> DeliveryEvent? {
  let d = parsePostfix(lines).0.deliveries
  XCTAssertEqual(d.count, 1, "deliveries", file: file, line: line)
  return d.first
}

/// Epoch seconds of a UTC civil time, for expected values.
func utc(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int) -> LogTime {
  LocalClock.epoch(year: y, month: mo, day: d, hour: h, minute: mi, second: s, offset: 0)!
}
