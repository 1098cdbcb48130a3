// PolicyExport.swift: turns the mandatory partners and chosen domains into MTA
// configuration: a Postfix smtp_tls_policy_maps table, an Exim nwildlsearch file with
// the routers and transports to use it, or an Exchange Online PowerShell script that
// creates or updates outbound connectors with TLS required; plus a line diff against
// an existing file (dry run).
//
// Levels: `encrypt` (TLS required, certificate not checked) by default; `verify`
// (certificate valid for the MX host name) only where every TLS delivery in the logs
// was already Verified, or where a domain list asks for it. The output explains the
// choice in its comments. Output order is exact domains (alphabetical), then
// wildcards from the longest suffix, so first-match lookups (Exim) pick the most
// specific line. Domain text is validated before it gets here, so nothing written can
// break the quoting of the target language. Cannot fail, except parsing a domain list.

import MailLogModel

/// The MTA a policy is written for.
public enum PolicyTarget: String, CaseIterable, Sendable {
  case postfix, exim, exchange
}

/// How strictly TLS is required.
public enum PolicyLevel: String, CaseIterable, Sendable {
  /// TLS required; any certificate.
  case encrypt
  /// TLS required; certificate valid for the MX host name.
  case verify
}

/// One domain or `*.suffix` of a policy.
public struct PolicyItem: Sendable, Equatable, DomainScoped {
  public let domain: String
  public let wildcard: Bool
  public var level: PolicyLevel
  /// Why it is in the policy (written as a comment above it).
  public var reason: String

  public init(domain: String, wildcard: Bool, level: PolicyLevel, reason: String) {
    self.domain = domain
    self.wildcard = wildcard
    self.level = level
    self.reason = reason
  }

}

/// One line of a `--domains` file: a domain or `*.suffix`, optionally a level.
public struct DomainListItem: Sendable, Equatable, DomainScoped {
  public let domain: String
  public let wildcard: Bool
  public let level: PolicyLevel?
  public let line: Int
}

/// The domains of a policy and how they were chosen.
public struct PolicyPlan: Sendable {
  /// Items in output order.
  public let items: [PolicyItem]
  /// Where the items came from, for the header.
  public let sources: [String]
  /// Remarks written as comments (domains left out and why).
  public let remarks: [String]

  /// Builds the plan.
  /// - Parameters:
  ///   - partners: mandatory entries are exported; opportunistic ones keep ready
  ///     domains that they match out of the policy (the admins chose).
  ///   - readiness: the logs' domains (for levels, and for `addReady`).
  ///   - addReady: add the ready domains (always TLS) with at least `minDeliveries`.
  ///   - extra: domains from a `--domains` file, named `extraSource`.
  public init(
    partners: PartnerList?, readiness: Readiness?, addReady: Bool, minDeliveries: Int = 1,
    extra: [DomainListItem] = [], extraSource: String = ""
  ) {
    var items: [PolicyItem] = []
    var index: [String: Int] = [:]
    var sources: [String] = []
    var remarks: [String] = []
    func derivedLevel(_ scope: DomainScoped) -> PolicyLevel {
      guard let readiness else { return .encrypt }
      var merged = CoverageCounts()
      for row in readiness.rows where scope.covers(row.domain) {
        merged.merge(row.counts)
      }
      return merged.tls > 0 && (merged.byTrust[.verified] ?? 0) == merged.tls ? .verify : .encrypt
    }
    func add(_ item: PolicyItem) {
      if let i = index[item.pattern] {
        items[i].reason += "; " + item.reason
        return
      }
      index[item.pattern] = items.count
      items.append(item)
    }
    if let partners {
      let mandatory = partners.entries.filter { $0.policy == .mandatory }
      sources.append("partner list \(partners.source) (\(mandatory.count) mandatory entries)")
      for e in mandatory {
        add(PolicyItem(
          domain: e.domain, wildcard: e.wildcard,
          level: derivedLevel(e),
          reason: "\(e.organisation) (partner list line \(e.line))"))
      }
    }
    if !extra.isEmpty || !extraSource.isEmpty {
      sources.append("domain list \(extraSource) (\(extra.count) entries)")
      for d in extra {
        let level = d.level ?? derivedLevel(d)
        let reason = "domain list line \(d.line)"
        if let i = index[d.pattern] {
          if let explicit = d.level { items[i].level = explicit }
          items[i].reason += "; " + reason
        } else {
          add(PolicyItem(domain: d.domain, wildcard: d.wildcard, level: level, reason: reason))
        }
      }
    }
    if addReady, let readiness {
      let ready = readiness.ready(minDeliveries: minDeliveries)
      sources.append(
        "\(ready.count) domains with TLS on every delivery in the logs"
          + (minDeliveries > 1 ? " (at least \(minDeliveries) deliveries)" : ""))
      var optedOut: [String] = []
      var covered = 0
      for row in ready {
        if let p = row.partner, p.policy == .opportunistic {
          optedOut.append(row.domain)
          continue
        }
        if items.contains(where: { $0.covers(row.domain) }) {
          covered += 1
          continue
        }
        add(PolicyItem(
          domain: row.domain, wildcard: false, level: row.allVerified ? .verify : .encrypt,
          reason: PolicyPlan.readyReason(row)))
      }
      if covered > 0 {
        remarks.append("\(covered) ready domains are already covered by the lines above.")
      }
      if !optedOut.isEmpty {
        remarks.append(
          "Left out because the partner list marks them opportunistic: "
            + optedOut.sorted().joined(separator: ", ") + ".")
      }
    }
    self.items = items.sorted(by: PolicyPlan.outputOrder)
    self.sources = sources
    self.remarks = remarks
  }

