// EvalFailureTests.swift: checks the classifier and the clusters against the exact
// failure figures of /work/shared/eval-public (`<repo>/../shared/eval-public`).
// Skipped cleanly when that folder is absent.
//
// The real parsers are not used here (they live in another layer and are written
// separately): a small test-only extractor pulls the final failure lines, the detail
// line of the same session and the NDR lines out of each log, following the counting
// rules of eval-public/README.md, and feeds them to BounceClusters as events.

import Foundation
import MailLogKit
import MailLogModel
import MailLogReport
import XCTest

@testable import MailLogAnalysis

final class EvalFailureTests: XCTestCase {
  static let evalDir = SharedFolder.url("eval-public")

  private func load(_ name: String) throws -> (lines: [String], truth: [String: Any]) {
    let dir = EvalFailureTests.evalDir.appendingPathComponent(name)
    let truthURL = dir.appendingPathComponent("truth.json")
    guard FileManager.default.fileExists(atPath: truthURL.path) else {
      throw XCTSkip("eval-public not present at \(dir.path)")
    }
    let truth = try JSONSerialization.jsonObject(with: Data(contentsOf: truthURL)) as! [String: Any]
    let input = try ByteInput(path: dir.appendingPathComponent("input.log.gz").path)
    var lines: [String] = []
    LineReader(input: input).forEachLine {
      lines.append($0.string)
      return true
    }
    return (lines, truth)
  }

  private struct Failure {
    var id: String
    var recipient: String
    var status: DeliveryStatus
    var category: FailureCategory
  }

  /// Feeds the extracted events, then compares totals, per-category sums of the
  /// clusters and the sample failures with truth.json.
  private func check(_ truth: [String: Any], events: [MailEvent], mta: MTA) {
    let clusters = BounceClusters()
    var failures: [Failure] = []
    for event in events {
      clusters.consume(event)
      if case .delivery(let d) = event {
        let c = FailureClassifier.classify(
          reason: d.reason ?? "", detail: d.detail, dsn: d.dsn, mta: mta)
        failures.append(
          Failure(id: d.messageID, recipient: d.recipient, status: d.status, category: c.category))
      }
    }
    let expected = truth["failures"] as! [String: Any]
    let summary = clusters.summary()
    if ProcessInfo.processInfo.environment["SHOWTEXT"] != nil {
      var o = BouncesRender.TextOptions()
      o.showNonTLS = true
      print(BouncesRender.text(summary, clock: LocalClock(utc: true), options: o))
    }
    XCTAssertEqual(summary.total, expected["total"] as? Int)
    let byStatus = expected["by_status"] as! [String: Int]
    XCTAssertEqual(summary.deferred, byStatus["deferred"] ?? 0)
    XCTAssertEqual(summary.bounced, byStatus["bounced"] ?? 0)
    XCTAssertEqual(summary.ndrs, truth["ndrs"] as? Int)
    var sums: [String: Int] = [:]
    for c in summary.clusters where c.count > 0 { sums[c.category.rawValue, default: 0] += c.count }
    XCTAssertEqual(sums, expected["by_category"] as! [String: Int])
    for sample in truth["sample_failures"] as! [[String: Any]] {
      let id = sample["id"] as! String
      let rcpt = sample["recipient"] as! String
      let status = DeliveryStatus(rawValue: sample["status"] as! String)!
      let matching = failures.filter { $0.id == id && $0.recipient == rcpt && $0.status == status }
      XCTAssertFalse(matching.isEmpty, "sample \(id) \(rcpt) not extracted")
      XCTAssertTrue(
        matching.contains { $0.category.rawValue == sample["category"] as! String },
        "\(id) \(rcpt): expected \(sample["category"]!), got \(matching.map(\.category.rawValue))")
    }
    // The JSON object carries the same figures.
    let json = clusters.json(clock: LocalClock(utc: true))
    XCTAssertEqual(json["total"], .int(expected["total"] as! Int))
    XCTAssertEqual(json["ndrs"], .int(truth["ndrs"] as! Int))
  }

