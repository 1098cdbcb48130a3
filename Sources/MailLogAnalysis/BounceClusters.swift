// BounceClusters.swift: groups delivery failures into clusters a service desk can work
// through, one ticket per real cause and contact.
//
// Consumes `.delivery` events with status deferred or bounced (final per-recipient
// results, any agent: these are the failures counted in `count` and the totals),
// `.attempt` events (non-final tries: counted in `attempts` only) and `.ndr` events
// (counted in `ndrs`). Each failure is classified (FailureClassifier) and lands in the
// cluster keyed by:
//   * category and RFC 8460 type, and who acts;
//   * the recipient domain, when the category's fix is per contact (recipient's IT or
//     either side: T01, T03, T05-T13, T15, T16); categories where we act (T02, T04,
//     T10 with a public root, T17) or the network (T14) stay one cluster;
//   * for non-TLS failures a known rule's id; for texts only guessed (no rule, or a
//     generic fallback) and, with `templateAllNonTLS` (`--all`), for every non-TLS
//     failure, the mined template (TemplateMiner), partitioned by category and
//     enhanced status code.
// Attempts without a domain wait for the final result of the same message (same log
// host and id) and take its domain; still waiting at the end, they count under an
// unknown domain.
//
// Memory: distinct messages, recipients, domains, senders and hosts are counted
// exactly through 64-bit hashes; only the first `listLimit` values are kept as text.
// Pending attempts are in-flight state (dropped when the message's result arrives).
//
// JSON (`json(clock:)`, the report's `failures` object):
//   {"total", "by_status": {"deferred", "bounced"}, "by_category": {id: count, non-zero
//    only}, "ndrs", "clusters": [{"category", "title", "rfc8460", "action", "domain",
//    "count", "deferred", "bounced", "attempts", "messages", "recipients", "domains",
//    "senders", "remote_hosts", "first_seen", "last_seen", "next_step", "example",
//    "template", "rules", "confidence", "recipient_list", "domain_list", "sender_list",
//    "remote_host_list"}]}
// Counts are integers; `*_list` hold at most `listLimit` values in order of first
// appearance; `domain` is the cluster's domain when it is split by domain (else null);
// `template` is null unless the cluster is keyed by a template; times are ISO 8601 or
// null. Clusters are sorted by messages, then count, then attempts. Never fails.

import MailLogKit
import MailLogModel

/// The failure clusters of a run, built from events.
public final class BounceClusters: EventSink {
  /// Behaviour switches.
  public struct Options: Sendable {
    /// Split every non-TLS failure by template, not only unknown texts (`--all`).
    public var templateAllNonTLS = false
    /// How many recipients, domains, senders and hosts each cluster lists by name.
    public var listLimit = 10
    /// Longest example line kept (characters).
    public var exampleLength = 1000

    public init() {}
  }

  private struct Key: Hashable {
    var category: FailureCategory
    var rfc8460: String?
    var action: ActingParty
    var rule: String?
    var domain: String?
    var template: Int?
  }

  private final class State {
    let key: Key
    let title: String
    let nextStep: String
    var count = 0, deferred = 0, bounced = 0, attempts = 0
    var messages: DistinctSet
    var recipients: DistinctSet
    var domains: DistinctSet
    var senders: DistinctSet
    var hosts: DistinctSet
    var rules: [String] = []
    var confidence = Confidence.high
    var first: LogTime?
    var last: LogTime?
    var example: String?
    var attemptExample: String?

    init(key: Key, title: String, nextStep: String, listLimit: Int) {
      self.key = key
      self.title = title
      self.nextStep = nextStep
      messages = DistinctSet(keep: 0)
      recipients = DistinctSet(keep: listLimit)
      domains = DistinctSet(keep: listLimit)
      senders = DistinctSet(keep: listLimit)
      hosts = DistinctSet(keep: listLimit)
    }

    func saw(_ c: Classification, time: LogTime?) {
      if !rules.contains(c.ruleID) && rules.count < 8 { rules.append(c.ruleID) }
      confidence = min(confidence, c.confidence)
      if let t = time {
        if first == nil || t < first! { first = t }
        if last == nil || t > last! { last = t }
      }
    }
  }

