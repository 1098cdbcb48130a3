// FailureClassifierTests.swift: the rule table (every example of every rule), the
// category table, and real failure texts per MTA and category with their exact
// expected categories (lines from /work/shared/corpus, the eval-public logs and the
// texts quoted in reference/tls-failures.md).

import MailLogKit
import MailLogModel
import XCTest

@testable import MailLogAnalysis

final class FailureClassifierTests: XCTestCase {
  let classifier = FailureClassifier.shared

  func testEveryPatternCompiles() {
    XCTAssertEqual(classifier.compileErrors, [])
    XCTAssertEqual(Set(FailureRules.all.map(\.id)).count, FailureRules.all.count, "rule ids unique")
  }

  /// The one test over the rule table: each example is found by its pattern and
  /// classified by its rule (so no earlier rule shadows it); each counter-example is
  /// not found by the pattern.
  func testRuleTableExamples() throws {
    for rule in FailureRules.all {
      let regex = try MailLogKit.Regex(rule.pattern, caseless: rule.caseless)
      XCTAssertFalse(rule.matches.isEmpty, "\(rule.id) has no example")
      for example in rule.matches {
        XCTAssertTrue(regex.matches(example), "\(rule.id) must match: \(example)")
        let mta = rule.mtas?.first ?? .postfix
        let c = classifier.classify(reason: example, detail: nil, dsn: nil, mta: mta)
        XCTAssertEqual(c.ruleID, rule.id, "classified by another rule: \(example)")
        XCTAssertEqual(c.category, rule.category, example)
      }
      for counter in rule.nonMatches {
        XCTAssertFalse(regex.matches(counter), "\(rule.id) must not match: \(counter)")
      }
    }
  }

  func testUmbrellasAreNotClaimedByCauseRules() {
    for text in FailureRules.umbrellas {
      let c = classifier.classify(reason: text, detail: nil, dsn: nil, mta: .postfix)
      XCTAssertNotEqual(c.confidence, .high, text)
    }
  }

  func testCategoryTableIsComplete() {
    for category in FailureCategory.allCases {
      let info = category.info
      XCTAssertEqual(info.category, category)
      XCTAssertFalse(info.title.isEmpty)
      XCTAssertFalse(info.nextStep.isEmpty)
      XCTAssertFalse(info.explanation.isEmpty)
    }
    XCTAssertEqual(FailureCategoryInfo.entries.count, 18)
    XCTAssertEqual(FailureCategory.t08.info.rfc8460, "certificate-expired")
    XCTAssertEqual(FailureCategory.t01.info.rfc8460, "starttls-not-supported")
    XCTAssertNil(FailureCategory.t02.info.rfc8460)
    XCTAssertEqual(FailureCategory.t02.info.action, .us)
    XCTAssertEqual(FailureCategory.t14.info.action, .network)
    XCTAssertEqual(FailureCategory.nonTLS.rawValue, "non-tls")
  }

  // MARK: - Postfix

  private func postfix(_ reason: String, _ detail: String? = nil, dsn: String? = nil)
    -> Classification
  {
    classifier.classify(reason: reason, detail: detail, dsn: dsn, mta: .postfix)
  }

  func testPostfixStatusTexts() {
    let cases: [(String, String?, FailureCategory)] = [
      ("TLS is required, but was not offered by host h6.d9.example.com[192.0.2.84]", nil, .t01),
      (
        "delivery temporarily suspended: TLS is required, but was not offered by host h42.d72.example.com[xx.xxx.72.32]",
        nil, .t01
      ),
      (
        "host mx.harbor.example.com[192.0.2.31] said: 530 5.7.0 Must issue a STARTTLS command first (in reply to MAIL FROM command)",
        nil, .t02
      ),
      (
        "TLS is required, but host mx.cobalt.example.net[192.0.2.44] refused to start TLS: 454 4.7.0 TLS not available due to local problem",
        nil, .t03
      ),
      (
        "delivery temporarily suspended: TLS is required, but host mx.cobalt.example.net[192.0.2.44] refused to start TLS: 454 4.7.0 TLS not available due to local problem",
        nil, .t03
      ),
      (
        "TLS is required, but our TLS engine is unavailable",
        "warning: TLS library problem: error:80000002:system library::No such file or directory:../providers/implementations/storemgmt/file_store.c:267:calling stat(/etc/ssl/certs/ca-certificates.crt)",
        .t04
      ),
      ("TLSA lookup error for mx.apex-river.example.net:25", nil, .t12),
      (
        "lost connection with mx.example.net[203.0.113.9] while receiving the STARTTLS response",
        nil, .t14
      ),
      (
        "host h41.d71.example.com[192.0.2.83] said: 550 5.7.4 XGEMAIL_0006 Command rejected : The rejection of the message occurred due to a mismatch in TLS versions between the configured TLS version is Preferred TLS 1.3 for the recipient: xx@d70.example.com and the sender: d7.example.com TLS version is not available (in reply to RCPT TO command)",
        nil, .t05
      ),
    ]
    for (reason, detail, expected) in cases {
      XCTAssertEqual(postfix(reason, detail).category, expected, reason)
    }
  }

