// EximParserTests.swift: the Exim mainlog parser against real lines.
//
// Shape tests feed lines from ../shared/corpus/exim-lines.log (and a few from the
// reference pack and the eval-public log, named where used) and assert every event
// field. Counting tests apply the eval-public counting rules with a small sink written
// here. The eval-public test is skipped when ../shared/eval-public is absent.

import Foundation
import MailLogKit
import MailLogModel
import XCTest

@testable import MailLogParsers

/// Collects every event.
final class EximCollector: EventSink {
  var events: [MailEvent] = []
  func consume(_ event: MailEvent) { events.append(event) }

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

/// Applies the eval-public counting rules to events (README "Counting rules", Exim).
final class EximTally: EventSink {
  struct Side: Equatable {
    var delivered = 0, tls = 0, plaintext = 0, unknown = 0
    var byVersion: [String: Int] = [:]
    var byTrust: [String: Int] = [:]
  }
  struct Counts: Equatable {
    var delivered = 0, tls = 0, plaintext = 0, unknown = 0
  }
  var outbound = Side()
  var inbound = Side()
  var domains: [String: Counts] = [:]
  var failures = 0
  var byStatus: [String: Int] = [:]
  var ndrs = 0
  private var evidence: Set<String> = []
  private var pending: [(String, String)] = []  // (evidence key, domain) of unproven deliveries

  func consume(_ event: MailEvent) {
    switch event {
    case .delivery(let d):
      if d.status == .deferred || d.status == .bounced {
        failures += 1
        byStatus[d.status.rawValue, default: 0] += 1
      } else if d.status == .sent && d.isOutbound {
        outbound.delivered += 1
        domains[d.domain, default: Counts()].delivered += 1
        switch d.protection {
        case .tls(let v, let t):
          add(&outbound, v, t)
          domains[d.domain]!.tls += 1
        case .plaintext:
          outbound.plaintext += 1
          domains[d.domain]!.plaintext += 1
        case .unproven(let key): pending.append((key, d.domain))
        case .unknown:
          outbound.unknown += 1
          domains[d.domain]!.unknown += 1
        }
      }
    case .arrival(let a):
      inbound.delivered += 1
      switch a.protection {
      case .tls(let v, let t): add(&inbound, v, t)
      case .plaintext: inbound.plaintext += 1
      default: inbound.unknown += 1
      }
    case .ndr: ndrs += 1
    case .tlsEvidence(let key): evidence.insert(key)
    default: break
    }
  }

  private func add(_ side: inout Side, _ v: TLSVersion, _ t: TLSTrust) {
    side.tls += 1
    side.byVersion[v.rawValue, default: 0] += 1
    side.byTrust[t.rawValue, default: 0] += 1
  }

