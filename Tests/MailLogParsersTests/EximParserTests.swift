// EximParserTests.swift: the Exim mainlog parser against real lines.
//
// Shape tests feed lines from ../shared/corpus/exim-lines.log (and a few from the
// reference pack and the eval-public log, named where used) and assert every event
// field. Counting tests apply the eval-public counting rules with a small sink written
// here. The eval-public test is skipped when ../shared/eval-public is absent.

import Foundation
import MailLogKit
import MailLogModel
import XCTest

@testable import MailLogParsers

/// Applies the eval-public counting rules to events (README "Counting rules", Exim).
final class EximTally: EventSink {
  struct Side: Equatable {
    var delivered = 0, tls = 0, plaintext = 0, unknown = 0
    var byVersion: [String: Int] = [:]
    var byTrust: [String: Int] = [:]
  }
  struct Counts: Equatable {
    var delivered = 0, tls = 0, plaintext = 0, unknown = 0
  }
  var outbound = Side()
  var inbound = Side()
  var domains: [String: Counts] = [:]
  var failures = 0
  var byStatus: [String: Int] = [:]
  var ndrs = 0
  private var evidence: Set<String> = []
  private var pending: [(String, String)] = []  // (evidence key, domain) of unproven deliveries

  func consume(_ event: MailEvent) {
    switch event {
    case .delivery(let d):
      if d.status == .deferred || d.status == .bounced {
        failures += 1
        byStatus[d.status.rawValue, default: 0] += 1
      } else if d.status == .sent && d.isOutbound {
        outbound.delivered += 1
        domains[d.domain, default: Counts()].delivered += 1
        switch d.protection {
        case .tls(let v, let t):
          add(&outbound, v, t)
          domains[d.domain]!.tls += 1
        case .plaintext:
          outbound.plaintext += 1
          domains[d.domain]!.plaintext += 1
        case .unproven(let key): pending.append((key, d.domain))
        case .unknown:
          outbound.unknown += 1
          domains[d.domain]!.unknown += 1
        }
      }
    case .arrival(let a):
      inbound.delivered += 1
      switch a.protection {
      case .tls(let v, let t): add(&inbound, v, t)
      case .plaintext: inbound.plaintext += 1
      default: inbound.unknown += 1
      }
    case .ndr: ndrs += 1
    case .tlsEvidence(let key): evidence.insert(key)
    default: break
    }
  }

  private func add(_ side: inout Side, _ v: TLSVersion, _ t: TLSTrust) {
    side.tls += 1
    side.byVersion[v.rawValue, default: 0] += 1
    side.byTrust[t.rawValue, default: 0] += 1
  }

  /// Resolves unproven deliveries by the evidence rule; call once after the input.
  func finish() {
    for (key, domain) in pending {
      if evidence.contains(key) {
        outbound.plaintext += 1
        domains[domain]!.plaintext += 1
      } else {
        outbound.unknown += 1
        domains[domain]!.unknown += 1
      }
    }
    pending = []
  }
}

/// Runs the parser over `lines` (input index `input`) into `sink`; times are UTC.
@discardableResult
func runExim(_ lines: [String], sink: EventSink, input: Int = 0, run: RunState = RunState())
  -> EximParser
{
  let context = ParseContext(
    input: input, name: "test", clock: LocalClock(utc: true),
    years: YearTracker(reference: Date(timeIntervalSince1970: 1_740_000_000)), sink: sink,
    run: run)
  let parser = EximParser(context: context)
  for line in lines { withBytes(line) { parser.parse($0) } }
  parser.finish()
  return parser
}

/// Collects the events of `lines`.
func eximEvents(_ lines: [String]) -> (EximCollector, EximParser) {
  let c = EximCollector()
  let p = runExim(lines, sink: c)
  return (c, p)
}

// `utc(...)` (epoch of a UTC civil time) lives in Support.swift.

/// `<repo>/../shared/<path>`, the repository root found from this file.
func sharedPath(_ path: String) -> String {
  URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("shared").appendingPathComponent(path).path
}

final class EximEvalPublicTests: XCTestCase {
  /// The parser plus the counting rules give exactly the figures of truth.json.
  func testEvalPublicExim3000MatchesTruth() throws {
    let dir = sharedPath("eval-public/exim-3000")
    guard FileManager.default.fileExists(atPath: dir + "/truth.json") else {
      throw XCTSkip("eval-public not present at \(dir)")
    }
    let truthData = try Data(contentsOf: URL(fileURLWithPath: dir + "/truth.json"))
    let truth = try XCTUnwrap(JSONSerialization.jsonObject(with: truthData) as? [String: Any])

    let tally = EximTally()
    let collector = EximCollector()
    let context = ParseContext(
      input: 0, name: "input.log.gz", clock: LocalClock(utc: true),
      years: YearTracker(reference: Date()), sink: SinkFanOut([tally, collector]),
      run: RunState())
    let parser = EximParser(context: context)
    let input = try ByteInput(path: dir + "/input.log.gz")
    LineReader(input: input).forEachLine {
      parser.parse($0)
      return true
    }
    parser.finish()
    tally.finish()

    XCTAssertEqual(parser.stats.lines, truth["lines"] as? Int)
    XCTAssertEqual(parser.stats.skipped, 0, "\(parser.stats.skippedByKind) \(parser.stats.samples)")
    for (name, side) in [("outbound", tally.outbound), ("inbound", tally.inbound)] {
      let t = try XCTUnwrap(truth[name] as? [String: Any])
      XCTAssertEqual(side.delivered, t["delivered"] as? Int, name)
      XCTAssertEqual(side.tls, t["tls"] as? Int, name)
      XCTAssertEqual(side.plaintext, t["plaintext"] as? Int, name)
      XCTAssertEqual(side.unknown, t["unknown"] as? Int, name)
      XCTAssertEqual(side.byVersion, t["by_version"] as? [String: Int], name)
      XCTAssertEqual(side.byTrust, t["by_trust"] as? [String: Int], name)
    }
    let domains = try XCTUnwrap(truth["domains"] as? [String: [String: Int]])
    XCTAssertEqual(tally.domains.count, domains.count)
    for (domain, want) in domains {
      let got = tally.domains[domain]
      XCTAssertEqual(got?.delivered, want["delivered"], domain)
      XCTAssertEqual(got?.tls, want["tls"], domain)
      XCTAssertEqual(got?.plaintext, want["plaintext"], domain)
      XCTAssertEqual(got?.unknown, want["unknown"], domain)
    }
    let failures = try XCTUnwrap(truth["failures"] as? [String: Any])
    XCTAssertEqual(tally.failures, failures["total"] as? Int)
    XCTAssertEqual(tally.byStatus, failures["by_status"] as? [String: Int])
    XCTAssertEqual(tally.ndrs, truth["ndrs"] as? Int)

    // Figures counted with grep over the same file: 51 per-host `<id> H=...` lines and
    // 8 `TLS session: ...: delivering unencrypted`; the 57 inbound `TLS error on
    // connection from` lines are recognised but are not our delivery attempts.
    let attempts = collector.attempts
    XCTAssertEqual(attempts.count, 59)
    XCTAssertEqual(attempts.filter { $0.messageID == nil }.count, 0)
    XCTAssertEqual(attempts.filter { $0.reason.contains("delivering unencrypted") }.count, 8)
    // Each of the 44 `certificate verify failed` failures carries its verification
    // line; 3 more (550 after a CV=no session at the same address) carry it too.
    let failed = collector.deliveries.filter { $0.status != .sent }
    let verifyFailed = failed.filter { $0.reason?.contains("certificate verify failed") ?? false }
    XCTAssertEqual(verifyFailed.count, 44)
    XCTAssertEqual(
      verifyFailed.filter { $0.detail?.hasPrefix("SSL verify error: ") ?? false }.count, 44)
    XCTAssertEqual(failed.filter { $0.detail != nil }.count, 47)
  }
}

/// The single element of `items`, failing the test otherwise.
func single<T>(_ items: [T], file: StaticString = #filePath, line: UInt = #line) throws -> T {
  XCTAssertEqual(items.count, 1, "expected exactly one", file: file, line: line)
  return try XCTUnwrap(items.first, file: file, line: line)
}

final class EximArrivalTests: XCTestCase {
  // Exim/exim test/log/1151: millisecond prefix, 23-char id, esmtps with X= and CV=yes.
  func testMillisecondPrefixNewIdEsmtps() throws {
    let (c, p) = eximEvents([
      "2017-07-30 18:51:05.712 10HmaY-000000005vi-0000 <= CALLER@myhost.example.net H=localhost (myhost.example.net) [192.0.2.1] P=esmtps X=TLS1.x:ke-RSA-AES256-SHAnnn:xxx CV=yes S=sss id=E10HmaX-000000005vi-0000@myhost.example.net"
    ])
    XCTAssertEqual(c.evidence, ["exim:0"])
    let info = try single(c.infos)
    XCTAssertEqual(info.messageID, "10HmaY-000000005vi-0000")
    XCTAssertEqual(info.sender, "CALLER@myhost.example.net")
    XCTAssertEqual(info.messageIDHeader, "E10HmaX-000000005vi-0000@myhost.example.net")
    XCTAssertEqual(info.time, utc(2017, 7, 30, 18, 51, 5) + 0.712)
    let a = try single(c.arrivals)
    XCTAssertEqual(a.messageID, "10HmaY-000000005vi-0000")
    XCTAssertEqual(a.client, "localhost (myhost.example.net) [192.0.2.1]")
    XCTAssertEqual(a.clientAddr, "192.0.2.1")
    XCTAssertEqual(a.sender, "CALLER@myhost.example.net")
    // `TLS1.x` is the test suite's normalised version: not a version we can name.
    XCTAssertEqual(a.protection, .tls(.unknown, .verified))
    XCTAssertEqual(a.origin.logHost, "")
    XCTAssertEqual(a.origin.mta, .exim)
    XCTAssertEqual(p.stats.lines, 1)
    XCTAssertEqual(p.stats.parsed, 1)
    XCTAssertEqual(c.times, [utc(2017, 7, 30, 18, 51, 5) + 0.712])
  }

