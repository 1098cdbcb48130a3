// NightlyCLITests.swift: the nightly report job end to end, through the built binary
// `<repo>/.build/debug/mailtls`: --since/--until at midnight, across both DST changes
// in Europe/London (a TZ set for the subprocess) and over a year rollover; rotated
// inputs in any order give the same figures; the HTML page with its trend is
// well-formed and escapes a hostile recipient domain; re-running a day keeps the
// history figures identical; a run killed inside its transaction leaves the database
// readable and unchanged; --fail-under and history failures set the exit status.

import Foundation
import MailLogKit
import XCTest

#if canImport(FoundationXML)
  import FoundationXML
#endif
#if canImport(Glibc)
  import Glibc
#endif

/// Postfix smtp lines for one log, with timestamps given verbatim.
private struct PostfixLog {
  var lines: [String] = []
  private var pid = 2000

  private mutating func next() -> (Int, String) {
    pid += 1
    return (pid, String(format: "%05X%05X", pid, pid * 7 % 65536))
  }

  /// A delivery over TLS 1.3 (summary line + delivery line of the same process).
  mutating func tls(_ ts: String, _ domain: String) {
    let (p, q) = next()
    lines.append(
      "\(ts) mail postfix/smtp[\(p)]: Verified TLS connection established to mx.\(domain)[192.0.2.10]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)"
    )
    lines.append(
      "\(ts) mail postfix/smtp[\(p)]: \(q): to=<user@\(domain)>, relay=mx.\(domain)[192.0.2.10]:25, delay=0.8, delays=0.1/0/0.3/0.4, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4C1D2E)"
    )
  }

  /// A delivery without a TLS session (plaintext when the log has TLS lines at all).
  mutating func plain(_ ts: String, _ domain: String) {
    let (p, q) = next()
    lines.append(
      "\(ts) mail postfix/smtp[\(p)]: \(q): to=<user@\(domain)>, relay=mx.\(domain)[198.51.100.20]:25, delay=0.9, delays=0.1/0/0.4/0.4, dsn=2.0.0, status=sent (250 Message accepted)"
    )
  }

  /// A deferred delivery.
  mutating func deferred(_ ts: String, _ domain: String) {
    let (p, q) = next()
    lines.append(
      "\(ts) mail postfix/smtp[\(p)]: \(q): to=<user@\(domain)>, relay=mx.\(domain)[198.51.100.21]:25, delay=2447, delays=2446/0.02/0.38/0, dsn=4.7.5, status=deferred (Server certificate not verified)"
    )
  }

  var text: String { lines.joined(separator: "\n") + "\n" }
}

final class NightlyCLITests: XCTestCase {
  private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
  private let binary = NightlyCLITests.root.appendingPathComponent(".build/debug/mailtls").path
  private var dir: URL!

  private var london: String {
    FileManager.default.fileExists(atPath: "/usr/share/zoneinfo/Europe/London")
      ? "Europe/London" : "GMT0BST,M3.5.0/1,M10.5.0"
  }

  override func setUpWithError() throws {
    guard FileManager.default.isExecutableFile(atPath: binary) else {
      XCTFail("\(binary) is missing: run `swift build` first")
      throw XCTSkip("no binary")
    }
    dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "nightly-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    if let dir { try? FileManager.default.removeItem(at: dir) }
  }

  private func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

  private func write(_ name: String, _ text: String) throws {
    try text.write(toFile: path(name), atomically: true, encoding: .utf8)
  }

  private struct Outcome {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  /// Starts the binary with `args` (in `dir`), extra environment, output to files.
  private func start(_ args: [String], env: [String: String] = [:], stdin: String? = nil) throws
    -> (Process, String, String)
  {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: binary)
    p.arguments = args
    p.currentDirectoryURL = dir
    var e = ProcessInfo.processInfo.environment
    e["TZ"] = "UTC"
    for (k, v) in env { e[k] = v }
    p.environment = e
    let id = UUID().uuidString
    let out = path(".out-\(id)")
    let err = path(".err-\(id)")
    FileManager.default.createFile(atPath: out, contents: nil)
    FileManager.default.createFile(atPath: err, contents: nil)
    p.standardOutput = FileHandle(forWritingAtPath: out)
    p.standardError = FileHandle(forWritingAtPath: err)
    if let stdin {
      let inPath = path(".in-\(id)")
      try stdin.write(toFile: inPath, atomically: true, encoding: .utf8)
      p.standardInput = FileHandle(forReadingAtPath: inPath)
    } else {
      p.standardInput = FileHandle(forReadingAtPath: "/dev/null")
    }
    try p.run()
    return (p, out, err)
  }

