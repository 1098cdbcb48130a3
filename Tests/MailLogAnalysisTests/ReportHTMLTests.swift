// ReportHTMLTests.swift: the HTML report is one well-formed, e-mail-safe page (no
// script, style block, SVG, images or data URIs) that shows the same figures as the
// text report, draws bars from table cells, and escapes hostile text from logs (a
// `<script>` recipient domain, reply text, input names, notes, feature sections).

import Foundation
import MailLogAnalysis
import MailLogKit
import MailLogModel
import MailLogReport
import XCTest

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// Collects element names and text of a parsed page; records the first parse error.
private final class PageCollector: NSObject, XMLParserDelegate {
  var elements: [String: Int] = [:]
  var attributes: [String] = []
  var text = ""
  var error: Error?

  func parser(
    _ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
    qualifiedName: String?,
    attributes: [String: String]
  ) {
    elements[name.lowercased(), default: 0] += 1
    self.attributes += attributes.map { "\($0.key)=\($0.value)" }
  }

  func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
  func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) { error = parseError }
}

final class ReportHTMLTests: XCTestCase {
  private typealias F = NightlyFixture
  private let hostileDomain = "<script>alert(1)</script>.example"
  private let hostileReply = "550 5.7.1 <img src=x onerror=alert(2)> & \"quoted\" 'single'"

  private func data() -> ReportData {
    let clock = LocalClock(utc: true)
    let coverage = CoverageAggregator(inputNames: ["mail<b>.log"], clock: clock)
    let t = F.utc(2026, 7, 15, 10)
    F.feed(
      [
        F.sent(t, hostileDomain, .tls(.v13, .verified)),
        F.sent(t + 60, hostileDomain, .plaintext),
        F.sent(t + 120, "b.example", .tls(.v10, .untrusted)),
        F.sent(t + 180, "b.example", .tls(.v12, .trusted)),
        F.arrival(t + 240, .plaintext),
      ], into: [coverage])
    coverage.finish()
    var run = RunResult()
    var stats = InputStats(name: "mail<b>.log", format: "postfix")
    stats.lines = 12
    stats.parsed = 10
    stats.skippedByKind = ["postfix/<evil>": 2]
    stats.warning = "gzip stream damaged </td></tr>"
    run.inputs = [stats]
    run.notes = ["note with <tags> & ampersands"]
    var d = ReportData(
      coverage: coverage, run: run, failures: .object([]),
      failureText: ["Failures: " + hostileReply], clock: clock)
    d.extraText = [("Partner check", ["  plaintext to <script>partner</script>"])]
    return d
  }

  private func parse(_ html: String) throws -> PageCollector {
    let collector = PageCollector()
    let parser = XMLParser(data: Data(html.utf8))
    parser.delegate = collector
    let ok = parser.parse()
    XCTAssertNil(
      collector.error,
      "not well-formed: \(String(describing: collector.error ?? parser.parserError))")
    XCTAssertTrue(ok)
    return collector
  }

  func testPageIsWellFormedAndEscapesHostileText() throws {
    let html = ReportHTML.render(data())
    let page = try parse(html)
    // Hostile text is text, never markup.
    for name in ["script", "img", "svg", "style", "evil", "iframe", "link"] {
      XCTAssertNil(page.elements[name], "element <\(name)> in the page")
    }
    XCTAssertTrue(page.text.contains(hostileDomain))
    XCTAssertTrue(page.text.contains(hostileReply))
    XCTAssertTrue(page.text.contains("plaintext to <script>partner</script>"))
    XCTAssertTrue(page.text.contains("mail<b>.log"))
    XCTAssertTrue(page.text.contains("postfix/<evil> 2"))
    XCTAssertTrue(page.text.contains("gzip stream damaged </td></tr>"))
    XCTAssertTrue(page.text.contains("note with <tags> & ampersands"))
    XCTAssertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;.example"))
    XCTAssertTrue(
      html.contains("&lt;img src=x onerror=alert(2)&gt; &amp; &quot;quoted&quot; &#39;single&#39;"))
    // E-mail safe: no scripts, handlers, external or embedded resources.
    let lower = html.lowercased()
    for banned in ["<script", "<style", "<svg", "<img", "data:", "javascript:", "<link", "@import"]
    {
      XCTAssertFalse(lower.contains(banned), "page contains \(banned)")
    }
    XCTAssertTrue(page.attributes.allSatisfy { !$0.lowercased().hasPrefix("on") })
    // Lines stay well under SMTP's 998-octet limit, so no MTA folds a tag.
    XCTAssertLessThan(html.split(separator: "\n").map(\.utf8.count).max()!, 400)
  }

  func testSameFiguresAsTheTextReportWithBarsAsTableCells() throws {
    let d = data()
    let page = try parse(ReportHTML.render(d))
    let text = ReportText.render(d)
    XCTAssertTrue(
      text.contains("Outbound: 75.0% over TLS  (3 TLS, 1 plaintext, 0 unknown; 4 deliveries"))
    XCTAssertTrue(page.text.contains("75.0% over TLS"))
    XCTAssertTrue(
      page.text.contains("3 TLS, 1 plaintext, 0 unknown; 4 deliveries to external servers"))
    XCTAssertTrue(page.text.contains("0.0% over TLS"))  // inbound: one plaintext message
    XCTAssertTrue(page.text.contains("legacy, should be retired"))
    XCTAssertTrue(page.text.contains("Top recipient domains (of 2)"))
    XCTAssertTrue(page.text.contains("Domains that received plaintext (1)"))
    // The outbound bar: 75 % of 240 px in green, the rest red.
    let html = ReportHTML.render(d)
    XCTAssertTrue(html.contains("<td width=\"180\" height=\"12\" bgcolor=\"#2e7d32\""))
    XCTAssertTrue(html.contains("<td width=\"60\" height=\"12\" bgcolor=\"#c62828\""))
    // A feature text section without HTML is shown as preformatted text.
    XCTAssertEqual(page.elements["pre"], 1)
    XCTAssertTrue(page.text.contains("Partner check"))
  }

  func testBarEdges() {
    XCTAssertTrue(
      ReportHTML.bar(nil, width: 100).contains(
        "<td width=\"100\" height=\"12\" bgcolor=\"#e5e7eb\""))
    // 0.2 % still shows a sliver; 99.9 % still shows a gap.
    XCTAssertTrue(
      ReportHTML.bar(0.2, width: 100).contains("<td width=\"1\" height=\"12\" bgcolor=\"#2e7d32\""))
    XCTAssertTrue(
      ReportHTML.bar(99.9, width: 100).contains("<td width=\"1\" height=\"12\" bgcolor=\"#c62828\"")
    )
    XCTAssertFalse(ReportHTML.bar(100, width: 100).contains("#c62828"))
    XCTAssertFalse(ReportHTML.bar(0, width: 100).contains("#2e7d32"))
  }

  func testSparkline() {
    XCTAssertEqual(ReportTrend.sparkline([0, 50, 100, nil]), "▁▅█·")
    XCTAssertEqual(ReportTrend.sparkline([90, 90]), "▄▄")
    XCTAssertEqual(ReportTrend.sparkline([nil, nil]), "··")
  }
}