  // logstash-patterns-core exim_spec: `[pid]`, 16-char id, client port, OpenSSL `TLSv1`.
  func testPidPrefixOldIdTLSv1MeansTLS10() throws {
    let (c, _) = eximEvents([
      "2010-09-13 05:00:13 [1487] 1Ov4tU-0000Nz-Rm <= mailling.list@example.com H=mailhost.example.com [198.51.100.2]:51792 I=[203.0.113.175]:25 P=esmtps X=TLSv1:AES256-SHA:256 CV=no S=21778 id=384a86a39e83be0d9b3a94d1feb3119f@example.com T=\"Daily List: Chameleon\" for user@example.com"
    ])
    let a = try single(c.arrivals)
    XCTAssertEqual(a.messageID, "1Ov4tU-0000Nz-Rm")
    XCTAssertEqual(a.time, utc(2010, 9, 13, 5, 0, 13))
    XCTAssertEqual(a.client, "mailhost.example.com [198.51.100.2]:51792")
    XCTAssertEqual(a.clientAddr, "198.51.100.2")
    XCTAssertEqual(a.protection, .tls(.v10, .untrusted))
    let info = try single(c.infos)
    XCTAssertEqual(info.messageIDHeader, "384a86a39e83be0d9b3a94d1feb3119f@example.com")
  }

  // Reference exim-formats.md section 5 (lbausch/filebeat-exim4): `+0100` zone, esmtpsa.
  func testZonePrefixUsesTheLoggedOffset() throws {
    let (c, _) = eximEvents([
      "2021-05-04 13:37:00 +0100 1gon8g-0001rZ-K0 <= mail@senderhost.example.org H=mail.remotehost.example.com [203.0.113.123] P=esmtpsa X=TLSv1.2:ECDHE-RSA-AES256-GCM-SHA384:256 CV=no A=fixed_cram:foo K S=10258521 DKIM=remotehost.example.com id=foobar@mail.remotehost.example.com"
    ])
    let a = try single(c.arrivals)
    XCTAssertEqual(a.time, utc(2021, 5, 4, 12, 37, 0))
    XCTAssertEqual(a.protection, .tls(.v12, .untrusted))
    XCTAssertEqual(a.client, "mail.remotehost.example.com [203.0.113.123]")
  }

  // logstash exim_spec lines: esmtpa is plaintext; esmtps without CV= has unknown trust;
  // P=smtp and P=local are not inbound; `(=` (fakereject) is not an arrival.
  func testProtocolDecidesInbound() throws {
    let (c, p) = eximEvents([
      "2014-08-10 11:18:35 [28107] 1gsu1C-003dCu-Hb <= aaron@example.com H=localhost (192.0.2.204) [192.0.2.1]:39753 I=[192.0.2.1]:25 P=esmtpa A=dovecot_plain:aaron@example.com S=4315 M8S=0 id=d2b648f00f1a1b0813c483d552778dc6@example.com T=\"what's up?!? ;-)\" for aaron+forward@example.com",
      "2013-03-20 12:44:02 1UIIN7-0004t9-8R <= root@example.com H=localhost (hostname.example.com) [192.0.2.1] P=esmtps X=TLSv1:DHE-RSA-AES256-SHA:256 S=811 id=201303201244.r2KCi11V018784@hostname.example.com",
      "2002-10-31 08:57:53 16ZCW1-0005MB-00 <= kryten@dwarf.example.org H=mailer.example.org [192.0.2.123] U=exim P=smtp S=5678 id=<incoming message id>",
      "2020-02-11 17:09:46 1j1Z2g-00Faoy-Uh <= example@strawberry.example.net U=example P=local T=\"[Examples Galore] Please moderate: \\\"Hello world!\\\"\" for admin@example.net",
      "1999-03-02 09:44:33 10HmaX-000000005vi-0000 (= CALLER@myhost.example.net U=CALLER P=local-smtp S=sss",
    ])
    XCTAssertEqual(c.arrivals.count, 2)
    XCTAssertEqual(c.arrivals[0].protection, .plaintext)
    XCTAssertEqual(c.arrivals[0].client, "localhost (192.0.2.204) [192.0.2.1]:39753")
    XCTAssertEqual(c.arrivals[1].protection, .tls(.v10, .unknown))
    XCTAssertEqual(
      c.infos.map(\.sender),
      [
        "aaron@example.com", "root@example.com", "kryten@dwarf.example.org",
        "example@strawberry.example.net",
      ])
    XCTAssertEqual(c.infos[2].messageIDHeader, "<incoming")
    XCTAssertEqual(p.stats.parsed, 5)
  }

  func testProtocolNames() {
    func check(_ proto: String) -> Bool? {
      withBytes(proto) { EximParser.inboundProtocol($0, 0..<$0.count) }
    }
    XCTAssertEqual(check("esmtp"), false)
    XCTAssertEqual(check("esmtpa"), false)
    XCTAssertEqual(check("esmtps"), true)
    XCTAssertEqual(check("esmtpsa"), true)
    XCTAssertEqual(check("utf8esmtps"), true)
    XCTAssertEqual(check("essmtpa"), true)
    XCTAssertNil(check("smtp"))
    XCTAssertNil(check("smtps"))
    XCTAssertNil(check("local-esmtps"))
    XCTAssertNil(check("local"))
  }

  // eval-public exim-3000: a loopback client (monitoring) is not inbound.
  func testLoopbackClientIsNotInbound() {
    let (c, _) = eximEvents([
      "2025-11-01 06:53:56 1vF4Ym-00000000DfZ-0GKK <= nagios@mail.ourmail.example.org H=localhost [127.0.0.1] P=esmtp S=11117 id=6cf5442e11d14ad1@mail.ourmail.example.org"
    ])
    XCTAssertEqual(c.arrivals.count, 0)
    XCTAssertEqual(c.infos.count, 1)
  }
}

final class EximPrefixTests: XCTestCase {
  // drlight17/mta-log-parser issue #22: syslog framing, [n\m] split pieces, 4.97+ ids.
  func testSyslogWrappedLinesTakeTheSyslogHost() throws {
    let failure =
      "Feb 14 18:12:33 192.0.2.51 exim[47012]: 2025-02-14 18:12:33.501 [47012] 1tixMn-00000000C5j-1wRa ** test@ru.example.net F=<root@ru.example.net> P=<root@ru.example.net> R=dovecot_user T=dovecot_delivery: Child process of dovecot_delivery transport returned 127 (could mean unable to exec or command does not exist) from command: /usr/local/libexec/dovecot/deliver DT=0.004s"
    let (c, p) = eximEvents([
      "Feb 14 18:12:33 192.0.2.51 exim[46483]: [1\\2] 2025-02-14 18:12:33 Warning: purging the environment.",
      "Feb 14 18:12:33 192.0.2.51 exim[46483]: [2/2]  Suggested action: use keep_environment.",
      "Feb 14 18:12:33 192.0.2.51 exim[46483]: 2025-02-14 18:12:33.470 [46483] 1tixMn-00000000C5j-1wRa <= root@ru.example.net U=root Ci=46483 P=local S=362 M8S=0 RT=0.004s id*=E1tixMn-00000000C5j-1wRa@mail.ru.example.net T=\"test\" from <root@ru.example.net> for test@ru.example.net",
      failure,
    ])
    XCTAssertEqual(p.stats.lines, 4)
    XCTAssertEqual(p.stats.parsed, 4)
    XCTAssertEqual(p.stats.logHosts, ["192.0.2.51"])
    let info = try single(c.infos)
    XCTAssertEqual(info.origin.logHost, "192.0.2.51")
    XCTAssertEqual(info.time, utc(2025, 2, 14, 18, 12, 33) + 0.470)
    XCTAssertEqual(info.messageIDHeader, "E1tixMn-00000000C5j-1wRa@mail.ru.example.net")
    XCTAssertEqual(c.arrivals.count, 0)
    let d = try single(c.deliveries)
    XCTAssertEqual(d.origin.logHost, "192.0.2.51")
    XCTAssertEqual(d.status, .bounced)
    XCTAssertEqual(d.messageID, "1tixMn-00000000C5j-1wRa")
    XCTAssertEqual(d.recipient, "test@ru.example.net")
    XCTAssertEqual(d.domain, "ru.example.net")
    XCTAssertEqual(d.sender, "root@ru.example.net")
    XCTAssertEqual(d.agent, "dovecot_delivery")
    XCTAssertEqual(d.relay, "none")
    XCTAssertNil(d.remoteHost)
    XCTAssertFalse(d.isOutbound)
    XCTAssertEqual(
      d.reason,
      "Child process of dovecot_delivery transport returned 127 (could mean unable to exec or command does not exist) from command: /usr/local/libexec/dovecot/deliver"
    )
    XCTAssertNil(d.dsn)
    XCTAssertEqual(d.line, failure)
    XCTAssertEqual(d.protection, .unproven(evidenceKey: "exim:0"))
  }

  // RFC 5424-style ISO syslog time (fail2ban/fail2ban issue #3060 shape) in front of
  // the reference's +0100 line: the syslog HOSTNAME is the log host, the Exim time wins.
  func testISOSyslogFraming() throws {
    let line =
      "2021-05-04T13:37:00.123456+01:00 mx1 exim4[2213]: 2021-05-04 13:37:00 +0100 1gon8g-0001rZ-K0 <= mail@senderhost.example.org H=mail.remotehost.example.com [203.0.113.123] P=esmtpsa X=TLSv1.2:ECDHE-RSA-AES256-GCM-SHA384:256 CV=no A=fixed_cram:foo K S=10258521 DKIM=remotehost.example.com id=foobar@mail.remotehost.example.com"
    XCTAssertEqual(EximParser.sniff(line), 3)
    let (c, p) = eximEvents([line])
    let a = try single(c.arrivals)
    XCTAssertEqual(a.origin.logHost, "mx1")
    XCTAssertEqual(a.time, utc(2021, 5, 4, 12, 37, 0))
    XCTAssertEqual(p.stats.logHosts, ["mx1"])
  }

  // A syslog line whose Exim timestamp was dropped (`syslog_timestamp = false`) takes
  // the syslog time; the year comes from the tracker's reference (Feb 2025 here).
  func testSyslogTimeWhenEximTimestampIsDropped() throws {
    let (c, _) = eximEvents([
      "Feb 14 18:12:33 192.0.2.51 exim[46483]: 1tixMn-00000000C5j-1wRa <= root@ru.example.net U=root Ci=46483 P=local S=362"
    ])
    let info = try single(c.infos)
    XCTAssertEqual(info.time, utc(2025, 2, 14, 18, 12, 33))
    XCTAssertEqual(info.origin.logHost, "192.0.2.51")
  }

