// TemplateMinerTests.swift: SMTP-aware masking on real failure texts (exact masked
// output) and Drain-style grouping (same shape joins, different causes stay apart,
// memory stays bounded).

import XCTest

@testable import MailLogAnalysis

final class TemplateMinerTests: XCTestCase {
  func testAllMasksCompile() {
    XCTAssertEqual(TemplateMiner.masks.count, 20)
  }

  func testMaskingRealTexts() {
    let cases: [(String, String)] = [
      (
        "host mx2.hoster3.example.net[2001:db8:5::14] said: 450 4.2.0 <contact@apexclover.example.org>: Recipient address rejected: Greylisted, see http://postgrey.hoster3.example.net/help/apexclover.example.org.html (in reply to RCPT TO command)",
        "host <HOST>[<IP>] said: 450 4.2.0 <EMAIL>: Recipient address rejected: Greylisted, see <URL> (in reply to RCPT TO command)"
      ),
      (
        "lost connection with mail.glacier-willow.example.com[203.0.113.43] while sending message body",
        "lost connection with <HOST>[<IP>] while sending message body"
      ),
      (
        "host mx.example.com[192.0.2.4] said: 550 5.5.0 Requested action not taken: mailbox unavailable. [AM7PR02MB1234.eurprd02.prod.outlook.com 2025-03-01T10:00:00.000Z 08DDEE20AE03E0F8] (in reply to RCPT TO command)",
        "host <HOST>[<IP>] said: 550 5.5.0 Requested action not taken: mailbox unavailable. <MSFTID> (in reply to RCPT TO command)"
      ),
      (
        "SMTP error from remote mail server after MAIL FROM:<rosa@ourmail.example.org> SIZE=61337: 550 5.7.1 Service unavailable; client [192.0.2.1] blocked using zen.spamhaus.example.org",
        "SMTP error from remote mail server after MAIL FROM:<EMAIL> SIZE=<NUM>: 550 5.7.1 Service unavailable; client [<IP>] blocked using <HOST>"
      ),
      (
        "host mx.example.com[192.0.2.4] said: 550-5.1.1 The email account that you tried to reach does not exist. Learn more at 550 5.1.1  https://support.google.com/mail/?p=NoSuchUser e49797d935 - gsmtp (in reply to RCPT TO command)",
        "host <HOST>[<IP>] said: 550-5.1.1 The email account that you tried to reach does not exist. Learn more at 550 5.1.1 <URL> <ID> - gsmtp (in reply to RCPT TO command)"
      ),
      (
        "certificate verification failed for mail.example.com[192.0.2.52]:25: untrusted issuer /C=de/L=XXX/O=XXX GmbH/CN=XX XX XXX CA/emailAddress=XX@XX",
        "certificate verification failed for <HOST>[<IP>]:25: untrusted issuer <DN>"
      ),
      (
        "1vF4Yr-00000000Dtx-2grP [203.0.113.159] SSL verify error: depth=0 error=self-signed certificate cert=/CN=mx.jaspertopaz.example.net",
        "<QID> [<IP>] SSL verify error: depth=<NUM> error=self-signed certificate cert=<DN>"
      ),
      (
        "454 454 TLS missing certificate: error:0200100D:system library:fopen:Permission denied (#4.3.0) (state 9).",
        "454 454 TLS missing certificate: error:0200100D:system library:fopen:Permission denied (#4.3.0) (state <NUM>)."
      ),
      (
        "defer (-37) H=mx.example.net [192.0.2.5]: TLS session: (SSL_connect): error:0A000126:SSL routines::unexpected eof while reading",
        "defer (-37) H=<HOST> [<IP>]: TLS session: (SSL_connect): error:0A000126:SSL routines::unexpected eof while reading"
      ),
      ("defer (110): Connection timed out", "defer (110): Connection timed out"),
      (
        "451 DT:SPM 163 mx40,WsCowAAnEhlCoEVa5GjcAA--.20089S3 1514512452, please try again 15min later",
        "451 DT:SPM <NUM> mx40,<ID>--.20089S3 <NUM>, please try again 15min later"
      ),
      (
        "[<LRI-2019/11/4 13:31:03>; <led-451 4.4.0 Primary target IP address responded with: \"454 4.7.0 Temporary authentication failure.\"",
        "[<LRI-<TS> <TS>>; <led-451 4.4.0 Primary target IP address responded with: \"454 4.7.0 Temporary authentication failure.\""
      ),
      (
        "Server at example.org (203.0.113.148) returned '450 4.4.317 Cannot connect to remote server [LastAttemptedIP=203.0.113.148:25] [IPv6:2001:db8::1]'",
        "Server at <HOST> (<IP>) returned '450 4.4.317 Cannot connect to remote server [LastAttemptedIP=<IP>:25] [IPv6:<IP>]'"
      ),
    ]
    for (input, expected) in cases {
      XCTAssertEqual(TemplateMiner.mask(input), expected, input)
    }
    // OpenSSL lines keep their code, reason, file and line.
    let openssl =
      "warning: TLS library problem: error:0A00010B:SSL routines::wrong version number:../ssl/record/ssl3_record.c:354:"
    XCTAssertEqual(TemplateMiner.mask(openssl), openssl)
  }

