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
  case tlsVerified = "tls-verified"
  case tlsUnverified = "tls-unverified"
  case sometimesPlaintext = "sometimes-plaintext"
  case neverTLS = "never-tls"
  case unknownOnly = "unknown-only"

  /// A short heading.
  public var title: String {
    switch self {
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

  /// The class of a population's resolved counts.
  public static func of(_ c: CoverageCounts) -> ReadinessClass {
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
  public init(coverage: CoverageAggregator, partners: PartnerList? = nil) {
    self.init(domains: coverage.domains, partners: partners)
  }

  /// Classifies resolved per-domain counts.
  public init(domains: [String: CoverageCounts], partners: PartnerList? = nil) {
    let order = Dictionary(
      uniqueKeysWithValues: ReadinessClass.allCases.enumerated().map { ($1, $0) })
    rows = domains.filter { !$0.key.isEmpty }.map { name, counts in
      ReadinessRow(
        domain: name, readiness: ReadinessClass.of(counts), counts: counts,
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