  // spec.xfpt: a line split by syslog into `[k/m]` pieces is joined before parsing.
  func testSplitPiecesAreJoined() throws {
    let pieces = [
      "[1/5] 2002-09-16 16:09:43 16RdAL-0006pc-00 rejected from",
      "[2/5]  [192.0.2.1] (ph10): syntax error in 'From' header",
      "[3/5]  when scanning for sender: missing or malformed lo",
      "[4/5] cal part in \"<>\" (envelope sender is <ph10@cam.exa",
      "[5/5] mple>)",
    ]
    var split = SplitLine()
    var joined: String?
    for piece in pieces {
      withBytes(piece) { b in
        let m = SplitMarker.parse(b, at: 0)!
        if case .complete(let bytes) = split.add(m, UnsafeBufferPointer(rebasing: b[m.next...])) {
          joined = String(decoding: bytes, as: UTF8.self)
        }
      }
    }
    XCTAssertEqual(
      joined,
      "2002-09-16 16:09:43 16RdAL-0006pc-00 rejected from [192.0.2.1] (ph10): syntax error in 'From' header when scanning for sender: missing or malformed local part in \"<>\" (envelope sender is <ph10@cam.example>)"
    )
    let (c, p) = eximEvents(pieces)
    XCTAssertEqual(p.stats.parsed, 5)
    XCTAssertEqual(c.events.count, 0)
    // One timestamp, for the joined line.
    XCTAssertEqual(c.times, [utc(2002, 9, 16, 16, 9, 43)])
    // A piece out of order is counted, not parsed.
    let (_, broken) = eximEvents([pieces[0], pieces[2]])
    XCTAssertEqual(broken.stats.skippedByKind, ["exim: broken syslog split line": 1])
  }

  func testMessageIdShapes() {
    func id(_ text: String) -> String? {
      withBytes(text) { b in
        EximParser.messageID(b, at: 0).0.map { b.string($0.lowerBound, $0.upperBound) }
      }
    }
    XCTAssertEqual(id("1jmFYj-00039V-QX <= x"), "1jmFYj-00039V-QX")
    XCTAssertEqual(id("1tixMn-00000000C5j-1wRa Completed"), "1tixMn-00000000C5j-1wRa")
    // Ten characters in the middle field is not an id (reference section 3).
    XCTAssertNil(id("1rABCD-000000001X-2abc <= x"))
    XCTAssertNil(id("H=mx.example.net [192.0.2.1]"))
  }
}

final class EximDeliveryTests: XCTestCase {
  // Exim/exim test/log/5892: `[ip]:port`, resumed session `X=...*`, CV=yes, DN=, C=.
  func testRemoteDeliveryWithPortAndResumedTLS() throws {
    let (c, _) = eximEvents([
      "1999-03-02 09:44:33 10HmaZ-000000005vi-0000 => resume@example.org R=client T=send_to_server1 H=192.0.2.1 [192.0.2.1]:PORT_D X=TLS1.x:ke-RSA-AES256-SHAnnn:xxx* CV=yes DN=\"/CN=server1.example.com\" C=\"250 OK id=10HmbA-000000005vi-0000\""
    ])
    let d = try single(c.deliveries)
    XCTAssertEqual(d.time, utc(1999, 3, 2, 9, 44, 33))
    XCTAssertEqual(d.messageID, "10HmaZ-000000005vi-0000")
    XCTAssertEqual(d.recipient, "resume@example.org")
    XCTAssertEqual(d.domain, "example.org")
    XCTAssertNil(d.sender)
    XCTAssertEqual(d.relay, "192.0.2.1 [192.0.2.1]:PORT_D")
    XCTAssertEqual(d.remoteHost, "192.0.2.1")
    XCTAssertEqual(d.remoteAddr, "192.0.2.1")
    XCTAssertEqual(d.agent, "send_to_server1")
    XCTAssertEqual(d.status, .sent)
    XCTAssertTrue(d.isOutbound)
    XCTAssertEqual(d.protection, .tls(.unknown, .verified))
    XCTAssertNil(d.dsn)
    XCTAssertNil(d.reason)
    XCTAssertNil(d.line)
  }

  // Reference section 6 (gvengel/exim_exporter): a `->` line with a GnuTLS cipher name.
  func testAdditionalAddressWithGnuTLSCipher() throws {
    let (c, _) = eximEvents([
      "2020-06-20 00:13:16 1jmXgg-000AIC-89 -> sally@dummy.example.net R=dnslookup T=remote_smtp_smarthost H=smarthost.example.org [203.0.113.5] X=TLS1.2:ECDHE_RSA_AES_128_GCM_SHA256:128 CV=yes DN=\"C=XX,L=Here,O=Text Corp,CN=*.example.org\" C=\"250 6292145-1592637196662@smarthost.example.org Received OK [sHQA_0EGOfCC2A2sh3iD5g]\""
    ])
    let d = try single(c.deliveries)
    XCTAssertEqual(d.recipient, "sally@dummy.example.net")
    XCTAssertEqual(d.remoteHost, "smarthost.example.org")
    XCTAssertEqual(d.relay, "smarthost.example.org [203.0.113.5]")
    XCTAssertEqual(d.agent, "remote_smtp_smarthost")
    XCTAssertEqual(d.protection, .tls(.v12, .verified))
    XCTAssertTrue(d.isOutbound)
    XCTAssertNil(d.dsn)
  }

  // eval-public exim-3000: the enhanced status code of the confirmation becomes dsn.
  func testConfirmationGivesDSN() throws {
    let (c, _) = eximEvents([
      "2025-11-01 06:53:53 1vF4Yi-00000000DYQ-2Jf1 => elena.varga@silver.coral.example.net R=dnslookup T=remote_smtp H=mx1.hoster2.example.net [203.0.113.205] X=TLS1.2:ECDHE-RSA-AES256-GCM-SHA384:256 CV=yes C=\"250 2.0.0 Ok: queued as ED85BCAAAA\""
    ])
    let d = try single(c.deliveries)
    XCTAssertEqual(d.dsn, "2.0.0")
    XCTAssertEqual(d.domain, "silver.coral.example.net")
    XCTAssertEqual(d.protection, .tls(.v12, .verified))
  }

  // Exim/exim test/log 4053 (L* K, escaped multi-line C=), 1160 (PS=), 1091 (TFO*),
  // 4804 (DS), 4020 (:25 PRX=), reference 5801 (CV=dane) and 1157 (continued `]*`).
  func testDeliveryFieldVariants() throws {
    let (c, _) = eximEvents([
      "1999-03-02 09:44:33 10HmaZ-000000005vi-0000 => b@example.org R=client T=smtp H=192.0.2.1 [192.0.2.1] L* K C=\"250- 3nn byte chunk, total 3nn\\\\n250 OK id=10HmbA-000000005vi-0000\"",
      "2017-07-30 18:51:05.712 10HmaX-000000005vi-0000 => CALLER@example.org R=client T=send_to_server1 H=192.0.2.1 [192.0.2.1] PS=se X=TLS1.x:ke-RSA-AES256-SHAnnn:xxx CV=yes C=\"250 OK id=10HmaZ-000000005vi-0000\"",
      "2017-07-30 18:51:05.712 10HmaZ-000000005vi-0000 => hazcookie@example.org R=r T=t H=192.0.2.1 [192.0.2.1] TFO* X=TLS1.x:ke-RSA-AES256-SHAnnn:xxx CV=yes C=\"250 OK id=10HmbA-000000005vi-0000\"",
      "1999-03-02 09:44:33 10HmaZ-000000005vi-0000 => withlogging@l-sec.example.org R=client T=send_to_server H=l-sec.example.org DS [192.0.2.1] C=\"250 OK id=10HmbA-000000005vi-0000\"",
      "1999-03-02 09:44:33 10HmaX-000000005vi-0000 => userx@example.org R=my_main_router T=my_smtp H=192.0.2.1 [192.0.2.1]:25 PRX=[192.0.2.4]:PORT_D C=\"250 accepted OK\"",
      "1999-03-02 09:44:33 10HmaX-000000005vi-0000 => t@mxdane512ee.example.org R=client T=send_to_server H=dane512ee.example.org [192.0.2.4] X=TLS1.x:ke-RSA-AES256-SHAnnn:xxx CV=dane C=\"250 OK id=10HmaY-000000005vi-0000\"",
      "1999-03-02 09:44:33 10HmaY-000000005vi-0000 => usery@example.org R=client T=send_to_server H=192.0.2.1 [192.0.2.1]* X=TLS1.x:ke-RSA-AES256-SHAnnn:xxx CV=yes C=\"250 OK id=10HmbB-000000005vi-0000\"",
    ])
    let d = c.deliveries
    XCTAssertEqual(d.count, 7)
    XCTAssertEqual(d.map(\.isOutbound), [true, true, true, true, true, true, true])
    XCTAssertEqual(d[0].protection, .unproven(evidenceKey: "exim:0"))
    XCTAssertEqual(d[1].protection, .tls(.unknown, .verified))
    XCTAssertEqual(d[2].protection, .tls(.unknown, .verified))
    XCTAssertEqual(d[3].relay, "l-sec.example.org DS [192.0.2.1]")
    XCTAssertEqual(d[3].remoteHost, "l-sec.example.org")
    XCTAssertEqual(d[3].remoteAddr, "192.0.2.1")
    XCTAssertEqual(d[4].relay, "192.0.2.1 [192.0.2.1]:25")
    XCTAssertEqual(d[4].agent, "my_smtp")
    XCTAssertEqual(d[5].protection, .tls(.unknown, .verified))
    XCTAssertEqual(d[6].relay, "192.0.2.1 [192.0.2.1]")
    XCTAssertEqual(
      d.map(\.time),
      [
        utc(1999, 3, 2, 9, 44, 33), utc(2017, 7, 30, 18, 51, 5) + 0.712,
        utc(2017, 7, 30, 18, 51, 5) + 0.712, utc(1999, 3, 2, 9, 44, 33),
        utc(1999, 3, 2, 9, 44, 33), utc(1999, 3, 2, 9, 44, 33), utc(1999, 3, 2, 9, 44, 33),
      ])
  }

