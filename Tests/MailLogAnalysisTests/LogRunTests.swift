// LogRunTests.swift: the run driver: format detection when a mail log opens with other
// daemons' lines (dovecot, opendkim, rsyslogd share the mail facility on Debian),
// several inputs in order, and unreadable inputs recorded without stopping the run.

import Foundation
import MailLogAnalysis
import MailLogKit
import MailLogModel
import XCTest

final class LogRunTests: XCTestCase {
  /// Non-Postfix lines of a Debian mail.log (dovecot, opendkim, rsyslogd shapes).
  private func otherDaemons(_ n: Int) -> String {
    var lines: [String] = [
      "Mar  3 00:00:01 mail rsyslogd: [origin software=\"rsyslogd\" swVersion=\"8.2302.0\" x-pid=\"612\" x-info=\"https://www.rsyslog.com\"] rsyslogd was HUPed"
    ]
    for i in 0..<n {
      lines.append(
        i % 2 == 0
          ? "Mar  3 00:00:\(String(format: "%02d", i % 60)) mail dovecot: imap(user\(i)@example.org)<\(4000 + i)><kJ8x\(i)AAAAA>: Logged out in=\(i * 7) out=\(i * 31) deleted=0 expunged=0 trashed=0 hdr_count=0 hdr_bytes=0 body_count=0 body_bytes=0"
          : "Mar  3 00:00:\(String(format: "%02d", i % 60)) mail opendkim[812]: 1A2B3C\(String(format: "%04X", i)): DKIM-Signature field added (s=mail, d=example.org)")
    }
    return lines.joined(separator: "\n") + "\n"
  }

  let postfix = """
    Mar  3 09:00:02 mail postfix/smtp[2101]: Trusted TLS connection established to mx1.d1.example.com[192.0.2.11]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)
    Mar  3 09:00:03 mail postfix/smtp[2101]: 1A2B3C4D5E: to=<u1@d1.example.com>, relay=mx1.d1.example.com[192.0.2.11]:25, delay=1.2, delays=0.1/0/0.6/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 9F8E7D6C5B)

    """

  func testPostfixAfterFewOtherLinesIsDetected() {
    let c = count(otherDaemons(10) + postfix)
    XCTAssertEqual(c.result.inputs.first?.format, "postfix")
    assertCounts(c.coverage.outbound, delivered: 1, tls: 1, plaintext: 0, unknown: 0, versions: [.v12: 1], trust: [.trusted: 1])
  }

  func testPostfixAfterManyOtherLinesIsDetected() {
    // 300 dovecot/opendkim lines before the first Postfix line: still a Postfix log.
    let c = count(otherDaemons(300) + postfix)
    let input = c.result.inputs.first
    XCTAssertEqual(input?.format, "postfix")
    XCTAssertEqual(input?.lines, 303)
    XCTAssertEqual(input?.parsed, 2)
    XCTAssertEqual(input?.skippedByKind["dovecot"], nil, "dovecot has no [pid]: not a syslog line")
    XCTAssertEqual(input?.skippedByKind["not a syslog line"], 151)
    XCTAssertEqual(input?.skippedByKind["opendkim"], 150)
    assertCounts(c.coverage.outbound, delivered: 1, tls: 1, plaintext: 0, unknown: 0, versions: [.v12: 1], trust: [.trusted: 1])
  }

  func testPostfixAfterMoreThanTheDetectionBufferIsStillDetected() {
    // 25 000 other lines: more than the 20 000 buffered for detection. The first 25 001
    // (with the rsyslogd line) are counted, the Postfix part is parsed, nothing is lost.
    let c = count(otherDaemons(25_000) + postfix)
    let input = c.result.inputs.first
    XCTAssertEqual(input?.format, "postfix")
    XCTAssertEqual(input?.lines, 25_003)
    XCTAssertEqual(input?.parsed, 2)
    XCTAssertEqual(input?.skippedByKind["before the first postfix line"], 25_001)
    assertCounts(c.coverage.outbound, delivered: 1, tls: 1, plaintext: 0, unknown: 0, versions: [.v12: 1], trust: [.trusted: 1])
  }

  func testInputNoFormatClaimsIsUnknown() {
    let c = count(otherDaemons(100))
    XCTAssertEqual(c.result.inputs.first?.format, "unknown")
    XCTAssertEqual(c.result.inputs.first?.lines, 101)
    XCTAssertEqual(c.result.inputs.first?.parsed, 0)
  }

  func testUnreadableInputIsRecordedAndTheOthersAreRead() {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("logrun-\(UUID().uuidString).log").path
    XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(postfix.utf8)))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let c = count(paths: ["/nonexistent/mail.log", path, path])
    XCTAssertEqual(c.result.openErrors, ["cannot open /nonexistent/mail.log: No such file or directory"])
    // Inputs are read oldest first by content; the unreadable one has no time: last.
    XCTAssertEqual(c.result.inputs.map(\.format), ["postfix", "postfix", "unreadable"])
    XCTAssertEqual(c.coverage.outbound.delivered, 2)
    XCTAssertEqual(c.coverage.sources.keys.sorted(), ["mail"])
  }
}
