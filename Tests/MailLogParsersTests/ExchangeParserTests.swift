// ExchangeParserTests.swift: the Exchange parser on real corpus lines (Fixtures/exchange,
// copied from ../shared/corpus/exchange) in every encoding Exchange writes, on the
// project's sample logs (sample-logs/exchange) with exact joined/unjoined figures, and
// on inline lines for each file kind, failure text and detection rule.

import Foundation
import MailLogKit
import MailLogModel
import XCTest

@testable import MailLogParsers

final class ExchangeParserTests: XCTestCase {
  // MARK: - Real corpus files

  /// The real Exchange logs of the corpus (the NDR strings file is not a log: see
  /// testNDRStringsBecomeFailureReasons).
  static let corpusLogs = [
    "msgtrk/beats-bom8-MSGTRK20160405-1.LOG",
    "msgtrk/elastic-test-messagetracking.rows.log",
    "msgtrk/qazeer-MSGTRKMS2022091915-1.LOG",
    "protocol/cn-casewriteup-SEND-intraorg.rows.log",
    "protocol/elastic-test-SmtpReceive.rows.log",
    "protocol/elastic-test-SmtpSend.rows.log",
    "protocol/qazeer-RECV2023011116-1.LOG",
    "exo/eac-message-trace-detail-excerpt.txt",
    "exo/elastic-messagetrace-records.ndjson",
  ]

  func testEveryCorpusLineIsUnderstood() throws {
    let expectedLines = [7, 6, 7, 19, 4, 3, 21, 15, 3]
    for (file, lines) in zip(Self.corpusLogs, expectedLines) {
      let r = ExchangeRun()
      try r.read(ExchangeFiles.fixture(file))
      r.finish()
      XCTAssertEqual(r.stats[0].lines, lines, file)
      XCTAssertEqual(r.stats[0].parsed, lines, "\(file): \(r.stats[0].skippedByKind)")
    }
  }

  /// Same events and counts in LF, CRLF, UTF-8 with BOM and UTF-16LE with BOM, read
  /// through ByteInput and LineReader as the CLI reads.
  func testCorpusFilesGiveTheSameEventsInEveryEncoding() throws {
    for file in Self.corpusLogs {
      var baseline: [String]? = nil
      for encoding in ExchangeFiles.Encoding.allCases {
        let path = try ExchangeFiles.reencoded(ExchangeFiles.fixture(file), as: encoding)
        let r = ExchangeRun()
        try r.read(path)
        r.finish()
        let seen = r.sink.events.map(describe) + ["parsed \(r.stats[0].parsed)"]
        if let baseline {
          XCTAssertEqual(seen, baseline, "\(file) as \(encoding)")
        } else {
          baseline = seen
        }
        XCTAssertEqual(r.stats[0].skipped, 0, "\(file) as \(encoding)")
      }
    }
  }

  func testElasticTrackingRows() throws {
    let r = ExchangeRun()
    try r.read(ExchangeFiles.fixture("msgtrk/elastic-test-messagetracking.rows.log"))
    r.finish()
    // The SENDEXTERNAL row; the intra-organisation SEND row is not outbound.
    XCTAssertEqual(r.sink.deliveries.count, 1)
    let d = try XCTUnwrap(r.sink.deliveries.first)
    XCTAssertEqual(d.messageID, "1736846922.907742.2942@app01.example.org")
    XCTAssertEqual(d.recipient, "user4@example.net")
    XCTAssertEqual(d.domain, "example.net")
    XCTAssertEqual(d.relay, "example-org.mail.protection.outlook.com[198.51.100.1]")
    XCTAssertTrue(d.isOutbound)
    XCTAssertEqual(d.status, .sent)
    XCTAssertEqual(d.dsn, "2.1.5")
    XCTAssertEqual(d.sender, "")  // return-path <>
    XCTAssertEqual(d.time, 1_736_846_945.327)
    // EffectiveTlsAuthLevel=DomainValidation cannot be met without TLS.
    XCTAssertEqual(d.protection, .tls(.unknown, .verified))
    // The two RECEIVE rows came through the Front End proxy from outside.
    XCTAssertEqual(
      r.sink.arrivals.map(\.client),
      [
        "host01.example.org[192.0.2.13]", "host02.example.org[192.0.2.15]",
      ])
    XCTAssertEqual(
      r.sink.arrivals.map(\.messageID),
      [
        "20240123200014.123F425E28@host01.example.org",
        "20240123200018.123C42553@host02.example.org",
      ])
    XCTAssertEqual(
      r.sink.arrivals.first?.protection, .unknown(reason: "no SmtpReceive protocol log session"))
    XCTAssertEqual(r.run.notes.count, 1)
    XCTAssertTrue(r.run.notes[0].hasPrefix("Exchange: TLS unknown for 2 of 2 inbound messages"))
    XCTAssertTrue(r.run.notes[0].contains("no SmtpReceive protocol log was given"))
  }

  func testExchange2010HeaderWithBOMAndStoreDriverRows() throws {
    let r = ExchangeRun()
    try r.read(ExchangeFiles.fixture("msgtrk/beats-bom8-MSGTRK20160405-1.LOG"))
    r.finish()
    let parser = try XCTUnwrap(r.run.shared["exchange"] as? ExchangeJoin)
    XCTAssertEqual(parser.trackingInputs, 1)
    XCTAssertEqual(r.sink.deliveries.count + r.sink.arrivals.count, 0)  // NOTIFYMAPI only
    XCTAssertEqual(r.sink.times, [1_459_814_402.052, 1_459_814_402.145])
  }

