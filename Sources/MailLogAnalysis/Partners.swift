// Partners.swift: the partner list (which recipient organisations must get TLS) and the
// sink that checks deliveries against it.
//
// The list is a CSV the admins maintain: `domain,organisation,policy[,note]` with policy
// `mandatory` or `opportunistic`; `#` comment lines, blank lines and one header line
// (`domain,organisation,policy,...`) are allowed; fields may be double-quoted (RFC 4180,
// one line per record). Matching: an entry `example.org` matches that domain only; an
// entry `*.example.org` matches every subdomain of example.org at any depth, but not
// example.org itself; when several entries match, the most specific wins (the exact
// entry, else the wildcard with the longest suffix). Domains compare case-insensitively
// and a trailing dot is ignored. Every bad line is collected with its line number into
// one `PartnerFileError` (the CLI exits 65); nothing here crashes on bad input.
//
// `PartnerTracker` counts failures per partner entry and holds plaintext deliveries to
// mandatory partners: definite ones at once, `unproven` ones per evidence key until
// `finish(evidence:)` applies the evidence rule. It lists at most `maxListed` of each
// kind and counts all, so memory stays bounded whatever the input size.

import Foundation
import MailLogKit
import MailLogModel

/// What a partner list says about TLS to a partner.
public enum PartnerPolicy: String, Sendable, CaseIterable {
  /// Mail must go over TLS; plaintext delivery is a violation.
  case mandatory
  /// TLS when the other side offers it (the default for everyone).
  case opportunistic
}

/// Something that applies to a domain, or with `wildcard` to every subdomain of it.
public protocol DomainScoped {
  /// The domain, or for a wildcard the suffix without `*.`; lower-case, no trailing dot.
  var domain: String { get }
  /// True for `*.suffix` (subdomains of `domain`, not `domain` itself).
  var wildcard: Bool { get }
}

extension DomainScoped {
  /// As written in a list: `example.org` or `*.example.org`.
  public var pattern: String { wildcard ? "*." + domain : domain }

  /// Whether this covers `name` (a normalised domain) on its own.
  public func covers(_ name: String) -> Bool {
    wildcard ? name.hasSuffix("." + domain) : name == domain
  }
}

/// One line of the partner list.
public struct PartnerEntry: Sendable, Equatable, DomainScoped {
  /// The domain, or for a wildcard the suffix without `*.`; lower-case, no trailing dot.
  public let domain: String
  /// True for `*.suffix` entries (subdomains of `domain`, not `domain` itself).
  public let wildcard: Bool
  public let organisation: String
  public let policy: PartnerPolicy
  public let note: String
  /// Line number in the file (1-based).
  public let line: Int

  public init(
    domain: String, wildcard: Bool, organisation: String, policy: PartnerPolicy,
    note: String = "", line: Int = 0
  ) {
    self.domain = domain
    self.wildcard = wildcard
    self.organisation = organisation
    self.policy = policy
    self.note = note
    self.line = line
  }

}

/// A partner organisation: its entries in file order.
public struct PartnerOrganisation: Sendable {
  public let name: String
  public let entries: [PartnerEntry]

  /// `mandatory`, `opportunistic`, or `mixed` when its entries differ.
  public var policyLabel: String {
    let set = Set(entries.map(\.policy))
    return set.count == 1 ? set.first!.rawValue : "mixed"
  }

  /// Whether any of its entries is mandatory.
  public var hasMandatory: Bool { entries.contains { $0.policy == .mandatory } }
}

/// Problems found in a partner list (or a domain list), each with its line number.
public struct PartnerFileError: Error, CustomStringConvertible {
  public let file: String
  public let problems: [(line: Int, message: String)]

  public init(file: String, problems: [(line: Int, message: String)]) {
    self.file = file
    self.problems = problems
  }

  /// `FILE:LINE: message` lines, at most 20, then a count of the rest.
  public var description: String {
    var lines = problems.prefix(20).map { p in
      p.line > 0 ? "\(file):\(p.line): \(p.message)" : "\(file): \(p.message)"
    }
    if problems.count > 20 { lines.append("... and \(problems.count - 20) more problems") }
    return lines.joined(separator: "\n")
  }
}

/// A file that could not be read at all.
public struct PartnerFileUnreadable: Error, CustomStringConvertible {
  public let file: String
  public let reason: String
  public var description: String { "cannot read \(file): \(reason)" }
}

