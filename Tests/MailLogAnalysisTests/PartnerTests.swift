// PartnerTests.swift: the partner list (parsing, errors with line numbers, suffix
// matching), the partner/non-partner split and violations with the evidence rule,
// readiness classes, and the Postfix/Exim/Exchange exports and their diff, all with
// exact figures from hand-counted events.

import MailLogAnalysis
import MailLogKit
import MailLogModel
import MailLogReport
import XCTest

final class PartnerTests: XCTestCase {
  static let listText = """
    # Northshire partners
    domain,organisation,policy,note
    northshire.police.example.net,Northshire Police,mandatory,
    *.police.example.net,Police (other forces),opportunistic,
    *.nhs.example.org,Northshire NHS,mandatory,"trusts, surgeries"

    nhs.example.org,Northshire NHS,opportunistic,bare domain
    Council.Example.COM.,Northshire Council,MANDATORY
    *.gp.nhs.example.org,GP Surgeries,opportunistic,"a ""quoted"" note"
    """

  func list() throws -> PartnerList { try PartnerList.parse(Self.listText, file: "partners.csv") }

  func testParsesEntriesInOrder() throws {
    let l = try list()
    XCTAssertEqual(l.entries.map(\.pattern), [
      "northshire.police.example.net", "*.police.example.net", "*.nhs.example.org",
      "nhs.example.org", "council.example.com", "*.gp.nhs.example.org",
    ])
    XCTAssertEqual(l.entries.map(\.line), [3, 4, 5, 7, 8, 9])
    XCTAssertEqual(l.entries[2].note, "trusts, surgeries")
    XCTAssertEqual(l.entries[5].note, "a \"quoted\" note")
    XCTAssertEqual(l.entries[4].policy, .mandatory)
    XCTAssertEqual(l.organisations.map(\.name), [
      "Northshire Police", "Police (other forces)", "Northshire NHS", "Northshire Council",
      "GP Surgeries",
    ])
    XCTAssertEqual(l.organisations.map(\.policyLabel), [
      "mandatory", "opportunistic", "mixed", "mandatory", "opportunistic",
    ])
  }

  func testSuffixMatching() throws {
    let l = try list()
    func org(_ d: String) -> String? { l.match(d)?.organisation }
    XCTAssertEqual(org("northshire.police.example.net"), "Northshire Police")
    XCTAssertEqual(org("NorthShire.Police.Example.NET."), "Northshire Police")
    // The exact entry does not cover its subdomains; the wildcard above it does.
    XCTAssertEqual(org("mail.northshire.police.example.net"), "Police (other forces)")
    XCTAssertNil(org("police.example.net"))  // *.suffix is not the bare suffix
    XCTAssertEqual(org("a.b.nhs.example.org"), "Northshire NHS")
    XCTAssertEqual(l.match("nhs.example.org")?.policy, .opportunistic)
    XCTAssertNil(org("xnhs.example.org"))  // only at a label boundary
    XCTAssertEqual(org("a.gp.nhs.example.org"), "GP Surgeries")  // longest suffix wins
    XCTAssertEqual(org("gp.nhs.example.org"), "Northshire NHS")
    XCTAssertEqual(org("council.example.com"), "Northshire Council")
    XCTAssertNil(org("x.council.example.com"))
    XCTAssertNil(org(""))
  }