  func testReceiveProtocolLogSessionFacts() throws {
    let r = ExchangeRun()
    try r.read(ExchangeFiles.fixture("protocol/qazeer-RECV2023011116-1.LOG"))
    let join = try XCTUnwrap(r.run.shared["exchange"] as? ExchangeJoin)
    let s = try XCTUnwrap(join.sessions[.hex(0x1234_53EC_6227_8461)])
    XCTAssertEqual(s.side, .receive)
    XCTAssertEqual(s.remoteIP, "203.0.113.33")
    XCTAssertEqual(s.remotePort, 56026)
    XCTAssertTrue(s.sawStart)  // the greeting (sequence 1) is the first row
    XCTAssertTrue(s.startedTLS)
    XCTAssertEqual(s.tls, .v12)
    XCTAssertEqual(s.clientChain, "EmptyCertificate")
    XCTAssertEqual(s.domainStatus, "NoRemoteCertificate")
    XCTAssertEqual(ExchangeJoin.inboundTrust(s), .anonymous)
    XCTAssertEqual(join.receiveLogInputs, 1)
  }

  func testSendProtocolLogWithLocalisedConnectorAndTLS10Client() throws {
    let r = ExchangeRun()
    try r.read(ExchangeFiles.fixture("protocol/cn-casewriteup-SEND-intraorg.rows.log"))
    let join = try XCTUnwrap(r.run.shared["exchange"] as? ExchangeJoin)
    let s = try XCTUnwrap(join.sessions[.hex(0x08D7_60DF_231F_00BC)])
    XCTAssertEqual(s.side, .send)  // from SP_PROT_TLS1_0_CLIENT: no header in this excerpt
    XCTAssertEqual(s.tls, .v10)
    XCTAssertTrue(s.remoteCertificate)
    XCTAssertTrue(s.peerIsExchange)  // XSHADOW, X-EXPS EXCHANGEAUTH: same organisation
    XCTAssertFalse(s.sawStart)  // the excerpt starts at sequence 27
    XCTAssertEqual(join.sendLogInputs, 1)
  }

  func testSendProtocolLogFailedConnect() throws {
    let r = ExchangeRun()
    try r.read(ExchangeFiles.fixture("protocol/elastic-test-SmtpSend.rows.log"))
    let join = try XCTUnwrap(r.run.shared["exchange"] as? ExchangeJoin)
    XCTAssertEqual(join.sessions.count, 2)
    let s = try XCTUnwrap(join.sessions[.hex(0x08DC_1DB8_591B_22A0)])
    XCTAssertEqual(s.side, .send)
    XCTAssertEqual(s.remoteIP, "192.0.2.13")
    XCTAssertEqual(s.remotePort, 2525)
    XCTAssertNil(s.tls)
  }

  func testMessageTraceJSONRecords() throws {
    let r = ExchangeRun()
    try r.read(ExchangeFiles.fixture("exo/elastic-messagetrace-records.ndjson"))
    r.finish()
    // Record 1 has both IPs: it arrived from 203.0.113.144 and was sent on to 203.0.113.56.
    XCTAssertEqual(r.sink.outbound.map(\.recipient), ["user1@example-tenant.onmicrosoft.com"])
    XCTAssertEqual(r.sink.outbound.first?.remoteAddr, "203.0.113.56")
    XCTAssertEqual(r.sink.outbound.first?.origin.logHost, "example-tenant.onmicrosoft.com")
    XCTAssertEqual(
      r.sink.arrivals.map(\.clientAddr), ["203.0.113.144", "198.51.100.54", "198.51.100.81"])
    // "Received" without a zone is UTC; \u003c...\u003e brackets are removed.
    XCTAssertEqual(r.sink.arrivals[0].time, 1_662_401_413.490_765_8)
    XCTAssertEqual(
      r.sink.arrivals[1].messageID,
      "GVAP278MB037586A65EF1FB2F844B0258DA2D9@GVAP278MB0375.CHEP278.PROD.OUTLOOK.COM")
    XCTAssertEqual(r.run.notes.count, 1)
    XCTAssertTrue(
      r.run.notes[0].hasPrefix(
        "Exchange Online: TLS unknown for 1 of 1 outbound deliveries and 3 of 3 inbound messages"))
  }

  func testAdminCentreDetailTextOfASubmittedMessageGivesNoArrival() throws {
    let r = ExchangeRun()
    try r.read(ExchangeFiles.fixture("exo/eac-message-trace-detail-excerpt.txt"))
    let join = try XCTUnwrap(r.run.shared["exchange"] as? ExchangeJoin)
    let d = try XCTUnwrap(join.details["text:0"])
    XCTAssertEqual(d.receives, 2)
    XCTAssertNil(d.receiveTLS)  // the TLS line is the second, internal, Receive
    XCTAssertTrue(d.sawSubmit)
    XCTAssertEqual(d.firstEventIsReceive, true)
    XCTAssertNil(d.failReason)  // Drop (OOF) is not a failure
    r.finish()
    XCTAssertEqual(r.sink.deliveries.count + r.sink.arrivals.count, 0)
    // Dates shown by the admin centre are local (the test clock is UTC).
    XCTAssertEqual(r.sink.times, [1_606_362_963, 1_606_362_964])
  }

