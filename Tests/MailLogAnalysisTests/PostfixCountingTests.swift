// PostfixCountingTests.swift: exact coverage and failure figures for small Postfix logs
// built from real line shapes (corpus/postfix-lines.log, postfix-formats.md), one
// counting rule of eval-public/README.md per test.

import Foundation
import MailLogAnalysis
import MailLogKit
import MailLogModel
import XCTest

final class PostfixCountingTests: XCTestCase {
  func testInterleavedPidsAndMultiRecipientDelivery() {
    // Two smtp processes at once; one request has three recipients on one TLS session.
    // The same process then takes another message to the same relay: a new connection
    // without a TLS line, so plaintext (TLS logging is proven on).
    let c = count(
      """
      Mar  3 09:00:01 mail postfix/qmgr[1001]: 1A2B3C4D5E: from=<alice@example.org>, size=2048, nrcpt=3 (queue active)
      Mar  3 09:00:01 mail postfix/qmgr[1001]: 2B3C4D5E6F: from=<bob@example.org>, size=4096, nrcpt=1 (queue active)
      Mar  3 09:00:02 mail postfix/smtp[2101]: Trusted TLS connection established to mx1.d1.example.com[192.0.2.11]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)
      Mar  3 09:00:02 mail postfix/smtp[2102]: Verified TLS connection established to mx.d2.example.net[198.51.100.20]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256
      Mar  3 09:00:03 mail postfix/smtp[2101]: 1A2B3C4D5E: to=<u1@d1.example.com>, relay=mx1.d1.example.com[192.0.2.11]:25, delay=1.2, delays=0.1/0/0.6/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 9F8E7D6C5B)
      Mar  3 09:00:03 mail postfix/smtp[2102]: 2B3C4D5E6F: to=<u9@d2.example.net>, relay=mx.d2.example.net[198.51.100.20]:25, delay=1.3, delays=0.1/0/0.7/0.5, dsn=2.0.0, status=sent (250 2.0.0 OK 1608161352 gsmtp)
      Mar  3 09:00:03 mail postfix/smtp[2101]: 1A2B3C4D5E: to=<u2@d1.example.com>, relay=mx1.d1.example.com[192.0.2.11]:25, delay=1.2, delays=0.1/0/0.6/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 9F8E7D6C5B)
      Mar  3 09:00:03 mail postfix/smtp[2101]: 1A2B3C4D5E: to=<U3@D1.Example.COM>, relay=mx1.d1.example.com[192.0.2.11]:25, delay=1.2, delays=0.1/0/0.6/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 9F8E7D6C5B)
      Mar  3 09:00:04 mail postfix/qmgr[1001]: 1A2B3C4D5E: removed
      Mar  3 09:00:04 mail postfix/qmgr[1001]: 2B3C4D5E6F: removed
      Mar  3 09:00:05 mail postfix/qmgr[1001]: 3C4D5E6F70: from=<alice@example.org>, size=1024, nrcpt=1 (queue active)
      Mar  3 09:00:06 mail postfix/smtp[2101]: 3C4D5E6F70: to=<u4@d1.example.com>, relay=mx1.d1.example.com[192.0.2.11]:25, delay=0.9, delays=0.1/0/0.4/0.4, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 0A1B2C3D4E)
      Mar  3 09:00:06 mail postfix/qmgr[1001]: 3C4D5E6F70: removed
      """)
    assertCounts(
      c.coverage.outbound, delivered: 5, tls: 4, plaintext: 1, unknown: 0,
      versions: [.v12: 3, .v13: 1], trust: [.trusted: 3, .verified: 1])
    assertCounts(
      c.coverage.domains["d1.example.com"], delivered: 4, tls: 3, plaintext: 1, unknown: 0,
      versions: [.v12: 3], trust: [.trusted: 3])
    assertCounts(
      c.coverage.domains["d2.example.net"], delivered: 1, tls: 1, plaintext: 0, unknown: 0,
      versions: [.v13: 1], trust: [.verified: 1])
    XCTAssertEqual(c.coverage.domains.count, 2)
    XCTAssertEqual(c.coverage.outbound.tlsPercent ?? 0, 80.0, accuracy: 1e-9)
    XCTAssertEqual(c.coverage.outbound.lastPlaintext, utc(2026, 3, 3, 9, 0, 6))
    XCTAssertEqual(c.result.inputs.first?.lines, 13)
    XCTAssertEqual(c.result.inputs.first?.parsed, 13)
  }

