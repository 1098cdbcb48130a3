// PostfixParserTests.swift: one test per line shape of postfix-formats.md, on real lines
// from /work/shared/corpus/postfix-lines.log (source group named beside each). Where
// the corpus has only the message part, or a shape exists only as a format string in
// the reference, the comment says so and the line is built from the documented shape.

import Foundation
import MailLogKit
import MailLogModel
import MailLogParsers
import XCTest

final class PostfixParserTests: XCTestCase {
  /// Real TLS summary message parts and what they mean.
  let summaries: [(message: String, relay: String, protection: Protection)] = [
    // lightmeter 1_bounce_simple.log (2.5+ adjective, no suffix)
    (
      "Trusted TLS connection established to mx.example.com[192.0.2.4]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)",
      "mx.example.com[192.0.2.4]:25", .tls(.v12, .trusted)
    ),
    // kumina/postfix_exporter fixtures (3.4+ suffixes; IPv6 relay)
    (
      "Verified TLS connection established to h5.d8.example.com[192.0.2.37]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256",
      "h5.d8.example.com[192.0.2.37]:25", .tls(.v13, .verified)
    ),
    (
      "Verified TLS connection established to h15.d35.example.com[2001:db8::1]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)",
      "h15.d35.example.com[2001:db8::1]:25", .tls(.v12, .verified)
    ),
    // grok-patterns fixtures: ECDSA (P-256) suffix, TLSv1 with Verified, no digest
    (
      "Untrusted TLS connection established to h5.d8.example.com[192.0.2.57]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature ECDSA (P-256) server-digest SHA256",
      "h5.d8.example.com[192.0.2.57]:25", .tls(.v13, .untrusted)
    ),
    (
      "Verified TLS connection established to h22.d46.example.com[2001:db8::2]:25: TLSv1 with cipher ECDHE-RSA-AES256-SHA (256/256 bits)",
      "h22.d46.example.com[2001:db8::2]:25", .tls(.v10, .verified)
    ),
    // systemli/mail-tls-helper: Anonymous (aNULL cipher) TLSv1
    (
      "Anonymous TLS connection established to relay.example.org[192.0.2.103]:25: TLSv1 with cipher ADH-AES256-SHA (256/256 bits)",
      "relay.example.org[192.0.2.103]:25", .tls(.v10, .anonymous)
    ),
    // Zuplu/postfix-tlspol #142: secp384r1; sys4/tlsrpt-reporter #51: lower-case x25519
    (
      "Untrusted TLS connection established to h37.d9.example.com[192.0.2.80]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange secp384r1 server-signature RSA-PSS (2048 bits) server-digest SHA256",
      "h37.d9.example.com[192.0.2.80]:25", .tls(.v13, .untrusted)
    ),
    (
      "Trusted TLS connection established to h40.d69.example.com[192.0.2.82]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange x25519 server-signature RSA-PSS (4096 bits) server-digest SHA256",
      "h40.d69.example.com[192.0.2.82]:25", .tls(.v13, .trusted)
    ),
    // Postfix README_FILES/TLSRPT_README (quoted in postfix-formats.md 2.2): `reused`
    (
      "Verified TLS connection reused to mail.example.com[192.0.2.25]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)",
      "mail.example.com[192.0.2.25]:25", .tls(.v12, .verified)
    ),
    // Old peers (postfix-formats.md 2.2 "SSLv3, TLSv1.1 are possible"): built from the
    // 2.5+ grammar with those protocol strings.
    (
      "Untrusted TLS connection established to old.example.net[192.0.2.30]:25: TLSv1.1 with cipher ECDHE-RSA-AES256-SHA (256/256 bits)",
      "old.example.net[192.0.2.30]:25", .tls(.v11, .untrusted)
    ),
    (
      "Trusted TLS connection established to older.example.net[192.0.2.31]:25: SSLv3 with cipher DHE-RSA-AES256-SHA (256/256 bits)",
      "older.example.net[192.0.2.31]:25", .tls(.ssl3, .trusted)
    ),
  ]

  /// A sent delivery line of pid 4242 to `relay`, shaped as the lightmeter fixtures.
  private func sent(_ relay: String, qid: String = "7DD091855DA0", rcpt: String = "user1@d8.example.com")
    -> String
  {
    "Jun  3 10:41:00 mail postfix/smtp[4242]: \(qid): to=<\(rcpt)>, relay=\(relay), delay=1.9, delays=0/0/1.5/0.37, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 00AC27401BF)"
  }

  // MARK: - TLS summary lines

  func testEveryTLSSummaryVersionCoversTheNextDeliveryToItsRelay() {
    for s in summaries {
      let (c, stats) = parsePostfix([
        "Jun  3 10:40:58 mail postfix/smtp[4242]: \(s.message)", sent(s.relay),
      ])
      XCTAssertEqual(c.deliveries.count, 1, s.message)
      XCTAssertEqual(c.deliveries.first?.protection, s.protection, s.message)
      XCTAssertEqual(c.deliveries.first?.relay, s.relay)
      XCTAssertEqual(c.evidence, ["pf-out|mail|postfix"], s.message)
      XCTAssertEqual(stats.parsed, 2)
    }
  }

  func testTLSSummaryDoesNotCoverAnotherPidOrRelay() {
    let tls = "Jun  3 10:40:58 mail postfix/smtp[4242]: \(summaries[0].message)"
    let otherPid = sent(summaries[0].relay).replacingOccurrences(of: "[4242]", with: "[4243]")
    let otherRelay = sent("mx2.example.com[192.0.2.5]:25")
    for lines in [[tls, otherPid], [tls, otherRelay]] {
      XCTAssertEqual(
        parsePostfix(lines).0.deliveries.first?.protection,
        .unproven(evidenceKey: "pf-out|mail|postfix"))
    }
  }

  func testPostfix22HostOnlySummary() {
    // Postfix 2.2-2.4: `TLS connection established to %s: ...` with the host name only,
    // and delivery lines without port, delays= or dsn= (tag v2.2.0 tls_client.c:667,
    // log_adhoc.c 119-122; built from those format strings).
    let lines = [
      "Mar  1 10:00:05 mail postfix/smtp[4711]: TLS connection established to mx.example.com: TLSv1 with cipher DHE-RSA-AES256-SHA (256/256 bits)",
      "Mar  1 10:00:06 mail postfix/smtp[4711]: 4AA091855DA0: to=<user2@example.com>, relay=mx.example.com[192.0.2.4], delay=2, status=sent (250 2.0.0 Ok)",
      "Mar  1 10:00:07 mail postfix/smtp[4711]: 4AA091855DA0: to=<user3@example.com>, relay=mx.example.com[192.0.2.4], delay=2, status=sent (250 2.0.0 Ok)",
    ]
    let d = parsePostfix(lines).0.deliveries
    XCTAssertEqual(d.map(\.protection), [.tls(.v10, .unknown), .tls(.v10, .unknown)])
    XCTAssertEqual(d.first?.relay, "mx.example.com[192.0.2.4]")
    XCTAssertEqual(d.first?.remoteHost, "mx.example.com")
    XCTAssertEqual(d.first?.remoteAddr, "192.0.2.4")
    XCTAssertNil(d.first?.dsn)
    XCTAssertEqual(d.first?.isOutbound, true)
  }

