// BounceClustersTests.swift: grouping of failures into service-desk clusters, with
// real failure texts: retries collapse into one message, causes we fix stay one
// cluster across domains while recipient-side causes split per domain, attempts never
// count as failures, totals and the JSON object.

import MailLogKit
import MailLogModel
import XCTest

@testable import MailLogAnalysis

final class BounceClustersTests: XCTestCase {
  let t0: LogTime = 1_752_646_000  // 2025-07-16T06:06:40Z

  private func failure(
    _ id: String, _ rcpt: String, _ status: DeliveryStatus, _ reason: String,
    detail: String? = nil, dsn: String? = nil, at: LogTime? = nil, sender: String? = nil,
    host: String? = nil, logHost: String = "mail", mta: MTA = .postfix
  ) -> MailEvent {
    .delivery(
      DeliveryEvent(
        origin: Origin(input: 0, logHost: logHost, mta: mta), time: at ?? t0, messageID: id,
        recipient: rcpt, domain: Address.domain(of: rcpt), sender: sender,
        relay: host.map { "\($0)[192.0.2.10]:25" } ?? "none", remoteHost: host, agent: "smtp",
        status: status, isOutbound: true, protection: .unknown(reason: "test"), dsn: dsn,
        reason: reason, detail: detail, line: "line of \(id) to \(rcpt)"))
  }

  private func attempt(
    _ id: String?, _ reason: String, detail: String? = nil, domain: String? = nil,
    at: LogTime? = nil
  ) -> MailEvent {
    .attempt(
      AttemptEvent(
        origin: Origin(input: 0, logHost: "mail", mta: .postfix), time: at ?? t0, messageID: id,
        domain: domain, remoteHost: "mx.example.net", reason: reason, detail: detail,
        line: "attempt \(id ?? "-")"))
  }

  let expiredDetail =
    "server certificate verification failed for mx.polarclover.example.org[198.51.100.220]:25: certificate has expired"

  /// A message deferred five times then bounced is one affected message, six results.
  func testRetriesCollapseIntoOneMessage() {
    let clusters = BounceClusters()
    for i in 0..<5 {
      clusters.consume(
        failure(
          "1F01134D66B1", "dario.engel@polarclover.example.org", .deferred,
          "Server certificate not verified", detail: expiredDetail, dsn: "4.7.5",
          at: t0 + Double(i) * 600, sender: "zoe.ivanova@ourmail.example.org",
          host: "mx.polarclover.example.org"))
    }
    clusters.consume(
      failure(
        "1F01134D66B1", "dario.engel@polarclover.example.org", .bounced,
        "delivery temporarily suspended: Server certificate not verified", detail: expiredDetail,
        dsn: "4.7.5", at: t0 + 5 * 600, sender: "zoe.ivanova@ourmail.example.org"))
    let s = clusters.summary()
    XCTAssertEqual(s.total, 6)
    XCTAssertEqual(s.deferred, 5)
    XCTAssertEqual(s.bounced, 1)
    XCTAssertEqual(s.clusters.count, 1)
    let c = s.clusters[0]
    XCTAssertEqual(c.category, .t08)
    XCTAssertEqual(c.domain, "polarclover.example.org")
    XCTAssertEqual(c.count, 6)
    XCTAssertEqual(c.deferred, 5)
    XCTAssertEqual(c.bounced, 1)
    XCTAssertEqual(c.messages, 1)
    XCTAssertEqual(c.recipients, 1)
    XCTAssertEqual(c.senders, 1)
    XCTAssertEqual(c.senderList, ["zoe.ivanova@ourmail.example.org"])
    // The suspended results have no relay: the host comes from the earlier results.
    XCTAssertEqual(c.remoteHostList, ["mx.polarclover.example.org"])
    XCTAssertEqual(c.firstSeen, t0)
    XCTAssertEqual(c.lastSeen, t0 + 3000)
    XCTAssertEqual(c.example, "line of 1F01134D66B1 to dario.engel@polarclover.example.org")
    XCTAssertEqual(c.rules, ["t08.expired"])
  }

