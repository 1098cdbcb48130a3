// TraceCommand.swift: `mailtls trace QUERY [FILE...]`: the story of each message a
// recipient, sender, domain, queue/message id or Message-ID names: received, every
// attempt, hand-offs, the final outcome per recipient with the reason in plain words,
// who acts and the next step, and the NDR. Text (colour on a terminal unless NO_COLOR)
// or JSON. Exit 0 when something matched, 1 when nothing did, 64 usage, 66 an input
// could not be opened (after reading the others).

import Foundation
import MailLogAnalysis
import MailLogKit
import MailLogModel
import MailLogReport

#if canImport(Glibc)
  import Glibc
#endif

enum TraceCommand {
  static var specs: [OptionSpec] {
    [
      OptionSpec(name: "format", short: "f", value: "FMT", help: "text (default) or json"),
      OptionSpec(
        name: "all", short: nil, value: nil,
        help:
          "print the full story of every match (default: more than \(TraceRender.pageLimit) are listed briefly)"
      ),
      colorSpec,
      OptionSpec(
        name: "no-prefilter", short: nil, value: nil,
        help: "parse every line (slower; for checking the prefilter)", hidden: true),
    ] + Shared.inputSpecs + Shared.outputSpecs
  }

  static let colorSpec = OptionSpec(
    name: "color", short: nil, value: "WHEN",
    help: "auto (default: on a terminal, unless NO_COLOR is set), always or never")

  static var command: Command {
    Command(
      name: "trace",
      summary:
        "follow one message, address, domain or id through the logs, with the reason and next step",
      usage:
        "mailtls trace QUERY [--since WHEN] [--until WHEN] [--format text|json] [options] [FILE...]\n"
        + "  QUERY: recipient or sender address, domain, queue id / Exim or Exchange message id, or Message-ID",
      specs: specs, run: run)
  }

  static func run(_ a: ParsedArgs) throws -> ExitStatus {
    let format = try a.choice("format", ["text", "json"]) ?? "text"
    guard let raw = a.positionals.first else {
      throw UsageError(
        message: "trace needs a QUERY: an address, a domain, a queue or message id, or a Message-ID"
      )
    }
    guard let query = TraceQuery(raw) else {
      throw UsageError(
        message: "'\(Escape.terminal(raw))' is not a query (it is empty or contains spaces)")
    }
    var rest = a
    rest.positionals.removeFirst()
    var options = try Shared.runOptions(rest)
    let collector = TraceCollector(query: query)
    let prefilter = TracePrefilter(collector: collector, filtering: !a.flag("no-prefilter"))
    options.lineGate = { prefilter.gate($0, $1) }
    let run = LogRun(options: options)
    let (since, until) = try Shared.window(a, clock: run.clock)
    // An id names one message: stop once it (and its NDR) left the queue.
    var stopped = false
    let canStop = query.kind == .id && since == nil && until == nil
    let result = run.run(sink: collector) {
      if canStop && prefilter.closedAny && prefilter.openIDs == 0 && collector.storyCount > 0 {
        stopped = true
      }
      return stopped
    }
    let report = TraceReport(
      query: query, stories: collector.stories(since: since, until: until), since: since,
      until: until, inputs: result.inputs, linesRead: prefilter.linesRead,
      linesParsed: prefilter.linesParsed, stoppedEarly: stopped, clock: run.clock)
    let text =
      format == "json"
      ? TraceRender.json(report)
      : TraceRender.text(report, color: try useColor(a), all: a.flag("all"))
    try Shared.write(text, a)
    try Shared.finishInputs(result, quiet: a.flag("quiet"))
    return report.stories.isEmpty ? .thresholdOrNoMatch : .success
  }

  /// Colour: `--color always|never`, else on a terminal unless NO_COLOR is set (and not
  /// empty) or the output goes to a file.
  static func useColor(_ a: ParsedArgs) throws -> Bool {
    switch try a.choice("color", ["auto", "always", "never"]) ?? "auto" {
    case "always": return true
    case "never": return false
    default:
      if let v = ProcessInfo.processInfo.environment["NO_COLOR"], !v.isEmpty { return false }
      if let o = a.value("output"), o != "-" { return false }
      return isatty(1) == 1
    }
  }
}