  func testTLSRPTLineBetweenSummaryAndDelivery() {
    // sys4/tlsrpt-reporter #50 (postfix-formats.md 2.6): Postfix 3.10+ logs a TLSRPT
    // status line after the handshake; it must not end the session.
    let lines = [
      "Jul 27 23:55:10 mail8 postfix/smtp[56218]: Verified TLS connection established to h38.d68.example.com[2001:db8::a]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange x25519 server-signature RSA-PSS (4096 bits) server-digest SHA256",
      "Jul 27 23:55:10 mail8 postfix/smtp[56218]: TLSRPT: status=success, domain=d68.example.com, receiving_mx=h38.d68.example.com[2001:db8::a]",
      "Jul 27 23:55:10 mail8 postfix/smtp[56218]: 317123EE1029: to=<user27@d68.example.com>, relay=h38.d68.example.com[2001:db8::a]:25, delay=1.5, delays=0.61/0.07/0.29/0.54, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 322881B17FA)",
    ]
    let (c, stats) = parsePostfix(lines)
    XCTAssertEqual(c.deliveries.first?.protection, .tls(.v13, .verified))
    XCTAssertEqual(c.deliveries.first?.remoteAddr, "2001:db8::a")
    XCTAssertEqual(c.deliveries.first?.domain, "d68.example.com")
    XCTAssertEqual(c.attempts.count, 0, "a TLSRPT line is not a delivery attempt")
    XCTAssertEqual(stats.parsed, 3)
  }

  // MARK: - Postfix 3.11 tls= field

  func testTLSFeatureField() {
    // grok-patterns tls_features_000[1-6] (message parts) behind the maillog_file
    // prefix of postfix-formats.md 1.3, plus the documented values tls=may, tls=none,
    // tls=dane:halfdane and tls=may:nostarttls (postconf.proto).
    let cases: [(String, Protection)] = [
      ("dane", .tls(.unknown, .unknown)),
      ("may?", .tls(.unknown, .unknown)),
      ("may:none", .plaintext),
      ("dane/requiretls", .tls(.unknown, .unknown)),
      ("dane/!requiretls:nocertmatch", .tls(.unknown, .unknown)),
      ("dane/requiretls?", .tls(.unknown, .unknown)),
      ("may", .tls(.unknown, .unknown)),
      ("none", .plaintext),
      ("dane:halfdane", .tls(.unknown, .unknown)),
      ("may:nostarttls", .plaintext),
      ("encrypt:noencryption", .plaintext),
    ]
    for (value, protection) in cases {
      let d = onlyDelivery([
        "Mar 01 10:00:07 mail postfix/smtp[203]: 7EE668039: to=<user1@example.com>, relay=mail.example.com[192.0.2.2]:25, delay=3.6, delays=0.08/0.02/0.85/0.14, tls=\(value), dsn=2.1.5, status=sent (250 2.0.0 Ok: queued as 153053D)"
      ])
      XCTAssertEqual(d?.protection, protection, "tls=\(value)")
      XCTAssertEqual(d?.dsn, "2.1.5")
      XCTAssertEqual(d?.status, .sent)
    }
  }

  func testTLSSummaryWinsOverTheTLSField() {
    let d = parsePostfix([
      "Mar 01 10:00:05 mail postfix/smtp[203]: Verified TLS connection established to mx.example.com[192.0.2.4]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256",
      "Mar 01 10:00:07 mail postfix/smtp[203]: 7DD091855DA0: to=<user@example.com>, relay=mx.example.com[192.0.2.4]:25, delay=1.9, delays=0/0/1.5/0.37, tls=may, dsn=2.0.0, status=sent (250 ok)",
    ]).0.deliveries
    XCTAssertEqual(d.first?.protection, .tls(.v13, .verified))
  }

  // MARK: - Delivery lines

  func testDeliveryWithOrigToUnderAnonymousTLS() {
    // systemli/mail-tls-helper postfix_count_sent_with_tls.log
    let (c, _) = parsePostfix([
      "May 27 06:47:34 mail-postfix postfix/smtp[920]: Anonymous TLS connection established to relay.example.org[192.0.2.103]:25: TLSv1 with cipher ADH-AES256-SHA (256/256 bits)",
      "May 27 06:47:35 mail-postfix postfix/smtp[920]: F1F0A200CB: to=<user27@dest.example.org>, orig_to=<user53@dest.example.org>, relay=relay.example.org[192.0.2.103]:25, delay=4.2, delays=3.4/0.01/0.39/0.38, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as D08D220196)",
    ])
    guard let d = c.deliveries.first else { return XCTFail("no delivery") }
    XCTAssertEqual(d.messageID, "F1F0A200CB")
    XCTAssertEqual(d.recipient, "user27@dest.example.org")
    XCTAssertEqual(d.domain, "dest.example.org")
    XCTAssertEqual(d.relay, "relay.example.org[192.0.2.103]:25")
    XCTAssertEqual(d.remoteHost, "relay.example.org")
    XCTAssertEqual(d.remoteAddr, "192.0.2.103")
    XCTAssertEqual(d.agent, "smtp")
    XCTAssertEqual(d.status, .sent)
    XCTAssertTrue(d.isOutbound)
    XCTAssertEqual(d.protection, .tls(.v10, .anonymous))
    XCTAssertEqual(d.dsn, "2.0.0")
    XCTAssertEqual(d.reason, "250 2.0.0 Ok: queued as D08D220196")
    XCTAssertNil(d.detail)
    XCTAssertNil(d.line, "sent lines are not kept")
    XCTAssertEqual(d.origin.logHost, "mail-postfix")
    XCTAssertEqual(d.time, utc(2026, 5, 27, 6, 47, 35))
  }