  private struct Pending {
    var classification: Classification
    var text: String
    var time: LogTime?
    var host: String?
    var line: String
  }

  public let options: Options
  private let classifier: FailureClassifier
  private let miner = TemplateMiner()
  private var states: [Key: State] = [:]
  private var pending: [String: [Pending]] = [:]
  private var cache: [String: Classification] = [:]
  private var total = 0, deferred = 0, bounced = 0, ndrs = 0
  private var byCategory: [FailureCategory: Int] = [:]

  public init(options: Options = Options(), classifier: FailureClassifier = .shared) {
    self.options = options
    self.classifier = classifier
  }

  public func consume(_ event: MailEvent) {
    switch event {
    case .delivery(let d): delivery(d)
    case .attempt(let a): attempt(a)
    case .ndr: ndrs += 1
    default: break
    }
  }

  // MARK: - Events

  private func delivery(_ d: DeliveryEvent) {
    let isFailure = d.status == .deferred || d.status == .bounced
    // Fast path: a success with no attempts waiting for a domain changes nothing.
    if !isFailure && pending.isEmpty { return }
    let messageKey = d.origin.logHost + "|" + d.messageID
    var c: Classification?
    if isFailure {
      let reason = d.reason ?? ""
      let cls = classify(reason, d.detail, d.dsn, d.origin.mta)
      c = cls
      total += 1
      if d.status == .deferred { deferred += 1 } else { bounced += 1 }
      byCategory[cls.category, default: 0] += 1
      let state = self.state(for: cls, domain: d.domain, text: minedText(reason, d.detail, cls))
      state.count += 1
      if d.status == .deferred { state.deferred += 1 } else { state.bounced += 1 }
      state.messages.insert(messageKey)
      state.recipients.insert(d.recipient.lowercased())
      state.domains.insert(d.domain)
      if let s = d.sender, !s.isEmpty, s != "<>" { state.senders.insert(s) }
      if let h = d.remoteHost ?? cls.facts.remoteHost, !h.isEmpty, h != "none" {
        state.hosts.insert(h.lowercased())
      }
      state.saw(cls, time: d.time)
      if state.example == nil { state.example = clip(d.line ?? reason) }
    }
    // Attempts waiting for this message's domain: a failure takes those of its own
    // category; a success takes them all (they were tries before it went out).
    if var waiting = pending[messageKey] {
      waiting.removeAll { p in
        guard !isFailure || p.classification.category == c?.category else { return false }
        addAttempt(p, domain: d.domain)
        return true
      }
      pending[messageKey] = waiting.isEmpty ? nil : waiting
    }
  }

  private func attempt(_ a: AttemptEvent) {
    let cls = classify(a.reason, a.detail, nil, a.origin.mta)
    let p = Pending(
      classification: cls, text: minedText(a.reason, a.detail, cls), time: a.time,
      host: a.remoteHost ?? cls.facts.remoteHost, line: a.line)
    if let domain = a.domain {
      addAttempt(p, domain: domain)
    } else if let id = a.messageID, splits(cls) {
      pending[a.origin.logHost + "|" + id, default: []].append(p)
    } else {
      addAttempt(p, domain: "")
    }
  }

  private func addAttempt(_ p: Pending, domain: String) {
    let state = self.state(for: p.classification, domain: domain, text: p.text)
    state.attempts += 1
    if let h = p.host, !h.isEmpty, h != "none" { state.hosts.insert(h.lowercased()) }
    state.saw(p.classification, time: p.time)
    if state.attemptExample == nil { state.attemptExample = clip(p.line) }
  }

  /// Puts attempts still waiting for a result under an unknown domain. Called by
  /// `summary()`; call it yourself only when no more events follow.
  public func finish() {
    let waiting = pending
    pending = [:]
    for key in waiting.keys.sorted() {
      for p in waiting[key]! { addAttempt(p, domain: "") }
    }
  }

  // MARK: - Keys

