// TraceCLITests.swift: `mailtls trace` end to end through the built binary
// `<repo>/.build/debug/mailtls`, on the fixture logs in Fixtures/trace/ (Postfix; made
// from real corpus line shapes, two of them copied verbatim from the corpus): a
// message delivered over TLS, a TLS bounce with its NDR, TLS deferrals that expired, a
// deferred-then-delivered message behind a content filter, a content-filter hop with a
// bounce and NDR, a plaintext fallback after a TLS handshake failure; queries by recipient, sender, domain, each queue id, the NDR id and
// the Message-ID; gzip and stdin input; the prefilter against a full parse; no match,
// many matches, escaping, colour, usage errors.
//
// Exim (exim.log: lines of two messages from sample-logs/exim) and Exchange (exchange/:
// the tracking and protocol logs of sample-logs/exchange) go through the same event
// model, unfiltered: the same stories, links (Exim `<= <> R=id` NDRs) and readings.
//
// Times: fixture lines have no year and no zone, so every run passes --year 2026 --utc.

import Foundation
import XCTest

#if canImport(Glibc)
  import Glibc
#endif

/// A run of mailtls as the tests here read it.
struct TraceRun {
  var status: Int32
  var stdout: String
  var stderr: String

  init(_ r: CLIRun) {
    status = r.status
    stdout = r.out
    stderr = r.err
  }

  /// stdout as a JSON object.
  func json() throws -> [String: Any] {
    guard let object = try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any]
    else { throw CocoaError(.coderReadCorrupt) }
    return object
  }
}

/// Runs mailtls with `stdin` text (written to a scratch file) and extra environment.
func runTrace(_ args: [String], stdin: String? = nil, env: [String: String] = [:]) throws
  -> TraceRun
{
  let scratch = Scratch()
  let input = stdin.map { scratch.write("stdin", $0) }
  if env.isEmpty { return TraceRun(try mailtls(args, stdin: input)) }
  let binary = repoRoot.appendingPathComponent(".build/debug/mailtls").path
  let vars = env.map { "\($0.key)=\($0.value)" }.sorted()
  return TraceRun(try runProcess("/usr/bin/env", vars + [binary] + args, stdinPath: input))
}

final class TraceCLITests: XCTestCase {
  static let fixtures = repoRoot.appendingPathComponent("Tests/MailLogCLITests/Fixtures/trace")

  private func fixture(_ name: String) -> String { Self.fixtures.appendingPathComponent(name).path }

  /// `mailtls trace --format json QUERY FILE` with fixed year and zone.
  private func trace(_ query: String, _ files: [String], _ extra: [String] = []) throws -> (
    Int32, [String: Any]
  ) {
    let r = try runTrace(
      ["trace", "--format", "json", "--year", "2026", "--utc", "-q"] + extra + [query] + files)
    return (r.status, try r.json())
  }

  private func messages(_ j: [String: Any]) -> [[String: Any]] {
    j["messages"] as? [[String: Any]] ?? []
  }
  private func outcomes(_ m: [String: Any]) -> [[String: Any]] {
    m["outcomes"] as? [[String: Any]] ?? []
  }
  private func ids(_ m: [String: Any]) -> [String] {
    (m["ids"] as? [[String: Any]] ?? []).map { "\($0["id"]!):\($0["role"]!)" }
  }
  private func obj(_ v: Any?) -> [String: Any] { v as? [String: Any] ?? [:] }

  // MARK: Stories

