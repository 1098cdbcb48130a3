// Trace.swift: `mailtls trace`: finds the messages a service-desk query names and
// builds each one's story from the events of every parser (Postfix, Exim, Exchange).
//
// A query is an address (matched as recipient, sender or Message-ID), a domain
// (recipient or sender domain, subdomains included), or an id (queue id, Exim or
// Exchange message id, Message-ID without `@`). `TraceCollector` is an EventSink: an
// event that matches starts a story; events of ids already in a story join it; links
// pull in more ids: a delivery `... queued as X` (content-filter or relay re-injection
// on this host), the same Message-ID under another id, and the NDR's own id. Events of
// ids not (yet) in a story are kept in a bounded look-back store, so a message found
// by a later recipient line still shows where it came from and its earlier results.
// Memory: the stories plus at most `lookbackLimit` ids x2 of look-back; never per line.
// Nothing here fails: events without ids or times are simply less informative.

import Foundation
import MailLogKit
import MailLogModel

// MARK: - Query

/// What the desk is looking for.
public struct TraceQuery: Sendable {
  /// How the query is matched.
  public enum Kind: String, Sendable {
    /// `user@domain`: recipient, sender, or Message-ID header.
    case address
    /// `domain` or `@domain`: recipient or sender domain, subdomains included.
    case domain
    /// Queue id, Exim message id, Exchange id, or a Message-ID without `@`.
    case id
  }

  /// The query as matched (angle brackets and a leading `@` removed).
  public let text: String
  public let kind: Kind
  /// `text` lower-cased.
  let folded: String

  /// Reads a query; nil when it is empty or contains spaces or control characters.
  public init?(_ raw: String) {
    var t = Substring(raw.trimmingCharacters(in: .whitespacesAndNewlines))
    if t.hasPrefix("<") && t.hasSuffix(">") && t.count >= 2 { t = t.dropFirst().dropLast() }
    if t.lowercased().hasPrefix("mailto:") { t = t.dropFirst(7) }
    var kind = Kind.id
    if t.hasPrefix("@") {
      t = t.dropFirst()
      kind = .domain
    } else if t.contains("@") {
      kind = .address
    } else if t.contains("."), t.contains(where: { $0.isLetter }) {
      kind = .domain
    }
    if kind == .domain { while t.hasSuffix(".") { t = t.dropLast() } }
    guard !t.isEmpty, !t.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F })
    else { return nil }
    text = String(t)
    folded = text.lowercased()
    self.kind = kind
  }

  /// Whether an address (recipient or sender) is the one asked for.
  public func matches(address: String?) -> Bool {
    guard let a = address, !a.isEmpty else { return false }
    switch kind {
    case .address: return a.lowercased() == folded
    case .domain:
      let d = Address.domain(of: a)
      return d == folded || d.hasSuffix("." + folded)
    case .id: return false
    }
  }

  /// Whether a queue or message id is the one asked for (ids are case-sensitive; an
  /// address-like query also matches ids that are Message-IDs, as Exchange's are).
  public func matches(id: String?) -> Bool {
    switch kind {
    case .id: return id == text
    case .address: return id == text
    case .domain: return false
    }
  }

  /// Whether a Message-ID header (without angle brackets) is the one asked for.
  public func matches(header: String?) -> Bool {
    guard let h = header, !h.isEmpty, kind != .domain else { return false }
    return h == text || h.lowercased() == folded
  }

  /// Whether the event itself names what was asked for.
  public func matches(_ event: MailEvent) -> Bool {
    switch event {
    case .delivery(let d):
      return matches(address: d.recipient) || matches(address: d.sender) || matches(id: d.messageID)
    case .arrival(let a): return matches(address: a.sender) || matches(id: a.messageID)
    case .attempt(let a): return matches(id: a.messageID)
    case .messageInfo(let i):
      return matches(address: i.sender) || matches(header: i.messageIDHeader)
        || matches(id: i.messageID)
    case .ndr(let n): return matches(id: n.originalID) || matches(id: n.ndrID)
    case .tlsEvidence, .time: return false
    }
  }
}