  func testMalformedFileListsEveryBadLine() {
    let text = """
      # partners
      domain,organisation,policy,note
      good.example.org,Good Org,mandatory
      bad domain.example.org,Bad,mandatory
      *.example.org.,,mandatory
      x.example.org,X,required
      "unterminated,X,mandatory
      GOOD.example.org,Dup,opportunistic
      .sub.example.org,Sub,mandatory
      a.example.org,A,mandatory,note,extra

      user@example.org,U,mandatory
      *.*.example.org,W,mandatory
      localhost,L,mandatory
      y.example.org,Y,
      """
    XCTAssertThrowsError(try PartnerList.parse(text, file: "p.csv")) { error in
      guard let e = error as? PartnerFileError else { return XCTFail("\(error)") }
      XCTAssertEqual(e.problems.map(\.line), [4, 5, 6, 7, 8, 9, 10, 12, 13, 14, 15])
      XCTAssertEqual(e.description.split(separator: "\n").map(String.init), [
        "p.csv:4: 'bad domain.example.org' is not a domain name (letters, digits, hyphens and dots only)",
        "p.csv:5: the organisation name is empty",
        "p.csv:6: policy 'required' is not mandatory or opportunistic",
        "p.csv:7: a quoted field is not closed (a \" is missing)",
        "p.csv:8: good.example.org is already listed on line 3",
        "p.csv:9: '.sub.example.org': write *.sub.example.org for the subdomains of sub.example.org (and list sub.example.org itself on its own line if it should match too)",
        "p.csv:10: 5 fields; expected domain,organisation,policy[,note] (put double quotes around a field that contains a comma)",
        "p.csv:12: 'user@example.org' is an address; write only the domain after the @",
        "p.csv:13: '*.*.example.org': a * may only stand alone as the first label, as in *.example.org",
        "p.csv:14: 'localhost' is not a full domain name (expected something like example.org)",
        "p.csv:15: the policy is empty; write mandatory or opportunistic",
      ])
    }
  }

  func testEmptyFileAndBOMAndCRLF() throws {
    XCTAssertThrowsError(try PartnerList.parse("# nothing\n\n", file: "e.csv")) { error in
      XCTAssertEqual(
        "\(error)", "e.csv: no partner entries (expected lines like: example.org,Example Council,mandatory)")
    }
    let l = try PartnerList.parse("\u{FEFF}a.example.org,A,mandatory\r\nb.example.org,B,opportunistic\r\n", file: "w.csv")
    XCTAssertEqual(l.entries.map(\.pattern), ["a.example.org", "b.example.org"])
    XCTAssertEqual(l.entries.map(\.organisation), ["A", "B"])
  }

  // MARK: figures

  static let evidenceKey = "mail/postfix/out"
  static let silentKey = "other/postfix/out"
  static let t0: LogTime = 1_717_400_000

  func delivery(
    _ n: Int, _ domain: String, _ p: Protection, status: DeliveryStatus = .sent,
    outbound: Bool = true
  ) -> MailEvent {
    .delivery(DeliveryEvent(
      origin: Origin(input: 0, logHost: "mail", mta: .postfix), time: Self.t0 + LogTime(n * 60),
      messageID: "Q\(n)", recipient: "user@\(domain)", domain: domain,
      relay: "mx.\(domain)[192.0.2.\(n)]:25", agent: "smtp", status: status,
      isOutbound: outbound, protection: p))
  }

  /// Runs the hand-counted events through coverage and tracker.
  func run(maxListed: Int = 1000) throws -> (CoverageAggregator, PartnerSummary) {
    let l = try list()
    let coverage = CoverageAggregator(inputNames: ["mail.log"], clock: LocalClock(utc: true))
    let tracker = PartnerTracker(list: l, maxListed: maxListed, inputNames: ["mail.log"])
    let proven = Protection.unproven(evidenceKey: Self.evidenceKey)
    let silent = Protection.unproven(evidenceKey: Self.silentKey)
    let events: [MailEvent] = [
      delivery(1, "northshire.police.example.net", .tls(.v13, .verified)),
      delivery(2, "northshire.police.example.net", .tls(.v12, .trusted)),
      delivery(3, "northshire.police.example.net", .plaintext),  // violation
      delivery(4, "northshire.police.example.net", proven),  // violation once resolved
      delivery(5, "northshire.police.example.net", silent),  // unknown, no violation
      delivery(6, "a.nhs.example.org", .tls(.v12, .untrusted)),
      delivery(7, "b.nhs.example.org", proven),  // violation once resolved
      delivery(8, "nhs.example.org", .plaintext),  // opportunistic: not a violation
      delivery(9, "council.example.com", .tls(.v13, .verified)),
      delivery(10, "council.example.com", .unknown(reason: "x"), status: .deferred),
      delivery(11, "council.example.com", .unknown(reason: "x"), status: .bounced),
      delivery(12, "x.police.example.net", .tls(.v13, .verified)),
      delivery(13, "other.example.com", .tls(.v13, .trusted)),
      delivery(14, "other.example.com", .plaintext),
      delivery(15, "foo.example.net", .tls(.v12, .anonymous)),
      delivery(16, "foo.example.net", silent),
      delivery(17, "quiet.example.org", silent),
      delivery(18, "trusted.example.org", .tls(.v13, .trusted)),
      delivery(19, "trusted.example.org", .tls(.v12, .trusted)),
      delivery(20, "northshire.police.example.net", .plaintext, outbound: false),  // local
      .tlsEvidence(key: Self.evidenceKey),  // seen after the deliveries it decides
    ]
    for e in events {
      coverage.consume(e)
      tracker.consume(e)
    }
    coverage.finish()
    return (coverage, PartnerSummary(list: l, coverage: coverage, tracker: tracker))
  }