  func testDeliveredOverTLSByRecipient() throws {
    let (status, j) = try trace("dana.kowalski@mailbox.example.com", [fixture("delivered-tls.log")])
    XCTAssertEqual(status, 0)
    XCTAssertEqual(j["matches"] as? Int, 1)
    XCTAssertEqual(obj(j["query"])["kind"] as? String, "address")
    let m = messages(j)[0]
    XCTAssertEqual(m["id"] as? String, "3F1A22C0B7")
    XCTAssertEqual(m["mta"] as? String, "postfix")
    XCTAssertEqual(m["log_host"] as? String, "mail")
    XCTAssertEqual(m["sender"] as? String, "greta.lang@ourcouncil.example.org")
    XCTAssertEqual(m["message_id"] as? String, "19811a5f31b.b0f66b7bdd@ourcouncil.example.org")
    let rcv = obj(m["received"])
    XCTAssertEqual(rcv["time"] as? String, "2026-03-10T09:14:03Z")
    XCTAssertEqual(rcv["client"] as? String, "dsl-203-0-113-46.isp.example.net[203.0.113.46]")
    XCTAssertEqual(obj(rcv["tls"])["version"] as? String, "1.3")
    XCTAssertEqual(obj(rcv["tls"])["trust"] as? String, "anonymous")
    let o = outcomes(m)
    XCTAssertEqual(o.count, 1)
    XCTAssertEqual(o[0]["status"] as? String, "delivered")
    XCTAssertEqual(o[0]["relay"] as? String, "mx1.smtp.mailbox.example.com[203.0.113.238]:25")
    XCTAssertEqual(obj(o[0]["tls"])["state"] as? String, "tls")
    XCTAssertEqual(obj(o[0]["tls"])["version"] as? String, "1.3")
    XCTAssertEqual(obj(o[0]["tls"])["trust"] as? String, "verified")
    XCTAssertEqual(o[0]["time"] as? String, "2026-03-10T09:14:05Z")
    XCTAssertTrue(o[0]["explanation"] is NSNull)
    XCTAssertTrue(m["ndr"] is NSNull)
  }

  func testDeliveredOverTLSText() throws {
    let r = try runTrace(
      [
        "trace", "--year", "2026", "--utc", "dana.kowalski@mailbox.example.com",
        fixture("delivered-tls.log"),
      ])
    XCTAssertEqual(r.status, 0)
    XCTAssertTrue(
      r.stdout.hasPrefix("1 message matches address dana.kowalski@mailbox.example.com.\n"), r.stdout
    )
    XCTAssertTrue(
      r.stdout.contains(
        "    dana.kowalski@mailbox.example.com: DELIVERED at 2026-03-10 09:14:05 to mx1.smtp.mailbox.example.com[203.0.113.238]:25 over TLS 1.3, certificate verified\n"
      ),
      r.stdout)
    XCTAssertTrue(
      r.stdout.contains(
        "  Received:    2026-03-10 09:14:03 from dsl-203-0-113-46.isp.example.net[203.0.113.46] over TLS 1.3\n"
      ),
      r.stdout)
    XCTAssertFalse(r.stdout.contains("\u{1B}["), "no colour when stdout is not a terminal")
  }

  func testAddressMatchesSenderAndRecipient() throws {
    let (status, j) = try trace("Greta.Lang@ourcouncil.example.org", [fixture("delivered-tls.log")])
    XCTAssertEqual(status, 0)
    // Two messages she sent, one she received; ordered by first time, then id.
    XCTAssertEqual(
      messages(j).map { $0["id"] as? String }, ["3F1A22C0B7", "5C0E31B2A4", "8D4E0F1A2B"])
  }

  func testPlaintextDeliveryByQueueIDStopsEarlyAndNotesDowngrade() throws {
    let (status, j) = try trace("8D4E0F1A2B", [fixture("delivered-tls.log")])
    XCTAssertEqual(status, 0)
    let o = outcomes(messages(j)[0])[0]
    XCTAssertEqual(o["recipient"] as? String, "parish.clerk@oldvillage.example.net")
    XCTAssertEqual(obj(o["tls"])["state"] as? String, "plaintext")
    XCTAssertEqual(obj(o["explanation"])["category"] as? String, "T17")
    // The id's `removed` is the last line, so the run read everything.
    XCTAssertEqual(j["lines_read"] as? Int, 24)

    // With the format given, lines reach the prefilter at once (no detection buffer).
    let (_, first) = try trace(
      "3F1A22C0B7", [fixture("delivered-tls.log")], ["--input-format", "postfix"])
    XCTAssertEqual(first["stopped_early"] as? Bool, true)
    XCTAssertEqual(first["lines_read"] as? Int, 16, "stops after `3F1A22C0B7: removed` (line 16)")
    XCTAssertEqual(first["matches"] as? Int, 1)
  }

