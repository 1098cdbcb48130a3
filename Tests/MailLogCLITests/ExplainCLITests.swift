// ExplainCLITests.swift: `mailtls explain` through the built binary on real texts: the
// TLS-related NDR strings of /work/shared/corpus/exchange/ndr (read from the shared
// folder, skipped when it is absent), texts quoted in reference/tls-failures.md, real
// Postfix and Exim log lines from the corpus, and whole pastes in Fixtures/explain/
// (a Postfix bounce with its DSN part, an Exchange NDR, a mailq entry). Each has its
// exact expected category.

import Foundation
import XCTest

final class ExplainCLITests: XCTestCase {
  static let fixtures = repoRoot.appendingPathComponent("Tests/MailLogCLITests/Fixtures/explain")
  static let shared = repoRoot.deletingLastPathComponent().appendingPathComponent("shared")

  private func explain(_ text: String) throws -> (Int32, [String: Any]) {
    let r = try runTrace(["explain", "--format", "json", "-"], stdin: text)
    return (r.status, try r.json())
  }

  private func check(
    _ text: String, _ category: String, rule: String? = nil, rfc8460: String? = nil,
    action: String? = nil, file: StaticString = #filePath, line: UInt = #line
  ) throws {
    let (status, j) = try explain(text)
    XCTAssertEqual(j["category"] as? String, category, text, file: file, line: line)
    if let rule { XCTAssertEqual(j["rule"] as? String, rule, text, file: file, line: line) }
    if let rfc8460 {
      XCTAssertEqual(j["rfc8460"] as? String, rfc8460, text, file: file, line: line)
    }
    if let action { XCTAssertEqual(j["action"] as? String, action, text, file: file, line: line) }
    XCTAssertEqual(status, 0, text, file: file, line: line)
    for key in ["category", "rfc8460", "action", "next_step", "confidence"] {
      XCTAssertNotNil(j[key], "\(key) missing", file: file, line: line)
    }
  }

  /// The corpus file's strings in order ([A] ... [I]), comments dropped.
  private func corpusNDRStrings() throws -> [String] {
    let url = Self.shared.appendingPathComponent("corpus/exchange/ndr/tls-related-ndr-strings.txt")
    guard let text = try? String(contentsOf: url, encoding: .utf8) else {
      throw XCTSkip("\(url.path) is absent")
    }
    return text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") && !$0.isEmpty }
  }

  func testExchangeNDRStringsFromTheCorpus() throws {
    let s = try corpusNDRStrings()
    XCTAssertEqual(s.count, 10)
    try check(s[0], "T08", rule: "t08.expired", rfc8460: "certificate-expired", action: "recipient")  // [A] CertificateExpired
    try check(s[1], "T09", rule: "t09.mismatch", rfc8460: "certificate-host-mismatch")  // [B] SubjectMismatch
    try check(s[2], "T11", rfc8460: "certificate-not-trusted")  // [C] UntrustedRoot (missing intermediate)
    try check(s[3], "T02", rule: "t02.requires-tls", action: "us")  // [D] STARTTLS is required
    try check(s[4], "T02", rule: "t02.requires-tls", action: "us")
    try check(s[5], "T14", action: "network")  // [E] TLS negotiation failed ... SocketError
    try check(s[6], "T06", rfc8460: "validation-failure")  // [F] Schannel IllegalMessage
    try check(s[7], "non-tls")  // [G] Winsock 995: not TLS
    try check(s[8], "non-tls")  // [H] Senderscore reject: not TLS
    // [I] Kerberos authentication failure: no rule; nearest known texts are offered.
    let (status, j) = try explain(s[9])
    XCTAssertEqual(status, 1)
    XCTAssertEqual(j["category"] as? String, "non-tls")
    XCTAssertEqual(j["matched"] as? Bool, false)
    XCTAssertEqual(j["confidence"] as? String, "low")
    XCTAssertEqual((j["nearest"] as? [Any])?.count, 3)
  }

  func testUnmatchedTextShowsNearestTemplates() throws {
    let s = try corpusNDRStrings()
    let r = try runTrace(["explain", s[9]])
    XCTAssertEqual(r.status, 1)
    XCTAssertTrue(r.stdout.hasPrefix("No known failure text matches this.\n"), r.stdout)
    XCTAssertTrue(r.stdout.contains("\nNearest known texts:\n  "), r.stdout)
  }

