// CLITests.swift: `mailtls report` end to end on the built binary: one log read as a
// plain file, gzip, concatenated gzip, UTF-16 and stdin gives the same report; any
// --chunk-size gives the same report; exit codes 0/64/66 with one usage line; --help;
// hostile input (binary junk, a 10 MB line, invalid UTF-8, ESC sequences, truncated
// gzip) never crashes and never reaches the terminal raw.

import Foundation
import XCTest

final class CLITests: XCTestCase {
  let scratch = Scratch()

  private func report(_ files: [String], _ extra: [String] = [], stdin: String? = nil) throws -> CLIRun {
    try mailtls(["report", "--format", "json", "--year", "2026", "--utc"] + extra + files, stdin: stdin)
  }

  /// The figures of `sampleLog`, checked once so the comparisons below compare real reports.
  private func assertSampleFigures(_ j: [String: Any]?, file: StaticString = #filePath, line: UInt = #line) {
    let out = j?["outbound"] as? [String: Any]
    let inb = j?["inbound"] as? [String: Any]
    let failures = j?["failures"] as? [String: Any]
    XCTAssertEqual(out?["delivered"] as? Int, 2, file: file, line: line)
    XCTAssertEqual(out?["tls"] as? Int, 1, file: file, line: line)
    XCTAssertEqual(out?["plaintext"] as? Int, 1, file: file, line: line)
    XCTAssertEqual(out?["tls_percent"] as? Double, 50, file: file, line: line)
    XCTAssertEqual(inb?["delivered"] as? Int, 2, file: file, line: line)
    XCTAssertEqual(inb?["tls"] as? Int, 1, file: file, line: line)
    XCTAssertEqual(failures?["total"] as? Int, 2, file: file, line: line)
    XCTAssertEqual(failures?["ndrs"] as? Int, 1, file: file, line: line)
  }

  func testPlainGzipAndStdinGiveTheSameReport() throws {
    let plain = scratch.write("mail.log", sampleLog)
    let gz = try scratch.gzip("mail.log.gz", sampleLog)
    let a = try report([plain])
    XCTAssertEqual(a.status, 0, a.err)
    assertSampleFigures(a.json)
    let runs = [
      try report([gz]),
      try report([], stdin: plain),
      try report(["-"], stdin: gz),
    ]
    for r in runs {
      XCTAssertEqual(r.status, 0, r.err)
      XCTAssertEqual(withoutInputs(r.json), withoutInputs(a.json))
    }
    let inputs = runs.map { (($0.json?["inputs"] as? [[String: Any]])?.first) }
    XCTAssertEqual(inputs.map { $0?["name"] as? String }, [gz, "<stdin>", "<stdin>"])
    XCTAssertEqual(inputs.map { $0?["compressed"] as? Bool }, [true, false, true])
  }

  func testConcatenatedGzipAndUTF16GiveTheSameFigures() throws {
    let half = sampleLog.split(separator: "\n", omittingEmptySubsequences: false)
    let first = half.prefix(9).joined(separator: "\n") + "\n"
    let second = half.dropFirst(9).joined(separator: "\n")
    let a = try scratch.gzip("a.gz", first)
    let b = try scratch.gzip("b.gz", second)
    let joined = FileManager.default.contents(atPath: a)! + FileManager.default.contents(atPath: b)!
    let concat = scratch.write("rotated.1", [UInt8](joined))
    var utf16: [UInt8] = [0xFF, 0xFE]
    for unit in sampleLog.replacingOccurrences(of: "\n", with: "\r\n").utf16 {
      utf16 += [UInt8(unit & 0xFF), UInt8(unit >> 8)]
    }
    let wide = scratch.write("export-utf16.log", utf16)
    let reference = try report([scratch.write("mail.log", sampleLog)])
    for path in [concat, wide] {
      let r = try report([path])
      XCTAssertEqual(r.status, 0, r.err)
      XCTAssertEqual(withoutInputs(r.json), withoutInputs(reference.json), path)
    }
    let wideInput = (try report([wide]).json?["inputs"] as? [[String: Any]])?.first
    XCTAssertEqual(wideInput?["encoding"] as? String, "utf16le")
  }