  func testTLSBounceWithNDR() throws {
    let (status, j) = try trace("licensing@strictmail.example.com", [fixture("tls-bounce.log")])
    XCTAssertEqual(status, 0)
    let m = messages(j)[0]
    XCTAssertEqual(ids(m), ["7B2C91A0F3:message", "9C3D01A0F4:ndr"])
    let o = outcomes(m)[0]
    XCTAssertEqual(o["status"] as? String, "bounced")
    XCTAssertEqual(o["dsn"] as? String, "5.7.0")
    XCTAssertEqual(obj(o["tls"])["state"] as? String, "plaintext")
    let x = obj(o["explanation"])
    XCTAssertEqual(x["category"] as? String, "T02")
    XCTAssertEqual(x["action"] as? String, "us")
    XCTAssertEqual(x["who_acts"] as? String, "our mail team")
    XCTAssertEqual(x["rule"] as? String, "t02.requires-tls")
    XCTAssertTrue(x["rfc8460"] is NSNull)
    let ndr = obj(m["ndr"])
    XCTAssertEqual(ndr["id"] as? String, "9C3D01A0F4")
    XCTAssertEqual(ndr["delivered"] as? Bool, true)
    let d = (ndr["deliveries"] as? [[String: Any]] ?? [])
    XCTAssertEqual(d.count, 1)
    XCTAssertEqual(d.first?["recipient"] as? String, "omar.shah@ourcouncil.example.org")
    XCTAssertEqual(
      (m["steps"] as? [[String: Any]] ?? []).map { $0["kind"] as? String },
      ["delivery", "ndr_created", "ndr_delivery"])
  }

  func testTLSBounceText() throws {
    let r = try runTrace(
      ["trace", "--year", "2026", "--utc", "strictmail.example.com", fixture("tls-bounce.log")])
    XCTAssertEqual(r.status, 0)
    for line in [
      "    licensing@strictmail.example.com: NOT DELIVERED (bounced at 2026-03-10 10:02:11 by mx.strictmail.example.com[198.51.100.77]:25)\n",
      "    The sender was sent a non-delivery report (9C3D01A0F4); it reached omar.shah@ourcouncil.example.org at 2026-03-10 10:02:11.\n",
      "  Why: Recipient requires TLS, we sent without it [T02]\n",
      "    Who acts:   our mail team\n",
      "    2026-03-10 10:02:11  licensing@strictmail.example.com: bounced via mx.strictmail.example.com[198.51.100.77]:25  [7B2C91A0F3]\n",
      "    2026-03-10 10:02:11  non-delivery report delivered to omar.shah@ourcouncil.example.org via mail.ourcouncil.example.org[private/dovecot-lmtp]  [9C3D01A0F4]\n",
    ] {
      XCTAssertTrue(r.stdout.contains(line), "missing: \(line)\n---\n\(r.stdout)")
    }
    // The desk reading comes before the technical detail.
    let why = r.stdout.range(of: "Why:")!.lowerBound
    let tech = r.stdout.range(of: "Technical detail")!.lowerBound
    XCTAssertLessThan(why, tech)
  }

  func testQueryByNDRIDLinksOriginal() throws {
    let (_, j) = try trace("9C3D01A0F4", [fixture("tls-bounce.log")])
    XCTAssertEqual(j["matches"] as? Int, 1)
    let m = messages(j)[0]
    XCTAssertEqual(m["id"] as? String, "7B2C91A0F3")
    XCTAssertEqual(ids(m), ["7B2C91A0F3:message", "9C3D01A0F4:ndr"])
    XCTAssertEqual(obj(outcomes(m)[0]["explanation"])["category"] as? String, "T02")
  }

  func testExpiredAfterTLSDeferrals() throws {
    let (_, j) = try trace("sierrairis.example.org", [fixture("expired.log")])
    let ms = messages(j)
    XCTAssertEqual(ms.map { $0["id"] as? String }, ["1D7E4A2C55", "5E1F9A3B77"])
    let o = outcomes(ms[0])[0]
    XCTAssertEqual(o["status"] as? String, "expired")
    XCTAssertEqual(o["deferrals"] as? Int, 1)
    let x = obj(o["explanation"])
    XCTAssertEqual(x["category"] as? String, "T08")
    XCTAssertEqual(x["rfc8460"] as? String, "certificate-expired")
    XCTAssertEqual(x["action"] as? String, "recipient")
    XCTAssertEqual(
      x["detail"] as? String,
      "server certificate verification failed for mx.sierrairis.example.org[198.51.100.249]:25: certificate has expired"
    )
    XCTAssertEqual(obj(ms[0]["ndr"])["id"] as? String, "30A7C8D9E1")
    XCTAssertEqual(obj(ms[0]["ndr"])["delivered"] as? Bool, false, "the NDR bounced locally")
    // `delivery temporarily suspended` by the error agent: the detail comes from the
    // latest smtp failure of the same domain (another process), prefilter or not.
    for extra in [[], ["--no-prefilter"]] {
      let (_, k) = try trace("clerk@sierrairis.example.org", [fixture("expired.log")], extra)
      let s = outcomes(messages(k)[0])[0]
      XCTAssertEqual(s["status"] as? String, "deferred")
      XCTAssertEqual(obj(s["explanation"])["category"] as? String, "T08", "\(extra)")
    }
  }