  // spec.xfpt and test/log 0551, 0006, 0022: local deliveries are not outbound; the
  // original address stands in for a local part, a blackhole or a `discarded` target;
  // `*>` (suppressed by -N) is no delivery.
  func testLocalDeliveries() throws {
    let (c, p) = eximEvents([
      "2002-10-31 08:59:13 16ZCW1-0005MB-00 => marv <marv@hitch.example.org> R=localuser T=local_delivery",
      "1999-03-02 09:44:33 [1237] 10HmaY-000000005vi-0000 => userx <userx@example.org> R=r1 T=t1 QT=qqs",
      "1999-03-02 09:44:33 10HmaX-0005vi-00 => :blackhole: <hole@nowhere.example.org> R=blackhole_router",
      "2002-12-10 00:50:49 16auJc-0001UB-00 => discarded <low.club@bridge.example.org> R=userforward",
      "1999-03-02 09:44:33 10HmaY-000000005vi-0000 *> accept <accept@example.com> R=accept T=appendfile",
    ])
    let d = c.deliveries
    XCTAssertEqual(
      d.map(\.recipient),
      [
        "marv@hitch.example.org", "userx@example.org", "hole@nowhere.example.org",
        "low.club@bridge.example.org",
      ])
    XCTAssertEqual(
      d.map(\.domain),
      [
        "hitch.example.org", "example.org", "nowhere.example.org", "bridge.example.org",
      ])
    XCTAssertEqual(d.map(\.isOutbound), [false, false, false, false])
    XCTAssertEqual(d.map(\.relay), ["local", "local", "none", "none"])
    XCTAssertEqual(d.map(\.agent), ["local_delivery", "t1", "", ""])
    XCTAssertEqual(d[2].messageID, "10HmaX-0005vi-00")
    XCTAssertEqual(p.stats.parsed, 5)
  }

  // spec.xfpt "Log line flags": a cutthrough delivery (`>>`) precedes its `<=` line and
  // is the only delivery line of that recipient, so it counts as sent. Built on the
  // 16ZCW1 spec lines.
  func testCutthroughDeliveryIsADelivery() throws {
    let (c, _) = eximEvents([
      "2002-10-31 08:57:53 16ZCW1-0005MB-00 >> monk@holistic.example.com R=dnslookup T=remote_smtp H=holistic.example.com [198.51.100.234] X=TLSv1.2:ECDHE-RSA-AES256-GCM-SHA384:256 CV=yes C=\"250 OK\"",
      "2002-10-31 08:57:53 16ZCW1-0005MB-00 <= kryten@dwarf.example.org H=mailer.example.org [192.0.2.123] U=exim P=esmtp S=5678",
    ])
    let d = try single(c.deliveries)
    XCTAssertEqual(d.status, .sent)
    XCTAssertTrue(d.isOutbound)
    XCTAssertEqual(d.protection, .tls(.v12, .verified))
    XCTAssertNil(d.sender)
    XCTAssertEqual(try single(c.arrivals).protection, .plaintext)
  }

  // The sender of the `<=` line is carried to the deliveries until `Completed`.
  func testSenderComesFromTheArrival() throws {
    let (c, _) = eximEvents([
      "2002-10-31 08:57:53 16ZCW1-0005MB-00 <= kryten@dwarf.example.org H=mailer.example.org [192.0.2.123] U=exim P=smtp S=5678 id=<incoming message id>",
      "2002-10-31 09:00:10 16ZCW1-0005MB-00 => monk@holistic.example.com R=dnslookup T=remote_smtp H=holistic.example.com [198.51.100.234]",
      "2002-10-31 09:00:11 16ZCW1-0005MB-00 Completed",
      "2002-10-31 09:00:12 16ZCW1-0005MB-00 => monk@holistic.example.com R=dnslookup T=remote_smtp H=holistic.example.com [198.51.100.234]",
    ])
    XCTAssertEqual(c.deliveries.map(\.sender), ["kryten@dwarf.example.org", nil])
  }

  func testTransportsThatStayLocal() {
    func local(_ name: String) -> Bool {
      withBytes(name) { EximParser.isLocalTransport($0, 0..<$0.count) }
    }
    XCTAssertTrue(local("lmtp"))
    XCTAssertTrue(local("dovecot_lmtp"))
    XCTAssertTrue(local("local_delivery"))
    XCTAssertTrue(local("address_pipe"))
    XCTAssertFalse(local("remote_smtp"))
    XCTAssertFalse(local("send_to_server"))
    XCTAssertTrue(local("Dovecot_LMTP"))
  }

  func testLoopbackAndDomainOnBytes() {
    func loop(_ ip: String) -> Bool { withBytes(ip) { EximParser.isLoopback($0, 0..<$0.count) } }
    XCTAssertTrue(loop("127.0.0.1"))
    XCTAssertTrue(loop("127.1.2.3"))
    XCTAssertTrue(loop("::1"))
    XCTAssertTrue(loop("::FFFF:127.0.0.1"))
    XCTAssertFalse(loop("::10"))
    XCTAssertFalse(loop("2001:db8::1"))
    XCTAssertFalse(loop("192.0.2.127"))
    func split(_ text: String) -> [String] {
      withBytes(text) { b in
        let (a, d) = Recipient.parse(b, at: 0, failure: false).addressAndDomain(b)
        return [a, d]
      }
    }
    XCTAssertEqual(
      split("User@Mail.Example.ORG. R=x"), ["User@Mail.Example.ORG.", "mail.example.org"])
    XCTAssertEqual(split("<a@example.net> R=x"), ["a@example.net", "example.net"])
    XCTAssertEqual(
      split("marv <marv@Hitch.example.org> R=x"), ["marv@Hitch.example.org", "hitch.example.org"])
    XCTAssertEqual(split("|/usr/bin/procmail R=x"), ["|/usr/bin/procmail", ""])
  }

  func testVersionSpellings() {
    func v(_ text: String) -> TLSVersion { withBytes(text) { Fields.version($0, 0, $0.count) } }
    XCTAssertEqual(v("TLSv1"), .v10)
    XCTAssertEqual(v("TLS1.0"), .v10)
    XCTAssertEqual(v("TLSv1.1"), .v11)
    XCTAssertEqual(v("TLS1.1"), .v11)
    XCTAssertEqual(v("TLSv1.2"), .v12)
    XCTAssertEqual(v("TLS1.2-PKIX"), .v12)
    XCTAssertEqual(v("TLS1.3"), .v13)
    XCTAssertEqual(v("SSLv3"), .ssl3)
    XCTAssertEqual(v("TLS1.x"), .unknown)
    XCTAssertEqual(v("RSA"), .unknown)
  }
}

final class EximFailureTests: XCTestCase {
  // Exim/exim test/log/1166: 4.99 ` : ` separator after X= and CV=.
  func testBounce499SeparatorWithTLS() throws {
    let line =
      "2017-07-30 18:51:05.712 10HmaX-000000005vi-0000 ** f1@example.org R=to_server T=remote_smtp H=192.0.2.1 [192.0.2.1] X=TLS1.x:ke-RSA-AES256-SHAnnn:xxx CV=yes : SMTP error from remote mail server after RCPT TO:<f1@example.org>: 550 we really do not like you"
    let d = try single(eximEvents([line]).0.deliveries)
    XCTAssertEqual(d.status, .bounced)
    XCTAssertEqual(d.recipient, "f1@example.org")
    XCTAssertEqual(
      d.reason,
      "SMTP error from remote mail server after RCPT TO:<f1@example.org>: 550 we really do not like you"
    )
    XCTAssertEqual(d.remoteHost, "192.0.2.1")
    XCTAssertEqual(d.remoteAddr, "192.0.2.1")
    XCTAssertEqual(d.relay, "192.0.2.1 [192.0.2.1]")
    XCTAssertEqual(d.agent, "remote_smtp")
    XCTAssertTrue(d.isOutbound)
    XCTAssertEqual(d.protection, .tls(.unknown, .verified))
    XCTAssertNil(d.dsn)
    XCTAssertNil(d.detail)
    XCTAssertEqual(d.line, line)
  }

  // Exim/exim test/log/0905 and 4550: 4.99 separator right after the address.
  func testBounce499SeparatorWithoutTLS() throws {
    let (c, _) = eximEvents([
      "2017-07-30 18:51:05.712 10HmaZ-000000005vi-0000 ** d@example.org R=to_server T=remote_smtp H=192.0.2.1 [192.0.2.1] : SMTP error from remote mail server after pipelined end of data: 550 unacceptable mail-from",
      "1999-03-02 09:44:33 10HmaX-000000005vi-0000 ** baduser@example.org R=client T=send_to_server H=192.0.2.4 [192.0.2.4] : PRDR error after DATA: 550 PRDR R=<baduser@example.org> refusal",
    ])
    XCTAssertEqual(
      c.deliveries.map(\.reason),
      [
        "SMTP error from remote mail server after pipelined end of data: 550 unacceptable mail-from",
        "PRDR error after DATA: 550 PRDR R=<baduser@example.org> refusal",
      ])
    XCTAssertEqual(c.deliveries.map(\.remoteAddr), ["192.0.2.1", "192.0.2.4"])
    XCTAssertEqual(c.deliveries[0].protection, .unproven(evidenceKey: "exim:0"))
  }

  // Reference section 8.2 (gvengel/exim_exporter): pre-4.99 `": "` glued to DN="...".
  func testBounceBefore499WithQuotedDN() throws {
    let d = try single(
      eximEvents([
        "2020-06-19 10:32:57 [789] 1jmKso-0009d4-Uf ** molly@zee.example.com R=dnslookup T=remote_smtp H=mail.zee.example.com [198.51.100.3] X=TLS1.2:ECDHE_RSA_AES_256_GCM_SHA384:256 CV=yes DN=\"C=US,ST=Fake,L=Lost,O=Zee Corp,CN=mail.zee.example.com\": SMTP error from remote mail server after end of data: 554 5.2.0 mKr3jsd25ZIfXmKr4jFD2w Recipient Mailbox Full [504]"
      ]).0.deliveries)
    XCTAssertEqual(
      d.reason,
      "SMTP error from remote mail server after end of data: 554 5.2.0 mKr3jsd25ZIfXmKr4jFD2w Recipient Mailbox Full [504]"
    )
    XCTAssertEqual(d.dsn, "5.2.0")
    XCTAssertEqual(d.protection, .tls(.v12, .verified))
    XCTAssertEqual(d.remoteHost, "mail.zee.example.com")
    XCTAssertEqual(d.time, utc(2020, 6, 19, 10, 32, 57))
  }

