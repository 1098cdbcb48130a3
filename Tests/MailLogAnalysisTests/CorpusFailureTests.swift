// CorpusFailureTests.swift: every final failure line of /work/shared/corpus (Postfix
// and Exim; `<repo>/../shared/corpus`) with its exact expected category. Skipped when
// the corpus is absent. The reason is cut out of the line the way the parsers do it
// (Postfix: the parenthesised text after `status=`; Exim: the text after the address);
// the Postfix detail is the latest OpenSSL/verification/SSL_connect line of the pid.

import Foundation
import MailLogKit
import MailLogModel
import XCTest

@testable import MailLogAnalysis

final class CorpusFailureTests: XCTestCase {
  static let corpus = SharedFolder.url("corpus")

  private func lines(_ name: String) throws -> [String] {
    let url = CorpusFailureTests.corpus.appendingPathComponent(name)
    guard let text = try? String(contentsOf: url, encoding: .utf8) else {
      throw XCTSkip("corpus not present at \(url.path)")
    }
    return text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") }
  }

  func testPostfixCorpusFailures() throws {
    // queue id -> expected category (and rule, where it tells more).
    let expected: [String: (FailureCategory, String)] = [
      "776E41855DB2": (.nonTLS, "nontls.recipient-unknown"),
      "A17F830001CA": (.nonTLS, "nontls.greylisted"),
      "23EBE3D5C0": (.nonTLS, "nontls.mailbox-full"),
      "732BB407C3": (.nonTLS, "unmatched"),
      "2DC5552A34": (.nonTLS, "nontls.unreachable"),
      "892A0205B6": (.nonTLS, "nontls.recipient-unknown"),
      "95ECE24E0": (.nonTLS, "nontls.local-delivery"),
      "2F6C83D": (.nonTLS, "nontls.recipient-unknown"),
      "4E74613FE76": (.nonTLS, "nontls.blocklisted"),
      "A0E85200BD": (.nonTLS, "nontls.greylisted"),
      "778E21489E81": (.t05, "t05.version"),
      "987D910A524": (.t01, "t01.postfix.not-offered"),
      "BEE166C44CC": (.nonTLS, "nontls.local-delivery"),
      // No verification line was logged for this session: only a guess.
      "D33A02504112": (.t10, "postfix.cert-not-verified"),
      "9EFB9201AB": (.nonTLS, "unmatched"),
    ]
    let result = try MailLogKit.Regex(
      #"([0-9A-Za-z]+): to=<?[^>,]*>?, .*?(?:dsn=([\d.]+), )?status=(deferred|bounced) \((.*)\)$"#)
    let pid = try MailLogKit.Regex(#"postfix[^\s\[]*\[(\d+)\]: (.*)$"#)
    var detail: [String: String] = [:]
    var seen = 0
    for line in try lines("postfix-lines.log") {
      if let p = pid.firstMatch(in: line), let msg = p[2],
        msg.hasPrefix("warning: TLS library problem") || msg.hasPrefix("SSL_connect error")
          || msg.contains("certificate verification failed")
      {
        detail[p[1]!] = msg
        continue
      }
      guard let m = result.firstMatch(in: line) else { continue }
      seen += 1
      let id = m[1]!
      guard let (category, rule) = expected[id] else {
        XCTFail("no expectation for \(line)")
        continue
      }
      let d = pid.firstMatch(in: line).flatMap { detail[$0[1]!] }
      let c = FailureClassifier.classify(reason: m[4]!, detail: d, dsn: m[2], mta: .postfix)
      XCTAssertEqual(c.category, category, line)
      XCTAssertEqual(c.ruleID, rule, line)
    }
    XCTAssertEqual(seen, 20)
  }

  func testEximCorpusFailures() throws {
    // (message id, address) -> expected category and rule.
    let expected: [String: (FailureCategory, String)] = [
      "16aiQz-0002Q5-00 marvin@endrest.example.net": (.nonTLS, "nontls.unreachable"),
      "0tRiQz-0002Q5-00 jim@trek99.example.net": (.nonTLS, "nontls.dns"),
      "17SXDU-000189-00 ace400@pb.example.com": (.nonTLS, "nontls.recipient-unknown"),
      "10HmaY-000000005vi-0000 x@example.com": (.t01, "t01.exim.attempt-failed"),
      "10HmaZ-000000005vi-0000 client_require_fail@example.org": (.t06, "tls.handshake-generic"),
      "10HmbC-000000005vi-0000 server_require_bad@example.org": (.t14, "t14.eof"),
      "10HmbB-000000005vi-0000 badkey@example.org": (.t06, "tls.handshake-generic"),
      "10HmaZ-000000005vi-0000 d@example.org": (.nonTLS, "unmatched"),
      "10HmaX-000000005vi-0000 f1@example.org": (.nonTLS, "unmatched"),
      "10HmaX-000000005vi-0000 d@example.org": (.nonTLS, "nontls.expired"),
      "10HmaX-000000005vi-0000 b@known.example.com:": (.nonTLS, "nontls.expired"),
      "10HmaX-000000005vi-0000 userx@simple.example.org": (.nonTLS, "nontls.expired"),
      "10HmaZ-000000005vi-0000 e@example.org": (.nonTLS, "nontls.unreachable"),
      "10HmaX-000000005vi-0000 baduser@example.org": (.nonTLS, "unmatched"),
      "10HmaY-000000005vi-0000 userxx@myhost.example.net": (.nonTLS, "nontls.local-delivery"),
      "1j1Z2g-00Faoy-Uh admin@example.net": (.nonTLS, "nontls.recipient-unknown"),
      "1pfdJV-004eVE-9X zeus@example.org": (.nonTLS, "nontls.unreachable"),
      "1tixMn-00000000C5j-1wRa test@ru.example.net": (.nonTLS, "nontls.local-delivery"),
    ]
    let flag = try MailLogKit.Regex(
      #"(?:^|\s)([0-9A-Za-z]{6}-[0-9A-Za-z-]+) (?:==|\*\*) (\S+) (.*)$"#)
    var seen = 0
    for line in try lines("exim-lines.log") {
      guard let m = flag.firstMatch(in: line) else { continue }
      seen += 1
      let key = "\(m[1]!) \(m[2]!)"
      guard let (category, rule) = expected[key] else {
        XCTFail("no expectation for \(key): \(line)")
        continue
      }
      let c = FailureClassifier.classify(reason: m[3]!, detail: nil, dsn: nil, mta: .exim)
      XCTAssertEqual(c.category, category, line)
      XCTAssertEqual(c.ruleID, rule, line)
    }
    XCTAssertEqual(seen, 18)
  }

  /// The TLS-related Exchange NDR strings of the corpus, in file order.
  func testExchangeCorpusNDRStrings() throws {
    let strings = try lines("exchange/ndr/tls-related-ndr-strings.txt")
    let expected: [FailureCategory] = [
      .t08,  // [A] CertificateExpired
      .t09,  // [B] SubjectMismatch
      .t11,  // [C] UntrustedRoot: intermediate not sent
      .t02,  // [D] 5.4.317 ... (451 5.7.3 STARTTLS is required to send mail)
      .t02,  // [D] 4.4.317 [Message=451 5.7.3 STARTTLS is required ...]
      .t14,  // [E] TLS negotiation failed with error SocketError
      .t06,  // [F] Security status IllegalMessage
      .nonTLS,  // [G] Winsock connect failure
      .nonTLS,  // [H] remote policy reject (Senderscore)
      .nonTLS,  // [I] Kerberos / temporary authentication failure
    ]
    XCTAssertEqual(strings.count, expected.count)
    for (text, category) in zip(strings, expected) {
      let c = FailureClassifier.classify(reason: text, detail: nil, dsn: nil, mta: .exchange)
      XCTAssertEqual(c.category, category, text)
    }
  }
}