  func testDeferredThenDeliveredBehindContentFilter() throws {
    let (_, j) = try trace("user4@d3.example.com", [fixture("deferred-then-delivered.log")])
    XCTAssertEqual(j["matches"] as? Int, 1)
    let m = messages(j)[0]
    XCTAssertEqual(ids(m), ["78E8330001C7:message", "A17F830001CA:reinjected"])
    XCTAssertEqual(m["message_id"] as? String, "000msgid0000@example.com")
    let o = outcomes(m)[0]
    XCTAssertEqual(o["status"] as? String, "delivered")
    XCTAssertEqual(o["deferrals"] as? Int, 1)
    XCTAssertEqual(o["relay"] as? String, "mailin5.zih.recipient.relay.example.com[192.0.2.4]:25")
    XCTAssertEqual(obj(o["tls"])["trust"] as? String, "trusted")
    XCTAssertTrue(o["explanation"] is NSNull)
    XCTAssertEqual(obj(o["earlier_problem"])["rule"] as? String, "nontls.greylisted")
    let steps = m["steps"] as? [[String: Any]] ?? []
    XCTAssertEqual(
      steps.map { $0["kind"] as? String }, ["handoff", "attempt", "delivery", "delivery"])
    XCTAssertEqual(steps.map { $0["status"] as? String }, ["sent", nil, "deferred", "sent"])
    XCTAssertEqual(steps[0]["next_id"] as? String, "A17F830001CA")
    XCTAssertEqual(
      steps[1]["peer"] as? String, "mailin5.zih.recipient.relay.example.com[192.0.2.4]")
  }

  func testPlaintextFallbackAfterWeakKeyHandshakeFailure() throws {
    let (_, j) = try trace("emills@oldfield-parish.example.org", [fixture("downgrade.log")])
    let m = messages(j)[0]
    XCTAssertEqual(ids(m), ["E87A12A3786:message", "D090E2A3719:reinjected"])
    let o = outcomes(m)
    XCTAssertEqual(
      o.map { $0["recipient"] as? String },
      ["emills@oldfield-parish.example.org", "priya.knight@pioneer-north.example.org"])
    XCTAssertEqual(o[0]["status"] as? String, "delivered")
    XCTAssertEqual(obj(o[0]["tls"])["state"] as? String, "plaintext")
    XCTAssertEqual(obj(o[0]["explanation"])["category"] as? String, "T17")
    let earlier = obj(o[0]["earlier_problem"])
    XCTAssertEqual(earlier["category"] as? String, "T07")
    XCTAssertEqual(earlier["rule"] as? String, "t07.weak-key")
    XCTAssertEqual(earlier["action"] as? String, "recipient")
    XCTAssertEqual(obj(o[1]["tls"])["trust"] as? String, "trusted")
    XCTAssertTrue(o[1]["explanation"] is NSNull)
    let steps = m["steps"] as? [[String: Any]] ?? []
    // One hand-off line although both recipients were handed to the filter.
    XCTAssertEqual(
      steps.map { $0["kind"] as? String },
      ["handoff", "delivery", "delivery", "attempt", "delivery"])
    XCTAssertEqual(steps[3]["reason"] as? String, "Cannot start TLS: handshake failure")
  }

