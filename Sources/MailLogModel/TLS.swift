// TLS.swift: the TLS facts of one delivery or arrival, in the report's vocabulary.
//
// Version keys follow the report schema ("1.0" ... "1.3", "unknown"); trust follows
// Postfix's adjectives (verified > trusted > untrusted > anonymous, "unknown" when the
// log states none). `Protection.unproven` is a delivery with no TLS fact of its own:
// whether it was plaintext or unknown depends on the evidence rule, decided when the
// whole input has been read. Unrecognised spellings map to `.unknown`, never fail.

/// TLS protocol version, as the report keys it.
public enum TLSVersion: String, CaseIterable, Comparable, Sendable {
  case ssl3 = "ssl3"
  case v10 = "1.0"
  case v11 = "1.1"
  case v12 = "1.2"
  case v13 = "1.3"
  case unknown = "unknown"

  /// Legacy versions, flagged in reports.
  public var isLegacy: Bool { self == .ssl3 || self == .v10 || self == .v11 }

  private var order: Int {
    switch self {
    case .ssl3: return 0
    case .v10: return 1
    case .v11: return 2
    case .v12: return 3
    case .v13: return 4
    case .unknown: return 5
    }
  }
  public static func < (a: TLSVersion, b: TLSVersion) -> Bool { a.order < b.order }

  /// Parses `TLSv1.2`, `TLS1.3`, `TLSv1`, `TLS1_2`, `SSLv3`, `SP_PROT_TLS1_2_SERVER`,
  /// `TLS 1.2`, `Tls12`... Unrecognised text gives `.unknown`.
  public init(parsing text: String) {
    let t = text.uppercased().replacingOccurrences(of: "_", with: ".")
    if t.contains("SSL") && t.contains("3") && !t.contains("TLS") { self = .ssl3; return }
    let digits = t.filter { $0.isNumber || $0 == "." }
    let core = digits.drop { $0 == "." }
    if core.hasPrefix("1.3") || core.hasPrefix("13") { self = .v13 }
    else if core.hasPrefix("1.2") || core.hasPrefix("12") { self = .v12 }
    else if core.hasPrefix("1.1") || core.hasPrefix("11") { self = .v11 }
    else if core.hasPrefix("1.0") || core.hasPrefix("10") || core == "1" || core.hasPrefix("1.")
      && !core.hasPrefix("1.1") && !core.hasPrefix("1.2") && !core.hasPrefix("1.3")
    {
      self = .v10
    } else { self = .unknown }
  }
}

/// How far the peer's certificate was checked.
public enum TLSTrust: String, CaseIterable, Sendable {
  case verified, trusted, untrusted, anonymous, unknown

  /// Parses Postfix's adjective (`Verified`, `Trusted`, `Untrusted`, `Anonymous`).
  public init(adjective: String) {
    self = TLSTrust(rawValue: adjective.lowercased()) ?? .unknown
  }
}

/// What is known about the encryption of one delivery or arrival.
public enum Protection: Equatable, Sendable {
  /// Over TLS, with what the log says of version and trust.
  case tls(TLSVersion, TLSTrust)
  /// Proven plaintext (e.g. `tls=may:none`, `P=esmtp`).
  case plaintext
  /// No TLS fact on this delivery: plaintext if the evidence key shows TLS logging
  /// is on for that source, unknown otherwise (decided at the end of the input).
  case unproven(evidenceKey: String)
  /// Known to be unknowable (e.g. Exchange tracking without protocol logs).
  case unknown(reason: String)
}
