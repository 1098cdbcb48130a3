// Explain.swift: `mailtls explain`: reads what a user received or what the desk sees
// (a whole NDR with `Diagnostic-Code:`/`Status:` lines, an Exchange NDR's "Remote
// server returned '...'" text or `LED=` payload, a Postfix bounce body, a `mailq`
// entry, a single Postfix/Exim/Exchange log line) and classifies it with the shared
// `FailureClassifier`, without any logs.
//
// The text is cut into candidate failure texts, most specific first; each is
// classified and the best result wins (a rule match over none, higher confidence, a
// TLS category over a generic one, then the more specific source). Text no rule
// matches is reported as such, with the known example texts nearest to it (word
// overlap after masking variable parts). Never fails: any text gives a result.

import Foundation
import MailLogKit
import MailLogModel

/// The reading of a pasted text.
public struct ExplainResult: Sendable {
  /// The best classification.
  public var classification: Classification
  /// The failure text that was classified.
  public var text: String
  /// Where in the paste it came from (`Diagnostic-Code`, `log line`, ...).
  public var source: String
  /// The MTA the classification assumed.
  public var mta: MTA
  /// The detail text used with it (an OpenSSL or verification line), if any.
  public var detail: String?
  /// `Status:` / `dsn=` of the paste.
  public var status: String?
  /// `Final-Recipient:` / `to=<>` of the paste.
  public var recipient: String?
  /// `Remote-MTA:` of the paste.
  public var remoteMTA: String?
  /// Known example texts nearest to an unmatched text, best first.
  public var nearest: [ExplainNeighbour]

  /// Whether a rule recognised the text.
  public var matched: Bool { classification.ruleID != "unmatched" }
  public var info: FailureCategoryInfo { classification.category.info }
}

/// A known failure text close to an unmatched one.
public struct ExplainNeighbour: Sendable {
  public var ruleID: String
  public var category: FailureCategory
  public var example: String
  /// Word overlap, 0...1.
  public var similarity: Double
}

public enum Explain {
  /// A failure text found in a paste.
  struct Candidate {
    var text: String
    var source: String
    var rank: Int
  }

  /// Classifies a pasted text.
  public static func explain(_ raw: String) -> ExplainResult {
    let lines = raw.replacingOccurrences(of: "\r\n", with: "\n")
      .replacingOccurrences(of: "\r", with: "\n").split(
        separator: "\n", omittingEmptySubsequences: false
      )
      .map(String.init)
    let fields = dsnFields(lines)
    var candidates: [Candidate] = []
    var detail: String?
    var status = fields["status"]
    var recipient = fields["final-recipient"].map(stripType)
    let remoteMTA = fields["remote-mta"].map(stripType)
    if let d = fields["diagnostic-code"] {
      candidates.append(Candidate(text: stripType(d), source: "Diagnostic-Code", rank: 0))
    }
    for (n, line) in lines.enumerated() {
      let t = line.trimmingCharacters(in: .whitespaces)
      if t.isEmpty { continue }
      if let r = quotedReturn(t) {
        candidates.append(
          Candidate(text: r, source: "Exchange NDR (remote server returned)", rank: 1))
      }
      if let led = after(t, "LED=") {
        candidates.append(
          Candidate(text: trimLED(led), source: "Exchange LastError (LED=)", rank: 2))
      }
      if let log = postfixLogReason(t) {
        candidates.append(Candidate(text: log.reason, source: "Postfix log line", rank: 1))
        status = status ?? log.dsn
        recipient = recipient ?? log.recipient
      }
      if isDetailLine(t) { detail = detail.map { $0 + " | " + t } ?? t }
      if isEximFailure(t) {
        candidates.append(Candidate(text: t, source: "Exim log line", rank: 1))
      }
      if t.hasPrefix("(") && t.hasSuffix(")") && t.count > 2 {
        candidates.append(
          Candidate(text: String(t.dropFirst().dropLast()), source: "mailq entry", rank: 3))
      }
      if let body = bounceBody(lines, n) {
        candidates.append(Candidate(text: body, source: "bounce message text", rank: 3))
      }
    }
    let whole = lines.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(
      separator: " ")
    candidates.append(Candidate(text: whole, source: "whole text", rank: 9))

    let guess = guessMTA(raw)
    var best: (Classification, Candidate, MTA)?
    for c in candidates {
      var result = FailureClassifier.classify(
        reason: c.text, detail: detail, dsn: status, mta: guess)
      var mta = guess
      if result.ruleID == "unmatched" {
        for other in [MTA.postfix, .exim, .exchange] where other != guess {
          let r = FailureClassifier.classify(
            reason: c.text, detail: detail, dsn: status, mta: other)
          if r.ruleID != "unmatched" {
            result = r
            mta = other
            break
          }
        }
      }
      if best == nil || better(result, c, than: best!.0, best!.1) { best = (result, c, mta) }
    }
    let (classification, chosen, mta) = best!
    var out = ExplainResult(
      classification: classification, text: chosen.text, source: chosen.source, mta: mta,
      detail: detail, status: status, recipient: recipient, remoteMTA: remoteMTA, nearest: [])
    if !out.matched { out.nearest = nearest(to: chosen.rank == 9 ? whole : chosen.text) }
    return out
  }

