// FailureClassifier.swift: puts one delivery-failure text into a category (T01-T17 or
// `non-tls`) and pulls out the structured facts of the text.
//
// Two steps. First the facts are extracted (enhanced status code, remote reply code,
// remote host, OpenSSL code and reason, certificate-verification error, Exchange
// `[Message=...]` payload). Then the rules, which are DATA (`FailureRules.all`, one
// PCRE2 pattern each, tried in order, first match wins), pick the category. A few
// rules are "umbrellas" whose text does not say the cause (Postfix `Cannot start TLS:
// handshake failure`, `Server certificate not verified`, Exim `certificate verify
// failed`): their category comes from the `detail` text (the OpenSSL or verification
// line of the same session) matched against the TLS rules, and falls back to the
// umbrella's own guess when the detail is missing or unknown. Postfix's `delivery
// temporarily suspended: X` is classified as X. Text no rule knows is `non-tls` with
// rule id `unmatched` and low confidence (the caller mines a template for it).
//
// Never fails: a rule whose pattern does not compile is skipped and listed in
// `compileErrors` (a test asserts that list is empty).

import MailLogKit
import MailLogModel

/// How sure a classification is.
public enum Confidence: String, Sendable, Comparable {
  /// A generic fallback or no rule at all: the text is grouped by template too.
  case low
  /// A documented but ambiguous text.
  case medium
  /// The exact text of a known cause.
  case high

  private var order: Int {
    switch self {
    case .low: return 0
    case .medium: return 1
    case .high: return 2
    }
  }
  public static func < (a: Confidence, b: Confidence) -> Bool { a.order < b.order }
}

/// Structured facts found in a failure text (all optional).
public struct FailureFacts: Sendable, Equatable {
  /// RFC 3463 enhanced status code, e.g. `4.7.5` (from `dsn=` when given).
  public var enhancedCode: String?
  /// The remote server's SMTP reply code, e.g. `454`.
  public var replyCode: String?
  /// Remote host name, e.g. `mx.example.net`.
  public var remoteHost: String?
  /// Remote address as logged, e.g. `192.0.2.10`.
  public var remoteAddr: String?
  /// OpenSSL packed error code, e.g. `0A00010B`.
  public var opensslCode: String?
  /// OpenSSL reason text, e.g. `wrong version number`.
  public var opensslReason: String?
  /// Certificate-verification error, e.g. `certificate has expired`.
  public var verifyError: String?
  /// Exchange `[Message=...]` payload, e.g. `CertificateExpired Expected Subject: ...`.
  public var exchangeMessage: String?

  public init() {}
}

/// The category of one failure and why.
public struct Classification: Sendable, Equatable {
  public var category: FailureCategory
  /// Short name (the rule's, for non-TLS kinds such as greylisting, else the category's).
  public var title: String
  /// RFC 8460 result type (the rule's, else the category's).
  public var rfc8460: String?
  /// Who acts (the rule's override, else the category's).
  public var action: ActingParty
  /// What the service desk should do (the rule's override, else the category's).
  public var nextStep: String
  /// The rule that decided, e.g. `t08.expired`; `unmatched` when none did.
  public var ruleID: String
  public var confidence: Confidence
  public var facts: FailureFacts

  /// Whether the category is only a guess (no rule, or a generic fallback).
  public var isGuess: Bool { confidence == .low }
}

/// One classification rule: a pattern, the category it means, and examples.
public struct FailureRule: Sendable {
  /// Stable id, `<category>.<what>`, shown in reports as the reason for a category.
  public let id: String
  public let category: FailureCategory
  /// A name for what the rule recognises, overriding the category's title (used by
  /// the non-TLS rules: "Greylisting", "Mailbox full", ...).
  public let title: String?
  /// PCRE2 pattern, searched (not anchored) in the reason or the detail.
  public let pattern: String
  public let caseless: Bool
  /// Only for these MTAs (nil = any).
  public let mtas: Set<MTA>?
  /// An umbrella text: the detail decides the category; `category` is the fallback.
  public let refinedByDetail: Bool
  public let confidence: Confidence
  /// Overrides of the category's table entry.
  public let rfc8460: String?
  public let action: ActingParty?
  public let nextStep: String?
  /// Texts the pattern must find (and the classifier must attribute to this rule).
  public let matches: [String]
  /// Texts the pattern must not find.
  public let nonMatches: [String]

