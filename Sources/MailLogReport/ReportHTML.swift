// ReportHTML.swift: `mailtls report --format html`, one self-contained page meant to be
// mailed: it reads the same in Outlook for Windows (Word engine), Gmail and browsers.
//
// E-mail-safe by construction: no JavaScript, no <style> block, no SVG, no images or
// data URIs, no web fonts; layout is nested tables with inline styles and bgcolor, and
// every bar is a row of table cells with the figure always printed as text beside it.
// The output is well-formed XML (every element closed, attributes quoted, only numeric
// character references) so it can be checked with a strict parser. Every string that
// came from a log, an input name or a feature's text is passed through Escape.html.
// Sections follow the text report; features' HTML sections (`extraHTML`) come where
// the text report puts theirs, and a feature text section without an HTML section of
// the same title is shown as preformatted text. Cannot fail.

import MailLogAnalysis
import MailLogKit
import MailLogModel

/// Renders ReportData as an HTML page, and offers the building blocks to features.
public enum ReportHTML {
  /// Colours used by bars and labels.
  public enum Colour {
    public static let tls = "#2e7d32"
    public static let plaintext = "#c62828"
    public static let empty = "#e5e7eb"
    public static let share = "#1d4ed8"
    public static let legacy = "#d97706"
    public static let muted = "#6b7280"
  }

  /// Inline font style of text cells (repeated per cell: Outlook's Word engine does not
  /// inherit fonts into nested tables). Kept short: Gmail clips mail over about 100 KB.
  public static func font(_ size: Int = 14) -> String {
    "font-family:Arial,sans-serif;font-size:\(size)px;"
  }