  /// `Cannot start TLS: handshake failure` takes its cause from the OpenSSL line.
  func testPostfixHandshakeFailureTakesTheDetail() {
    let reason = "Cannot start TLS: handshake failure"
    let cases: [(String, FailureCategory, String)] = [
      (
        "warning: TLS library problem: error:0A00010B:SSL routines::wrong version number:../ssl/record/ssl3_record.c:354:",
        .t05, "t05.version"
      ),
      (
        "warning: TLS library problem: error:0A000102:SSL routines::unsupported protocol:../ssl/statem/statem_lib.c:1992:",
        .t05, "t05.version"
      ),
      (
        "warning: TLS library problem: error:0A00042E:SSL routines::tlsv1 alert protocol version:../ssl/record/rec_layer_s3.c:1605:SSL alert number 70:",
        .t05, "t05.version"
      ),
      (
        "warning: TLS library problem: error:0A000410:SSL routines::sslv3 alert handshake failure:../ssl/record/rec_layer_s3.c:1605:SSL alert number 40:",
        .t06, "t06.cipher"
      ),
      (
        "warning: TLS library problem: error:0A0000C1:SSL routines::no shared cipher:../ssl/statem/statem_srvr.c:2220:",
        .t06, "t06.cipher"
      ),
      (
        "warning: TLS library problem: error:0A00018A:SSL routines::dh key too small:../ssl/statem/statem_clnt.c:2135:",
        .t07, "t07.weak-key"
      ),
      ("SSL_connect error to 192.0.2.53[192.0.2.53]:25: lost connection", .t14, "t14.postfix.lost"),
      (
        "warning: TLS library problem: error:0A000086:SSL routines::certificate verify failed:../ssl/statem/statem_clnt.c:1889:",
        .t10, "t10.verify-failed"
      ),
    ]
    for (detail, expected, rule) in cases {
      let c = postfix(reason, detail, dsn: "4.7.5")
      XCTAssertEqual(c.category, expected, detail)
      XCTAssertEqual(c.ruleID, rule, detail)
    }
    // Without a useful detail the umbrella's own guess stands, marked as a guess.
    let bare = postfix(reason, "SSL_connect error to h56.d88.example.com[192.0.2.9]:465: -1")
    XCTAssertEqual(bare.category, .t06)
    XCTAssertEqual(bare.ruleID, "postfix.handshake-failure")
    XCTAssertTrue(bare.isGuess)
    XCTAssertTrue(postfix(reason).isGuess)
  }

  /// `Server certificate not verified` takes its cause from the verification line;
  /// expired, mismatch, self-signed and policy failures never merge.
  func testPostfixNotVerifiedTakesTheDetail() {
    let reason = "Server certificate not verified"
    let cases: [(String, FailureCategory, String?)] = [
      (
        "server certificate verification failed for mx.example.net[192.0.2.10]:25: certificate has expired",
        .t08, "certificate-expired"
      ),
      (
        "server certificate verification failed for mx.example.net[2001:db8:77::2d]:25: num=62:hostname mismatch",
        .t09, "certificate-host-mismatch"
      ),
      (
        "certificate verification failed for h44.d74.example.com[192.0.2.52]:25: self-signed certificate.",
        .t10, "certificate-not-trusted"
      ),
      (
        "certificate verification failed for mx.example.net[192.0.2.9]:25: untrusted issuer /O=Acme Private PKI/CN=Acme Private Root R1",
        .t10, "certificate-not-trusted"
      ),
      (
        "certificate verification failed for mx.example.net[2001:db8:1f0::22]:25: external policy failure (sts-policy-invalid)",
        .t13, "sts-policy-invalid"
      ),
      (
        "certificate verification failed for mx.example.net[192.0.2.10]:25: external policy failure (sts-webpki-invalid)",
        .t13, "sts-webpki-invalid"
      ),
      (
        "server certificate verification failed for mx.example.net[192.0.2.10]:25: certificate not yet valid",
        .t08, "validation-failure"
      ),
    ]
    for (detail, expected, rfc) in cases {
      let c = postfix("delivery temporarily suspended: " + reason, detail, dsn: "4.7.5")
      XCTAssertEqual(c.category, expected, detail)
      XCTAssertEqual(c.rfc8460, rfc, detail)
      XCTAssertEqual(c.confidence, .high, detail)
    }
    // A public root reported as untrusted means our own trust store: still T10, but ours.
    let ours = postfix(
      "Server certificate not verified",
      "certificate verification failed for h37.d9.example.com[192.0.2.81]:25: untrusted issuer /C=US/O=DigiCert Inc/OU=www.digicert.com/CN=DigiCert Global Root CA"
    )
    XCTAssertEqual(ours.category, .t10)
    XCTAssertEqual(ours.action, .us)
    XCTAssertEqual(ours.ruleID, "t10.public-root-untrusted")
  }

