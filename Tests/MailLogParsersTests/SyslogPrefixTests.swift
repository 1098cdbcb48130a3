// SyslogPrefixTests.swift: every prefix shape of postfix-formats.md section 1, with exact
// time, host, program, pid and message start, plus year inference (reference date,
// one day of clock skew, Dec 31 -> Jan 1, --year). Lines are real (corpus) unless a
// comment says the message part was put behind a documented prefix.

import Foundation
import MailLogKit
import MailLogModel
import MailLogParsers
import XCTest

final class SyslogPrefixTests: XCTestCase {
  struct Split: Equatable {
    var time: LogTime?
    var host: String
    var program: String
    var pid: Int
    var message: String
  }

  private func split(_ line: String, year: Int? = 2026, reference: Date = referenceDate) -> Split? {
    let parser = SyslogPrefixParser(
      clock: LocalClock(utc: true), years: YearTracker(reference: reference, forcedYear: year))
    return withBytes(line) { b -> Split? in
      guard let s = parser.parse(b) else { return nil }
      return Split(
        time: s.time, host: b.string(s.host.lowerBound, s.host.upperBound),
        program: b.string(s.program.lowerBound, s.program.upperBound), pid: s.pid,
        message: b.string(s.message, b.count))
    }
  }

  private func assertSplit(
    _ line: String, time: LogTime, host: String, program: String, pid: Int, message: String,
    year: Int? = 2026, file: StaticString = #filePath, line l: UInt = #line
  ) {
    guard let s = split(line, year: year) else { return XCTFail("no prefix: \(line)", file: file, line: l) }
    XCTAssertEqual(s.time ?? -1, time, accuracy: 1e-6, "time", file: file, line: l)
    XCTAssertEqual(s.host, host, "host", file: file, line: l)
    XCTAssertEqual(s.program, program, "program", file: file, line: l)
    XCTAssertEqual(s.pid, pid, "pid", file: file, line: l)
    XCTAssertEqual(s.message, message, "message", file: file, line: l)
  }

  let tls =
    "Trusted TLS connection established to mx.example.com[192.0.2.4]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)"

  func testTraditionalSpacePaddedDay() {
    // lightmeter 1_bounce_simple.log (the message-id there dates it to 2020).
    assertSplit(
      "Jun  3 10:40:58 mail postfix/smtp[9890]: \(tls)", time: utc(2020, 6, 3, 10, 40, 58),
      host: "mail", program: "postfix/smtp", pid: 9890, message: tls, year: 2020)
  }

  func testMaillogFileZeroPaddedDay() {
    // Mailu #3929: `%b %d`, zero-padded day.
    let line =
      "Oct 03 09:12:52 mail postfix/smtp[6024]: 778E21489E81: to=<xx@d70.example.com>, relay=h41.d71.example.com[192.0.2.83]:25, delay=1.2, delays=0.56/0.06/0.32/0.24, dsn=5.7.4, status=bounced (host h41.d71.example.com[192.0.2.83] said: 550 5.7.4 XGEMAIL_0006 Command rejected)"
    let s = split(line)
    XCTAssertEqual(s?.time, utc(2026, 10, 3, 9, 12, 52))
    XCTAssertEqual(s?.host, "mail")
    XCTAssertEqual(s?.pid, 6024)
    XCTAssertTrue(s?.message.hasPrefix("778E21489E81: to=<xx@d70.example.com>") ?? false)
  }

  func testRFC3339WithFractionAndOffsets() {
    // youyo/postfix-log-parser #1 (+09:00) and Hsn723/postfix_exporter #249 (+00:00).
    assertSplit(
      "2020-01-30T06:26:05.404714+09:00 myhost postfix/smtpd[5329]: 62CAD4E861: client=foo.example.net[192.0.2.100]",
      time: utc(2020, 1, 29, 21, 26, 5) + 0.404714, host: "myhost", program: "postfix/smtpd",
      pid: 5329, message: "62CAD4E861: client=foo.example.net[192.0.2.100]")
    assertSplit(
      "2025-04-09T08:25:46.545589+00:00 mail19 postfix/qmgr[129]: 5FCA28903A: removed",
      time: utc(2025, 4, 9, 8, 25, 46) + 0.545589, host: "mail19", program: "postfix/qmgr",
      pid: 129, message: "5FCA28903A: removed")
  }

  func testRFC3339WithZuluAndNoFraction() {
    // Same line with the fraction dropped and `Z`, both legal (rsyslog #5332).
    assertSplit(
      "2025-04-09T08:25:46Z mail19 postfix/qmgr[129]: 5FCA28903A: removed",
      time: utc(2025, 4, 9, 8, 25, 46), host: "mail19", program: "postfix/qmgr", pid: 129,
      message: "5FCA28903A: removed")
  }