  /// The whole page for `data`.
  public static func render(_ data: ReportData) -> String {
    let c = data.coverage
    let h = Escape.html
    var body: [String] = []
    body.append(
      "<h1 style=\"margin:0 0 4px 0;\(font(22))\">mailtls report</h1>")
    if let f = c.firstTime, let l = c.lastTime {
      body.append(
        paragraph("Period: \(data.clock.iso8601(f)) to \(data.clock.iso8601(l))", muted: true))
    }
    body.append(
      section(
        "TLS coverage",
        table(
          [
            headline("Outbound", c.outbound, noun: "deliveries to external servers"),
            headline("Inbound", c.inbound, noun: "messages from external clients"),
          ])
          + paragraph(
            "TLS % = TLS / (TLS + plaintext); unknown is left out of the percentage.", muted: true))
    )
    for (title, counts) in [("Outbound", c.outbound), ("Inbound", c.inbound)]
    where counts.unknown > 0 {
      let rows = counts.unknownReasons.sorted { $0.value > $1.value }.map { reason, n in
        [cell(String(n), align: "right", width: 60), cell(h(reason))]
      }
      body.append(section("\(title) unknown (\(counts.unknown)), because", table(rows)))
    }
    for (title, counts) in [("Outbound", c.outbound), ("Inbound", c.inbound)] where counts.tls > 0 {
      var rows: [[String]] = []
      for v in Figures.versions {
        guard let n = counts.byVersion[v], n > 0 else { continue }
        let label = v == .unknown ? "not logged" : (v == .ssl3 ? "SSLv3" : "TLS \(v.rawValue)")
        rows.append(
          shareRow(
            label, n, of: counts.tls, colour: v.isLegacy ? Colour.legacy : Colour.share,
            note: v.isLegacy ? "legacy, should be retired" : nil))
      }
      var trust: [[String]] = []
      for t in Figures.trusts {
        guard let n = counts.byTrust[t], n > 0 else { continue }
        trust.append(
          shareRow(
            t == .unknown ? "not stated" : t.rawValue, n, of: counts.tls, colour: Colour.share,
            note: nil))
      }
      body.append(section("\(title) TLS versions", table(rows)))
      body.append(section("\(title) certificate trust", table(trust)))
    }
    let domains = c.sortedDomains
    if !domains.isEmpty {
      var rows = [
        [
          header("domain"), header("delivered", align: "right"), header("TLS %"),
          header("plain", align: "right"), header("unknown", align: "right"),
        ]
      ]
      for (name, d) in domains.prefix(data.topDomains) {
        rows.append([
          cell(h(name)), cell(String(d.delivered), align: "right"),
          cell(inlineBar(d.tlsPercent, width: 100)),
          cell(String(d.plaintext), align: "right"), cell(String(d.unknown), align: "right"),
        ])
      }
      body.append(section("Top recipient domains (of \(domains.count))", table(rows)))
      let plain = domains.filter { $0.1.plaintext > 0 }.sorted {
        $0.1.plaintext != $1.1.plaintext ? $0.1.plaintext > $1.1.plaintext : $0.0 < $1.0
      }
      if !plain.isEmpty {
        var prow = [
          [
            header("domain"), header("plaintext", align: "right"), header("of", align: "right"),
            header("last plaintext"),
          ]
        ]
        for (name, d) in plain.prefix(data.topDomains) {
          prow.append([
            cell(h(name)), cell(String(d.plaintext), align: "right"),
            cell(String(d.delivered), align: "right"),
            cell(d.lastPlaintext.map { data.clock.iso8601($0) } ?? ""),
          ])
        }
        var more = ""
        if plain.count > data.topDomains {
          more = paragraph(
            "... and \(plain.count - data.topDomains) more (see --format json)", muted: true)
        }
        body.append(section("Domains that received plaintext (\(plain.count))", table(prow) + more))
      }
    }
    if !data.failureText.isEmpty {
      body.append(section("Failures", data.failureText.map { paragraph(h($0)) }.joined()))
    }
    let htmlTitles = Set(data.extraHTML.map(\.0))
    for (title, lines) in data.extraText where !htmlTitles.contains(title) {
      body.append(section(h(title), preformatted(lines)))
    }
    for (title, fragment) in data.extraHTML {
      body.append(section(h(title), fragment))
    }
    if c.sources.count > 1 {
      var rows = [[header("source"), header("outbound"), header("inbound")]]
      for (name, pair) in c.sources.sorted(by: { $0.key < $1.key }) {
        rows.append([
          cell(h(name)),
          cell("\(Figures.percent(pair.out.tlsPercent)) of \(pair.out.delivered)"),
          cell("\(Figures.percent(pair.in.tlsPercent)) of \(pair.in.delivered)"),
        ])
      }
      body.append(section("Per source", table(rows)))
    }
    var inputs: [String] = []
    for s in data.run.inputs {
      var line =
        "<b>\(h(s.name))</b>: \(h(s.format)), \(s.lines) lines, \(s.parsed) used, \(s.skipped) not used"
      if s.compressed { line += " (gzip)" }
      if s.encoding != "utf8" { line += " (\(h(s.encoding)))" }
      let kinds = s.skippedByKind.sorted {
        $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key
      }
      if !kinds.isEmpty {
        line +=
          "<br />not used: "
          + kinds.prefix(6).map { "\(h($0.key)) \($0.value)" }.joined(separator: ", ")
        if kinds.count > 6 { line += ", ..." }
      }
      if let w = s.warning { line += "<br />warning: \(h(w))" }
      inputs.append(paragraph(line))
    }
    body.append(section("Inputs", inputs.joined()))
    if !data.run.notes.isEmpty {
      body.append(section("Notes", data.run.notes.map { paragraph(h($0)) }.joined()))
    }
    return page(title: "mailtls report", body: body.joined(separator: "\n"))
  }

  // MARK: - Building blocks (all arguments are already-escaped HTML)

  /// The page skeleton: a centred 680-pixel table on a grey background.
  public static func page(title: String, body: String) -> String {
    """
    <!DOCTYPE html>
    <html lang="en" xmlns="http://www.w3.org/1999/xhtml">
    <head>
    <meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1.0" />
    <title>\(title)</title>
    </head>
    <body style="margin:0;padding:0;background-color:#f3f4f6;">
    <table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" bgcolor="#f3f4f6" style="background-color:#f3f4f6;">
    <tr><td align="center" style="padding:16px 8px;">
    <table role="presentation" width="680" cellpadding="0" cellspacing="0" border="0" bgcolor="#ffffff" style="width:680px;background-color:#ffffff;border:1px solid #d1d5db;">
    <tr><td style="padding:20px 24px;\(font())color:#111827;">
    \(body)
    </td></tr>
    </table>
    </td></tr>
    </table>
    </body>
    </html>

    """
  }

  /// A titled section.
  public static func section(_ title: String, _ content: String) -> String {
    "<h2 style=\"margin:20px 0 6px 0;\(font(17))\">\(title)</h2>\n\(content)"
  }

  /// A paragraph of text.
  public static func paragraph(_ text: String, muted: Bool = false) -> String {
    "<p style=\"margin:0 0 6px 0;\(font(muted ? 12 : 14))\(muted ? "color:\(Colour.muted);" : "")\">\(text)</p>\n"
  }