  func testDeliveryWithConnUseAndSender() {
    // conn_use=N sits between relay= and delay= (log_adhoc.c); the line is built on the
    // lightmeter 14_reuse_of_queueid.log description (pid 6980, relay :2501, conn_use=2).
    let (c, _) = parsePostfix([
      "Sep 25 18:26:34 mail1 postfix-192.0.2.16/qmgr[31214]: 23EBE3D5C0: from=<user10@d15.example.com>, size=312343, nrcpt=1 (queue active)",
      "Sep 25 18:26:40 mail1 postfix-192.0.2.16/smtp[6980]: 23EBE3D5C0: to=<user11@d16.example.com>, relay=192.0.2.16[192.0.2.16]:2501, conn_use=2, delay=0.2, delays=0.01/0/0/0.19, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 23EBE3D5C2)",
    ])
    guard let d = c.deliveries.first else { return XCTFail("no delivery") }
    XCTAssertEqual(d.relay, "192.0.2.16[192.0.2.16]:2501")
    XCTAssertEqual(d.sender, "user10@d15.example.com")
    XCTAssertEqual(d.protection, .unproven(evidenceKey: "pf-out|mail1|postfix-192.0.2.16"))
    XCTAssertTrue(d.isOutbound)
    XCTAssertEqual(c.infos.map(\.sender), ["user10@d15.example.com"])
  }

  func testBouncedDeliveryKeepsLineAndReason() {
    // Mailu #3929 (maillog_file prefix): remote TLS-policy rejection.
    let line =
      "Oct 03 09:12:52 mail postfix/smtp[6024]: 778E21489E81: to=<xx@d70.example.com>, relay=h41.d71.example.com[192.0.2.83]:25, delay=1.2, delays=0.56/0.06/0.32/0.24, dsn=5.7.4, status=bounced (host h41.d71.example.com[192.0.2.83] said: 550 5.7.4 XGEMAIL_0006 Command rejected : The rejection of the message occurred due to a mismatch in TLS versions between the configured TLS version is Preferred TLS 1.3 for the recipient: xx@d70.example.com and the sender: d7.example.com TLS version is not available (in reply to RCPT TO command))"
    guard let d = onlyDelivery([line]) else { return }
    XCTAssertEqual(d.status, .bounced)
    XCTAssertEqual(d.dsn, "5.7.4")
    XCTAssertEqual(d.line, line)
    XCTAssertTrue(d.reason?.hasPrefix("host h41.d71.example.com[192.0.2.83] said: 550 5.7.4") ?? false)
    XCTAssertTrue(d.reason?.hasSuffix("(in reply to RCPT TO command)") ?? false)
    XCTAssertEqual(d.time, utc(2026, 10, 3, 9, 12, 52))
  }

  func testRelayNoneIsNotOutbound() {
    // triplea-game/triplea #3374: postfix/error, dead-destination cache.
    let line =
      "Apr 16 20:52:03 mail10 postfix/error[30183]: 987D910A524: to=<XXXXXX@d72.example.com>, relay=none, delay=231575, delays=231575/0.39/0/0, dsn=4.7.4, status=deferred (delivery temporarily suspended: TLS is required, but was not offered by host h42.d72.example.com[xx.xxx.72.32])"
    guard let d = onlyDelivery([line]) else { return }
    XCTAssertEqual(d.agent, "error")
    XCTAssertEqual(d.relay, "none")
    XCTAssertFalse(d.isOutbound)
    XCTAssertNil(d.remoteHost)
    XCTAssertNil(d.remoteAddr)
    XCTAssertEqual(d.status, .deferred)
    XCTAssertEqual(d.domain, "d72.example.com")
    XCTAssertEqual(
      d.reason,
      "delivery temporarily suspended: TLS is required, but was not offered by host h42.d72.example.com[xx.xxx.72.32]")
    XCTAssertNil(d.detail)
  }

  func testRelayNoneFromSmtpEndsTheSession() {
    // A DNS failure is logged by smtp with relay=none; the next delivery of that pid to
    // the earlier TLS relay is a new connection.
    let lines = [
      "Jun  3 10:40:58 mail postfix/smtp[4242]: \(summaries[0].message)",
      "Jun  3 10:40:59 mail postfix/smtp[4242]: 7DD091855DA0: to=<user9@nxdomain.example>, relay=none, delay=0.1, delays=0/0/0.1/0, dsn=4.4.3, status=deferred (Host or domain name not found. Name service error for name=nxdomain.example type=MX: Host not found, try again)",
      sent(summaries[0].relay),
    ]
    let d = parsePostfix(lines).0.deliveries
    XCTAssertEqual(d.map(\.isOutbound), [false, true])
    XCTAssertEqual(d.last?.protection, .unproven(evidenceKey: "pf-out|mail|postfix"))
  }

  func testInternalAgentsAndLoopbackRelays() {
    let lines = [
      // lightmeter 1_bounce_simple.log: content-filter hop and LMTP over a socket
      "Jun  3 10:40:57 mail postfix/smtp[9710]: 4AA091855DA0: to=<user2@example.com>, relay=127.0.0.1[127.0.0.1]:10024, delay=0.23, delays=0.15/0/0/0.08, dsn=2.0.0, status=sent (250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as 776E41855DB2)",
      "Jun  3 10:40:59 mail postfix/lmtp[9717]: A48191855DA0: to=<user1@d2.example.com>, relay=h2.d2.example.com[/var/run/dovecot/lmtp], delay=0.03, delays=0.01/0/0.02/0.01, dsn=2.0.0, status=sent (250 2.0.0 <user1@d2.example.com> IkiQKTt+117kJgAAWP5Hkg Saved)",
      // lightmeter 8_weird_log_file.log: LMTP over TCP to 127.0.0.1
      "Oct 13 16:40:43 mail4 postfix/lmtp[18582]: ED01244770: to=<user20@d26.example.com>, relay=127.0.0.1[127.0.0.1]:2003, delay=0.38, delays=0.03/0.02/0.06/0.28, dsn=2.1.5, status=sent (250 2.1.5 user20@d26.example.com Ok)",
      // sergeymakinen/postfix_exporter #27: IPv6 loopback
      "Nov 19 17:38:53 email postfix/smtp[31942]: BEE166C44CC: to=<user1@domain.tld>, relay=::1[::1]:24, delay=0.03, delays=0.02/0/0/0, dsn=4.0.0, status=deferred (host ::1[::1] said: 451 Temporary internal failure - queue message failed (in reply to end of DATA command))",
      // kumina fixtures: virtual; lightmeter 18_expired.log: local
      "Apr  7 15:35:20 mail7 postfix/virtual[20235]: 199041033BE: to=<user25@d37.example.com>, relay=virtual, delay=0.08, delays=0.08/0/0/0, dsn=2.0.0, status=sent (delivered to maildir)",
      "Sep 30 20:46:08 mail1 postfix-192.0.2.16/local[23557]: A7E673C067: to=<user10@d15.example.com>, relay=local, delay=0.14, delays=0.01/0/0.11/0.02, dsn=2.0.0, status=sent (delivered to command: procmail -a \"$EXTENSION\" DEFAULT=$HOME/Maild",
      // grok-patterns (message part) behind a pipe prefix
      "Mar  1 10:00:00 mail postfix/pipe[3001]: 95ECE24E0: to=<user30@example.com>, relay=dovecot, delay=0.12, delays=0.03/0/0/0.08, dsn=5.4.6, status=bounced (mail forwarding loop for user30@example.com)",
    ]
    let d = parsePostfix(lines).0.deliveries
    XCTAssertEqual(d.map(\.agent), ["smtp", "lmtp", "lmtp", "smtp", "virtual", "local", "pipe"])
    XCTAssertEqual(d.map(\.isOutbound), [false, false, false, false, false, false, false])
    XCTAssertEqual(d.map(\.status), [.sent, .sent, .sent, .deferred, .sent, .sent, .bounced])
    XCTAssertEqual(d[0].remoteAddr, "127.0.0.1")
    XCTAssertEqual(d[1].remoteAddr, nil, "a socket path is not an address")
    XCTAssertEqual(d[3].remoteAddr, "::1")
  }