  func testMultiMXAttempts() {
    // A request walks the MX list: connect failure, a TLS session lost before MAIL FROM,
    // then a third MX with its own TLS line. A second request gets a 421 from its first
    // MX and is sent through the second one without a TLS line (plaintext).
    let c = count(
      """
      Mar  3 10:00:00 mail postfix/smtp[2201]: connect to mx1.d3.example.com[192.0.2.31]:25: Connection timed out
      Mar  3 10:00:01 mail postfix/smtp[2201]: Trusted TLS connection established to mx2.d3.example.com[192.0.2.32]:25: TLSv1.2 with cipher ECDHE-RSA-AES128-GCM-SHA256 (128/128 bits)
      Mar  3 10:00:02 mail postfix/smtp[2201]: 4D5E6F7081: lost connection with mx2.d3.example.com[192.0.2.32] while sending MAIL FROM
      Mar  3 10:00:03 mail postfix/smtp[2201]: Untrusted TLS connection established to mx3.d3.example.com[192.0.2.33]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature ECDSA (P-256) server-digest SHA256
      Mar  3 10:00:04 mail postfix/smtp[2201]: 4D5E6F7081: to=<u1@d3.example.com>, relay=mx3.d3.example.com[192.0.2.33]:25, delay=4.1, delays=0.1/0/3.5/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 5B4A3C2D1E)
      Mar  3 10:01:01 mail postfix/smtp[2202]: Trusted TLS connection established to mx1.d4.example.com[192.0.2.41]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)
      Mar  3 10:01:02 mail postfix/smtp[2202]: 5E6F708192: host mx1.d4.example.com[192.0.2.41] said: 421 4.7.0 Try again later, closing connection. (in reply to MAIL FROM command)
      Mar  3 10:01:03 mail postfix/smtp[2202]: 5E6F708192: to=<u1@d4.example.com>, relay=mx2.d4.example.com[192.0.2.42]:25, delay=2.2, delays=0.1/0/1.6/0.5, dsn=2.0.0, status=sent (250 OK id=1kmGfT-00056j-NK)
      """)
    assertCounts(
      c.coverage.outbound, delivered: 2, tls: 1, plaintext: 1, unknown: 0,
      versions: [.v13: 1], trust: [.untrusted: 1])
    XCTAssertEqual(c.events.attempts.map(\.messageID), ["4D5E6F7081", "5E6F708192"])
    XCTAssertEqual(c.tally.total, 0, "non-final attempts are not failures")
  }

  func testPlaintextFallbackAfterHandshakeFailure() {
    // smtp_connect.c plaintext fallback: SSL_connect error, library warning, non-final
    // `Cannot start TLS: handshake failure`, then the same address without TLS.
    // Also a TLS session broken mid-body and retried in plaintext for the same queue id.
    let c = count(
      """
      Mar  3 11:00:00 mail postfix/smtp[2301]: SSL_connect error to mx.d5.example.com[192.0.2.51]:25: -1
      Mar  3 11:00:00 mail postfix/smtp[2301]: warning: TLS library problem: error:0A000102:SSL routines::unsupported protocol:../ssl/statem/statem_lib.c:1986:
      Mar  3 11:00:00 mail postfix/smtp[2301]: 6F70819203: Cannot start TLS: handshake failure
      Mar  3 11:00:01 mail postfix/smtp[2301]: 6F70819203: to=<u1@d5.example.com>, relay=mx.d5.example.com[192.0.2.51]:25, delay=612, delays=611/0/0.8/0.2, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 77AA88BB99)
      Mar  3 11:05:00 mail postfix/smtp[2302]: Verified TLS connection established to mx.d6.example.com[192.0.2.61]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256
      Mar  3 11:05:09 mail postfix/smtp[2302]: 708192A3B4: lost connection with mx.d6.example.com[192.0.2.61] while sending message body
      Mar  3 11:05:10 mail postfix/smtp[2302]: 708192A3B4: to=<u1@d6.example.com>, relay=mx.d6.example.com[192.0.2.61]:25, delay=10, delays=0.1/0/0.9/9, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 88BB99CC00)
      """)
    assertCounts(c.coverage.outbound, delivered: 2, tls: 0, plaintext: 2, unknown: 0)
    XCTAssertEqual(
      c.events.attempts.first?.detail,
      "SSL_connect error to mx.d5.example.com[192.0.2.51]:25: -1 | TLS library problem: error:0A000102:SSL routines::unsupported protocol:../ssl/statem/statem_lib.c:1986:"
    )
    XCTAssertEqual(c.coverage.evidence, ["pf-out|mail|postfix"])
  }

  func testPlaintextConnectionCaching() {
    // lightmeter 14_reuse_of_queueid.log shape: STARTTLS discarded, the plaintext
    // connection is cached in scache and another pid uses it (conn_use=2) with no TLS
    // or connect line of its own. A TLS delivery of the first pid stays TLS.
    let c = count(
      """
      Mar  3 12:00:00 mail postfix/smtp[2401]: Trusted TLS connection established to mx.d8.example.com[192.0.2.81]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)
      Mar  3 12:00:01 mail postfix/smtp[2401]: A3B4C5D6E7: to=<u1@d8.example.com>, relay=mx.d8.example.com[192.0.2.81]:25, delay=1, delays=0.1/0/0.5/0.4, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 1122334455)
      Mar  3 12:00:02 mail postfix/smtp[2401]: discarding EHLO keywords: 8BITMIME STARTTLS
      Mar  3 12:00:02 mail postfix/smtp[2401]: 8192A3B4C5: to=<u1@d7.example.com>, relay=mx.d7.example.com[192.0.2.71]:25, delay=0.5, delays=0.1/0/0.2/0.2, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 2233445566)
      Mar  3 12:00:03 mail postfix/smtp[2402]: 92A3B4C5D6: to=<u2@d7.example.com>, relay=mx.d7.example.com[192.0.2.71]:25, conn_use=2, delay=0.3, delays=0.1/0/0/0.2, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 3344556677)
      Mar  3 12:00:04 mail postfix/smtp[2402]: B4C5D6E7F8: to=<u3@d7.example.com>, relay=mx.d7.example.com[192.0.2.71]:25, conn_use=3, delay=0.3, delays=0.1/0/0/0.2, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4455667788)
      """)
    assertCounts(
      c.coverage.outbound, delivered: 4, tls: 1, plaintext: 3, unknown: 0, versions: [.v12: 1],
      trust: [.trusted: 1])
    assertCounts(c.coverage.domains["d7.example.com"], delivered: 3, tls: 0, plaintext: 3, unknown: 0)
  }