  /// Without a verification line, the TLS summary line of the session tells trust
  /// failures (Untrusted) from name failures (Trusted but not Verified).
  func testPostfixNotVerifiedWithSummaryLine() {
    let trusted = postfix(
      "Server certificate not verified",
      "Trusted TLS connection established to h54.d86.example.com[192.0.2.101]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)",
      dsn: "4.7.5")
    XCTAssertEqual(trusted.category, .t09)
    XCTAssertEqual(trusted.confidence, .medium)
    let untrusted = postfix(
      "Server certificate not verified",
      "Untrusted TLS connection established to h5.d8.example.com[192.0.2.86]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)"
    )
    XCTAssertEqual(untrusted.category, .t10)
    XCTAssertEqual(untrusted.ruleID, "t10.postfix.untrusted-not-verified")
  }

  func testPostfixNonTLS() {
    let cases: [(String, String)] = [
      (
        "host mx.example.com[192.0.2.4] said: 550 5.1.1 <user2@example.com> User unknown (in reply to RCPT TO command)",
        "nontls.recipient-unknown"
      ),
      (
        "host mailin6.zih.recipient.relay.example.com[192.0.2.7] said: 451-You have been greylisted. This is part of our standard anti-spam measures 451-and your mail system should automatically try again (in reply to RCPT TO command)",
        "nontls.greylisted"
      ),
      (
        "host h13.d8.example.com[192.0.2.19] said: 452 4.1.1 <user11@d16.example.com> user is over quota, please try again later (in reply to RCPT TO command)",
        "nontls.mailbox-full"
      ),
      (
        "Host or domain name not found. Name service error for name=mx.example.net type=MX: Host not found, try again",
        "nontls.dns"
      ),
      (
        "lost connection with mx.example.net[2001:db8:1f0::23] while sending message body",
        "nontls.unreachable"
      ),
      (
        "delivery temporarily suspended: lost connection with h18.d40.example.com[192.0.2.40] while sending RCPT TO",
        "nontls.unreachable"
      ),
      (
        "conversation with mx.example.net[192.0.2.10] timed out while sending MAIL FROM",
        "nontls.unreachable"
      ),
      (
        "host mx.example.net[192.0.2.10] said: 550 5.7.26 Unauthenticated email from example.org is not accepted due to domain's DMARC policy (in reply to end of DATA command)",
        "nontls.authentication"
      ),
      (
        "host mx.example.net[192.0.2.10] said: 550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3140). (in reply to MAIL FROM command)",
        "nontls.blocklisted"
      ),
      (
        "host ::1[::1] said: 451 Temporary internal failure - queue message failed (in reply to end of DATA command)",
        "nontls.local-delivery"
      ),
      ("unknown user: \"ghdsgfhdslfh\"", "nontls.recipient-unknown"),
      (
        "host relay.example.org[192.0.2.103] said: 450 4.7.1 temporarily suspended, please try again later. (in reply to RCPT TO command)",
        "unmatched"
      ),
    ]
    for (reason, rule) in cases {
      let c = postfix(reason)
      XCTAssertEqual(c.category, .nonTLS, reason)
      XCTAssertEqual(c.ruleID, rule, reason)
    }
  }

  // MARK: - Exim

  private func exim(_ reason: String, _ detail: String? = nil) -> Classification {
    classifier.classify(reason: reason, detail: detail, dsn: nil, mta: .exim)
  }