  func counts(_ c: CoverageCounts) -> [Int] { [c.delivered, c.tls, c.plaintext, c.unknown] }

  func testPartnerAndNonPartnerSplit() throws {
    let (_, s) = try run()
    XCTAssertEqual(counts(s.nonPartners), [7, 4, 1, 2])
    XCTAssertEqual(s.nonPartners.tlsPercent!, 80.0, accuracy: 1e-9)
    XCTAssertEqual(counts(s.partners), [10, 5, 4, 1])
    XCTAssertEqual(s.rows.map(\.organisation.name), [
      "Northshire Police", "Police (other forces)", "Northshire NHS", "Northshire Council",
      "GP Surgeries",
    ])
    XCTAssertEqual(s.rows.map { counts($0.counts) }, [
      [5, 2, 2, 1], [1, 1, 0, 0], [3, 1, 2, 0], [1, 1, 0, 0], [0, 0, 0, 0],
    ])
    XCTAssertEqual(s.rows.map(\.violations), [2, 0, 1, 0, 0])
    XCTAssertEqual(s.rows.map(\.deferred), [0, 0, 0, 1, 0])
    XCTAssertEqual(s.rows.map(\.bounced), [0, 0, 0, 1, 0])
    XCTAssertEqual(s.rows[2].domainsSeen, ["a.nhs.example.org", "b.nhs.example.org", "nhs.example.org"])
  }

  func testViolationsResolvedByEvidenceAndBounded() throws {
    let (_, s) = try run()
    XCTAssertEqual(s.violationCount, 3)
    XCTAssertEqual(s.violations.map(\.queueID), ["Q3", "Q4", "Q7"])
    XCTAssertEqual(s.violations.map(\.domain), [
      "northshire.police.example.net", "northshire.police.example.net", "b.nhs.example.org",
    ])
    XCTAssertEqual(s.violations[2].organisation, "Northshire NHS")
    XCTAssertEqual(s.violations[0].relay, "mx.northshire.police.example.net[192.0.2.3]:25")
    XCTAssertEqual(s.violations[0].source, "mail")
    let (_, small) = try run(maxListed: 2)
    XCTAssertEqual(small.violationCount, 3)
    XCTAssertEqual(small.violations.map(\.queueID), ["Q3", "Q4"])
    let text = PartnerRender.text(small, clock: LocalClock(utc: true))
    XCTAssertTrue(text.contains("    ... and 1 more (only the first 2 are listed)"), text.joined(separator: "\n"))
    XCTAssertTrue(text.contains("  Mandatory-TLS partners (3): 3 plaintext deliveries (violations), listed below."))
    XCTAssertTrue(text.contains("  Non-partner domains (opportunistic TLS): 80.0% over TLS (4 TLS, 1 plaintext, 2 unknown; 7 deliveries)"))
  }