/// Domain names and `*.suffix` patterns as lists and logs write them.
public enum DomainPattern {
  /// Parses `example.org` or `*.example.org` (any case, optional trailing dot).
  /// - Returns: the normalised domain and whether it is a wildcard, or a message
  ///   saying what is wrong, in words an admin can act on.
  public static func parse(_ raw: String) -> Result<(domain: String, wildcard: Bool), PatternProblem> {
    var text = raw.trimmingCharacters(in: .whitespaces).lowercased()
    if text.hasSuffix(".") { text.removeLast() }
    if text.isEmpty { return .failure(PatternProblem("the domain is empty")) }
    if text.contains("@") {
      return .failure(PatternProblem("'\(raw)' is an address; write only the domain after the @"))
    }
    if text.hasPrefix(".") {
      return .failure(PatternProblem(
        "'\(raw)': write *\(text) for the subdomains of \(text.dropFirst()) (and list \(text.dropFirst()) itself on its own line if it should match too)"))
    }
    var wildcard = false
    if text.hasPrefix("*.") {
      wildcard = true
      text.removeFirst(2)
    }
    if text.contains("*") {
      return .failure(PatternProblem(
        "'\(raw)': a * may only stand alone as the first label, as in *.example.org"))
    }
    if text.unicodeScalars.contains(where: { $0.value > 0x7E }) {
      return .failure(PatternProblem(
        "'\(raw)' has non-ASCII letters; write the xn-- form that appears in the logs"))
    }
    let labels = text.split(separator: ".", omittingEmptySubsequences: false)
    if labels.contains(where: { $0.isEmpty }) {
      return .failure(PatternProblem("'\(raw)' has an empty label (two dots in a row?)"))
    }
    for label in labels {
      if label.count > 63 { return .failure(PatternProblem("'\(raw)' has a label longer than 63 characters")) }
      if label.utf8.contains(where: { !isLabelByte($0) }) {
        return .failure(PatternProblem(
          "'\(raw)' is not a domain name (letters, digits, hyphens and dots only)"))
      }
    }
    if text.utf8.count > 253 { return .failure(PatternProblem("'\(raw)' is longer than 253 characters")) }
    if !wildcard && labels.count < 2 {
      return .failure(PatternProblem("'\(raw)' is not a full domain name (expected something like example.org)"))
    }
    return .success((text, wildcard))
  }

  /// A domain as logged, normalised for matching (lower-case, no trailing dot).
  public static func normalise(_ domain: String) -> String {
    var d = domain.lowercased()
    while d.hasSuffix(".") { d.removeLast() }
    return d
  }

  private static func isLabelByte(_ c: UInt8) -> Bool {
    (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x5F
  }
}

/// Why a domain pattern was refused.
public struct PatternProblem: Error {
  public let message: String
  public init(_ message: String) { self.message = message }
}

/// Splits one CSV record (RFC 4180 quoting, no line breaks inside fields).
/// - Returns: the fields, or nil when a quoted field is not closed.
func splitCSVLine(_ line: Substring, separator: Character = ",") -> [String]? {
  var fields: [String] = []
  var field = ""
  var quoted = false
  var atFieldStart = true
  var chars = line.makeIterator()
  var pending: Character? = nil
  while let c = pending ?? chars.next() {
    pending = nil
    if quoted {
      if c == "\"" {
        if let n = chars.next() {
          if n == "\"" { field.append("\"") } else { quoted = false; pending = n }
        } else {
          quoted = false
        }
      } else {
        field.append(c)
      }
    } else if c == "\"" && atFieldStart {
      quoted = true
      atFieldStart = false
    } else if c == separator {
      fields.append(field)
      field = ""
      atFieldStart = true
    } else {
      if !(c == " " && atFieldStart) { atFieldStart = false }
      field.append(c)
    }
  }
  if quoted { return nil }
  fields.append(field)
  return fields.map { $0.trimmingCharacters(in: .whitespaces) }
}

/// Lines of a small configuration file: BOM and CR removed, with 1-based numbers,
/// comment (`#`) and blank lines left out.
func contentLines(_ text: String) -> [(number: Int, text: Substring)] {
  var body = Substring(text)
  if body.hasPrefix("\u{FEFF}") { body = body.dropFirst() }
  var out: [(Int, Substring)] = []
  // "\r\n" is one Character in Swift, so it is a separator of its own.
  let split = body.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
  for (i, rawLine) in split.enumerated() {
    var line = rawLine
    if line.hasSuffix("\r") { line = line.dropLast() }
    let trimmed = line.drop { $0 == " " || $0 == "\t" }
    if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
    out.append((i + 1, line))
  }
  return out
}

/// Reads a whole small file (UTF-8, UTF-8 with BOM or UTF-16; invalid bytes replaced).
func readSmallFile(_ path: String) throws -> String {
  guard FileManager.default.contents(atPath: path) != nil else {
    var isDir: ObjCBool = false
    let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDir)
    throw PartnerFileUnreadable(
      file: path,
      reason: !exists ? "no such file" : (isDir.boolValue ? "it is a directory" : "permission denied"))
  }
  // Through ByteInput, as logs are read: a list saved by Excel as "Unicode text"
  // (UTF-16 with BOM) or with a UTF-8 BOM reads the same as plain UTF-8. Capped at 16 MB.
  guard let input = try? ByteInput(path: path) else {
    throw PartnerFileUnreadable(file: path, reason: "cannot open")
  }
  var bytes: [UInt8] = []
  var chunk = [UInt8](repeating: 0, count: 64 * 1024)
  while bytes.count < 16 << 20 {
    let n = chunk.withUnsafeMutableBufferPointer { input.read(into: $0) }
    if n == 0 { break }
    bytes.append(contentsOf: chunk[0..<n])
  }
  return String(decoding: bytes, as: UTF8.self)
}