  // journalctl output modes (postfix-formats.md 1.4; the table shows the prefixes only,
  // so a real smtpd message is put behind them).
  let connect = "connect from h1.d1.example.com[192.0.2.2]"

  func testJournalctlShort() {
    assertSplit(
      "Dec 03 16:54:38 vm postfix-out/submission/smtpd[15439]: \(connect)",
      time: utc(2026, 12, 3, 16, 54, 38), host: "vm", program: "postfix-out/submission/smtpd",
      pid: 15439, message: connect)
  }

  func testJournalctlShortIsoOffsetWithoutColon() {
    assertSplit(
      "2026-12-03T16:54:38+0100 vm postfix-out/submission/smtpd[15439]: \(connect)",
      time: utc(2026, 12, 3, 15, 54, 38), host: "vm", program: "postfix-out/submission/smtpd",
      pid: 15439, message: connect)
    assertSplit(
      "2026-12-03T16:54:38.352067+0100 vm postfix-out/submission/smtpd[15439]: \(connect)",
      time: utc(2026, 12, 3, 15, 54, 38) + 0.352067, host: "vm",
      program: "postfix-out/submission/smtpd", pid: 15439, message: connect)
  }

  func testJournalctlShortPrecise() {
    assertSplit(
      "Dec 03 16:54:38.352067 vm postfix-out/submission/smtpd[15439]: \(connect)",
      time: utc(2026, 12, 3, 16, 54, 38) + 0.352067, host: "vm",
      program: "postfix-out/submission/smtpd", pid: 15439, message: connect)
  }

  func testJournalctlShortFullAndShortUnix() {
    // short-full: the zone name is taken to be the reading clock's zone (UTC here).
    assertSplit(
      "Thu 2026-12-03 16:54:38 CET vm postfix-out/submission/smtpd[15439]: \(connect)",
      time: utc(2026, 12, 3, 16, 54, 38), host: "vm", program: "postfix-out/submission/smtpd",
      pid: 15439, message: connect)
    assertSplit(
      "1796313278.352067 vm postfix-out/submission/smtpd[15439]: \(connect)",
      time: 1_796_313_278.352067, host: "vm", program: "postfix-out/submission/smtpd",
      pid: 15439, message: connect)
  }

  func testContainerTemplateWithSeverityWordAndNoHost() {
    // bokysan/docker-postfix #51 and #221.
    let untrusted =
      "Untrusted TLS connection established to h5.d8.example.com[192.0.2.76]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature ECDSA (P-256) server-digest SHA256"
    assertSplit(
      "2021-01-24T14:43:33.171270+00:00 INFO    postfix/smtp[138]: \(untrusted)",
      time: utc(2021, 1, 24, 14, 43, 33) + 0.17127, host: "", program: "postfix/smtp", pid: 138,
      message: untrusted)
    let warning =
      "warning: TLS library problem: error:0A00010B:SSL routines::wrong version number:../ssl/record/ssl3_record.c:354:"
    assertSplit(
      "2024-12-30T12:16:32.052694+01:00 WARNING postfix/smtp[1204]: \(warning)",
      time: utc(2024, 12, 30, 11, 16, 32) + 0.052694, host: "", program: "postfix/smtp",
      pid: 1204, message: warning)
  }

  func testSolarisIDTagIsSkipped() {
    // Solaris syslog inserts `[ID nnnnnn facility.level] ` (postfix-formats.md 1.1).
    assertSplit(
      "Jun  3 10:40:58 mail postfix/smtp[9890]: [ID 197553 mail.info] \(tls)",
      time: utc(2020, 6, 3, 10, 40, 58), host: "mail", program: "postfix/smtp", pid: 9890,
      message: tls, year: 2020)
  }

  func testLocalisedMonthNames() {
    // kumina/postfix_exporter #76 (Greek) and munin contrib #1520 (German `Mär`).
    assertSplit(
      "Απρ 15 12:20:28 mx2 postfix/submission/smtpd[6833]: \(connect)",
      time: utc(2026, 4, 15, 12, 20, 28), host: "mx2", program: "postfix/submission/smtpd",
      pid: 6833, message: connect)
    assertSplit(
      "Mär  1 10:00:00 mail postfix/smtpd[77]: \(connect)", time: utc(2026, 3, 1, 10, 0, 0),
      host: "mail", program: "postfix/smtpd", pid: 77, message: connect)
  }