  func testEximTexts() {
    let verify =
      "TLS session: (SSL_connect): error:0A000086:SSL routines::certificate verify failed"
    let cases: [(String, String?, FailureCategory)] = [
      ("a TLS session is required, but the server did not offer TLS support", nil, .t01),
      (
        "SMTP error from remote mail server after MAIL FROM:<rosa@ourmail.example.org> SIZE=2770: 451 5.7.3 STARTTLS is required to send mail [AM9PR07MB1234.eurprd07.prod.outlook.com]",
        nil, .t02
      ),
      (
        "SMTP error from remote mail server after MAIL FROM:<a@ourmail.example.org> SIZE=4552: 530 5.7.0 Must issue a STARTTLS command first",
        nil, .t02
      ),
      ("TLS session: (SSL_connect): error:0A000102:SSL routines::unsupported protocol", nil, .t05),
      ("TLS session: (SSL_connect): error:0A00010B:SSL routines::wrong version number", nil, .t05),
      (
        "TLS session: (SSL_connect): error:0A000410:SSL routines::sslv3 alert handshake failure",
        nil, .t06
      ),
      ("TLS session: (SSL_connect): error:0A00018A:SSL routines::dh key too small", nil, .t07),
      (
        verify,
        "1vF4kw-00000000c5G-3NcF [192.0.2.11] SSL verify error: depth=0 error=certificate has expired cert=/CN=mx.example.net",
        .t08
      ),
      (
        verify,
        "1vF4kw-00000000c5G-3NcF [192.0.2.11] SSL verify error: certificate name mismatch: DN=\"/CN=mx.other.example.net\" H=\"mx.boulderspruce.example.org\"",
        .t09
      ),
      (
        verify,
        "1vF4kw-00000000c5G-3NcF [192.0.2.11] SSL verify error: depth=0 error=self-signed certificate cert=/CN=mx.example.net",
        .t10
      ),
      (
        verify,
        "1vF4kw-00000000c5G-3NcF [192.0.2.11] SSL verify error: depth=0 error=unable to verify the first certificate cert=/CN=mx.example.net",
        .t11
      ),
      (verify, nil, .t10),
      ("DANE error: tlsa lookup FAIL", nil, .t12),
      (
        "TLS session: (SSL_connect): error:0A000126:SSL routines::unexpected eof while reading",
        nil, .t14
      ),
      ("TLS session: (tls lib connect fn): timed out", nil, .t14),
      (
        "SMTP error from remote mail server after RCPT TO:<emil87@example.com>: 451 4.7.1 Greylisting in action, please come back later",
        nil, .nonTLS
      ),
      ("Unrouteable address", nil, .nonTLS),
      ("Connection timed out", nil, .nonTLS),
      ("retry time not reached for any host for 'example.com'", nil, .nonTLS),
      (
        "SMTP error from remote mailer after pipelined RCPT TO:<ace400@pb.example.com>: host pbmail3.py.example.com [198.51.100.111]: 553 5.3.0 <ace400@pb.example.com>...Addressee unknown",
        nil, .nonTLS
      ),
    ]
    for (reason, detail, expected) in cases {
      XCTAssertEqual(exim(reason, detail).category, expected, "\(reason) / \(detail ?? "-")")
    }
    XCTAssertEqual(exim(verify).confidence, .medium)
  }

  // MARK: - Exchange

