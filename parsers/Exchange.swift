// Exchange.swift: placeholder parser (being written); counts every line as skipped.
import MailLogKit
import MailLogModel

/// Placeholder until the real Exchange parser lands.
public final class ExchangeParser: LogParser {
  public private(set) var stats: InputStats
  public init(context: ParseContext) { stats = InputStats(name: context.name, format: "exchange") }
  public static func sniff(_ line: String) -> Int { 0 }
  public func parse(_ line: Bytes) { stats.lines += 1; stats.skip("not parsed yet", line: line) }
  public func finish() {}
}
