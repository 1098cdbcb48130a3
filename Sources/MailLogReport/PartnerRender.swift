// PartnerRender.swift: renders the partner list features: the report's partner section
// (text lines, JSON member, HTML fragment), `mailtls readiness` (text, JSON, CSV) and
// the staff poster (HTML, Markdown).
//
// Every string that came from a log or the partner file is escaped for its output
// (Escape.terminal, Escape.html, Escape.csv, markdown escaping here); JSON strings are
// escaped by the serializer. Rendering cannot fail.

import MailLogAnalysis
import MailLogKit
import MailLogModel

/// Renderers of the partner section, readiness and the poster.
public enum PartnerRender {
  // MARK: shared pieces

  /// `TLS 1.3 40, TLS 1.2 2, TLS 1.0 1 (legacy)`, or `-` when there was no TLS.
  public static func versionList(_ c: CoverageCounts) -> String {
    let parts = Figures.versions.compactMap { v -> String? in
      guard let n = c.byVersion[v], n > 0 else { return nil }
      let label = v == .unknown ? "version not logged" : (v == .ssl3 ? "SSLv3" : "TLS \(v.rawValue)")
      return "\(label) \(n)" + (v.isLegacy ? " (legacy)" : "")
    }
    return parts.isEmpty ? "-" : parts.joined(separator: ", ")
  }

  /// `verified 30, untrusted 2`, or `-` when there was no TLS.
  public static func trustList(_ c: CoverageCounts) -> String {
    let parts = Figures.trusts.compactMap { t -> String? in
      guard let n = c.byTrust[t], n > 0 else { return nil }
      return "\(t == .unknown ? "not stated" : t.rawValue) \(n)"
    }
    return parts.isEmpty ? "-" : parts.joined(separator: ", ")
  }

  static func headline(_ c: CoverageCounts) -> String {
    "\(Figures.percent(c.tlsPercent)) over TLS (\(c.tls) TLS, \(c.plaintext) plaintext, \(c.unknown) unknown; \(c.delivered) deliveries)"
  }

  public static func plural(_ n: Int, _ one: String, _ many: String) -> String {
    "\(n) \(n == 1 ? one : many)"
  }

  static func time(_ t: LogTime?, _ clock: LocalClock) -> String {
    t.map { clock.iso8601($0) } ?? "time unknown"
  }

  static func members(_ v: JSONValue) -> [(String, JSONValue)] {
    if case .object(let m) = v { return m }
    return []
  }

  // MARK: report section

  /// Title of the report section.
  public static func title(_ s: PartnerSummary) -> String {
    "Partners (\(s.list.source): \(s.rows.count) organisations, \(s.list.entries.count) entries)"
  }

