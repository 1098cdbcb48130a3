// BouncesCommand.swift: `mailtls bounces`: every deferred and bounced delivery, non-final
// TLS errors and NDRs, grouped by cause (T01-T17, non-tls) with who is affected, who must
// act and the next step; text, JSON or CSV. Exit 0, 66 when an input was unreadable.

import MailLogAnalysis
import MailLogKit
import MailLogModel
import MailLogReport

enum BouncesCommand {
  static let specs: [OptionSpec] =
    [
      OptionSpec(name: "format", short: "f", value: "FMT", help: "text (default), json or csv"),
      OptionSpec(name: "all", short: "a", value: nil,
        help: "also list non-TLS failures (greylisting, unknown users, ...) as template clusters"),
      OptionSpec(name: "max", short: nil, value: "N", help: "show at most N clusters in text"),
    ] + Shared.inputSpecs + Shared.outputSpecs

  static let command = Command(
    name: "bounces",
    summary: "failed and deferred deliveries grouped by TLS cause, with next steps for the service desk",
    usage: "mailtls bounces [--format text|json|csv] [--all] [options] [FILE...]",
    specs: specs, run: run)

  static func run(_ a: ParsedArgs) throws -> ExitStatus {
    let format = try a.choice("format", ["text", "json", "csv"]) ?? "text"
    let maxClusters = try a.int("max", in: 1...100000)
    let run = LogRun(options: try Shared.runOptions(a))
    let (since, until) = try Shared.window(a, clock: run.clock)
    var options = BounceClusters.Options()
    options.templateAllNonTLS = a.flag("all")
    let clusters = BounceClusters(options: options)
    let result = run.run(sink: WindowedSink(clusters, since: since, until: until))
    let summary = clusters.summary()
    let output: String
    switch format {
    case "json": output = BouncesRender.json(summary, clock: run.clock)
    case "csv": output = BouncesRender.csv(summary, clock: run.clock)
    default:
      var textOptions = BouncesRender.TextOptions()
      textOptions.showNonTLS = a.flag("all")
      textOptions.maxClusters = maxClusters
      output = BouncesRender.text(summary, clock: run.clock, options: textOptions)
    }
    try Shared.write(output, a)
    try Shared.finishInputs(result, quiet: a.flag("quiet"))
    return .success
  }
}