  func testSameShapeJoinsOneTemplate() {
    let miner = TemplateMiner()
    let a = miner.add(
      "host mx.a.example.com[192.0.2.1] said: 550 5.1.1 <ann@a.example.com>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)",
      partition: "non-tls|5.1.1")
    let b = miner.add(
      "host mx9.b.example.net[2001:db8::9] said: 550 5.1.1 <bob.x@b.example.net>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)",
      partition: "non-tls|5.1.1")
    XCTAssertEqual(a, b)
    XCTAssertEqual(miner.count(a), 2)
    XCTAssertEqual(
      miner.template(a),
      "host <HOST>[<IP>] said: 550 5.1.1 <EMAIL>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)"
    )
    // A differing word widens the template to a wildcard.
    let c = miner.add(
      "host mx.c.example.com[192.0.2.3] said: 550 5.1.1 <c@c.example.com>: Recipient address rejected: User unknown in local recipient table (in reply to RCPT TO command)",
      partition: "non-tls|5.1.1")
    XCTAssertEqual(c, a)
    XCTAssertEqual(
      miner.template(a),
      "host <HOST>[<IP>] said: 550 5.1.1 <EMAIL>: Recipient address rejected: User unknown in <*> <*> table (in reply to RCPT TO command)"
    )
  }

  func testDifferentCausesStayApart() {
    let miner = TemplateMiner()
    let version = miner.add(
      "Cannot start TLS: handshake failure | warning: TLS library problem: error:0A00010B:SSL routines::wrong version number",
      partition: "T06|4.7.5")
    let cipher = miner.add(
      "Cannot start TLS: handshake failure | warning: TLS library problem: error:0A0000C1:SSL routines::no shared cipher",
      partition: "T06|4.7.5")
    XCTAssertNotEqual(version, cipher)
    // The same text in another partition never joins.
    let elsewhere = miner.add(
      "Cannot start TLS: handshake failure | warning: TLS library problem: error:0A00010B:SSL routines::wrong version number",
      partition: "non-tls|")
    XCTAssertNotEqual(elsewhere, version)
    let greylist = miner.add("450 4.2.0 Greylisted, see <x> please retry", partition: "p")
    let quota = miner.add("452 4.2.2 Mailbox over quota, try again later", partition: "p")
    XCTAssertNotEqual(greylist, quota)
    XCTAssertEqual(miner.templateCount, 5)
  }

  func testTemplatesAreBounded() {
    var config = TemplateMiner.Config()
    config.maxClusters = 3
    config.maxTokens = 4
    let miner = TemplateMiner(config: config)
    let words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]
    var ids: Set<Int> = []
    for (i, w) in words.enumerated() {
      ids.insert(miner.add("\(w) \(words[(i + 3) % words.count]) x y z q r", partition: "p"))
    }
    XCTAssertEqual(miner.templateCount, 4, "3 templates plus the partition's catch-all")
    XCTAssertEqual(ids.count, 4)
    XCTAssertEqual(miner.template(3), "<*>")
    XCTAssertEqual(miner.template(0).split(separator: " ").count, 4)
    XCTAssertEqual(miner.template(99), "")
    XCTAssertEqual(miner.add("", partition: "q"), 4, "full: a new partition gets its own catch-all")
  }
}