  func testPostfixEval() throws {
    let (lines, truth) = try load("postfix-3000")
    let prefix = try MailLogKit.Regex(
      #"^\w{3} +\d+ [\d:]+ (\S+) ([^/\s]+)/([\w/-]+)\[(\d+)\]: (.*)$"#)
    let result = try MailLogKit.Regex(
      #"^([0-9A-Za-z]+): to=<([^>]*)>, .*?relay=([^,]+), .*dsn=([\d.]+), status=(deferred|bounced) \((.*)\)$"#
    )
    let ndr = try MailLogKit.Regex(
      #"^([0-9A-Za-z]+): sender non-delivery notification: ([0-9A-Za-z]+)"#)
    var detailByPid: [String: String] = [:]
    var detailByReason: [String: String] = [:]
    var events: [MailEvent] = []
    let suspended = "delivery temporarily suspended: "
    for line in lines {
      guard let m = prefix.firstMatch(in: line) else { continue }
      let host = m[1]!
      let instance = m[2]!
      let daemon = m[3]!
      let pid = m[4]!
      let msg = m[5]!
      let origin = Origin(input: 0, logHost: host, mta: .postfix)
      let pidKey = "\(host)|\(instance)|\(pid)"
      if daemon == "smtp"
        && (msg.hasPrefix("warning: TLS library problem:") || msg.hasPrefix("SSL_connect error to")
          || msg.contains("certificate verification failed for"))
      {
        detailByPid[pidKey] = msg
        continue
      }
      if let n = ndr.firstMatch(in: msg) {
        events.append(.ndr(NDREvent(origin: origin, time: nil, originalID: n[1]!, ndrID: n[2]!)))
        continue
      }
      guard let r = result.firstMatch(in: msg) else { continue }
      let reason = r[6]!
      let rcpt = r[2]!
      let domain = Address.domain(of: rcpt)
      let bare = FailureClassifier.stripSuspended(reason)
      var detail: String?
      if bare.hasPrefix("Cannot start TLS") || bare.hasPrefix("Server certificate not") {
        let reasonKey = "\(host)|\(instance)|\(bare)|\(domain)"
        if reason.hasPrefix(suspended) {
          detail = detailByReason[reasonKey]
        } else {
          detail = detailByPid[pidKey]
          detailByReason[reasonKey] = detail
        }
      }
      events.append(
        .delivery(
          DeliveryEvent(
            origin: origin, time: nil, messageID: r[1]!, recipient: rcpt, domain: domain,
            relay: r[3]!, agent: daemon, status: r[5]! == "bounced" ? .bounced : .deferred,
            isOutbound: true, protection: .unknown(reason: "test"), dsn: r[4]!, reason: reason,
            detail: detail, line: line)))
    }
    check(truth, events: events, mta: .postfix)
  }

  func testEximEval() throws {
    let (lines, truth) = try load("exim-3000")
    let flag = try MailLogKit.Regex(#"^\S+ \S+ (\S+) (==|\*\*) (\S+) (.*)$"#)
    let verify = try MailLogKit.Regex(#"^\S+ \S+ (\S+) \[([^\]]+)\] SSL verify error: "#)
    let hostIP = try MailLogKit.Regex(#"\bH=\S+ \[([^\]]+)\]"#)
    let ndr = try MailLogKit.Regex(#"^\S+ \S+ (\S+) <= <> R=(\S+)"#)
    var detail: [String: String] = [:]
    var events: [MailEvent] = []
    let origin = Origin(input: 0, logHost: "", mta: .exim)
    for line in lines {
      if let v = verify.firstMatch(in: line) {
        detail[v[1]! + "|" + v[2]!] = line
      } else if let n = ndr.firstMatch(in: line) {
        events.append(.ndr(NDREvent(origin: origin, time: nil, originalID: n[2]!, ndrID: n[1]!)))
      } else if let f = flag.firstMatch(in: line) {
        let id = f[1]!
        let rcpt = f[3]!
        let rest = f[4]!
        let ip = hostIP.firstMatch(in: rest)?[1] ?? ""
        events.append(
          .delivery(
            DeliveryEvent(
              origin: origin, time: nil, messageID: id, recipient: rcpt,
              domain: Address.domain(of: rcpt), relay: "", agent: "remote_smtp",
              status: f[2]! == "**" ? .bounced : .deferred, isOutbound: true,
              protection: .unknown(reason: "test"), reason: rest, detail: detail[id + "|" + ip],
              line: line)))
      }
    }
    check(truth, events: events, mta: .exim)
  }
}