  /// The text section's lines.
  public static func text(_ s: PartnerSummary, clock: LocalClock) -> [String] {
    let e = Escape.terminal
    var out = [
      "  Non-partner domains (opportunistic TLS): \(headline(s.nonPartners))",
      "  Partner domains:                         \(headline(s.partners))",
    ]
    let mandatoryOrgs = s.rows.filter { $0.organisation.hasMandatory }.count
    if mandatoryOrgs > 0 {
      out.append(
        s.violationCount == 0
          ? "  Mandatory-TLS partners (\(mandatoryOrgs)): no plaintext deliveries."
          : "  Mandatory-TLS partners (\(mandatoryOrgs)): \(plural(s.violationCount, "plaintext delivery", "plaintext deliveries")) (violations), listed below."
      )
    }
    out.append("")
    out.append(
      "  \(ReportText.pad("organisation", 30)) \(ReportText.pad("policy", 13)) \(ReportText.rpad("delivered", 9)) \(ReportText.rpad("TLS %", 7)) \(ReportText.rpad("plain", 6)) \(ReportText.rpad("unknown", 7)) \(ReportText.rpad("failures", 8))"
    )
    for r in s.rows {
      let c = r.counts
      out.append(
        "  \(ReportText.pad(e(r.organisation.name), 30)) \(ReportText.pad(r.organisation.policyLabel, 13)) \(ReportText.rpad(String(c.delivered), 9)) \(ReportText.rpad(Figures.percent(c.tlsPercent), 7)) \(ReportText.rpad(String(c.plaintext), 6)) \(ReportText.rpad(String(c.unknown), 7)) \(ReportText.rpad(String(r.deferred + r.bounced), 8))"
      )
      out.append("      domains: " + r.organisation.entries.map { e($0.pattern) }.joined(separator: ", "))
      if c.tls > 0 {
        out.append("      \(versionList(c)); trust: \(trustList(c))")
      } else if c.delivered > 0 {
        out.append("      no TLS deliveries")
      } else {
        out.append("      no deliveries in this period")
      }
      if r.deferred + r.bounced > 0 {
        out.append("      failures: \(r.deferred) deferred, \(r.bounced) bounced")
      }
      if r.violations > 0 {
        out.append("      VIOLATION: TLS is mandatory, but \(plural(r.violations, "delivery", "deliveries")) went in plaintext")
      }
    }
    if s.violationCount > 0 {
      out.append("")
      out.append("  Plaintext deliveries to mandatory-TLS partners (\(s.violationCount)):")
      out.append("    \(ReportText.pad("time", 25)) \(ReportText.pad("queue id", 16)) \(ReportText.pad("domain", 32)) relay")
      for v in s.violations {
        out.append(
          "    \(ReportText.pad(time(v.time, clock), 25)) \(ReportText.pad(e(v.queueID), 16)) \(ReportText.pad(e(v.domain), 32)) \(e(v.relay))"
        )
      }
      if s.violationCount > s.violations.count {
        out.append("    ... and \(s.violationCount - s.violations.count) more (only the first \(s.violations.count) are listed)")
      }
    }
    return out
  }

  /// The `partners` member of the report JSON.
  public static func json(_ s: PartnerSummary, clock: LocalClock) -> JSONValue {
    let orgs: [JSONValue] = s.rows.map { r in
      var m: [(String, JSONValue)] = [
        ("organisation", .string(r.organisation.name)),
        ("policy", .string(r.organisation.policyLabel)),
        (
          "entries",
          .array(
            r.organisation.entries.map { e in
              .object([
                ("pattern", .string(e.pattern)), ("policy", .string(e.policy.rawValue)),
                ("note", .string(e.note)), ("line", .int(e.line)),
              ])
            })
        ),
        ("domains_seen", .array(r.domainsSeen.map { .string($0) })),
      ]
      m += members(ReportJSON.counts(r.counts, detailed: false))
      m.append(("failures", .object([("deferred", .int(r.deferred)), ("bounced", .int(r.bounced))])))
      m.append(("violations", .int(r.violations)))
      return .object(m)
    }
    let listed: [JSONValue] = s.violations.map { v in
      .object([
        ("time", v.time.map { .string(clock.iso8601($0)) } ?? .null),
        ("queue_id", .string(v.queueID)),
        ("domain", .string(v.domain)),
        ("organisation", .string(v.organisation)),
        ("relay", .string(v.relay)),
        ("source", .string(v.source)),
      ])
    }
    return .object([
      ("file", .string(s.list.source)),
      ("non_partner", ReportJSON.counts(s.nonPartners, detailed: false)),
      ("partner", ReportJSON.counts(s.partners, detailed: false)),
      ("organisations", .array(orgs)),
      (
        "violations",
        .object([
          ("total", .int(s.violationCount)),
          ("listed", .array(listed)),
          ("truncated", .bool(s.violationCount > s.violations.count)),
        ])
      ),
    ])
  }