  /// Same cause, many domains: T02 (ours) and T14 (network) stay one cluster each;
  /// T08 and T01 (the recipient's IT) split per domain; distinct causes never merge.
  func testSplitByDomainOnlyWhereTheContactDiffers() {
    let clusters = BounceClusters()
    let domains = [
      "harborglacier.example.com", "anchorkestrel.example.org", "thistlemarble.example.net",
    ]
    for (i, d) in domains.enumerated() {
      clusters.consume(
        failure(
          "T02-\(i)", "user\(i)@\(d)", .bounced,
          "host smtp-relay.\(d)[203.0.113.252] said: 530 5.7.0 Must issue a STARTTLS command first (in reply to MAIL FROM command)",
          dsn: "5.7.0"))
      clusters.consume(
        failure(
          "T14-\(i)", "user\(i)@\(d)", .deferred,
          "lost connection with mail.\(d)[203.0.113.60] while receiving the STARTTLS response",
          dsn: "4.4.2"))
      clusters.consume(
        failure(
          "T08-\(i)", "user\(i)@\(d)", .deferred, "Server certificate not verified",
          detail: expiredDetail, dsn: "4.7.5"))
      clusters.consume(
        failure(
          "T01-\(i)", "user\(i)@\(d)", .deferred,
          "TLS is required, but was not offered by host mail.\(d)[198.51.100.94]", dsn: "4.7.4"))
      // Same domain, another certificate cause: a separate cluster.
      clusters.consume(
        failure(
          "T09-\(i)", "user\(i)@\(d)", .deferred, "Server certificate not verified",
          detail:
            "server certificate verification failed for mx.\(d)[2001:db8:77::2d]:25: num=62:hostname mismatch",
          dsn: "4.7.5"))
    }
    let s = clusters.summary()
    XCTAssertEqual(s.total, 15)
    func of(_ c: FailureCategory) -> [BounceCluster] { s.clusters.filter { $0.category == c } }
    XCTAssertEqual(of(.t02).count, 1)
    XCTAssertEqual(of(.t02)[0].domains, 3)
    XCTAssertNil(of(.t02)[0].domain)
    XCTAssertEqual(of(.t02)[0].action, .us)
    XCTAssertEqual(of(.t14).count, 1)
    XCTAssertEqual(of(.t14)[0].count, 3)
    XCTAssertEqual(Set(of(.t08).map { $0.domain ?? "?" }), Set(domains))
    XCTAssertEqual(of(.t08).map(\.count), [1, 1, 1])
    XCTAssertEqual(Set(of(.t01).map { $0.domain ?? "?" }), Set(domains))
    XCTAssertEqual(of(.t09).count, 3)
    XCTAssertEqual(s.clusters.count, 1 + 1 + 3 + 3 + 3)
    XCTAssertEqual(s.byCategory.map { $0.0 }, [.t01, .t02, .t08, .t09, .t14])
    // Ties in messages and count: the larger cluster comes first, then category order.
    XCTAssertEqual(s.clusters[0].category, .t02)
    XCTAssertEqual(s.clusters[1].category, .t14)
  }

  /// A public root reported untrusted is our trust store: one cluster, ours, not
  /// one per recipient domain.
  func testOurTrustStoreProblemStaysOneCluster() {
    let clusters = BounceClusters()
    for d in ["a.example.com", "b.example.net"] {
      clusters.consume(
        failure(
          "Q-\(d)", "x@\(d)", .deferred, "Server certificate not verified",
          detail:
            "certificate verification failed for mx.\(d)[192.0.2.81]:25: untrusted issuer /C=US/O=DigiCert Inc/OU=www.digicert.com/CN=DigiCert Global Root CA"
        ))
    }
    let s = clusters.summary()
    XCTAssertEqual(s.clusters.count, 1)
    XCTAssertEqual(s.clusters[0].category, .t10)
    XCTAssertEqual(s.clusters[0].action, .us)
    XCTAssertEqual(s.clusters[0].domains, 2)
  }