/// The parsed partner list with its matching rule.
public struct PartnerList: Sendable {
  /// Entries in file order.
  public let entries: [PartnerEntry]
  /// The file it came from (for reports).
  public let source: String
  private let exact: [String: Int]
  private let suffixes: [String: Int]

  /// Builds a list from entries; duplicates are the caller's to reject.
  public init(entries: [PartnerEntry], source: String = "") {
    self.entries = entries
    self.source = source
    var exact: [String: Int] = [:]
    var suffixes: [String: Int] = [:]
    for (i, e) in entries.enumerated() {
      if e.wildcard {
        if suffixes[e.domain] == nil { suffixes[e.domain] = i }
      } else if exact[e.domain] == nil {
        exact[e.domain] = i
      }
    }
    self.exact = exact
    self.suffixes = suffixes
  }

  /// Reads and parses a partner list file.
  /// - Throws: `PartnerFileUnreadable` (exit 66) or `PartnerFileError` (exit 65).
  public static func load(path: String) throws -> PartnerList {
    try parse(readSmallFile(path), file: path)
  }

  /// Parses partner list text; `file` names it in errors.
  /// - Throws: `PartnerFileError` listing every bad line.
  public static func parse(_ text: String, file: String) throws -> PartnerList {
    var entries: [PartnerEntry] = []
    var problems: [(line: Int, message: String)] = []
    var seen: [String: Int] = [:]
    var first = true
    // Spreadsheets in many European locales save "CSV" with `;` between fields: use `;`
    // when the first content line has one and no comma.
    let firstLine = contentLines(text).first?.1 ?? ""
    let separator: Character = firstLine.contains(";") && !firstLine.contains(",") ? ";" : ","
    for (number, line) in contentLines(text) {
      defer { first = false }
      guard let fields = splitCSVLine(line, separator: separator) else {
        problems.append((number, "a quoted field is not closed (a \" is missing)"))
        continue
      }
      if first && fields.count >= 3 && fields[0].lowercased() == "domain"
        && fields[2].lowercased() == "policy"
      {
        continue  // header line
      }
      guard (3...4).contains(fields.count) else {
        problems.append((
          number,
          "\(fields.count) field\(fields.count == 1 ? "" : "s"); expected domain,organisation,policy[,note] (put double quotes around a field that contains a comma)"
        ))
        continue
      }
      var bad = false
      var domain = ""
      var wildcard = false
      switch DomainPattern.parse(fields[0]) {
      case .success(let p): (domain, wildcard) = p
      case .failure(let p):
        problems.append((number, p.message))
        bad = true
      }
      let organisation = fields[1]
      if organisation.isEmpty {
        problems.append((number, "the organisation name is empty"))
        bad = true
      }
      let policy = PartnerPolicy(rawValue: fields[2].lowercased())
      if policy == nil {
        problems.append((
          number,
          fields[2].isEmpty
            ? "the policy is empty; write mandatory or opportunistic"
            : "policy '\(fields[2])' is not mandatory or opportunistic"
        ))
        bad = true
      }
      if bad { continue }
      let entry = PartnerEntry(
        domain: domain, wildcard: wildcard, organisation: organisation, policy: policy!,
        note: fields.count > 3 ? fields[3] : "", line: number)
      if let earlier = seen[entry.pattern] {
        problems.append((number, "\(entry.pattern) is already listed on line \(earlier)"))
        continue
      }
      seen[entry.pattern] = number
      entries.append(entry)
    }
    if entries.isEmpty && problems.isEmpty {
      problems.append((0, "no partner entries (expected lines like: example.org,Example Council,mandatory)"))
    }
    if !problems.isEmpty { throw PartnerFileError(file: file, problems: problems) }
    return PartnerList(entries: entries, source: file)
  }