  func testReportJSONAndHTML() throws {
    let (_, s) = try run()
    let clock = LocalClock(utc: true)
    let j = PartnerRender.json(s, clock: clock)
    XCTAssertEqual(j["non_partner"]?["tls_percent"], .double(80.0))
    XCTAssertEqual(j["violations"]?["total"], .int(3))
    XCTAssertEqual(j["violations"]?["truncated"], .bool(false))
    guard case .array(let orgs)? = j["organisations"], case .array(let listed)? = j["violations"]?["listed"] else {
      return XCTFail("shape")
    }
    XCTAssertEqual(orgs.count, 5)
    XCTAssertEqual(orgs[0]["violations"], .int(2))
    XCTAssertEqual(orgs[3]["failures"], .object([("deferred", .int(1)), ("bounced", .int(1))]))
    XCTAssertEqual(listed[0]["time"], .string("2024-06-03T07:36:20Z"))
    XCTAssertEqual(listed[0]["queue_id"], .string("Q3"))
    let html = PartnerRender.html(s, clock: clock)
    XCTAssertTrue(html.contains("<td>Police (other forces)</td><td>opportunistic</td><td>*.police.example.net</td><td>1</td><td>100.0%</td>"), html)
    XCTAssertTrue(html.contains("<tr><td>2024-06-03T07:36:20Z</td><td>Q3</td><td>northshire.police.example.net</td><td>Northshire Police</td>"))
    // Names from the file are escaped.
    let evil = try PartnerList.parse("a.example.org,<b>Evil & Co</b>,mandatory\n", file: "x")
    let cov = CoverageAggregator(inputNames: [], clock: clock)
    cov.finish()
    let h2 = PartnerRender.html(PartnerSummary(list: evil, coverage: cov, tracker: nil), clock: clock)
    XCTAssertTrue(h2.contains("<td>&lt;b&gt;Evil &amp; Co&lt;/b&gt;</td>"))
    XCTAssertFalse(h2.contains("<b>Evil"))
  }

  func testReadinessClasses() throws {
    let (coverage, _) = try run()
    let r = Readiness(coverage: coverage, partners: try list())
    XCTAssertEqual(r.rows.map { "\($0.readiness.rawValue) \($0.domain)" }, [
      "tls-verified trusted.example.org",
      "tls-verified council.example.com",
      "tls-verified x.police.example.net",
      "tls-unverified foo.example.net",
      "tls-unverified a.nhs.example.org",
      "sometimes-plaintext northshire.police.example.net",
      "sometimes-plaintext other.example.com",
      "never-tls b.nhs.example.org",
      "never-tls nhs.example.org",
      "unknown-only quiet.example.org",
    ])
    XCTAssertEqual(r.rows.map(\.allVerified), [false, true, true, false, false, false, false, false, false, false])
    XCTAssertEqual(r.ready().count, 5)
    XCTAssertEqual(r.ready(minDeliveries: 2).map(\.domain), ["trusted.example.org", "foo.example.net"])
    let clock = LocalClock(utc: true)
    let csv = PartnerRender.readinessCSV(r, clock: clock).components(separatedBy: "\r\n")
    XCTAssertEqual(csv[0], PartnerRender.readinessCSVHeader)
    XCTAssertEqual(csv[6], "northshire.police.example.net,sometimes-plaintext,5,2,2,1,50.0,1,1,0,0,0,0,1,1,0,0,0,2024-06-03T07:37:20Z,Northshire Police,mandatory")
    XCTAssertEqual(csv[10], "quiet.example.org,unknown-only,1,0,0,1,,0,0,0,0,0,0,0,0,0,0,0,,,")
    let text = PartnerRender.readinessText(r, first: nil, last: nil, clock: clock)
    XCTAssertTrue(text.contains("Always TLS, certificate not verified (2 domains, 3 deliveries)"), text)
    XCTAssertTrue(text.contains("  foo.example.net                                  2  TLS 1.2 1; anonymous 1  (+1 unknown)"), text)
  }

  // MARK: export

  func plan() throws -> PolicyPlan {
    let (coverage, _) = try run()
    let l = try list()
    return PolicyPlan(
      partners: l, readiness: Readiness(coverage: coverage, partners: l), addReady: true)
  }