  private func classify(_ reason: String, _ detail: String?, _ dsn: String?, _ mta: MTA)
    -> Classification
  {
    let cacheKey = "\(mta.rawValue)\u{1}\(reason)\u{1}\(detail ?? "")\u{1}\(dsn ?? "")"
    if let c = cache[cacheKey] { return c }
    let c = classifier.classify(reason: reason, detail: detail, dsn: dsn, mta: mta)
    if cache.count >= 20_000 { cache.removeAll(keepingCapacity: true) }
    cache[cacheKey] = c
    return c
  }

  private func splits(_ c: Classification) -> Bool {
    c.category.info.splitsByDomain && (c.action == .recipient || c.action == .either)
  }

  private func keyedByTemplate(_ c: Classification) -> Bool {
    c.isGuess || (c.category == .nonTLS && options.templateAllNonTLS)
  }

  /// The text mined for a template: the reason without the suspension prefix, plus
  /// the detail when the category is only a guess (it holds the unknown cause).
  private func minedText(_ reason: String, _ detail: String?, _ c: Classification) -> String {
    let r = FailureClassifier.stripSuspended(reason)
    if c.isGuess, let d = detail, !d.isEmpty { return r + " | " + d }
    return r
  }

  private func state(for c: Classification, domain: String, text: String) -> State {
    var key = Key(category: c.category, rfc8460: c.rfc8460, action: c.action)
    if splits(c) { key.domain = domain }
    if c.category == .nonTLS && !c.isGuess { key.rule = c.ruleID }
    if keyedByTemplate(c) {
      key.template = miner.add(
        text, partition: c.category.rawValue + "|" + (c.facts.enhancedCode ?? ""))
    }
    if let s = states[key] { return s }
    let s = State(key: key, title: c.title, nextStep: c.nextStep, listLimit: options.listLimit)
    states[key] = s
    return s
  }

  private func clip(_ text: String) -> String {
    text.count <= options.exampleLength ? text : String(text.prefix(options.exampleLength)) + "…"
  }

  // MARK: - Results

  /// The clusters and totals so far (flushes pending attempts first).
  public func summary() -> BounceSummary {
    finish()
    let clusters = states.values.map { s -> BounceCluster in
      BounceCluster(
        category: s.key.category, title: s.title, rfc8460: s.key.rfc8460,
        action: s.key.action, nextStep: s.nextStep, domain: s.key.domain,
        template: s.key.template.map { miner.template($0) }, rules: s.rules,
        confidence: s.confidence, count: s.count, deferred: s.deferred, bounced: s.bounced,
        attempts: s.attempts, messages: s.messages.count, recipients: s.recipients.count,
        domains: s.domains.count, senders: s.senders.count, remoteHosts: s.hosts.count,
        recipientList: s.recipients.kept, domainList: s.domains.kept,
        senderList: s.senders.kept, remoteHostList: s.hosts.kept, firstSeen: s.first,
        lastSeen: s.last, example: s.example ?? s.attemptExample ?? "")
    }
    return BounceSummary(
      total: total, deferred: deferred, bounced: bounced, ndrs: ndrs,
      byCategory: FailureCategory.allCases.compactMap { c in
        byCategory[c].map { (c, $0) }
      },
      clusters: clusters.sorted(by: BounceCluster.impactOrder))
  }

  /// The report's `failures` object (see the file header for its keys).
  public func json(clock: LocalClock) -> JSONValue { summary().json(clock: clock) }
}

/// One cluster of failures with the same cause and the same contact.
public struct BounceCluster: Sendable {
  public var category: FailureCategory
  public var title: String
  public var rfc8460: String?
  public var action: ActingParty
  public var nextStep: String
  /// The recipient domain when the cluster is split by domain ("" = unknown).
  public var domain: String?
  /// The mined template when the cluster is keyed by one.
  public var template: String?
  /// Ids of the rules that classified its members (at most 8).
  public var rules: [String]
  /// The lowest confidence among its members.
  public var confidence: Confidence
  /// Final deferred/bounced recipient results.
  public var count: Int
  public var deferred: Int
  public var bounced: Int
  /// Non-final attempts (never part of `count`).
  public var attempts: Int
  /// Distinct messages (log host + queue id) among the final results.
  public var messages: Int
  public var recipients: Int
  public var domains: Int
  public var senders: Int
  public var remoteHosts: Int
  public var recipientList: [String]
  public var domainList: [String]
  public var senderList: [String]
  public var remoteHostList: [String]
  public var firstSeen: LogTime?
  public var lastSeen: LogTime?
  /// One log line of the cluster (a final result when there is one), unescaped.
  public var example: String

