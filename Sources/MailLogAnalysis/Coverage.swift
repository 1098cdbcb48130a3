// Coverage.swift: TLS coverage counters and the sink that fills them.
//
// Counting rules (README "Counting rules"): an outbound delivery is a `sent` delivery
// event flagged `isOutbound`; an inbound message is an arrival event. Each is exactly
// one of tls / plaintext / unknown. `unproven` protections are held per evidence key
// and resolved when the run ends: plaintext if that key's TLS logging was proven on
// anywhere in the input, unknown otherwise. Percentages are 100*tls/(tls+plaintext),
// nil when that is 0. Memory grows with distinct domains and sources, not with input.

import MailLogKit
import MailLogModel

/// Counts of one population (all outbound, one domain, one source, ...).
public struct CoverageCounts: Sendable {
  public var tls = 0
  public var plaintext = 0
  public var unknown = 0
  public var byVersion: [TLSVersion: Int] = [:]
  public var byTrust: [TLSTrust: Int] = [:]
  /// Not yet decided: count per evidence key.
  public var pending: [String: Int] = [:]
  /// Why deliveries are unknown (reason text -> count).
  public var unknownReasons: [String: Int] = [:]
  /// Last time a delivery of this population went (or may have gone) in plaintext.
  public var lastPlaintext: LogTime?
  public var pendingLast: [String: LogTime] = [:]
  public var firstSeen: LogTime?
  public var lastSeen: LogTime?

  public init() {}

  /// Every counted delivery or message.
  public var delivered: Int { tls + plaintext + unknown + pending.values.reduce(0, +) }

  /// 100 * tls / (tls + plaintext); nil when both are 0.
  public var tlsPercent: Double? {
    let base = tls + plaintext
    return base == 0 ? nil : 100.0 * Double(tls) / Double(base)
  }

  /// Adds one delivery or message.
  public mutating func add(_ protection: Protection, time: LogTime?) {
    if let time {
      if firstSeen == nil || time < firstSeen! { firstSeen = time }
      if lastSeen == nil || time > lastSeen! { lastSeen = time }
    }
    switch protection {
    case .tls(let v, let t):
      tls += 1
      byVersion[v, default: 0] += 1
      byTrust[t, default: 0] += 1
    case .plaintext:
      plaintext += 1
      if let time, lastPlaintext == nil || time > lastPlaintext! { lastPlaintext = time }
    case .unproven(let key):
      pending[key, default: 0] += 1
      if let time, pendingLast[key] == nil || time > pendingLast[key]! { pendingLast[key] = time }
    case .unknown(let reason):
      unknown += 1
      unknownReasons[reason, default: 0] += 1
    }
  }

  /// Moves pending counts into plaintext (evidence seen) or unknown (no evidence).
  public mutating func resolve(evidence: Set<String>, reasonWithout: String) {
    for (key, n) in pending {
      if evidence.contains(key) {
        plaintext += n
        if let t = pendingLast[key], lastPlaintext == nil || t > lastPlaintext! {
          lastPlaintext = t
        }
      } else {
        unknown += n
        unknownReasons[reasonWithout, default: 0] += n
      }
    }
    pending.removeAll()
    pendingLast.removeAll()
  }

  /// Adds another population's counts into this one.
  public mutating func merge(_ o: CoverageCounts) {
    tls += o.tls
    plaintext += o.plaintext
    unknown += o.unknown
    for (k, v) in o.byVersion { byVersion[k, default: 0] += v }
    for (k, v) in o.byTrust { byTrust[k, default: 0] += v }
    for (k, v) in o.pending { pending[k, default: 0] += v }
    for (k, v) in o.unknownReasons { unknownReasons[k, default: 0] += v }
    for (k, v) in o.pendingLast where pendingLast[k] == nil || v > pendingLast[k]! {
      pendingLast[k] = v
    }
    if let t = o.lastPlaintext, lastPlaintext == nil || t > lastPlaintext! { lastPlaintext = t }
    if let t = o.firstSeen, firstSeen == nil || t < firstSeen! { firstSeen = t }
    if let t = o.lastSeen, lastSeen == nil || t > lastSeen! { lastSeen = t }
  }
}

/// Why a delivery without TLS facts counts as unknown, per MTA, in plain words.
public enum UnknownReason {
  public static let outbound =
    "no TLS line for the delivery and none at all from that server and instance: outbound TLS logging looks off (Postfix: smtp_tls_loglevel = 0, the default; Exim: the tls_cipher log selector is off)"
  public static let inbound =
    "no TLS line for the session and none at all from that server: inbound TLS logging looks off (Postfix: smtpd_tls_loglevel = 0)"
}