// MARK: - Story model

/// How an id belongs to a story.
public enum TraceRole: String, Sendable {
  /// The message as received (or the first id of it in these logs).
  case message
  /// The same message queued again on this host (content filter, relay hop, same
  /// Message-ID under a new id).
  case reinjected
  /// The non-delivery report generated for it.
  case ndr
}

/// One id of a story.
public struct TraceLeg: Sendable {
  public var id: String
  public var role: TraceRole
  public var mta: MTA?
  public var logHost: String
}

/// TLS of one hop, decided (the evidence rule applied).
public enum TraceTLS: Sendable, Equatable {
  case tls(TLSVersion, TLSTrust)
  case plaintext
  /// Why it cannot be told.
  case unknown(String)

  /// Resolves a parser's `Protection` with the evidence keys seen in the whole run.
  public static func resolve(_ p: Protection, evidence: Set<String>) -> TraceTLS {
    switch p {
    case .tls(let v, let t): return .tls(v, t)
    case .plaintext: return .plaintext
    case .unproven(let key):
      return evidence.contains(key)
        ? .plaintext : .unknown("no TLS logging seen for this server in these logs")
    case .unknown(let reason): return .unknown(reason)
    }
  }
}

/// One thing that happened to a message, in time order.
public struct TraceStep: Sendable {
  public enum Kind: String, Sendable {
    /// Received from an SMTP client.
    case received
    /// A failed try at one server; another server or a later retry follows.
    case attempt
    /// A per-recipient result (sent, deferred, bounced).
    case delivery
    /// Handed to a content filter or relay on this host, queued again as `nextID`.
    case handoff
    /// A non-delivery report was created (`nextID` is its id).
    case ndrCreated = "ndr_created"
    /// A delivery result of the non-delivery report itself.
    case ndrDelivery = "ndr_delivery"
  }

  public var kind: Kind
  public var time: LogTime?
  /// The queue or message id the line was logged under.
  public var id: String
  public var recipient: String?
  /// Client (received) or relay (deliveries, attempts) as logged.
  public var peer: String?
  public var tls: TraceTLS?
  public var status: DeliveryStatus?
  public var dsn: String?
  public var reason: String?
  public var detail: String?
  public var agent: String?
  /// A delivery to an external host (counted for TLS coverage).
  public var outbound = false
  /// The id created by this step (handoff, NDR).
  public var nextID: String?
  /// The whole log line, when the parser kept it (failures).
  public var line: String?
}

/// The desk-facing reading of a failure or a downgrade.
public struct TraceExplanation: Sendable {
  /// The classifier's result (nil for a plaintext delivery, which is T17 by definition).
  public var classification: Classification?
  public var category: FailureCategory
  /// The text that was classified.
  public var reason: String
  public var detail: String?

  public var info: FailureCategoryInfo { category.info }
  public var rfc8460: String? { classification?.rfc8460 ?? info.rfc8460 }
  public var action: ActingParty { classification?.action ?? info.action }
  public var nextStep: String { classification?.nextStep ?? info.nextStep }
}

/// What finally happened for one recipient.
public struct TraceOutcome: Sendable {
  public enum Status: String, Sendable {
    case delivered, bounced
    /// Still deferred at the end of the logs read.
    case deferred
    /// Deferred until the MTA gave up and returned it (an NDR exists).
    case expired
    case other
  }

  public var recipient: String
  public var status: Status
  /// The last result line for this recipient.
  public var step: TraceStep
  /// Deferred results before the last one.
  public var deferrals: Int
  /// Why it failed (failures), or that it went out without encryption (T17).
  public var explanation: TraceExplanation?
  /// For a delivered recipient: what held it up before (its last deferral).
  public var earlier: TraceExplanation?
}