  func testContentFilterHopByEveryKey() throws {
    let file = fixture("content-filter.log")
    var seen: [String] = []
    for q in [
      "user2@example.com", "<user1@d2.example.com>", "@d2.example.com", "example.com",
      "4AA091855DA0", "776E41855DB2", "A48191855DA0",
      "<ca10035e-2951-bfd5-ec7e-1a5773fce1cd@h2.d2.example.com>",
    ] {
      let (status, j) = try trace(q, [file])
      XCTAssertEqual(status, 0, q)
      XCTAssertEqual(j["matches"] as? Int, 1, q)
      let m = messages(j)[0]
      XCTAssertEqual(
        ids(m), ["4AA091855DA0:message", "776E41855DB2:reinjected", "A48191855DA0:ndr"], q)
      XCTAssertEqual(obj(m["received"])["client"] as? String, "h1.d1.example.com[192.0.2.2]", q)
      XCTAssertEqual(obj(obj(m["received"])["tls"])["version"] as? String, "1.2", q)
      let o = outcomes(m)
      XCTAssertEqual(o.map { $0["recipient"] as? String }, ["user2@example.com"], q)
      XCTAssertEqual(o.first?["status"] as? String, "bounced", q)
      XCTAssertEqual(obj(o.first?["explanation"])["category"] as? String, "non-tls", q)
      XCTAssertEqual(obj(m["ndr"])["delivered"] as? Bool, true, q)
      seen.append(obj(j["query"])["kind"] as? String ?? "")
    }
    XCTAssertEqual(seen, ["address", "address", "domain", "domain", "id", "id", "id", "address"])
  }

  func testWindowNarrows() throws {
    let file = fixture("delivered-tls.log")
    let (_, j) = try trace(
      "greta.lang@ourcouncil.example.org", [file], ["--since", "2026-03-10 09:20"])
    XCTAssertEqual(messages(j).map { $0["id"] as? String }, ["8D4E0F1A2B"])
    XCTAssertEqual(obj(j["window"])["since"] as? String, "2026-03-10T09:20:00Z")
    let (status, k) = try trace(
      "greta.lang@ourcouncil.example.org", [file], ["--until", "2026-03-10 09:00"])
    XCTAssertEqual(status, 1)
    XCTAssertEqual(k["matches"] as? Int, 0)
  }

  func testEximDeferralsAcrossDaysThenDelivered() throws {
    let (_, j) = try trace("office@housing.example.org", [fixture("exim.log")])
    XCTAssertEqual(j["matches"] as? Int, 1)
    let m = messages(j)[0]
    XCTAssertEqual(m["id"] as? String, "1trvHL-0000000160C-3SdE")
    XCTAssertEqual(m["mta"] as? String, "exim")
    XCTAssertEqual(m["sender"] as? String, "u.baker@council.example.org")
    XCTAssertEqual(obj(m["received"])["client"] as? String, "(surface-go) [2001:db8:c0:1::91]")
    XCTAssertEqual(obj(obj(m["received"])["tls"])["version"] as? String, "1.3")
    let o = outcomes(m)[0]
    XCTAssertEqual(o["status"] as? String, "delivered")
    XCTAssertEqual(o["deferrals"] as? Int, 4)
    XCTAssertEqual(obj(o["tls"])["trust"] as? String, "verified")
    let e = obj(o["earlier_problem"])
    XCTAssertEqual(e["category"] as? String, "T08")
    XCTAssertEqual(
      e["detail"] as? String,
      "SSL verify error: depth=0 error=certificate has expired cert=/CN=mx.housing.example.org")
    let r = try runTrace(["trace", "--utc", "office@housing.example.org", fixture("exim.log")])
    XCTAssertTrue(
      r.stdout.contains(
        "                         ... the same 3 more times, the last at 2025-03-12 10:09:03\n"),
      r.stdout)
  }

  func testEximBounceWithNDRByEitherID() throws {
    for q in ["nina.b@homemail.example.net", "1tsGh8-00000000o6w-kJm2", "1tsGhB-00000001U8v-gzYA"] {
      let (_, j) = try trace(q, [fixture("exim.log")])
      XCTAssertEqual(j["matches"] as? Int, 1, q)
      let m = messages(j)[0]
      XCTAssertEqual(ids(m), ["1tsGh8-00000000o6w-kJm2:message", "1tsGhB-00000001U8v-gzYA:ndr"], q)
      let o = outcomes(m)
      XCTAssertEqual(
        o.map { "\($0["recipient"]!) \($0["status"]!)" },
        ["licensing@council.example.org delivered", "nina.b@homemail.example.net bounced"], q)
      XCTAssertEqual(obj(o[1]["explanation"])["category"] as? String, "non-tls", q)
      XCTAssertEqual(obj(m["ndr"])["delivered"] as? Bool, true, q)
    }
  }

