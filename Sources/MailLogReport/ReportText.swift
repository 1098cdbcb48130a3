// ReportText.swift: the human-readable `mailtls report` (the default format).
//
// Headline outbound and inbound TLS percentages with their base, what was unknown and
// why, TLS versions (1.0/1.1 flagged as legacy), trust levels, top recipient domains,
// domains that received plaintext, failures, sources, and what was not parsed per
// input. Every string that came from a log is passed through Escape.terminal.

import MailLogAnalysis
import MailLogKit
import MailLogModel

/// Renders ReportData as text.
public enum ReportText {
  public static func render(_ data: ReportData) -> String {
    var out: [String] = []
    let c = data.coverage
    let e = Escape.terminal
    out.append("mailtls report")
    if let f = c.firstTime, let l = c.lastTime {
      out.append("Period: \(data.clock.iso8601(f)) to \(data.clock.iso8601(l))")
    }
    out.append("")
    out.append(headline("Outbound", c.outbound, noun: "deliveries to external servers"))
    out.append(headline("Inbound", c.inbound, noun: "messages from external clients"))
    out.append(contentsOf: data.extraHeadlines)
    out.append("  (TLS % = TLS / (TLS + plaintext); unknown is left out of the percentage.)")
    out.append("")
    for (title, counts) in [("Outbound", c.outbound), ("Inbound", c.inbound)]
    where counts.unknown > 0 {
      out.append("\(title) unknown (\(counts.unknown)), because:")
      for (reason, n) in counts.unknownReasons.sorted(by: { $0.value > $1.value }) {
        out.append("  \(n): \(e(reason))")
      }
      out.append("")
    }
    for (title, counts) in [("Outbound", c.outbound), ("Inbound", c.inbound)] where counts.tls > 0
    {
      out.append("\(title) TLS versions:")
      for v in Figures.versions {
        guard let n = counts.byVersion[v], n > 0 else { continue }
        let label = v == .unknown ? "not logged" : (v == .ssl3 ? "SSLv3" : "TLS \(v.rawValue)")
        let legacy = v.isLegacy ? "   <- legacy, should be retired" : ""
        out.append("  \(pad(label, 12)) \(rpad(String(n), 8))  \(share(n, counts.tls))\(legacy)")
      }
      out.append(
        title == "Inbound"
          ? "Inbound certificate trust (of the sending client; most clients send none, which is normal):"
          : "Outbound certificate trust (verified = CA-signed and name checked; all levels are encrypted):")
      for t in Figures.trusts {
        guard let n = counts.byTrust[t], n > 0 else { continue }
        out.append("  \(pad(trustLabel(t), 12)) \(rpad(String(n), 8))  \(share(n, counts.tls))")
      }
      out.append("")
    }
    let domains = c.sortedDomains
    if !domains.isEmpty {
      out.append("Top recipient domains (of \(domains.count)):")
      out.append("  \(pad("domain", 40)) \(rpad("delivered", 9)) \(rpad("TLS %", 7)) \(rpad("plain", 6)) \(rpad("unknown", 7))")
      for (name, d) in domains.prefix(data.topDomains) {
        out.append(
          "  \(pad(e(name), 40)) \(rpad(String(d.delivered), 9)) \(rpad(Figures.percent(d.tlsPercent), 7)) \(rpad(String(d.plaintext), 6)) \(rpad(String(d.unknown), 7))"
        )
      }
      out.append("")
      let plain = domains.filter { $0.1.plaintext > 0 }.sorted {
        $0.1.plaintext != $1.1.plaintext ? $0.1.plaintext > $1.1.plaintext : $0.0 < $1.0
      }
      if !plain.isEmpty {
        out.append("Domains that received plaintext (\(plain.count)):")
        for (name, d) in plain.prefix(data.topDomains) {
          var line = "  \(pad(e(name), 40)) \(rpad(String(d.plaintext), 6)) of \(d.delivered)"
          if let t = d.lastPlaintext { line += "   last \(data.clock.iso8601(t))" }
          out.append(line)
        }
        if plain.count > data.topDomains {
          out.append("  ... and \(plain.count - data.topDomains) more (see --format json)")
        }
        out.append("")
      }
    }
    if !data.failureText.isEmpty {
      out.append(contentsOf: data.failureText)
      out.append("")
    }
    for (title, lines) in data.extraText {
      out.append(title)
      out.append(contentsOf: lines)
      out.append("")
    }
    if c.sources.count > 1 {
      out.append("Per source:")
      for (name, pair) in c.sources.sorted(by: { $0.key < $1.key }) {
        out.append(
          "  \(pad(e(name), 30)) outbound \(Figures.percent(pair.out.tlsPercent)) of \(pair.out.delivered), inbound \(Figures.percent(pair.in.tlsPercent)) of \(pair.in.delivered)"
        )
      }
      out.append("")
    }
    out.append("Inputs:")
    for s in data.run.inputs {
      var line = "  \(e(s.name)): \(s.format), \(s.lines) lines, \(s.parsed) used, \(s.skipped) not used"
      if s.compressed { line += " (gzip)" }
      if s.encoding != "utf8" { line += " (\(s.encoding))" }
      out.append(line)
      let kinds = s.skippedByKind.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
      if !kinds.isEmpty {
        let list = kinds.prefix(6).map { "\(e($0.key)) \($0.value)" }.joined(separator: ", ")
        out.append("    not used: \(list)\(kinds.count > 6 ? ", ..." : "")")
      }
      if let w = s.warning { out.append("    warning: \(e(w))") }
    }
    for note in data.run.notes { out.append("Note: \(e(note))") }
    return out.joined(separator: "\n") + "\n"
  }

  static func headline(_ title: String, _ c: CoverageCounts, noun: String) -> String {
    "\(title): \(Figures.percent(c.tlsPercent)) over TLS  (\(c.tls) TLS, \(c.plaintext) plaintext, \(c.unknown) unknown; \(c.delivered) \(noun))"
  }

  static func trustLabel(_ t: TLSTrust) -> String {
    t == .unknown ? "not stated" : t.rawValue
  }

  static func share(_ n: Int, _ total: Int) -> String {
    total == 0 ? "" : rpad(Figures.percent(100.0 * Double(n) / Double(total)), 6)
  }

  /// Left-justifies `s` to `w` columns.
  public static func pad(_ s: String, _ w: Int) -> String {
    s.count >= w ? s : s + String(repeating: " ", count: w - s.count)
  }

  /// Right-justifies `s` to `w` columns.
  public static func rpad(_ s: String, _ w: Int) -> String {
    s.count >= w ? s : String(repeating: " ", count: w - s.count) + s
  }
}
