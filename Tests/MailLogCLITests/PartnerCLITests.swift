// PartnerCLITests.swift: `report --partners`, `readiness`, `policy` and `poster` run as
// the built binary (<repo>/.build/debug/mailtls) on a small Postfix log, checking
// exit statuses, stderr and output lines; plus the eval-public postfix-3000 log with a
// partner list (skipped when ../shared/eval-public is absent).

import Foundation
import XCTest

final class PartnerCLITests: XCTestCase {
  static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
  static let binary = repo.appendingPathComponent(".build/debug/mailtls").path

  /// Postfix lines in the shapes of the corpus: TLS sessions with each trust adjective,
  /// a delivery without a session by a pid of the same instance (plaintext by the
  /// evidence rule), and a deferral.
  static let log = """
    Jun  3 10:40:01 mail postfix/smtp[2100]: Verified TLS connection established to mx.council.example.com[192.0.2.10]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)
    Jun  3 10:40:02 mail postfix/smtp[2100]: 1A2B3C4D5E01: to=<clerk@council.example.com>, relay=mx.council.example.com[192.0.2.10]:25, delay=0.9, delays=0.1/0/0.5/0.3, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4F1E2D3C)
    Jun  3 10:40:58 mail postfix/smtp[2101]: Trusted TLS connection established to mx.northshire.police.example.net[192.0.2.4]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)
    Jun  3 10:40:59 mail postfix/smtp[2101]: 776E41855DB2: to=<duty@northshire.police.example.net>, relay=mx.northshire.police.example.net[192.0.2.4]:25, delay=1.9, delays=0/0/1.5/0.37, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 00AC27401BF)
    Jun  3 10:41:10 mail postfix/smtp[2102]: 8A1B21855DB3: to=<desk@northshire.police.example.net>, relay=mx.northshire.police.example.net[192.0.2.4]:25, delay=0.5, delays=0/0/0.3/0.2, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 11BC27401C0)
    Jun  3 10:42:00 mail postfix/smtp[2103]: Untrusted TLS connection established to mx.other.example.com[198.51.100.7]:25: TLSv1.2 with cipher ECDHE-RSA-AES128-GCM-SHA256 (128/128 bits)
    Jun  3 10:42:01 mail postfix/smtp[2103]: 9C0D1E2F3A04: to=<info@other.example.com>, relay=mx.other.example.com[198.51.100.7]:25, delay=0.4, delays=0/0/0.2/0.2, dsn=2.0.0, status=sent (250 OK id=1q2w3e)
    Jun  3 10:43:00 mail postfix/smtp[2104]: 9C0D1E2F3A05: to=<sales@other.example.com>, relay=mx.other.example.com[198.51.100.7]:25, delay=0.4, delays=0/0/0.2/0.2, dsn=2.0.0, status=sent (250 OK id=1q2w3f)
    Jun  3 10:44:00 mail postfix/smtp[2105]: 5D6E7F8A9B06: to=<planning@council.example.com>, relay=none, delay=30, delays=0/0/30/0, dsn=4.4.1, status=deferred (connect to mx.council.example.com[192.0.2.10]:25: Connection timed out)
    Jun  3 10:45:00 mail postfix/smtp[2106]: Anonymous TLS connection established to mx.gp.nhs.example.org[203.0.113.20]:25: TLSv1.3 with cipher TLS_AES_128_GCM_SHA256 (128/128 bits)
    Jun  3 10:45:01 mail postfix/smtp[2106]: 2E3F4A5B6C07: to=<reception@gp.nhs.example.org>, relay=mx.gp.nhs.example.org[203.0.113.20]:25, delay=0.6, delays=0/0/0.3/0.3, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 77AA88BB)

    """

  static let partners = """
    # test partners
    domain,organisation,policy,note
    council.example.com,Northshire Council,mandatory,
    northshire.police.example.net,Northshire Police,mandatory,
    *.nhs.example.org,Northshire NHS,mandatory,GP surgeries and trusts

    """

  var dir: URL!

  override func setUpWithError() throws {
    guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
      throw XCTSkip("build mailtls first (swift build): \(Self.binary) is missing")
    }
    dir = FileManager.default.temporaryDirectory.appendingPathComponent("mailtls-partners-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    try write("mail.log", Self.log)
    try write("partners.csv", Self.partners)
  }

  override func tearDownWithError() throws {
    if let dir { try? FileManager.default.removeItem(at: dir) }
  }

