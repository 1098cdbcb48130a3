// HistoryStoreTests.swift: the history store writes exact daily rows, re-running a day
// replaces it without double-counting, a later run replaces only its own days, the
// trend and day-over-day changes read back exact figures, and a store kept in UTC days
// refuses a local-time run.

import Foundation
import MailLogAnalysis
import MailLogKit
import MailLogModel
import XCTest

final class HistoryStoreTests: XCTestCase {
  private typealias F = NightlyFixture
  private var dir: URL!
  private let clock = LocalClock(utc: true)

  override func setUpWithError() throws {
    dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "history-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(at: dir)
  }

  private func t(_ d: Int, _ h: Int, _ m: Int = 0) -> LogTime { F.utc(2026, 7, d, h, m) }

  /// Two full days (14 and 15 July) with a line before and after them.
  private var twoDays: [MailEvent] {
    let tls13 = Protection.tls(.v13, .verified)
    return [
      F.sent(t(13, 23, 50), "a.example", tls13),
      F.sent(t(14, 0, 0), "a.example", tls13),
      F.sent(t(14, 9), "a.example", tls13),
      F.sent(t(14, 10), "a.example", .tls(.v12, .trusted)),
      F.sent(t(14, 11), "a.example", .plaintext),
      F.sent(t(14, 12), "b.example", tls13),
      F.arrival(t(14, 8), .tls(.v12, .anonymous)),
      F.arrival(t(14, 9), .plaintext),
      F.failed(
        t(14, 13), "b.example", .deferred,
        reason: "lost connection with mx.b.example while receiving the initial server greeting"),
      F.failed(
        t(14, 14), "a.example", .bounced, reason: "host mx.a.example said: 550 5.1.1 no such user"),
      F.failed(
        t(14, 15), "a.example", .bounced, reason: "host mx.a.example said: 550 5.1.1 no such user"),
      F.sent(t(15, 9), "a.example", .plaintext),
      F.sent(t(15, 10), "a.example", .plaintext),
      F.sent(t(15, 11), "b.example", tls13),
      F.sent(t(15, 23, 59), "c.example", tls13),
      F.arrival(t(15, 9), .tls(.v13, .anonymous)),
      F.failed(t(15, 16), "c.example", .deferred, reason: "Server certificate not verified"),
      F.sent(t(16, 0, 5), "a.example", tls13),
    ]
  }

  /// Runs `events` through coverage + collector and stores what the plan allows.
  @discardableResult
  private func store(
    _ events: [MailEvent], since: LogTime? = nil, until: LogTime? = nil, into path: String
  ) throws -> [DayDecision] {
    let coverage = CoverageAggregator(
      inputNames: ["mail.log"], clock: clock, since: since, until: until)
    let collector = HistoryCollector(clock: clock, accept: coverage.inWindow) { d in
      (d.reason ?? "").contains("certificate") ? "T09" : "unclassified"
    }
    F.feed(events, into: [coverage, collector])
    coverage.finish()
    let decisions = HistoryPlan.decide(
      inputFirst: collector.firstTime, inputLast: collector.lastTime, since: since, until: until,
      clock: clock)
    let s = try HistoryStore(path: path, utc: true)
    try s.replace(
      HistoryStore.records(decisions, coverage: coverage, collector: collector, clock: clock),
      storedAt: "2026-07-16T00:20:00Z", inputs: ["mail.log"])
    return decisions
  }

  /// Every figure row of the store, in a stable order (stored_at left out).
  private func dump(_ path: String) throws -> [String] {
    let db = try SQLiteDatabase(path: path, readOnly: true)
    var out: [String] = []
    for (table, order) in [
      ("days", "day"), ("coverage", "day, direction, domain"),
      ("tls_versions", "day, direction, domain, version"),
      ("tls_trust", "day, direction, domain, trust"), ("failures", "day, domain, status, category"),
    ] {
      let columns = table == "days" ? "day, input_from, input_until, inputs" : "*"
      for row in try db.rows("SELECT \(columns) FROM \(table) ORDER BY \(order)") {
        out.append(
          table + " "
            + row.map { v -> String in
              switch v {
              case .null: return "NULL"
              case .int(let i): return String(i)
              case .double(let d): return String(d)
              case .text(let s): return s
              }
            }.joined(separator: "|"))
      }
    }
    return out
  }

  private let expectedTwoDays = [
    "days 2026-07-14|NULL|NULL|[\"mail.log\"]",
    "days 2026-07-15|NULL|NULL|[\"mail.log\"]",
    "coverage 2026-07-14|inbound||1|1|0",
    "coverage 2026-07-14|outbound|a.example|3|1|0",
    "coverage 2026-07-14|outbound|b.example|1|0|0",
    "coverage 2026-07-15|inbound||1|0|0",
    "coverage 2026-07-15|outbound|a.example|0|2|0",
    "coverage 2026-07-15|outbound|b.example|1|0|0",
    "coverage 2026-07-15|outbound|c.example|1|0|0",
    "tls_versions 2026-07-14|inbound||1.2|1",
    "tls_versions 2026-07-14|outbound|a.example|1.2|1",
    "tls_versions 2026-07-14|outbound|a.example|1.3|2",
    "tls_versions 2026-07-14|outbound|b.example|1.3|1",
    "tls_versions 2026-07-15|inbound||1.3|1",
    "tls_versions 2026-07-15|outbound|b.example|1.3|1",
    "tls_versions 2026-07-15|outbound|c.example|1.3|1",
    "tls_trust 2026-07-14|inbound||anonymous|1",
    "tls_trust 2026-07-14|outbound|a.example|trusted|1",
    "tls_trust 2026-07-14|outbound|a.example|verified|2",
    "tls_trust 2026-07-14|outbound|b.example|verified|1",
    "tls_trust 2026-07-15|inbound||anonymous|1",
    "tls_trust 2026-07-15|outbound|b.example|verified|1",
    "tls_trust 2026-07-15|outbound|c.example|verified|1",
    "failures 2026-07-14|a.example|bounced|unclassified|2",
    "failures 2026-07-14|b.example|deferred|unclassified|1",
    "failures 2026-07-15|c.example|deferred|T09|1",
  ]