  func testTextsQuotedInTheTaxonomy() throws {
    let cases: [(String, String)] = [
      ("TLS is required, but was not offered by host mx.example.net[192.0.2.10]", "T01"),
      (
        "530 5.7.0 Must issue a STARTTLS command first. For more information, go to About SMTP error messages and review RFC 3207 specifications.",
        "T02"
      ),
      ("421 4.7.0 TLS required for RCPT domain, closing connection.", "T02"),
      ("553 this route requires encryption (tls)", "T02"),
      (
        "TLS is required, but host mx.example.net[192.0.2.10] refused to start TLS: 454 4.7.0 TLS not available due to local problem",
        "T03"
      ),
      ("TLS is required, but our TLS engine is unavailable", "T04"),
      (
        "454 4.7.5 The certificate specified in TlsCertificateName of the SendConnector could not be found.",
        "T04"
      ),
      ("553 this route requires tls version 1.2 or greater", "T05"),
      ("TLS session: (SSL_connect): error:0A000102:SSL routines::unsupported protocol", "T05"),
      ("553 this route requires high-strength ciphers", "T06"),
      ("SSL_connect returned=1 errno=0 state=error: dh key too small", "T07"),
      ("5.7.322 certificate-expired: Destination mail server's certificate is expired.", "T08"),
      (
        "5.7.325 certificate-host-mismatch: Remote certificate MUST have a common name or subject alternative name matching the hostname (DANE)",
        "T09"
      ),
      ("TLS Negotiation failed, the certificate doesn't match the host.", "T09"),
      (
        "certificate verification failed for mail.example.com[192.0.2.52]:25: self-signed certificate",
        "T10"
      ),
      ("TLSA lookup error for mx.example.net:25", "T12"),
      ("5.7.323 tlsa-invalid: The domain failed DANE validation.", "T12"),
      ("5.4.8 MX hosts of example.com failed MTA-STS validation", "T13"),
      ("450 4.4.318 Connection was closed abruptly", "T14"),
      ("Diagnostic-Code: SMTP; 403 4.7.0 TLS handshake failed.", "T14"),
      (
        "5.7.30 Sender requested REQUIRETLS, but no server was found that supports REQUIRETLS. The last attempted server was mx.example.net[192.0.2.10]",
        "T16"
      ),
      (
        "TLS session: (certificate verification failed): certificate invalid: delivering unencrypted to H=192.0.2.1 [192.0.2.1] (not in hosts_require_tls)",
        "T17"
      ),
    ]
    for (text, category) in cases { try check(text, category) }
  }