  // spec.xfpt and logstash exim_spec: routing failures, the old embedded `host X [ip]`,
  // retry timeouts, an original address before the separator.
  func testBouncesWithoutHost() throws {
    let (c, _) = eximEvents([
      "2002-07-11 07:14:17 17SXDU-000189-00 ** ace400@pb.example.com R=dnslookup T=remote_smtp: SMTP error from remote mailer after pipelined RCPT TO:<ace400@pb.example.com>: host pbmail3.py.example.com [198.51.100.111]: 553 5.3.0 <ace400@pb.example.com>...Addressee unknown",
      "2020-02-11 17:09:47 1j1Z2g-00Faoy-Uh ** admin@example.net R=virtual_aliases: No such person at this address.",
      "1999-03-02 09:44:33 10HmaX-000000005vi-0000 ** b@known.example.com: retry timeout exceeded",
      "1995-12-19 16:20:23 0tRiQz-0002Q5-00 ** jim@trek99.example.net <jim@trek99.example.net>: unknown mail domain",
    ])
    let d = c.deliveries
    XCTAssertEqual(
      d.map(\.reason),
      [
        "SMTP error from remote mailer after pipelined RCPT TO:<ace400@pb.example.com>: host pbmail3.py.example.com [198.51.100.111]: 553 5.3.0 <ace400@pb.example.com>...Addressee unknown",
        "No such person at this address.", "retry timeout exceeded", "unknown mail domain",
      ])
    XCTAssertEqual(
      d.map(\.recipient),
      [
        "ace400@pb.example.com", "admin@example.net", "b@known.example.com",
        "jim@trek99.example.net",
      ])
    XCTAssertEqual(d.map(\.remoteHost), ["pbmail3.py.example.com", nil, nil, nil])
    XCTAssertEqual(d.map(\.remoteAddr), ["198.51.100.111", nil, nil, nil])
    XCTAssertEqual(d.map(\.dsn), ["5.3.0", nil, nil, nil])
    XCTAssertEqual(d.map(\.agent), ["remote_smtp", "", "", ""])
    XCTAssertEqual(d.map(\.relay), ["none", "none", "none", "none"])
    XCTAssertEqual(d.map(\.status), [.bounced, .bounced, .bounced, .bounced])
  }

  // `==` lines: strerror, H= after it, negative errnos without strerror, LMTP, retries.
  func testDeferrals() throws {
    let (c, _) = eximEvents([
      // spec.xfpt
      "2002-12-19 16:20:23 16aiQz-0002Q5-00 == marvin@endrest.example.net R=dnslookup T=smtp defer (146): Connection refused",
      // test/log/1161, 2090, 2031
      "1999-03-02 09:44:33 10HmaY-000000005vi-0000 == x@example.com R=client T=send_to_server defer (-38) H=192.0.2.1 [192.0.2.1]: a TLS session is required, but an attempt to start TLS failed",
      "1999-03-02 09:44:33 10HmaZ-000000005vi-0000 == client_require_fail@example.org R=client T=send_to_server defer (-37) H=192.0.2.4 [192.0.2.4]: TLS session: (handshake): ALPN required but not negotiated",
      "1999-03-02 09:44:33 10HmbB-000000005vi-0000 == badkey@example.org R=client T=send_to_server defer (-37) H=192.0.2.4 [192.0.2.4]: TLS session: (gnutls_handshake): rxd alert: Internal error",
      // hestiacp/hestiacp issue #3381
      "2023-03-24 10:02:24 1pfdJV-004eVE-9X == zeus@example.org R=dnslookup T=remote_smtp defer (113): No route to host H=mail.example.org [203.0.113.93]: mail.example.org [203.0.113.93]",
      // test/log/0217 (errno normalised to dd by the test suite)
      "1999-03-02 09:44:33 10HmaZ-000000005vi-0000 == e@example.org R=client T=send_to_server defer (dd): Connection timed out H=192.0.2.1 [192.0.2.1]: SMTP timeout after RCPT TO:<f@example.org>",
      // test/log/0215, 0099, 0135
      "1999-03-02 09:44:33 10HmaY-000000005vi-0000 == userxx@myhost.example.net R=smartuser T=lmtp defer (0) H=192.0.2.1 [192.0.2.1]: LMTP error after DATA: 440 Temporary error",
      "1999-03-02 09:44:33 10HmaX-000000005vi-0000 == userx@simple.example.org R=all T=smtp defer (-54): retry time not reached for any host for 'simple.example.org'",
      "1999-03-02 09:44:33 10HmaX-000000005vi-0000 == d@example.org R=smart T=local_delivery defer (-53): Retry time not yet reached",
      // eval-public exim-3000
      "2025-11-01 06:54:56 1vF4Zk-00000000Fv9-0bV5 == omar.jensen@saffronquartz.example.org R=dnslookup T=remote_smtp defer (-44) H=mail.saffronquartz.example.org [198.51.100.187]: SMTP error from remote mail server after RCPT TO:<omar.jensen@saffronquartz.example.org>: 451 4.7.1 Greylisting in action, please come back later",
    ])
    let d = c.deliveries
    XCTAssertEqual(d.count, 10)
    XCTAssertEqual(Set(d.map(\.status)), [.deferred])
    XCTAssertEqual(
      d.map(\.reason),
      [
        "Connection refused",
        "a TLS session is required, but an attempt to start TLS failed",
        "TLS session: (handshake): ALPN required but not negotiated",
        "TLS session: (gnutls_handshake): rxd alert: Internal error",
        "No route to host: mail.example.org [203.0.113.93]",
        "Connection timed out: SMTP timeout after RCPT TO:<f@example.org>",
        "LMTP error after DATA: 440 Temporary error",
        "retry time not reached for any host for 'simple.example.org'",
        "Retry time not yet reached",
        "SMTP error from remote mail server after RCPT TO:<omar.jensen@saffronquartz.example.org>: 451 4.7.1 Greylisting in action, please come back later",
      ])
    XCTAssertEqual(
      d.map(\.remoteHost),
      [
        nil, "192.0.2.1", "192.0.2.4", "192.0.2.4", "mail.example.org", "192.0.2.1", "192.0.2.1",
        nil, nil, "mail.saffronquartz.example.org",
      ])
    XCTAssertEqual(
      d.map(\.isOutbound), [false, true, true, true, true, true, false, false, false, true])
    XCTAssertEqual(d.map(\.dsn), [nil, nil, nil, nil, nil, nil, nil, nil, nil, "4.7.1"])
    XCTAssertEqual(d[0].agent, "smtp")
    XCTAssertEqual(d[6].agent, "lmtp")
    XCTAssertEqual(d[9].domain, "saffronquartz.example.org")
  }

  // eval-public exim-3000: the `SSL verify error` line of a message goes into the detail
  // of that message's failures at the same address, and only there.
  func testVerifyDetailGoesToTheFailureAtTheSamePeer() throws {
    let (c, p) = eximEvents([
      "2025-11-01 06:54:01 1vF4Yr-00000000Dtx-2grP <= timo.rossi@ourmail.example.org H=(DESKTOP-4F2K9) [203.0.113.42] P=esmtpsa X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no A=dovecot_plain:timo.rossi@ourmail.example.org S=2635 id=4e45a53a3f41e029@ourmail.example.org",
      "2025-11-01 06:54:02 1vF4Yr-00000000Dtx-2grP [203.0.113.159] SSL verify error: depth=0 error=self-signed certificate cert=/CN=mx.jaspertopaz.example.net",
      "2025-11-01 06:54:02 1vF4Yr-00000000Dtx-2grP == vera.olsen@jaspertopaz.example.net R=dnslookup T=remote_smtp defer (-37) H=mx.jaspertopaz.example.net [203.0.113.159]: TLS session: (SSL_connect): error:0A000086:SSL routines::certificate verify failed",
      "2025-11-01 06:54:02 1vF4Yr-00000000Dtx-2grP == dana.fischer@jaspertopaz.example.net R=dnslookup T=remote_smtp defer (-37) H=mx.jaspertopaz.example.net [203.0.113.159]: TLS session: (SSL_connect): error:0A000086:SSL routines::certificate verify failed",
      "2025-11-01 06:54:56 1vF4Yr-00000000Dtx-2grP == omar.jensen@saffronquartz.example.org R=dnslookup T=remote_smtp defer (-44) H=mail.saffronquartz.example.org [198.51.100.187]: SMTP error from remote mail server after RCPT TO:<omar.jensen@saffronquartz.example.org>: 451 4.7.1 Greylisting in action, please come back later",
      "2025-11-01 06:57:18 1vF4Yr-00000000Dtx-2grP == yara47@amber-forest.example.org R=dnslookup T=remote_smtp defer (-36): DANE error: tlsa lookup FAIL",
    ])
    let verify =
      "SSL verify error: depth=0 error=self-signed certificate cert=/CN=mx.jaspertopaz.example.net"
    XCTAssertEqual(c.deliveries.map(\.detail), [verify, verify, nil, nil])
    XCTAssertEqual(
      c.deliveries.map(\.sender), Array(repeating: "timo.rossi@ourmail.example.org", count: 4))
    XCTAssertEqual(c.attempts.count, 0)
    XCTAssertEqual(p.stats.parsed, 6)
  }
}