  /// The real NDR texts, each as the recipient-status of a FAIL tracking row.
  func testNDRStringsBecomeFailureReasons() throws {
    let text = try String(
      contentsOfFile: ExchangeFiles.fixture("ndr/tls-related-ndr-strings.txt"), encoding: .utf8)
    let strings = text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") }
    let codes = [
      "4.4.317", "4.4.317", "4.4.317", "5.4.317", "4.4.317", "4.4.317", "4.4.317", "4.4.317",
      "5.4.317", "4.4.0",
    ]
    XCTAssertEqual(strings.count, codes.count)
    var rows = Self.trackingHeader
    for (i, s) in strings.enumerated() {
      let quoted = "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
      rows +=
        "2026-03-10T10:00:0\(i).000Z,192.0.2.10,MAIL01,198.51.100.25,mail.example.com,,"
        + "To Internet,SMTP,FAIL,10\(i),<m\(i)@corp.example.org>,,r\(i)@example.com,\(quoted),100,1,"
        + ",,subject,a@corp.example.org,a@corp.example.org,,Originating,,,,S:ToEntity=Internet,"
        + "Email,,15.02.1748.010\n"
    }
    let r = ExchangeRun()
    r.read(text: rows)
    r.finish()
    XCTAssertEqual(r.stats[0].skipped, 0)
    let failures = r.sink.deliveries
    XCTAssertEqual(failures.map(\.reason), strings.map { Optional($0) })
    XCTAssertEqual(failures.map(\.dsn), codes.map { Optional($0) })
    XCTAssertEqual(Set(failures.map(\.status)), [.bounced])
    XCTAssertTrue(
      failures[0].line?.hasPrefix("2026-03-10T10:00:00.000Z,192.0.2.10,MAIL01,") == true)
    XCTAssertTrue(failures.allSatisfy(\.isOutbound))
  }

  // MARK: - Sample logs: the join, with exact figures

  static let sampleFiles = [
    "MSGTRK2026031009-1.LOG", "SEND2026031009-1.LOG", "RECV2026031009-1.LOG",
    "MessageTrace-2026-03-10.csv", "MessageTraceDetail-2026-03-10.csv",
  ]

  private func runSamples(_ files: [String]) throws -> ExchangeRun {
    let r = ExchangeRun()
    for f in files { try r.read(ExchangeFiles.sample(f)) }
    r.finish()
    return r
  }

  /// Protection of the outbound deliveries and arrivals of one platform, by recipient
  /// or message id.
  private func figures(_ r: ExchangeRun, online: Bool) -> (
    out: [String: Protection], in: [String: Protection]
  ) {
    let isOnline = { (o: Origin) in o.input >= 3 }
    var out: [String: Protection] = [:]
    for d in r.sink.outbound where isOnline(d.origin) == online { out[d.recipient] = d.protection }
    var inbound: [String: Protection] = [:]
    for a in r.sink.arrivals where isOnline(a.origin) == online {
      inbound[a.messageID] = a.protection
    }
    return (out, inbound)
  }

  func testSampleTrackingJoinsProtocolLogs() throws {
    let r = try runSamples(Self.sampleFiles)
    XCTAssertEqual(r.stats.map(\.skipped), [0, 0, 0, 0, 0])
    XCTAssertEqual(r.stats.map(\.lines), [26, 172, 68, 12, 9])
    let (out, inbound) = figures(r, online: false)
    XCTAssertEqual(
      out,
      [
        "alice@example.com": .tls(.v12, .unknown),  // final reply "250 2.0.0 Ok: queued as ..."
        "bob@example.net": .tls(.v13, .verified),  // BDAT reply; DomainValidation
        "carol@example.net": .tls(.v13, .verified),
        "dave@example.org": .plaintext,  // no STARTTLS offered, whole session logged
        "erin@example.com": .tls(.v12, .unknown),  // "250 2.0.0 Ok" twice: joined on IP+rcpt
        "frank@example.net": .plaintext,
        "heidi@example.com": .tls(.unknown, .verified),  // no session, DomainValidation met
        "grace@example.org": .unknown(reason: "no SmtpSend protocol log session"),
      ])
    XCTAssertEqual(
      inbound,
      [
        "20260310092010.4F7A21C0E3@mx.example.net": .tls(.v12, .anonymous),  // proxied: IP+time
        "5f1c2b7e.1c69fb81.a2d4.0b3e@relay.example.org": .plaintext,
        "0102019a1b2c3d4e-5f6a7b8c-9d0e-1f2a-3b4c-5d6e7f8a9b0c-000000@out.example.com":
          .tls(.v13, .anonymous),  // direct: session id
        "CAF3d9a1x+Yk7c2bq@mta7.example.com": .unknown(
          reason: "no SmtpReceive protocol log session"),
      ])
    let serverOut = r.sink.outbound.filter { $0.origin.input == 0 }
    XCTAssertEqual(
      serverOut.filter { if case .tls = $0.protection { true } else { false } }.count, 5)
    XCTAssertEqual(serverOut.filter { $0.protection == .plaintext }.count, 2)
    XCTAssertEqual(r.run.notes.count, 3)
    XCTAssertTrue(r.run.notes[0].hasPrefix("Exchange: TLS unknown for 1 of 8 outbound deliveries"))
    XCTAssertTrue(r.run.notes[0].contains("have no session for them"))
    XCTAssertTrue(r.run.notes[1].hasPrefix("Exchange: TLS unknown for 1 of 4 inbound messages"))
  }

  func testSampleJoinDoesNotDependOnInputOrder() throws {
    let forward = try runSamples(Self.sampleFiles)
    let backward = try runSamples([
      "RECV2026031009-1.LOG", "SEND2026031009-1.LOG", "MessageTraceDetail-2026-03-10.csv",
      "MessageTrace-2026-03-10.csv", "MSGTRK2026031009-1.LOG",
    ])
    let key = { (d: DeliveryEvent) in "\(d.recipient) \(d.status) \(d.protection)" }
    XCTAssertEqual(
      Set(forward.sink.deliveries.map(key)), Set(backward.sink.deliveries.map(key)))
    XCTAssertEqual(forward.sink.deliveries.count, backward.sink.deliveries.count)
    XCTAssertEqual(
      Set(forward.sink.arrivals.map { "\($0.messageID) \($0.protection)" }),
      Set(backward.sink.arrivals.map { "\($0.messageID) \($0.protection)" }))
  }