  func testStoresExactRowsAndRerunReplacesWithoutDoubleCounting() throws {
    let path = dir.appendingPathComponent("h.db").path
    let decisions = try store(twoDays, into: path)
    XCTAssertEqual(
      decisions.map { "\($0.day) \($0.stored)" },
      [
        "2026-07-13 false", "2026-07-14 true", "2026-07-15 true", "2026-07-16 false",
      ])
    XCTAssertEqual(try dump(path), expectedTwoDays)
    try store(twoDays, into: path)
    XCTAssertEqual(try dump(path), expectedTwoDays)
  }

  func testALaterRunReplacesOnlyItsOwnDay() throws {
    let path = dir.appendingPathComponent("h.db").path
    try store(twoDays, into: path)
    // 15 July again, now with one TLS delivery only.
    let redo = [F.sent(t(15, 12), "d.example", .tls(.v12, .untrusted))]
    let decisions = try store(redo, since: t(15, 0), until: t(16, 0), into: path)
    XCTAssertEqual(decisions.map(\.stored), [true])
    let rows = try dump(path)
    XCTAssertEqual(
      rows.filter { $0.contains("2026-07-14") },
      expectedTwoDays.filter { $0.contains("2026-07-14") })
    XCTAssertEqual(
      rows.filter { $0.contains("2026-07-15") },
      [
        "days 2026-07-15|2026-07-15T12:00:00Z|2026-07-15T12:00:00Z|[\"mail.log\"]",
        "coverage 2026-07-15|outbound|d.example|1|0|0",
        "tls_versions 2026-07-15|outbound|d.example|1.2|1",
        "tls_trust 2026-07-15|outbound|d.example|untrusted|1",
      ])
  }

  func testTrendAndChangesReadBackExactFigures() throws {
    let path = dir.appendingPathComponent("h.db").path
    try store(twoDays, into: path)
    let s = try HistoryStore(path: path, utc: true)
    let trend = try HistoryTrend(store: s, reference: CalendarDay("2026-07-15")!)
    XCTAssertEqual(trend.days.count, 30)
    XCTAssertEqual(trend.days.compactMap { $0?.day }, ["2026-07-14", "2026-07-15"])
    XCTAssertEqual(trend.days[28]?.outbound, StoredCounts(tls: 4, plaintext: 1))
    XCTAssertEqual(trend.days[29]?.outbound, StoredCounts(tls: 2, plaintext: 2))
    XCTAssertEqual(trend.days[29]?.failures, 1)
    let week = trend.summary(lastDays: 7)
    XCTAssertEqual(week.outbound, StoredCounts(tls: 6, plaintext: 3))
    XCTAssertEqual(week.inbound, StoredCounts(tls: 2, plaintext: 1))
    XCTAssertEqual(week.failures, 4)
    XCTAssertEqual(week.daysWithData, 2)
    let c = try XCTUnwrap(trend.changes)
    XCTAssertEqual(c.previousDay, "2026-07-14")
    // a.example had TLS and one plaintext the day before: not "lost"; b.example kept TLS.
    XCTAssertEqual(c.domainsLostTLS.map(\.domain), [])
    XCTAssertEqual(c.newFailureCategories.map { "\($0.category) \($0.count)" }, ["T09 1"])
    // No stored day before 14 July: no comparison for it.
    XCTAssertNil(try HistoryTrend(store: s, reference: CalendarDay("2026-07-14")!).changes)
    XCTAssertEqual(try s.latestDay(atOrBefore: "2026-07-31"), "2026-07-15")
    XCTAssertNil(try s.latestDay(atOrBefore: "2026-07-13"))
  }

  func testDomainThatHadOnlyTLSAndReceivesPlaintextHasLostTLS() throws {
    let path = dir.appendingPathComponent("h.db").path
    var events = twoDays
    events.insert(F.sent(t(15, 13), "b.example", .plaintext), at: events.count - 1)
    try store(events, into: path)
    let trend = try HistoryTrend(
      store: try HistoryStore(path: path, utc: true), reference: CalendarDay("2026-07-15")!)
    let lost = try XCTUnwrap(trend.changes).domainsLostTLS
    XCTAssertEqual(
      lost.map { "\($0.domain) \($0.before.tls) \($0.now.plaintext) \($0.now.delivered)" },
      ["b.example 1 1 2"])
  }

  func testZoneOfTheStoreMustMatch() throws {
    let path = dir.appendingPathComponent("h.db").path
    _ = try HistoryStore(path: path, utc: true)
    XCTAssertThrowsError(try HistoryStore(path: path, utc: false)) { error in
      XCTAssertEqual("\(error)", "\(path) keeps UTC days; run with --utc, or use another --db")
    }
  }
}