  @discardableResult
  private func mailtls(_ args: [String], env: [String: String] = [:], stdin: String? = nil) throws
    -> Outcome
  {
    let (p, out, err) = try start(args, env: env, stdin: stdin)
    p.waitUntilExit()
    defer {
      try? FileManager.default.removeItem(atPath: out)
      try? FileManager.default.removeItem(atPath: err)
    }
    return Outcome(
      status: p.terminationStatus, stdout: try String(contentsOfFile: out, encoding: .utf8),
      stderr: try String(contentsOfFile: err, encoding: .utf8))
  }

  /// `report --format json` and the parsed document.
  private func json(_ args: [String], env: [String: String] = [:], stdin: String? = nil) throws
    -> [String: Any]
  {
    let r = try mailtls(["report", "--format", "json", "-q"] + args, env: env, stdin: stdin)
    XCTAssertEqual(r.status, 0, r.stderr)
    return try XCTUnwrap(
      JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout)
  }

  /// outbound.tls of a JSON report.
  private func outboundTLS(_ args: [String], env: [String: String] = [:]) throws -> Int {
    let doc = try json(args, env: env)
    return try XCTUnwrap((doc["outbound"] as? [String: Any])?["tls"] as? Int)
  }

  // MARK: - Windows

  func testWindowBoundsAtMidnight() throws {
    var log = PostfixLog()
    for ts in [
      "2026-07-14T23:59:59", "2026-07-15T00:00:00", "2026-07-15T12:00:00", "2026-07-15T23:59:59",
      "2026-07-16T00:00:00",
    ] {
      log.tls(ts, "a.example")
    }
    try write("mail.log", log.text)
    XCTAssertEqual(
      try outboundTLS(["--since", "2026-07-15", "--until", "2026-07-16", "mail.log"]), 3)
    XCTAssertEqual(try outboundTLS(["--since", "2026-07-15 00:00:01", "mail.log"]), 3)
    XCTAssertEqual(try outboundTLS(["--until", "2026-07-15T00:00:00", "mail.log"]), 1)
    XCTAssertEqual(try outboundTLS(["--since", "2026-07-16", "mail.log"]), 1)
    // yesterday..today at 00:20 on 16 July.
    let now = ["MAILTLS_TEST_NOW": "1784161200"]  // 2026-07-16T00:20:00Z
    XCTAssertEqual(
      try outboundTLS(["--since", "yesterday", "--until", "today", "mail.log"], env: now), 3)
    XCTAssertEqual(try outboundTLS(["--since", "00:00", "mail.log"], env: now), 1)
  }

  /// Deliveries around both 2026 DST changes, with explicit offsets and zone-less times.
  private func writeDSTLog() throws {
    var log = PostfixLog()
    for ts in [
      "2026-03-28T23:30:00+00:00",  // out
      "2026-03-29T00:30:00",  // local GMT: in
      "2026-03-29T03:30:00+01:00",  // 02:30 UTC: in
      "2026-03-30T00:30:00+01:00",  // 29 Mar 23:30 UTC: in the UTC day only
      "2026-10-25T00:30:00+01:00",  // 24 Oct 23:30 UTC: in the local day only
      "2026-10-25T01:30:00+01:00",  // first 01:30
      "2026-10-25T01:30:00+00:00",  // second 01:30
      "2026-10-25T23:30:00",  // local GMT
      "2026-10-26T00:30:00+00:00",  // out
    ] {
      log.tls(ts, "a.example")
    }
    try write("dst.log", log.text)
  }