  /// Lines that are not comments or blank.
  func content(_ text: String) -> [String] {
    text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init).filter {
      !$0.trimmingCharacters(in: .whitespaces).hasPrefix("#")
    }
  }

  func testPlanLevelsAndRemarks() throws {
    let p = try plan()
    XCTAssertEqual(p.items.map { "\($0.pattern) \($0.level.rawValue)" }, [
      "council.example.com verify", "foo.example.net encrypt",
      "northshire.police.example.net encrypt", "trusted.example.org encrypt",
      "*.nhs.example.org encrypt",
    ])
    XCTAssertEqual(p.items.map(\.reason), [
      "Northshire Council (partner list line 8)",
      "no plaintext in the logs: 1 TLS delivery (and 1 unknown), certificate not verified",
      "Northshire Police (partner list line 3)",
      "no plaintext in the logs: 2 TLS deliveries, certificate trusted",
      "Northshire NHS (partner list line 5)",
    ])
    XCTAssertEqual(p.remarks, [
      "2 ready domains are already covered by the lines above.",
      "Left out because the partner list marks them opportunistic: x.police.example.net.",
    ])
  }

  func testPostfixExport() throws {
    let out = PolicyWriter.render(try plan(), for: .postfix, tool: "mailtls 9.9")
    XCTAssertEqual(content(out), [
      "council.example.com verify",
      "foo.example.net encrypt",
      "northshire.police.example.net encrypt",
      "trusted.example.org encrypt",
      ".nhs.example.org encrypt",
    ])
    let lines = out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    XCTAssertEqual(lines[0], "# Postfix smtp_tls_policy_maps table written by mailtls 9.9 (mailtls policy --for postfix).")
    XCTAssertEqual(lines[1], "# Sources:")
    XCTAssertEqual(lines[2], "#   partner list partners.csv (3 mandatory entries)")
    XCTAssertEqual(lines[3], "#   5 domains with TLS on every delivery in the logs")
    XCTAssertTrue(lines.contains("#   postconf -e 'smtp_tls_policy_maps = hash:/etc/postfix/tls_policy'"))
    let i = lines.firstIndex(of: "council.example.com verify")!
    XCTAssertEqual(lines[i - 1], "# Northshire Council (partner list line 8)")
    XCTAssertEqual(lines[i - 2], "")
  }

  func testEximExport() throws {
    let out = PolicyWriter.render(try plan(), for: .exim, tool: "mailtls 9.9")
    XCTAssertEqual(content(out), [
      "council.example.com: verify",
      "foo.example.net: encrypt",
      "northshire.police.example.net: encrypt",
      "trusted.example.org: encrypt",
      "*.nhs.example.org: encrypt",
    ])
    let lines = out.split(separator: "\n").map(String.init)
    XCTAssertTrue(lines.contains("#       condition = ${if eq{${lookup{$domain}nwildlsearch{/etc/exim4/mailtls-tls-policy}}}{verify}}"))
    XCTAssertTrue(lines.contains("#       domains = ! +local_domains : nwildlsearch;/etc/exim4/mailtls-tls-policy"))
    XCTAssertTrue(lines.contains("#       hosts_require_tls = *"))
    XCTAssertTrue(lines.contains("#       tls_verify_hosts = *"))
  }

  func testExchangeExport() throws {
    let out = PolicyWriter.render(try plan(), for: .exchange, tool: "mailtls 9.9")
    XCTAssertEqual(content(out), [
      "$encryptionOnly = @(",
      "  'foo.example.net'",
      "  'northshire.police.example.net'",
      "  'trusted.example.org'",
      "  '*.nhs.example.org'",
      ")",
      "$certificateValidation = @(",
      "  'council.example.com'",
      ")",
      "function Set-MailtlsConnector([string]$Name, [string[]]$Domains, [string]$Tls) {",
      "  if ($Domains.Count -eq 0) { Write-Host \"${Name}: no domains, left as it is\"; return }",
      "  if (Get-OutboundConnector -Identity $Name -ErrorAction SilentlyContinue) {",
      "    Set-OutboundConnector -Identity $Name -RecipientDomains $Domains -TlsSettings $Tls -UseMXRecord $true -Enabled $true",
      "  } else {",
      "    New-OutboundConnector -Name $Name -ConnectorType Partner -RecipientDomains $Domains -TlsSettings $Tls -UseMXRecord $true -Enabled $true",
      "  }",
      "}",
      "Set-MailtlsConnector -Name 'mailtls TLS required' -Domains $encryptionOnly -Tls 'EncryptionOnly'",
      "Set-MailtlsConnector -Name 'mailtls TLS required with certificate check' -Domains $certificateValidation -Tls 'CertificateValidation'",
    ])
    XCTAssertTrue(out.contains("  # Northshire NHS (partner list line 5)\n  '*.nhs.example.org'\n"))
  }

  func testPartnersOnlyWithoutLogsIsEncrypt() throws {
    let p = PolicyPlan(partners: try list(), readiness: nil, addReady: false)
    XCTAssertEqual(p.items.map { "\($0.pattern) \($0.level.rawValue)" }, [
      "council.example.com encrypt", "northshire.police.example.net encrypt",
      "*.nhs.example.org encrypt",
    ])
    XCTAssertEqual(p.remarks, [])
  }

  func testDomainListAndOverrides() throws {
    let items = try PolicyPlan.parseDomainList(
      "# extra\nCouncil.example.com verify\n*.fire.example.net\nnew.example.org, encrypt\n", file: "d.txt")
    XCTAssertEqual(items.map(\.line), [2, 3, 4])
    let p = PolicyPlan(partners: try list(), readiness: nil, addReady: false, extra: items, extraSource: "d.txt")
    XCTAssertEqual(p.items.map { "\($0.pattern) \($0.level.rawValue)" }, [
      "council.example.com verify", "new.example.org encrypt",
      "northshire.police.example.net encrypt", "*.fire.example.net encrypt",
      "*.nhs.example.org encrypt",
    ])
    XCTAssertEqual(p.items[0].reason, "Northshire Council (partner list line 8); domain list line 2")
    XCTAssertThrowsError(try PolicyPlan.parseDomainList("ok.example.org\nbad..example.org\nx.example.org strict\nok.example.org\n", file: "d.txt")) { e in
      XCTAssertEqual("\(e)", """
        d.txt:2: 'bad..example.org' has an empty label (two dots in a row?)
        d.txt:3: level 'strict' is not encrypt or verify
        d.txt:4: ok.example.org is already listed on line 1
        """)
    }
  }

  func testDiffIgnoresCommentsSpacingAndOrder() {
    let old = "# old table\nold.example.net\tencrypt\n\nb.example.org   encrypt\na.example.org encrypt\n"
    let new = "# new\na.example.org encrypt\nb.example.org encrypt\nc.example.org verify\n"
    let d = PolicyDiff(old: old, new: new)
    XCTAssertEqual(d.added, ["c.example.org verify"])
    XCTAssertEqual(d.removed, ["old.example.net encrypt"])
    XCTAssertEqual(d.unchanged, 2)
    XCTAssertEqual(PolicyDiff(old: new, new: new).unchanged, 3)
  }

  func testPosterWords() throws {
    let (coverage, s) = try run()
    let lines = PartnerRender.posterLines(s, logsRead: true)
    XCTAssertEqual(lines.map(\.answer), [
      "Not at the moment", "Usually, but not guaranteed", "Only some of their addresses",
      "Yes, always", "Not guaranteed",
    ])
    XCTAssertEqual(lines.map(\.safe), [false, false, false, true, false])
    let md = PartnerRender.posterMarkdown(
      s, title: "Email to partners", contact: "IT on 1234", logsRead: true,
      first: coverage.firstTime, last: coverage.lastTime, clock: LocalClock(utc: true))
    let mdLines = md.split(separator: "\n").map(String.init)
    XCTAssertEqual(mdLines[0], "# Email to partners")
    XCTAssertTrue(mdLines.contains("| Police (other forces) | Usually, but not guaranteed | All email we sent them recently was protected, but this depends on their system. Do not rely on it for sensitive information. |"), md)
    XCTAssertTrue(mdLines.contains("| Northshire Council | **Yes, always** | Our email system only sends to them protected. If it cannot, the email waits and is never sent unprotected. |"))
    XCTAssertFalse(md.contains("TLS"))
    XCTAssertEqual(PartnerRender.markdown("A|B *x* <y>"), "A\\|B \\*x\\* \\<y\\>")
  }
}