  func write(_ name: String, _ text: String) throws {
    try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
  }

  /// Runs mailtls in the temporary folder; returns (status, stdout, stderr).
  func mailtls(_ args: [String]) throws -> (Int32, String, String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: Self.binary)
    p.arguments = args
    p.currentDirectoryURL = dir
    p.standardInput = FileHandle.nullDevice
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
  }

  func lines(_ s: String) -> [String] { s.components(separatedBy: "\n") }

  func testReportAlertsOnPlaintextToMandatoryPartner() throws {
    let (status, out, err) = try mailtls(["report", "--utc", "--year", "2024", "--partners", "partners.csv", "mail.log"])
    XCTAssertEqual(status, 2)
    XCTAssertEqual(err, "mailtls: alert: 1 plaintext delivery to mandatory-TLS partners (Northshire Police 1)\n")
    let l = lines(out)
    guard let start = l.firstIndex(of: "Partners (partners.csv: 3 organisations, 3 entries)") else {
      return XCTFail(out)
    }
    XCTAssertEqual(Array(l[(start + 1)...(start + 21)]), [
      "  Non-partner domains (opportunistic TLS): 50.0% over TLS (1 TLS, 1 plaintext, 0 unknown; 2 deliveries)",
      "  Partner domains:                         75.0% over TLS (3 TLS, 1 plaintext, 0 unknown; 4 deliveries)",
      "  Mandatory-TLS partners (3): 1 plaintext delivery (violations), listed below.",
      "",
      "  organisation                   policy        delivered   TLS %  plain unknown failures",
      "  Northshire Council             mandatory             1  100.0%      0       0        1",
      "      domains: council.example.com",
      "      TLS 1.3 1; trust: verified 1",
      "      failures: 1 deferred, 0 bounced",
      "  Northshire Police              mandatory             2   50.0%      1       0        0",
      "      domains: northshire.police.example.net",
      "      TLS 1.2 1; trust: trusted 1",
      "      VIOLATION: TLS is mandatory, but 1 delivery went in plaintext",
      "  Northshire NHS                 mandatory             1  100.0%      0       0        0",
      "      domains: *.nhs.example.org",
      "      TLS 1.3 1; trust: anonymous 1",
      "",
      "  Plaintext deliveries to mandatory-TLS partners (1):",
      "    time                      queue id         domain                           relay",
      "    2024-06-03T10:41:10Z      8A1B21855DB3     northshire.police.example.net    mx.northshire.police.example.net[192.0.2.4]:25",
      "",
    ])
  }

  func testReportJSONHasPartnerMember() throws {
    let (status, out, _) = try mailtls(["report", "-f", "json", "--utc", "--year", "2024", "--partners", "partners.csv", "mail.log"])
    XCTAssertEqual(status, 2)
    let doc = try JSONSerialization.jsonObject(with: Data(out.utf8)) as! [String: Any]
    let p = doc["partners"] as! [String: Any]
    let non = p["non_partner"] as! [String: Any]
    XCTAssertEqual(non["delivered"] as? Int, 2)
    XCTAssertEqual(non["tls_percent"] as? Double, 50)
    let v = p["violations"] as! [String: Any]
    XCTAssertEqual(v["total"] as? Int, 1)
    let first = (v["listed"] as! [[String: Any]])[0]
    XCTAssertEqual(first["queue_id"] as? String, "8A1B21855DB3")
    XCTAssertEqual(first["time"] as? String, "2024-06-03T10:41:10Z")
    XCTAssertEqual(first["source"] as? String, "mail")
    let orgs = p["organisations"] as! [[String: Any]]
    XCTAssertEqual(orgs.map { $0["organisation"] as! String }, ["Northshire Council", "Northshire Police", "Northshire NHS"])
    XCTAssertEqual(orgs.map { $0["violations"] as! Int }, [0, 1, 0])
    XCTAssertEqual(orgs[2]["domains_seen"] as? [String], ["gp.nhs.example.org"])
  }

  func testMalformedPartnerFileExits65WithLineNumbers() throws {
    try write("bad.csv", "# x\ncouncil.example.com,Council,mandatory\nexample,Short,mandatory\nfire.example.net,Fire,sometimes\n")
    let (status, out, err) = try mailtls(["report", "--partners", "bad.csv", "mail.log"])
    XCTAssertEqual(status, 65)
    XCTAssertEqual(out, "")
    XCTAssertEqual(lines(err), [
      "mailtls: error: bad partner list:",
      "bad.csv:3: 'example' is not a full domain name (expected something like example.org)",
      "bad.csv:4: policy 'sometimes' is not mandatory or opportunistic",
      "",
    ])
    let (missing, _, err2) = try mailtls(["report", "--partners", "nope.csv", "mail.log"])
    XCTAssertEqual(missing, 66)
    XCTAssertEqual(err2, "mailtls: error: cannot read nope.csv: no such file\n")
  }

  func testReadinessFormats() throws {
    let (status, out, _) = try mailtls(["readiness", "--utc", "--year", "2024", "--partners", "partners.csv", "mail.log"])
    XCTAssertEqual(status, 0)
    let l = lines(out)
    XCTAssertEqual(l[1], "Period: 2024-06-03T10:40:01Z to 2024-06-03T10:45:01Z")
    XCTAssertEqual(l[2], "4 recipient domains, 6 deliveries to external servers.")
    XCTAssertTrue(l.contains("Always TLS, certificate verified (1 domains, 1 deliveries)"), out)
    XCTAssertTrue(l.contains("  council.example.com                              1  TLS 1.3 1; verified 1  [partner: Northshire Council, mandatory]"), out)
    XCTAssertTrue(l.contains("  northshire.police.example.net                    2   50.0%      1  2024-06-03T10:41:10Z       TLS 1.2 1  [partner: Northshire Police, mandatory]"), out)
    let (_, csv, _) = try mailtls(["readiness", "-f", "csv", "--utc", "--year", "2024", "mail.log"])
    XCTAssertEqual(csv.components(separatedBy: "\r\n"), [
      "domain,class,delivered,tls,plaintext,unknown,tls_percent,tls_1_3,tls_1_2,tls_1_1,tls_1_0,ssl3,version_unknown,verified,trusted,untrusted,anonymous,trust_unknown,last_plaintext,partner,policy",
      "council.example.com,tls-verified,1,1,0,0,100.0,1,0,0,0,0,0,1,0,0,0,0,,,",
      "gp.nhs.example.org,tls-unverified,1,1,0,0,100.0,1,0,0,0,0,0,0,0,0,1,0,,,",
      "northshire.police.example.net,sometimes-plaintext,2,1,1,0,50.0,0,1,0,0,0,0,0,1,0,0,0,2024-06-03T10:41:10Z,,",
      "other.example.com,sometimes-plaintext,2,1,1,0,50.0,0,1,0,0,0,0,0,0,1,0,0,2024-06-03T10:43:00Z,,",
      "",
    ])
    let (_, json, _) = try mailtls(["readiness", "-f", "json", "--utc", "--year", "2024", "mail.log"])
    let doc = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
    XCTAssertEqual(doc["schema"] as? String, "mailtls.readiness/1")
    let classes = doc["classes"] as! [[String: Any]]
    // tls-failures (none in this log), verified, unverified, sometimes, never, unknown.
    XCTAssertEqual(classes.map { $0["class"] as? String }.first, "tls-failures")
    XCTAssertEqual(classes.map { $0["domains"] as! Int }, [0, 1, 1, 2, 0, 0])
  }

  func testPolicyPostfixAndDiff() throws {
    let (status, out, _) = try mailtls(["policy", "--for", "postfix", "--partners", "partners.csv", "--add-ready", "--year", "2024", "mail.log"])
    XCTAssertEqual(status, 0)
    XCTAssertEqual(lines(out).filter { !$0.hasPrefix("#") && !$0.isEmpty }, [
      "council.example.com verify",
      "northshire.police.example.net encrypt",
      ".nhs.example.org encrypt",
    ])
    XCTAssertTrue(lines(out).contains("# 2 ready domains are already covered by the lines above."))
    try write("tls_policy", "# current\ncouncil.example.com   encrypt\n.nhs.example.org\tencrypt\nold.example.net encrypt\n")
    let (st2, diff, _) = try mailtls(["policy", "--for", "postfix", "--partners", "partners.csv", "--add-ready", "--year", "2024", "--diff", "tls_policy", "mail.log"])
    XCTAssertEqual(st2, 0)
    XCTAssertEqual(lines(diff), [
      "Dry run: mailtls policy --for postfix compared with tls_policy (nothing was changed).",
      "+ council.example.com verify",
      "+ northshire.police.example.net encrypt",
      "- council.example.com encrypt",
      "- old.example.net encrypt",
      "2 lines added, 2 removed, 1 unchanged.",
      "",
    ])
    let (none, _, err) = try mailtls(["policy", "--for", "postfix"])
    XCTAssertEqual(none, 64)
    XCTAssertTrue(err.hasPrefix("mailtls: error: nothing to export: give --partners FILE, --domains FILE or --add-ready\n"), err)
  }

  func testPolicyEximAndExchangeWithoutLogs() throws {
    let (s1, exim, _) = try mailtls(["policy", "--for", "exim", "--partners", "partners.csv"])
    XCTAssertEqual(s1, 0)
    XCTAssertEqual(lines(exim).filter { !$0.hasPrefix("#") && !$0.isEmpty }, [
      "council.example.com: encrypt",
      "northshire.police.example.net: encrypt",
      "*.nhs.example.org: encrypt",
    ])
    let (s2, ps, _) = try mailtls(["policy", "--for", "exchange", "--partners", "partners.csv"])
    XCTAssertEqual(s2, 0)
    let l = lines(ps)
    let start = l.firstIndex(of: "$encryptionOnly = @(")!
    XCTAssertEqual(Array(l[start...(start + 10)]), [
      "$encryptionOnly = @(",
      "  # Northshire Council (partner list line 3)",
      "  'council.example.com'",
      "  # Northshire Police (partner list line 4)",
      "  'northshire.police.example.net'",
      "  # Northshire NHS (partner list line 5)",
      "  '*.nhs.example.org'",
      ")",
      "$certificateValidation = @(",
      ")",
      "",
    ])
  }

  func testPosterMarkdown() throws {
    let (status, out, _) = try mailtls(["poster", "-f", "markdown", "--partners", "partners.csv", "--utc", "--year", "2024", "mail.log"])
    XCTAssertEqual(status, 0)
    XCTAssertEqual(lines(out), [
      "# Sending email to our partner organisations",
      "",
      "\"Protected\" means the email is scrambled on its way between our system and theirs, so nobody in between can read it.",
      "",
      "Based on email sent on 2024-06-03.",
      "",
      "| Organisation | Is email to them protected? | What this means |",
      "|---|---|---|",
      "| Northshire Council | **Yes, always** | Our email system only sends to them protected. If it cannot, the email waits and is never sent unprotected. |",
      "| Northshire Police | Not at the moment | Some recent email to them was not protected, although it should have been. Ask IT before sending anything sensitive. |",
      "| Northshire NHS | **Yes, always** | Our email system only sends to them protected. If it cannot, the email waits and is never sent unprotected. |",
      "",
      "Questions? Ask the IT service desk.",
      "",
    ])
  }

  /// eval-public postfix-3000: brightbeacon.example.com has 48 deliveries (46 TLS, 2
  /// plaintext) and amber.coral.example.org 9 (8 TLS, 1 plaintext) in truth.json.
  func testEvalPostfix3000Partners() throws {
    let eval = Self.repo.deletingLastPathComponent().appendingPathComponent("shared/eval-public/postfix-3000/input.log.gz")
    guard FileManager.default.fileExists(atPath: eval.path) else {
      throw XCTSkip("../shared/eval-public is absent")
    }
    try write("eval.csv", "brightbeacon.example.com,Bright Beacon Council,mandatory\n*.coral.example.org,Coral Police,mandatory\nacme-oak.example.org,Acme Oak Fire,opportunistic\n")
    let (status, out, err) = try mailtls(["report", "-f", "json", "--partners", "eval.csv", eval.path])
    XCTAssertEqual(status, 2)
    XCTAssertEqual(err, "mailtls: alert: 3 plaintext deliveries to mandatory-TLS partners (Bright Beacon Council 2, Coral Police 1)\n")
    let doc = try JSONSerialization.jsonObject(with: Data(out.utf8)) as! [String: Any]
    let p = doc["partners"] as! [String: Any]
    let non = p["non_partner"] as! [String: Any]
    XCTAssertEqual([non["delivered"], non["tls"], non["plaintext"], non["unknown"]] as? [Int], [2885, 2553, 332, 0])
    let orgs = p["organisations"] as! [[String: Any]]
    XCTAssertEqual(orgs.map { [$0["delivered"], $0["tls"], $0["plaintext"]] as! [Int] }, [[48, 46, 2], [9, 8, 1], [3, 0, 3]])
    XCTAssertEqual(orgs[1]["domains_seen"] as? [String], ["amber.coral.example.org"])
    XCTAssertEqual((p["violations"] as! [String: Any])["total"] as? Int, 3)
  }
}