/// The non-delivery report of a story.
public struct TraceNDR: Sendable {
  public var id: String
  public var time: LogTime?
  /// The report's own delivery results.
  public var deliveries: [TraceStep]
  /// True when a delivery of the report succeeded, false when all failed, nil when
  /// the logs do not show its delivery.
  public var delivered: Bool? {
    if deliveries.contains(where: { $0.status == .sent }) { return true }
    if deliveries.isEmpty { return nil }
    return deliveries.allSatisfy { $0.status == .bounced } ? false : nil
  }
}

/// Everything known about one matching message.
public struct TraceStory: Sendable {
  public var legs: [TraceLeg]
  public var messageIDHeader: String?
  public var sender: String?
  public var received: TraceStep?
  public var steps: [TraceStep]
  public var outcomes: [TraceOutcome]
  public var ndr: TraceNDR?
  public var firstTime: LogTime?
  public var lastTime: LogTime?

  /// The first id (the story's name).
  public var id: String { legs.first?.id ?? "" }
  public var mta: MTA? { legs.first?.mta }
  public var logHost: String { legs.first?.logHost ?? "" }
}

// MARK: - Collector

/// Builds trace stories from events. Wire a `TracePrefilter` in front of the parser
/// (through `RunOptions.lineGate`) to skip most lines of big logs; without it every
/// event passes through here and the answer is the same.
public final class TraceCollector: EventSink {
  public let query: TraceQuery
  /// Ids kept in the look-back store per generation (two generations are kept).
  public let lookbackLimit: Int

  /// Called when an id joins a story (the prefilter then lets its lines through).
  public var onLink: ((String) -> Void)?
  /// Called with each Message-ID header of a story (the prefilter lets lines with it
  /// through, so a later copy of the message is followed).
  public var onHeader: ((String) -> Void)?
  /// Whether an id was queued on this host (the prefilter's look-back knows ids whose
  /// lines it skipped); decides a `queued as X` link for a delivery to a remote host.
  public var localIDKnown: ((String) -> Bool)?

  private final class Builder {
    var legs: [TraceLeg] = []
    var events: [MailEvent] = []
    var headers: Set<String> = []
    var mergedInto: Int?
  }

  private var builders: [Builder] = []
  private var storyOf: [String: Int] = [:]
  private var storyOfHeader: [String: Int] = [:]
  private var evidence: Set<String> = []
  private var lookback: [String: [MailEvent]] = [:]
  private var lookbackOld: [String: [MailEvent]] = [:]
  /// NDR id -> original id, for NDR events in the look-back store.
  private var ndrOrigin: [String: String] = [:]
  /// `queued as X` id -> the id whose delivery said it, from the look-back store.
  private var queuedFrom: [String: String] = [:]
  /// Message-ID -> ids with it in the look-back store.
  private var idsByHeader: [String: [String]] = [:]

  public init(query: TraceQuery, lookbackLimit: Int = 20_000) {
    self.query = query
    self.lookbackLimit = max(16, lookbackLimit)
  }

  /// Number of stories so far (merged ones not counted).
  public var storyCount: Int { builders.filter { $0.mergedInto == nil }.count }

  /// Whether `id` belongs to a story now.
  public func isLinked(_ id: String) -> Bool { storyOf[id] != nil }

  /// Ends an id (Postfix `removed`): a later message reusing the queue id is another
  /// message. The story keeps what it has.
  public func close(_ id: String) {
    storyOf[id] = nil
    lookback[id] = nil
    lookbackOld[id] = nil
  }

  public func consume(_ event: MailEvent) {
    switch event {
    case .time: return
    case .tlsEvidence(let key):
      evidence.insert(key)
      return
    case .arrival(let a): route(event, id: a.messageID)
    case .messageInfo(let i): route(event, id: i.messageID)
    case .attempt(let a):
      guard let id = a.messageID else { return }
      route(event, id: id)
    case .delivery(let d): route(event, id: d.messageID)
    case .ndr(let n): route(event, id: n.originalID)
    }
  }

  private func route(_ event: MailEvent, id: String) {
    if let s = story(of: id) {
      add(event, to: s, id: id)
      return
    }
    if let s = linkedStory(event) {
      join(id, story: s, role: .message)
      add(event, to: s, id: id)
      return
    }
    if query.matches(event) {
      let s = newStory()
      join(id, story: s, role: .message)
      add(event, to: s, id: id)
      return
    }
    remember(event, id: id)
  }