  func testStatusValuesOtherThanFinal() {
    // grok-patterns: address verification probe.
    let d = onlyDelivery([
      "Mar  1 10:00:00 mail postfix/smtp[3002]: 3E29030F8637E: to=<user1@d39.example.com>, relay=none, delay=0.01, delays=0.01/0/0/0, dsn=5.1.1, status=undeliverable-but-not-cached (User unknown in virtual alias table)"
    ])
    XCTAssertEqual(d?.status, .other)
    XCTAssertEqual(d?.messageID, "3E29030F8637E")
  }

  // MARK: - Non-final attempts and connection failures

  func testNonFinalPerMXReasonThenAnotherMX() {
    // lightmeter 6_deferred_message_retry.log, pid 18832: two TLS sessions, one queue id.
    let greylist =
      "Dec  7 13:28:02 mail postfix/smtp[18832]: A17F830001CA: host mailin5.zih.recipient.relay.example.com[192.0.2.4] said: 451-You have been greylisted. This is part of our standard anti-spam measures 451-and your mail system should automatically try again later. We will accept 451 this mail from you in 42 seconds (in reply to RCPT TO command)"
    let lines = [
      "Dec  7 13:28:02 mail postfix/smtp[18832]: Trusted TLS connection established to mailin5.zih.recipient.relay.example.com[192.0.2.4]:25: TLSv1.2 with cipher DHE-RSA-AES256-GCM-SHA384 (256/256 bits)",
      greylist,
      "Dec  7 13:28:02 mail postfix/smtp[18832]: Trusted TLS connection established to mailin6.zih.recipient.relay.example.com[192.0.2.7]:25: TLSv1.2 with cipher DHE-RSA-AES256-GCM-SHA384 (256/256 bits)",
      "Dec  7 13:28:02 mail postfix/smtp[18832]: A17F830001CA: to=<user4@d3.example.com>, relay=mailin6.zih.recipient.relay.example.com[192.0.2.7]:25, delay=0.75, delays=0/0.03/0.66/0.06, dsn=4.0.0, status=deferred (host mailin6.zih.recipient.relay.example.com[192.0.2.7] said: 451-You have been greylisted. This is part of our standard anti-spam measures 451-and your mail system should automatically try again later. We will accept 451 this mail from you in 42 seconds (in reply to RCPT TO command))",
    ]
    let (c, _) = parsePostfix(lines)
    XCTAssertEqual(c.attempts.count, 1)
    let a = c.attempts.first
    XCTAssertEqual(a?.messageID, "A17F830001CA")
    XCTAssertEqual(a?.remoteHost, "mailin5.zih.recipient.relay.example.com[192.0.2.4]")
    XCTAssertEqual(a?.reason, greylist.components(separatedBy: "A17F830001CA: ").last)
    XCTAssertTrue(a?.reason.hasPrefix("host mailin5.") ?? false)
    XCTAssertEqual(a?.line, greylist)
    XCTAssertNil(a?.detail)
    XCTAssertEqual(c.deliveries.first?.protection, .tls(.v12, .trusted))
    XCTAssertEqual(c.deliveries.first?.status, .deferred)
  }

  func testRCPTReplyKeepsTheSessionForOtherRecipients() {
    // A per-recipient refusal (greylist line above) does not end the connection: the
    // other recipient of the same request goes over the same TLS session.
    let lines = [
      "Dec  7 13:28:02 mail postfix/smtp[18832]: Trusted TLS connection established to mailin5.zih.recipient.relay.example.com[192.0.2.4]:25: TLSv1.2 with cipher DHE-RSA-AES256-GCM-SHA384 (256/256 bits)",
      "Dec  7 13:28:02 mail postfix/smtp[18832]: A17F830001CA: host mailin5.zih.recipient.relay.example.com[192.0.2.4] said: 451-You have been greylisted. This is part of our standard anti-spam measures 451-and your mail system should automatically try again later. We will accept 451 this mail from you in 42 seconds (in reply to RCPT TO command)",
      "Dec  7 13:28:03 mail postfix/smtp[18832]: A17F830001CA: to=<user5@d3.example.com>, relay=mailin5.zih.recipient.relay.example.com[192.0.2.4]:25, delay=0.8, delays=0/0.03/0.66/0.1, dsn=2.0.0, status=sent (250 OK id=1kmGfT-00056j-NK)",
    ]
    XCTAssertEqual(parsePostfix(lines).0.deliveries.first?.protection, .tls(.v12, .trusted))
  }

  func testNonFinalReasonEndsTheSession() {
    // kumina fixture, pid 7648 (a TLS line for that relay put in front): after a
    // non-final `host ... said` at DATA the retry is a new, untagged connection.
    let lines = [
      "Dec 29 02:54:05 mail postfix/smtp[7648]: Trusted TLS connection established to h17.d34.example.com[192.0.2.39]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)",
      "Dec 29 02:54:09 mail postfix/smtp[7648]: 732BB407C3: host h17.d34.example.com[192.0.2.39] said: 451 DT:SPM 163 mx13,P8CowECpNVM_oEVaenoEAQ--.23796S3 1514512449, please try again 15min later (in reply to end of DATA command)",
      "Dec 29 02:54:12 mail postfix/smtp[7648]: 732BB407C3: to=<user24@d34.example.com>, relay=h17.d34.example.com[192.0.2.39]:25, delay=6.2, delays=0.1/0/5.2/0.87, dsn=4.0.0, status=deferred (host h17.d34.example.com[192.0.2.39] said: 451 DT:SPM 163 mx40,WsCowAAnEhlCoEVa5GjcAA--.20089S3 1514512452, please try again 15min later (in reply to end of DATA command))",
    ]
    let (c, _) = parsePostfix(lines)
    XCTAssertEqual(c.attempts.map(\.remoteHost), ["h17.d34.example.com[192.0.2.39]"])
    XCTAssertEqual(c.deliveries.first?.protection, .unproven(evidenceKey: "pf-out|mail|postfix"))
  }