  private static func better(
    _ a: Classification, _ ca: Candidate, than b: Classification, _ cb: Candidate
  ) -> Bool {
    let am = a.ruleID != "unmatched"
    let bm = b.ruleID != "unmatched"
    if am != bm { return am }
    if a.confidence != b.confidence { return a.confidence > b.confidence }
    if a.category.isTLS != b.category.isTLS { return a.category.isTLS }
    return ca.rank < cb.rank
  }

  // MARK: Pieces of a paste

  /// RFC 3464 fields (`Name: value`, continuation lines folded in), keys lower-cased;
  /// the first occurrence wins.
  static func dsnFields(_ lines: [String]) -> [String: String] {
    let wanted: Set<String> = [
      "diagnostic-code", "status", "final-recipient", "remote-mta", "action",
    ]
    var out: [String: String] = [:]
    var current: String?
    for line in lines {
      if let key = current, let first = line.first, first == " " || first == "\t" {
        out[key, default: ""] += " " + line.trimmingCharacters(in: .whitespaces)
        continue
      }
      current = nil
      guard let colon = line.firstIndex(of: ":") else { continue }
      let key = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
      guard wanted.contains(key), out[key] == nil else { continue }
      out[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
      current = key
    }
    return out
  }

  /// `smtp; 550 ...` -> `550 ...`, `rfc822; a@b` -> `a@b`.
  static func stripType(_ v: String) -> String {
    guard let semi = v.firstIndex(of: ";"),
      v[..<semi].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" })
    else {
      return v
    }
    return v[v.index(after: semi)...].trimmingCharacters(in: .whitespaces)
  }

  /// The text in `... returned '...'` (Exchange NDR diagnostic lines).
  static func quotedReturn(_ t: String) -> String? {
    guard let r = t.range(of: "returned '", options: .caseInsensitive) else { return nil }
    var body = t[r.upperBound...]
    if let last = body.lastIndex(of: "'") { body = body[..<last] }
    return body.isEmpty ? nil : String(body)
  }

  static func after(_ t: String, _ marker: String) -> String? {
    guard let r = t.range(of: marker) else { return nil }
    let rest = t[r.upperBound...]
    return rest.isEmpty ? nil : String(rest)
  }

  /// An `LED=` payload up to its closing `]};` or `>;`.
  static func trimLED(_ s: String) -> String {
    for end in ["]};", "};", ">;"] {
      if let r = s.range(of: end) {
        return String(s[..<r.lowerBound]) + (end.hasPrefix("]") ? "]" : "")
      }
    }
    return s
  }

  /// Reason, dsn and recipient of a Postfix delivery line with a failure status.
  static func postfixLogReason(_ t: String) -> (reason: String, dsn: String?, recipient: String?)? {
    guard let s = t.range(of: ", status=") else { return nil }
    let rest = t[s.upperBound...]
    guard let open = rest.firstIndex(of: "(") else { return nil }
    var reason = rest[rest.index(after: open)...]
    if reason.hasSuffix(")") { reason = reason.dropLast() }
    var dsn: String?
    if let d = t.range(of: "dsn=") {
      dsn = String(t[d.upperBound...].prefix { $0 != "," && $0 != " " })
    }
    var recipient: String?
    if let r = t.range(of: "to=<") {
      recipient = String(t[r.upperBound...].prefix { $0 != ">" })
    }
    return (String(reason), dsn, recipient)
  }

  /// Postfix's TLS detail lines, which say why `Cannot start TLS` / `not verified`.
  static func isDetailLine(_ t: String) -> Bool {
    t.contains("SSL_connect error to ") || t.contains("TLS library problem")
      || t.contains("certificate verification failed for ")
  }

  /// An Exim delivery failure or deferral line.
  static func isEximFailure(_ t: String) -> Bool {
    (t.contains(" ** ") || t.contains(" == ")) && (t.contains(" R=") || t.contains(" T="))
  }

  /// A Postfix bounce body line `<rcpt>: reason` with its indented continuation.
  static func bounceBody(_ lines: [String], _ n: Int) -> String? {
    let t = lines[n]
    guard t.hasPrefix("<"), let close = t.range(of: ">: ") else { return nil }
    var text = String(t[close.upperBound...])
    var i = n + 1
    while i < lines.count, let first = lines[i].first, first == " " || first == "\t" {
      text += " " + lines[i].trimmingCharacters(in: .whitespaces)
      i += 1
    }
    return text.isEmpty ? nil : text
  }

  static func guessMTA(_ t: String) -> MTA {
    let exchange = [
      "LED=", "Remote server returned", "Remote Server returned", "[Message=", "4.4.317",
      "outlook.com", "LastAttemptedServerName", "Microsoft Exchange", "Server at ",
    ]
    if exchange.contains(where: { t.contains($0) }) { return .exchange }
    if t.contains(" ** ") || t.contains(" == ") || t.contains("SMTP error from remote")
      || t.contains(" H=")
    {
      return .exim
    }
    return .postfix
  }

  // MARK: Nearest known texts

  /// The rule examples with the most words in common with `text` (masked).
  static func nearest(to text: String, limit: Int = 3) -> [ExplainNeighbour] {
    let mine = words(text)
    guard !mine.isEmpty else { return [] }
    var scored: [ExplainNeighbour] = []
    for rule in FailureRules.all {
      var best: (String, Double)?
      for example in rule.matches {
        let theirs = words(example)
        let common = mine.intersection(theirs).count
        guard common > 0 else { continue }
        let score = Double(common) / Double(mine.union(theirs).count)
        if best == nil || score > best!.1 { best = (example, score) }
      }
      if let (example, score) = best {
        scored.append(
          ExplainNeighbour(
            ruleID: rule.id, category: rule.category, example: example, similarity: score))
      }
    }
    scored.sort {
      $0.similarity != $1.similarity ? $0.similarity > $1.similarity : $0.ruleID < $1.ruleID
    }
    return Array(scored.prefix(limit))
  }

  static func words(_ text: String) -> Set<String> {
    let masked = TemplateMiner.mask(text).lowercased()
    var out: Set<String> = []
    var cur = ""
    for ch in masked {
      if ch.isLetter || ch.isNumber || ch == "<" || ch == ">" || ch == "*" || ch == "." {
        cur.append(ch)
      } else {
        if cur.count > 1 { out.insert(cur.trimmingCharacters(in: CharacterSet(charactersIn: "."))) }
        cur = ""
      }
    }
    if cur.count > 1 { out.insert(cur.trimmingCharacters(in: CharacterSet(charactersIn: "."))) }
    out.remove("")
    return out
  }
}
