// FailureCategories.swift: the TLS delivery-failure categories T01-T17 plus `non-tls`,
// as one table of data: title, RFC 8460 result type, who acts, a plain-language next
// step for the service desk and a short explanation.
//
// The ids and the RFC 8460 mapping follow reference/tls-failures.md; the wording is
// ours. Nothing here parses or fails: the table is static and complete (a test checks
// that every category has an entry).

/// Who has to act on a failure.
public enum ActingParty: String, Sendable, CaseIterable {
  /// Our own mail team (our configuration, our certificate, our trust store).
  case us
  /// The recipient's mail administrators (their server, certificate, DNS).
  case recipient
  /// A network device on the path (firewall "SMTP inspection", proxy).
  case network
  /// Whichever side has the outdated setting; the next step says how to tell.
  case either
  /// The person who sent the message (wrong address, message too large). Non-TLS only.
  case sender
  /// Nobody: the condition is temporary and retries resolve it. Non-TLS only.
  case nobody

  /// A short phrase for people, e.g. "recipient's IT".
  public var label: String {
    switch self {
    case .us: return "our mail team"
    case .recipient: return "recipient's IT"
    case .network: return "network team"
    case .either: return "either side"
    case .sender: return "the sender"
    case .nobody: return "nobody (retried automatically)"
    }
  }
}

/// A delivery-failure category: T01-T17 for TLS causes, `non-tls` for everything else.
public enum FailureCategory: String, Sendable, CaseIterable, Comparable {
  case t01 = "T01"
  case t02 = "T02"
  case t03 = "T03"
  case t04 = "T04"
  case t05 = "T05"
  case t06 = "T06"
  case t07 = "T07"
  case t08 = "T08"
  case t09 = "T09"
  case t10 = "T10"
  case t11 = "T11"
  case t12 = "T12"
  case t13 = "T13"
  case t14 = "T14"
  case t15 = "T15"
  case t16 = "T16"
  case t17 = "T17"
  case nonTLS = "non-tls"

  /// Whether this is one of the TLS categories (T01-T17).
  public var isTLS: Bool { self != .nonTLS }

  /// The table entry of this category.
  public var info: FailureCategoryInfo { FailureCategoryInfo.table[self]! }

  private var order: Int { FailureCategory.allCases.firstIndex(of: self)! }
  public static func < (a: FailureCategory, b: FailureCategory) -> Bool { a.order < b.order }
}

/// What the service desk needs to know about one category.
public struct FailureCategoryInfo: Sendable {
  public let category: FailureCategory
  /// Short name, e.g. "Certificate expired".
  public let title: String
  /// The RFC 8460 (TLSRPT) result type, or nil when RFC 8460 has none.
  public let rfc8460: String?
  /// Who normally has to act.
  public let action: ActingParty
  /// Whether failures split into one cluster per recipient domain (each domain is
  /// a separate contact). Categories where we act stay one cluster.
  public let splitsByDomain: Bool
  /// What the service desk should do next, in plain language.
  public let nextStep: String
  /// What went wrong, in one or two plain sentences.
  public let explanation: String

  /// All categories, keyed by id.
  public static let table: [FailureCategory: FailureCategoryInfo] = {
    var t: [FailureCategory: FailureCategoryInfo] = [:]
    for entry in entries { t[entry.category] = entry }
    return t
  }()