  func testWindowsAcrossDSTInLondon() throws {
    try writeDSTLog()
    let tz = ["TZ": london]
    XCTAssertEqual(
      try outboundTLS(["--since", "2026-03-29", "--until", "2026-03-30", "dst.log"], env: tz), 2)
    XCTAssertEqual(
      try outboundTLS(["--since", "2026-10-25", "--until", "2026-10-26", "dst.log"], env: tz), 4)
    // --utc switches days (and zone-less times) to UTC.
    XCTAssertEqual(
      try outboundTLS(
        ["--utc", "--since", "2026-03-29", "--until", "2026-03-30", "dst.log"], env: tz), 3)
    XCTAssertEqual(
      try outboundTLS(
        ["--utc", "--since", "2026-10-25", "--until", "2026-10-26", "dst.log"], env: tz), 3)
    // "yesterday" half an hour after the spring change is the 23-hour day.
    let afterSpring = ["TZ": london, "MAILTLS_TEST_NOW": "1774827000"]  // 2026-03-30T00:30:00+01:00
    XCTAssertEqual(
      try outboundTLS(["--since", "yesterday", "--until", "today", "dst.log"], env: afterSpring), 2)
  }

  func testRelativeDaysAreCalendarDaysAcrossDST() throws {
    var log = PostfixLog()
    log.tls("2026-03-25T11:30:00+00:00", "a.example")
    log.tls("2026-03-25T12:30:00+00:00", "a.example")
    log.tls("2026-04-01T10:00:00+01:00", "a.example")
    try write("rel.log", log.text)
    // Now = 1 April 12:00 BST; -7d = 25 March 12:00 GMT (not 11:00 as 7 x 24 h would give).
    let env = ["TZ": london, "MAILTLS_TEST_NOW": "1775041200"]
    XCTAssertEqual(try outboundTLS(["--since", "-7d", "rel.log"], env: env), 2)
    XCTAssertEqual(try outboundTLS(["--since", "-1w", "rel.log"], env: env), 2)
    XCTAssertEqual(try outboundTLS(["--since", "-169h", "rel.log"], env: env), 3)
    let bad = try mailtls(["report", "--since", "last tuesday", "rel.log"])
    XCTAssertEqual(bad.status, 64)
    XCTAssertTrue(
      bad.stderr.hasPrefix("mailtls: error: --since 'last tuesday' is not a time"), bad.stderr)
  }

  func testYearRolloverWithYearlessTimestamps() throws {
    var log = PostfixLog()
    log.tls("Dec 31 23:59:58", "a.example")
    log.tls("Dec 31 23:59:59", "a.example")
    log.tls("Jan  1 00:00:00", "a.example")
    log.tls("Jan  1 00:00:02", "a.example")
    try write("mail.log", log.text)
    // The year from --year, and from the file's date when not given.
    XCTAssertEqual(try outboundTLS(["--year", "2025", "--since", "2026-01-01", "mail.log"]), 2)
    XCTAssertEqual(try outboundTLS(["--year", "2025", "--until", "2026-01-01", "mail.log"]), 2)
    XCTAssertEqual(
      try outboundTLS([
        "--year", "2025", "--since", "2025-12-31", "--until", "2026-01-02", "mail.log",
      ]), 4)
    let jan2 = Date(timeIntervalSince1970: 1_767_312_000)  // 2026-01-02T00:00:00Z
    try FileManager.default.setAttributes([.modificationDate: jan2], ofItemAtPath: path("mail.log"))
    XCTAssertEqual(try outboundTLS(["--since", "2026-01-01", "mail.log"]), 2)
    XCTAssertEqual(
      try outboundTLS(["--since", "2025-12-31", "--until", "2026-01-01", "mail.log"]), 2)
  }

  // MARK: - Rotated inputs

