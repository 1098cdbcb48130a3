// ReportRenderTests.swift: the JSON and text renderers on counted figures: key order,
// zero entries left out, four-decimal percentages, legacy versions flagged, and
// log-derived names escaped in the text report.

import Foundation
import MailLogAnalysis
import MailLogKit
import MailLogModel
import MailLogReport
import XCTest

final class ReportRenderTests: XCTestCase {
  let log = """
    May 27 06:47:34 mail-postfix postfix/smtp[920]: Anonymous TLS connection established to relay.example.org[192.0.2.103]:25: TLSv1 with cipher ADH-AES256-SHA (256/256 bits)
    May 27 06:47:35 mail-postfix postfix/smtp[920]: F1F0A200CB: to=<user27@dest.example.org>, orig_to=<user53@dest.example.org>, relay=relay.example.org[192.0.2.103]:25, delay=4.2, delays=3.4/0.01/0.39/0.38, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as D08D220196)
    May 27 06:48:00 mail-postfix postfix/smtp[921]: Verified TLS connection established to mx.d8.example.com[192.0.2.81]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)
    May 27 06:48:01 mail-postfix postfix/smtp[921]: 0A1B2C3D4E: to=<u1@d8.example.com>, relay=mx.d8.example.com[192.0.2.81]:25, delay=1, delays=0.1/0/0.5/0.4, dsn=2.0.0, status=sent (250 2.0.0 Ok)
    May 27 06:49:00 mail-postfix postfix/smtp[922]: 1B2C3D4E5F: to=<u2@d\u{1B}[31m8.example.com>, relay=mx.d8.example.com[192.0.2.81]:25, delay=1, delays=0.1/0/0.5/0.4, dsn=2.0.0, status=sent (250 2.0.0 Ok)

    """

  private func data() -> ReportData {
    let c = count(log)
    return ReportData(
      coverage: c.coverage, run: c.result, failures: .object([("total", .int(0))]),
      failureText: [], clock: LocalClock(utc: true))
  }

  func testJSONPopulationObject() {
    let json = ReportJSON.document(data())
    XCTAssertEqual(
      json["outbound"]?.serialized(indent: 0),
      #"{"delivered":3,"tls":2,"plaintext":1,"unknown":0,"tls_percent":66.6667,"by_version":{"1.0":1,"1.3":1},"by_trust":{"verified":1,"anonymous":1},"unknown_reasons":[]}"#
    )
    XCTAssertEqual(
      json["inbound"]?.serialized(indent: 0),
      #"{"delivered":0,"tls":0,"plaintext":0,"unknown":0,"tls_percent":null,"by_version":{},"by_trust":{},"unknown_reasons":[]}"#
    )
    guard case .object(let members)? = Optional(json) else { return XCTFail("not an object") }
    XCTAssertEqual(
      members.map(\.0),
      ["schema", "inputs", "period", "outbound", "inbound", "domains", "sources", "failures", "notes"])
    XCTAssertEqual(
      json["period"]?.serialized(indent: 0),
      #"{"first":"2026-05-27T06:47:34Z","last":"2026-05-27T06:49:00Z"}"#)
  }

  func testTextReport() {
    let text = ReportText.render(data())
    XCTAssertTrue(
      text.contains(
        "Outbound: 66.7% over TLS  (2 TLS, 1 plaintext, 0 unknown; 3 deliveries to external servers)"),
      text)
    XCTAssertTrue(text.contains("  TLS 1.0             1   50.0%   <- legacy, should be retired"), text)
    XCTAssertTrue(text.contains("  d\\x1B[31m8.example.com"), text)
    XCTAssertFalse(text.unicodeScalars.contains("\u{1B}"), "no raw ESC in the text report")
  }
}
