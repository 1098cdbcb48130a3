// ExplainCommand.swift: `mailtls explain [TEXT | -]`: the desk pastes what the user
// received (an NDR, an Exchange "Remote server returned" text, a mailq entry, a log
// line) and gets the failure category, RFC 8460 type, who must act and the next step,
// without any logs. TEXT is the arguments joined by spaces; `-` (or no TEXT with a pipe
// on stdin) reads stdin. Exit 0 when a rule recognised the text, 1 when none did, 64
// usage (no text and stdin is a terminal).

import Foundation
import MailLogAnalysis
import MailLogKit
import MailLogReport

#if canImport(Glibc)
  import Glibc
#endif

enum ExplainCommand {
  /// Pastes longer than this are cut (an NDR with its attachment fits easily).
  static let maxBytes = 1 << 20

  static var specs: [OptionSpec] {
    [
      OptionSpec(name: "format", short: "f", value: "FMT", help: "text (default) or json"),
      TraceCommand.colorSpec,
    ] + Shared.outputSpecs
  }

  static var command: Command {
    Command(
      name: "explain",
      summary:
        "explain a pasted NDR, bounce text, mailq entry or log line: category, who acts, next step",
      usage: "mailtls explain [--format text|json] [TEXT... | -]", specs: specs, run: run)
  }

  static func run(_ a: ParsedArgs) throws -> ExitStatus {
    let format = try a.choice("format", ["text", "json"]) ?? "text"
    let text: String
    if a.positionals.isEmpty || a.positionals == ["-"] {
      if a.positionals.isEmpty && isatty(0) == 1 {
        throw UsageError(message: "give the text to explain, or '-' to read it from standard input")
      }
      let data = FileHandle.standardInput.readData(ofLength: maxBytes)
      text = String(decoding: data, as: UTF8.self)
    } else {
      text = a.positionals.joined(separator: " ")
    }
    guard text.contains(where: { !$0.isWhitespace }) else {
      throw UsageError(message: "the text to explain is empty")
    }
    let result = Explain.explain(text)
    let out =
      format == "json"
      ? ExplainRender.json(result)
      : ExplainRender.text(result, color: try TraceCommand.useColor(a))
    try Shared.write(out, a)
    return result.matched ? .success : .thresholdOrNoMatch
  }
}