  func testChunkSizeDoesNotChangeTheReport() throws {
    let crlf = sampleLog.replacingOccurrences(of: "\n", with: "\r\n")
    var utf16BE: [UInt8] = []
    for unit in crlf.utf16 { utf16BE += [UInt8(unit >> 8), UInt8(unit & 0xFF)] }
    for path in [scratch.write("crlf.log", crlf), scratch.write("utf16be.log", utf16BE)] {
      let reference = try report([path])
      XCTAssertEqual(reference.status, 0, reference.err)
      assertSampleFigures(reference.json)
      for chunk in ["1", "2", "7", "4096", "65536"] {
        let r = try report([path], ["--chunk-size", chunk])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(
          r.json as NSDictionary?, reference.json as NSDictionary?, "\(path) at chunk size \(chunk)")
      }
    }
  }

  // MARK: - Exit codes

  private func assertUsageError(_ args: [String], mentions: String, file: StaticString = #filePath, line: UInt = #line) throws {
    let r = try mailtls(args, stdin: scratch.write("empty.log", ""))
    XCTAssertEqual(r.status, 64, args.joined(separator: " "), file: file, line: line)
    XCTAssertEqual(r.out, "", file: file, line: line)
    let lines = r.err.split(separator: "\n")
    XCTAssertEqual(lines.count, 2, "an error line and one usage line: \(r.err)", file: file, line: line)
    XCTAssertTrue(lines.first?.contains(mentions) ?? false, r.err, file: file, line: line)
    XCTAssertTrue(lines.last?.hasPrefix("usage: mailtls") ?? false, r.err, file: file, line: line)
  }

  func testUsageErrorsExit64WithOneUsageLine() throws {
    try assertUsageError(["report", "--bogus"], mentions: "unknown option --bogus")
    try assertUsageError(["report", "--format", "xml"], mentions: "--format must be one of text, json")
    try assertUsageError(["report", "--chunk-size", "0"], mentions: "--chunk-size takes a whole number")
    try assertUsageError(["report", "--year", "twenty"], mentions: "--year")
    try assertUsageError(["report", "--format"], mentions: "--format needs a value")
    try assertUsageError(["frobnicate"], mentions: "unknown command 'frobnicate'")
    try assertUsageError([], mentions: "no command given")
  }

  func testMissingFileExits66AfterReportingTheOthers() throws {
    let plain = scratch.write("mail.log", sampleLog)
    let missing = scratch.path("rotated.log.9")
    let r = try report([missing, plain])
    XCTAssertEqual(r.status, 66)
    assertSampleFigures(r.json)
    let inputs = r.json?["inputs"] as? [[String: Any]]
    // An unreadable file has no content time, so it is ordered after the dated ones.
    XCTAssertEqual(inputs?.map { $0["format"] as? String }, ["postfix", "unreadable"])
    XCTAssertTrue(r.err.contains("cannot open \(missing): No such file or directory"), r.err)
  }

  func testSuccessAndHelp() throws {
    let ok = try mailtls(["report", scratch.write("mail.log", sampleLog), "--year", "2026"])
    XCTAssertEqual(ok.status, 0, ok.err)
    XCTAssertTrue(ok.out.contains("Outbound: 50.0% over TLS  (1 TLS, 1 plaintext, 0 unknown; 2 deliveries to external servers)"), ok.out)
    XCTAssertEqual(ok.err, "")
    let help = try mailtls(["--help"])
    XCTAssertEqual(help.status, 0)
    XCTAssertTrue(help.out.contains("usage: mailtls <command>"), help.out)
    XCTAssertTrue(help.out.contains("report"), help.out)
    let reportHelp = try mailtls(["report", "--help"])
    XCTAssertEqual(reportHelp.status, 0)
    XCTAssertTrue(reportHelp.out.contains("--format FMT"), reportHelp.out)
    XCTAssertFalse(reportHelp.out.contains("--chunk-size"), "test hooks stay hidden")
    let version = try mailtls(["--version"])
    XCTAssertEqual(version.status, 0)
    XCTAssertTrue(version.out.hasPrefix("mailtls "), version.out)
  }

  // MARK: - Hostile input

  /// No raw control byte other than LF reaches the terminal output.
  private func assertNoRawControl(_ data: Data, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    let bad = data.filter { ($0 < 0x20 && $0 != 0x0A) || $0 == 0x7F }
    XCTAssertTrue(bad.isEmpty, "\(what) has raw control bytes \(Array(Set(bad)).sorted())", file: file, line: line)
  }