final class EximAttemptTests: XCTestCase {
  // Per-host lines of outbound attempts (test/log 1161, 0099, 1008, 2000; spec.xfpt;
  // PHPMailer/PHPMailer issue #787).
  func testPerHostLines() throws {
    let (c, p) = eximEvents([
      "1999-03-02 09:44:33 10HmaY-000000005vi-0000 H=192.0.2.1 [192.0.2.1]: a TLS session is required, but an attempt to start TLS failed",
      "1999-03-02 09:44:33 10HmaX-000000005vi-0000 H=192.0.2.1 [192.0.2.1]: SMTP error from remote mail server after STARTTLS: 450 temp problem",
      "1999-03-02 09:44:33 10HmaX-000000005vi-0000 H=thishost.example.org [192.0.2.1] Connection refused",
      "1999-03-02 09:44:33 10HmaX-000000005vi-0000 H=2001:db8::1 [2001:db8::1]: SMTP error from remote mail server after MAIL FROM:<CALLER@mx.example.net>: 450 Temporary error",
      "1999-03-02 09:44:33 10HmaX-000000005vi-0000 TLS session: (certificate verification failed): certificate invalid: delivering unencrypted to H=192.0.2.1 [192.0.2.1] (not in hosts_require_tls)",
      "2002-12-19 16:20:23 16aiQz-0002Q5-00 Failed to connect to mail1.endrest.example.net [198.51.100.239]: Connection refused",
      "2016-07-20 14:18:21 1bPxwi-0001xA-Te SMTP error from remote mail server after MAIL FROM:<test@example.com> SIZE=15763: 421 4.7.0 [TS01] Messages from 198.51.100.50 temporarily deferred due to user complaints - 4.16.55.1; see https://help.example.com/kb/postmaster/SLN3434.html",
    ])
    let a = c.attempts
    XCTAssertEqual(a.count, 7)
    XCTAssertEqual(p.stats.parsed, 7)
    XCTAssertEqual(
      a.map(\.messageID),
      [
        "10HmaY-000000005vi-0000", "10HmaX-000000005vi-0000", "10HmaX-000000005vi-0000",
        "10HmaX-000000005vi-0000", "10HmaX-000000005vi-0000", "16aiQz-0002Q5-00",
        "1bPxwi-0001xA-Te",
      ])
    XCTAssertEqual(
      a.map(\.remoteHost),
      [
        "192.0.2.1", "192.0.2.1", "thishost.example.org", "2001:db8::1", "192.0.2.1",
        "mail1.endrest.example.net", nil,
      ])
    XCTAssertEqual(
      a.map(\.reason),
      [
        "a TLS session is required, but an attempt to start TLS failed",
        "SMTP error from remote mail server after STARTTLS: 450 temp problem",
        "Connection refused",
        "SMTP error from remote mail server after MAIL FROM:<CALLER@mx.example.net>: 450 Temporary error",
        "TLS session: (certificate verification failed): certificate invalid: delivering unencrypted to H=192.0.2.1 [192.0.2.1] (not in hosts_require_tls)",
        "Failed to connect to mail1.endrest.example.net [198.51.100.239]: Connection refused",
        "SMTP error from remote mail server after MAIL FROM:<test@example.com> SIZE=15763: 421 4.7.0 [TS01] Messages from 198.51.100.50 temporarily deferred due to user complaints - 4.16.55.1; see https://help.example.com/kb/postmaster/SLN3434.html",
      ])
    XCTAssertEqual(a[0].time, utc(1999, 3, 2, 9, 44, 33))
    XCTAssertEqual(a.map(\.detail), [nil, nil, nil, nil, nil, nil, nil])
  }

  // A downgrade after a verification failure carries that failure as its detail
  // (test/log/2110 verification line, test/log/2000 downgrade line, same message id).
  func testDowngradeCarriesTheVerificationDetail() throws {
    let (c, _) = eximEvents([
      "1999-03-02 09:44:33 10HmaX-000000005vi-0000 [192.0.2.1] SSL verify error: certificate name mismatch: DN=\"/C=UK/O=Example Org/OU=Test Suite/CN=Test Person\" H=\"192.0.2.1\"",
      "1999-03-02 09:44:33 10HmaX-000000005vi-0000 TLS session: (certificate verification failed): certificate invalid: delivering unencrypted to H=192.0.2.1 [192.0.2.1] (not in hosts_require_tls)",
      "1999-03-02 09:44:33 10HmaX-000000005vi-0000 ** f1@example.org R=to_server T=remote_smtp H=192.0.2.1 [192.0.2.1] : SMTP error from remote mail server after RCPT TO:<f1@example.org>: 550 we really do not like you",
    ])
    let verify =
      "SSL verify error: certificate name mismatch: DN=\"/C=UK/O=Example Org/OU=Test Suite/CN=Test Person\" H=\"192.0.2.1\""
    XCTAssertEqual(try single(c.attempts).detail, verify)
    // The verification line stays the detail: the later TLS line does not replace it.
    XCTAssertEqual(try single(c.deliveries).detail, verify)
  }

  // Inbound handshake failures have no message id (test/log 2000, 2002, 2025, 1107;
  // eclipse-ee4j/angus-mail #109; jetmore/swaks #30 without timestamp).
  func testInboundTLSErrors() throws {
    let (c, p) = eximEvents([
      "1999-03-02 09:44:33 TLS error on connection from localhost [192.0.2.1] (recv): A TLS fatal alert has been received: Certificate is bad",
      "1999-03-02 09:44:33 TLS error on connection from (rhu.example.com) [192.0.2.4] (gnutls_handshake): The peer did not send any certificate.",
      "1999-03-02 09:44:33 TLS error on connection from mx.example.net (myhost.example.net) [192.0.2.4] (gnutls_handshake): Could not negotiate a supported cipher suite.",
      "1999-03-02 09:44:33 TLS error on connection from (timeout.rhu.example.com) [192.0.2.1] (tls lib accept fn): timed out",
      "2023-09-06 18:13:04 TLS error on connection from localhost [192.0.2.1] (SSL_accept): timed out",
      "TLS error on connection from (server.example.com) [192.0.2.9] (gnutls_handshake): A TLS packet with unexpected length was received.",
    ])
    // Recognised (used), but inbound handshakes are not our delivery attempts.
    XCTAssertEqual(p.stats.parsed, 6)
    XCTAssertEqual(c.attempts.count, 0)
    XCTAssertEqual(c.deliveries.count, 0)
  }

  // Pre-4.85 outbound wording (maildev/maildev #153, as quoted in the reference).
  func testOldOutboundTLSWording() throws {
    let (c, _) = eximEvents([
      "TLS error on connection to 192.0.2.6 [192.0.2.6] (SSL_connect): error:00000000:lib(0):func(0):reason(0)",
      "TLS session failure: delivering unencrypted to 192.0.2.6 [192.0.2.6] (not in hosts_require_tls)",
    ])
    XCTAssertEqual(c.attempts.map(\.remoteHost), ["192.0.2.6", "192.0.2.6"])
    XCTAssertEqual(
      c.attempts.map(\.reason),
      [
        "TLS error on connection to 192.0.2.6 [192.0.2.6] (SSL_connect): error:00000000:lib(0):func(0):reason(0)",
        "TLS session failure: delivering unencrypted to 192.0.2.6 [192.0.2.6] (not in hosts_require_tls)",
      ])
  }

  // Reject lines with a message id and H= are not delivery attempts (fail2ban exim-spam).
  func testRejectWithHostIsNotAnAttempt() {
    let (c, p) = eximEvents([
      "2013-06-15 11:20:36 [2516] 1Unmew-0000ea-SE H=egeftech.static.example.net [198.51.100.148]:32706 I=[192.0.2.4]:25 F=auguriesvbd40@example.com rejected after DATA: This message contains a virus (Sanesecurity.Junk.39934.UNOFFICIAL).",
      "1999-03-02 09:44:33 H=(test) [192.0.2.4] X=TLS1.x:ke-RSA-AES256-SHAnnn:xxx F=<userx@example.org> rejected RCPT <userx@example.org>: unacceptable cipher TLS1.x:ke-RSA-AES256-SHAnnn:xxx",
    ])
    XCTAssertEqual(c.attempts.count, 0)
    XCTAssertEqual(c.evidence, ["exim:0"])
    XCTAssertEqual(p.stats.parsed, 2)
  }
}

final class EximCountingTests: XCTestCase {
  private func tally(_ inputs: [[String]]) -> EximTally {
    let t = EximTally()
    for (i, lines) in inputs.enumerated() { runExim(lines, sink: t, input: i) }
    t.finish()
    return t
  }

  // spec.xfpt message 16ZCW1: P=smtp arrival (not inbound), one local and one remote
  // delivery. Without any X= in the input the remote one is unknown; one X= anywhere in
  // the same input (a reject line, crowdsecurity/hub) makes it plaintext; an X= in
  // another input does not.
  func testEvidenceRuleForDeliveriesWithoutX() {
    let spec = [
      "2002-10-31 08:57:53 16ZCW1-0005MB-00 <= kryten@dwarf.example.org H=mailer.example.org [192.0.2.123] U=exim P=smtp S=5678 id=<incoming message id>",
      "2002-10-31 08:59:13 16ZCW1-0005MB-00 => marv <marv@hitch.example.org> R=localuser T=local_delivery",
      "2002-10-31 09:00:10 16ZCW1-0005MB-00 => monk@holistic.example.com R=dnslookup T=remote_smtp H=holistic.example.com [198.51.100.234]",
      "2002-10-31 09:00:11 16ZCW1-0005MB-00 Completed",
    ]
    let reject =
      "2022-06-29 14:34:58 H=imfo.example.net [198.51.100.4]:35328 X=TLS1.2:ECDHE-RSA-AES256-GCM-SHA384:256 CV=no F=<jack@example.net> rejected RCPT <sales@example.net>: No Such User Here"

    let alone = tally([spec])
    XCTAssertEqual(alone.outbound, EximTally.Side(delivered: 1, unknown: 1))
    XCTAssertEqual(alone.inbound, EximTally.Side())
    XCTAssertEqual(alone.domains, ["holistic.example.com": .init(delivered: 1, unknown: 1)])

    let withEvidence = tally([spec + [reject, reject]])
    XCTAssertEqual(withEvidence.outbound, EximTally.Side(delivered: 1, plaintext: 1))
    XCTAssertEqual(
      withEvidence.domains, ["holistic.example.com": .init(delivered: 1, plaintext: 1)])

    let otherInput = tally([spec, [reject]])
    XCTAssertEqual(otherInput.outbound, EximTally.Side(delivered: 1, unknown: 1))

    // Evidence is sent once per input, keyed by the input index.
    let c = EximCollector()
    runExim(spec + [reject, reject], sink: c, input: 3)
    XCTAssertEqual(c.evidence, ["exim:3"])
    XCTAssertEqual(c.deliveries[1].protection, .unproven(evidenceKey: "exim:3"))
  }