  func testTLSConnectionReuse() {
    // smtp_tls_connection_reuse=yes: the process taking a cached TLS connection logs
    // `... TLS connection reused to ...` before its delivery lines (smtp_session.c);
    // tlsproxy's own lines are not used.
    let c = count(
      """
      Mar  3 13:00:00 mail postfix/tlsproxy[2600]: CONNECT to [192.0.2.91]:25
      Mar  3 13:00:00 mail postfix/smtp[2501]: Verified TLS connection established to mx.d9.example.com[192.0.2.91]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256
      Mar  3 13:00:01 mail postfix/smtp[2501]: C5D6E7F809: to=<u1@d9.example.com>, relay=mx.d9.example.com[192.0.2.91]:25, delay=1, delays=0.1/0/0.5/0.4, dsn=2.0.0, status=sent (250 2.0.0 Ok)
      Mar  3 13:00:02 mail postfix/smtp[2502]: Verified TLS connection reused to mx.d9.example.com[192.0.2.91]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)
      Mar  3 13:00:02 mail postfix/smtp[2502]: D6E7F8091A: to=<u2@d9.example.com>, relay=mx.d9.example.com[192.0.2.91]:25, conn_use=2, delay=0.2, delays=0.1/0/0/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok)
      Mar  3 13:00:03 mail postfix/smtp[2502]: Verified TLS connection reused to mx.d9.example.com[192.0.2.91]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)
      Mar  3 13:00:03 mail postfix/smtp[2502]: E7F8091A2B: to=<u3@d9.example.com>, relay=mx.d9.example.com[192.0.2.91]:25, conn_use=3, delay=0.2, delays=0.1/0/0/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok)
      Mar  3 13:00:04 mail postfix/smtp[2502]: F8091A2B3C: to=<u4@d9.example.com>, relay=mx.d9.example.com[192.0.2.91]:25, conn_use=4, delay=0.2, delays=0.1/0/0/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok)
      """)
    // The last one has no `reused` line of its own: a plaintext cached connection.
    assertCounts(
      c.coverage.outbound, delivered: 4, tls: 3, plaintext: 1, unknown: 0, versions: [.v13: 3],
      trust: [.verified: 3])
    XCTAssertEqual(c.result.inputs.first?.skippedByKind, ["postfix/tlsproxy": 1])
  }

  func testContentFilterHopsAndLocalDeliveryAreNotCounted() {
    // lightmeter 1_bounce_simple.log / 8_weird_log_file.log shapes: amavis hop over
    // 127.0.0.1:10024, re-injection from localhost, LMTP to Dovecot, IPv6 loopback.
    let c = count(
      """
      Jun  3 10:40:57 mail postfix/smtpd[9715]: connect from localhost[127.0.0.1]
      Jun  3 10:40:57 mail postfix/smtpd[9715]: 776E41855DB2: client=localhost[127.0.0.1]
      Jun  3 10:40:57 mail postfix/smtp[9710]: 4AA091855DA0: to=<user2@example.com>, relay=127.0.0.1[127.0.0.1]:10024, delay=0.23, delays=0.15/0/0/0.08, dsn=2.0.0, status=sent (250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as 776E41855DB2)
      Jun  3 10:40:58 mail postfix/smtp[9890]: Trusted TLS connection established to mx.example.com[192.0.2.4]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)
      Jun  3 10:40:59 mail postfix/smtp[9890]: 776E41855DB2: to=<user2@example.com>, relay=mx.example.com[192.0.2.4]:25, delay=1.9, delays=0/0/1.5/0.37, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 00AC27401BF)
      Jun  3 10:41:00 mail postfix/lmtp[9717]: A48191855DA0: to=<user1@d2.example.com>, relay=h2.d2.example.com[/var/run/dovecot/lmtp], delay=0.03, delays=0.01/0/0.02/0.01, dsn=2.0.0, status=sent (250 2.0.0 <user1@d2.example.com> IkiQKTt+117kJgAAWP5Hkg Saved)
      Jun  3 10:41:01 mail postfix/lmtp[9718]: B59202966EB1: to=<user20@d26.example.com>, relay=127.0.0.1[127.0.0.1]:2003, delay=0.38, delays=0.03/0.02/0.06/0.28, dsn=2.1.5, status=sent (250 2.1.5 user20@d26.example.com Ok)
      Jun  3 10:41:02 mail postfix/smtp[9891]: C6A313A77FC2: to=<user1@domain.tld>, relay=::1[::1]:24, delay=0.03, delays=0.02/0/0/0, dsn=2.0.0, status=sent (250 2.0.0 Ok)
      """, year: 2020)
    assertCounts(
      c.coverage.outbound, delivered: 1, tls: 1, plaintext: 0, unknown: 0, versions: [.v12: 1],
      trust: [.trusted: 1])
    assertCounts(c.coverage.inbound, delivered: 0, tls: 0, plaintext: 0, unknown: 0)
    XCTAssertEqual(Array(c.coverage.domains.keys), ["example.com"])
  }