  /// Non-final attempts go into `attempts`, never into `count` or the totals; an
  /// attempt without a domain takes the domain of its message's result.
  func testAttemptsAreNotFailures() {
    let clusters = BounceClusters()
    let version =
      "warning: TLS library problem: error:0A00010B:SSL routines::wrong version number:../ssl/record/ssl3_record.c:354:"
    clusters.consume(
      attempt("48749107A597", "Cannot start TLS: handshake failure", detail: version))
    clusters.consume(
      attempt("48749107A597", "Cannot start TLS: handshake failure", detail: version))
    clusters.consume(
      failure(
        "48749107A597", "victor.torres@pioneer.osprey.example.net", .deferred,
        "Cannot start TLS: handshake failure", detail: version, dsn: "4.7.5"))
    // An attempt that names its domain, with no result at all.
    clusters.consume(
      attempt(
        nil, "Cannot start TLS: handshake failure", detail: version,
        domain: "lagoon-indigo.example.com"))
    // An attempt whose message is never seen again: unknown domain.
    clusters.consume(attempt("AAAA1111", "Cannot start TLS: handshake failure", detail: version))
    // A greylisting try on one MX before the message went out through another.
    clusters.consume(
      attempt(
        "A17F830001CA",
        "host mailin5.zih.recipient.relay.example.com[192.0.2.4] said: 451-You have been greylisted. (in reply to RCPT TO command)"
      ))
    clusters.consume(
      .delivery(
        DeliveryEvent(
          origin: Origin(input: 0, logHost: "mail", mta: .postfix), time: t0,
          messageID: "A17F830001CA", recipient: "user4@d3.example.com", domain: "d3.example.com",
          relay: "mailin6[192.0.2.7]:25", agent: "smtp", status: .sent, isOutbound: true,
          protection: .tls(.v12, .trusted))))
    let s = clusters.summary()
    XCTAssertEqual(s.total, 1)
    let t05 = s.clusters.filter { $0.category == .t05 }
    XCTAssertEqual(t05.count, 3)
    let osprey = t05.first { $0.domain == "pioneer.osprey.example.net" }!
    XCTAssertEqual(osprey.count, 1)
    XCTAssertEqual(osprey.attempts, 2)
    XCTAssertEqual(osprey.messages, 1)
    let lagoon = t05.first { $0.domain == "lagoon-indigo.example.com" }!
    XCTAssertEqual(lagoon.count, 0)
    XCTAssertEqual(lagoon.attempts, 1)
    XCTAssertEqual(lagoon.example, "attempt -")
    XCTAssertEqual(t05.first { $0.domain == "" }?.attempts, 1)
    let grey = s.clusters.first { $0.rules == ["nontls.greylisted"] }!
    XCTAssertEqual(grey.attempts, 1)
    XCTAssertEqual(grey.count, 0)
    XCTAssertEqual(grey.title, "Greylisting (not TLS)")
  }

  /// Unknown texts group by template; known non-TLS kinds group by rule, and by
  /// template too with `templateAllNonTLS` (`--all`).
  func testNonTLSGrouping() {
    let texts = [
      "host relay.example.org[192.0.2.103] said: 450 4.7.1 temporarily suspended, please try again later. (in reply to RCPT TO command)",
      "host relay2.example.net[192.0.2.104] said: 450 4.7.1 temporarily suspended, please try again later. (in reply to RCPT TO command)",
      "host mx.example.com[192.0.2.4] said: 550 5.1.1 <user2@example.com> User unknown (in reply to RCPT TO command)",
      "host mx.example.com[192.0.2.4] said: 550 5.1.1 <u3@example.com>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)",
    ]
    func run(_ all: Bool) -> BounceSummary {
      var o = BounceClusters.Options()
      o.templateAllNonTLS = all
      let clusters = BounceClusters(options: o)
      for (i, t) in texts.enumerated() {
        clusters.consume(failure("M\(i)", "r\(i)@example.com", i < 2 ? .deferred : .bounced, t))
      }
      return clusters.summary()
    }
    let s = run(false)
    XCTAssertEqual(s.clusters.count, 2)
    let unknown = s.clusters.first { $0.rules == ["unmatched"] }!
    XCTAssertEqual(unknown.count, 2)
    XCTAssertEqual(unknown.confidence, .low)
    XCTAssertEqual(
      unknown.template,
      "host <HOST>[<IP>] said: 450 4.7.1 temporarily suspended, please try again later. (in reply to RCPT TO command)"
    )
    let users = s.clusters.first { $0.rules == ["nontls.recipient-unknown"] }!
    XCTAssertEqual(users.count, 2)
    XCTAssertNil(users.template)
    XCTAssertEqual(users.action, .sender)
    let all = run(true)
    XCTAssertEqual(all.clusters.count, 3)
    XCTAssertEqual(all.clusters.filter { $0.rules == ["nontls.recipient-unknown"] }.count, 2)
  }