  func testExchangeTrackingJoinedWithProtocolLogs() throws {
    let dir = Self.fixtures.appendingPathComponent("exchange")
    let files = ["MSGTRK2026031009-1.LOG", "SEND2026031009-1.LOG", "RECV2026031009-1.LOG"].map {
      dir.appendingPathComponent($0).path
    }
    let (_, a) = try trace("alice@example.com", files)
    let delivered = outcomes(messages(a)[0])[0]
    XCTAssertEqual(messages(a)[0]["mta"] as? String, "exchange")
    XCTAssertEqual(delivered["status"] as? String, "delivered")
    XCTAssertEqual(obj(delivered["tls"])["version"] as? String, "1.2")
    let (_, i) = try trace("ivan@example.com", files)
    let m = messages(i)[0]
    XCTAssertEqual(m["id"] as? String, "PR3P195MB0718B8C9D0E1F2A3@MAIL01.corp.example.org")
    let o = outcomes(m)[0]
    XCTAssertEqual(o["status"] as? String, "bounced")
    XCTAssertEqual(obj(o["explanation"])["category"] as? String, "T02")
    XCTAssertEqual(
      obj(m["ndr"])["id"] as? String, "6c2e8f1a-4b3d-4e5f-8a9b-0c1d2e3f4a5b@MAIL01.corp.example.org"
    )
    // The Message-ID finds the same message.
    let (_, byID) = try trace("<PR3P195MB0718B8C9D0E1F2A3@MAIL01.corp.example.org>", files)
    XCTAssertEqual(
      messages(byID).map { $0["id"] as? String },
      ["PR3P195MB0718B8C9D0E1F2A3@MAIL01.corp.example.org"])
  }

  // MARK: Inputs

  func testGzipAndStdinGiveTheSameStory() throws {
    let plain = try trace("user2@example.com", [fixture("content-filter.log")]).1
    let scratch = Scratch()
    let gz = try scratch.gzip(
      "mail.log.1.gz", try String(contentsOfFile: fixture("content-filter.log"), encoding: .utf8))
    let zipped = try trace("user2@example.com", [gz]).1
    XCTAssertEqual(messages(zipped).count, 1)
    XCTAssertEqual(
      try JSONSerialization.data(withJSONObject: messages(zipped), options: .sortedKeys),
      try JSONSerialization.data(withJSONObject: messages(plain), options: .sortedKeys))
    let r = try runTrace(
      ["trace", "--format", "json", "--year", "2026", "--utc", "user2@example.com"],
      stdin: try String(contentsOfFile: fixture("content-filter.log"), encoding: .utf8))
    XCTAssertEqual(r.status, 0)
    let piped = try r.json()
    XCTAssertEqual(
      try JSONSerialization.data(withJSONObject: messages(piped), options: .sortedKeys),
      try JSONSerialization.data(withJSONObject: messages(plain), options: .sortedKeys))
    XCTAssertEqual((piped["inputs"] as? [[String: Any]])?.first?["name"] as? String, "<stdin>")
  }

  func testPrefilterGivesTheSameAnswerAsAFullParse() throws {
    let cases: [(String, [String])] = [
      (
        "delivered-tls.log",
        ["greta.lang@ourcouncil.example.org", "mailbox.example.com", "3F1A22C0B7", "8D4E0F1A2B"]
      ),
      (
        "tls-bounce.log",
        ["omar.shah@ourcouncil.example.org", "9C3D01A0F4", "silverquill.example.org"]
      ),
      ("expired.log", ["sierrairis.example.org", "noreply@ourcouncil.example.org", "30A7C8D9E1"]),
      (
        "deferred-then-delivered.log",
        ["some.example.com", "user5@d4.example.com", "A17F830001CA", "000msgid0000@example.com"]
      ),
      ("content-filter.log", ["example.com", "A48191855DA0"]),
      (
        "downgrade.log",
        ["priya.knight@pioneer-north.example.org", "E87A12A3786", "oldfield-parish.example.org"]
      ),
    ]
    for (file, queries) in cases {
      for q in queries {
        var a = try trace(q, [fixture(file)]).1
        var b = try trace(q, [fixture(file)], ["--no-prefilter"]).1
        a["lines_parsed"] = nil
        b["lines_parsed"] = nil
        XCTAssertEqual(
          try JSONSerialization.data(withJSONObject: a, options: .sortedKeys),
          try JSONSerialization.data(withJSONObject: b, options: .sortedKeys), "\(file) \(q)")
      }
    }
  }

  // MARK: Edges

