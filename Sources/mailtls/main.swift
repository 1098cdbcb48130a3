// main.swift: entry point of mailtls: picks the subcommand, parses its options,
// runs it, and maps errors to exit statuses (64 usage, 66 no input, 70 internal...).

import Foundation
import MailLogKit
import MailLogParsers

// Optional report features (each adds options, sinks, sections, alerts).
// Registration order is report order.
ReportCommand.featureSpecs = []
ReportCommand.featureFactories = []
PartnerFeature.register()
ThresholdFeature.register()
HistoryFeature.register()

let commands: [Command] = [
  ReportCommand.command,
  BouncesCommand.command,
  PartnerCommands.readiness, PartnerCommands.policy, PartnerCommands.poster,
  TraceCommand.command,
  ExplainCommand.command,
]

func usageLine() -> String {
  "usage: mailtls <command> [options] [FILE...]   (mailtls --help lists commands)"
}

func mainHelp() -> String {
  var lines = [
    "mailtls: TLS coverage and TLS-bounce triage from Postfix, Exim and Exchange logs.",
    "",
    "usage: mailtls <command> [options] [FILE...]",
    "Reads the FILEs oldest first by their first timestamp, in any order given (gzip detected by content),",
    "or standard input when none is given or for '-' (read where it is named).",
    "",
    "commands:",
  ]
  for c in commands { lines.append("  " + c.name.padding(toLength: 12, withPad: " ", startingAt: 0) + c.summary) }
  lines += [
    "",
    "  mailtls <command> --help     options of one command",
    "  mailtls --list-formats       the log formats mailtls reads",
    "  mailtls --version",
    "",
    "exit status: 0 ok; 1 threshold breached or nothing matched; 2 plaintext to a mandatory partner;",
    "64 usage error; 65 bad partner file; 66 input not readable; 73/74 output or history database error;",
    "70 internal error.",
  ]
  return lines.joined(separator: "\n") + "\n"
}

func fail(_ status: ExitStatus, _ message: String, usage: String? = nil) -> Never {
  FileHandle.standardError.write("mailtls: error: \(message)\n".data(using: .utf8)!)
  if let usage { FileHandle.standardError.write("\(usage)\n".data(using: .utf8)!) }
  exit(status.rawValue)
}

var argv = Array(CommandLine.arguments.dropFirst())
guard let first = argv.first else {
  fail(.usage, "no command given", usage: usageLine())
}
switch first {
case "-h", "--help", "help":
  if argv.count > 1, let c = commands.first(where: { $0.name == argv[1] }) {
    print("\(c.summary)\n\nusage: \(c.usage)\n\noptions:\n\(optionHelp(c.specs))\n  -h, --help                  this help")
  } else {
    print(mainHelp(), terminator: "")
  }
  exit(0)
case "--version", "-V":
  print(toolVersion)
  exit(0)
case "--list-formats":
  for f in ParserRegistry.all { print("\(f.id.padding(toLength: 10, withPad: " ", startingAt: 0)) \(f.summary)") }
  exit(0)
default:
  break
}
guard let command = commands.first(where: { $0.name == first }) else {
  let names = commands.map(\.name).joined(separator: ", ")
  fail(.usage, "unknown command '\(Escape.terminal(first))' (commands: \(names))", usage: usageLine())
}
argv.removeFirst()
if argv.contains("-h") || argv.contains("--help") {
  print("\(command.summary)\n\nusage: \(command.usage)\n\noptions:\n\(optionHelp(command.specs))\n  -h, --help                  this help")
  exit(0)
}
do {
  let parsed = try parseArguments(argv, command.specs)
  let status = try command.run(parsed)
  exit(status.rawValue)
} catch let e as UsageError {
  fail(.usage, e.message, usage: "usage: \(command.usage)")
} catch let e as CLIFailure {
  fail(e.status, e.message)
} catch {
  fail(.software, "\(error)")
}