  public init(
    _ id: String, _ category: FailureCategory, _ pattern: String, title: String? = nil,
    caseless: Bool = true,
    mtas: Set<MTA>? = nil, refinedByDetail: Bool = false, confidence: Confidence = .high,
    rfc8460: String? = nil, action: ActingParty? = nil, nextStep: String? = nil,
    matches: [String], nonMatches: [String] = []
  ) {
    self.id = id
    self.category = category
    self.title = title
    self.pattern = pattern
    self.caseless = caseless
    self.mtas = mtas
    self.refinedByDetail = refinedByDetail
    self.confidence = confidence
    self.rfc8460 = rfc8460
    self.action = action
    self.nextStep = nextStep
    self.matches = matches
    self.nonMatches = nonMatches
  }
}

/// Classifies failure texts with `FailureRules.all`. Immutable after init; share it.
public final class FailureClassifier: Sendable {
  /// The classifier over the built-in rules.
  public static let shared = FailureClassifier(rules: FailureRules.all)

  private let rules: [(FailureRule, Regex)]
  /// Rules whose pattern PCRE2 rejected (skipped), with the message.
  public let compileErrors: [String]

  /// Compiles `rules`; a rule whose pattern fails is skipped and reported.
  public init(rules: [FailureRule]) {
    var compiled: [(FailureRule, Regex)] = []
    var errors: [String] = []
    for rule in rules {
      do {
        compiled.append((rule, try Regex(rule.pattern, caseless: rule.caseless)))
      } catch {
        errors.append("\(rule.id): \(error)")
      }
    }
    self.rules = compiled
    compileErrors = errors
  }

  /// Classifies with the built-in rules. See `classify(reason:detail:dsn:mta:)`.
  public static func classify(reason: String, detail: String?, dsn: String?, mta: MTA)
    -> Classification
  {
    shared.classify(reason: reason, detail: detail, dsn: dsn, mta: mta)
  }

  /// The category of one failure.
  /// - Parameters:
  ///   - reason: the failure text (Postfix's parenthesised reason, Exim's error text,
  ///     Exchange's status/LastError text).
  ///   - detail: a detail line of the same session (OpenSSL error, verification
  ///     failure), used when `reason` does not name the cause.
  ///   - dsn: the enhanced status code logged with the result, if any.
  ///   - mta: the MTA that wrote the log.
  public func classify(reason: String, detail: String?, dsn: String?, mta: MTA)
    -> Classification
  {
    let text = FailureClassifier.stripSuspended(reason)
    let detailText = detail.flatMap { $0.isEmpty ? nil : $0 }
    let facts = FailureFacts.extract(reason: text, detail: detailText, dsn: dsn, mta: mta)
    guard let rule = firstRule(in: text, mta: mta, tlsOnly: false) else {
      let info = FailureCategory.nonTLS.info
      return Classification(
        category: .nonTLS, title: "Not TLS, not recognised", rfc8460: nil, action: info.action,
        nextStep: info.nextStep,
        ruleID: "unmatched", confidence: .low, facts: facts)
    }
    var decided = (rule, text)
    // An umbrella takes the cause from the detail; another umbrella found there only
    // counts when it is surer (Exim's `certificate verify failed` beats a bare
    // `SSL_connect error ...: -1`).
    if rule.refinedByDetail, let d = detailText,
      let cause = firstRule(in: d, mta: mta, tlsOnly: true),
      !cause.refinedByDetail || cause.confidence > rule.confidence
    {
      decided = (cause, d)
    }
    return FailureClassifier.result(decided.0, matchedText: decided.1, facts: facts)
  }

  /// The reason with Postfix's `delivery temporarily suspended: ` prefixes removed.
  public static func stripSuspended(_ reason: String) -> String {
    let prefix = "delivery temporarily suspended: "
    var text = Substring(reason)
    while text.hasPrefix(prefix) { text = text.dropFirst(prefix.count) }
    return String(text)
  }

  private func firstRule(in text: String, mta: MTA, tlsOnly: Bool) -> FailureRule? {
    for (rule, regex) in rules {
      if tlsOnly && !rule.category.isTLS { continue }
      if let only = rule.mtas, !only.contains(mta) { continue }
      if regex.matches(text) { return rule }
    }
    return nil
  }

  private static func result(_ rule: FailureRule, matchedText: String, facts: FailureFacts)
    -> Classification
  {
    let info = rule.category.info
    return Classification(
      category: rule.category, title: rule.title ?? info.title,
      rfc8460: rule.rfc8460 ?? rfc8460Token(in: matchedText, for: rule.category)
        ?? info.rfc8460,
      action: rule.action ?? info.action, nextStep: rule.nextStep ?? info.nextStep,
      ruleID: rule.id, confidence: rule.confidence, facts: facts)
  }