  /// `no plaintext in the logs: 12 TLS deliveries, certificate trusted`.
  static func readyReason(_ row: ReadinessRow) -> String {
    let c = row.counts
    var text = "no plaintext in the logs: \(c.tls) TLS \(c.tls == 1 ? "delivery" : "deliveries")"
    if c.unknown > 0 { text += " (and \(c.unknown) unknown)" }
    let cert = row.allVerified ? "verified" : row.readiness == .tlsVerified ? "trusted" : "not verified"
    return text + ", certificate " + cert
  }

  /// Exact domains first (alphabetical), then wildcards from the longest suffix.
  static func outputOrder(_ a: PolicyItem, _ b: PolicyItem) -> Bool {
    if a.wildcard != b.wildcard { return !a.wildcard }
    if a.wildcard {
      let la = a.domain.split(separator: ".").count
      let lb = b.domain.split(separator: ".").count
      if la != lb { return la > lb }
    }
    return a.domain < b.domain
  }

  /// Items of one level.
  public func items(_ level: PolicyLevel) -> [PolicyItem] { items.filter { $0.level == level } }

  /// Parses a domain list: one `domain` or `*.suffix` per line, optionally followed
  /// (after whitespace or a comma) by `encrypt` or `verify`; `#` comments allowed.
  /// - Throws: `PartnerFileError` listing every bad line.
  public static func parseDomainList(_ text: String, file: String) throws -> [DomainListItem] {
    var out: [DomainListItem] = []
    var problems: [(line: Int, message: String)] = []
    var seen: [String: Int] = [:]
    for (number, line) in contentLines(text) {
      let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," })
      guard let first = fields.first else { continue }
      if fields.count > 2 {
        problems.append((number, "expected a domain and at most a level (encrypt or verify)"))
        continue
      }
      var level: PolicyLevel?
      if fields.count == 2 {
        level = PolicyLevel(rawValue: fields[1].lowercased())
        if level == nil {
          problems.append((number, "level '\(fields[1])' is not encrypt or verify"))
          continue
        }
      }
      switch DomainPattern.parse(String(first)) {
      case .failure(let p):
        problems.append((number, p.message))
      case .success(let (domain, wildcard)):
        let key = (wildcard ? "*." : "") + domain
        if let earlier = seen[key] {
          problems.append((number, "\(key) is already listed on line \(earlier)"))
          continue
        }
        seen[key] = number
        out.append(DomainListItem(domain: domain, wildcard: wildcard, level: level, line: number))
      }
    }
    if !problems.isEmpty { throw PartnerFileError(file: file, problems: problems) }
    return out
  }
}

/// Writes a plan in an MTA's configuration language.
public enum PolicyWriter {
  /// The policy for `target`; `tool` names the writer in the header.
  public static func render(_ plan: PolicyPlan, for target: PolicyTarget, tool: String) -> String {
    var out: [String]
    switch target {
    case .postfix: out = postfix(plan, tool: tool)
    case .exim: out = exim(plan, tool: tool)
    case .exchange: out = exchange(plan, tool: tool)
    }
    return out.joined(separator: "\n") + "\n"
  }