  /// A story an unlinked event belongs to through a link it carries.
  private func linkedStory(_ event: MailEvent) -> Int? {
    switch event {
    case .messageInfo(let i):
      if let h = i.messageIDHeader, !h.isEmpty, let s = storyOfHeader[h] { return resolve(s) }
    case .delivery(let d):
      if let next = queuedAs(d), let s = story(of: next) {
        setRole(next, .reinjected, story: s)
        return s
      }
    case .ndr(let n):
      if let s = story(of: n.ndrID) {
        setRole(n.ndrID, .ndr, story: s)
        return s
      }
    default: break
    }
    return nil
  }

  private func add(_ event: MailEvent, to s: Int, id: String) {
    let b = builders[s]
    b.events.append(event)
    switch event {
    case .messageInfo(let i):
      if let h = i.messageIDHeader, !h.isEmpty, b.legs.first(where: { $0.id == id })?.role != .ndr {
        if let other = storyOfHeader[h].map(resolve), other != s {
          merge(other, into: s)
        }
        if b.headers.insert(h).inserted {
          storyOfHeader[h] = s
          onHeader?(h)
          // Earlier ids with the same Message-ID (in the look-back store) join too.
          for other in idsByHeader.removeValue(forKey: h) ?? [] where story(of: other) == nil {
            join(other, story: s, role: .reinjected)
          }
        }
      }
    case .delivery(let d):
      if let next = queuedAs(d) { link(next, story: s, role: .reinjected) }
    case .ndr(let n):
      link(n.ndrID, story: s, role: .ndr)
    default: break
    }
  }

  /// Adds `id` to story `s` (merging its own story into `s` if it has one).
  private func link(_ id: String, story s: Int, role: TraceRole) {
    if let other = story(of: id) {
      if other != s { merge(other, into: s) }
      setRole(id, role, story: s)
      return
    }
    join(id, story: s, role: role)
  }

  private func join(_ id: String, story s: Int, role: TraceRole) {
    storyOf[id] = s
    let b = builders[s]
    if !b.legs.contains(where: { $0.id == id }) {
      b.legs.append(TraceLeg(id: id, role: role, mta: nil, logHost: ""))
    }
    // Earlier events of this id.
    let earlier =
      (lookbackOld.removeValue(forKey: id) ?? []) + (lookback.removeValue(forKey: id) ?? [])
    onLink?(id)
    for e in earlier { add(e, to: s, id: id) }
    // An NDR joined on its own: the message it reports on joins too.
    if let original = ndrOrigin.removeValue(forKey: id), story(of: original) == nil {
      join(original, story: s, role: .message)
      setRole(id, .ndr, story: s)
    }
    // A message queued again here: the id it was queued from joins too.
    if let from = queuedFrom.removeValue(forKey: id), story(of: from) == nil {
      join(from, story: s, role: .message)
    }
  }

  private func setRole(_ id: String, _ role: TraceRole, story s: Int) {
    let b = builders[resolve(s)]
    if let i = b.legs.firstIndex(where: { $0.id == id }), b.legs[i].role == .message {
      b.legs[i].role = role
    }
  }

  private func merge(_ from: Int, into to: Int) {
    let a = builders[from]
    let b = builders[to]
    guard from != to, a.mergedInto == nil else { return }
    a.mergedInto = to
    for leg in a.legs where !b.legs.contains(where: { $0.id == leg.id }) { b.legs.append(leg) }
    b.events += a.events
    for h in a.headers where b.headers.insert(h).inserted { storyOfHeader[h] = to }
    for (id, s) in storyOf where s == from { storyOf[id] = to }
    a.events = []
  }

  private func newStory() -> Int {
    builders.append(Builder())
    return builders.count - 1
  }

  private func resolve(_ s: Int) -> Int {
    var i = s
    while let next = builders[i].mergedInto { i = next }
    return i
  }