  func testRealLogLines() throws {
    // Corpus: Mailu/Mailu #3929 (bounce, TLS version mismatch at the recipient).
    let mailu =
      "Oct 03 09:12:52 mail postfix/smtp[6024]: 778E21489E81: to=<xx@d70.example.com>, relay=h41.d71.example.com[192.0.2.83]:25, delay=1.2, delays=0.56/0.06/0.32/0.24, dsn=5.7.4, status=bounced (host h41.d71.example.com[192.0.2.83] said: 550 5.7.4 XGEMAIL_0006 Command rejected : The rejection of the message occurred due to a mismatch in TLS versions between the configured TLS version is Preferred TLS 1.3 for the recipient: xx@d70.example.com and the sender: d7.example.com TLS version is not available (in reply to RCPT TO command))"
    let (_, a) = try explain(mailu)
    XCTAssertEqual(a["category"] as? String, "T05")
    XCTAssertEqual(a["source"] as? String, "Postfix log line")
    XCTAssertEqual(a["status"] as? String, "5.7.4")
    XCTAssertEqual(a["recipient"] as? String, "xx@d70.example.com")
    // Corpus: triplea-game/triplea #3374 (suspended, TLS required but not offered).
    try check(
      "Apr 16 20:52:03 mail10 postfix/error[30183]: 987D910A524: to=<XXXXXX@d72.example.com>, relay=none, delay=231575, delays=231575/0.39/0/0, dsn=4.7.4, status=deferred (delivery temporarily suspended: TLS is required, but was not offered by host h42.d72.example.com[xx.xxx.72.32])",
      "T01", rule: "t01.postfix.not-offered")
    // Corpus: Exim test suite, deferral after a failed TLS start (errno -38).
    let (_, e) = try explain(
      "1999-03-02 09:44:33 10HmaY-000000005vi-0000 == x@example.com R=client T=send_to_server defer (-38) H=192.0.2.1 [192.0.2.1]: a TLS session is required, but an attempt to start TLS failed"
    )
    XCTAssertEqual(e["category"] as? String, "T01")
    XCTAssertEqual(e["mta"] as? String, "exim")
    // A Postfix result plus its OpenSSL detail line pasted together: the detail decides.
    try check(
      """
      Jan 24 04:17:10 mail11 postfix/smtp[36739]: SSL_connect error to mx.example.net[192.0.2.53]:25: -1
      Jan 24 04:17:10 mail11 postfix/smtp[36739]: warning: TLS library problem: error:0A00010B:SSL routines::wrong version number:../ssl/record/ssl3_record.c:354:
      Jan 24 04:17:10 mail11 postfix/smtp[36739]: 3B1C5D2E7F: to=<a@example.net>, relay=mx.example.net[192.0.2.53]:25, delay=0.4, delays=0.1/0/0.3/0, dsn=4.7.5, status=deferred (Cannot start TLS: handshake failure)
      """, "T05")
  }

  func testWholePastes() throws {
    func paste(_ name: String) throws -> String {
      try String(contentsOf: Self.fixtures.appendingPathComponent(name), encoding: .utf8)
    }
    let (_, ndr) = try explain(try paste("postfix-ndr.txt"))
    XCTAssertEqual(ndr["category"] as? String, "T02")
    XCTAssertEqual(ndr["source"] as? String, "Diagnostic-Code")
    XCTAssertEqual(ndr["text"] as? String, "530 5.7.0 Must issue a STARTTLS command first")
    XCTAssertEqual(ndr["status"] as? String, "5.7.0")
    XCTAssertEqual(ndr["recipient"] as? String, "licensing@strictmail.example.com")
    XCTAssertEqual(ndr["remote_mta"] as? String, "mx.strictmail.example.com")
    XCTAssertEqual(ndr["action"] as? String, "us")
    XCTAssertEqual(ndr["confidence"] as? String, "high")

    let (_, exo) = try explain(try paste("exchange-ndr.txt"))
    XCTAssertEqual(exo["category"] as? String, "T02")
    XCTAssertEqual(exo["mta"] as? String, "exchange")
    XCTAssertEqual(exo["source"] as? String, "Exchange NDR (remote server returned)")

    let (_, mailq) = try explain(try paste("mailq.txt"))
    XCTAssertEqual(mailq["category"] as? String, "T01")
    XCTAssertEqual(mailq["rfc8460"] as? String, "starttls-not-supported")
    XCTAssertEqual(mailq["source"] as? String, "mailq entry")

    // The DSN alone does not name the cause: a low-confidence guess, said as such.
    let text = try paste("postfix-ndr-expired-cert.txt")
    let (_, guess) = try explain(text)
    XCTAssertEqual(guess["category"] as? String, "T10")
    XCTAssertEqual(guess["confidence"] as? String, "low")
    let r = try runTrace(["explain", "-"], stdin: text)
    XCTAssertTrue(r.stdout.contains("This is a best guess"), r.stdout)
  }

  func testTextFromArgumentsAndUsage() throws {
    let r = try runTrace([
      "explain", "450", "4.4.317", "Cannot", "connect", "to", "remote", "server",
      "[Message=CertificateExpired]",
    ])
    XCTAssertEqual(r.status, 0)
    XCTAssertTrue(r.stdout.hasPrefix("Certificate expired [T08]\n"), r.stdout)
    XCTAssertTrue(r.stdout.contains("\nWho acts:   recipient's IT\n"), r.stdout)
    let empty = try runTrace(["explain", "-"], stdin: "  \n")
    XCTAssertEqual(empty.status, 64)
  }
}