  func testExchangeTexts() {
    let cases: [(String, FailureCategory)] = [
      (
        "450 4.4.317 Cannot connect to remote server [Message=CertificateExpired Expected Subject: mail.example.com. Presented Subject: CN=mail.example.com. Thumbprint: 94E711DD84BC285CD2911DAC3D0C9E3ABB29671E.] [LastAttemptedServerName=mail.example.com] [LastAttemptedIP=198.51.100.25:25] [SmtpSecurity=-1;-1] [DM6NAM11FT035.eop-nam11.prod.protection.outlook.com 2025-01-04T16:37:07.429Z 08DD2CB85E2FE9DB]",
        .t08
      ),
      (
        "Reason: [{LED=450 4.4.317 Cannot connect to remote server [Message=SubjectMismatch Expected Subject: *.example.com. Presented Subject: CN=ExchangeServer01. Thumbprint: D0AC2FC63B9C5798828B45D849BE8D33.] [LastAttemptedServerName=mail.example.com] [LastAttemptedIP=203.0.113.x:25] [SmtpSecurity=-1;-1] [BN7. OutboundProxyTargetIP: 203.0.113.x. OutboundProxyTargetHostName: mail.example.com",
        .t09
      ),
      ("450 4.4.317 Cannot connect to remote server [Message=UntrustedRoot]", .t11),
      (
        "Server at MN2PR13MB4005.namprd13.prod.outlook.com returned '550 5.4.317 Message expired, cannot connect to remote server(451 5.7.3 STARTTLS is required to send mail)'",
        .t02
      ),
      (
        "Server at example.org (203.0.113.148) returned '450 4.4.317 Cannot connect to remote server [Message=451 5.7.3 STARTTLS is required to send mail] [LastAttemptedServerName=example.org] [LastAttemptedIP=203.0.113.148:25] [MW2NAM12FT041.eop-nam12.prod.protection.outlook.com](451 5.7.3 STARTTLS is required to send mail)'",
        .t02
      ),
      (
        "Reason: [{LED=450 4.4.317 Cannot connect to remote server [Message=451 4.4.0 TLS negotiation failed with error SocketError] [LastAttemptedServerName=xxx] [LastAttemptedIP=xxx] [SmtpSecurity=-2;-2] [DM6NAM12FT012.eop-nam12.prod.protection.outlook.com 2023-03-07T18:46:06.378Z 08DB1DF24DB12D84]};{MSG=4. OutboundProxyTargetIP: xxx. OutboundProxyTargetHostName: xxx",
        .t14
      ),
      (
        "LED=450 4.4.317 Cannot connect to remote server [Message=451 4.4.0 Security status IllegalMessage]",
        .t06
      ),
      (
        "'450 4.4.317 Cannot establish session with remote server [Message=Failed to connect. Winsock error code: 995, Win32 error code: 995] [LastAttemptedServerName=198.51.100.85] [LastAttemptedIP=198.51.100.85:25] [SmtpSecurity=-2;-2] [BL02EPF00046C14.namprd07.prod.outlook.com 2026-07-07T15:48:53.514Z 08DED27250BC5691](Failed to connect. Winsock error code: 995, Win32 error code: 995)'",
        .nonTLS
      ),
      (
        "'550 5.4.317 Message expired, cannot connect to remote server(450-4.4.317 Cannot connect to remote server [Message=550-5.7.0 Connection refused - IB116. 198.51.100.122 Senderscore too low.",
        .nonTLS
      ),
      (
        "[<LRI-2019/11/4 13:31:03>; <led-451 4.4.0 Primary target IP address responded with: \"454 4.7.0 Temporary authentication failure.\" Attempted to alternate host, but that did not succeed. Either there are no alternate hosts, or delivery failed to all alternate hosts. The last endpoint attempted was 192.0.2.x:xx>;<FQDN-SITE-MBX07.site.corp.example.org>;<IP=192.0.2.x>]",
        .nonTLS
      ),
      (
        "550 5.7.321 starttls-not-supported: Destination mail server must support TLS to receive mail.",
        .t01
      ),
      ("550 5.7.322 certificate-expired: Destination mail server's certificate is expired.", .t08),
      ("550 5.7.323 tlsa-invalid: The domain failed DANE validation.", .t12),
      ("451 4.7.324 dnssec-invalid: Destination domain returned invalid DNSSEC records", .t12),
      (
        "550 5.7.325 certificate-host-mismatch: Remote certificate MUST have a common name or subject alternative name matching the hostname (DANE)",
        .t09
      ),
      ("451 4.4.8 MX hosts of example.net failed MTA-STS validation.", .t13),
      ("450 4.4.318 Connection was closed abruptly", .t14),
      ("450 4.7.320 Certificate validation failed", .t08),
      (
        "Reason: [{LED=250 2.1.5 RESOLVER.OOF.IntToExt; handled internal OOF addressed to external recipient};{MSG=};{FQDN=};{IP=};{LRT=}]",
        .nonTLS
      ),
    ]
    for (reason, expected) in cases {
      let c = classifier.classify(reason: reason, detail: nil, dsn: nil, mta: .exchange)
      XCTAssertEqual(c.category, expected, reason)
    }
    let dnssec = classifier.classify(
      reason: "451 4.7.324 dnssec-invalid: Destination domain returned invalid DNSSEC records",
      detail: nil, dsn: nil, mta: .exchange)
    XCTAssertEqual(dnssec.rfc8460, "dnssec-invalid")
  }

  // MARK: - Facts

