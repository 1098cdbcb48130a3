// ParserRegistry.swift: the log formats mailtls knows, and detection from first lines.
//
// Each format has an id (for --input-format and the JSON `inputs[].format`), a sniff
// function scoring one line, and a factory. `detect` scores the first lines of an
// input and picks the best format; an input no format claims is reported as
// `unknown` and its lines are counted as skipped, never fatal.

import MailLogKit
import MailLogModel

/// One supported log format.
public struct LogFormat: Sendable {
  /// Stable id: `postfix`, `exim`, `exchange`.
  public let id: String
  /// One line for `--list-formats`.
  public let summary: String
  /// A score for one line: 0 = not this format, higher = more certain.
  public let sniff: @Sendable (String) -> Int
  /// Makes the parser for one input.
  public let make: @Sendable (ParseContext) -> LogParser
}

/// The formats, in detection priority order.
public enum ParserRegistry {
  public static let all: [LogFormat] = [
    LogFormat(
      id: "postfix", summary: "Postfix via syslog, journald or maillog_file (2.2 to 3.12)",
      sniff: { PostfixParser.sniff($0) }, make: { PostfixParser(context: $0) }),
    LogFormat(
      id: "exim", summary: "Exim 4 mainlog (bare, zoned, pid, ms or syslog-wrapped lines)",
      sniff: { EximParser.sniff($0) }, make: { EximParser(context: $0) }),
    LogFormat(
      id: "exchange",
      summary:
        "Exchange message tracking, SMTP protocol logs, Exchange Online message trace exports",
      sniff: { ExchangeParser.sniff($0) }, make: { ExchangeParser(context: $0) }),
  ]

  /// The format with this id, or nil.
  public static func format(id: String) -> LogFormat? { all.first { $0.id == id } }

  /// Picks the format of an input from its first lines; nil when none claims them.
  public static func detect(_ lines: [String]) -> LogFormat? {
    var best: (LogFormat, Int)?
    for format in all {
      var score = 0
      for line in lines.prefix(200) { score += format.sniff(line) }
      if score > 0 && score > (best?.1 ?? 0) { best = (format, score) }
    }
    return best?.0
  }
}

/// A parser for input no format claimed: counts every line as skipped.
public final class UnknownFormatParser: LogParser {
  public private(set) var stats: InputStats
  public init(context: ParseContext) {
    stats = InputStats(name: context.name, format: "unknown")
  }
  public func parse(_ line: Bytes) {
    stats.lines += 1
    stats.skip("format not recognised", line: line)
  }
  public func finish() {}
}
