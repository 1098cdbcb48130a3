// PartnerFeature.swift: `mailtls report --partners FILE`: adds the partner section
// (non-partner opportunistic TLS %, the partner table, plaintext deliveries to
// mandatory partners) to the text, JSON and HTML report, and alerts with exit 2 when a
// mandatory partner received plaintext.
//
// A partner file that cannot be read exits 66; one with bad lines exits 65 listing
// them with line numbers, before any log is read.

import MailLogAnalysis
import MailLogKit
import MailLogModel
import MailLogReport

/// The partner list as a report feature.
final class PartnerFeature: ReportFeature {
  static let specs = [
    OptionSpec(name: "partners", short: nil, value: "FILE",
      help: "partner list (CSV: domain or *.suffix, organisation, mandatory|opportunistic, note): adds the partner table and non-partner TLS %; exit 2 when a mandatory partner got plaintext"),
  ]

  /// Adds the option and the factory to `mailtls report`.
  static func register() {
    ReportCommand.featureSpecs += specs
    ReportCommand.featureFactories.append(make)
  }

  static func make(_ context: FeatureContext) throws -> ReportFeature? {
    guard let path = context.args.value("partners") else { return nil }
    let list = try PartnerCLI.loadList(path)
    return PartnerFeature(
      tracker: PartnerTracker(
        list: list, inputNames: context.run.inputNames, accept: context.coverage.inWindow),
      coverage: context.coverage)
  }

  let tracker: PartnerTracker
  let coverage: CoverageAggregator
  private var summary: PartnerSummary?

  init(tracker: PartnerTracker, coverage: CoverageAggregator) {
    self.tracker = tracker
    self.coverage = coverage
  }

  var sink: EventSink? { tracker }

  func contribute(_ data: inout ReportData) throws {
    let s = PartnerSummary(list: tracker.list, coverage: coverage, tracker: tracker)
    summary = s
    let title = PartnerRender.title(s)
    let n = s.nonPartners
    data.extraHeadlines.append(
      "Non-partner (opportunistic TLS): \(Figures.percent(n.tlsPercent)) over TLS  (\(n.tls) TLS, \(n.plaintext) plaintext, \(n.unknown) unknown; \(n.delivered) deliveries to domains not on the partner list)")
    data.extraText.append((title, PartnerRender.text(s, clock: data.clock)))
    data.extraJSON.append(("partners", PartnerRender.json(s, clock: data.clock)))
    data.extraHTML.append((title, PartnerRender.html(s, clock: data.clock)))
  }

  func alert(_ data: ReportData) -> (ExitStatus, String)? {
    guard let s = summary, s.violationCount > 0 else { return nil }
    let orgs = s.rows.filter { $0.violations > 0 }
    var names = orgs.prefix(5).map { "\(Escape.terminal($0.organisation.name)) \($0.violations)" }
    if orgs.count > 5 { names.append("and \(orgs.count - 5) more") }
    return (
      .partnerViolation,
      "\(PartnerRender.plural(s.violationCount, "plaintext delivery", "plaintext deliveries")) to mandatory-TLS partners (\(names.joined(separator: ", ")))"
    )
  }
}
