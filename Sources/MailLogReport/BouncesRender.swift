// BouncesRender.swift: the failure clusters (BounceSummary) as text for people, JSON
// and CSV.
//
// Text is for a terminal: every value that came from a log (domains, addresses, hosts,
// templates, example lines) goes through Escape.terminal, so a hostile reply text
// cannot move the cursor or recolour the screen. CSV follows RFC 4180 (CRLF, quoted
// fields) and is safe to open in a spreadsheet: every cell goes through Escape.csv, so
// none starts with `=`, `+`, `-` or `@`. JSON is the `failures` object of
// BounceSummary.json. Nothing here fails; an empty summary renders as such.

import MailLogAnalysis
import MailLogKit
import MailLogModel

/// Renderers for `mailtls bounces`.
public enum BouncesRender {
  /// Choices for the text output.
  public struct TextOptions: Sendable {
    /// Show the non-TLS clusters too (`--all`); otherwise they are only summed up.
    public var showNonTLS = false
    /// Show at most this many clusters (nil = all).
    public var maxClusters: Int?
    /// Names listed per field (recipients, senders, hosts) before "…".
    public var listNames = 5

    public init() {}
  }

  /// A plain-text report for people.
  public static func text(
    _ summary: BounceSummary, clock: LocalClock, options: TextOptions = TextOptions()
  ) -> String {
    var out = ""
    if summary.total == 0 && summary.clusters.isEmpty {
      out += "No failed deliveries.\n"
      if summary.ndrs > 0 { out += "Non-delivery notifications sent: \(summary.ndrs)\n" }
      return out
    }
    let tlsCount = summary.byCategory.filter { $0.0.isTLS }.reduce(0) { $0 + $1.1 }
    let nonTLS = summary.clusters.filter { !$0.category.isTLS }
    let nonTLSCount = nonTLS.reduce(0) { $0 + $1.count }
    out += "Failed deliveries: \(summary.total) (\(summary.deferred) deferred, "
    out += "\(summary.bounced) bounced); non-delivery notifications: \(summary.ndrs)\n"
    out += "Caused by TLS: \(tlsCount); not TLS: \(nonTLSCount)"
    if !options.showNonTLS && !nonTLS.isEmpty {
      out += " in \(nonTLS.count) cluster\(nonTLS.count == 1 ? "" : "s") (shown with --all)"
    }
    out += "\n"
    var shown = summary.clusters.filter { options.showNonTLS || $0.category.isTLS }
    var hidden = 0
    if let limit = options.maxClusters, shown.count > limit {
      hidden = shown.count - limit
      shown.removeLast(hidden)
    }
    let width = String(shown.count).count
    for (i, c) in shown.enumerated() {
      let number = String(i + 1)
      let pad = String(repeating: " ", count: width - number.count)
      let indent = String(repeating: " ", count: width + 3)
      out += "\n\(pad)\(number). \(c.category.rawValue) \(c.title)"
      if let d = c.domain { out += " - " + (d.isEmpty ? "(unknown domain)" : Escape.terminal(d)) }
      out += "\n"
      var who = "\(indent)Who acts: \(c.action.label)"
      if let r = c.rfc8460 { who += "   RFC 8460: \(r)" }
      if c.confidence != .high { who += "   (\(c.confidence.rawValue) confidence)" }
      out += who + "\n"
      var impact = "\(indent)Impact: \(c.messages) message\(c.messages == 1 ? "" : "s"), "
      impact += "\(c.count) result\(c.count == 1 ? "" : "s") (\(c.deferred) deferred, "
      impact += "\(c.bounced) bounced)"
      if c.attempts > 0 { impact += ", \(c.attempts) other attempt\(c.attempts == 1 ? "" : "s")" }
      out += impact + "\n"
      if c.recipients > 0 {
        out += "\(indent)Recipients: \(names(c.recipients, c.recipientList, options.listNames))\n"
      }
      if c.domain == nil && c.domains > 0 {
        out += "\(indent)Domains: \(names(c.domains, c.domainList, options.listNames))\n"
      }
      if c.senders > 0 {
        out += "\(indent)Senders: \(names(c.senders, c.senderList, options.listNames))\n"
      }
      if c.remoteHosts > 0 {
        out +=
          "\(indent)Remote hosts: \(names(c.remoteHosts, c.remoteHostList, options.listNames))\n"
      }
      if let f = c.firstSeen, let l = c.lastSeen {
        out +=
          "\(indent)Seen: \(clock.iso8601(f))" + (l > f ? " to \(clock.iso8601(l))" : "") + "\n"
      }
      if let t = c.template { out += "\(indent)Template: \(Escape.terminal(t))\n" }
      out += "\(indent)Next step: \(Escape.terminal(c.nextStep))\n"
      if !c.example.isEmpty { out += "\(indent)Example: \(Escape.terminal(c.example))\n" }
    }
    if hidden > 0 { out += "\n\(hidden) more cluster\(hidden == 1 ? "" : "s") not shown.\n" }
    return out
  }

  /// `count` with up to `limit` of the listed names, escaped; "…" when there are more.
  private static func names(_ count: Int, _ list: [String], _ limit: Int) -> String {
    let shown = list.prefix(limit).map(Escape.terminal)
    if shown.isEmpty { return String(count) }
    return "\(count) (" + shown.joined(separator: ", ") + (count > shown.count ? ", …" : "") + ")"
  }

  /// The `failures` object as pretty-printed JSON, with a final newline.
  public static func json(_ summary: BounceSummary, clock: LocalClock) -> String {
    summary.json(clock: clock).serialized() + "\n"
  }

  /// The CSV columns, in order.
  public static let csvColumns = [
    "category", "title", "rfc8460", "action", "domain", "count", "deferred", "bounced",
    "attempts", "messages", "recipients", "domains", "senders", "remote_hosts", "first_seen",
    "last_seen", "next_step", "template", "example", "rules", "confidence", "recipient_list",
    "domain_list", "sender_list", "remote_host_list",
  ]

  /// One row per cluster after a header row; lists are space-separated; CRLF endings.
  public static func csv(_ summary: BounceSummary, clock: LocalClock) -> String {
    var out = csvColumns.map(Escape.csv).joined(separator: ",") + "\r\n"
    for c in summary.clusters {
      let time: (LogTime?) -> String = { $0.map { clock.iso8601($0) } ?? "" }
      let cells: [String] = [
        c.category.rawValue, c.title, c.rfc8460 ?? "", c.action.rawValue, c.domain ?? "",
        String(c.count), String(c.deferred), String(c.bounced), String(c.attempts),
        String(c.messages), String(c.recipients), String(c.domains), String(c.senders),
        String(c.remoteHosts), time(c.firstSeen), time(c.lastSeen), c.nextStep,
        c.template ?? "", c.example, c.rules.joined(separator: " "), c.confidence.rawValue,
        c.recipientList.joined(separator: " "), c.domainList.joined(separator: " "),
        c.senderList.joined(separator: " "), c.remoteHostList.joined(separator: " "),
      ]
      out += cells.map(Escape.csv).joined(separator: ",") + "\r\n"
    }
    return out
  }
}