  private func story(of id: String) -> Int? { storyOf[id].map(resolve) }

  private func remember(_ event: MailEvent, id: String) {
    if lookback[id] == nil && lookback.count >= lookbackLimit {
      lookbackOld = lookback
      lookback = [:]
      ndrOrigin = [:]
      queuedFrom = [:]
      idsByHeader = [:]
    }
    switch event {
    case .ndr(let n): ndrOrigin[n.ndrID] = n.originalID
    case .delivery(let d): if let next = queuedAs(d) { queuedFrom[next] = id }
    case .messageInfo(let i):
      if let h = i.messageIDHeader, !h.isEmpty { idsByHeader[h, default: []].append(id) }
    default: break
    }
    lookback[id, default: []].append(event)
  }

  /// Whether the look-back store holds events of `id` (it was queued on this host).
  func remembers(_ id: String) -> Bool { lookback[id] != nil || lookbackOld[id] != nil }

  /// The `queued as X` id of a delivery that hands the message on within this host:
  /// to a loopback, unix-socket or local relay, or to any relay when X is an id these
  /// logs queued too. Nil otherwise (a remote server's own queue id).
  func queuedAs(_ d: DeliveryEvent) -> String? {
    guard let next = TraceCollector.queuedAsID(d) else { return nil }
    if !d.isOutbound || story(of: next) != nil || remembers(next) || localIDKnown?(next) == true {
      return next
    }
    return nil
  }

  /// The id in a sent delivery's `... queued as X` reply, whoever queued it.
  /// Whether the protection is TLS (of any version or trust).
  static func isTLS(_ p: Protection) -> Bool {
    if case .tls = p { return true }
    return false
  }

  static func queuedAsID(_ d: DeliveryEvent) -> String? {
    guard d.status == .sent, var reason = d.reason else { return nil }
    return reason.withUTF8 { b -> String? in
      guard let at = b.index(of: "queued as ") else { return nil }
      var e = at + 10
      while e < b.count && (ASCII.isAlnum(b[e]) || b[e] == 0x2D) { e += 1 }
      guard e - (at + 10) >= 5 else { return nil }
      let next = b.string(at + 10, e)
      return next == d.messageID ? nil : next
    }
  }

  // MARK: Stories

  /// The stories, oldest first, limited to those with an event in [since, until).
  public func stories(since: LogTime? = nil, until: LogTime? = nil) -> [TraceStory] {
    var out: [TraceStory] = []
    for b in builders where b.mergedInto == nil {
      let story = build(b)
      if since != nil || until != nil {
        let times = (story.steps.compactMap(\.time) + [story.received?.time].compactMap { $0 })
        if !times.isEmpty
          && !times.contains(where: { t in
            (since.map { t >= $0 } ?? true) && (until.map { t < $0 } ?? true)
          })
        {
          continue
        }
      }
      out.append(story)
    }
    return out.sorted {
      ($0.firstTime ?? 0, $0.id) < ($1.firstTime ?? 0, $1.id)
    }
  }