  /// The entries in category order.
  public static let entries: [FailureCategoryInfo] = [
    FailureCategoryInfo(
      category: .t01, title: "Recipient does not offer STARTTLS",
      rfc8460: "starttls-not-supported", action: .recipient, splitsByDomain: true,
      nextStep:
        "Ask the recipient's IT to switch on STARTTLS (encryption) on their incoming mail "
        + "server; our policy does not send to them unencrypted. If a large provider suddenly "
        + "shows this, tell our mail team instead: a firewall may be removing STARTTLS.",
      explanation:
        "Our server must encrypt mail to this destination, but their server did not offer "
        + "encryption."),
    FailureCategoryInfo(
      category: .t02, title: "Recipient requires TLS, we sent without it",
      rfc8460: nil, action: .us, splitsByDomain: false,
      nextStep:
        "Escalate to our mail team: switch on TLS (at least opportunistic) for outgoing "
        + "mail on the server or smarthost that sent this. The recipient has nothing to do.",
      explanation:
        "The receiving server only accepts encrypted mail, and our server tried to send "
        + "without encryption."),
    FailureCategoryInfo(
      category: .t03, title: "Recipient's TLS temporarily unavailable",
      rfc8460: "starttls-not-supported", action: .recipient, splitsByDomain: true,
      nextStep:
        "Tell the recipient's IT that their mail server answers STARTTLS with an error "
        + "(\"TLS not available\"); they should check its certificate and key files. Mail is "
        + "retried automatically once they have fixed it.",
      explanation:
        "Their server offers encryption but refuses to start it, usually because it cannot "
        + "read its own certificate or key."),
    FailureCategoryInfo(
      category: .t04, title: "Our TLS setup is broken",
      rfc8460: nil, action: .us, splitsByDomain: false,
      nextStep:
        "Escalate to our mail team now: our server cannot start TLS at all (certificate, "
        + "trust store or TLS policy settings). No action for the recipients.",
      explanation:
        "Our own server's TLS engine or TLS policy is misconfigured, so it cannot encrypt "
        + "to anybody who requires it."),
    FailureCategoryInfo(
      category: .t05, title: "No common TLS version",
      rfc8460: "validation-failure", action: .either, splitsByDomain: true,
      nextStep:
        "Usually the other server only speaks old TLS 1.0/1.1: ask the recipient's IT to "
        + "enable TLS 1.2 or newer. If the destination is our own smarthost or a submission "
        + "port, ask our mail team to check the port and SSL/STARTTLS setting.",
      explanation: "The two servers could not agree on a TLS protocol version."),
    FailureCategoryInfo(
      category: .t06, title: "No common cipher / handshake refused",
      rfc8460: "validation-failure", action: .either, splitsByDomain: true,
      nextStep:
        "The servers have no encryption method in common. Ask the recipient's IT whether "
        + "they restricted or modernised their cipher list; if only this destination fails "
        + "after a change on our side, ask our mail team.",
      explanation: "The encryption handshake was refused because no cipher suits both sides."),
    FailureCategoryInfo(
      category: .t07, title: "Recipient's key too weak",
      rfc8460: "validation-failure", action: .recipient, splitsByDomain: true,
      nextStep:
        "Ask the recipient's IT to upgrade their TLS keys: their server uses a key or "
        + "Diffie-Hellman parameters that modern software rejects (use at least 2048 bits).",
      explanation: "Their server's key is too small for current security settings."),
    FailureCategoryInfo(
      category: .t08, title: "Certificate expired",
      rfc8460: "certificate-expired", action: .recipient, splitsByDomain: true,
      nextStep:
        "Ask the recipient's IT to renew the certificate of their mail server. Mail is "
        + "retried and flows again once it is renewed.",
      explanation: "The certificate of the receiving mail server has expired (or is not yet valid)."
    ),
    FailureCategoryInfo(
      category: .t09, title: "Certificate name does not match",
      rfc8460: "certificate-host-mismatch", action: .recipient, splitsByDomain: true,
      nextStep:
        "Ask the recipient's IT to install a certificate that covers the name of their "
        + "mail server (MX host). If the name we check was set by our mail team, ask them too.",
      explanation:
        "The receiving server's certificate is issued for a different name than the server "
        + "we connected to."),
    FailureCategoryInfo(
      category: .t10, title: "Certificate not trusted (self-signed or unknown CA)",
      rfc8460: "certificate-not-trusted", action: .recipient, splitsByDomain: true,
      nextStep:
        "Ask the recipient's IT to use a certificate from a public certificate authority. "
        + "If many unrelated recipients fail like this at once, escalate to our mail team "
        + "instead (our list of trusted authorities may be broken).",
      explanation:
        "The receiving server's certificate is self-signed or issued by an authority we do "
        + "not trust."),
    FailureCategoryInfo(
      category: .t11, title: "Certificate chain incomplete",
      rfc8460: "certificate-not-trusted", action: .recipient, splitsByDomain: true,
      nextStep:
        "Ask the recipient's IT to install the full certificate chain (the intermediate "
        + "certificate, often a file called fullchain) on their mail server.",
      explanation:
        "The receiving server sends its certificate without the intermediate certificate "
        + "needed to check it."),
    FailureCategoryInfo(
      category: .t12, title: "DANE / TLSA check failed",
      rfc8460: "tlsa-invalid", action: .recipient, splitsByDomain: true,
      nextStep:
        "Ask the recipient's DNS or mail admins to update their TLSA (DANE) records to match "
        + "their current certificate, or to repair their DNSSEC.",
      explanation:
        "The recipient publishes DANE records that do not match their server, or their "
        + "DNSSEC answers are broken."),
    FailureCategoryInfo(
      category: .t13, title: "MTA-STS policy check failed",
      rfc8460: "sts-policy-invalid", action: .recipient, splitsByDomain: true,
      nextStep:
        "Ask the recipient's IT to fix their MTA-STS policy (https://mta-sts.<their "
        + "domain>/.well-known/mta-sts.txt) so it is reachable and lists their mail servers.",
      explanation:
        "The recipient's MTA-STS policy could not be fetched, is invalid, or does not match "
        + "their mail servers."),
    FailureCategoryInfo(
      category: .t14, title: "Connection lost during TLS set-up",
      rfc8460: nil, action: .network, splitsByDomain: false,
      nextStep:
        "Ask our network or mail team to check the path for firewalls doing \"SMTP "
        + "inspection\". If only one recipient is affected, ask their IT to check theirs.",
      explanation: "The connection broke while encryption was being set up."),
    FailureCategoryInfo(
      category: .t15, title: "Wrong certificate without SNI",
      rfc8460: "certificate-host-mismatch", action: .recipient, splitsByDomain: true,
      nextStep:
        "Ask the recipient's IT to make the default certificate of their mail server valid; "
        + "our mail team can also send the server name (SNI) to this destination.",
      explanation:
        "Their server shows a default certificate unless the client names the server it "
        + "wants."),
    FailureCategoryInfo(
      category: .t16, title: "REQUIRETLS cannot be honoured",
      rfc8460: nil, action: .recipient, splitsByDomain: true,
      nextStep:
        "The sender asked for guaranteed encryption on every hop and the recipient cannot "
        + "promise it. Tell the sender: resend without that option, or the recipient must "
        + "support REQUIRETLS.",
      explanation: "The message demanded REQUIRETLS and no server on the path supports it."),
    FailureCategoryInfo(
      category: .t17, title: "Delivered without encryption (downgrade)",
      rfc8460: nil, action: .us, splitsByDomain: false,
      nextStep:
        "No action for users: the mail was delivered, but without encryption. Report it to "
        + "our mail team for TLS coverage follow-up.",
      explanation: "Encryption failed and the mail went out in plain text instead."),
    FailureCategoryInfo(
      category: .nonTLS, title: "Not a TLS problem",
      rfc8460: nil, action: .either, splitsByDomain: false,
      nextStep:
        "Not a TLS problem: read the remote server's answer in the example and handle it "
        + "as an ordinary bounce.",
      explanation: "The failure has nothing to do with encryption."),
  ]
}
