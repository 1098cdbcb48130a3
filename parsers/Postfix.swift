// Postfix.swift: placeholder (being written).
import MailLogKit
import MailLogModel

public final class PostfixParser: LogParser {
  public private(set) var stats: InputStats
  public init(context: ParseContext) { stats = InputStats(name: context.name, format: "postfix") }
  public static func sniff(_ line: String) -> Int { line.contains(" postfix") ? 1 : 0 }
  public func parse(_ line: Bytes) { stats.lines += 1 }
  public func finish() {}
}
