// TraceTests.swift: the pieces of `mailtls trace` below the CLI: query kinds, the
// byte-level needle (word boundaries, ASCII case), Postfix queue-id recognition, the
// bounded stores (hash map, ring buffer, generations), and the prefilter against a full
// parse on the eval log (shared/eval-public/postfix-3000, skipped when absent).

import Foundation
import MailLogAnalysis
import MailLogKit
import MailLogModel
import MailLogReport
import XCTest

@testable import MailLogAnalysis

final class TraceTests: XCTestCase {
  // MARK: Query and needle

  func testQueryKinds() {
    XCTAssertEqual(TraceQuery("<Bob@Example.org>")?.kind, .address)
    XCTAssertEqual(TraceQuery("<Bob@Example.org>")?.text, "Bob@Example.org")
    XCTAssertEqual(TraceQuery("@example.org")?.kind, .domain)
    XCTAssertEqual(TraceQuery("example.org.")?.text, "example.org")
    XCTAssertEqual(TraceQuery("4AA091855DA0")?.kind, .id)
    XCTAssertEqual(TraceQuery("1rABCD-000123-AB")?.kind, .id)
    XCTAssertEqual(TraceQuery("192.0.2.1")?.kind, .id, "no letters: not a domain")
    XCTAssertNil(TraceQuery("  "))
    XCTAssertNil(TraceQuery("a b@example.org"))
    let d = TraceQuery("example.org")!
    XCTAssertTrue(d.matches(address: "x@mail.example.org"))
    XCTAssertFalse(d.matches(address: "x@badexample.org"))
    let a = TraceQuery("bob@example.org")!
    XCTAssertTrue(a.matches(address: "BOB@example.org"))
    XCTAssertTrue(a.matches(header: "bob@example.org"))
    XCTAssertFalse(
      TraceQuery("4AA091855DA0")!.matches(id: "4aa091855da0"), "ids are case-sensitive")
  }

  private func found(_ q: String, _ line: String) -> Bool {
    let n = TraceNeedle(TraceQuery(q)!)
    return withBytes(line) { n.found(in: $0) }
  }

  func testNeedleBoundaries() {
    XCTAssertTrue(found("bob@example.org", "QID: to=<Bob@Example.ORG>, relay=none"))
    XCTAssertFalse(found("bob@example.org", "QID: to=<jimbob@example.org>, relay=none"))
    XCTAssertFalse(found("bob@example.org", "QID: to=<bob@example.org.uk>, relay=none"))
    XCTAssertTrue(found("bob@example.org", "client=x[192.0.2.1], sasl_username=bob@example.org"))
    XCTAssertTrue(found("example.org", "from=<a@mail.example.org>,"))
    XCTAssertTrue(found("example.org", "from=<a@example.org.>,"))
    XCTAssertFalse(
      found("example.org", "relay=mx.example.org[192.0.2.1]:25"), "domains are matched in addresses"
    )
    XCTAssertFalse(found("example.org", "from=<a@badexample.org>"))
    XCTAssertTrue(found("4AA091855DA0", "postfix/qmgr[1]: 4AA091855DA0: removed"))
    XCTAssertTrue(found("4AA091855DA0", "status=sent (250 2.0.0 Ok: queued as 4AA091855DA0)"))
    XCTAssertFalse(found("4AA091855DA0", "postfix/qmgr[1]: 4AA091855DA01: removed"))
  }

  func testPostfixQueueIDs() {
    func qid(_ line: String) -> String? {
      withBytes(line) { b in PostfixLine(b)?.qid.map { b.string($0.lowerBound, $0.upperBound) } }
    }
    XCTAssertEqual(
      qid("Jun  3 10:40:57 mail postfix/qmgr[1005]: 4AA091855DA0: removed"), "4AA091855DA0")
    XCTAssertEqual(
      qid("Sep  4 14:06:43 mail15 postfix/cleanup[1395638]: 4WzPS31N13z8slH: message-id=<a@b>"),
      "4WzPS31N13z8slH")
    XCTAssertNil(qid("Jun  3 10:40:57 mail postfix/smtpd[1]: NOQUEUE: reject: RCPT from x"))
    XCTAssertNil(qid("Jun  3 10:40:57 mail postfix/smtp[1]: warning: TLS library problem: x"))
    XCTAssertEqual(
      qid(
        "Jun  3 10:40:57 mail postfix/bounce[1]: warning: 4AA091855DA0: sender notification failed"),
      "4AA091855DA0")
    let l = withBytes(
      "2025-04-09T08:25:46.545425+00:00 mail19 postfix/relay/smtp[706]: 5FCA28903A: to=<a@b>"
    ) {
      b in
      PostfixLine(b).map {
        (
          b.string($0.host.lowerBound, $0.host.upperBound),
          b.string($0.daemon.lowerBound, $0.daemon.upperBound),
          b.string($0.instance.lowerBound, $0.instance.upperBound)
        )
      }
    }
    XCTAssertEqual(l?.0, "mail19")
    XCTAssertEqual(l?.1, "smtp")
    XCTAssertEqual(l?.2, "postfix")
  }

  // MARK: Stores