  func testPidReuse() {
    // pid 2701 delivers over TLS, exits, and a later process with the same pid sends
    // another message to the same relay without a TLS line: plaintext. Same for smtpd.
    let c = count(
      """
      Mar  3 14:00:00 mail postfix/smtp[2701]: Trusted TLS connection established to mx.d10.example.com[192.0.2.101]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)
      Mar  3 14:00:01 mail postfix/smtp[2701]: 0A1B2C3D4F: to=<u1@d10.example.com>, relay=mx.d10.example.com[192.0.2.101]:25, delay=1, delays=0.1/0/0.5/0.4, dsn=2.0.0, status=sent (250 2.0.0 Ok)
      Mar  3 14:00:01 mail postfix/qmgr[1001]: 0A1B2C3D4F: removed
      Mar  3 16:30:00 mail postfix/smtp[2701]: 9B8C7D6E5F: to=<u2@d10.example.com>, relay=mx.d10.example.com[192.0.2.101]:25, delay=1, delays=0.1/0/0.5/0.4, dsn=2.0.0, status=sent (250 2.0.0 Ok)
      Mar  3 14:00:00 mail postfix/smtpd[2801]: connect from h1.d1.example.com[192.0.2.2]
      Mar  3 14:00:00 mail postfix/smtpd[2801]: Anonymous TLS connection established from h1.d1.example.com[192.0.2.2]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (4096 bits) server-digest SHA256
      Mar  3 14:00:01 mail postfix/smtpd[2801]: 1B2C3D4E5F: client=h1.d1.example.com[192.0.2.2]
      Mar  3 14:00:02 mail postfix/smtpd[2801]: disconnect from h1.d1.example.com[192.0.2.2] ehlo=2 starttls=1 mail=1 rcpt=1 data=1 quit=1 commands=7
      Mar  3 16:31:00 mail postfix/smtpd[2801]: connect from unknown[192.0.2.25]
      Mar  3 16:31:01 mail postfix/smtpd[2801]: 2C3D4E5F60: client=unknown[192.0.2.25]
      Mar  3 16:31:02 mail postfix/smtpd[2801]: disconnect from unknown[192.0.2.25] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5
      """)
    assertCounts(
      c.coverage.outbound, delivered: 2, tls: 1, plaintext: 1, unknown: 0, versions: [.v12: 1],
      trust: [.trusted: 1])
    assertCounts(
      c.coverage.inbound, delivered: 2, tls: 1, plaintext: 1, unknown: 0, versions: [.v13: 1],
      trust: [.anonymous: 1])
  }

  func testQueueIDAndPidBothReused() {
    // Short queue ids repeat (lightmeter 14_reuse_of_queueid.log): after `QID: removed`
    // the same id is a new message, and the old TLS session of a reused pid does not
    // cover it.
    let c = count(
      """
      Mar  3 14:00:00 mail postfix/smtp[2701]: Trusted TLS connection established to mx.d10.example.com[192.0.2.101]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)
      Mar  3 14:00:01 mail postfix/smtp[2701]: 0A1B2C3D4F: to=<u1@d10.example.com>, relay=mx.d10.example.com[192.0.2.101]:25, delay=1, delays=0.1/0/0.5/0.4, dsn=2.0.0, status=sent (250 2.0.0 Ok)
      Mar  3 14:00:01 mail postfix/qmgr[1001]: 0A1B2C3D4F: removed
      Mar  3 16:30:00 mail postfix/qmgr[1001]: 0A1B2C3D4F: from=<alice@example.org>, size=1024, nrcpt=1 (queue active)
      Mar  3 16:30:00 mail postfix/smtp[2701]: 0A1B2C3D4F: to=<u2@d10.example.com>, relay=mx.d10.example.com[192.0.2.101]:25, delay=1, delays=0.1/0/0.5/0.4, dsn=2.0.0, status=sent (250 2.0.0 Ok)
      """)
    assertCounts(
      c.coverage.outbound, delivered: 2, tls: 1, plaintext: 1, unknown: 0, versions: [.v12: 1],
      trust: [.trusted: 1])
    XCTAssertEqual(c.events.deliveries.last?.sender, "alice@example.org")
  }

