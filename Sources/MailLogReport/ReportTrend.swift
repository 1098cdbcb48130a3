// ReportTrend.swift: the history section of `mailtls report --db FILE` as text (a
// sparkline per series), HTML (one bar row per day) and JSON.
//
// Input is a HistoryTrend read back from the store after this run's days were written,
// plus which days this run stored or left alone. Sparklines mark one day each, oldest
// first, scaled from the lowest to the highest day shown (both printed beside them);
// `·` marks a day with nothing stored or no base for a percentage. Domain and category
// names come from logs and are escaped for the terminal or HTML. Cannot fail.

import MailLogAnalysis
import MailLogKit
import MailLogModel

/// What a run did to the history database, and the trend read back from it.
public struct HistorySection {
  /// The --db path as given.
  public var database: String
  /// Every day the run considered, stored or not.
  public var decisions: [DayDecision]
  /// nil when nothing is stored yet or the database failed.
  public var trend: HistoryTrend?
  public var clock: LocalClock
  /// Why the database could not be used (nothing was stored then).
  public var error: String?

  public init(
    database: String, decisions: [DayDecision], trend: HistoryTrend?, clock: LocalClock,
    error: String? = nil
  ) {
    self.database = database
    self.decisions = decisions
    self.trend = trend
    self.clock = clock
    self.error = error
  }
}

/// Renders a HistorySection.
public enum ReportTrend {
  /// The title shared by the text and HTML sections.
  public static let title = "History and trend"

  static let marks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

  /// A sparkline of `values` (nil shown as `·`), scaled from their minimum to maximum.
  public static func sparkline(_ values: [Double?]) -> String {
    let present = values.compactMap { $0 }
    guard let lo = present.min(), let hi = present.max() else {
      return String(repeating: "·", count: values.count)
    }
    return String(
      values.map { v -> Character in
        guard let v else { return "·" }
        if hi - lo < 1e-9 { return marks[3] }
        let i = Int(((v - lo) / (hi - lo) * Double(marks.count - 1)).rounded())
        return marks[max(0, min(marks.count - 1, i))]
      })
  }

  // MARK: - Text

  /// The text section's lines (indented, escaped for a terminal).
  public static func text(_ s: HistorySection) -> [String] {
    var out = ["  Database: \(Escape.terminal(s.database))"]
    if let error = s.error { return out + ["  Not updated: \(Escape.terminal(error))"] }
    out += storedLines(s).map { "  " + Escape.terminal($0) }
    guard let t = s.trend else {
      out.append("  Nothing stored yet, so there is no trend.")
      return out
    }
    out.append("  Trend up to \(t.reference) (one mark per day, oldest first; · = no data):")
    for n in [7, 30] {
      let days = Array(t.days.suffix(n))
      let sum = t.summary(lastDays: n)
      out.append("  Last \(n) days (\(sum.daysWithData) with data):")
      out.append(series("outbound TLS", days.map { $0?.outbound.tlsPercent }, total: sum.outbound))
      out.append(series("inbound TLS", days.map { $0?.inbound.tlsPercent }, total: sum.inbound))
      let f = days.map { $0.map { Double($0.failures) } }
      out.append(
        "    \(ReportText.pad("failures", 13)) \(sparkline(f))  \(sum.failures) in all\(range(f, percent: false))"
      )
    }
    out.append(contentsOf: changeLines(t).map { "  " + $0 })
    return out
  }

  private static func series(_ label: String, _ values: [Double?], total: StoredCounts) -> String {
    "    \(ReportText.pad(label, 13)) \(sparkline(values))  \(Figures.percent(total.tlsPercent)) of \(total.tls + total.plaintext)\(range(values, percent: true))"
  }

  private static func range(_ values: [Double?], percent: Bool) -> String {
    let v = values.compactMap { $0 }
    guard let lo = v.min(), let hi = v.max(), v.count > 1 else { return "" }
    let f = { (x: Double) in percent ? Figures.percent(x) : String(Int(x)) }
    return "  (days from \(f(lo)) to \(f(hi)))"
  }