  func testU64MapInsertRemoveWithCollisions() {
    var m = U64Map<Int>(capacity: 64)
    // Keys sharing low bits probe the same runs; 0 is a valid key.
    let keys: [UInt64] = (0..<60).map { UInt64($0) << 40 }
    for (i, k) in keys.enumerated() { m.modify(k, { i }) { _ in } }
    XCTAssertEqual(m.count, 60)
    for k in keys.enumerated() where k.offset % 2 == 0 {
      XCTAssertEqual(m.remove(k.element), k.offset)
    }
    for (i, k) in keys.enumerated() {
      XCTAssertEqual(m.contains(k), i % 2 == 1, "key \(i)")
      XCTAssertEqual(m.peek(k) { $0 }, i % 2 == 1 ? i : nil)
    }
    XCTAssertEqual(m.count, 30)
  }

  func testGenerationsDropTheOldestAndReportIt() {
    var g = Generations<Int>(limit: 16)
    var dropped: [Int] = []
    g.evicted = { dropped.append($0) }
    for i in 0..<40 { g.put(UInt64(i + 1), i) }
    XCTAssertTrue(g.contains(40))
    XCTAssertFalse(g.contains(1))
    XCTAssertEqual(dropped.sorted(), Array(0..<15))
    XCTAssertEqual(g.take(40), 39)
    XCTAssertFalse(g.contains(40))
  }

  func testLineRingWrapsAndChains() {
    var ring = LineRing(capacity: 1 << 16)
    var positions: [UInt64] = []
    var prev: UInt64 = 0
    for i in 0..<1000 {
      let text = "line \(i) " + String(repeating: "x", count: i % 97)
      let pos = withBytes(text) { ring.append($0, prevProc: prev, prevQid: 0) }
      positions.append(pos)
      prev = pos
    }
    var seen: [String] = []
    for pos in positions.suffix(50) { ring.withLine(pos) { seen.append($0.string) } }
    XCTAssertEqual(seen.first, "line 950 " + String(repeating: "x", count: 950 % 97))
    XCTAssertEqual(seen.last, "line 999 " + String(repeating: "x", count: 999 % 97))
    XCTAssertFalse(ring.isLive(positions[0]), "overwritten after a full turn")
    XCTAssertEqual(ring.prevProc(positions[999]), positions[998])
    var count = 0
    ring.withLine(positions[0]) { _ in count += 1 }
    XCTAssertEqual(count, 0)
  }

  // MARK: Prefilter against a full parse

  private static let eval = SharedFolder.url("eval-public/postfix-3000/input.log.gz")

  private func traceJSON(_ query: String, filtering: Bool, limits: TraceLimits = TraceLimits())
    -> String
  {
    let q = TraceQuery(query)!
    let collector = TraceCollector(query: q)
    let pre = TracePrefilter(collector: collector, filtering: filtering, limits: limits)
    var options = RunOptions(inputs: [Self.eval.path], year: 2025, utc: true)
    options.lineGate = { pre.gate($0, $1) }
    let run = LogRun(options: options)
    let result = run.run(sink: collector)
    let report = TraceReport(
      query: q, stories: collector.stories(), since: nil, until: nil, inputs: result.inputs,
      linesRead: pre.linesRead, linesParsed: 0, stoppedEarly: false, clock: run.clock)
    return TraceRender.json(report)
  }

  func testPrefilterMatchesFullParseOnTheEvalLog() throws {
    guard FileManager.default.fileExists(atPath: Self.eval.path) else {
      throw XCTSkip("\(Self.eval.path) is absent")
    }
    // A content-filter hop with TLS, an NDR, TLS deferrals (suspended with detail),
    // a busy local mailbox, a domain, ids before and after the filter, Message-IDs.
    let queries = [
      "contact@mailbox.example.com", "kai.xu@coralmeadow.example.org", "1A3A137EE25C",
      "CEE7C37D7B43", "20250716052822.1131E11AE21C@mail.ourmail.example.org",
      "leon.fuchs@ourmail.example.org", "acme-oak.example.org", "sierrairis.example.org",
    ]
    for q in queries {
      let a = traceJSON(q, filtering: true)
      let b = traceJSON(q, filtering: false)
      XCTAssertTrue(a.contains("\"matches\": "), q)
      XCTAssertFalse(a.contains("\"matches\": 0,"), "\(q) should match")
      XCTAssertEqual(a, b, q)
    }
  }

  func testTinyLimitsStillFindTheMessage() throws {
    guard FileManager.default.fileExists(atPath: Self.eval.path) else {
      throw XCTSkip("\(Self.eval.path) is absent")
    }
    var tiny = TraceLimits()
    tiny.ringBytes = 1 << 16
    tiny.processes = 16
    tiny.queueIDs = 16
    // Look-back is cut short, so earlier lines may be missing, but every line that
    // names the address is still parsed: the same recipients and outcomes.
    for q in ["contact@mailbox.example.com", "kai.xu@coralmeadow.example.org"] {
      let small = traceJSON(q, filtering: true, limits: tiny)
      let full = traceJSON(q, filtering: false)
      func outcomes(_ s: String) throws -> [String] {
        let j = try JSONSerialization.jsonObject(with: Data(s.utf8)) as! [String: Any]
        return (j["messages"] as! [[String: Any]]).flatMap { m in
          (m["outcomes"] as! [[String: Any]]).map { "\($0["recipient"]!) \($0["status"]!)" }
        }.sorted()
      }
      XCTAssertEqual(
        try outcomes(small).filter { $0.hasPrefix(q) },
        try outcomes(full).filter { $0.hasPrefix(q) }, q)
    }
  }
}