  func testEscapeSequencesInLogLinesAreEscaped() throws {
    let esc = "\u{1B}"
    let log = sampleLog + """
      Mar  3 09:05:00 mail postfix/smtp[2105]: 3C4D5E6F70: to=<evil@d9\(esc)[2J\(esc)]0;pwned\u{07}.example.com>, relay=mx.d9.example.com[192.0.2.91]:25, delay=1, delays=0.1/0/0.5/0.4, dsn=2.0.0, status=sent (250 ok)
      Mar  3 09:05:01 mail postfix/x\(esc)]0;t\u{07}y\u{9B}[2106]: an OSC title sequence in the program name
      Mar  3 09:05:02 mail postfix/smtp[2107]: Trusted TLS connection established to mx.d9.example.com[192.0.2.91]:25: TLSv1.2 with cipher X\(esc)[0m (256/256 bits)

      """
    let path = scratch.write("evil\(esc)[7m.log", log)
    let text = try mailtls(["report", "--year", "2026", path])
    XCTAssertEqual(text.status, 0, text.err)
    assertNoRawControl(text.stdout, "text report")
    assertNoRawControl(text.stderr, "stderr")
    // Domains are lower-cased, hence `[2j`; the program name lands in `not used`.
    XCTAssertTrue(text.out.contains("d9\\x1B[2j\\x1B]0;pwned\\x7.example.com"), text.out)
    XCTAssertTrue(text.out.contains("postfix/x\\x1B]0;t\\x7y\\x9B 1"), text.out)
    let json = try mailtls(["report", "--format", "json", "--year", "2026", path])
    XCTAssertEqual(json.status, 0, json.err)
    assertNoRawControl(json.stdout, "JSON report")
    let domains = (json.json?["domains"] as? [[String: Any]])?.compactMap { $0["domain"] as? String }
    XCTAssertTrue(domains?.contains("d9\u{1B}[2j\u{1B}]0;pwned\u{07}.example.com") ?? false, "\(domains ?? [])")
    // A missing file whose name carries ESC is named escaped on stderr.
    let missing = try mailtls(["report", scratch.path("gone\(esc)[2J.log")])
    XCTAssertEqual(missing.status, 66)
    assertNoRawControl(missing.stderr, "stderr for a missing file")
  }

  func testBinaryJunkAndInvalidUTF8() throws {
    var state: UInt32 = 0xC0FF_EE00
    var junk: [UInt8] = []
    for _ in 0..<300_000 {
      state = state &* 1_103_515_245 &+ 12345
      junk.append(UInt8(truncatingIfNeeded: state >> 16))
    }
    let junkPath = scratch.write("junk.bin", junk)
    let invalid = Array(sampleLog.utf8) + [0xFF, 0xFE, 0xC3, 0x28, 0x0A]
      + Array("Mar  3 09:06:00 mail postfix/smtp[2108]: 4D5E6F7081: to=<u@d\u{0}".utf8) + [0xC0, 0xAF]
      + Array(".example.com>, relay=mx.d8.example.com[192.0.2.81]:25, delay=1, delays=0.1/0/0.5/0.4, dsn=2.0.0, status=sent (250 ok)\n".utf8)
    let invalidPath = scratch.write("invalid.log", invalid)
    for format in ["text", "json"] {
      let r = try mailtls(["report", "--format", format, "--year", "2026", junkPath, invalidPath])
      XCTAssertEqual(r.status, 0, r.err)
      assertNoRawControl(r.stdout, "\(format) report")
      assertNoRawControl(r.stderr, "stderr")
      if format == "json" {
        let out = r.json?["outbound"] as? [String: Any]
        XCTAssertEqual(out?["delivered"] as? Int, 3, "the sample's 2 plus the invalid-UTF-8 one")
        let inputs = r.json?["inputs"] as? [[String: Any]]
        // Inputs are read oldest first by content; junk has no timestamp, so it is last.
        XCTAssertEqual(inputs?.last?["format"] as? String, "unknown")
      }
    }
  }