  /// The HTML fragment of the report section (escaped).
  public static func html(_ s: PartnerSummary, clock: LocalClock) -> String {
    let h = Escape.html
    var out: [String] = []
    out.append("<p><strong>Non-partner domains (opportunistic TLS): \(h(Figures.percent(s.nonPartners.tlsPercent)))</strong> over TLS (\(s.nonPartners.tls) TLS, \(s.nonPartners.plaintext) plaintext, \(s.nonPartners.unknown) unknown; \(s.nonPartners.delivered) deliveries).</p>")
    out.append("<p>Partner domains: \(h(headline(s.partners))).</p>")
    if s.rows.contains(where: { $0.organisation.hasMandatory }) {
      out.append(
        s.violationCount == 0
          ? "<p>Mandatory-TLS partners: no plaintext deliveries.</p>"
          : "<p><strong>Mandatory-TLS partners: \(plural(s.violationCount, "plaintext delivery", "plaintext deliveries")) (violations).</strong></p>")
    }
    out.append("<table class=\"partners\">")
    out.append("<thead><tr><th>Organisation</th><th>Policy</th><th>Domains</th><th>Deliveries</th><th>TLS %</th><th>Plaintext</th><th>Unknown</th><th>TLS versions</th><th>Trust</th><th>Failures</th></tr></thead>")
    out.append("<tbody>")
    for r in s.rows {
      let c = r.counts
      let domains = r.organisation.entries.map { h($0.pattern) }.joined(separator: "<br>")
      let plain = r.violations > 0 ? "<strong>\(c.plaintext)</strong>" : String(c.plaintext)
      out.append(
        "<tr><td>\(h(r.organisation.name))</td><td>\(h(r.organisation.policyLabel))</td><td>\(domains)</td><td>\(c.delivered)</td><td>\(h(Figures.percent(c.tlsPercent)))</td><td>\(plain)</td><td>\(c.unknown)</td><td>\(h(versionList(c)))</td><td>\(h(trustList(c)))</td><td>\(r.deferred) deferred, \(r.bounced) bounced</td></tr>"
      )
    }
    out.append("</tbody></table>")
    if s.violationCount > 0 {
      out.append("<p>Plaintext deliveries to mandatory-TLS partners (\(s.violationCount)):</p>")
      out.append("<table class=\"violations\">")
      out.append("<thead><tr><th>Time</th><th>Queue id</th><th>Domain</th><th>Organisation</th><th>Relay</th></tr></thead>")
      out.append("<tbody>")
      for v in s.violations {
        out.append(
          "<tr><td>\(h(time(v.time, clock)))</td><td>\(h(v.queueID))</td><td>\(h(v.domain))</td><td>\(h(v.organisation))</td><td>\(h(v.relay))</td></tr>")
      }
      out.append("</tbody></table>")
      if s.violationCount > s.violations.count {
        out.append("<p>... and \(s.violationCount - s.violations.count) more (only the first \(s.violations.count) are listed).</p>")
      }
    }
    return out.joined(separator: "\n")
  }

  // MARK: readiness