  // eval-public exim-3000 messages 1vF4l0 (`=>` + five `->` over TLS 1.3), 1vF4ZO
  // (local, `=>` + two `->` in clear, one TLS) and 1vF4Ym-...DfE (esmtp arrival, four
  // local deliveries).
  func testAdditionalRecipientsAndLocalDeliveries() {
    let lines = [
      "2025-11-01 06:53:56 1vF4Ym-00000000DfE-00NP <= paul@cascade.ridge.example.net H=mail9.cascade.ridge.example.net [2001:db8:f00::75] P=esmtp S=4128 id=8a65ba3492bcc0c6@cascade.ridge.example.net",
      "2025-11-01 06:53:56 1vF4Ym-00000000DfE-00NP => omar.rossi <omar.rossi@ourmail.example.org> R=local_user T=local_delivery",
      "2025-11-01 06:53:56 1vF4Ym-00000000DfE-00NP => olga.petrov <olga.petrov@ourmail.example.org> R=local_user T=local_delivery",
      "2025-11-01 06:53:56 1vF4Ym-00000000DfE-00NP => sven.gomez <sven.gomez@ourmail.example.org> R=local_user T=local_delivery",
      "2025-11-01 06:53:56 1vF4Ym-00000000DfE-00NP => greta.varga <greta.varga@ourmail.example.org> R=local_user T=local_delivery",
      "2025-11-01 06:53:56 1vF4Ym-00000000DfE-00NP Completed",
      "2025-11-01 06:54:34 1vF4ZO-00000000F3g-3Puv <= felix.duval@ourmail.example.org H=([192.168.1.20]) [203.0.113.17] P=esmtpsa X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no A=dovecot_plain:felix.duval@ourmail.example.org S=4468 id=b1b5175daa3cac0f@ourmail.example.org",
      "2025-11-01 06:54:34 1vF4ZO-00000000F3g-3Puv => hugo.vogel <hugo.vogel@ourmail.example.org> R=local_user T=local_delivery",
      "2025-11-01 06:54:35 1vF4ZO-00000000F3g-3Puv => tara.reyes@indigoboulder.example.com R=dnslookup T=remote_smtp H=mail.indigoboulder.example.com [198.51.100.12] C=\"250 OK id=1vF4ZO-gShGX5dIn7A-dkEE\"",
      "2025-11-01 06:54:35 1vF4ZO-00000000F3g-3Puv -> adam.reyes@indigoboulder.example.com R=dnslookup T=remote_smtp H=mail.indigoboulder.example.com [198.51.100.12] C=\"250 OK id=1vF4ZO-gShGX5dIn7A-dkEE\"",
      "2025-11-01 06:54:35 1vF4ZO-00000000F3g-3Puv -> ben.garcia@indigoboulder.example.com R=dnslookup T=remote_smtp H=mail.indigoboulder.example.com [198.51.100.12] C=\"250 OK id=1vF4ZO-gShGX5dIn7A-dkEE\"",
      "2025-11-01 06:54:36 1vF4ZO-00000000F3g-3Puv => elena.schmidt@mailbox.example.com R=dnslookup T=remote_smtp H=mx1.smtp.mailbox.example.com [203.0.113.215] X=TLS1.3:TLS_CHACHA20_POLY1305_SHA256:256 CV=yes K C=\"250 2.0.0 OK  1761976474 f990460e2fsi5287957.385 - gsmtp\"",
      "2025-11-01 06:54:36 1vF4ZO-00000000F3g-3Puv Completed",
      "2025-11-01 07:06:34 1vF4l0-00000000cC6-1g9s <= wanda.xu@ourmail.example.org H=(laptop) [203.0.113.169] P=esmtpsa X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no A=dovecot_plain:wanda.xu@ourmail.example.org S=4390 id=44bd65ee2c81998c@ourmail.example.org",
      "2025-11-01 07:06:35 1vF4l0-00000000cC6-1g9s => milo.varga@mailbox.example.com R=dnslookup T=remote_smtp H=mx1.smtp.mailbox.example.com [203.0.113.215] X=TLS1.3:TLS_CHACHA20_POLY1305_SHA256:256 CV=yes K C=\"250 2.0.0 OK  1761977194 a5ec2f674dsi1366833.605 - gsmtp\"",
      "2025-11-01 07:06:35 1vF4l0-00000000cC6-1g9s -> yara.berg@mailbox.example.com R=dnslookup T=remote_smtp H=mx1.smtp.mailbox.example.com [203.0.113.215] X=TLS1.3:TLS_CHACHA20_POLY1305_SHA256:256 CV=yes K C=\"250 2.0.0 OK  1761977194 a5ec2f674dsi1366833.605 - gsmtp\"",
      "2025-11-01 07:06:35 1vF4l0-00000000cC6-1g9s -> office@mailbox.example.com R=dnslookup T=remote_smtp H=mx1.smtp.mailbox.example.com [203.0.113.215] X=TLS1.3:TLS_CHACHA20_POLY1305_SHA256:256 CV=yes K C=\"250 2.0.0 OK  1761977194 a5ec2f674dsi1366833.605 - gsmtp\"",
      "2025-11-01 07:06:35 1vF4l0-00000000cC6-1g9s -> nils.duval@mailbox.example.com R=dnslookup T=remote_smtp H=mx1.smtp.mailbox.example.com [203.0.113.215] X=TLS1.3:TLS_CHACHA20_POLY1305_SHA256:256 CV=yes K C=\"250 2.0.0 OK  1761977194 a5ec2f674dsi1366833.605 - gsmtp\"",
      "2025-11-01 07:06:35 1vF4l0-00000000cC6-1g9s -> nora56@mailbox.example.com R=dnslookup T=remote_smtp H=mx1.smtp.mailbox.example.com [203.0.113.215] X=TLS1.3:TLS_CHACHA20_POLY1305_SHA256:256 CV=yes K C=\"250 2.0.0 OK  1761977194 a5ec2f674dsi1366833.605 - gsmtp\"",
      "2025-11-01 07:06:35 1vF4l0-00000000cC6-1g9s -> felix.fuchs@mailbox.example.com R=dnslookup T=remote_smtp H=mx1.smtp.mailbox.example.com [203.0.113.215] X=TLS1.3:TLS_CHACHA20_POLY1305_SHA256:256 CV=yes K C=\"250 2.0.0 OK  1761977194 a5ec2f674dsi1366833.605 - gsmtp\"",
      "2025-11-01 07:06:35 1vF4l0-00000000cC6-1g9s Completed",
    ]
    let t = tally([lines])
    XCTAssertEqual(
      t.outbound,
      EximTally.Side(
        delivered: 10, tls: 7, plaintext: 3, byVersion: ["1.3": 7], byTrust: ["verified": 7]))
    XCTAssertEqual(
      t.inbound,
      EximTally.Side(
        delivered: 3, tls: 2, plaintext: 1, byVersion: ["1.3": 2], byTrust: ["untrusted": 2]))
    XCTAssertEqual(
      t.domains,
      [
        "mailbox.example.com": .init(delivered: 7, tls: 7),
        "indigoboulder.example.com": .init(delivered: 3, plaintext: 3),
      ])
    XCTAssertEqual(t.failures, 0)
  }

  // Old 16-char and new 23-char ids in one file (an upgrade to 4.97), OpenSSL and
  // GnuTLS cipher names, the test suite's `TLS1.x`. The last line is built on the
  // session-description form that ChangeLog 4.93 JH/16 quotes
  // (`TLS1.3:ECDHE_SECP256R1__RSA_PSS_RSAE_SHA256__AES_256_GCM__AEAD:256`).
  func testOldAndNewIdsWithOpenSSLAndGnuTLSCiphers() {
    let lines = [
      "2002-10-31 09:00:10 16ZCW1-0005MB-00 => monk@holistic.example.com R=dnslookup T=remote_smtp H=holistic.example.com [198.51.100.234]",
      "2020-06-20 00:13:16 1jmXgg-000AIC-89 -> sally@dummy.example.net R=dnslookup T=remote_smtp_smarthost H=smarthost.example.org [203.0.113.5] X=TLS1.2:ECDHE_RSA_AES_128_GCM_SHA256:128 CV=yes DN=\"C=XX,L=Here,O=Text Corp,CN=*.example.org\" C=\"250 6292145-1592637196662@smarthost.example.org Received OK [sHQA_0EGOfCC2A2sh3iD5g]\"",
      "1999-03-02 09:44:33 10HmaZ-000000005vi-0000 => resume@example.org R=client T=send_to_server1 H=192.0.2.1 [192.0.2.1]:PORT_D X=TLS1.x:ke-RSA-AES256-SHAnnn:xxx* CV=yes DN=\"/CN=server1.example.com\" C=\"250 OK id=10HmbA-000000005vi-0000\"",
      "2025-11-01 06:53:53 1vF4Yi-00000000DYQ-2Jf1 => elena.varga@silver.coral.example.net R=dnslookup T=remote_smtp H=mx1.hoster2.example.net [203.0.113.205] X=TLS1.2:ECDHE-RSA-AES256-GCM-SHA384:256 CV=yes C=\"250 2.0.0 Ok: queued as ED85BCAAAA\"",
      "2010-09-13 05:00:13 [1487] 1Ov4tU-0000Nz-Rm => list@example.com R=dnslookup T=remote_smtp H=mx.example.com [198.51.100.9] X=TLSv1:AES256-SHA:256 CV=no C=\"250 OK\"",
      "2025-02-14 18:12:34 1tixMo-00000000C6a-0aQz => b@example.net R=dnslookup T=remote_smtp H=mx.example.net [203.0.113.9] X=TLS1.3:ECDHE_SECP256R1__RSA_PSS_RSAE_SHA256__AES_256_GCM__AEAD:256 CV=no C=\"250 OK\"",
    ]
    let t = tally([lines])
    XCTAssertEqual(
      t.outbound,
      EximTally.Side(
        delivered: 6, tls: 5, plaintext: 1,
        byVersion: ["1.0": 1, "1.2": 2, "1.3": 1, "unknown": 1],
        byTrust: ["verified": 3, "untrusted": 2]))
    let c = EximCollector()
    runExim(lines, sink: c)
    XCTAssertEqual(
      c.deliveries.map(\.messageID),
      [
        "16ZCW1-0005MB-00", "1jmXgg-000AIC-89", "10HmaZ-000000005vi-0000",
        "1vF4Yi-00000000DYQ-2Jf1", "1Ov4tU-0000Nz-Rm", "1tixMo-00000000C6a-0aQz",
      ])
  }