  func testNDRsAndSentAreNotFailures() {
    let clusters = BounceClusters()
    let origin = Origin(input: 0, logHost: "mail", mta: .postfix)
    clusters.consume(
      .ndr(NDREvent(origin: origin, time: t0, originalID: "A886439950BB", ndrID: "6A7BE39731D0")))
    clusters.consume(
      .ndr(NDREvent(origin: origin, time: t0, originalID: "63ECA217D", ndrID: "E90271593")))
    clusters.consume(.time(t0))
    let s = clusters.summary()
    XCTAssertEqual(s.ndrs, 2)
    XCTAssertEqual(s.total, 0)
    XCTAssertTrue(s.clusters.isEmpty)
  }

  /// The same queue id on two log hosts is two messages.
  func testMessagesAreKeyedByLogHost() {
    let clusters = BounceClusters()
    for h in ["mx1", "mx2"] {
      clusters.consume(
        failure(
          "7356ABD12E", "user46@d43.example.com", .deferred,
          "TLS is required, but was not offered by host h6.d9.example.com[192.0.2.84]",
          dsn: "4.7.4", logHost: h))
    }
    XCTAssertEqual(clusters.summary().clusters[0].messages, 2)
  }

  func testListsAreCappedButCountsAreExact() {
    var o = BounceClusters.Options()
    o.listLimit = 3
    let clusters = BounceClusters(options: o)
    for i in 0..<50 {
      clusters.consume(
        failure(
          "Q\(i)", "user\(i)@d\(i).example.com", .bounced,
          "host mx.d\(i).example.com[192.0.2.31] said: 530 5.7.0 Must issue a STARTTLS command first (in reply to MAIL FROM command)",
          sender: "s\(i % 7)@ourmail.example.org"))
    }
    let c = clusters.summary().clusters[0]
    XCTAssertEqual(c.count, 50)
    XCTAssertEqual(c.recipients, 50)
    XCTAssertEqual(c.domains, 50)
    XCTAssertEqual(c.senders, 7)
    XCTAssertEqual(c.remoteHosts, 50)
    XCTAssertEqual(
      c.recipientList, ["user0@d0.example.com", "user1@d1.example.com", "user2@d2.example.com"])
    XCTAssertEqual(c.senderList.count, 3)
  }

  func testJSONObject() {
    let clusters = BounceClusters()
    clusters.consume(
      failure(
        "1CD9A1397CFF", "gil22@clover-river.example.com", .deferred,
        "TLS is required, but was not offered by host mail.clover-river.example.com[203.0.113.110]",
        dsn: "4.7.4", sender: "uma.varga@ourmail.example.org"))
    clusters.consume(
      .ndr(
        NDREvent(
          origin: Origin(input: 0, logHost: "mail", mta: .postfix), time: nil, originalID: "x",
          ndrID: "y")))
    let json = clusters.json(clock: LocalClock(utc: true))
    XCTAssertEqual(json["total"], .int(1))
    XCTAssertEqual(json["by_status"], .object([("deferred", .int(1)), ("bounced", .int(0))]))
    XCTAssertEqual(json["by_category"], .object([("T01", .int(1))]))
    XCTAssertEqual(json["ndrs"], .int(1))
    guard case .array(let list)? = json["clusters"], let c = list.first else {
      return XCTFail("no clusters")
    }
    guard case .object(let members) = c else { return XCTFail("cluster not an object") }
    XCTAssertEqual(
      members.map(\.0),
      [
        "category", "title", "rfc8460", "action", "domain", "count", "deferred", "bounced",
        "attempts", "messages", "recipients", "domains", "senders", "remote_hosts",
        "first_seen", "last_seen", "next_step", "example", "template", "rules", "confidence",
        "recipient_list", "domain_list", "sender_list", "remote_host_list",
      ])
    XCTAssertEqual(c["category"], .string("T01"))
    XCTAssertEqual(c["rfc8460"], .string("starttls-not-supported"))
    XCTAssertEqual(c["action"], .string("recipient"))
    XCTAssertEqual(c["domain"], .string("clover-river.example.com"))
    XCTAssertEqual(c["count"], .int(1))
    XCTAssertEqual(c["messages"], .int(1))
    XCTAssertEqual(c["remote_hosts"], .int(1))
    XCTAssertEqual(c["remote_host_list"], .array([.string("mail.clover-river.example.com")]))
    XCTAssertEqual(c["first_seen"], .string("2025-07-16T06:06:40Z"))
    XCTAssertEqual(c["template"], .null)
    XCTAssertEqual(c["rules"], .array([.string("t01.postfix.not-offered")]))
    XCTAssertEqual(c["sender_list"], .array([.string("uma.varga@ourmail.example.org")]))
  }
}