  /// `mailtls readiness` as text.
  public static func readinessText(
    _ r: Readiness, first: LogTime?, last: LogTime?, clock: LocalClock
  ) -> String {
    let e = Escape.terminal
    var out = ["mailtls readiness: which recipient domains could be made mandatory-TLS"]
    if let first, let last {
      out.append("Period: \(clock.iso8601(first)) to \(clock.iso8601(last))")
    }
    let deliveries = r.rows.reduce(0) { $0 + $1.counts.delivered }
    out.append("\(r.rows.count) recipient domains, \(deliveries) deliveries to external servers.")
    for c in ReadinessClass.allCases {
      let rows = r.rows(c)
      guard !rows.isEmpty else { continue }
      out.append("")
      let n = rows.reduce(0) { $0 + $1.counts.delivered }
      out.append("\(c.title) (\(rows.count) domains, \(n) deliveries)")
      out.append(contentsOf: wrap(c.advice, width: 92, indent: "  "))
      var head = "  \(ReportText.pad("domain", 40)) \(ReportText.rpad("delivered", 9))"
      switch c {
      case .sometimesPlaintext: head += " \(ReportText.rpad("TLS %", 7)) \(ReportText.rpad("plain", 6))  last plaintext             TLS versions"
      case .neverTLS: head += " \(ReportText.rpad("plain", 6))  last plaintext"
      case .unknownOnly: break
      default: head += "  TLS versions; trust"
      }
      out.append(head)
      for row in rows {
        let k = row.counts
        var line = "  \(ReportText.pad(e(row.domain), 40)) \(ReportText.rpad(String(k.delivered), 9))"
        switch c {
        case .sometimesPlaintext:
          line += " \(ReportText.rpad(Figures.percent(k.tlsPercent), 7)) \(ReportText.rpad(String(k.plaintext), 6))  \(ReportText.pad(time(k.lastPlaintext, clock), 25))  \(versionList(k))"
        case .neverTLS:
          line += " \(ReportText.rpad(String(k.plaintext), 6))  \(time(k.lastPlaintext, clock))"
        case .unknownOnly:
          break
        default:
          line += "  \(versionList(k)); \(trustList(k))"
        }
        if k.unknown > 0 && c != .unknownOnly { line += "  (+\(k.unknown) unknown)" }
        if let p = row.partner {
          line += "  [partner: \(e(p.organisation)), \(p.policy.rawValue)]"
        }
        out.append(line)
      }
    }
    return out.joined(separator: "\n") + "\n"
  }

  /// Splits `text` into lines of at most `width` columns.
  static func wrap(_ text: String, width: Int, indent: String) -> [String] {
    var lines: [String] = []
    var current = indent
    for word in text.split(separator: " ") {
      if current.count + word.count + 1 > width && current != indent {
        lines.append(current)
        current = indent
      }
      current += (current == indent ? "" : " ") + word
    }
    if current != indent { lines.append(current) }
    return lines
  }

  /// `mailtls readiness --format json` (schema mailtls.readiness/1).
  public static func readinessJSON(
    _ r: Readiness, first: LogTime?, last: LogTime?, clock: LocalClock
  ) -> String {
    let classes: [JSONValue] = ReadinessClass.allCases.map { c in
      let rows = r.rows(c)
      return .object([
        ("class", .string(c.rawValue)),
        ("title", .string(c.title)),
        ("domains", .int(rows.count)),
        ("deliveries", .int(rows.reduce(0) { $0 + $1.counts.delivered })),
      ])
    }
    let domains: [JSONValue] = r.rows.map { row in
      var m: [(String, JSONValue)] = [
        ("domain", .string(row.domain)), ("class", .string(row.readiness.rawValue)),
      ]
      m += members(ReportJSON.counts(row.counts, detailed: false))
      m.append(("last_plaintext", row.counts.lastPlaintext.map { .string(clock.iso8601($0)) } ?? .null))
      m.append((
        "partner",
        row.partner.map { p in
          .object([
            ("organisation", .string(p.organisation)), ("policy", .string(p.policy.rawValue)),
            ("entry", .string(p.pattern)),
          ])
        } ?? .null
      ))
      return .object(m)
    }
    let doc = JSONValue.object([
      ("schema", .string("mailtls.readiness/1")),
      (
        "period",
        .object([
          ("first", first.map { .string(clock.iso8601($0)) } ?? .null),
          ("last", last.map { .string(clock.iso8601($0)) } ?? .null),
        ])
      ),
      ("classes", .array(classes)),
      ("domains", .array(domains)),
    ])
    return doc.serialized() + "\n"
  }

  /// CSV columns of `mailtls readiness --format csv`.
  public static let readinessCSVHeader =
    "domain,class,delivered,tls,plaintext,unknown,tls_percent,tls_1_3,tls_1_2,tls_1_1,tls_1_0,ssl3,version_unknown,verified,trusted,untrusted,anonymous,trust_unknown,last_plaintext,partner,policy"