  /// The most specific entry matching `domain` (as logged), or nil.
  public func match(_ domain: String) -> PartnerEntry? {
    matchIndex(domain).map { entries[$0] }
  }

  /// Index into `entries` of the most specific match.
  public func matchIndex(_ domain: String) -> Int? {
    let d = DomainPattern.normalise(domain)
    if d.isEmpty { return nil }
    if let i = exact[d] { return i }
    // Walk parent suffixes from the longest: a.b.example.org -> b.example.org -> ...
    var rest = Substring(d)
    while let dot = rest.firstIndex(of: ".") {
      rest = rest[rest.index(after: dot)...]
      if let i = suffixes[String(rest)] { return i }
    }
    return nil
  }

  /// Organisations in order of first appearance; names compare case-insensitively.
  public var organisations: [PartnerOrganisation] {
    var order: [String] = []
    var names: [String: String] = [:]
    var groups: [String: [PartnerEntry]] = [:]
    for e in entries {
      let key = e.organisation.lowercased()
      if groups[key] == nil {
        order.append(key)
        names[key] = e.organisation
      }
      groups[key, default: []].append(e)
    }
    return order.map { PartnerOrganisation(name: names[$0]!, entries: groups[$0]!) }
  }
}

/// One plaintext delivery to a mandatory partner.
public struct PartnerViolation: Sendable {
  public let time: LogTime?
  /// Queue id / message id as logged.
  public let queueID: String
  public let domain: String
  public let organisation: String
  /// The host it went to (`mx.example.org[192.0.2.1]:25`), when logged.
  public let relay: String
  /// Log host (or input name) that logged it.
  public let source: String
}

/// An EventSink that checks deliveries against a partner list.
public final class PartnerTracker: EventSink {
  public let list: PartnerList
  /// Violations listed at most (all are counted).
  public let maxListed: Int
  private let accept: (LogTime?) -> Bool
  private let inputNames: [String]
  private var cache: [String: Int] = [:]  // domain -> entry index, -1 for none
  /// Final failures (deferred attempts, bounces) per entry index.
  public private(set) var deferred: [Int: Int] = [:]
  public private(set) var bounced: [Int: Int] = [:]
  private var definite: [PartnerViolation] = []
  private var definiteCount = 0
  private var pending: [String: (count: Int, listed: [PartnerViolation])] = [:]
  /// After `finish`: violations in time order, at most `maxListed`.
  public private(set) var violations: [PartnerViolation] = []
  /// After `finish`: every violation, listed or not.
  public private(set) var violationCount = 0
  private var finished = false

  /// - Parameters:
  ///   - accept: the report window (as CoverageAggregator.inWindow).
  ///   - inputNames: names of the inputs, for sources of logs without a host field.
  public init(
    list: PartnerList, maxListed: Int = 1000, inputNames: [String] = [],
    accept: @escaping (LogTime?) -> Bool = { _ in true }
  ) {
    self.list = list
    self.maxListed = maxListed
    self.inputNames = inputNames
    self.accept = accept
  }

  private func entryIndex(_ domain: String) -> Int? {
    if let i = cache[domain] { return i < 0 ? nil : i }
    let i = list.matchIndex(domain)
    if cache.count < 100_000 { cache[domain] = i ?? -1 }
    return i
  }

