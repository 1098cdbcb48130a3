// EvalPostfixTests.swift: the worked example eval-public/postfix-3000 reproduces every
// figure of its truth.json (outbound, inbound with by_version/by_trust, every domain,
// failures total and by_status, ndrs) through LogRun + CoverageAggregator +
// BounceClusters. The folder is read from <repo>/../shared/eval-public; when it is absent
// the test is skipped with a message saying so.

import Foundation
import MailLogAnalysis
import MailLogKit
import MailLogModel
import XCTest

final class EvalPostfixTests: XCTestCase {
  /// `<repo>/../shared/eval-public/postfix-3000`, from this file's path.
  static let folder = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("shared/eval-public/postfix-3000")

  private func loadTruth() throws -> (input: String, truth: [String: Any]) {
    let input = Self.folder.appendingPathComponent("input.log.gz").path
    let truthURL = Self.folder.appendingPathComponent("truth.json")
    guard FileManager.default.fileExists(atPath: input),
      let data = FileManager.default.contents(atPath: truthURL.path)
    else {
      throw XCTSkip("eval-public/postfix-3000 not found at \(Self.folder.path); worked example not checked")
    }
    let truth = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    return (input, truth)
  }

  private func int(_ any: Any?) -> Int? { (any as? NSNumber)?.intValue }

  /// Compares one population with its truth object.
  private func check(_ name: String, _ c: CoverageCounts, _ t: [String: Any]?, detailed: Bool) {
    guard let t else { return XCTFail("\(name): missing in truth.json") }
    XCTAssertEqual(c.delivered, int(t["delivered"]), "\(name).delivered")
    XCTAssertEqual(c.tls, int(t["tls"]), "\(name).tls")
    XCTAssertEqual(c.plaintext, int(t["plaintext"]), "\(name).plaintext")
    XCTAssertEqual(c.unknown, int(t["unknown"]), "\(name).unknown")
    guard detailed else { return }
    if let p = (t["tls_percent"] as? NSNumber)?.doubleValue {
      XCTAssertEqual(c.tlsPercent ?? -1, p, accuracy: 0.05, "\(name).tls_percent")
    } else {
      XCTAssertNil(c.tlsPercent, "\(name).tls_percent")
    }
    let versions = (t["by_version"] as? [String: Any] ?? [:]).mapValues { int($0) ?? -1 }
    let trust = (t["by_trust"] as? [String: Any] ?? [:]).mapValues { int($0) ?? -1 }
    XCTAssertEqual(
      Dictionary(uniqueKeysWithValues: c.byVersion.filter { $0.value > 0 }.map { ($0.key.rawValue, $0.value) }),
      versions, "\(name).by_version")
    XCTAssertEqual(
      Dictionary(uniqueKeysWithValues: c.byTrust.filter { $0.value > 0 }.map { ($0.key.rawValue, $0.value) }),
      trust, "\(name).by_trust")
  }

  func testPostfix3000ReproducesTruth() throws {
    let (input, truth) = try loadTruth()
    // Year: the log's own (truth has none); figures do not depend on it.
    var options = RunOptions(inputs: [input])
    options.utc = true
    let run = LogRun(options: options)
    let coverage = CoverageAggregator(inputNames: run.inputNames, clock: run.clock)
    let clusters = BounceClusters()
    let result = run.run(sink: SinkFanOut([coverage, clusters]))
    coverage.finish()

    XCTAssertEqual(result.openErrors, [])
    XCTAssertEqual(result.inputs.first?.format, "postfix")
    XCTAssertEqual(result.inputs.first?.compressed, true)
    XCTAssertNil(result.inputs.first?.warning)
    XCTAssertEqual(result.inputs.first?.lines, int(truth["lines"]))

    check("outbound", coverage.outbound, truth["outbound"] as? [String: Any], detailed: true)
    check("inbound", coverage.inbound, truth["inbound"] as? [String: Any], detailed: true)

    let domains = try XCTUnwrap(truth["domains"] as? [String: [String: Any]])
    XCTAssertEqual(Set(coverage.domains.keys), Set(domains.keys), "domain list")
    for (name, t) in domains {
      check("domains[\(name)]", coverage.domains[name] ?? CoverageCounts(), t, detailed: false)
    }

    let failures = try XCTUnwrap(truth["failures"] as? [String: Any])
    let byStatus = try XCTUnwrap(failures["by_status"] as? [String: Any])
    let tally = clusters.summary()
    XCTAssertEqual(tally.total, int(failures["total"]), "failures.total")
    XCTAssertEqual(tally.deferred, int(byStatus["deferred"]) ?? 0, "failures.by_status.deferred")
    XCTAssertEqual(tally.bounced, int(byStatus["bounced"]) ?? 0, "failures.by_status.bounced")
    XCTAssertEqual(tally.ndrs, int(truth["ndrs"]), "ndrs")
  }
}