  /// `mailtls readiness --format csv`: one row per domain, RFC 4180, formula-safe.
  public static func readinessCSV(_ r: Readiness, clock: LocalClock) -> String {
    var out = [readinessCSVHeader]
    for row in r.rows {
      let k = row.counts
      var f = [Escape.csv(row.domain), row.readiness.rawValue, String(k.delivered), String(k.tls),
               String(k.plaintext), String(k.unknown)]
      f.append(k.tlsPercent.map { String(format1: $0) } ?? "")
      for v in [TLSVersion.v13, .v12, .v11, .v10, .ssl3, .unknown] { f.append(String(k.byVersion[v] ?? 0)) }
      for t in Figures.trusts { f.append(String(k.byTrust[t] ?? 0)) }
      f.append(k.lastPlaintext.map { clock.iso8601($0) } ?? "")
      f.append(Escape.csv(row.partner?.organisation ?? ""))
      f.append(row.partner?.policy.rawValue ?? "")
      out.append(f.joined(separator: ","))
    }
    return out.joined(separator: "\r\n") + "\r\n"
  }

  // MARK: poster

  /// What staff are told about one organisation.
  public struct PosterLine: Equatable {
    public let organisation: String
    /// Short answer: "Yes, always", "Usually", "Not always", "Not guaranteed"...
    public let answer: String
    /// One or two sentences of explanation, plain words.
    public let detail: String
    /// Whether staff may send sensitive information by ordinary email.
    public let safe: Bool
  }

  /// The poster's answer per organisation; `logsRead` says whether figures exist.
  public static func posterLines(_ s: PartnerSummary, logsRead: Bool) -> [PosterLine] {
    s.rows.map { r in
      let org = r.organisation
      let c = r.counts
      let allMandatory = org.entries.allSatisfy { $0.policy == .mandatory }
      if allMandatory {
        if r.violations > 0 {
          return PosterLine(
            organisation: org.name, answer: "Not at the moment",
            detail: "Some recent email to them was not protected, although it should have been. Ask IT before sending anything sensitive.",
            safe: false)
        }
        return PosterLine(
          organisation: org.name, answer: "Yes, always",
          detail: "Our email system only sends to them protected. If it cannot, the email waits and is never sent unprotected.",
          safe: true)
      }
      if org.hasMandatory {
        return PosterLine(
          organisation: org.name, answer: "Only some of their addresses",
          detail: "Email to some of their addresses is always protected, to others not. Ask IT before sending anything sensitive.",
          safe: false)
      }
      if logsRead && c.plaintext > 0 && c.tls == 0 {
        return PosterLine(
          organisation: org.name, answer: "No",
          detail: "None of the email we sent them recently was protected: their system does not accept it. Do not send personal or sensitive information to them by ordinary email.",
          safe: false)
      }
      if logsRead && c.plaintext > 0 {
        return PosterLine(
          organisation: org.name, answer: "Not always",
          detail: "Some email we sent them recently was not protected. Do not send personal or sensitive information to them by ordinary email.",
          safe: false)
      }
      if logsRead && c.tls > 0 {
        return PosterLine(
          organisation: org.name, answer: "Usually, but not guaranteed",
          detail: "All email we sent them recently was protected, but this depends on their system. Do not rely on it for sensitive information.",
          safe: false)
      }
      return PosterLine(
        organisation: org.name, answer: "Not guaranteed",
        detail: "Email to them is protected only when their system allows it. Do not rely on it for sensitive information.",
        safe: false)
    }
  }

  static let posterIntro =
    "\"Protected\" means the email is scrambled on its way between our system and theirs, so nobody in between can read it."