  /// Comment lines naming the sources and remarks, with `prefix` (e.g. "# ").
  private static func header(_ plan: PolicyPlan, _ prefix: String) -> [String] {
    var out = plan.sources.isEmpty
      ? ["\(prefix)Sources: none (no partner list, domain list or logs given)."]
      : ["\(prefix)Sources:"] + plan.sources.map { "\(prefix)  \(commentSafe($0))" }
    out += plan.remarks.map { "\(prefix)\(commentSafe($0))" }
    if plan.items.isEmpty { out.append("\(prefix)No domains to require TLS for.") }
    return out
  }

  /// Each item as a blank line, its reason as a comment, and `line(item)`.
  private static func itemLines(_ plan: PolicyPlan, _ line: (PolicyItem) -> String) -> [String] {
    plan.items.flatMap { ["", "# " + commentSafe($0.reason), line($0)] }
  }

  /// Text for a one-line comment: control characters shown as \xNN.
  static func commentSafe(_ text: String) -> String {
    var out = ""
    for s in text.unicodeScalars {
      if s.value < 0x20 || s.value == 0x7F || (s.value >= 0x80 && s.value < 0xA0) {
        out += "\\x" + String(s.value, radix: 16, uppercase: true)
      } else {
        out.unicodeScalars.append(s)
      }
    }
    return out
  }

  static func postfix(_ plan: PolicyPlan, tool: String) -> [String] {
    var out = [
      "# Postfix smtp_tls_policy_maps table written by \(tool) (mailtls policy --for postfix).",
    ]
    out += header(plan, "# ")
    out += [
      "#",
      "# Install: save as /etc/postfix/tls_policy, then run",
      "#   postconf -e 'smtp_tls_policy_maps = hash:/etc/postfix/tls_policy'",
      "#   postmap /etc/postfix/tls_policy && postfix reload",
      "#",
      "# Levels, and why:",
      "#   encrypt  TLS is required; the certificate is not checked. Used by default, because",
      "#            many partner servers have self-signed or private-authority certificates and",
      "#            a failed check would stop their mail. Encryption alone still stops the mail",
      "#            being read on the way.",
      "#   verify   TLS is required and the certificate must be valid for the MX host name",
      "#            (needs smtp_tls_CAfile or smtp_tls_CApath). Used only where every TLS",
      "#            delivery in the logs was already Verified, so the check is known to pass.",
      "#   secure is not used: it checks the certificate against the recipient domain itself,",
      "#   which fails when a partner's mail is hosted by someone else. Change a line to",
      "#   secure by hand where you know the certificate names the domain.",
      "# Mail that cannot go over TLS waits in the queue and is retried (then bounces after",
      "# maximal_queue_lifetime); it is never sent in plaintext.",
      "# A key .example.org covers every subdomain of example.org, not example.org itself.",
    ]
    return out + itemLines(plan) { "\($0.wildcard ? "." + $0.domain : $0.domain) \($0.level.rawValue)" }
  }

  /// The file name the Exim instructions use.
  static let eximFile = "/etc/exim4/mailtls-tls-policy"

  static func exim(_ plan: PolicyPlan, tool: String) -> [String] {
    var out = [
      "# Exim nwildlsearch file of recipient domains that must get TLS, written by \(tool)",
      "# (mailtls policy --for exim).",
    ]
    out += header(plan, "# ")
    out += [
      "#",
      "# One \"domain: level\" per line. *.example.org matches every subdomain of",
      "# example.org, not example.org itself. The first matching line wins, so exact",
      "# domains come first, then longer suffixes.",
      "# Levels: encrypt = TLS required, certificate not checked (the default: many partner",
      "# servers have self-signed or private-authority certificates, and encryption alone",
      "# still stops the mail being read on the way); verify = TLS required and the",
      "# certificate must be valid for the MX host name (used only where every TLS delivery",
      "# in the logs had CV=yes or was Verified, so the check is known to pass).",
      "# Mail that cannot go over TLS is deferred and retried, never sent in plaintext.",
      "#",
      "# Use: save as \(eximFile), then add (names are suggestions)",
      "#   routers, before your dnslookup router:",
      "#     mailtls_tls_verify:",
      "#       driver = dnslookup",
      "#       domains = ! +local_domains",
      "#       condition = ${if eq{${lookup{$domain}nwildlsearch{\(eximFile)}}}{verify}}",
      "#       transport = mailtls_smtp_verify",
      "#       ignore_target_hosts = 0.0.0.0 : 127.0.0.0/8",
      "#       no_more",
      "#     mailtls_tls_encrypt:",
      "#       driver = dnslookup",
      "#       domains = ! +local_domains : nwildlsearch;\(eximFile)",
      "#       transport = mailtls_smtp_encrypt",
      "#       ignore_target_hosts = 0.0.0.0 : 127.0.0.0/8",
      "#       no_more",
      "#   transports:",
      "#     mailtls_smtp_encrypt:",
      "#       driver = smtp",
      "#       hosts_require_tls = *",
      "#     mailtls_smtp_verify:",
      "#       driver = smtp",
      "#       hosts_require_tls = *",
      "#       tls_verify_hosts = *",
      "#       tls_verify_cert_hostnames = *",
      "#       tls_verify_certificates = system",
    ]
    return out + itemLines(plan) { "\($0.pattern): \($0.level.rawValue)" }
  }

