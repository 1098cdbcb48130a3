// PartnerCommands.swift: `mailtls readiness`, `mailtls policy` and `mailtls poster`.
//
// readiness: every recipient domain of the logs in readiness classes (text, json, csv).
// policy: the mandatory partners plus chosen domains as a Postfix, Exim or Exchange
// Online policy, or with --diff a dry-run comparison with an existing file (exit 0).
// poster: the staff-facing list of partners and whether mail to them is protected.
// Exits: 64 usage; 65 bad partner or domain list (line numbers given); 66 a log, list
// or --diff file that cannot be read; 73/74 output errors.

import Foundation
import MailLogAnalysis
import MailLogKit
import MailLogModel
import MailLogReport

/// Shared helpers of the partner commands and feature.
enum PartnerCLI {
  /// Loads a partner list, mapping its errors to exit statuses (65 bad lines, 66 unreadable).
  static func loadList(_ path: String) throws -> PartnerList {
    do {
      return try PartnerList.load(path: path)
    } catch let e as PartnerFileError {
      throw CLIFailure(status: .dataError, message: "bad partner list:\n" + terminalLines(e.description))
    } catch let e as PartnerFileUnreadable {
      throw CLIFailure(status: .noInput, message: Escape.terminal(e.description))
    }
  }

  /// Escapes each line of a multi-line message for the terminal, keeping the breaks.
  static func terminalLines(_ text: String) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false)
      .map { Escape.terminal(String($0)) }.joined(separator: "\n")
  }

  /// Reads a small text file given by an option, exiting 66 when it cannot be read.
  static func readText(_ path: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw CLIFailure(status: .noInput, message: "cannot read \(Escape.terminal(path))")
    }
    return String(decoding: data, as: UTF8.self)
  }

  /// What reading the logs produced.
  struct Logs {
    let coverage: CoverageAggregator
    let failures: DomainTLSFailures
    let clock: LocalClock
    let result: RunResult
  }

  /// Reads the logs named by the positionals (stdin when none) into a coverage
  /// aggregator (finished), plus the sinks `extra` makes.
  static func readLogs(
    _ a: ParsedArgs, extra: (LogRun, CoverageAggregator) -> [EventSink] = { _, _ in [] }
  ) throws -> Logs {
    let run = LogRun(options: try Shared.runOptions(a))
    let (since, until) = try Shared.window(a, clock: run.clock)
    let coverage = CoverageAggregator(
      inputNames: run.inputNames, clock: run.clock, since: since, until: until)
    let failures = DomainTLSFailures()
    let result = run.run(
      sink: SinkFanOut(
        [coverage, WindowedSink(failures, since: since, until: until)] + extra(run, coverage)))
    coverage.finish()
    return Logs(coverage: coverage, failures: failures, clock: run.clock, result: result)
  }
}

enum PartnerCommands {
  // MARK: readiness

  static var readiness: Command {
    Command(
      name: "readiness",
      summary: "recipient domains by readiness for mandatory TLS (always TLS, sometimes plaintext, never)",
      usage: "mailtls readiness [--format text|json|csv] [--partners FILE] [options] [FILE...]",
      specs: [
        OptionSpec(name: "format", short: "f", value: "FMT", help: "text (default), json or csv"),
        OptionSpec(name: "partners", short: nil, value: "FILE",
          help: "partner list: show which domains are partners already"),
      ] + Shared.inputSpecs + Shared.outputSpecs,
      run: runReadiness)
  }

  static func runReadiness(_ a: ParsedArgs) throws -> ExitStatus {
    let format = try a.choice("format", ["text", "json", "csv"]) ?? "text"
    let list = try a.value("partners").map(PartnerCLI.loadList)
    let logs = try PartnerCLI.readLogs(a)
    let r = Readiness(coverage: logs.coverage, partners: list, failures: logs.failures)
    let c = logs.coverage
    let text: String
    switch format {
    case "json": text = PartnerRender.readinessJSON(r, first: c.firstTime, last: c.lastTime, clock: logs.clock)
    case "csv": text = PartnerRender.readinessCSV(r, clock: logs.clock)
    default: text = PartnerRender.readinessText(r, first: c.firstTime, last: c.lastTime, clock: logs.clock)
    }
    try Shared.write(text, a)
    try Shared.finishInputs(logs.result, quiet: a.flag("quiet"))
    return .success
  }

  // MARK: policy

  static var policy: Command {
    Command(
      name: "policy",
      summary: "mandatory-TLS policy for Postfix, Exim or Exchange Online from partners and ready domains",
      usage: "mailtls policy --for postfix|exim|exchange [--partners FILE] [--domains FILE] [--add-ready] [--diff FILE] [options] [LOG...]",
      specs: [
        OptionSpec(name: "for", short: nil, value: "MTA",
          help: "postfix (smtp_tls_policy_maps table), exim (nwildlsearch file) or exchange (PowerShell)"),
        OptionSpec(name: "partners", short: nil, value: "FILE",
          help: "partner list: its mandatory entries are exported"),
        OptionSpec(name: "domains", short: nil, value: "FILE",
          help: "more domains, one per line (domain or *.suffix, optionally 'encrypt' or 'verify')"),
        OptionSpec(name: "add-ready", short: nil, value: nil,
          help: "add the domains that got TLS on every delivery in the LOGs (stdin when none named)"),
        OptionSpec(name: "min-deliveries", short: nil, value: "N",
          help: "with --add-ready: only domains with at least N deliveries (default 1)"),
        OptionSpec(name: "diff", short: nil, value: "FILE",
          help: "dry run: print the lines added and removed against FILE instead of the policy"),
      ] + Shared.inputSpecs + Shared.outputSpecs,
      run: runPolicy)
  }

