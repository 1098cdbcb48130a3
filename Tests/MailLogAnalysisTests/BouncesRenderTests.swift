// BouncesRenderTests.swift: the text, JSON and CSV renderings of failure clusters:
// exact text for a small case, terminal escaping of hostile log text, RFC 4180 CSV
// that no spreadsheet evaluates, JSON that parses with integer counts.

import Foundation
import MailLogKit
import MailLogModel
import MailLogReport
import XCTest

@testable import MailLogAnalysis

final class BouncesRenderTests: XCTestCase {
  let clock = LocalClock(utc: true)
  let t0: LogTime = 1_752_646_000  // 2025-07-16T06:06:40Z

  private func event(
    _ id: String, _ rcpt: String, _ status: DeliveryStatus, _ reason: String,
    detail: String? = nil, line: String, at: LogTime, sender: String? = nil
  ) -> MailEvent {
    .delivery(
      DeliveryEvent(
        origin: Origin(input: 0, logHost: "mail", mta: .postfix), time: at, messageID: id,
        recipient: rcpt, domain: Address.domain(of: rcpt), sender: sender, relay: "none",
        agent: "smtp", status: status, isOutbound: true, protection: .unknown(reason: "test"),
        reason: reason, detail: detail, line: line))
  }

  private func sample() -> BounceSummary {
    let clusters = BounceClusters()
    let line1 =
      "Jul 16 06:13:40 mail postfix/smtp[6060]: 1CD9A1397CFF: to=<gil22@clover-river.example.com>, relay=mail.clover-river.example.com[203.0.113.110]:25, delay=0.71, delays=0.4/0.03/0.29/0, dsn=4.7.4, status=deferred (TLS is required, but was not offered by host mail.clover-river.example.com[203.0.113.110])"
    clusters.consume(
      event(
        "1CD9A1397CFF", "gil22@clover-river.example.com", .deferred,
        "TLS is required, but was not offered by host mail.clover-river.example.com[203.0.113.110]",
        line: line1, at: t0, sender: "uma.varga@ourmail.example.org"))
    clusters.consume(
      event(
        "1CD9A1397CFF", "gil22@clover-river.example.com", .bounced,
        "TLS is required, but was not offered by host mail.clover-river.example.com[203.0.113.110]",
        line: line1, at: t0 + 60, sender: "uma.varga@ourmail.example.org"))
    // A hostile remote reply: terminal escapes and a spreadsheet formula.
    clusters.consume(
      event(
        "EVIL1", "-x@evil.example.net", .bounced,
        "host mx.evil.example.net[192.0.2.66] said: 550 =HYPERLINK(\"http://x\") \u{1B}[2J\u{1B}]0;owned\u{7} (in reply to RCPT TO command)",
        line: "=cmd|' /C calc'!A0 \u{1B}[31mred", at: t0 + 120))
    return clusters.summary()
  }

  func testTextExact() {
    let clusters = BounceClusters()
    clusters.consume(
      event(
        "1CD9A1397CFF", "gil22@clover-river.example.com", .deferred,
        "TLS is required, but was not offered by host mail.clover-river.example.com[203.0.113.110]",
        line: "L1", at: t0, sender: "uma.varga@ourmail.example.org"))
    clusters.consume(
      .ndr(
        NDREvent(
          origin: Origin(input: 0, logHost: "mail", mta: .postfix), time: nil, originalID: "a",
          ndrID: "b")))
    let text = BouncesRender.text(clusters.summary(), clock: clock)
    let next = FailureCategory.t01.info.nextStep
    XCTAssertEqual(
      text,
      """
      Failed deliveries: 1 (1 deferred, 0 bounced); non-delivery notifications: 1
      Caused by TLS: 1; not TLS: 0

      1. T01 Recipient does not offer STARTTLS - clover-river.example.com
          Who acts: recipient's IT   RFC 8460: starttls-not-supported
          Impact: 1 message, 1 result (1 deferred, 0 bounced)
          Recipients: 1 (gil22@clover-river.example.com)
          Senders: 1 (uma.varga@ourmail.example.org)
          Remote hosts: 1 (mail.clover-river.example.com)
          Seen: 2025-07-16T06:06:40Z
          Next step: \(next)
          Example: L1

      """)
  }