  /// Lines shown as preformatted text (escaped here).
  public static func preformatted(_ lines: [String]) -> String {
    "<pre style=\"margin:0 0 6px 0;font-family:Consolas,Menlo,monospace;font-size:12px;line-height:16px;\">"
      + lines.map(Escape.html).joined(separator: "\n") + "</pre>\n"
  }

  /// A full-width table of rows of cells (from `cell`/`header`).
  public static func table(_ rows: [[String]]) -> String {
    var out =
      "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" style=\"width:100%;\">\n"
    // One cell per line: SMTP allows at most 998 octets per line, and an MTA that folds
    // a longer one could split a tag.
    for row in rows { out += "<tr>\n" + row.joined(separator: "\n") + "\n</tr>\n" }
    return out + "</table>\n"
  }

  /// One table cell.
  public static func cell(_ content: String, align: String = "left", width: Int? = nil) -> String {
    let w = width.map { " width=\"\($0)\"" } ?? ""
    let ws = width.map { "width:\($0)px;" } ?? ""
    return
      "<td align=\"\(align)\" valign=\"middle\"\(w) style=\"padding:2px 6px 2px 0;\(ws)\(font())\">\(content)</td>"
  }

  /// One header cell.
  public static func header(_ content: String, align: String = "left") -> String {
    "<td align=\"\(align)\" style=\"padding:2px 6px 2px 0;border-bottom:1px solid #d1d5db;\(font())font-weight:bold;\">\(content)</td>"
  }

  /// A horizontal bar of table cells: `percent` of `width` pixels in `fill`, the rest in
  /// `rest`; an empty grey bar when `percent` is nil.
  public static func bar(
    _ percent: Double?, width: Int = 240, fill: String = Colour.tls, rest: String = Colour.plaintext
  ) -> String {
    let p = min(100, max(0, percent ?? 0))
    var filled = Int((p / 100 * Double(width)).rounded())
    // Keep a visible sliver for small non-zero shares and a gap for shares under 100 %.
    // Cell sizes are attributes only (Outlook and Gmail honour them): the page stays
    // small, as Gmail clips messages over about 100 KB.
    if p > 0 && filled == 0 { filled = 1 }
    if p < 100 && filled == width { filled = width - 1 }
    var cells = ""
    func part(_ w: Int, _ colour: String) {
      guard w > 0 else { return }
      cells +=
        "<td width=\"\(w)\" height=\"12\" bgcolor=\"\(colour)\" style=\"background-color:\(colour);font-size:1px;line-height:1px;\">&#160;</td>\n"
    }
    if percent == nil {
      part(width, Colour.empty)
    } else {
      part(filled, fill)
      part(width - filled, rest)
    }
    return
      "<table role=\"presentation\" width=\"\(width)\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" style=\"width:\(width)px;\"><tr>\n\(cells)</tr></table>"
  }

  /// A bar followed by its percentage as text, in one line.
  public static func inlineBar(
    _ percent: Double?, width: Int, fill: String = Colour.tls, rest: String = Colour.plaintext
  ) -> String {
    "<table role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\"><tr><td valign=\"middle\" style=\"padding:0 6px 0 0;\">\n"
      + bar(percent, width: width, fill: fill, rest: rest)
      + "</td>\n<td valign=\"middle\" style=\"\(font())white-space:nowrap;\">\(Figures.percent(percent))</td></tr></table>"
  }

  private static func headline(_ title: String, _ c: CoverageCounts, noun: String) -> [String] {
    [
      cell("<b>\(title)</b>", width: 80),
      cell(bar(c.tlsPercent, width: 240), width: 246),
      cell("<b>\(Figures.percent(c.tlsPercent))</b> over TLS", width: 110),
      cell(
        "<span style=\"color:\(Colour.muted);font-size:12px;\">\(c.tls) TLS, \(c.plaintext) plaintext, \(c.unknown) unknown; \(c.delivered) \(noun)</span>"
      ),
    ]
  }

  private static func shareRow(
    _ label: String, _ n: Int, of total: Int, colour: String, note: String?
  ) -> [String] {
    let p = total == 0 ? nil : 100.0 * Double(n) / Double(total)
    let noteText =
      note.map { " <span style=\"color:\(Colour.legacy);font-size:12px;\">\($0)</span>" } ?? ""
    return [
      cell(label, width: 110), cell(String(n), align: "right", width: 70),
      cell(inlineBar(p, width: 160, fill: colour, rest: Colour.empty) + noteText),
    ]
  }
}
