// ReportCommand.swift: `mailtls report`: TLS coverage (outbound, inbound, per domain,
// versions, trust), failure totals and clusters, per input and per source, as text or
// JSON. Exit 0, or 66 when an input could not be opened (after reporting the rest).

import Foundation
import MailLogAnalysis
import MailLogKit
import MailLogModel
import MailLogReport

enum ReportCommand {
  static let specs: [OptionSpec] =
    [
      OptionSpec(name: "format", short: "f", value: "FMT", help: "text (default) or json"),
      OptionSpec(name: "top", short: nil, value: "N", help: "domains listed in the text report (default 15)"),
    ] + Shared.inputSpecs + Shared.outputSpecs

  static let command = Command(
    name: "report",
    summary: "TLS coverage of outbound and inbound mail, per domain, version and trust",
    usage: "mailtls report [--format text|json] [options] [FILE...]",
    specs: specs, run: run)

  static func run(_ a: ParsedArgs) throws -> ExitStatus {
    let format = try a.choice("format", ["text", "json"]) ?? "text"
    let top = try a.int("top", in: 1...100000) ?? 15
    let options = try Shared.runOptions(a)
    let run = LogRun(options: options)
    let (since, until) = try Shared.window(a, clock: run.clock)
    let coverage = CoverageAggregator(
      inputNames: run.inputNames, clock: run.clock, since: since, until: until)
    let tally = FailureTally(accept: coverage.inWindow)
    let result = run.run(sink: SinkFanOut([coverage, tally]))
    coverage.finish()
    let failures = JSONValue.object([
      ("total", .int(tally.total)),
      ("by_status", .object([("deferred", .int(tally.deferred)), ("bounced", .int(tally.bounced))])),
      ("ndrs", .int(tally.ndrs)),
      ("clusters", .array([])),
    ])
    var text: [String] = []
    if tally.total > 0 || tally.ndrs > 0 {
      text.append("Failures: \(tally.total) final results (\(tally.deferred) deferred, \(tally.bounced) bounced); \(tally.ndrs) non-delivery notifications sent")
    }
    var data = ReportData(
      coverage: coverage, run: result, failures: failures, failureText: text, clock: run.clock)
    data.topDomains = top
    try Shared.write(format == "json" ? ReportJSON.render(data) : ReportText.render(data), a)
    try Shared.finishInputs(result, quiet: a.flag("quiet"))
    return .success
  }
}