  private func build(_ b: Builder) -> TraceStory {
    var legs = b.legs
    let roleOf = Dictionary(legs.map { ($0.id, $0.role) }, uniquingKeysWith: { a, _ in a })
    var steps: [TraceStep] = []
    var received: TraceStep?
    var header: String?
    var sender: String?
    var ndr: TraceNDR?
    var infoTimes: [LogTime?] = []
    var firstSeen: [String: (LogTime?, Int)] = [:]  // (first time, first event index)
    for (n, event) in b.events.enumerated() {
      var origin: Origin?
      var id = ""
      var time: LogTime?
      switch event {
      case .arrival(let a):
        origin = a.origin
        id = a.messageID
        time = a.time
        let step = TraceStep(
          kind: .received, time: a.time, id: a.messageID, peer: a.client,
          tls: TraceTLS.resolve(a.protection, evidence: evidence))
        if roleOf[id] != .ndr, received == nil || (a.time ?? 0) < (received?.time ?? 0) {
          received = step
        }
        if sender == nil, roleOf[id] != .ndr { sender = a.sender }
      case .messageInfo(let i):
        origin = i.origin
        id = i.messageID
        time = i.time
        if roleOf[id] != .ndr {
          infoTimes.append(i.time)
          if header == nil, let h = i.messageIDHeader, !h.isEmpty { header = h }
          if sender == nil, let s = i.sender { sender = s }
        }
      case .attempt(let a):
        origin = a.origin
        id = a.messageID ?? ""
        time = a.time
        steps.append(
          TraceStep(
            kind: .attempt, time: a.time, id: id, peer: a.remoteHost, reason: a.reason,
            detail: a.detail, line: a.line))
      case .delivery(let d):
        origin = d.origin
        id = d.messageID
        time = d.time
        var kind = TraceStep.Kind.delivery
        var next: String?
        if let q = TraceCollector.queuedAsID(d), roleOf[q] != nil {
          kind = .handoff
          next = q
        }
        if roleOf[id] == .ndr { kind = .ndrDelivery }
        if sender == nil, roleOf[id] != .ndr, let s = d.sender { sender = s }
        steps.append(
          TraceStep(
            kind: kind, time: d.time, id: id, recipient: d.recipient, peer: d.relay,
            // Internal hops (LMTP to the mail store, local, loopback) are not rated for
            // encryption: only TLS that did happen is shown for them.
            tls: d.isOutbound || TraceCollector.isTLS(d.protection)
              ? TraceTLS.resolve(d.protection, evidence: evidence) : nil,
            status: d.status,
            dsn: d.dsn, reason: d.reason, detail: d.detail, agent: d.agent,
            outbound: d.isOutbound, nextID: next, line: d.line))
      case .ndr(let r):
        origin = r.origin
        id = r.originalID
        time = r.time
        steps.append(TraceStep(kind: .ndrCreated, time: r.time, id: r.originalID, nextID: r.ndrID))
        if ndr == nil { ndr = TraceNDR(id: r.ndrID, time: r.time, deliveries: []) }
      case .time, .tlsEvidence: continue
      }
      if firstSeen[id] == nil { firstSeen[id] = (time, n) }
      if let origin, let i = legs.firstIndex(where: { $0.id == id }), legs[i].mta == nil {
        legs[i].mta = origin.mta
        legs[i].logHost = origin.logHost
      }
    }
    // One hand-off line per (id, next id): a message to several recipients logs one
    // per recipient.
    var handoffs: Set<String> = []
    steps = steps.filter { s in
      s.kind != .handoff || handoffs.insert(s.id + " " + (s.nextID ?? "")).inserted
    }
    // Hops: an id queued again from another comes after it, even in the same second.
    var depth: [String: Int] = [:]
    for _ in 0..<4 {
      for s in steps where s.kind == .handoff {
        if let n = s.nextID { depth[n] = max(depth[n] ?? 0, (depth[s.id] ?? 0) + 1) }
      }
    }
    legs.sort { a, b in
      let x = firstSeen[a.id]?.0 ?? .infinity
      let y = firstSeen[b.id]?.0 ?? .infinity
      if x != y { return x < y }
      if (a.role == .ndr) != (b.role == .ndr) { return b.role == .ndr }
      let (da, db) = (depth[a.id] ?? 0, depth[b.id] ?? 0)
      return da != db ? da < db : a.id < b.id
    }
    let legIndex = Dictionary(
      legs.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
    // Stable time order; lines without a time keep their place after the previous one.
    steps = stableTimeSort(steps, legIndex: legIndex)
    if let i = legs.firstIndex(where: { $0.role != .ndr }), i > 0 {
      legs.insert(legs.remove(at: i), at: 0)
    }
    // The first id of the message is the message; later ones are re-queued copies.
    for i in legs.indices where legs[i].role != .ndr {
      legs[i].role = i == 0 ? .message : .reinjected
    }
    if var n = ndr {
      n.deliveries = steps.filter { $0.kind == .ndrDelivery && $0.id == n.id }
      ndr = n
    }
    let mta = legs.first?.mta ?? .postfix
    let outcomes = TraceCollector.outcomes(steps, hasNDR: ndr != nil, mta: mta)
    let times = ([received?.time] + steps.map(\.time) + infoTimes).compactMap { $0 }
    return TraceStory(
      legs: legs, messageIDHeader: header, sender: sender, received: received, steps: steps,
      outcomes: outcomes, ndr: ndr, firstTime: times.min(), lastTime: times.max())
  }

  /// Time order. Lines of one second are ordered by kind (received, attempts,
  /// results, NDR), then hop, id and recipient, so the order does not depend on when an
  /// event reached the collector (a look-back replay comes late). Lines without a
  /// time keep their place after the previous one.
  private func stableTimeSort(_ steps: [TraceStep], legIndex: [String: Int]) -> [TraceStep] {
    var last: LogTime = -.infinity
    let keyed = steps.enumerated().map { (n, s) -> (LogTime, Int, TraceStep) in
      if let t = s.time { last = t }
      return (s.time ?? last, n, s)
    }
    func rank(_ k: TraceStep.Kind) -> Int {
      switch k {
      case .received: return 0
      case .attempt: return 1
      case .delivery, .handoff: return 2
      case .ndrCreated: return 3
      case .ndrDelivery: return 4
      }
    }
    return keyed.sorted { a, b in
      if a.0 != b.0 { return a.0 < b.0 }
      let (ra, rb) = (rank(a.2.kind), rank(b.2.kind))
      if ra != rb { return ra < rb }
      let (la, lb) = (legIndex[a.2.id] ?? 0, legIndex[b.2.id] ?? 0)
      if la != lb { return la < lb }
      if a.2.id != b.2.id { return a.2.id < b.2.id }
      let (pa, pb) = (a.2.recipient ?? "", b.2.recipient ?? "")
      if pa != pb { return pa < pb }
      return a.1 < b.1
    }.map(\.2)
  }

  /// The final result per recipient, with explanations.
  static func outcomes(_ steps: [TraceStep], hasNDR: Bool, mta: MTA) -> [TraceOutcome] {
    // A deferred recipient of a message that got an NDR expired, unless a bounce of
    // another recipient explains the NDR.
    let expiredNDR = hasNDR && !steps.contains { $0.kind == .delivery && $0.status == .bounced }
    var order: [String] = []
    var results: [String: [TraceStep]] = [:]
    for s in steps where s.kind == .delivery {
      guard let r = s.recipient else { continue }
      let key = r.lowercased()
      if results[key] == nil { order.append(key) }
      results[key, default: []].append(s)
    }
    return order.map { key in
      let all = results[key]!
      let last = all.last!
      let deferrals = all.dropLast().filter { $0.status == .deferred }.count
      var status: TraceOutcome.Status
      switch last.status {
      case .sent: status = .delivered
      case .bounced: status = .bounced
      case .deferred: status = expiredNDR ? .expired : .deferred
      default: status = .other
      }
      var explanation: TraceExplanation?
      var earlier: TraceExplanation?
      switch status {
      case .bounced, .deferred, .expired:
        explanation = explain(last, mta: mta)
      case .delivered:
        if last.tls == .plaintext, last.outbound {
          explanation = TraceExplanation(
            classification: nil, category: .t17, reason: "delivered without TLS", detail: nil)
        }
        if let held = all.last(where: { $0.status == .deferred }) {
          earlier = explain(held, mta: mta)
        }
      case .other: break
      }
      return TraceOutcome(
        recipient: last.recipient ?? key, status: status, step: last, deferrals: deferrals,
        explanation: explanation, earlier: earlier)
    }
  }

  static func explain(_ s: TraceStep, mta: MTA) -> TraceExplanation? {
    guard let reason = s.reason, !reason.isEmpty else { return nil }
    let c = FailureClassifier.classify(reason: reason, detail: s.detail, dsn: s.dsn, mta: mta)
    return TraceExplanation(
      classification: c, category: c.category, reason: reason, detail: s.detail)
  }
}