  func testTenMegabyteLineIsSkippedAndCounted() throws {
    let huge = "Mar  3 09:00:00 mail postfix/smtp[1]: " + String(repeating: "A", count: 10 << 20)
    let path = scratch.write("huge.log", huge + "\n" + sampleLog)
    let r = try report([path])
    XCTAssertEqual(r.status, 0, r.err)
    assertSampleFigures(r.json)
    let input = (r.json?["inputs"] as? [[String: Any]])?.first
    XCTAssertEqual(input?["lines"] as? Int, sampleLog.split(separator: "\n").count + 1)
    XCTAssertEqual((input?["skipped_by_kind"] as? [String: Any])?["line longer than 65536 bytes"] as? Int, 1)
  }

  func testTruncatedGzipWarnsAndExitsZero() throws {
    var long = ""
    for i in 0..<400 { long += sampleLog.replacingOccurrences(of: "1A2B3C4D5E", with: String(format: "%05X1A2B3", i)) }
    let gz = try scratch.gzip("full.gz", long)
    let bytes = [UInt8](FileManager.default.contents(atPath: gz)!)
    let cut = scratch.write("cut.gz", Array(bytes.prefix(bytes.count / 2)))
    let r = try report([cut])
    XCTAssertEqual(r.status, 0, r.err)
    XCTAssertTrue(r.err.contains("mailtls: warning: \(cut): gzip stream"), r.err)
    let input = (r.json?["inputs"] as? [[String: Any]])?.first
    XCTAssertNotNil(input?["warning"] as? String)
    let delivered = (r.json?["outbound"] as? [String: Any])?["delivered"] as? Int ?? 0
    XCTAssertGreaterThan(delivered, 100, "lines before the cut are counted")
    XCTAssertLessThan(delivered, 800)
  }

  // MARK: - Project sample logs

  /// Every Postfix sample set, read by the built binary, prints exactly the figures of
  /// its truth file (written by the generator from what it emitted, not by parsing).
  func testSampleLogsGiveTheirTruthFigures() throws {
    let samples = repoRoot.appendingPathComponent("sample-logs")
    let sets: [(folder: String, truth: String, compressed: [Bool])] = [
      ("postfix", "postfix.json", [true, false, false]),
      ("postfix-journal", "postfix-journal.json", [false]),
      ("postfix-3.11", "postfix-3.11.json", [false]),
    ]
    for set in sets {
      let dir = samples.appendingPathComponent(set.folder)
      // Named newest first on purpose: the tool reads rotated files oldest first.
      let paths = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        .map { dir.appendingPathComponent($0).path }
      let r = try mailtls(["report", "--format", "json"] + paths)
      XCTAssertEqual(r.status, 0, r.err)
      let inputs = r.json?["inputs"] as? [[String: Any]] ?? []
      XCTAssertEqual(inputs.map { $0["format"] as? String }, paths.map { _ in "postfix" })
      XCTAssertEqual(inputs.map { $0["compressed"] as? Bool }, set.compressed, set.folder)
      for input in inputs {
        XCTAssertTrue(input["warning"] is NSNull, "\(input["name"] ?? ""): \(input["warning"] ?? "")")
      }
      let truthData = try Data(contentsOf: samples.appendingPathComponent("truth/" + set.truth))
      let truth = try JSONSerialization.jsonObject(with: truthData) as! [String: Any]
      for direction in ["outbound", "inbound"] {
        let got = r.json?[direction] as? [String: Any] ?? [:]
        let want = truth[direction] as? [String: Any] ?? [:]
        for key in ["delivered", "tls", "plaintext", "unknown"] {
          XCTAssertEqual(got[key] as? Int, want[key] as? Int, "\(set.folder) \(direction).\(key)")
        }
        for key in ["by_version", "by_trust"] {
          XCTAssertEqual(
            got[key] as? [String: Int], want[key] as? [String: Int], "\(set.folder) \(direction).\(key)")
        }
      }
      var domains: [String: [String: Int]] = [:]
      for d in r.json?["domains"] as? [[String: Any]] ?? [] {
        domains[d["domain"] as! String] = [
          "delivered": d["delivered"] as! Int, "tls": d["tls"] as! Int,
          "plaintext": d["plaintext"] as! Int, "unknown": d["unknown"] as! Int,
        ]
      }
      XCTAssertEqual(domains, truth["domains"] as? [String: [String: Int]], "\(set.folder) domains")
      let failures = r.json?["failures"] as? [String: Any] ?? [:]
      let wantFailures = truth["failures"] as? [String: Any] ?? [:]
      XCTAssertEqual(failures["total"] as? Int, wantFailures["total"] as? Int, set.folder)
      XCTAssertEqual(
        failures["by_status"] as? [String: Int], wantFailures["by_status"] as? [String: Int], set.folder)
      var byCategory: [String: Int] = [:]
      for c in failures["clusters"] as? [[String: Any]] ?? [] where (c["count"] as? Int ?? 0) > 0 {
        byCategory[c["category"] as! String, default: 0] += c["count"] as! Int
      }
      XCTAssertEqual(byCategory, wantFailures["by_category"] as? [String: Int], "\(set.folder) categories")
      XCTAssertEqual(failures["ndrs"] as? Int, truth["ndrs"] as? Int, "\(set.folder) ndrs")
      let text = try mailtls(["report"] + paths)
      XCTAssertEqual(text.status, 0, text.err)
      assertNoRawControl(text.stdout, "sample text report")
    }
  }

}