  func testTrackingWithoutProtocolLogsIsUnknownWithANote() throws {
    let r = try runSamples(["MSGTRK2026031009-1.LOG"])
    let (out, inbound) = figures(r, online: false)
    XCTAssertEqual(out.count, 8)
    XCTAssertEqual(
      out.values.filter { $0 == .unknown(reason: "no SmtpSend protocol log session") }.count, 5)
    // Only the three DomainValidation deliveries are known to be TLS.
    XCTAssertEqual(out["bob@example.net"], .tls(.unknown, .verified))
    XCTAssertEqual(out["carol@example.net"], .tls(.unknown, .verified))
    XCTAssertEqual(out["heidi@example.com"], .tls(.unknown, .verified))
    XCTAssertEqual(inbound.count, 4)
    XCTAssertTrue(r.run.notes[0].hasPrefix("Exchange: TLS unknown for 5 of 8 outbound deliveries"))
    XCTAssertTrue(r.run.notes[0].contains("no SmtpSend protocol log was given"))
    XCTAssertTrue(r.run.notes[0].contains("Set-SendConnector -ProtocolLoggingLevel Verbose"))
    XCTAssertTrue(r.run.notes[1].hasPrefix("Exchange: TLS unknown for 4 of 4 inbound messages"))
  }

  func testSampleFailuresAndNDRLinks() throws {
    let r = try runSamples(Self.sampleFiles)
    let failures = r.sink.deliveries.filter { $0.status != .sent && $0.origin.input == 0 }
    XCTAssertEqual(
      failures.map(\.recipient),
      [
        "ivan@example.com", "judy@example.net", "kate@example.org", "leo@example.org",
      ])
    XCTAssertEqual(failures.map(\.status), [.bounced, .deferred, .bounced, .bounced])
    XCTAssertEqual(failures[0].reason, "530 5.7.0 Must issue a STARTTLS command first")
    XCTAssertEqual(failures[0].dsn, "5.7.0")
    XCTAssertEqual(failures[0].protection, .plaintext)  // the session never issued STARTTLS
    XCTAssertTrue(failures[0].line?.contains(",FAIL,51539607561,") == true)
    // The deferral's session shows why: our certificate is not usable for TLS.
    XCTAssertEqual(failures[1].detail, "TLS negotiation failed with error UnknownCredentials")
    XCTAssertEqual(failures[1].dsn, "4.4.0")
    // "550 4.4.7 QUEUE.Expired; message expired" holds a ';': two recipients, two texts.
    XCTAssertEqual(failures[2].reason, "550 4.4.7 QUEUE.Expired; message expired")
    XCTAssertEqual(failures[3].reason, "550 4.4.7 QUEUE.Expired; message expired")
    // Two NDRs; the delay notice of the deferred message is not one.
    XCTAssertEqual(
      r.sink.ndrs.map(\.originalID),
      [
        "PR3P195MB0718B8C9D0E1F2A3@MAIL01.corp.example.org",
        "PR3P195MB0718D0E1F2A3B4C5@MAIL01.corp.example.org",
      ])
    XCTAssertEqual(
      r.sink.ndrs.map(\.ndrID),
      [
        "6c2e8f1a-4b3d-4e5f-8a9b-0c1d2e3f4a5b@MAIL01.corp.example.org",
        "7e4a0b3c-6d5f-4a7b-8c9d-2e3f4a5b6c7d@MAIL01.corp.example.org",
      ])
    XCTAssertEqual(
      Set(r.sink.ndrs.map(\.originalID)), Set([failures[0].messageID, failures[2].messageID]))
  }

  func testSampleMessageTraceUTF16WithDetail() throws {
    let r = try runSamples(["MessageTrace-2026-03-10.csv", "MessageTraceDetail-2026-03-10.csv"])
    // Exported as PowerShell writes with -Encoding Unicode: UTF-16LE with BOM.
    let head = try Data(contentsOf: URL(fileURLWithPath: ExchangeFiles.sample(Self.sampleFiles[3])))
    XCTAssertEqual(Array(head.prefix(4)), [0xFF, 0xFE, 0x23, 0x00])
    let (out, inbound) = figures2(r)
    XCTAssertEqual(
      out,
      [
        "partner@example.com": .tls(.v12, .unknown),  // detail: "using TLS1.2 with AES256"
        "sales@example.net": .unknown(reason: "Exchange Online reports have no TLS field"),
      ])
    // Three messages arrived from outside (one of them to two recipients, one spam).
    XCTAssertEqual(inbound.count, 3)
    let failed = try XCTUnwrap(r.sink.deliveries.first { $0.status == .bounced })
    XCTAssertEqual(failed.recipient, "it@example.org")
    XCTAssertEqual(
      failed.reason,
      "550 5.4.317 Message expired, cannot connect to remote server(451 5.7.3 STARTTLS is required to send mail)"
    )
    XCTAssertEqual(failed.dsn, "5.4.317")
    let pending = try XCTUnwrap(r.sink.deliveries.first { $0.status == .deferred })
    XCTAssertEqual(pending.recipient, "office@example.net")
    // "3/10/2026 8:02:11 AM" is UTC in the export.
    XCTAssertEqual(r.sink.outbound.first?.time, 1_773_129_731)
    // The subject with an embedded line break spans two physical lines.
    XCTAssertEqual(r.stats[0].lines, 12)
    XCTAssertEqual(r.stats[0].parsed, 12)
  }