  func testOtherNonFinalShapes() {
    // grok-patterns fixtures (message parts) behind a traditional prefix of pid 5150.
    let p = "Mar  1 10:00:00 mail postfix/smtp[5150]: "
    let (c, stats) = parsePostfix([
      p + "B99FE3D: lost connection with h20.d43.example.com[192.0.2.45] while receiving the initial server greeting",
      p + "78D6B41: conversation with h23.d48.example.com[192.0.2.49] timed out while receiving the initial server greeting",
      p + "40197AA: host h26.d51.example.com[192.0.2.56] refused to talk to me: 450 4.3.2 try again later",
      p + "745137AA: lost connection with h6.d9.example.com[192.0.2.55] while sending RCPT TO",
      p + "B0ADE20FC7: enabling PIX workarounds: disable_esmtp delay_dotcrlf for example.com[192.0.2.54]:25",
    ])
    XCTAssertEqual(c.attempts.map(\.messageID), ["B99FE3D", "78D6B41", "40197AA", "745137AA"])
    XCTAssertEqual(
      c.attempts.map(\.remoteHost),
      [nil, nil, "h26.d51.example.com[192.0.2.56]", nil])
    XCTAssertEqual(c.attempts[0].reason, "lost connection with h20.d43.example.com[192.0.2.45] while receiving the initial server greeting")
    XCTAssertEqual(stats.parsed, 5)
  }

  func testPIXWorkaroundLineKeepsTheSession() {
    let lines = [
      "Jun  3 10:40:58 mail postfix/smtp[4242]: Trusted TLS connection established to example.com[192.0.2.54]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)",
      "Jun  3 10:40:59 mail postfix/smtp[4242]: B0ADE20FC7: enabling PIX workarounds: disable_esmtp delay_dotcrlf for example.com[192.0.2.54]:25",
      sent("example.com[192.0.2.54]:25", qid: "B0ADE20FC7"),
    ]
    XCTAssertEqual(parsePostfix(lines).0.deliveries.first?.protection, .tls(.v12, .trusted))
  }

  func testConnectToFailuresEndTheSessionAndAreParsed() {
    // grok-patterns fixtures (message parts): timed out, no route, IPv6 unreachable.
    let p = "Mar  1 10:00:00 mail postfix/smtp[4242]: "
    let (c, stats) = parsePostfix([
      "Jun  3 10:40:58 mail postfix/smtp[4242]: \(summaries[0].message)",
      p + "connect to d44.example.com[192.0.2.44]:25: Connection timed out",
      p + "connect to h21.d45.example.com[192.0.2.46]:25: No route to host",
      p + "connect to h9.d8.example.com[2001:db8::5]:25: Network is unreachable",
      sent(summaries[0].relay),
    ])
    XCTAssertEqual(stats.parsed, 5)
    XCTAssertEqual(c.attempts.count, 0, "connect failures carry no queue id")
    XCTAssertEqual(c.deliveries.first?.protection, .unproven(evidenceKey: "pf-out|mail|postfix"))
  }

  // MARK: - Failure detail lines

  func testHandshakeFailureDetailFromSSLConnectErrorAndLibraryWarning() {
    // bokysan/docker-postfix #221 (container template), pid 1204; the queue id and the
    // `Cannot start TLS` lines follow smtp_proto.c's fixed strings (postfix-formats.md 2.5).
    let lines = [
      "2024-12-30T12:16:31.935334+01:00 INFO    postfix/qmgr[1199]: E292446A73E: from=<xxx>, size=459, nrcpt=1 (queue active)",
      "2024-12-30T12:16:32.052659+01:00 INFO    postfix/smtp[1204]: SSL_connect error to h36.d47.example.com[192.0.2.79]:587: -1",
      "2024-12-30T12:16:32.052694+01:00 WARNING postfix/smtp[1204]: warning: TLS library problem: error:0A00010B:SSL routines::wrong version number:../ssl/record/ssl3_record.c:354:",
      "2024-12-30T12:16:32.052790+01:00 INFO    postfix/smtp[1204]: E292446A73E: Cannot start TLS: handshake failure",
      "2024-12-30T12:16:32.053000+01:00 INFO    postfix/smtp[1204]: E292446A73E: to=<user1@d47.example.com>, relay=h36.d47.example.com[192.0.2.79]:587, delay=0.12, delays=0.01/0/0.11/0, dsn=4.7.5, status=deferred (Cannot start TLS: handshake failure)",
    ]
    let detail =
      "SSL_connect error to h36.d47.example.com[192.0.2.79]:587: -1 | TLS library problem: error:0A00010B:SSL routines::wrong version number:../ssl/record/ssl3_record.c:354:"
    let (c, stats) = parsePostfix(lines)
    XCTAssertEqual(c.attempts.map(\.reason), ["Cannot start TLS: handshake failure"])
    XCTAssertEqual(c.attempts.first?.detail, detail)
    guard let d = c.deliveries.first else { return XCTFail("no delivery") }
    XCTAssertEqual(d.detail, detail, "the final line of the same queue id keeps the detail")
    XCTAssertEqual(d.sender, "xxx")
    XCTAssertEqual(d.status, .deferred)
    XCTAssertEqual(d.origin.logHost, "")
    XCTAssertEqual(d.protection, .unproven(evidenceKey: "pf-out||postfix"))
    XCTAssertEqual(stats.parsed, 5)
  }