  private func writeRotated() throws {
    var old = PostfixLog()
    var mid = PostfixLog()
    var new = PostfixLog()
    for h in 10..<14 { old.tls("2026-07-13T\(h):00:00", "a.example") }
    old.plain("2026-07-13T15:00:00", "b.example")
    for h in 10..<12 { mid.tls("2026-07-14T\(h):00:00", "b.example") }
    mid.deferred("2026-07-14T13:00:00", "c.example")
    new.tls("2026-07-15T09:00:00", "c.example")
    new.plain("2026-07-15T10:00:00", "a.example")
    try write("mail.log.2", old.text)
    try write("mail.log.1", mid.text)
    try write("mail.log", new.text)
    let gz = Process()
    gz.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    gz.arguments = ["gzip", "-f", path("mail.log.2")]
    try gz.run()
    gz.waitUntilExit()
    XCTAssertEqual(gz.terminationStatus, 0)
  }

  func testShuffledRotatedInputsGiveTheSameFigures() throws {
    try writeRotated()
    let ordered = try mailtls(["report", "-f", "json", "mail.log.2.gz", "mail.log.1", "mail.log"])
    let shuffled = try mailtls(["report", "-f", "json", "mail.log", "mail.log.2.gz", "mail.log.1"])
    let reversed = try mailtls(["report", "-f", "json", "mail.log.1", "mail.log", "mail.log.2.gz"])
    XCTAssertEqual(ordered.status, 0)
    XCTAssertEqual(shuffled.stdout, ordered.stdout)
    XCTAssertEqual(reversed.stdout, ordered.stdout)
    let doc = try XCTUnwrap(
      JSONSerialization.jsonObject(with: Data(ordered.stdout.utf8)) as? [String: Any])
    let names = (doc["inputs"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
    XCTAssertEqual(names, ["mail.log.2.gz", "mail.log.1", "mail.log"])
    let out = try XCTUnwrap(doc["outbound"] as? [String: Any])
    XCTAssertEqual(out["tls"] as? Int, 7)
    XCTAssertEqual(out["plaintext"] as? Int, 2)
    // Standard input keeps its place; the files around it are ordered by content.
    let withStdin = try json(
      ["mail.log", "-", "mail.log.2.gz"],
      stdin: try String(contentsOfFile: path("mail.log.1"), encoding: .utf8))
    XCTAssertEqual(
      (withStdin["inputs"] as? [[String: Any]])?.compactMap { $0["name"] as? String },
      ["mail.log.2.gz", "<stdin>", "mail.log"])
  }

  // MARK: - HTML

  func testHTMLReportWithTrendIsWellFormedAndEscapesHostileDomain() throws {
    var log = PostfixLog()
    log.tls("2026-07-14T09:00:00", "a.example")
    log.tls("2026-07-15T09:00:00", "<script>alert(1)</script>.example")
    log.plain("2026-07-15T10:00:00", "a.example")
    log.tls("2026-07-16T00:05:00", "a.example")
    try write("mail.log", log.text)
    try mailtls([
      "report", "-q", "--db", "h.db", "--since", "2026-07-14", "--until", "2026-07-15", "mail.log",
    ])
    let r = try mailtls([
      "report", "-q", "--db", "h.db", "--since", "2026-07-15", "--until", "2026-07-16", "-f",
      "html", "-o", "report.html", "mail.log",
    ])
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertEqual(r.stdout, "")
    let html = try String(contentsOfFile: path("report.html"), encoding: .utf8)
    let parser = XMLParser(data: Data(html.utf8))
    XCTAssertTrue(parser.parse(), "not well-formed: \(String(describing: parser.parserError))")
    XCTAssertFalse(html.lowercased().contains("<script"))
    XCTAssertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;.example"))
    XCTAssertTrue(html.contains(">History and trend</h2>"))
    XCTAssertTrue(
      html.contains(
        "Domains that lost TLS (1): had only TLS the day before, received plaintext now:"))
    // No temporary file is left beside the output.
    let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter {
      $0.contains("report.html")
    }
    XCTAssertEqual(left, ["report.html"])
  }

  // MARK: - History database

  /// Every figure row of the history tables, in a stable order.
  private func dump(_ db: String) throws -> [[SQLiteValue]] {
    let d = try SQLiteDatabase(path: path(db))
    XCTAssertEqual(try d.rows("PRAGMA integrity_check"), [[.text("ok")]])
    var rows: [[SQLiteValue]] = []
    for (table, order) in [
      ("coverage", "day, direction, domain"), ("tls_versions", "day, direction, domain, version"),
      ("tls_trust", "day, direction, domain, trust"), ("failures", "day, domain, status, category"),
    ] {
      rows += try d.rows("SELECT '\(table)', * FROM \(table) ORDER BY \(order)")
    }
    rows += try d.rows("SELECT 'days', day, input_from, input_until, inputs FROM days ORDER BY day")
    return rows
  }

  func testRerunningADayKeepsTheDatabaseFiguresIdentical() throws {
    try writeRotated()
    let args = [
      "report", "-q", "--db", "h.db", "--since", "2026-07-14", "--until", "2026-07-15", "mail.log",
      "mail.log.1", "mail.log.2.gz",
    ]
    XCTAssertEqual(try mailtls(args).status, 0)
    let first = try dump("h.db")
    XCTAssertEqual(
      first,
      [
        [
          .text("coverage"), .text("2026-07-14"), .text("outbound"), .text("b.example"), .int(2),
          .int(0), .int(0),
        ],
        [
          .text("tls_versions"), .text("2026-07-14"), .text("outbound"), .text("b.example"),
          .text("1.3"), .int(2),
        ],
        [
          .text("tls_trust"), .text("2026-07-14"), .text("outbound"), .text("b.example"),
          .text("verified"), .int(2),
        ],
        // "Server certificate not verified" without its verification line: the umbrella's T10.
        [
          .text("failures"), .text("2026-07-14"), .text("c.example"), .text("deferred"),
          .text("T10"), .int(1),
        ],
        [
          .text("days"), .text("2026-07-14"), .null, .null,
          .text("[\"mail.log.2.gz\",\"mail.log.1\",\"mail.log\"]"),
        ],
      ])
    XCTAssertEqual(try mailtls(args).status, 0)
    XCTAssertEqual(try dump("h.db"), first)
    // Without a window, the middle days are stored; 14 July is unchanged by it.
    XCTAssertEqual(
      try mailtls(["report", "-q", "--db", "h.db", "mail.log.1", "mail.log", "mail.log.2.gz"])
        .status, 0)
    XCTAssertEqual(try dump("h.db").filter { $0[1] == .text("2026-07-14") }, first)
    let doc = try json(["--db", "h.db", "mail.log.1", "mail.log", "mail.log.2.gz"])
    let history = try XCTUnwrap(doc["history"] as? [String: Any])
    XCTAssertEqual(
      (history["stored_days"] as? [[String: Any]])?.compactMap { $0["day"] as? String },
      ["2026-07-14"])
    XCTAssertEqual(
      (history["skipped_days"] as? [[String: Any]])?.compactMap { $0["day"] as? String },
      ["2026-07-13", "2026-07-15"])
  }

  func testAKilledRunLeavesTheDatabaseReadableAndUnchanged() throws {
    try writeRotated()
    let window = ["--since", "2026-07-14", "--until", "2026-07-15"]
    XCTAssertEqual(
      try mailtls(
        ["report", "-q", "--db", "h.db"] + window + ["mail.log.2.gz", "mail.log.1", "mail.log"]
      ).status, 0)
    let before = try dump("h.db")
    // The same day again from different data, killed inside its transaction.
    var other = PostfixLog()
    for h in 0..<24 { other.tls("2026-07-14T\(h < 10 ? "0" : "")\(h):30:00", "z.example") }
    other.tls("2026-07-15T00:30:00", "z.example")
    try write("other.log", other.text)
    let marker = path("in-transaction")
    let (p, _, _) = try start(
      ["report", "-q", "--db", "h.db"] + window + ["other.log"],
      env: ["MAILTLS_TEST_HOLD_TRANSACTION": marker])
    let deadline = Date().addingTimeInterval(30)
    while !FileManager.default.fileExists(atPath: marker) && Date() < deadline && p.isRunning {
      usleep(20_000)
    }
    XCTAssertTrue(
      FileManager.default.fileExists(atPath: marker), "the run never reached its transaction")
    XCTAssertTrue(p.isRunning)
    kill(p.processIdentifier, SIGKILL)
    p.waitUntilExit()
    XCTAssertEqual(p.terminationReason, .uncaughtSignal)
    XCTAssertEqual(try dump("h.db"), before)
    // The database still takes a run, which then does replace the day.
    XCTAssertEqual(
      try mailtls(["report", "-q", "--db", "h.db"] + window + ["other.log"]).status, 0)
    let after = try dump("h.db")
    XCTAssertEqual(
      after.first,
      [
        .text("coverage"), .text("2026-07-14"), .text("outbound"), .text("z.example"), .int(24),
        .int(0), .int(0),
      ])
  }

  func testUnusableDatabaseStillPrintsTheReportAndExits74() throws {
    try writeRotated()
    try FileManager.default.createDirectory(atPath: path("adir"), withIntermediateDirectories: true)
    let r = try mailtls(["report", "-q", "--db", "adir", "mail.log"])
    XCTAssertEqual(r.status, 74)
    XCTAssertTrue(r.stdout.contains("Outbound: 50.0% over TLS"), r.stdout)
    XCTAssertTrue(r.stdout.contains("  Not updated: cannot open adir: "), r.stdout)
    XCTAssertTrue(
      r.stderr.hasPrefix("mailtls: alert: history database adir not updated: cannot open adir: "),
      r.stderr)
  }

  // MARK: - Thresholds and operations

  func testFailUnderSetsTheExitStatusWithOneLineReason() throws {
    try writeRotated()  // outbound overall: 7 TLS, 2 plaintext = 77.78 %
    let files = ["mail.log.2.gz", "mail.log.1", "mail.log"]
    let under = try mailtls(["report", "-q", "--fail-under", "77.79"] + files)
    XCTAssertEqual(under.status, 1)
    XCTAssertEqual(
      under.stderr, "mailtls: alert: outbound TLS coverage 77.77% is under --fail-under 77.79%\n")
    XCTAssertTrue(
      under.stdout.contains(
        "Threshold\n  outbound TLS coverage 77.77% is under --fail-under 77.79%\n"))
    let meets = try mailtls(["report", "-q", "--fail-under", "77.7"] + files)
    XCTAssertEqual(meets.status, 0)
    XCTAssertEqual(meets.stderr, "")
    // Nothing in the window: no base, which is a breach too.
    let empty = try mailtls(
      ["report", "-q", "--fail-under", "50", "--since", "2027-01-01"] + files)
    XCTAssertEqual(empty.status, 1)
    XCTAssertEqual(
      empty.stderr,
      "mailtls: alert: no outbound delivery with a known TLS state (TLS or plaintext), so --fail-under 50% is not met\n"
    )
    let bad = try mailtls(["report", "--fail-under", "101"] + files)
    XCTAssertEqual(bad.status, 64)
    XCTAssertTrue(
      bad.stderr.hasPrefix(
        "mailtls: error: --fail-under takes a number from 0.0 to 100.0, not '101'"), bad.stderr)
    let json = try mailtls(["report", "-q", "-f", "json", "--fail-under", "90"] + files)
    let doc = try XCTUnwrap(
      JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
    let threshold = try XCTUnwrap(doc["threshold"] as? [String: Any])
    XCTAssertEqual(threshold["breached"] as? Bool, true)
    XCTAssertEqual(threshold["fail_under"] as? Int, 90)
  }

  func testQuietKeepsStderrEmptyAndOutputFileIsComplete() throws {
    try write("junk.log", "not a mail log line\nnor this one\n")
    let noisy = try mailtls(["report", "junk.log"])
    XCTAssertTrue(noisy.stderr.contains("format not recognised; 2 lines skipped"), noisy.stderr)
    let quiet = try mailtls(["report", "-q", "-o", "out.txt", "junk.log"])
    XCTAssertEqual(quiet.status, 0)
    XCTAssertEqual(quiet.stderr, "")
    XCTAssertEqual(quiet.stdout, "")
    let text = try String(contentsOfFile: path("out.txt"), encoding: .utf8)
    XCTAssertTrue(text.hasPrefix("mailtls report\n"))
    XCTAssertTrue(
      text.hasSuffix(
        "  junk.log: unknown, 2 lines, 0 used, 2 not used\n    not used: format not recognised 2\n"),
      text)
  }
}
