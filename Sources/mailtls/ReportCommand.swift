// ReportCommand.swift: `mailtls report`: TLS coverage (outbound, inbound, per domain,
// versions, trust), failure totals and clusters, per input and per source, as text or
// JSON or HTML. Optional features (partner list, history, thresholds) plug in as
// `ReportFeature`s: each adds a sink, report sections, and possibly an alert that sets
// the exit status. Exit 0; 66 when an input could not be opened (after reporting the
// rest); an alert's status (1, 2) when a threshold is breached; 74 when --db could not
// be updated (the report is still written).

import Foundation
import MailLogAnalysis
import MailLogKit
import MailLogModel
import MailLogReport

/// A part of the report that is switched on by options.
protocol ReportFeature {
  /// Receives every event of the run (nil when the feature needs none).
  var sink: EventSink? { get }
  /// Adds sections to the report once the run is finished.
  func contribute(_ data: inout ReportData) throws
  /// A breached threshold: exit status and a one-line reason for stderr.
  func alert(_ data: ReportData) -> (ExitStatus, String)?
}

/// What every feature factory gets.
struct FeatureContext {
  let args: ParsedArgs
  let run: LogRun
  let coverage: CoverageAggregator
}

enum ReportCommand {
  /// Options added by features, listed in help.
  static var featureSpecs: [OptionSpec] = []
  /// Factories of optional features, in report order; each returns nil when off.
  static var featureFactories: [(FeatureContext) throws -> ReportFeature?] = []

  static let formats = ["text", "json", "html"]

  static var specs: [OptionSpec] {
    [
      OptionSpec(name: "format", short: "f", value: "FMT", help: "text (default), json, or html (one self-contained page for e-mail)"),
      OptionSpec(name: "top", short: nil, value: "N", help: "domains listed in the text report (default 15)"),
    ] + featureSpecs + Shared.inputSpecs + Shared.outputSpecs
  }

  static var command: Command {
    Command(
      name: "report",
      summary: "TLS coverage of outbound and inbound mail, per domain, version and trust",
      usage: "mailtls report [--format text|json|html] [options] [FILE...]",
      specs: specs, run: run)
  }

  static func run(_ a: ParsedArgs) throws -> ExitStatus {
    let format = try a.choice("format", formats) ?? "text"
    let top = try a.int("top", in: 1...100000) ?? 15
    let options = try Shared.runOptions(a)
    let run = LogRun(options: options)
    let (since, until) = try Shared.window(a, clock: run.clock)
    let coverage = CoverageAggregator(
      inputNames: run.inputNames, clock: run.clock, since: since, until: until)
    let context = FeatureContext(args: a, run: run, coverage: coverage)
    let features = try featureFactories.compactMap { try $0(context) }
    let clusters = BounceClusters()
    let sinks: [EventSink] =
      [coverage, WindowedSink(clusters, since: since, until: until)]
      + features.compactMap(\.sink)
    let result = run.run(sink: SinkFanOut(sinks))
    coverage.finish()
    let summary = clusters.summary()
    let failures = summary.json(clock: run.clock)
    let text = failureSummaryText(summary, clock: run.clock)
    var data = ReportData(
      coverage: coverage, run: result, failures: failures, failureText: text, clock: run.clock)
    data.topDomains = top
    for feature in features { try feature.contribute(&data) }
    try Shared.write(render(data, format: format), a)
    try Shared.finishInputs(result, quiet: a.flag("quiet"))
    if (since != nil || until != nil) && coverage.firstTime == nil && !a.flag("quiet"),
      let first = coverage.logFirst, let last = coverage.logLast
    {
      warn(
        "nothing in the --since/--until window: the logs run from \(run.clock.iso8601(first)) to \(run.clock.iso8601(last))")
    }
    var status = ExitStatus.success
    for feature in features {
      if let (s, reason) = feature.alert(data) {
        FileHandle.standardError.write("mailtls: alert: \(reason)\n".data(using: .utf8)!)
        if status == .success || s.rawValue > status.rawValue { status = s }
      }
    }
    return status
  }

  /// The failures section of the text report: totals and the TLS clusters by impact.
  static func failureSummaryText(_ s: BounceSummary, clock: LocalClock) -> [String] {
    guard s.total > 0 || s.ndrs > 0 else { return [] }
    var out = [
      "Failures: \(s.total) final results (\(s.deferred) deferred, \(s.bounced) bounced); \(s.ndrs) non-delivery notifications sent"
    ]
    let tls = s.clusters.filter { $0.category.isTLS && $0.count > 0 }
    let tlsCount = tls.reduce(0) { $0 + $1.count }
    out.append(
      "  caused by TLS: \(tlsCount) in \(tls.count) cluster\(tls.count == 1 ? "" : "s"); `mailtls bounces` lists them with next steps")
    for c in tls.prefix(8) {
      let domain = c.domain.map { " " + Escape.terminal($0) } ?? ""
      out.append(
        "  \(c.category.rawValue)\(domain): \(c.count) results, \(c.messages) messages, \(c.recipients) recipients; \(c.title); who acts: \(c.action.label)")
    }
    if tls.count > 8 { out.append("  ... \(tls.count - 8) more TLS clusters") }
    return out
  }

  /// Renders the finished report in `format`.
  static func render(_ data: ReportData, format: String) -> String {
    switch format {
    case "json": return ReportJSON.render(data)
    case "html": return ReportHTML.render(data)
    default: return ReportText.render(data)
    }
  }
}