/// An EventSink that counts TLS coverage overall, per recipient domain and per source.
public final class CoverageAggregator: EventSink {
  public private(set) var outbound = CoverageCounts()
  public private(set) var inbound = CoverageCounts()
  public private(set) var domains: [String: CoverageCounts] = [:]
  /// Per source (log host, or input name when the log has no host): (outbound, inbound).
  public private(set) var sources: [String: (out: CoverageCounts, in: CoverageCounts)] = [:]
  /// Per calendar day (in the report clock's zone), for history.
  public private(set) var days: [String: (out: CoverageCounts, in: CoverageCounts)] = [:]
  /// Per (day, domain), for history.
  public private(set) var dayDomains: [String: [String: CoverageCounts]] = [:]
  public private(set) var evidence: Set<String> = []
  /// First and last timestamp inside the window.
  public private(set) var firstTime: LogTime?
  public private(set) var lastTime: LogTime?
  /// First and last timestamp of the logs, window or not (to explain an empty window).
  public private(set) var logFirst: LogTime?
  public private(set) var logLast: LogTime?
  private var finished = false
  private let inputNames: [String]
  private let clock: LocalClock
  /// Only events inside this window count (nil = no limit). Times are epoch seconds.
  public let window: (since: LogTime?, until: LogTime?)

  public init(
    inputNames: [String], clock: LocalClock, since: LogTime? = nil, until: LogTime? = nil
  ) {
    self.inputNames = inputNames
    self.clock = clock
    self.window = (since, until)
  }

  /// Whether `time` falls inside the report window (unknown times count).
  public func inWindow(_ time: LogTime?) -> Bool {
    guard let time else { return true }
    if let s = window.since, time < s { return false }
    if let u = window.until, time >= u { return false }
    return true
  }

  private func sourceName(_ o: Origin) -> String {
    if !o.logHost.isEmpty { return o.logHost }
    guard o.input < inputNames.count else { return "input \(o.input)" }
    return inputSources[o.input]
  }

  /// Source name per input (file name without rotation suffix), computed once.
  private lazy var inputSources: [String] = inputNames.map(Self.rotationBase)

  /// A log file's name without its rotation suffix, so that `mainlog`, `mainlog.1` and
  /// `mainlog.2.gz` (or `maillog-20260301.gz`) count as one source.
  public static func rotationBase(_ name: String) -> String {
    var n = Substring(name)
    if n.hasSuffix(".gz") { n = n.dropLast(3) }
    if let dot = n.lastIndex(of: "."), n[n.index(after: dot)...].allSatisfy(\.isNumber),
      dot < n.index(before: n.endIndex)
    {
      n = n[..<dot]
    } else if let dash = n.lastIndex(of: "-"),
      n[n.index(after: dash)...].count >= 8,
      n[n.index(after: dash)...].allSatisfy({ $0.isNumber })
    {
      n = n[..<dash]
    }
    return String(n)
  }

  public func consume(_ event: MailEvent) {
    switch event {
    case .delivery(let d):
      guard d.isOutbound, d.status == .sent, inWindow(d.time) else { return }
      outbound.add(d.protection, time: d.time)
      domains[d.domain, default: CoverageCounts()].add(d.protection, time: d.time)
      sources[sourceName(d.origin), default: (CoverageCounts(), CoverageCounts())].out.add(
        d.protection, time: d.time)
      if let t = d.time {
        let day = clock.day(t)
        days[day, default: (CoverageCounts(), CoverageCounts())].out.add(d.protection, time: t)
        dayDomains[day, default: [:]][d.domain, default: CoverageCounts()].add(
          d.protection, time: t)
      }
    case .arrival(let a):
      guard inWindow(a.time) else { return }
      inbound.add(a.protection, time: a.time)
      sources[sourceName(a.origin), default: (CoverageCounts(), CoverageCounts())].in.add(
        a.protection, time: a.time)
      if let t = a.time {
        days[clock.day(t), default: (CoverageCounts(), CoverageCounts())].in.add(
          a.protection, time: t)
      }
    case .tlsEvidence(let key):
      evidence.insert(key)
    case .time(let t):
      if logFirst == nil || t < logFirst! { logFirst = t }
      if logLast == nil || t > logLast! { logLast = t }
      guard inWindow(t) else { return }
      if firstTime == nil || t < firstTime! { firstTime = t }
      if lastTime == nil || t > lastTime! { lastTime = t }
    case .attempt, .ndr, .messageInfo:
      break
    }
  }

  /// Resolves pending counts with the evidence seen. Call once after the last input.
  public func finish() {
    guard !finished else { return }
    finished = true
    outbound.resolve(evidence: evidence, reasonWithout: UnknownReason.outbound)
    inbound.resolve(evidence: evidence, reasonWithout: UnknownReason.inbound)
    for k in domains.keys {
      domains[k]!.resolve(evidence: evidence, reasonWithout: UnknownReason.outbound)
    }
    for k in sources.keys {
      sources[k]!.out.resolve(evidence: evidence, reasonWithout: UnknownReason.outbound)
      sources[k]!.in.resolve(evidence: evidence, reasonWithout: UnknownReason.inbound)
    }
    for k in days.keys {
      days[k]!.out.resolve(evidence: evidence, reasonWithout: UnknownReason.outbound)
      days[k]!.in.resolve(evidence: evidence, reasonWithout: UnknownReason.inbound)
    }
    for (day, map) in dayDomains {
      for k in map.keys {
        dayDomains[day]![k]!.resolve(evidence: evidence, reasonWithout: UnknownReason.outbound)
      }
    }
  }

  /// Domains sorted by delivered (descending), then name.
  public var sortedDomains: [(String, CoverageCounts)] {
    domains.sorted { a, b in
      a.value.delivered != b.value.delivered ? a.value.delivered > b.value.delivered : a.key < b.key
    }
  }
}