  func testYearRollover() {
    // Dec 31 -> Jan 1 with --year 2025: the period and the per-day history cross the year.
    let c = count(
      """
      Dec 31 23:59:58 mail postfix/smtp[2901]: Trusted TLS connection established to mx.d11.example.com[192.0.2.111]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)
      Dec 31 23:59:59 mail postfix/smtp[2901]: 3D4E5F6071: to=<u1@d11.example.com>, relay=mx.d11.example.com[192.0.2.111]:25, delay=1, delays=0.1/0/0.5/0.4, dsn=2.0.0, status=sent (250 2.0.0 Ok)
      Jan  1 00:00:03 mail postfix/smtp[2902]: Trusted TLS connection established to mx.d11.example.com[192.0.2.111]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)
      Jan  1 00:00:04 mail postfix/smtp[2902]: 4E5F607182: to=<u2@d11.example.com>, relay=mx.d11.example.com[192.0.2.111]:25, delay=1, delays=0.1/0/0.5/0.4, dsn=2.0.0, status=sent (250 2.0.0 Ok)
      Jan  1 00:00:05 mail postfix/smtp[2903]: 5F60718293: to=<u3@d11.example.com>, relay=mx.d11.example.com[192.0.2.111]:25, delay=1, delays=0.1/0/0.5/0.4, dsn=2.0.0, status=sent (250 2.0.0 Ok)
      """, year: 2025)
    XCTAssertEqual(c.coverage.firstTime, utc(2025, 12, 31, 23, 59, 58))
    XCTAssertEqual(c.coverage.lastTime, utc(2026, 1, 1, 0, 0, 5))
    XCTAssertEqual(c.coverage.days.keys.sorted(), ["2025-12-31", "2026-01-01"])
    assertCounts(
      c.coverage.days["2025-12-31"]?.out, delivered: 1, tls: 1, plaintext: 0, unknown: 0,
      versions: [.v12: 1], trust: [.trusted: 1])
    assertCounts(
      c.coverage.days["2026-01-01"]?.out, delivered: 2, tls: 1, plaintext: 1, unknown: 0,
      versions: [.v12: 1], trust: [.trusted: 1])
  }

  func testTLSLoggingOffMakesEverythingUnknown() {
    // lightmeter 5_zimbra_amavisd.log shape: smtp_tls_loglevel=0 and smtpd_tls_loglevel=0.
    let c = count(
      """
      Dec 17 06:28:56 mail2 postfix/submission/smtpd[115113]: connect from unknown[192.0.2.4]
      Dec 17 06:28:56 mail2 postfix/submission/smtpd[115113]: E8759DC24C3: client=unknown[192.0.2.4], sasl_method=LOGIN, sasl_username=user7@sender.example.com
      Dec 17 06:29:00 mail2 postfix/submission/smtpd[115113]: disconnect from unknown[192.0.2.4] ehlo=2 starttls=1 auth=1 mail=1 rcpt=1 data=1 quit=1 commands=8
      Dec 17 06:29:12 mail2 postfix/smtp[115288]: 33DE0DC24C3: to=<user4@recipient.example.com>, relay=h5.d8.example.com[192.0.2.22]:25, delay=5.2, delays=0.1/0.06/1.7/3.4, dsn=2.0.0, status=sent (250 2.0.0 OK  1608161352 c34si2363086pgm.445 - gsmtp)
      Dec 17 06:29:13 mail2 postfix/smtp[115289]: 44EF1ED35D4: to=<user5@recipient.example.com>, relay=h5.d8.example.com[192.0.2.22]:25, delay=5.2, delays=0.1/0.06/1.7/3.4, dsn=2.0.0, status=sent (250 2.0.0 OK  1608161353 c34si2363087pgm.445 - gsmtp)
      """)
    assertCounts(c.coverage.outbound, delivered: 2, tls: 0, plaintext: 0, unknown: 2)
    assertCounts(c.coverage.inbound, delivered: 1, tls: 0, plaintext: 0, unknown: 1)
    XCTAssertNil(c.coverage.outbound.tlsPercent)
    XCTAssertEqual(c.coverage.outbound.unknownReasons, [UnknownReason.outbound: 2])
    XCTAssertEqual(c.coverage.inbound.unknownReasons, [UnknownReason.inbound: 1])
    XCTAssertTrue(c.coverage.evidence.isEmpty)
  }