  func testTextEscapesLogText() {
    var options = BouncesRender.TextOptions()
    options.showNonTLS = true
    let text = BouncesRender.text(sample(), clock: clock, options: options)
    XCTAssertFalse(text.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 })
    XCTAssertTrue(text.contains("Example: =cmd|' /C calc'!A0 \\x1B[31mred"))
    XCTAssertTrue(text.contains("Recipients: 1 (gil22@clover-river.example.com)"))
    XCTAssertTrue(
      text.contains("Template: host <HOST>[<IP>] said: 550 =HYPERLINK(\"<URL>\") \\x1B[2J\\x1B]"))
    // Without --all the non-TLS cluster is only counted.
    let short = BouncesRender.text(sample(), clock: clock)
    XCTAssertTrue(short.contains("Caused by TLS: 2; not TLS: 1 in 1 cluster (shown with --all)"))
    XCTAssertFalse(short.contains("evil"))
  }

  func testTextEmptyAndLimit() {
    XCTAssertEqual(
      BouncesRender.text(BounceClusters().summary(), clock: clock), "No failed deliveries.\n")
    var options = BouncesRender.TextOptions()
    options.showNonTLS = true
    options.maxClusters = 1
    XCTAssertTrue(
      BouncesRender.text(sample(), clock: clock, options: options).hasSuffix(
        "\n1 more cluster not shown.\n"))
  }

  /// Minimal RFC 4180 reader for the test: fields, quotes, doubled quotes, CRLF.
  private func parseCSV(_ text: String) -> [[String]] {
    var rows: [[String]] = []
    var row: [String] = []
    var field = ""
    var quoted = false
    var it = Array(text.unicodeScalars)[...]
    while let c = it.popFirst() {
      if quoted {
        if c == "\"" {
          if it.first == "\"" {
            field.unicodeScalars.append("\"")
            it.removeFirst()
          } else {
            quoted = false
          }
        } else {
          field.unicodeScalars.append(c)
        }
      } else if c == "\"" {
        quoted = true
      } else if c == "," {
        row.append(field)
        field = ""
      } else if c == "\r" && it.first == "\n" {
        it.removeFirst()
        row.append(field)
        rows.append(row)
        row = []
        field = ""
      } else {
        field.unicodeScalars.append(c)
      }
    }
    return rows
  }

  func testCSVIsRFC4180AndSpreadsheetSafe() {
    let csv = BouncesRender.csv(sample(), clock: clock)
    XCTAssertTrue(csv.hasSuffix("\r\n"))
    let rows = parseCSV(csv)
    XCTAssertEqual(rows.count, 3)
    XCTAssertEqual(rows[0], BouncesRender.csvColumns)
    for row in rows {
      XCTAssertEqual(row.count, BouncesRender.csvColumns.count)
      for cell in row {
        if let first = cell.unicodeScalars.first {
          XCTAssertFalse(
            ["=", "+", "-", "@"].contains(first), "cell starts with a formula sign: \(cell)")
        }
      }
    }
    let t01 = rows[1]
    XCTAssertEqual(t01[0], "T01")
    XCTAssertEqual(t01[4], "clover-river.example.com")
    XCTAssertEqual(t01[5], "2")  // count
    XCTAssertEqual(t01[6], "1")  // deferred
    XCTAssertEqual(t01[7], "1")  // bounced
    XCTAssertEqual(t01[9], "1")  // messages
    XCTAssertEqual(t01[14], "2025-07-16T06:06:40Z")
    XCTAssertEqual(t01[15], "2025-07-16T06:07:40Z")
    let evil = rows[2]
    // Formula defused, and the ESC byte shown as text so `cat` cannot act on it.
    XCTAssertEqual(evil[18], "'=cmd|' /C calc'!A0 \\x1B[31mred")
    XCTAssertEqual(evil[21], "'-x@evil.example.net")
  }

  func testJSONParsesWithIntegerCounts() throws {
    let text = BouncesRender.json(sample(), clock: clock)
    XCTAssertTrue(text.hasSuffix("}\n"))
    let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
    XCTAssertEqual(object["total"] as? Int, 3)
    XCTAssertEqual((object["by_status"] as! [String: Int])["bounced"], 2)
    let clusters = object["clusters"] as! [[String: Any]]
    XCTAssertEqual(clusters.count, 2)
    XCTAssertEqual(clusters[0]["count"] as? Int, 2)
    XCTAssertEqual(clusters[0]["messages"] as? Int, 1)
    XCTAssertEqual(clusters[1]["category"] as? String, "non-tls")
    XCTAssertEqual(clusters[1]["title"] as? String, "Not TLS, not recognised")
  }
}