  // A `<= <> R=<id>` is an NDR only when it answers a `**` (reference section 5.1).
  // Lines 1-2: reference (gvengel/exim_exporter). The warning and second-notice lines
  // are built on the same shapes with new ids; the last is a remote `<= <>` arrival
  // (eval-public), which is inbound and no NDR.
  func testBounceVersusDelayWarning() throws {
    let c = EximCollector()
    let t = EximTally()
    let lines = [
      "2020-06-19 10:32:57 [789] 1jmKso-0009d4-Uf ** molly@zee.example.com R=dnslookup T=remote_smtp H=mail.zee.example.com [198.51.100.3] X=TLS1.2:ECDHE_RSA_AES_256_GCM_SHA384:256 CV=yes DN=\"C=US,ST=Fake,L=Lost,O=Zee Corp,CN=mail.zee.example.com\": SMTP error from remote mail server after end of data: 554 5.2.0 mKr3jsd25ZIfXmKr4jFD2w Recipient Mailbox Full [504]",
      "2020-06-19 10:32:57 1jmKsr-00040h-1G <= <> R=1jmKso-0009d4-Uf U=Debian-exim P=local S=9521",
      // A second notice for the same message with no new `**` (a success DSN).
      "2020-06-19 10:40:00 1jmKsz-00040h-2H <= <> R=1jmKso-0009d4-Uf U=Debian-exim P=local S=2210",
      // Deferred only: the notice is a delay warning.
      "2020-06-19 04:54:02 1jmFYj-00039V-QX == bob@null.example.net R=dnslookup T=remote_smtp defer (110): Connection timed out",
      "2020-06-20 04:54:10 1jmZaa-00041a-3K <= <> R=1jmFYj-00039V-QX U=Debian-exim P=local S=3120",
      // Originals not seen in this input: an NDR unless the subject says it is a warning.
      "2020-06-20 05:00:00 1jmZab-00041b-4L <= <> R=1jmAAA-0003zz-Zz U=Debian-exim P=local S=4100",
      "2020-06-20 05:00:01 1jmZac-00041c-5M <= <> R=1jmAAB-0003zz-Yy U=Debian-exim P=local S=4100 T=\"Warning: message 1jmAAB-0003zz-Yy delayed 24 hours\"",
      "2025-11-01 06:53:52 1vF4Yi-00000000DYg-2Yp6 <= <> H=out24.cascadeprairie.example.org [192.0.2.216] P=esmtps X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no S=6202 id=c5e84033126cfe66@mail.ourmail.example.org",
    ]
    runExim(lines, sink: SinkFanOut([c, t]))
    t.finish()
    XCTAssertEqual(c.ndrs.map(\.originalID), ["1jmKso-0009d4-Uf", "1jmAAA-0003zz-Zz"])
    XCTAssertEqual(c.ndrs.map(\.ndrID), ["1jmKsr-00040h-1G", "1jmZab-00041b-4L"])
    XCTAssertEqual(c.ndrs[0].time, utc(2020, 6, 19, 10, 32, 57))
    XCTAssertEqual(t.ndrs, 2)
    XCTAssertEqual(t.failures, 2)
    XCTAssertEqual(t.byStatus, ["bounced": 1, "deferred": 1])
    XCTAssertEqual(
      t.inbound,
      EximTally.Side(delivered: 1, tls: 1, byVersion: ["1.3": 1], byTrust: ["untrusted": 1]))
    XCTAssertEqual(try XCTUnwrap(c.arrivals.first).sender, "")
  }
}

final class EximRotationTests: XCTestCase {
  // Two inputs of one run (mainlog.1 then mainlog): the sender of a message and its
  // deferral carry over, so a delay warning in the second file is no NDR, while the
  // bounce notice after a `**` in the second file is. Lines as in the NDR test above.
  func testMessageStateCarriesAcrossInputsOfOneRun() throws {
    let run = RunState()
    let c = EximCollector()
    runExim(
      [
        "2020-06-19 04:50:00 1jmFYj-00039V-QX <= bob@example.org H=(desk) [198.51.100.7] P=esmtpsa X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no S=3400",
        "2020-06-19 04:54:02 1jmFYj-00039V-QX == bob@null.example.net R=dnslookup T=remote_smtp defer (110): Connection timed out",
      ], sink: c, input: 0, run: run)
    runExim(
      [
        "2020-06-20 04:54:10 1jmZaa-00041a-3K <= <> R=1jmFYj-00039V-QX U=Debian-exim P=local S=3120",
        "2020-06-20 05:10:00 1jmFYj-00039V-QX ** bob@null.example.net R=dnslookup T=remote_smtp: retry timeout exceeded",
        "2020-06-20 05:10:00 1jmZab-00041b-4L <= <> R=1jmFYj-00039V-QX U=Debian-exim P=local S=4100",
      ], sink: c, input: 1, run: run)
    XCTAssertEqual(c.deliveries.map(\.sender), ["bob@example.org", "bob@example.org"])
    XCTAssertEqual(c.ndrs.map(\.ndrID), ["1jmZab-00041b-4L"])
    // Evidence stays per input: the second input logged no X=.
    XCTAssertEqual(c.evidence, ["exim:0"])
    XCTAssertEqual(c.deliveries[1].protection, .unproven(evidenceKey: "exim:1"))
  }
}

final class EximStatsAndSniffTests: XCTestCase {
  private func corpusLines(_ name: String) throws -> [String] {
    let path = sharedPath("corpus/" + name)
    guard FileManager.default.fileExists(atPath: path) else {
      throw XCTSkip("corpus not present at \(path)")
    }
    return try String(contentsOfFile: path, encoding: .utf8)
      .split(separator: "\n", omittingEmptySubsequences: true)
      .map(String.init).filter { !$0.hasPrefix("# ") }
  }

  // Every line of the Exim corpus is either used or knowingly recognised. Figures
  // counted with grep: 30 id-bearing `=>`/`->`/`**`/`==` lines, 6 `<=` lines from a
  // non-loopback client with an esmtp-family P=, 14 per-host/TLS error lines of which 7
  // are inbound handshake errors (recognised, not delivery attempts).
  func testEveryCorpusLineIsRecognised() throws {
    let lines = try corpusLines("exim-lines.log")
    let (c, p) = eximEvents(lines)
    XCTAssertEqual(p.stats.lines, 113)
    XCTAssertEqual(p.stats.parsed, 113, "\(p.stats.skippedByKind) \(p.stats.samples)")
    XCTAssertEqual(c.deliveries.count, 30)
    XCTAssertEqual(c.arrivals.count, 6)
    XCTAssertEqual(c.attempts.count, 7)
  }

  // Unknown text after an Exim prefix is counted under a kind, with an example.
  func testUnknownLinesAreCounted() {
    let (c, p) = eximEvents([
      "2025-11-01 06:53:51 something Exim never writes",
      "2025-11-01 06:53:51 1vF4Yh-00000000DYB-2RfW something else",
      "not a log line at all",
    ])
    XCTAssertEqual(c.events.count, 0)
    // The report period still sees the two timestamps.
    XCTAssertEqual(c.times, [utc(2025, 11, 1, 6, 53, 51), utc(2025, 11, 1, 6, 53, 51)])
    XCTAssertEqual(p.stats.lines, 3)
    XCTAssertEqual(p.stats.parsed, 0)
    XCTAssertEqual(
      p.stats.skippedByKind,
      [
        "exim: unrecognised line": 1, "exim: unrecognised message line": 1,
        "exim: not an exim log line": 1,
      ])
    XCTAssertEqual(p.stats.samples.count, 3)
  }

  func testSniffAcceptsEximAndRejectsPostfix() throws {
    let exim = try corpusLines("exim-lines.log")
    let postfix = try corpusLines("postfix-lines.log")
    XCTAssertEqual(postfix.filter { EximParser.sniff($0) > 0 }, [])
    // 113 corpus lines: 91 with an Exim timestamp and 4 in exim[pid] syslog lines are
    // claimed; 5 `[n/5]` pieces without syslog framing, 7 rejectlog envelope/header
    // lines and 6 lines pasted without a timestamp are not.
    XCTAssertEqual(exim.filter { EximParser.sniff($0) > 0 }.count, 95)
    XCTAssertEqual(EximParser.sniff(exim.first { $0.contains(" <= ") }!), 3)
    XCTAssertEqual(
      EximParser.sniff("2003-04-25 11:17:07 +0100 Start queue run: pid=12762"), 1)
    XCTAssertEqual(
      EximParser.sniff(
        "Feb 14 18:12:33 192.0.2.51 exim[46483]: 2025-02-14 18:12:33.470 [46483] 1tixMn-00000000C5j-1wRa <= root@ru.example.net U=root Ci=46483 P=local S=362"
      ),
      3)
    XCTAssertEqual(ParserRegistry.detect(Array(exim.prefix(40)))?.id, "exim")
  }
}

final class EximSampleLogTests: XCTestCase {
  // sample-logs/exim read as one run, oldest first, with figures counted by a separate
  // script over the same files (README there): every line used, 27 NDRs and 8 delay
  // warnings (one crossing the rotation), both id lengths, GnuTLS and OpenSSL X=.
  func testSampleLogsAsOneRun() throws {
    let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("sample-logs/exim").path
    let run = RunState()
    let tally = EximTally()
    var lines = 0
    var parsed = 0
    for (i, name) in ["mainlog.2.gz", "mainlog.1", "mainlog"].enumerated() {
      let context = ParseContext(
        input: i, name: name, clock: LocalClock(utc: true),
        years: YearTracker(reference: Date()), sink: tally, run: run)
      let parser = EximParser(context: context)
      let input = try ByteInput(path: dir + "/" + name)
      LineReader(input: input).forEachLine {
        parser.parse($0)
        return true
      }
      parser.finish()
      lines += parser.stats.lines
      parsed += parser.stats.parsed
    }
    tally.finish()
    XCTAssertEqual(lines, 1490 + 1713 + 1826)
    XCTAssertEqual(parsed, lines)
    XCTAssertEqual(
      tally.outbound,
      EximTally.Side(
        delivered: 622, tls: 576, plaintext: 46, byVersion: ["1.3": 329, "1.2": 236, "1.0": 11],
        byTrust: ["verified": 534, "untrusted": 42]))
    XCTAssertEqual(
      tally.inbound,
      EximTally.Side(
        delivered: 1148, tls: 1071, plaintext: 77, byVersion: ["1.3": 718, "1.2": 353],
        byTrust: ["untrusted": 1071]))
    XCTAssertEqual(tally.byStatus, ["deferred": 266, "bounced": 27])
    XCTAssertEqual(tally.ndrs, 27)
    XCTAssertEqual(
      tally.domains["oldsupplier.example.net"], .init(delivered: 17, tls: 10, plaintext: 7))
  }
}