  static func posterPeriod(first: LogTime?, last: LogTime?, clock: LocalClock, logsRead: Bool) -> String {
    guard logsRead else { return "Based on our partner list (no email records were checked)." }
    guard let first, let last else { return "Based on our partner list; the email records checked held no dates." }
    let (a, b) = (clock.day(first), clock.day(last))
    return a == b ? "Based on email sent on \(a)." : "Based on email sent between \(a) and \(b)."
  }

  /// The poster as Markdown.
  public static func posterMarkdown(
    _ s: PartnerSummary, title: String, contact: String, logsRead: Bool, first: LogTime?,
    last: LogTime?, clock: LocalClock
  ) -> String {
    let m = markdown
    var out = ["# \(m(title))", "", posterIntro, "",
               posterPeriod(first: first, last: last, clock: clock, logsRead: logsRead), "",
               "| Organisation | Is email to them protected? | What this means |",
               "|---|---|---|"]
    for line in posterLines(s, logsRead: logsRead) {
      out.append("| \(m(line.organisation)) | \(line.safe ? "**\(line.answer)**" : line.answer) | \(line.detail) |")
    }
    out += ["", "Questions? Ask \(m(contact))."]
    return out.joined(separator: "\n") + "\n"
  }

  /// The poster as a standalone HTML page (inline styles, prints on one page).
  public static func posterHTML(
    _ s: PartnerSummary, title: String, contact: String, logsRead: Bool, first: LogTime?,
    last: LogTime?, clock: LocalClock
  ) -> String {
    let h = Escape.html
    var out = [
      "<!DOCTYPE html>",
      "<html lang=\"en\">",
      "<head>",
      "<meta charset=\"utf-8\">",
      "<title>\(h(title))</title>",
      "</head>",
      "<body style=\"font-family: Arial, Helvetica, sans-serif; font-size: 18px; color: #111; max-width: 60em; margin: 2em auto;\">",
      "<h1 style=\"font-size: 32px;\">\(h(title))</h1>",
      "<p>\(h(posterIntro))</p>",
      "<p>\(h(posterPeriod(first: first, last: last, clock: clock, logsRead: logsRead)))</p>",
      "<table style=\"border-collapse: collapse; width: 100%;\">",
      "<thead><tr><th style=\"text-align: left; border-bottom: 2px solid #111; padding: 8px;\">Organisation</th><th style=\"text-align: left; border-bottom: 2px solid #111; padding: 8px;\">Is email to them protected?</th><th style=\"text-align: left; border-bottom: 2px solid #111; padding: 8px;\">What this means</th></tr></thead>",
      "<tbody>",
    ]
    for line in posterLines(s, logsRead: logsRead) {
      let colour = line.safe ? "#0b6e2e" : "#8a1c1c"
      out.append(
        "<tr><td style=\"padding: 8px; border-bottom: 1px solid #bbb;\">\(h(line.organisation))</td><td style=\"padding: 8px; border-bottom: 1px solid #bbb; color: \(colour); font-weight: bold;\">\(h(line.answer))</td><td style=\"padding: 8px; border-bottom: 1px solid #bbb;\">\(h(line.detail))</td></tr>"
      )
    }
    out += [
      "</tbody>",
      "</table>",
      "<p>Questions? Ask \(h(contact)).</p>",
      "</body>",
      "</html>",
    ]
    return out.joined(separator: "\n") + "\n"
  }

  /// Text safe inside a Markdown table cell or heading: markup characters escaped,
  /// control characters dropped, line breaks as spaces.
  public static func markdown(_ text: String) -> String {
    var out = ""
    for s in text.unicodeScalars {
      switch s {
      case "\\", "`", "*", "_", "[", "]", "<", ">", "|", "#":
        out.append("\\")
        out.unicodeScalars.append(s)
      case "\n", "\r", "\t":
        out.append(" ")
      default:
        if s.value < 0x20 || s.value == 0x7F || (s.value >= 0x80 && s.value < 0xA0) { continue }
        out.unicodeScalars.append(s)
      }
    }
    return out
  }
}