  /// Connector names the Exchange script creates or updates.
  public static let exchangeConnectors = (
    encrypt: "mailtls TLS required", verify: "mailtls TLS required with certificate check"
  )

  static func exchange(_ plan: PolicyPlan, tool: String) -> [String] {
    var out = [
      "# Exchange Online outbound connectors that require TLS, written by \(tool)",
      "# (mailtls policy --for exchange).",
    ]
    out += header(plan, "# ")
    out += [
      "#",
      "# Run in Exchange Online PowerShell after Connect-ExchangeOnline. It creates, or",
      "# updates, two Partner connectors that deliver by MX record:",
      "#   '\(exchangeConnectors.encrypt)': -TlsSettings EncryptionOnly, TLS is required and the",
      "#     certificate is not checked. Used by default, because many partner servers have",
      "#     self-signed or private-authority certificates and a failed check would stop",
      "#     their mail; encryption alone still stops the mail being read on the way.",
      "#   '\(exchangeConnectors.verify)': -TlsSettings CertificateValidation,",
      "#     TLS is required and the certificate chain must be valid. Used only where every",
      "#     TLS delivery in the logs had a verified certificate.",
      "# Mail that cannot go over TLS is queued and retried, never sent in plaintext.",
      "# Note: in Exchange Online *.example.org covers example.org itself as well as its",
      "# subdomains.",
      "# To try it first, add -WhatIf to the New-OutboundConnector and Set-OutboundConnector",
      "# lines below.",
      "",
    ]
    for (variable, level) in [("$encryptionOnly", PolicyLevel.encrypt), ("$certificateValidation", .verify)] {
      out.append("\(variable) = @(")
      for item in plan.items(level) {
        out.append("  # " + commentSafe(item.reason))
        out.append("  '\(item.pattern)'")
      }
      out.append(")")
    }
    out += [
      "",
      "function Set-MailtlsConnector([string]$Name, [string[]]$Domains, [string]$Tls) {",
      "  if ($Domains.Count -eq 0) { Write-Host \"${Name}: no domains, left as it is\"; return }",
      "  if (Get-OutboundConnector -Identity $Name -ErrorAction SilentlyContinue) {",
      "    Set-OutboundConnector -Identity $Name -RecipientDomains $Domains -TlsSettings $Tls -UseMXRecord $true -Enabled $true",
      "  } else {",
      "    New-OutboundConnector -Name $Name -ConnectorType Partner -RecipientDomains $Domains -TlsSettings $Tls -UseMXRecord $true -Enabled $true",
      "  }",
      "}",
      "",
      "Set-MailtlsConnector -Name '\(exchangeConnectors.encrypt)' -Domains $encryptionOnly -Tls 'EncryptionOnly'",
      "Set-MailtlsConnector -Name '\(exchangeConnectors.verify)' -Domains $certificateValidation -Tls 'CertificateValidation'",
    ]
    return out
  }
}

/// Lines added and removed between an existing policy file and a new one.
public struct PolicyDiff: Sendable, Equatable {
  /// Lines only in the new text, in its order.
  public let added: [String]
  /// Lines only in the old text, in its order.
  public let removed: [String]
  /// Lines in both.
  public let unchanged: Int

  /// Compares the content lines: comments (`#`) and blank lines are ignored, runs of
  /// spaces and tabs count as one space, and order does not matter (a table is a set).
  public init(old: String, new: String) {
    func lines(_ text: String) -> [String] {
      var out: [String] = []
      var seen = Set<String>()
      for (_, line) in contentLines(text) {
        let norm = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
        if seen.insert(norm).inserted { out.append(norm) }
      }
      return out
    }
    let o = lines(old)
    let n = lines(new)
    let oset = Set(o)
    let nset = Set(n)
    added = n.filter { !oset.contains($0) }
    removed = o.filter { !nset.contains($0) }
    unchanged = n.count - added.count
  }
}