  func testNoMatchSaysSoAndExitsOne() throws {
    let r = try runTrace(
      ["trace", "--year", "2026", "--utc", "nobody@example.org", fixture("delivered-tls.log")])
    XCTAssertEqual(r.status, 1)
    XCTAssertEqual(
      r.stdout,
      "No message matches address nobody@example.org.\nSearched 24 lines in \(fixture("delivered-tls.log")).\n"
        + "Check the spelling, try the domain alone, or widen --since/--until.\n")
    let (status, j) = try trace("0ABCDEF123", [fixture("delivered-tls.log")])
    XCTAssertEqual(status, 1)
    XCTAssertEqual(j["matches"] as? Int, 0)
  }

  func testManyMatchesAreListedBriefly() throws {
    var lines: [String] = []
    for i in 1...7 {
      let q = String(format: "6%04X0A1B", i)
      lines.append(
        "Mar 10 11:0\(i):00 mail postfix/qmgr[1020]: \(q): from=<alerts@ourcouncil.example.org>, size=1200, nrcpt=1 (queue active)"
      )
      lines.append(
        "Mar 10 11:0\(i):01 mail postfix/smtp[50\(i)0]: \(q): to=<team\(i)@partner.example.net>, relay=mx.partner.example.net[198.51.100.40]:25, delay=0.5, delays=0.1/0/0.2/0.2, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 9F\(i)E2D)"
      )
    }
    let text = lines.joined(separator: "\n") + "\n"
    let r = try runTrace(
      ["trace", "--year", "2026", "--utc", "partner.example.net", "-"], stdin: text)
    XCTAssertEqual(r.status, 0)
    let out = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    XCTAssertEqual(out[0], "7 messages match domain partner.example.net:")
    XCTAssertEqual(
      out[1],
      "  2026-03-10 11:01:00  600010A1B  alerts@ourcouncil.example.org -> team1@partner.example.net  delivered"
    )
    XCTAssertEqual(out.count, 1 + 7 + 1 + 2 + 1)
    XCTAssertTrue(out[9].hasPrefix("Narrow the query"), out[9])
    let all = try runTrace(
      ["trace", "--all", "--year", "2026", "--utc", "partner.example.net", "-"], stdin: text)
    XCTAssertTrue(all.stdout.contains("Message 7 of 7: 600070A1B"), all.stdout)
  }

  func testHostileTextIsEscapedAndColourIsOptIn() throws {
    let line =
      "Mar 10 12:00:01 mail postfix/smtp[777]: 7A1B2C3D4E: to=<eve@evil.example.com>, relay=mx.evil.example.com[192.0.2.66]:25, delay=1, delays=0.1/0/0.5/0.4, dsn=5.7.1, status=bounced (host mx.evil.example.com[192.0.2.66] said: 550 5.7.1 \u{1B}[2Jgo away (in reply to RCPT TO command))\n"
    let r = try runTrace(
      ["trace", "--year", "2026", "--utc", "eve@evil.example.com", "-"], stdin: line)
    XCTAssertEqual(r.status, 0)
    XCTAssertFalse(r.stdout.contains("\u{1B}"), "no raw escape from the log")
    XCTAssertTrue(r.stdout.contains("550 5.7.1 \\x1B[2Jgo away"), r.stdout)
    let coloured = try runTrace(
      ["trace", "--color", "always", "--year", "2026", "--utc", "eve@evil.example.com", "-"],
      stdin: line)
    XCTAssertTrue(coloured.stdout.contains("\u{1B}[31mNOT DELIVERED\u{1B}[0m"), coloured.stdout)
    let never = try runTrace(
      ["trace", "--color", "auto", "--year", "2026", "--utc", "eve@evil.example.com", "-"],
      stdin: line,
      env: ["NO_COLOR": "1"])
    XCTAssertFalse(never.stdout.contains("\u{1B}"))
  }

  func testUsageErrors() throws {
    let none = try runTrace(["trace"])
    XCTAssertEqual(none.status, 64)
    XCTAssertTrue(none.stderr.contains("trace needs a QUERY"), none.stderr)
    let bad = try runTrace([
      "trace", "--format", "xml", "a@b.example", fixture("delivered-tls.log"),
    ])
    XCTAssertEqual(bad.status, 64)
    let missing = try runTrace(["trace", "-q", "a@b.example", "/nonexistent/mail.log"])
    XCTAssertEqual(missing.status, 66)
  }
}