  func testVerificationFailureDetail() {
    // Zuplu/postfix-tlspol #142 (3.10+ order: summary, non-final reason, verify line,
    // TLSRPT), followed by the final line Postfix writes for that recipient.
    let lines = [
      "Apr 20 09:17:44 mail postfix/smtp[5297]: Untrusted TLS connection established to h37.d9.example.com[192.0.2.80]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange secp384r1 server-signature RSA-PSS (2048 bits) server-digest SHA256",
      "Apr 20 09:17:44 mail postfix/smtp[5297]: CB3EC208B2: Server certificate not verified",
      "Apr 20 09:17:44 mail postfix/smtp[5297]: certificate verification failed for h37.d9.example.com[192.0.2.81]:25: untrusted issuer /C=US/O=DigiCert Inc/OU=www.digicert.com/CN=DigiCert Global Root CA",
      "Apr 20 09:17:44 mail postfix/smtp[5297]: TLSRPT: status=failure, domain=d9.example.com, receiving_mx=h37.d9.example.com[192.0.2.81], failure_type=validation_failure, failure_reason=unable_to_get_local_issuer_certificate",
      "Apr 20 09:17:45 mail postfix/smtp[5297]: CB3EC208B2: to=<user3@d9.example.com>, relay=h37.d9.example.com[192.0.2.81]:25, delay=1.1, delays=0.1/0/1/0, dsn=4.7.5, status=deferred (Server certificate not verified)",
    ]
    let (c, stats) = parsePostfix(lines)
    XCTAssertEqual(c.attempts.map(\.reason), ["Server certificate not verified"])
    XCTAssertEqual(
      c.deliveries.first?.detail,
      "certificate verification failed for h37.d9.example.com[192.0.2.81]:25: untrusted issuer /C=US/O=DigiCert Inc/OU=www.digicert.com/CN=DigiCert Global Root CA"
    )
    XCTAssertEqual(stats.parsed, 5)
  }

  func testServerCertificateNotVerifiedUnderTrustedTLS() {
    // newbetuts.com/759985 (Postfix 2.11): verbose set-up line, Trusted TLS, deferral.
    let (c, stats) = parsePostfix([
      "Feb 25 21:57:22 mail postfix/smtp[25291]: setting up TLS connection to h54.d86.example.com[192.0.2.101]:25",
      "Feb 25 21:57:22 mail postfix/smtp[25291]: Trusted TLS connection established to h54.d86.example.com[192.0.2.101]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)",
      "Feb 25 21:57:22 mail postfix/smtp[25291]: D33A02504112: to=<user52@d87.example.com>, relay=h54.d86.example.com[192.0.2.101]:25, delay=8.4, delays=0.02/0/8.4/0, dsn=4.7.5, status=deferred (Server certificate not verified)",
    ])
    XCTAssertEqual(stats.parsed, 3)
    guard let d = c.deliveries.first else { return XCTFail("no delivery") }
    XCTAssertEqual(d.protection, .tls(.v12, .trusted))
    XCTAssertEqual(d.reason, "Server certificate not verified")
    // No verification line: the summary's adjective (Trusted) is the only hint.
    XCTAssertEqual(
      d.detail,
      "Trusted TLS connection established to h54.d86.example.com[192.0.2.101]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)"
    )
  }

  func testSuspendedDeliveryTakesTheDetailOfTheLatestFailureForTheDomain() {
    let lines = [
      "Jan 24 04:17:10 mail11 postfix/smtp[36739]: SSL_connect error to 192.0.2.53[192.0.2.53]:25: lost connection",
      "Jan 24 04:17:10 mail11 postfix/smtp[36739]: 5A1B2C3D4E: to=<user1@d88.example.com>, relay=192.0.2.53[192.0.2.53]:25, delay=1, delays=0/0/1/0, dsn=4.7.5, status=deferred (Cannot start TLS: handshake failure)",
      "Jan 24 04:17:11 mail11 postfix/error[36800]: 6B2C3D4E5F: to=<user2@d88.example.com>, relay=none, delay=0.5, delays=0.5/0/0/0, dsn=4.7.5, status=deferred (delivery temporarily suspended: Cannot start TLS: handshake failure)",
      "Jan 24 04:17:11 mail11 postfix/error[36800]: 7C3D4E5F6A: to=<user3@other.example.com>, relay=none, delay=0.5, delays=0.5/0/0/0, dsn=4.7.5, status=deferred (delivery temporarily suspended: Cannot start TLS: handshake failure)",
    ]
    let d = parsePostfix(lines).0.deliveries
    let detail = "SSL_connect error to 192.0.2.53[192.0.2.53]:25: lost connection"
    XCTAssertEqual(d.map(\.detail), [detail, detail, nil])
  }

  // MARK: - Queue manager, cleanup, bounce

  func testBounceNotifications() {
    let (c, stats) = parsePostfix([
      // kumina fixtures
      "Dec 29 03:03:48 mail postfix/bounce[9321]: 732BB407C3: sender non-delivery notification: 5DE184083C",
      // lightmeter 18_expired.log (multi-instance)
      "Sep 30 20:46:08 mail1 postfix-192.0.2.16/bounce[23567]: 23EBE3D5C0: sender non-delivery notification: A7E673C067",
      // grok-patterns (message parts): the other notifications are not NDRs
      "Dec 29 03:03:49 mail postfix/bounce[9321]: 65AFB8B5: sender delivery status notification: 1DF35917",
      "Dec 29 03:03:49 mail postfix/bounce[9321]: 264FE1A18: sender delay notification: 0A87A1A08",
      "Dec 29 03:03:49 mail postfix/bounce[9321]: 482E4404AC8: postmaster non-delivery notification: 47335405A44",
    ])
    XCTAssertEqual(c.ndrs.map(\.originalID), ["732BB407C3", "23EBE3D5C0"])
    XCTAssertEqual(c.ndrs.map(\.ndrID), ["5DE184083C", "A7E673C067"])
    XCTAssertEqual(c.ndrs.map(\.origin.logHost), ["mail", "mail1"])
    XCTAssertEqual(c.ndrs.first?.time, utc(2026, 12, 29, 3, 3, 48))
    XCTAssertEqual(stats.parsed, 5)
  }

  func testQueueManagerAndCleanupLines() {
    let (c, stats) = parsePostfix([
      // lightmeter 1_bounce_simple.log
      "Jun  3 10:40:57 mail postfix/qmgr[1005]: 4AA091855DA0: from=<user1@d2.example.com>, size=391, nrcpt=1 (queue active)",
      "Jun  3 10:40:57 mail postfix/qmgr[1005]: 4AA091855DA0: from=<user1@d2.example.com>, size=391, nrcpt=1 (queue active)",
      "Jun  3 10:40:59 mail postfix/qmgr[1005]: A48191855DA0: from=<>, size=3147, nrcpt=1 (queue active)",
      "Jun  3 10:40:59 mail postfix/cleanup[9716]: A48191855DA0: message-id=<20200603104059.A48191855DA0@h2.d2.example.com>",
      "Jun  3 10:40:59 mail postfix/qmgr[1005]: A48191855DA0: removed",
      // kumina fixtures: expiry is a message-level line, not a delivery
      "Apr 10 14:50:16 mail postfix/qmgr[3663]: BACE842E72: from=<user22@d34.example.com>, status=expired, returned to sender",
      "Apr 10 14:50:16 mail postfix/qmgr[3663]: BACE842E73: from=<user22@d34.example.com>, status=force-expired, returned to sender",
      // grok-patterns (message part): message-id=<> of a bounce
      "Oct 13 16:40:40 mail4 postfix/cleanup[18571]: 4F5C64474F: message-id=<>",
    ])
    // One sender per queue id (force-expired names one too), two message-ids.
    XCTAssertEqual(c.infos.count, 5)
    XCTAssertEqual(c.infos.compactMap(\.sender), ["user1@d2.example.com", "", "user22@d34.example.com"])
    XCTAssertEqual(
      c.infos.compactMap(\.messageIDHeader),
      ["20200603104059.A48191855DA0@h2.d2.example.com", ""])
    XCTAssertEqual(c.deliveries.count, 0)
    XCTAssertEqual(stats.parsed, 8)
  }