  func testEvidenceRuleLooksAtTheWholeInputPerHostAndInstance() {
    // Untagged deliveries before the first TLS line of their (host, instance) are
    // plaintext; another instance and another log host without TLS lines stay unknown.
    let c = count(
      """
      Mar  3 08:00:00 mail postfix/smtp[3001]: 607182A3B4: to=<u1@d12.example.com>, relay=mx.d12.example.com[192.0.2.121]:25, delay=1, delays=0.1/0/0.5/0.4, dsn=2.0.0, status=sent (250 2.0.0 Ok)
      Mar  3 08:00:01 mail postfix/smtp[3002]: 7182A3B4C5: to=<u2@d12.example.com>, relay=mx.d12.example.com[192.0.2.121]:25, delay=1, delays=0.1/0/0.5/0.4, dsn=2.0.0, status=sent (250 2.0.0 Ok)
      Mar  3 08:00:02 mail postfix-out/smtp[3003]: 82A3B4C5D6: to=<u3@d12.example.com>, relay=mx.d12.example.com[192.0.2.121]:25, delay=1, delays=0.1/0/0.5/0.4, dsn=2.0.0, status=sent (250 2.0.0 Ok)
      Mar  3 08:00:03 relay2 postfix/smtp[3004]: 93B4C5D6E7: to=<u4@d12.example.com>, relay=mx.d12.example.com[192.0.2.121]:25, delay=1, delays=0.1/0/0.5/0.4, dsn=2.0.0, status=sent (250 2.0.0 Ok)
      Mar  3 09:00:00 mail postfix/smtp[3005]: Trusted TLS connection established to mx.d13.example.com[192.0.2.131]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)
      Mar  3 09:00:01 mail postfix/smtp[3005]: A4C5D6E7F8: to=<u1@d13.example.com>, relay=mx.d13.example.com[192.0.2.131]:25, delay=1, delays=0.1/0/0.5/0.4, dsn=2.0.0, status=sent (250 2.0.0 Ok)
      """)
    assertCounts(
      c.coverage.outbound, delivered: 5, tls: 1, plaintext: 2, unknown: 2, versions: [.v12: 1],
      trust: [.trusted: 1])
    assertCounts(c.coverage.domains["d12.example.com"], delivered: 4, tls: 0, plaintext: 2, unknown: 2)
    assertCounts(c.coverage.sources["mail"]?.out, delivered: 4, tls: 1, plaintext: 2, unknown: 1, versions: [.v12: 1], trust: [.trusted: 1])
    assertCounts(c.coverage.sources["relay2"]?.out, delivered: 1, tls: 0, plaintext: 0, unknown: 1)
    XCTAssertEqual(c.coverage.evidence, ["pf-out|mail|postfix"])
    XCTAssertEqual(c.coverage.outbound.lastPlaintext, utc(2026, 3, 3, 8, 0, 1))
  }

  func testInboundTLSSessionsLoopbackAndEvidence() {
    let c = count(
      """
      Mar  3 07:00:00 mail postfix/smtpd[3101]: connect from unknown[192.0.2.70]
      Mar  3 07:00:01 mail postfix/smtpd[3101]: 0B1C2D3E4F: client=unknown[192.0.2.70]
      Mar  3 07:00:02 mail postfix/smtpd[3101]: disconnect from unknown[192.0.2.70] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5
      Mar  3 07:01:00 mail postfix/smtpd[3102]: connect from h51.d79.example.com[192.0.2.93]
      Mar  3 07:01:01 mail postfix/smtpd[3102]: Anonymous TLS connection established from h51.d79.example.com[192.0.2.93]: TLSv1 with cipher DHE-RSA-AES256-SHA (256/256 bits)
      Mar  3 07:01:02 mail postfix/smtpd[3102]: 1C2D3E4F50: client=h51.d79.example.com[192.0.2.93]
      Mar  3 07:01:03 mail postfix/smtpd[3102]: 2D3E4F5061: client=h51.d79.example.com[192.0.2.93]
      Mar  3 07:01:04 mail postfix/smtpd[3102]: disconnect from h51.d79.example.com[192.0.2.93] ehlo=2 starttls=1 mail=2 rcpt=2 data=2 quit=1 commands=10
      Mar  3 07:02:00 mail postfix/submission/smtpd[3103]: connect from h1.d1.example.com[192.0.2.2]
      Mar  3 07:02:00 mail postfix/submission/smtpd[3103]: Trusted TLS connection established from h1.d1.example.com[192.0.2.2]: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)
      Mar  3 07:02:01 mail postfix/submission/smtpd[3103]: 3E4F506172: client=h1.d1.example.com[192.0.2.2], sasl_method=PLAIN, sasl_username=user1@d2.example.com
      Mar  3 07:03:00 mail postfix/smtpd[3104]: connect from localhost[127.0.0.1]
      Mar  3 07:03:00 mail postfix/smtpd[3104]: 4F50617283: client=localhost[127.0.0.1]
      Mar  3 07:04:00 mail postfix/smtpd[3105]: connect from unknown[2001:db8::6]
      Mar  3 07:04:01 mail postfix/smtpd[3105]: 5061728394: client=unknown[2001:db8::6]
      Mar  3 07:05:00 mail2 postfix/smtpd[3106]: connect from unknown[192.0.2.71]
      Mar  3 07:05:01 mail2 postfix/smtpd[3106]: 61728394A5: client=unknown[192.0.2.71]
      Mar  3 07:05:02 mail2 postfix/smtpd[3106]: disconnect from unknown[192.0.2.71] ehlo=2 starttls=1 mail=1 rcpt=1 data=1 quit=1 commands=7
      Mar  3 07:06:00 mail2 postfix/smtp[3107]: Trusted TLS connection established to mx.d8.example.com[192.0.2.81]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)
      """)
    // mail: 2 plaintext (IPv4 + IPv6, evidence from the smtpd TLS lines), 3 TLS
    // (two messages of one session, one submission), loopback left out. mail2: its only
    // TLS lines are outbound, and `starttls=1` is not evidence: unknown.
    assertCounts(
      c.coverage.inbound, delivered: 6, tls: 3, plaintext: 2, unknown: 1,
      versions: [.v10: 2, .v12: 1], trust: [.anonymous: 2, .trusted: 1])
    XCTAssertEqual(c.coverage.evidence, ["pf-in|mail|postfix", "pf-out|mail2|postfix"])
    assertCounts(c.coverage.outbound, delivered: 0, tls: 0, plaintext: 0, unknown: 0)
  }