  static func runPolicy(_ a: ParsedArgs) throws -> ExitStatus {
    guard let target = try a.choice("for", PolicyTarget.allCases.map(\.rawValue)).flatMap(PolicyTarget.init) else {
      throw UsageError(message: "--for is required: postfix, exim or exchange")
    }
    let addReady = a.flag("add-ready")
    let minDeliveries = try a.int("min-deliveries", in: 1...1_000_000) ?? 1
    if a.value("min-deliveries") != nil && !addReady {
      throw UsageError(message: "--min-deliveries only applies with --add-ready")
    }
    if a.value("partners") == nil && a.value("domains") == nil && !addReady {
      throw UsageError(message: "nothing to export: give --partners FILE, --domains FILE or --add-ready")
    }
    let list = try a.value("partners").map(PartnerCLI.loadList)
    var extra: [DomainListItem] = []
    if let path = a.value("domains") {
      do {
        extra = try PolicyPlan.parseDomainList(PartnerCLI.readText(path), file: path)
      } catch let e as PartnerFileError {
        throw CLIFailure(status: .dataError, message: "bad domain list:\n" + PartnerCLI.terminalLines(e.description))
      }
    }
    let old = try a.value("diff").map(PartnerCLI.readText)
    // Logs are read when named, or from stdin for --add-ready; they also set levels.
    var logs: PartnerCLI.Logs?
    if addReady || !a.positionals.isEmpty { logs = try PartnerCLI.readLogs(a) }
    let readiness = logs.map {
      Readiness(coverage: $0.coverage, partners: list, failures: $0.failures)
    }
    let plan = PolicyPlan(
      partners: list, readiness: readiness, addReady: addReady, minDeliveries: minDeliveries,
      extra: extra, extraSource: a.value("domains") ?? "")
    let policy = PolicyWriter.render(plan, for: target, tool: toolVersion)
    if let old, let path = a.value("diff") {
      let d = PolicyDiff(old: old, new: policy)
      var out = ["Dry run: mailtls policy --for \(target.rawValue) compared with \(Escape.terminal(path)) (nothing was changed)."]
      out += d.added.map { "+ " + Escape.terminal($0) }
      out += d.removed.map { "- " + Escape.terminal($0) }
      out.append("\(d.added.count) lines added, \(d.removed.count) removed, \(d.unchanged) unchanged.")
      try Shared.write(out.joined(separator: "\n") + "\n", a)
    } else {
      try Shared.write(policy, a)
    }
    if let logs { try Shared.finishInputs(logs.result, quiet: a.flag("quiet")) }
    return .success
  }

  // MARK: poster

  static var poster: Command {
    Command(
      name: "poster",
      summary: "staff list of partner organisations and whether email to them is protected",
      usage: "mailtls poster --partners FILE [--format html|markdown] [options] [LOG...]",
      specs: [
        OptionSpec(name: "partners", short: nil, value: "FILE", help: "partner list (required)"),
        OptionSpec(name: "format", short: "f", value: "FMT", help: "html (default) or markdown"),
        OptionSpec(name: "title", short: nil, value: "TEXT",
          help: "heading (default: Sending email to our partner organisations)"),
        OptionSpec(name: "contact", short: nil, value: "TEXT",
          help: "who staff ask (default: the IT service desk)"),
      ] + Shared.inputSpecs + Shared.outputSpecs,
      run: runPoster)
  }

  static func runPoster(_ a: ParsedArgs) throws -> ExitStatus {
    let format = try a.choice("format", ["html", "markdown"]) ?? "html"
    guard let path = a.value("partners") else {
      throw UsageError(message: "--partners FILE is required")
    }
    let list = try PartnerCLI.loadList(path)
    let title = a.value("title") ?? "Sending email to our partner organisations"
    let contact = a.value("contact") ?? "the IT service desk"
    // Without named logs the poster says what the policy promises.
    let logs = a.positionals.isEmpty ? nil : try PartnerCLI.readLogs(a)
    let coverage =
      logs?.coverage ?? CoverageAggregator(inputNames: [], clock: LocalClock(utc: a.flag("utc")))
    coverage.finish()
    let summary = PartnerSummary(list: list, coverage: coverage, tracker: nil)
    let clock = logs?.clock ?? LocalClock(utc: a.flag("utc"))
    let text =
      format == "markdown"
      ? PartnerRender.posterMarkdown(
        summary, title: title, contact: contact, logsRead: logs != nil,
        first: coverage.firstTime, last: coverage.lastTime, clock: clock)
      : PartnerRender.posterHTML(
        summary, title: title, contact: contact, logsRead: logs != nil,
        first: coverage.firstTime, last: coverage.lastTime, clock: clock)
    try Shared.write(text, a)
    if let logs { try Shared.finishInputs(logs.result, quiet: a.flag("quiet")) }
    return .success
  }
}