  func testShortAndLongQueueIDs() {
    let (c, _) = parsePostfix([
      // grok-patterns: 7-character short id
      "Mar  1 10:00:00 mail postfix/cleanup[501]: 0F5383D: message-id=<544D2523.30609@d38.example.com>",
      // iredmail/iRedMail #265: long id (enable_long_queue_ids)
      "Sep  4 14:06:43 mail15 postfix/cleanup[1395638]: 4WzPS31N13z8slH: message-id=<624670b8a417d99c50d76ce0ace5343e@h47.d34.example.com>",
      // grok-patterns: 21-character id
      "Mar  1 10:00:00 mail postfix/qmgr[502]: ED06590130AA1C9D6D862: skipped, still being delivered",
    ])
    XCTAssertEqual(c.infos.map(\.messageID), ["0F5383D", "4WzPS31N13z8slH"])
    XCTAssertEqual(
      c.infos.map(\.messageIDHeader),
      ["544D2523.30609@d38.example.com", "624670b8a417d99c50d76ce0ace5343e@h47.d34.example.com"])
  }

  // MARK: - smtpd sessions (inbound)

  func testSubmissionSessionWithTLS() {
    // lightmeter 1_bounce_simple.log: submission TLS in, then the content filter's
    // loopback re-injection (not inbound).
    let (c, stats) = parsePostfix([
      "Jun  3 10:40:57 mail postfix/submission/smtpd[9708]: connect from h1.d1.example.com[192.0.2.2]",
      "Jun  3 10:40:57 mail postfix/submission/smtpd[9708]: Anonymous TLS connection established from h1.d1.example.com[192.0.2.2]: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)",
      "Jun  3 10:40:57 mail postfix/submission/smtpd[9708]: 4AA091855DA0: client=h1.d1.example.com[192.0.2.2], sasl_method=PLAIN, sasl_username=user1@d2.example.com",
      "Jun  3 10:40:57 mail postfix/submission/smtpd[9708]: disconnect from h1.d1.example.com[192.0.2.2] ehlo=2 starttls=1 auth=1 mail=1 rcpt=1 data=1 quit=1 commands=8",
      "Jun  3 10:40:57 mail postfix/smtpd[9715]: connect from localhost[127.0.0.1]",
      "Jun  3 10:40:57 mail postfix/smtpd[9715]: 776E41855DB2: client=localhost[127.0.0.1]",
      "Jun  3 10:40:57 mail postfix/smtpd[9715]: disconnect from localhost[127.0.0.1] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5",
    ])
    XCTAssertEqual(c.arrivals.count, 1)
    guard let a = c.arrivals.first else { return }
    XCTAssertEqual(a.messageID, "4AA091855DA0")
    XCTAssertEqual(a.client, "h1.d1.example.com[192.0.2.2]")
    XCTAssertEqual(a.clientAddr, "192.0.2.2")
    XCTAssertEqual(a.protection, .tls(.v12, .anonymous))
    XCTAssertEqual(a.origin.logHost, "mail")
    XCTAssertEqual(c.evidence, ["pf-in|mail|postfix"])
    XCTAssertEqual(stats.parsed, 7)
  }

  func testSmtpdWithoutTLSLineAndPidReuse() {
    // youyo #1 (RFC 3339, no connect line), then pid 5329 reused: a new `connect from`
    // forgets the earlier session's TLS.
    let (c, _) = parsePostfix([
      "2020-01-30T06:26:05.404714+09:00 myhost postfix/smtpd[5329]: 62CAD4E861: client=foo.example.net[192.0.2.100]",
      "2020-01-30T06:27:00.000000+09:00 myhost postfix/smtpd[5329]: connect from h51.d79.example.com[192.0.2.93]",
      "2020-01-30T06:27:01.000000+09:00 myhost postfix/smtpd[5329]: Anonymous TLS connection established from h51.d79.example.com[192.0.2.93]: TLSv1 with cipher DHE-RSA-AES256-SHA (256/256 bits)",
      "2020-01-30T06:27:02.000000+09:00 myhost postfix/smtpd[5329]: 72CAD4E862: client=h51.d79.example.com[192.0.2.93]",
      "2020-01-30T06:28:00.000000+09:00 myhost postfix/smtpd[5329]: connect from foo.example.net[192.0.2.100]",
      "2020-01-30T06:28:01.000000+09:00 myhost postfix/smtpd[5329]: 82CAD4E863: client=foo.example.net[192.0.2.100]",
    ])
    XCTAssertEqual(
      c.arrivals.map(\.protection),
      [
        .unproven(evidenceKey: "pf-in|myhost|postfix"), .tls(.v10, .anonymous),
        .unproven(evidenceKey: "pf-in|myhost|postfix"),
      ])
    XCTAssertEqual(c.arrivals.first?.time ?? 0, utc(2020, 1, 29, 21, 26, 5) + 0.404714, accuracy: 1e-6)
  }

  func testNoqueueClientLineBehindAProxyFilterIsInbound() {
    // mailcow #318: with a before-queue filter the external client's line says NOQUEUE
    // and the re-injected message comes from localhost (not inbound). The external
    // arrival is counted once, under NOQUEUE.
    let (c, _) = parsePostfix([
      "Mar 19 13:37:28 e postfix/smtpd[19846]: connect from h51.d79.example.com[192.0.2.93]",
      "Mar 19 13:37:29 e postfix/smtpd[19846]: Anonymous TLS connection established from h51.d79.example.com[192.0.2.93]: TLSv1 with cipher DHE-RSA-AES256-SHA (256/256 bits)",
      "Mar 19 13:37:29 e postfix/smtpd[19846]: NOQUEUE: client=h51.d79.example.com[192.0.2.93], sasl_method=PLAIN, sasl_username=user48@d80.example.com",
      "Mar 19 13:37:29 e postfix/smtpd[19852]: 4EC604340A: client=localhost[127.0.0.1], orig_client=h51.d79.example.com[192.0.2.93]",
    ])
    XCTAssertEqual(c.arrivals.map(\.messageID), ["NOQUEUE"])
    XCTAssertEqual(c.arrivals.first?.protection, .tls(.v10, .anonymous))
  }