  func testTLSFeatureFieldOfPostfix311() {
    // grok-patterns tls_features_000[1-6] shapes; no summary lines at all.
    let c = count(
      """
      Mar 01 10:00:07 mail postfix/smtp[203]: 7EE668039: to=<user1@example.com>, relay=mail.example.com[192.0.2.2]:25, delay=3.6, delays=0.08/0.02/0.85/0.14, tls=may:none, dsn=2.1.5, status=sent (250 2.0.0 Ok: queued as 153053D)
      Mar 01 10:00:08 mail postfix/smtp[204]: 8FF779140: to=<user2@example.com>, relay=mail.example.com[192.0.2.2]:25, delay=3.6, delays=0.08/0.02/0.85/0.14, tls=may, dsn=2.1.5, status=sent (250 2.0.0 Ok: queued as 153053E)
      Mar 01 10:00:09 mail postfix/smtp[205]: 90088A251: to=<user3@example.net>, relay=mx.example.net[198.51.100.2]:25, delay=3.6, delays=0.08/0.02/0.85/0.14, tls=dane/requiretls, dsn=2.1.5, status=sent (250 2.0.0 Ok: queued as 153053F)
      Mar 01 10:00:10 mail postfix/smtp[206]: A1199B362: to=<user4@example.net>, relay=mx.example.net[198.51.100.2]:25, delay=3.6, delays=0.08/0.02/0.85/0.14, tls=may?, dsn=4.4.1, status=deferred (connect to mx.example.net[198.51.100.2]:25: Connection refused)
      """)
    assertCounts(
      c.coverage.outbound, delivered: 3, tls: 2, plaintext: 1, unknown: 0,
      versions: [.unknown: 2], trust: [.unknown: 2])
    XCTAssertEqual(c.tally.deferred, 1)
  }

  func testFailuresIncludingSuspendedDeliveries() {
    // Final deferred/bounced lines of every agent are failures; non-final lines, the
    // qmgr expiry line and sent lines are not. NDRs are the bounce daemon's lines.
    let c = count(
      """
      Apr 16 20:50:00 mail10 postfix/smtp[30100]: 876C09F9413: to=<user1@d72.example.com>, relay=h42.d72.example.com[192.0.2.32]:25, delay=231000, delays=231000/0.1/0.3/0, dsn=4.7.4, status=deferred (TLS is required, but was not offered by host h42.d72.example.com[192.0.2.32])
      Apr 16 20:52:03 mail10 postfix/error[30183]: 987D910A524: to=<XXXXXX@d72.example.com>, relay=none, delay=231575, delays=231575/0.39/0/0, dsn=4.7.4, status=deferred (delivery temporarily suspended: TLS is required, but was not offered by host h42.d72.example.com[192.0.2.32])
      Apr 16 20:52:04 mail10 postfix/error[30183]: A98E0A1B635: to=<user2@d72.example.com>, relay=none, delay=231576, delays=231576/0.39/0/0, dsn=4.7.4, status=deferred (delivery temporarily suspended: TLS is required, but was not offered by host h42.d72.example.com[192.0.2.32])
      Apr 16 20:53:00 mail10 postfix/smtp[30101]: 732BB407C3: host h17.d34.example.com[192.0.2.39] said: 451 DT:SPM 163 mx13, please try again 15min later (in reply to end of DATA command)
      Apr 16 20:53:48 mail10 postfix/smtp[30102]: 732BB407C3: to=<user24@d34.example.com>, relay=h17.d34.example.com[192.0.2.39]:25, delay=582, delays=563/16/1.7/0.81, dsn=5.0.0, status=bounced (host h17.d34.example.com[192.0.2.39] said: 554 DT:SPM 163 mx9, please see http://h17.d34.example.com/help/help_spam.htm?ip= (in reply to end of DATA command))
      Apr 16 20:53:48 mail10 postfix/bounce[9321]: 732BB407C3: sender non-delivery notification: 5DE184083C
      Apr 16 20:53:49 mail10 postfix/local[9322]: 5DE184083C: to=<sender@example.com>, relay=local, delay=0.14, delays=0.01/0/0.11/0.02, dsn=5.1.1, status=bounced (unknown user: "sender")
      Apr 16 20:54:00 mail10 postfix/qmgr[3663]: BACE842E72: from=<user22@d34.example.com>, status=expired, returned to sender
      Apr 16 20:54:01 mail10 postfix/bounce[9321]: BACE842E72: sender non-delivery notification: CBDF953F83
      Apr 16 20:54:02 mail10 postfix/bounce[9321]: 264FE1A18: sender delay notification: 0A87A1A08
      Apr 16 20:54:03 mail10 postfix/lmtp[9323]: D0E1F2A3B4: to=<user30@example.com>, relay=mail.example.com[private/dovecot-lmtp], delay=0.2, delays=0.1/0/0/0.1, dsn=4.2.2, status=deferred (host mail.example.com[private/dovecot-lmtp] said: 452 4.2.2 <user30@example.com> Quota exceeded (mailbox for user is full) (in reply to end of DATA command))
      """)
    XCTAssertEqual(c.tally.total, 6)
    XCTAssertEqual(c.tally.deferred, 4)
    XCTAssertEqual(c.tally.bounced, 2)
    XCTAssertEqual(c.tally.ndrs, 2)
    assertCounts(c.coverage.outbound, delivered: 0, tls: 0, plaintext: 0, unknown: 0)
    let suspended = c.events.deliveries.filter { $0.agent == "error" }
    XCTAssertEqual(suspended.map(\.isOutbound), [false, false])
  }