  public func consume(_ event: MailEvent) {
    guard case .delivery(let d) = event, accept(d.time), !d.domain.isEmpty else { return }
    guard let index = entryIndex(d.domain) else { return }
    switch d.status {
    case .deferred:
      deferred[index, default: 0] += 1
      return
    case .bounced:
      bounced[index, default: 0] += 1
      return
    case .sent:
      break
    case .other:
      return
    }
    let entry = list.entries[index]
    guard d.isOutbound, entry.policy == .mandatory else { return }
    func violation() -> PartnerViolation {
      let source =
        !d.origin.logHost.isEmpty
        ? d.origin.logHost
        : (d.origin.input < inputNames.count ? inputNames[d.origin.input] : "")
      return PartnerViolation(
        time: d.time, queueID: d.messageID, domain: d.domain, organisation: entry.organisation,
        relay: d.relay, source: source)
    }
    switch d.protection {
    case .plaintext:
      definiteCount += 1
      if definite.count < maxListed { definite.append(violation()) }
    case .unproven(let key):
      var slot = pending[key] ?? (0, [])
      slot.count += 1
      if slot.listed.count < maxListed { slot.listed.append(violation()) }
      pending[key] = slot
    case .tls, .unknown:
      break
    }
  }

  /// Decides held deliveries with the evidence keys seen in the whole run (the
  /// aggregator's `evidence`). Call once, after the run.
  public func finish(evidence: Set<String>) {
    guard !finished else { return }
    finished = true
    var all = definite
    violationCount = definiteCount
    for (key, slot) in pending where evidence.contains(key) {
      violationCount += slot.count
      all += slot.listed
    }
    pending.removeAll()
    definite.removeAll()
    all.sort { a, b in
      switch (a.time, b.time) {
      case let (x?, y?) where x != y: return x < y
      case (nil, _?): return false
      case (_?, nil): return true
      default: return a.queueID < b.queueID
      }
    }
    violations = Array(all.prefix(maxListed))
  }
}

/// The partner section of a report: per organisation, partners vs non-partners.
public struct PartnerSummary {
  /// One organisation's figures.
  public struct Row {
    public let organisation: PartnerOrganisation
    /// Outbound deliveries to its domains (resolved).
    public var counts = CoverageCounts()
    /// Recipient domains seen in the logs that matched its entries.
    public var domainsSeen: [String] = []
    public var deferred = 0
    public var bounced = 0
    /// Plaintext deliveries to its mandatory entries.
    public var violations = 0
  }

  public let list: PartnerList
  public let rows: [Row]
  /// All deliveries to partner domains, and to every other domain.
  public let partners: CoverageCounts
  public let nonPartners: CoverageCounts
  /// Listed violations (bounded) and their total.
  public let violations: [PartnerViolation]
  public let violationCount: Int

  /// Combines the resolved coverage (call `coverage.finish()` first) with the tracker
  /// (finished here with the coverage's evidence); without a tracker, violations come
  /// from the coverage counts and none are listed.
  public init(list: PartnerList, coverage: CoverageAggregator, tracker: PartnerTracker?) {
    self.list = list
    let orgs = list.organisations
    var rowIndex: [String: Int] = [:]
    var rows = orgs.map { Row(organisation: $0) }
    for (i, o) in orgs.enumerated() { rowIndex[o.name.lowercased()] = i }
    var partners = CoverageCounts()
    var nonPartners = CoverageCounts()
    var plaintextToMandatory = 0
    for (domain, counts) in coverage.domains.sorted(by: { $0.key < $1.key }) {
      guard let entry = list.match(domain) else {
        nonPartners.merge(counts)
        continue
      }
      partners.merge(counts)
      let r = rowIndex[entry.organisation.lowercased()]!
      rows[r].counts.merge(counts)
      rows[r].domainsSeen.append(domain)
      if entry.policy == .mandatory {
        rows[r].violations += counts.plaintext
        plaintextToMandatory += counts.plaintext
      }
    }
    if let tracker {
      tracker.finish(evidence: coverage.evidence)
      for (i, e) in list.entries.enumerated() {
        let r = rowIndex[e.organisation.lowercased()]!
        rows[r].deferred += tracker.deferred[i] ?? 0
        rows[r].bounced += tracker.bounced[i] ?? 0
      }
      violations = tracker.violations
      violationCount = tracker.violationCount
    } else {
      violations = []
      violationCount = plaintextToMandatory
    }
    self.rows = rows
    self.partners = partners
    self.nonPartners = nonPartners
  }
}