  private func figures2(_ r: ExchangeRun) -> (out: [String: Protection], in: [String: Protection]) {
    var out: [String: Protection] = [:]
    for d in r.sink.outbound { out[d.recipient] = d.protection }
    var inbound: [String: Protection] = [:]
    for a in r.sink.arrivals { inbound[a.messageID] = a.protection }
    return (out, inbound)
  }

  // MARK: - Inline shapes

  static let trackingHeader =
    "#Software: Microsoft Exchange Server\n#Version: 15.02.1748.010\n"
    + "#Log-type: Message Tracking Log\n#Date: 2026-03-10T10:00:00.000Z\n"
    + "#Fields: date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,"
    + "connector-id,source,event-id,internal-message-id,message-id,network-message-id,"
    + "recipient-address,recipient-status,total-bytes,recipient-count,related-recipient-address,"
    + "reference,message-subject,sender-address,return-path,message-info,directionality,"
    + "tenant-id,original-client-ip,original-server-ip,custom-data,transport-traffic-type,"
    + "log-id,schema-version\n"

  func testGetMessageTrackingLogExportInLocalTime() throws {
    let csv = #"""
      #TYPE Microsoft.Exchange.Management.TransportLogSearchTasks.MessageTrackingEvent
      "Timestamp","ClientIp","ClientHostname","ServerIp","ServerHostname","SourceContext","ConnectorId","Source","EventId","InternalMessageId","MessageId","Recipients","RecipientStatus","TotalBytes","RecipientCount","RelatedRecipientAddress","Reference","MessageSubject","Sender","ReturnPath","MessageInfo","Directionality","EventData"
      "3/10/2026 10:15:04 AM","192.0.2.10","MAIL01","198.51.100.20","mx1.example.com",";250 2.0.0 Ok: queued as 4Q1xYz0AbCd;ClientSubmitTime:","To Internet","SMTP","SENDEXTERNAL","51539607553","<a1@corp.example.org>","alice@example.com;bob@example.com","250 2.1.5 Recipient OK;250 2.1.5 Recipient OK","4821","2","","","Figures, ""draft""","h.meyer@corp.example.org","h.meyer@corp.example.org","","Originating","S:ToEntity=Internet"
      "3/10/2026 10:16:00 AM","192.0.2.10","MAIL01","198.51.100.21","mx2.example.com","","To Internet","SMTP","SENDEXTERNAL","51539607554","<a2@corp.example.org>","System.String[]","System.String[]","4821","2","","","x","h.meyer@corp.example.org","h.meyer@corp.example.org","","Originating",""
      """#
    let r = ExchangeRun()
    r.read(text: csv)
    r.finish()
    XCTAssertEqual(r.stats[0].skipped, 0)
    XCTAssertEqual(r.sink.outbound.map(\.recipient), ["alice@example.com", "bob@example.com"])
    // PowerShell prints local time; the test clock is UTC.
    XCTAssertEqual(r.sink.outbound.first?.time, 1_773_137_704)
    XCTAssertTrue(r.run.notes.contains { $0.contains("System.String[]") })
  }

  /// `Export-Csv -UseCulture` on a German system: `;` between fields, day-first dates.
  func testSemicolonSeparatedExportWithGermanDates() throws {
    let csv = #"""
      #TYPE Deserialized.Microsoft.Exchange.Management.FfoReporting.MessageTrace
      "Received";"SenderAddress";"RecipientAddress";"Subject";"Status";"ToIP";"FromIP";"MessageTraceId"
      "10.03.2026 08:02:11";"m.rossi@corp.example.net";"partner@example.com";"Angebot; überarbeitet";"Delivered";"198.51.100.30";"";"8f1d2c3b-4a5e-4f60-7a81-08de5e7f0a01"
      """#
    let r = ExchangeRun()
    r.read(text: csv)
    r.finish()
    XCTAssertEqual(r.stats[0].skipped, 0)
    XCTAssertEqual(r.sink.outbound.map(\.recipient), ["partner@example.com"])
    XCTAssertEqual(r.sink.outbound.first?.time, 1_773_129_731)
  }

  func testExchangeOnlineExtendedReport() throws {
    let csv = #"""
      date_time_utc,client_ip,client_hostname,server_ip,server_hostname,source_context,connector_id,source,event_id,internal_message_id,message_id,network_message_id,recipient_address,recipient_status,total_bytes,recipient_count,related_recipient_address,reference,message_subject,sender_address,return_path,message_info,directionality,tenant_id,original_client_ip,original_server_ip,custom_data
      2026-03-10T09:28:50.814Z,203.0.113.56,AM7PR01MB6612,,,08DE5E7F0A0B1C2D;2026-03-10T09:28:50.100Z;0,,SMTP,RECEIVE,1,<x1@example.net>,c1a2b3c4-0000-4000-8000-08de5e7f0b01,m.rossi@corp.example.net,,100,1,,,Hi,ann@example.net,ann@example.net,,Incoming,t1,203.0.113.56,,
      2026-03-10T09:28:51.002Z,203.0.113.56,AM7PR01MB6612,,,08DE5E7F0A0B1C2E;2026-03-10T09:28:50.900Z;0,,SMTP,RECEIVE,2,<x1@example.net>,c1a2b3c4-0000-4000-8000-08de5e7f0b01,m.rossi@corp.example.net,,100,1,,,Hi,ann@example.net,ann@example.net,,Incoming,t1,203.0.113.56,,
      2026-03-10T09:30:00.000Z,,,198.51.100.30,mx.example.com,";250 2.0.0 OK, queued",,SMTP,SENDEXTERNAL,3,<x2@corp.example.net>,d1a2b3c4-0000-4000-8000-08de5e7f0b02,partner@example.com,250 2.1.5 OK,100,1,,,Re,m.rossi@corp.example.net,m.rossi@corp.example.net,,Originating,t1,,,
      """#
    let r = ExchangeRun()
    r.read(text: csv)
    r.finish()
    XCTAssertEqual(r.stats[0].skipped, 0)
    XCTAssertEqual(r.sink.arrivals.count, 1)  // two hops of one message: one arrival
    XCTAssertEqual(r.sink.outbound.map(\.recipient), ["partner@example.com"])
    XCTAssertEqual(
      r.sink.outbound.first?.protection,
      .unknown(reason: "Exchange Online reports have no TLS field"))
    XCTAssertTrue(r.run.notes[0].hasPrefix("Exchange Online: TLS unknown for 1 of 1 outbound"))
  }

  func testEnhancedSummaryReport() throws {
    let csv = #"""
      origin_timestamp_utc,sender_address,recipient_status,message_subject,total_bytes,message_id,network_message_id,original_client_ip,directionality,connector_id,delivery_priority
      2026-03-10T09:28:50.814Z,user4@corp.example.net,"user5@example.com##Receive, Send;user6@example.com##Receive, Fail",Subject,136349,<id1@corp.example.net>,82f8feae-ef9b-41bf-8500-1e10946655ae,203.0.113.56,2,Outbound to partner,Normal
      2026-03-10T09:40:00.000Z,ann@example.net,"m.rossi@corp.example.net##Receive, Deliver",Hello,2000,<id2@example.net>,92f8feae-ef9b-41bf-8500-1e10946655ae,198.51.100.9,1,,Normal
      """#
    let r = ExchangeRun()
    r.read(text: csv)
    r.finish()
    XCTAssertEqual(r.stats[0].skipped, 0)
    XCTAssertEqual(r.sink.outbound.map(\.recipient), ["user5@example.com"])
    XCTAssertEqual(
      r.sink.deliveries.filter { $0.status == .bounced }.map(\.recipient), ["user6@example.com"])
    XCTAssertEqual(r.sink.arrivals.map(\.clientAddr), ["198.51.100.9"])
  }

  func testTraceDetailAloneGivesTheExternalSendAndDANEFailure() throws {
    let csv = #"""
      "Date","Event","Action","Detail","Data","MessageId","MessageTraceId","RecipientAddress"
      "2026-03-10T08:02:11Z","Receive","","Message received by: DB9PR01MB7345.eurprd01.prod.outlook.example.com","","<a@corp.example.net>","11111111-2222-4333-8444-555555555555","x@example.org"
      "2026-03-10T08:02:11Z","Submit","","The message was submitted.","","<a@corp.example.net>","11111111-2222-4333-8444-555555555555","x@example.org"
      "2026-03-10T08:02:14Z","Fail","","Reason: [{LED=550 5.7.323 tlsa-invalid: The domain failed DANE validation.};{MSG=};{FQDN=mx.example.org};{IP=203.0.113.9};{LRT=}]","","<a@corp.example.net>","11111111-2222-4333-8444-555555555555","x@example.org"
      {"Date":"2026-03-10T08:05:00Z","Event":"Send external","Action":null,"Detail":"Message sent to mx.example.net at 198.51.100.30 using TLS1.3 with AES256","MessageId":"<b@corp.example.net>","MessageTraceId":"21111111-2222-4333-8444-555555555555","RecipientAddress":"y@example.net"}
      """#
    let r = ExchangeRun()
    r.read(text: csv)
    r.finish()
    XCTAssertEqual(r.stats[0].skipped, 0)
    let failed = try XCTUnwrap(r.sink.deliveries.first { $0.status == .bounced })
    XCTAssertEqual(failed.reason, "550 5.7.323 tlsa-invalid: The domain failed DANE validation.")
    XCTAssertEqual(failed.dsn, "5.7.323")
    XCTAssertEqual(r.sink.outbound.map(\.recipient), ["y@example.net"])
    XCTAssertEqual(r.sink.outbound.first?.protection, .tls(.v13, .unknown))
    XCTAssertEqual(r.sink.outbound.first?.remoteHost, "mx.example.net")
  }

  func testInboundDetailTextWithTLSIsAnArrival() throws {
    let text = #"""
      Mar 10, 2026 9:41:57 AM    

      Receive    

      Message received by: AM7PR01MB6612.eurprd01.prod.outlook.example.com using TLS1.2 with AES256    

      Mar 10, 2026 9:41:58 AM

      Deliver

      The message was successfully delivered.
      """#
    let r = ExchangeRun()
    r.read(text: text)
    r.finish()
    XCTAssertEqual(r.stats[0].skipped, 0)
    XCTAssertEqual(r.sink.arrivals.map(\.protection), [.tls(.v12, .unknown)])
    XCTAssertEqual(r.sink.arrivals.first?.time, 1_773_135_717)
  }

  func testQuotedNewlinesCommasAndDoubledQuotesInTrackingRows() throws {
    let rows =
      Self.trackingHeader + #"""
        2026-03-10T10:00:00.000Z,192.0.2.10,MAIL01,198.51.100.25,mx.example.com,";250 2.0.0 Ok, queued;ClientSubmitTime:",To Internet,SMTP,SENDEXTERNAL,1,<m1@corp.example.org>,,a@example.com,250 2.1.5 OK,100,1,,,"Line one
        line two, with ""quotes""
        line three",s@corp.example.org,s@corp.example.org,,Originating,,,,S:ToEntity=Internet,Email,,15.02.1748.010
        2026-03-10T10:00:01.000Z,192.0.2.10,MAIL01,198.51.100.26,mx.example.net,,To Internet,SMTP,SENDEXTERNAL,2,<m2@corp.example.org>,,b@example.net,250 2.1.5 OK,100,1,,,plain,s@corp.example.org,s@corp.example.org,,Originating,,,,S:ToEntity=Internet,Email,,15.02.1748.010
        """#
    let r = ExchangeRun()
    r.read(text: rows)
    r.finish()
    XCTAssertEqual(r.stats[0].lines, 9)
    XCTAssertEqual(r.stats[0].parsed, 9)
    XCTAssertEqual(r.sink.outbound.map(\.recipient), ["a@example.com", "b@example.net"])
  }

  func testUnterminatedQuoteIsCountedNotFatal() throws {
    let rows =
      Self.trackingHeader + #"""
        2026-03-10T10:00:00.000Z,192.0.2.10,MAIL01,,,"never closed,To Internet,SMTP,SEND
        and the next line
        """#
    let r = ExchangeRun()
    r.read(text: rows)
    r.finish()
    XCTAssertEqual(r.stats[0].lines, 7)
    XCTAssertEqual(r.stats[0].parsed, 5)
    XCTAssertEqual(r.stats[0].skippedByKind, ["unterminated quoted field": 2])
  }

  func testJunkLinesAreSkipped() throws {
    let r = ExchangeRun()
    r.read(text: "hello world\n{\"not\": \"a trace\"}")
    r.finish()
    XCTAssertEqual(r.stats[0].skippedByKind, ["not an Exchange record": 2])
  }

  func testProtocolOnlyRunCountsMessagesFromSessions() throws {
    let r = try runSamples(["SEND2026031009-1.LOG", "RECV2026031009-1.LOG"])
    // Without tracking logs, each accepted recipient with a 2xx final reply is a delivery.
    XCTAssertEqual(
      Set(r.sink.outbound.map(\.recipient)),
      [
        "alice@example.com", "bob@example.net", "carol@example.net", "dave@example.org",
        "erin@example.com", "frank@example.net",
      ])
    XCTAssertEqual(
      r.sink.outbound.first { $0.recipient == "dave@example.org" }?.protection, .plaintext)
    XCTAssertEqual(
      r.sink.outbound.first { $0.recipient == "bob@example.net" }?.protection, .tls(.v13, .unknown))
    XCTAssertEqual(
      r.sink.arrivals.map(\.protection),
      [
        .tls(.v12, .anonymous), .plaintext, .tls(.v13, .anonymous),
      ])
  }

  /// Random bytes rich in separators, quotes, braces and digits after every kind of
  /// header: every line is counted, nothing traps.
  func testHostileBytesAreCountedNeverFatal() {
    let alphabet =
      Array(",;\"{}[]:#*<>+-.0123456789TZAPM SP_PROT_TLS1_2 \u{FEFF}\u{0}\\u00".utf8)
      + [0xFF, 0xC3, 0x28]
    var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next() -> Int {
      seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int(seed >> 33)
    }
    let headers = [
      "", Self.trackingHeader,
      "#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context\n",
      "\"Received\",\"SenderAddress\",\"RecipientAddress\",\"Status\",\"ToIP\",\"FromIP\"\n",
      "\"Date\",\"Event\",\"Detail\",\"MessageTraceId\"\n", "Nov 26, 2020 3:56:03 AM\n",
    ]
    for header in headers {
      let parser = ExchangeParser(
        context: ParseContext(
          input: 0, name: "fuzz", clock: LocalClock(utc: true),
          years: YearTracker(reference: Date()),
          sink: RecordingSink(), run: RunState()))
      var lines = 0
      for line in header.split(separator: "\n") {
        withBytes(String(line)) { parser.parse($0) }
        lines += 1
      }
      for _ in 0..<2000 {
        var bytes = (0..<(next() % 120)).map { _ in alphabet[next() % alphabet.count] }
        if next() % 4 == 0 { bytes = Array("2024-01-25T15:16:09.843Z,".utf8) + bytes }
        bytes.withUnsafeBufferPointer { parser.parse($0) }
        lines += 1
      }
      parser.finish()
      XCTAssertEqual(parser.stats.lines, lines)
      XCTAssertEqual(parser.stats.parsed + parser.stats.skippedByKind.values.reduce(0, +), lines)
    }
  }

  func testProtocolOnlyReceiveSkipsTheInternalHop() {
    let log = #"""
      #Software: Microsoft Exchange Server
      #Log-type: SMTP Receive Protocol Log
      #Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context
      2026-03-10T09:20:11.401Z,MAIL01\Default MAIL01,08DE5E8A1B2C3B01,0,192.0.2.10:2525,192.0.2.10:49811,+,,
      2026-03-10T09:20:11.420Z,MAIL01\Default MAIL01,08DE5E8A1B2C3B01,9,192.0.2.10:2525,192.0.2.10:49811,>,"250 2.6.0 <a@example.net> [InternalId=1, Hostname=MAIL01] Queued mail for delivery",
      2026-03-10T09:20:10.812Z,MAIL01\Default Frontend MAIL01,08DE5E8A1B2C3A01,0,192.0.2.10:25,203.0.113.25:41234,+,,
      2026-03-10T09:20:11.430Z,MAIL01\Default Frontend MAIL01,08DE5E8A1B2C3A01,9,192.0.2.10:25,203.0.113.25:41234,>,"250 2.6.0 <a@example.net> [InternalId=1, Hostname=MAIL01] Queued mail for delivery",
      """#
    let r = ExchangeRun()
    r.read(text: log)
    r.finish()
    XCTAssertEqual(r.stats[0].skipped, 0)
    XCTAssertEqual(r.sink.arrivals.map(\.clientAddr), ["203.0.113.25"])
    XCTAssertEqual(r.sink.arrivals.map(\.protection), [.plaintext])
    XCTAssertEqual(r.sink.arrivals.map(\.messageID), ["a@example.net"])
  }

  // MARK: - Detection

  func testSniffClaimsEveryExchangeKind() throws {
    let lines = [
      "#Software: Microsoft Exchange Server",
      "#Log-type: SMTP Send Protocol Log",
      "#Log-type: SMTP Receive Protocol Log",
      "#Log-type: Message Tracking Log",
      "\"Timestamp\",\"ClientIp\",\"ClientHostname\",\"ServerIp\",\"ServerHostname\",\"SourceContext\",\"ConnectorId\",\"Source\",\"EventId\",\"InternalMessageId\",\"MessageId\",\"Recipients\",\"RecipientStatus\"",
      "{\"receivedDateTime\":\"2026-03-10T08:02:11Z\",\"recipientAddress\":\"a@example.com\",\"status\":\"delivered\",\"toIP\":\"198.51.100.30\"}",
      "#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context",
      "\u{FEFF}#Software: Microsoft Exchange Server",
      "#TYPE Deserialized.Microsoft.Exchange.Management.FfoReporting.MessageTrace",
      "\"PSComputerName\",\"RunspaceId\",\"PSShowComputerName\",\"Organization\",\"MessageId\",\"Received\",\"SenderAddress\",\"RecipientAddress\",\"Subject\",\"Status\",\"ToIP\",\"FromIP\",\"Size\",\"MessageTraceId\",\"StartDate\",\"EndDate\",\"Index\"",
      "\"Date\",\"Event\",\"Action\",\"Detail\",\"Data\",\"MessageId\",\"MessageTraceId\"",
      "origin_timestamp_utc,sender_address,recipient_status,message_subject,total_bytes,message_id,network_message_id,original_client_ip,directionality,connector_id,delivery_priority",
      "date_time_utc,client_ip,client_hostname,server_ip,server_hostname,source_context,connector_id,source,event_id,internal_message_id,message_id,network_message_id,recipient_address,recipient_status",
      "Nov 26, 2020 3:56:03 AM",
      "Message received by: MWHPR14MB1808.namprd14.prod.outlook.example.com using TLS1.2 with AES256",
    ]
    for line in lines { XCTAssertGreaterThan(ExchangeParser.sniff(line), 0, line) }
    for file in Self.corpusLogs {
      let text = try String(contentsOfFile: ExchangeFiles.fixture(file), encoding: .utf8)
      let first = try XCTUnwrap(text.split(separator: "\n").first.map(String.init))
      XCTAssertGreaterThan(ExchangeParser.sniff(first), 0, file)
      XCTAssertEqual(
        ParserRegistry.detect(text.split(separator: "\n").prefix(20).map(String.init))?.id,
        "exchange", file)
    }
  }

  func testSniffRejectsPostfixAndEximLines() throws {
    for file in ["other-mta/postfix-lines.log", "other-mta/exim-lines.log"] {
      let text = try String(contentsOfFile: ExchangeFiles.fixture(file), encoding: .utf8)
      var checked = 0
      for line in text.split(separator: "\n") {
        XCTAssertEqual(ExchangeParser.sniff(String(line)), 0, String(line))
        checked += 1
      }
      XCTAssertGreaterThan(checked, 100, file)
    }
  }

  // MARK: - Field readers

  func testFieldReaders() {
    XCTAssertEqual(ExchangeText.version("SP_PROT_TLS1_2_SERVER".dropFirst(8).description), .v12)
    XCTAssertEqual(
      withBytes("x TLS protocol SP_PROT-TLS1_0_CLIENT negotiation") {
        ExchangeText.schannelToken($0)?.0
      }, .v10)
    XCTAssertEqual(withBytes("SP_PROT_SSL3_CLIENT") { ExchangeText.schannelToken($0)?.0 }, .ssl3)
    XCTAssertEqual(
      withBytes("SP_PROT_TLS1_3_SERVER") { ExchangeText.schannelToken($0)?.client }, false)
    XCTAssertEqual(withBytes("by X using TLS1.2 with AES256") { ExchangeText.usingTLS($0) }, .v12)
    XCTAssertNil(ExchangeText.enhancedCode("LastAttemptedIP=203.0.113.148:25 and 192.0.2.13"))
    XCTAssertEqual(ExchangeText.enhancedCode("450-4.4.317 Cannot connect"), "4.4.317")
    XCTAssertEqual(ExchangeText.statuses("To;Cc", count: 2), ["To", "Cc"])
    XCTAssertEqual(
      ExchangeText.statuses("[{LRT=};{LED=441 4.4.1 x};{FQDN=}];250 2.1.5 OK", count: 2),
      ["[{LRT=};{LED=441 4.4.1 x};{FQDN=}]", "250 2.1.5 OK"])
    XCTAssertEqual(ExchangeText.endpointIP("[2001:db8::5]:25").ip, "2001:db8::5")
    XCTAssertEqual(ExchangeText.endpointIP("2001:db8::5:25").port, 25)
    var times = ExchangeTimeReader()
    let t = withBytes("25.01.2024 16:14:38") { times.read($0, zone: .utc, clock: nil) }
    XCTAssertEqual(t, 1_706_199_278)
    let u = withBytes("2024-01-25T16:14:38.5+01:00") { times.read($0, zone: .utc, clock: nil) }
    XCTAssertEqual(u, 1_706_195_678.5)
    XCTAssertNil(withBytes("13/13/2024 10:00:00") { times.read($0, zone: .utc, clock: nil) })
  }
}