  func testFailureDetailAttachment() {
    // The deferral carries the TLS library problem of its pid (Cannot start TLS) or the
    // verification line (Server certificate not verified); the suspended copy for the
    // same domain takes the same detail.
    let c = count(
      """
      Mar  3 15:00:00 mail postfix/smtp[3201]: SSL_connect error to mx.d14.example.com[192.0.2.141]:25: -1
      Mar  3 15:00:00 mail postfix/smtp[3201]: warning: TLS library problem: error:0A000410:SSL routines::sslv3 alert handshake failure:../ssl/record/rec_layer_s3.c:1584:SSL alert number 40:
      Mar  3 15:00:00 mail postfix/smtp[3201]: B5C6D7E8F9: to=<u1@d14.example.com>, relay=mx.d14.example.com[192.0.2.141]:25, delay=0.4, delays=0.1/0/0.3/0, dsn=4.7.5, status=deferred (Cannot start TLS: handshake failure)
      Mar  3 15:00:01 mail postfix/error[3202]: C6D7E8F90A: to=<u2@d14.example.com>, relay=none, delay=0.1, delays=0.1/0/0/0, dsn=4.7.5, status=deferred (delivery temporarily suspended: Cannot start TLS: handshake failure)
      Mar  3 15:01:00 mail postfix/smtp[3203]: server certificate verification failed for mx.d15.example.com[192.0.2.151]:25: num=62:hostname mismatch
      Mar  3 15:01:00 mail postfix/smtp[3203]: Untrusted TLS connection established to mx.d15.example.com[192.0.2.151]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256
      Mar  3 15:01:00 mail postfix/smtp[3203]: D7E8F90A1B: to=<u1@d15.example.com>, relay=mx.d15.example.com[192.0.2.151]:25, delay=0.5, delays=0.1/0/0.4/0, dsn=4.7.5, status=deferred (Server certificate not verified)
      Mar  3 15:02:00 mail postfix/smtp[3204]: E8F90A1B2C: to=<u1@d16.example.com>, relay=mx.d16.example.com[192.0.2.161]:25, delay=0.5, delays=0.1/0/0.4/0, dsn=4.7.5, status=deferred (Server certificate not verified)
      """)
    let detail = Dictionary(uniqueKeysWithValues: c.events.deliveries.map { ($0.messageID, $0.detail) })
    let handshake =
      "SSL_connect error to mx.d14.example.com[192.0.2.141]:25: -1 | TLS library problem: error:0A000410:SSL routines::sslv3 alert handshake failure:../ssl/record/rec_layer_s3.c:1584:SSL alert number 40:"
    XCTAssertEqual(detail["B5C6D7E8F9"], .some(handshake))
    XCTAssertEqual(detail["C6D7E8F90A"], .some(handshake))
    XCTAssertEqual(
      detail["D7E8F90A1B"],
      .some("server certificate verification failed for mx.d15.example.com[192.0.2.151]:25: num=62:hostname mismatch"))
    XCTAssertEqual(detail["E8F90A1B2C"], .some(nil), "no verification line in that pid")
    XCTAssertEqual(c.tally.deferred, 4)
  }

  func testChunkSizeDoesNotChangeFigures() {
    // The multi-recipient log of the first test, read 1, 7 and 4096 bytes at a time.
    let log = """
      Mar  3 09:00:02 mail postfix/smtp[2101]: Trusted TLS connection established to mx1.d1.example.com[192.0.2.11]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)\r
      Mar  3 09:00:03 mail postfix/smtp[2101]: 1A2B3C4D5E: to=<u1@d1.example.com>, relay=mx1.d1.example.com[192.0.2.11]:25, delay=1.2, delays=0.1/0/0.6/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 9F8E7D6C5B)\r
      Mar  3 09:00:06 mail postfix/smtp[2101]: 3C4D5E6F70: to=<u4@d1.example.com>, relay=mx1.d1.example.com[192.0.2.11]:25, delay=0.9, delays=0.1/0/0.4/0.4, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 0A1B2C3D4E)
      """
    for chunk in [1, 7, 4096] {
      let c = count(log, chunkSize: chunk)
      assertCounts(
        c.coverage.outbound, delivered: 2, tls: 1, plaintext: 1, unknown: 0, versions: [.v12: 1],
        trust: [.trusted: 1])
    }
  }
}
