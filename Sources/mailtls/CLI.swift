// CLI.swift: the command table, shared options, input setup and output writing.
//
// Thin by design: commands parse options, build a LogRun with sinks from
// MailLogAnalysis, and hand the results to a renderer from MailLogReport. Usage errors
// exit 64 with one usage line; unreadable inputs exit 66 after the others are
// reported; failures writing output exit 73/74. Diagnostics go to stderr only.

import Foundation
import MailLogAnalysis
import MailLogKit
import MailLogModel
import MailLogParsers

#if canImport(Glibc)
  import Glibc
#endif

/// One subcommand.
struct Command {
  let name: String
  let summary: String
  let usage: String
  let specs: [OptionSpec]
  let run: (ParsedArgs) throws -> ExitStatus
}

/// A runtime failure with its exit status.
struct CLIFailure: Error {
  let status: ExitStatus
  let message: String
}

/// The version printed by --version.
let toolVersion = "mailtls 0.1.0"

enum Shared {
  /// Options every log-reading command takes.
  static let inputSpecs: [OptionSpec] = [
    OptionSpec(name: "input-format", short: nil, value: "FMT",
      help: "force the log format: postfix, exim or exchange (default: detect per input)"),
    OptionSpec(name: "year", short: nil, value: "YYYY",
      help: "year of the first line for logs whose timestamps have none (default: from the file's date)"),
    OptionSpec(name: "utc", short: nil, value: nil,
      help: "read zone-less timestamps and print times in UTC instead of the local zone"),
    OptionSpec(name: "since", short: nil, value: "WHEN",
      help: "only count events at or after WHEN (date, date+time, today, yesterday, -7d)"),
    OptionSpec(name: "until", short: nil, value: "WHEN",
      help: "only count events before WHEN (same forms as --since)"),
    OptionSpec(name: "quiet", short: "q", value: nil, help: "no progress or warnings on stderr"),
    OptionSpec(name: "chunk-size", short: nil, value: "BYTES", help: "read size (testing)", hidden: true),
    OptionSpec(name: "max-line", short: nil, value: "BYTES", help: "longest line kept (testing)", hidden: true),
  ]

  static let outputSpecs: [OptionSpec] = [
    OptionSpec(name: "output", short: "o", value: "FILE",
      help: "write to FILE (atomically: a temporary file renamed into place) instead of stdout"),
  ]

  /// Builds run options from the parsed shared options and positionals.
  static func runOptions(_ a: ParsedArgs) throws -> RunOptions {
    if a.positionals.isEmpty && isatty(0) == 1 {
      throw UsageError(message: "no input files, and standard input is a terminal (pipe logs in or name files; '-' reads stdin)")
    }
    let formats = ParserRegistry.all.map(\.id)
    let format = try a.choice("input-format", formats)
    var options = RunOptions(
      inputs: a.positionals, format: format, year: try a.int("year", in: 1970...2200),
      utc: a.flag("utc"))
    if let c = try a.int("chunk-size", in: 1...(64 << 20)) { options.chunkSize = c }
    if let m = try a.int("max-line", in: 16...(256 << 20)) { options.maxLineLength = m }
    if !a.flag("quiet") && isatty(2) == 1 {
      options.progress = { name, bytes in
        FileHandle.standardError.write(
          "\r\(Escape.terminal(name)): \(bytes >> 20) MiB read".data(using: .utf8)!)
      }
    }
    return options
  }

  /// The --since/--until window as epoch seconds.
  static func window(_ a: ParsedArgs, clock: LocalClock, now: Date = TimeWindow.currentTime()) throws
    -> (LogTime?, LogTime?)
  {
    let since = try a.value("since").map { try TimeWindow.parse($0, clock: clock, now: now, option: "since") }
    let until = try a.value("until").map { try TimeWindow.parse($0, clock: clock, now: now, option: "until") }
    if let s = since, let u = until, s >= u {
      throw UsageError(message: "--since must be earlier than --until")
    }
    return (since, until)
  }

  /// Prints warnings about inputs to stderr and fails with 66 when one could not be read.
  static func finishInputs(_ result: RunResult, quiet: Bool) throws {
    if !quiet && isatty(2) == 1 { FileHandle.standardError.write("\r\u{1B}[K".data(using: .utf8)!) }
    if !quiet {
      for s in result.inputs {
        if let w = s.warning, s.format != "unreadable" {
          warn("\(Escape.terminal(s.name)): \(Escape.terminal(w))")
        }
        if s.format == "unknown" && s.lines > 0 {
          warn("\(Escape.terminal(s.name)): format not recognised; \(s.lines) lines skipped (use --input-format to force one)")
        }
      }
    }
    if !result.openErrors.isEmpty {
      throw CLIFailure(status: .noInput, message: result.openErrors.map { Escape.terminal($0) }.joined(separator: "\n"))
    }
  }

  /// Writes `text` to stdout or, with -o, atomically to a file.
  static func write(_ text: String, _ a: ParsedArgs) throws {
    guard let path = a.value("output"), path != "-" else {
      FileHandle.standardOutput.write(text.data(using: .utf8)!)
      return
    }
    let url = URL(fileURLWithPath: path)
    // Never replace a log we were asked to read.
    var out = stat()
    if stat(path, &out) == 0 {
      for input in a.positionals where input != "-" {
        var st = stat()
        if stat(input, &st) == 0 && st.st_dev == out.st_dev && st.st_ino == out.st_ino {
          throw UsageError(message: "-o \(path) is also an input; refusing to overwrite a log")
        }
      }
    }
    let dir = url.deletingLastPathComponent()
    let temp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
    do {
      try text.data(using: .utf8)!.write(to: temp)
    } catch {
      let reason = (error as NSError).userInfo[NSUnderlyingErrorKey].map { "\($0)" }
        ?? "cannot create a file in \(dir.path)"
      throw CLIFailure(status: .cantCreate, message: "cannot write \(path): \(reason)")
    }
    if rename(temp.path, url.path) != 0 {
      let reason = String(cString: strerror(errno))
      unlink(temp.path)
      throw CLIFailure(status: .ioError, message: "cannot move output into \(path): \(reason)")
    }
  }
}

/// Prints `mailtls: warning: ...` to stderr.
func warn(_ message: String) {
  FileHandle.standardError.write("mailtls: warning: \(message)\n".data(using: .utf8)!)
}
