// Readiness.swift: sorts every recipient domain of a run into readiness classes for
// mandatory TLS, so admins can pick the next domains to make mandatory.
//
// Classes are decided on the resolved counts of the CoverageAggregator (call finish()
// first), from the deliveries whose protection is known: always TLS with a certificate
// from a recognised authority (Postfix "Verified"/"Trusted", Exim CV=yes), always TLS
// otherwise (untrusted, anonymous, or trust not logged), sometimes plaintext, never TLS,
// and unknown only (the logs cannot tell). Unknown deliveries beside known ones are
// shown, not classified. Cannot fail.

import MailLogModel

/// Where a recipient domain stands for mandatory TLS.
public enum ReadinessClass: String, CaseIterable, Sendable {
  case tlsFailing = "tls-failures"
  case tlsVerified = "tls-verified"
  case tlsUnverified = "tls-unverified"
  case sometimesPlaintext = "sometimes-plaintext"
  case neverTLS = "never-tls"
  case unknownOnly = "unknown-only"

  /// A short heading.
  public var title: String {
    switch self {
    case .tlsFailing: return "TLS failures on their side"
    case .tlsVerified: return "Always TLS, certificate verified"
    case .tlsUnverified: return "Always TLS, certificate not verified"
    case .sometimesPlaintext: return "Sometimes plaintext"
    case .neverTLS: return "Never TLS"
    case .unknownOnly: return "Unknown only"
    }
  }

  /// What the class means and what to do, in plain words.
  public var advice: String {
    switch self {
    case .tlsFailing:
      return "Mail to them failed for a TLS reason on their side in this period (expired or wrong certificate, no STARTTLS, old TLS version...; see `mailtls bounces`). Not ready: mandatory or verified TLS would turn those failures into bounces. Ask their IT to fix it first."
    case .tlsVerified:
      return "Every delivery was encrypted and the server showed a certificate from a recognised authority (Postfix: Verified or Trusted; Exim: CV=yes). Ready to make TLS mandatory."
    case .tlsUnverified:
      return "Every delivery was encrypted, but the certificate could not be checked (self-signed, a private authority, or not logged). That is common between public-sector mail servers and acceptable here: mandatory encryption still stops the mail being read on the way; only the check of who is at the other end is missing. Ready to make TLS mandatory (encryption only)."
    case .sometimesPlaintext:
      return "Some deliveries went unencrypted. Find out why (another of their servers, a backup MX) before making TLS mandatory, or that mail would wait in the queue and then bounce."
    case .neverTLS:
      return "No delivery was encrypted. Making TLS mandatory would stop mail to them: contact their IT first."
    case .unknownOnly:
      return "The logs cannot tell whether these deliveries were encrypted (TLS logging was off on the server that sent them)."
    }
  }

  /// Whether domains of this class may be made mandatory without mail stopping.
  public var isReady: Bool { self == .tlsVerified || self == .tlsUnverified }

  /// The class of a population's resolved counts; `tlsFailures` is the number of
  /// failed deliveries to the domain whose cause is TLS on the recipient's side.
  public static func of(_ c: CoverageCounts, tlsFailures: Int = 0) -> ReadinessClass {
    if tlsFailures > 0 { return .tlsFailing }
    if c.tls == 0 && c.plaintext == 0 { return .unknownOnly }
    if c.tls == 0 { return .neverTLS }
    if c.plaintext > 0 { return .sometimesPlaintext }
    let checked = (c.byTrust[.verified] ?? 0) + (c.byTrust[.trusted] ?? 0)
    return checked == c.tls ? .tlsVerified : .tlsUnverified
  }
}

/// One recipient domain's readiness.
public struct ReadinessRow: Sendable {
  public let domain: String
  public let readiness: ReadinessClass
  public let counts: CoverageCounts
  /// The partner list entry matching it, when a list was given.
  public let partner: PartnerEntry?

  /// Whether every TLS delivery had a certificate whose name was checked (Postfix
  /// "Verified", Exim CV=yes): the logs show a certificate check would pass.
  public var allVerified: Bool {
    counts.tls > 0 && (counts.byTrust[.verified] ?? 0) == counts.tls
  }
}

/// Every recipient domain of a run, classified.
public struct Readiness: Sendable {
  /// Rows by class (in `ReadinessClass.allCases` order), then deliveries, then name.
  public let rows: [ReadinessRow]

  /// Classifies the resolved per-domain counts of `coverage`.
  public init(
    coverage: CoverageAggregator, partners: PartnerList? = nil,
    failures: DomainTLSFailures? = nil
  ) {
    self.init(domains: coverage.domains, partners: partners, tlsFailures: failures?.counts ?? [:])
  }

  /// Classifies resolved per-domain counts.
  public init(
    domains: [String: CoverageCounts], partners: PartnerList? = nil,
    tlsFailures: [String: Int] = [:]
  ) {
    let order = Dictionary(
      uniqueKeysWithValues: ReadinessClass.allCases.enumerated().map { ($1, $0) })
    rows = domains.filter { !$0.key.isEmpty }.map { name, counts in
      ReadinessRow(
        domain: name, readiness: ReadinessClass.of(counts, tlsFailures: tlsFailures[name] ?? 0),
        counts: counts,
        partner: partners?.match(name))
    }.sorted { a, b in
      if a.readiness != b.readiness { return order[a.readiness]! < order[b.readiness]! }
      if a.counts.delivered != b.counts.delivered { return a.counts.delivered > b.counts.delivered }
      return a.domain < b.domain
    }
  }

  /// Rows of one class.
  public func rows(_ c: ReadinessClass) -> [ReadinessRow] { rows.filter { $0.readiness == c } }

  /// Domains ready for mandatory TLS with at least `minDeliveries` deliveries.
  public func ready(minDeliveries: Int = 1) -> [ReadinessRow] {
    rows.filter { $0.readiness.isReady && $0.counts.delivered >= minDeliveries }
  }
}

/// Counts, per recipient domain, the failed deliveries (deferred or bounced) whose cause is
/// TLS on the recipient's side (categories the recipient's IT must fix), for readiness.
public final class DomainTLSFailures: EventSink {
  public private(set) var counts: [String: Int] = [:]
  private let classifier: FailureClassifier
  private var cache: [String: Bool] = [:]

  public init(classifier: FailureClassifier = .shared) { self.classifier = classifier }

  public func consume(_ event: MailEvent) {
    guard case .delivery(let d) = event, d.status == .deferred || d.status == .bounced,
      !d.domain.isEmpty
    else { return }
    let reason = d.reason ?? ""
    let key = "\(d.origin.mta.rawValue)\u{1}\(reason)\u{1}\(d.detail ?? "")\u{1}\(d.dsn ?? "")"
    let theirs: Bool
    if let cached = cache[key] {
      theirs = cached
    } else {
      let c = classifier.classify(reason: reason, detail: d.detail, dsn: d.dsn, mta: d.origin.mta)
      theirs = c.category.isTLS && (c.action == .recipient || c.action == .either)
      if cache.count > 20_000 { cache.removeAll() }
      cache[key] = theirs
    }
    if theirs { counts[d.domain, default: 0] += 1 }
  }
}