  static func storedLines(_ s: HistorySection) -> [String] {
    var out: [String] = []
    let stored = s.decisions.filter(\.stored)
    if stored.isEmpty {
      out.append("No day stored by this run.")
    } else {
      let days = stored.map { d -> String in
        var text = d.day.description
        if let f = d.inputFrom { text += " (input from \(s.clock.iso8601(f)))" }
        if let u = d.inputUntil { text += " (input until \(s.clock.iso8601(u)))" }
        return text
      }
      out.append("Stored (replacing what was there): " + days.joined(separator: ", "))
    }
    for d in s.decisions where !d.stored {
      out.append("Not stored: \(d.day): \(d.reason ?? "")")
    }
    return out
  }

  static func changeLines(_ t: HistoryTrend) -> [String] {
    guard let c = t.changes else {
      return ["No data stored for \(t.reference.previous), so no comparison with the day before."]
    }
    let e = Escape.terminal
    var out = ["Changes on \(c.day) since \(c.previousDay):"]
    out.append(
      "  outbound TLS \(Figures.percent(c.outbound.before.tlsPercent)) -> \(Figures.percent(c.outbound.now.tlsPercent))\(delta(c.outbound.before.tlsPercent, c.outbound.now.tlsPercent)); inbound TLS \(Figures.percent(c.inbound.before.tlsPercent)) -> \(Figures.percent(c.inbound.now.tlsPercent))\(delta(c.inbound.before.tlsPercent, c.inbound.now.tlsPercent)); failures \(c.failures.before) -> \(c.failures.now)"
    )
    if c.domainsLostTLS.isEmpty {
      out.append("  No domain lost TLS.")
    } else {
      out.append(
        "  Domains that lost TLS (\(c.domainsLostTLS.count)): had only TLS the day before, received plaintext now:"
      )
      for d in c.domainsLostTLS.prefix(20) {
        out.append(
          "    \(ReportText.pad(e(d.domain), 40)) \(d.now.plaintext) plaintext of \(d.now.delivered) (day before: \(d.before.tls) TLS)"
        )
      }
      if c.domainsLostTLS.count > 20 {
        out.append("    ... and \(c.domainsLostTLS.count - 20) more (see --format json)")
      }
    }
    if c.newFailureCategories.isEmpty {
      out.append("  No new failure category.")
    } else {
      out.append(
        "  New failure categories: "
          + c.newFailureCategories.map { "\(e($0.category)) (\($0.count))" }.joined(separator: ", ")
      )
    }
    return out
  }

  private static func delta(_ a: Double?, _ b: Double?) -> String {
    guard let a, let b else { return "" }
    let d = b - a
    return " (\(d >= 0 ? "+" : "")\(String(format1: d)) points)"
  }

  // MARK: - HTML

  /// The HTML section: 7/30-day summary, one bar row per day, the changes.
  public static func html(_ s: HistorySection) -> String {
    let h = Escape.html
    var out = ReportHTML.paragraph("Database: " + h(s.database), muted: true)
    if let error = s.error { return out + ReportHTML.paragraph("<b>Not updated:</b> " + h(error)) }
    out += storedLines(s).map { ReportHTML.paragraph(h($0), muted: true) }.joined()
    guard let t = s.trend else {
      return out + ReportHTML.paragraph("Nothing stored yet, so there is no trend.")
    }
    var summary = [
      [
        ReportHTML.header(""), ReportHTML.header("outbound TLS"), ReportHTML.header("inbound TLS"),
        ReportHTML.header("failures", align: "right"),
      ]
    ]
    for n in [7, 30] {
      let sum = t.summary(lastDays: n)
      summary.append([
        ReportHTML.cell("Last \(n) days (\(sum.daysWithData) with data)", width: 170),
        ReportHTML.cell(
          ReportHTML.inlineBar(sum.outbound.tlsPercent, width: 120)
            + small("of \(sum.outbound.tls + sum.outbound.plaintext)")),
        ReportHTML.cell(
          ReportHTML.inlineBar(sum.inbound.tlsPercent, width: 120)
            + small("of \(sum.inbound.tls + sum.inbound.plaintext)")),
        ReportHTML.cell(String(sum.failures), align: "right"),
      ])
    }
    out += ReportHTML.table(summary)
    var rows = [
      [
        ReportHTML.header("day"), ReportHTML.header("outbound TLS"),
        ReportHTML.header("inbound TLS", align: "right"),
        ReportHTML.header("failures", align: "right"),
      ]
    ]
    var day = t.reference.adding(days: -29)
    for d in t.days {
      defer { day = day.next }
      guard let d else {
        rows.append([
          ReportHTML.cell(day.description, width: 100), ReportHTML.cell(small("no data")),
          ReportHTML.cell(""), ReportHTML.cell(""),
        ])
        continue
      }
      rows.append([
        ReportHTML.cell(day.description, width: 100),
        ReportHTML.cell(
          ReportHTML.inlineBar(d.outbound.tlsPercent, width: 200)
            + small("of \(d.outbound.tls + d.outbound.plaintext)")),
        ReportHTML.cell(Figures.percent(d.inbound.tlsPercent), align: "right"),
        ReportHTML.cell(String(d.failures), align: "right"),
      ])
    }
    out += ReportHTML.paragraph("<b>Per day, last 30 days up to \(t.reference)</b>")
    out += ReportHTML.table(rows)
    out += ReportHTML.paragraph("<b>" + h(changeLines(t)[0]) + "</b>")
    for line in changeLines(t).dropFirst() {
      out += ReportHTML.paragraph(h(line.trimmingLeadingSpaces()))
    }
    return out
  }