  /// Resolves unproven deliveries by the evidence rule; call once after the input.
  func finish() {
    for (key, domain) in pending {
      if evidence.contains(key) {
        outbound.plaintext += 1
        domains[domain]!.plaintext += 1
      } else {
        outbound.unknown += 1
        domains[domain]!.unknown += 1
      }
    }
    pending = []
  }
}

/// Runs the parser over `lines` (input index `input`) into `sink`; times are UTC.
@discardableResult
func runExim(_ lines: [String], sink: EventSink, input: Int = 0, run: RunState = RunState())
  -> EximParser
{
  let context = ParseContext(
    input: input, name: "test", clock: LocalClock(utc: true),
    years: YearTracker(reference: Date(timeIntervalSince1970: 1_740_000_000)), sink: sink,
    run: run)
  let parser = EximParser(context: context)
  for line in lines { withBytes(line) { parser.parse($0) } }
  parser.finish()
  return parser
}

/// Collects the events of `lines`.
func eximEvents(_ lines: [String]) -> (EximCollector, EximParser) {
  let c = EximCollector()
  let p = runExim(lines, sink: c)
  return (c, p)
}

/// Epoch seconds of a UTC civil time.
func utc(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int) -> LogTime {
  LocalClock.epoch(year: y, month: mo, day: d, hour: h, minute: mi, second: s, offset: 0)!
}

/// `<repo>/../shared/<path>`, the repository root found from this file.
func sharedPath(_ path: String) -> String {
  URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("shared").appendingPathComponent(path).path
}

final class EximEvalPublicTests: XCTestCase {
  /// The parser plus the counting rules give exactly the figures of truth.json.
  func testEvalPublicExim3000MatchesTruth() throws {
    let dir = sharedPath("eval-public/exim-3000")
    guard FileManager.default.fileExists(atPath: dir + "/truth.json") else {
      throw XCTSkip("eval-public not present at \(dir)")
    }
    let truthData = try Data(contentsOf: URL(fileURLWithPath: dir + "/truth.json"))
    let truth = try XCTUnwrap(JSONSerialization.jsonObject(with: truthData) as? [String: Any])

    let tally = EximTally()
    let collector = EximCollector()
    let context = ParseContext(
      input: 0, name: "input.log.gz", clock: LocalClock(utc: true),
      years: YearTracker(reference: Date()), sink: SinkFanOut([tally, collector]),
      run: RunState())
    let parser = EximParser(context: context)
    let input = try ByteInput(path: dir + "/input.log.gz")
    LineReader(input: input).forEachLine { parser.parse($0); return true }
    parser.finish()
    tally.finish()

    XCTAssertEqual(parser.stats.lines, truth["lines"] as? Int)
    XCTAssertEqual(parser.stats.skipped, 0, "\(parser.stats.skippedByKind) \(parser.stats.samples)")
    for (name, side) in [("outbound", tally.outbound), ("inbound", tally.inbound)] {
      let t = try XCTUnwrap(truth[name] as? [String: Any])
      XCTAssertEqual(side.delivered, t["delivered"] as? Int, name)
      XCTAssertEqual(side.tls, t["tls"] as? Int, name)
      XCTAssertEqual(side.plaintext, t["plaintext"] as? Int, name)
      XCTAssertEqual(side.unknown, t["unknown"] as? Int, name)
      XCTAssertEqual(side.byVersion, t["by_version"] as? [String: Int], name)
      XCTAssertEqual(side.byTrust, t["by_trust"] as? [String: Int], name)
    }
    let domains = try XCTUnwrap(truth["domains"] as? [String: [String: Int]])
    XCTAssertEqual(tally.domains.count, domains.count)
    for (domain, want) in domains {
      let got = tally.domains[domain]
      XCTAssertEqual(got?.delivered, want["delivered"], domain)
      XCTAssertEqual(got?.tls, want["tls"], domain)
      XCTAssertEqual(got?.plaintext, want["plaintext"], domain)
      XCTAssertEqual(got?.unknown, want["unknown"], domain)
    }
    let failures = try XCTUnwrap(truth["failures"] as? [String: Any])
    XCTAssertEqual(tally.failures, failures["total"] as? Int)
    XCTAssertEqual(tally.byStatus, failures["by_status"] as? [String: Int])
    XCTAssertEqual(tally.ndrs, truth["ndrs"] as? Int)

    // Figures counted with grep over the same file: 57 inbound `TLS error on connection
    // from`, 51 per-host `<id> H=...` lines, 8 `TLS session: ...: delivering unencrypted`.
    let attempts = collector.attempts
    XCTAssertEqual(attempts.count, 116)
    XCTAssertEqual(attempts.filter { $0.messageID == nil }.count, 57)
    XCTAssertEqual(attempts.filter { $0.reason.contains("delivering unencrypted") }.count, 8)
    // Each of the 44 `certificate verify failed` failures carries its verification
    // line; 3 more (550 after a CV=no session at the same address) carry it too.
    let failed = collector.deliveries.filter { $0.status != .sent }
    let verifyFailed = failed.filter { $0.reason?.contains("certificate verify failed") ?? false }
    XCTAssertEqual(verifyFailed.count, 44)
    XCTAssertEqual(verifyFailed.filter { $0.detail?.hasPrefix("SSL verify error: ") ?? false }.count, 44)
    XCTAssertEqual(failed.filter { $0.detail != nil }.count, 47)
  }
}