  func testFactsPostfixRemoteReply() {
    let c = postfix(
      "TLS is required, but host mx.cobalt.example.net[192.0.2.44] refused to start TLS: 454 4.7.0 TLS not available due to local problem",
      dsn: "4.7.0")
    XCTAssertEqual(c.facts.enhancedCode, "4.7.0")
    XCTAssertEqual(c.facts.replyCode, "454")
    XCTAssertEqual(c.facts.remoteHost, "mx.cobalt.example.net")
    XCTAssertEqual(c.facts.remoteAddr, "192.0.2.44")
    XCTAssertNil(c.facts.opensslCode)
  }

  func testFactsFromDetail() {
    let c = postfix(
      "Cannot start TLS: handshake failure",
      "warning: TLS library problem: error:0A00010B:SSL routines::wrong version number:../ssl/record/ssl3_record.c:354:"
    )
    XCTAssertEqual(c.facts.opensslCode, "0A00010B")
    XCTAssertEqual(c.facts.opensslReason, "wrong version number")
    XCTAssertNil(c.facts.enhancedCode)
    let v = postfix(
      "Server certificate not verified",
      "server certificate verification failed for mx.example.net[2001:db8:77::2d]:25: num=62:hostname mismatch",
      dsn: "4.7.5")
    XCTAssertEqual(v.facts.verifyError, "hostname mismatch")
    XCTAssertEqual(v.facts.remoteHost, "mx.example.net")
    XCTAssertEqual(v.facts.remoteAddr, "2001:db8:77::2d")
    XCTAssertEqual(v.facts.enhancedCode, "4.7.5")
  }

  func testFactsEnhancedCodeNotInsideAnAddress() {
    let c = postfix("connect to mx.example.net[10.4.5.6]:25: Connection refused")
    XCTAssertNil(c.facts.enhancedCode)
    let g = postfix(
      "host mx.example.com[192.0.2.4] said: 550-5.1.1 The email account that you tried to reach does not exist. (in reply to RCPT TO command)"
    )
    XCTAssertEqual(g.facts.enhancedCode, "5.1.1")
    XCTAssertEqual(g.facts.replyCode, "550")
  }

  func testFactsExim() {
    let c = exim(
      "H=mx.cometfjord.example.com [2001:db8:5::9]: TLS session: (SSL_connect): error:0A000102:SSL routines::unsupported protocol"
    )
    XCTAssertEqual(c.facts.remoteHost, "mx.cometfjord.example.com")
    XCTAssertEqual(c.facts.remoteAddr, "2001:db8:5::9")
    XCTAssertEqual(c.facts.opensslReason, "unsupported protocol")
    let v = exim(
      "TLS session: (SSL_connect): error:0A000086:SSL routines::certificate verify failed",
      "1vF4kw-00000000c5G-3NcF [192.0.2.11] SSL verify error: depth=0 error=certificate has expired cert=/CN=mx.example.net"
    )
    XCTAssertEqual(v.facts.verifyError, "certificate has expired")
    XCTAssertEqual(v.facts.opensslCode, "0A000086")
  }

  func testFactsExchange() {
    let c = classifier.classify(
      reason:
        "450 4.4.317 Cannot connect to remote server [Message=CertificateExpired Expected Subject: mail.example.com. Presented Subject: CN=mail.example.com. Thumbprint: 94E711DD84BC285CD2911DAC3D0C9E3ABB29671E.] [LastAttemptedServerName=mail.example.com] [LastAttemptedIP=198.51.100.25:25] [SmtpSecurity=-1;-1] [DM6NAM11FT035.eop-nam11.prod.protection.outlook.com 2025-01-04T16:37:07.429Z 08DD2CB85E2FE9DB]",
      detail: nil, dsn: nil, mta: .exchange)
    XCTAssertEqual(c.facts.enhancedCode, "4.4.317")
    XCTAssertEqual(c.facts.replyCode, "450")
    XCTAssertEqual(c.facts.remoteHost, "mail.example.com")
    XCTAssertEqual(c.facts.remoteAddr, "198.51.100.25")
    XCTAssertEqual(
      c.facts.exchangeMessage,
      "CertificateExpired Expected Subject: mail.example.com. Presented Subject: CN=mail.example.com. Thumbprint: 94E711DD84BC285CD2911DAC3D0C9E3ABB29671E."
    )
  }

  func testEmptyAndHostileInputDoNotCrash() {
    XCTAssertEqual(postfix("").category, .nonTLS)
    XCTAssertEqual(postfix("", "").ruleID, "unmatched")
    let weird = String(repeating: "\u{1B}[31m(", count: 2000) + "\u{0}\u{FFFD}"
    XCTAssertEqual(postfix(weird, weird).category, .nonTLS)
  }
}