/// Mixed runs: Postfix and Exim inputs in one run (issue 3).
final class MixedRunTests: XCTestCase {
  private var samples: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("sample-logs")
  }

  private func files(_ folder: String) throws -> [String] {
    let dir = samples.appendingPathComponent(folder)
    return try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
      .map { dir.appendingPathComponent($0).path }
  }

  private func report(_ paths: [String]) throws -> [String: Any] {
    let r = try mailtls(["report", "--format", "json"] + paths)
    XCTAssertEqual(r.status, 0, r.err)
    return r.json ?? [:]
  }

  /// Each input keeps its detected format, the totals are the sums of the separate runs,
  /// and sources are the Postfix log host plus the Exim mainlog (rotations folded).
  func testPostfixPlusEximAddsUp() throws {
    let postfix = try files("postfix")
    let exim = try files("exim")
    let a = try report(postfix)
    let b = try report(exim)
    let mixed = try report(exim + postfix)
    let formats = (mixed["inputs"] as! [[String: Any]]).map { $0["format"] as! String }
    XCTAssertEqual(formats.filter { $0 == "postfix" }.count, 3)
    XCTAssertEqual(formats.filter { $0 == "exim" }.count, 3)
    for direction in ["outbound", "inbound"] {
      for key in ["delivered", "tls", "plaintext", "unknown"] {
        let sum = ((a[direction] as! [String: Any])[key] as! Int)
          + ((b[direction] as! [String: Any])[key] as! Int)
        XCTAssertEqual((mixed[direction] as! [String: Any])[key] as? Int, sum, "\(direction).\(key)")
      }
    }
    let failures = { (r: [String: Any]) in (r["failures"] as! [String: Any])["total"] as! Int }
    XCTAssertEqual(failures(mixed), failures(a) + failures(b))
    let sources = (mixed["sources"] as! [[String: Any]]).map { $0["source"] as! String }
    XCTAssertEqual(sources, [samples.appendingPathComponent("exim/mainlog").path, "mail"])
    // The Postfix sample's own figures, from its truth file: 523 outbound, 446 TLS.
    XCTAssertEqual((a["outbound"] as! [String: Any])["delivered"] as? Int, 523)
    XCTAssertEqual((a["outbound"] as! [String: Any])["tls"] as? Int, 446)
  }
}

/// The staff poster on the sample logs and partner list.
final class PosterSampleTests: XCTestCase {
  /// Westshire Housing received 43 deliveries, none over TLS (sample truth): the poster
  /// says a plain "No", not "Not always".
  func testPartnerThatNeverGotTLSIsANo() throws {
    let samples = repoRoot.appendingPathComponent("sample-logs")
    let logs = try FileManager.default.contentsOfDirectory(
      atPath: samples.appendingPathComponent("postfix").path
    ).sorted().map { samples.appendingPathComponent("postfix/" + $0).path }
    let r = try mailtls(
      ["poster", "--partners", samples.appendingPathComponent("partners.csv").path, "--format", "markdown"]
        + logs)
    XCTAssertEqual(r.status, 0, r.err)
    let out = String(decoding: r.stdout, as: UTF8.self)
    XCTAssertTrue(
      out.contains(
        "| Westshire Housing Association | No | None of the email we sent them recently was protected: their system does not accept it. Do not send personal or sensitive information to them by ordinary email. |"
      ), out)
  }
}