  func testSmtpdNoiseIsParsedWithoutEvents() {
    // iRedMail #156, ispconfig #275, gitlab #10479, grok-patterns (message parts).
    let (c, stats) = parsePostfix([
      "Jan 23 15:46:03 mail14 postfix/smtps/smtpd[51302]: lost connection after CONNECT from h46.d76.example.com[192.0.2.87]",
      "Jan 23 15:46:04 mail14 postfix/smtps/smtpd[51302]: SSL_accept error from h46.d76.example.com[192.0.2.87]: Connection reset by peer",
      "Jan 23 15:46:04 mail14 postfix/smtps/smtpd[51302]: warning: TLS library problem: error:142090C1:SSL routines:tls_early_post_process_client_hello:no shared cipher:../ssl/statem/statem_srvr.c:1779:",
      "Feb 18 20:17:22 mail17 postfix/smtps/smtpd[9166]: connect from unknown[192.0.2.91]",
      "Feb 18 20:17:22 mail17 postfix/smtps/smtpd[9166]: Anonymous TLS connection established from unknown[192.0.2.91]: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)",
      "Feb 18 20:17:22 mail17 postfix/smtps/smtpd[9166]: disconnect from unknown[192.0.2.91] commands=0/0",
      "Mar  1 10:00:00 mail postfix/smtpd[700]: NOQUEUE: reject: RCPT from unknown[2001:db8::6]: 504 5.5.2 <user38@d56.example.com>: Sender address rejected: need fully-qualified address; from=<user38@d56.example.com> to=<user1@example.com> proto=SMTP helo=<test>",
      "Mar  1 10:00:00 mail postfix/smtpd[700]: timeout after END-OF-MESSAGE from unknown[192.0.2.59]",
    ])
    XCTAssertEqual(c.arrivals.count, 0)
    XCTAssertEqual(c.evidence, ["pf-in|mail17|postfix"], "the smtps TLS line is inbound evidence")
    XCTAssertEqual(stats.parsed, 8)
  }

  // MARK: - Instances and skipped lines

  func testInstancesKeepSessionsAndEvidenceApart() {
    // Same pid, two syslog_name instances (postfix-out/..., postfix-formats.md 1.4/1.6):
    // the TLS line of one does not cover a delivery logged by the other.
    let tls = summaries[0].message
    let (c, _) = parsePostfix([
      "Jun  3 10:40:58 mail postfix-out/smtp[4242]: \(tls)",
      sent(summaries[0].relay),
      sent(summaries[0].relay, qid: "8EE091855DA1").replacingOccurrences(
        of: "postfix/smtp", with: "postfix-out/smtp"),
      // kumina PR #111 and Hsn723 #249: other instance names, per-transport syslog_name
      "Feb 24 16:18:40 mail6 postfix-new-instance/smtp[59649]: 5270320179: to=<user23@d36.example.com>, relay=h16.d36.example.com[192.0.2.38]:25, delay=2017, delays=0.1/2017/0.03/0.05, dsn=2.0.0, status=sent (250 2.0.0 6FVIjIMwUJwU66FVIjAEB0 mail accepted for delivery)",
      "2025-04-09T08:25:46.545425+00:00 mail19 postfix/relay/smtp[706]: 5FCA28903A: to=<*****@example.net>, relay=d84.example.com[192.0.2.99]:2525, delay=0.15, delays=0.15/0/0.01/0, dsn=2.0.0, status=sent (250 Mail accepted)",
    ])
    XCTAssertEqual(c.evidence, ["pf-out|mail|postfix-out"])
    XCTAssertEqual(
      c.deliveries.map(\.protection),
      [
        .unproven(evidenceKey: "pf-out|mail|postfix"), .tls(.v12, .trusted),
        .unproven(evidenceKey: "pf-out|mail6|postfix-new-instance"),
        .unproven(evidenceKey: "pf-out|mail19|postfix"),
      ])
    XCTAssertEqual(c.deliveries.last?.agent, "smtp")
    XCTAssertEqual(c.deliveries.last?.isOutbound, true)
    XCTAssertEqual(c.deliveries.last?.recipient, "*****@example.net")
  }

  func testSkippedLinesAreCountedByKind() {
    let (_, stats) = parsePostfix([
      "Dec  7 13:33:34 mail postfix/anvil[18492]: statistics: max connection rate 2/60s for (submission:192.0.2.5) at Dec  7 13:28:01",
      "Dec  7 13:33:34 mail postfix/anvil[18492]: statistics: max cache size 1 at Dec  7 13:26:48",
      "Dec 17 06:29:08 mail2 /postfix-script[115413]: the Postfix mail system is running: PID: 95072",
      "Mar 29 12:55:50 mail5 postfix/master[15019]: daemon started -- version 3.4.14, configuration /etc/postfix",
      "Feb 14 19:05:25 mail7 postfix/smtpd[1517]: table hash:/etc/postfix/virtual_mailbox_maps(0,lock|fold_fix) has changed -- restarting",
      "warning: dict_nis_init: NIS domain name not set - NIS lookups disabled",
      "",
      "Dec 29 17:47:33 mail12 postfix/smtp[26194]: SSL_connect:before/connect initialization",
    ])
    XCTAssertEqual(stats.lines, 8)
    XCTAssertEqual(stats.parsed, 1)
    XCTAssertEqual(
      stats.skippedByKind,
      [
        "postfix/anvil": 2, "/postfix-script": 1, "postfix/master": 1, "postfix/smtpd": 1,
        "not a syslog line": 1, "empty line": 1,
      ])
    XCTAssertEqual(stats.samples.count, 5)
    XCTAssertEqual(stats.logHosts, ["mail12"])
  }

  func testSniffAndDetection() {
    XCTAssertEqual(PostfixParser.sniff("Jun  3 10:40:58 mail postfix/smtp[9890]: \(summaries[0].message)"), 2)
    XCTAssertEqual(PostfixParser.sniff("2021-05-04 13:37:00 1gon8g-0001rZ-K0 Completed"), 0)
    let detected = ParserRegistry.detect([
      "Jun  3 10:40:57 mail postfix/submission/smtpd[9708]: connect from h1.d1.example.com[192.0.2.2]",
      "Jun  3 10:40:59 mail postfix/qmgr[1005]: 776E41855DB2: removed",
    ])
    XCTAssertEqual(detected?.id, "postfix")
  }
}