  /// An RFC 8460 result type named in the text itself, when it fits the category
  /// (Exchange's `5.7.324 dnssec-invalid`, Postfix's `external policy failure
  /// (sts-webpki-invalid)`).
  private static func rfc8460Token(in text: String, for category: FailureCategory) -> String? {
    let allowed: [String]
    switch category {
    case .t12: allowed = ["tlsa-invalid", "dnssec-invalid", "dane-required"]
    case .t13:
      allowed = ["sts-policy-fetch-error", "sts-policy-invalid", "sts-webpki-invalid"]
    default: return nil
    }
    let lower = text.lowercased()
    return allowed.first { lower.contains($0) }
  }
}

// MARK: - Facts

extension FailureFacts {
  private static let patterns: [String: Regex] = {
    let sources: [String: String] = [
      // X.Y.Z not inside an IP address or a longer dotted number.
      "enhanced": #"(?<![\w.])([245]\.\d{1,3}\.\d{1,3})(?!\d|\.\d)"#,
      // A reply code where replies start: text start, after "said: ", ": ", "(", "'",
      // "[Message=", "LED=", a quote.
      "reply": #"(?:^|said: |: |\(|'|\[Message=|LED=|")([245]\d\d)(?:[ -]|$)"#,
      "hostAddr": #"([A-Za-z0-9][A-Za-z0-9.\-]*)\[([0-9A-Fa-f:.]+)\]"#,
      "eximHost": #"\bH=([^\s\[]+) \[([0-9A-Fa-f:.]+)\]"#,
      "msServer": #"LastAttemptedServerName=([^\]\s]+)\]"#,
      "msIP": #"LastAttemptedIP=([0-9A-Fa-f:.]+?)(?::\d+)?\]"#,
      "openssl": #"error:([0-9A-Fa-f]{8}):[^:]*:[^:]*:([^:\n]+)"#,
      "postfixVerify": #"verification failed for \S+: (?:num=\d+:)?([^\n]+?)\.?$"#,
      "eximVerify":
        #"SSL verify error: (?:depth=\d+ error=(.+?) cert=|(certificate name mismatch))"#,
      "message": #"\[Message=([^\]]*)"#,
    ]
    var out: [String: Regex] = [:]
    for (name, source) in sources {
      // These patterns are fixed and tested; a failure would only drop the fact.
      if let r = try? Regex(source) { out[name] = r }
    }
    return out
  }()

  /// Extracts what the texts say; absent facts stay nil.
  static func extract(reason: String, detail: String?, dsn: String?, mta: MTA) -> FailureFacts {
    var f = FailureFacts()
    let texts = [reason] + (detail.map { [$0] } ?? [])
    func first(_ name: String, _ group: Int = 1) -> String? {
      guard let r = patterns[name] else { return nil }
      for t in texts { if let m = r.firstMatch(in: t), let g = m[group] { return g } }
      return nil
    }
    if let d = dsn, !d.isEmpty { f.enhancedCode = d } else { f.enhancedCode = first("enhanced") }
    f.replyCode = patterns["reply"]?.firstMatch(in: reason)?[1]
    if let m = patterns["msServer"]?.firstMatch(in: reason) {
      f.remoteHost = m[1]
      f.remoteAddr = patterns["msIP"]?.firstMatch(in: reason)?[1]
    } else if mta == .exim,
      let m = texts.lazy.compactMap({ patterns["eximHost"]?.firstMatch(in: $0) }).first
    {
      f.remoteHost = m[1]
      f.remoteAddr = m[2]
    } else if let m = texts.lazy.compactMap({ patterns["hostAddr"]?.firstMatch(in: $0) }).first {
      f.remoteHost = m[1]
      f.remoteAddr = m[2]
    }
    if let r = patterns["openssl"] {
      for t in texts {
        if let m = r.firstMatch(in: t) {
          f.opensslCode = m[1]?.uppercased()
          f.opensslReason = m[2]
          break
        }
      }
    }
    f.verifyError = first("postfixVerify")
    if f.verifyError == nil, let r = patterns["eximVerify"] {
      for t in texts {
        if let m = r.firstMatch(in: t) {
          f.verifyError = m[1] ?? m[2]
          break
        }
      }
    }
    f.exchangeMessage = patterns["message"]?.firstMatch(in: reason)?[1]
    return f
  }
}