  func testProgramNamesWithSeveralSlashesAndOddHosts() {
    assertSplit(
      "Dec 17 06:29:08 mail2 /postfix-script[115413]: the Postfix mail system is running: PID: 95072",
      time: utc(2026, 12, 17, 6, 29, 8), host: "mail2", program: "/postfix-script", pid: 115413,
      message: "the Postfix mail system is running: PID: 95072")
    assertSplit(
      "Sep 25 18:26:34 mail1 postfix-192.0.2.16/qmgr[31214]: 20B4E3D5BD: removed",
      time: utc(2026, 9, 25, 18, 26, 34), host: "mail1", program: "postfix-192.0.2.16/qmgr",
      pid: 31214, message: "20B4E3D5BD: removed")
    // A host field that looks like a program name (emailwiz #46 uses `postfix`).
    assertSplit(
      "Jul  1 23:07:47 postfix postfix/smtpd[29729]: \(connect)", time: utc(2026, 7, 1, 23, 7, 47),
      host: "postfix", program: "postfix/smtpd", pid: 29729, message: connect)
  }

  func testLinesWithoutAPrefixGiveNil() {
    XCTAssertNil(split("warning: dict_nis_init: NIS domain name not set - NIS lookups disabled"))
    XCTAssertNil(split("(Cannot start TLS: handshake failure)"))
    XCTAssertNil(split("Mar  1 10:00:00 mail postfix/smtpd: no pid here at all"))
    // An impossible date still splits, with no time (the line is not lost).
    XCTAssertEqual(split("Mar 41 10:00:00 mail postfix/smtpd[1]: day out of range")?.time, .some(nil))
    XCTAssertNil(split(""))
    XCTAssertNil(split("\u{1B}[2J\u{0}\u{FF}binary junk that is long enough to be looked at"))
  }

  // MARK: - Year inference

  /// Times of the lines, read with a fresh tracker (one input).
  private func times(_ lines: [String], year: Int?, reference: Date) -> [LogTime?] {
    let parser = SyslogPrefixParser(
      clock: LocalClock(utc: true), years: YearTracker(reference: reference, forcedYear: year))
    return lines.map { line in withBytes(line) { parser.parse($0)?.time } }
  }

  let rollover = [
    "Dec 31 23:59:59 mail postfix/qmgr[1005]: 4AA091855DA0: removed",
    "Jan  1 00:00:01 mail postfix/qmgr[1005]: 776E41855DB2: removed",
    "Dec 31 23:59:58 mail postfix/qmgr[1005]: A48191855DA0: removed",  // late: still 2025
    "Jan 02 08:00:00 mail postfix/qmgr[1005]: 4E8FF30001C8: removed",
  ]

  func testDecemberToJanuaryRolloverFromFileDate() {
    // File written 2026-03-10: its first line (Dec 31) must be from 2025.
    let march10 = Date(timeIntervalSince1970: utc(2026, 3, 10, 12, 0, 0))
    XCTAssertEqual(
      times(rollover, year: nil, reference: march10),
      [
        utc(2025, 12, 31, 23, 59, 59), utc(2026, 1, 1, 0, 0, 1), utc(2025, 12, 31, 23, 59, 58),
        utc(2026, 1, 2, 8, 0, 0),
      ])
  }

  func testRolloverWithYearOption() {
    let t = times(Array(rollover.prefix(2)), year: 2024, reference: referenceDate)
    XCTAssertEqual(t, [utc(2024, 12, 31, 23, 59, 59), utc(2025, 1, 1, 0, 0, 1)])
  }

  func testFirstLineAfterTheReferenceDateIsFromTheYearBefore() {
    let march10 = Date(timeIntervalSince1970: utc(2026, 3, 10, 12, 0, 0))
    let line = { (day: String) in "Mar \(day) 10:00:00 mail postfix/qmgr[1]: 4AA091855DA0: removed" }
    // One day of clock skew is allowed; two days is last year.
    XCTAssertEqual(times([line("11")], year: nil, reference: march10), [utc(2026, 3, 11, 10, 0, 0)])
    XCTAssertEqual(times([line("12")], year: nil, reference: march10), [utc(2025, 3, 12, 10, 0, 0)])
    XCTAssertEqual(times([line("10")], year: nil, reference: march10), [utc(2026, 3, 10, 10, 0, 0)])
  }

  func testSmallBackwardStepKeepsTheYear() {
    // Lines a few months out of order (journald reordering, merged files) stay in one year.
    let lines = [
      "Jun 30 23:00:00 mail postfix/qmgr[1]: 4AA091855DA0: removed",
      "Apr  1 00:00:00 mail postfix/qmgr[1]: 4AA091855DA1: removed",
    ]
    XCTAssertEqual(
      times(lines, year: 2026, reference: referenceDate),
      [utc(2026, 6, 30, 23, 0, 0), utc(2026, 4, 1, 0, 0, 0)])
  }
}