  /// Most affected messages first, then results, then attempts; ties broken by
  /// category, domain and template so the order is stable.
  static func impactOrder(_ a: BounceCluster, _ b: BounceCluster) -> Bool {
    if a.messages != b.messages { return a.messages > b.messages }
    if a.count != b.count { return a.count > b.count }
    if a.attempts != b.attempts { return a.attempts > b.attempts }
    if a.category != b.category { return a.category < b.category }
    if (a.domain ?? "") != (b.domain ?? "") { return (a.domain ?? "") < (b.domain ?? "") }
    if a.rules != b.rules { return a.rules.lexicographicallyPrecedes(b.rules) }
    return (a.template ?? "") < (b.template ?? "")
  }

  func json(clock: LocalClock) -> JSONValue {
    func time(_ t: LogTime?) -> JSONValue { t.map { .string(clock.iso8601($0)) } ?? .null }
    func list(_ l: [String]) -> JSONValue { .array(l.map { .string($0) }) }
    return .object([
      ("category", .string(category.rawValue)),
      ("title", .string(title)),
      ("rfc8460", rfc8460.map { .string($0) } ?? .null),
      ("action", .string(action.rawValue)),
      ("domain", domain.map { .string($0) } ?? .null),
      ("count", .int(count)),
      ("deferred", .int(deferred)),
      ("bounced", .int(bounced)),
      ("attempts", .int(attempts)),
      ("messages", .int(messages)),
      ("recipients", .int(recipients)),
      ("domains", .int(domains)),
      ("senders", .int(senders)),
      ("remote_hosts", .int(remoteHosts)),
      ("first_seen", time(firstSeen)),
      ("last_seen", time(lastSeen)),
      ("next_step", .string(nextStep)),
      ("example", .string(example)),
      ("template", template.map { .string($0) } ?? .null),
      ("rules", list(rules)),
      ("confidence", .string(confidence.rawValue)),
      ("recipient_list", list(recipientList)),
      ("domain_list", list(domainList)),
      ("sender_list", list(senderList)),
      ("remote_host_list", list(remoteHostList)),
    ])
  }
}

/// Totals and clusters of one run.
public struct BounceSummary: Sendable {
  /// Final deferred + bounced results, TLS or not.
  public var total: Int
  public var deferred: Int
  public var bounced: Int
  /// Non-delivery notifications the MTA generated.
  public var ndrs: Int
  /// Final results per category, non-zero only, in category order.
  public var byCategory: [(FailureCategory, Int)]
  /// Sorted by impact.
  public var clusters: [BounceCluster]

  /// The report's `failures` object.
  public func json(clock: LocalClock) -> JSONValue {
    .object([
      ("total", .int(total)),
      ("by_status", .object([("deferred", .int(deferred)), ("bounced", .int(bounced))])),
      ("by_category", .object(byCategory.map { ($0.0.rawValue, .int($0.1)) })),
      ("ndrs", .int(ndrs)),
      ("clusters", .array(clusters.map { $0.json(clock: clock) })),
    ])
  }
}

/// Counts distinct strings exactly enough (64-bit FNV-1a hashes, collisions
/// negligible at log scale) and keeps the first `keep` of them as text.
struct DistinctSet {
  private var hashes: Set<UInt64> = []
  private(set) var kept: [String] = []
  private let keep: Int

  init(keep: Int) { self.keep = keep }

  var count: Int { hashes.count }

  mutating func insert(_ value: String) {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in value.utf8 {
      h ^= UInt64(byte)
      h = h &* 0x100_0000_01b3  // FNV prime; wrapping multiply is the algorithm
    }
    if hashes.insert(h).inserted && kept.count < keep { kept.append(value) }
  }
}
