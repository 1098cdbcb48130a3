// ReadinessFailureTests.swift: a domain whose mail failed for a TLS reason on its side is
// never "ready" for mandatory TLS, however its successful deliveries looked.

import Foundation
import MailLogAnalysis
import MailLogModel
import XCTest

final class ReadinessFailureTests: XCTestCase {
  private func delivery(_ domain: String, _ status: DeliveryStatus, reason: String?, detail: String? = nil)
    -> MailEvent
  {
    .delivery(
      DeliveryEvent(
        origin: Origin(input: 0, logHost: "mail", mta: .postfix), time: 0, messageID: "A1B2C3D4E5",
        recipient: "u@\(domain)", domain: domain, relay: "mx.\(domain)[192.0.2.9]:25",
        agent: "smtp", status: status, isOutbound: true, protection: .tls(.v13, .verified),
        dsn: "4.7.5", reason: reason, detail: detail))
  }

  func testTheirTLSFailureMakesADomainNotReady() {
    let sink = DomainTLSFailures()
    // Real shapes: Postfix's umbrella reason plus the verification line of the session.
    sink.consume(
      delivery(
        "expired.example.net", .deferred, reason: "Server certificate not verified",
        detail: "server certificate verification failed for mx.expired.example.net[192.0.2.9]:25: certificate has expired"))
    sink.consume(delivery("expired.example.net", .deferred, reason: "Server certificate not verified",
      detail: "server certificate verification failed for mx.expired.example.net[192.0.2.9]:25: certificate has expired"))
    // Greylisting is not a TLS failure; a sent delivery is not a failure at all.
    sink.consume(
      delivery(
        "grey.example.org", .deferred,
        reason: "host mx.grey.example.org[192.0.2.8] said: 450 4.2.0 Greylisted, please try again (in reply to RCPT TO command)"))
    sink.consume(delivery("fine.example.com", .sent, reason: "250 2.0.0 Ok"))
    XCTAssertEqual(sink.counts, ["expired.example.net": 2])

    var verified = CoverageCounts()
    verified.add(.tls(.v13, .verified), time: 0)
    let r = Readiness(
      domains: ["expired.example.net": verified, "grey.example.org": verified, "fine.example.com": verified],
      tlsFailures: sink.counts)
    XCTAssertEqual(r.rows(.tlsFailing).map(\.domain), ["expired.example.net"])
    XCTAssertEqual(r.rows(.tlsVerified).map(\.domain), ["fine.example.com", "grey.example.org"])
    XCTAssertEqual(r.ready().map(\.domain), ["fine.example.com", "grey.example.org"])
  }
}

/// Partner lists as spreadsheets save them.
final class PartnerFileEncodingTests: XCTestCase {
  /// Excel's "Unicode text" (UTF-16LE with BOM), CRLF, and `;` between fields (European
  /// locales) read the same as a plain comma-separated UTF-8 file; a quoted field may
  /// contain the separator.
  func testUTF16SemicolonListReadsLikeCSV() throws {
    let text =
      "domain;organisation;policy;note\r\nwestshire-police.example.net;Westshire Police;mandatory;\r\n*.westshire.example.org;\"Schools; all\";opportunistic;x\r\n"
    var data = Data([0xFF, 0xFE])
    for unit in text.utf16 { data.append(contentsOf: [UInt8(unit & 0xFF), UInt8(unit >> 8)]) }
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("partners-\(UUID().uuidString).csv").path
    XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: data))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let list = try PartnerList.load(path: path)
    XCTAssertEqual(list.entries.count, 2)
    XCTAssertEqual(list.match("westshire-police.example.net")?.organisation, "Westshire Police")
    XCTAssertEqual(list.match("a.westshire.example.org")?.organisation, "Schools; all")
    XCTAssertNil(list.match("westshire.example.org"))
  }
}