  private static func small(_ text: String) -> String {
    "<span style=\"color:\(ReportHTML.Colour.muted);font-size:12px;\">\(text)</span>"
  }

  // MARK: - JSON

  /// The `history` member of the JSON report.
  public static func json(_ s: HistorySection) -> JSONValue {
    func counts(_ c: StoredCounts) -> JSONValue {
      .object([
        ("tls", .int(c.tls)), ("plaintext", .int(c.plaintext)), ("unknown", .int(c.unknown)),
        ("tls_percent", .number(c.tlsPercent)),
      ])
    }
    var members: [(String, JSONValue)] = [
      ("database", .string(s.database)),
      ("error", s.error.map { .string($0) } ?? .null),
      (
        "stored_days",
        .array(
          s.decisions.filter(\.stored).map { d in
            .object([
              ("day", .string(d.day.description)),
              ("input_from", d.inputFrom.map { .string(s.clock.iso8601($0)) } ?? .null),
              ("input_until", d.inputUntil.map { .string(s.clock.iso8601($0)) } ?? .null),
            ])
          })
      ),
      (
        "skipped_days",
        .array(
          s.decisions.filter { !$0.stored }.map {
            .object([("day", .string($0.day.description)), ("reason", .string($0.reason ?? ""))])
          })
      ),
    ]
    guard let t = s.trend else {
      members += [("reference_day", .null), ("trend", .null), ("changes", .null)]
      return .object(members)
    }
    members.append(("reference_day", .string(t.reference.description)))
    var trend: [(String, JSONValue)] = []
    for n in [7, 30] {
      let sum = t.summary(lastDays: n)
      trend.append(
        (
          "last_\(n)_days",
          .object([
            ("days_with_data", .int(sum.daysWithData)), ("outbound", counts(sum.outbound)),
            ("inbound", counts(sum.inbound)), ("failures", .int(sum.failures)),
          ])
        ))
    }
    trend.append(
      (
        "days",
        .array(
          t.days.compactMap { $0 }.map { d in
            .object([
              ("day", .string(d.day)), ("outbound", counts(d.outbound)),
              ("inbound", counts(d.inbound)),
              ("failures", .int(d.failures)),
            ])
          })
      ))
    members.append(("trend", .object(trend)))
    if let c = t.changes {
      members.append(
        (
          "changes",
          .object([
            ("day", .string(c.day)), ("previous_day", .string(c.previousDay)),
            (
              "outbound",
              .object([("before", counts(c.outbound.before)), ("now", counts(c.outbound.now))])
            ),
            (
              "inbound",
              .object([("before", counts(c.inbound.before)), ("now", counts(c.inbound.now))])
            ),
            (
              "failures",
              .object([("before", .int(c.failures.before)), ("now", .int(c.failures.now))])
            ),
            (
              "domains_lost_tls",
              .array(
                c.domainsLostTLS.map {
                  .object([
                    ("domain", .string($0.domain)), ("before", counts($0.before)),
                    ("now", counts($0.now)),
                  ])
                })
            ),
            (
              "new_failure_categories",
              .array(
                c.newFailureCategories.map {
                  .object([("category", .string($0.category)), ("count", .int($0.count))])
                })
            ),
          ])
        ))
    } else {
      members.append(("changes", .null))
    }
    return .object(members)
  }
}

extension String {
  fileprivate func trimmingLeadingSpaces() -> String { String(drop { $0 == " " }) }
}
