// TemplateMiner.swift: groups failure texts the rules do not know into templates, in
// the manner of Drain (He et al., ICWS 2017; see reference/clustering.md), written
// for SMTP texts.
//
// A text is first MASKED: SMTP-aware patterns replace variable parts with one token
// each (<MSFTID> Microsoft `[server time id]` trailers, <URL>, <TS> timestamps, <DN>
// certificate names, <QID> queue ids, <EMAIL>, <HEX> ids, <IP> IPv4/IPv6, <HOST> host
// names, <ID> mixed letter/digit ids, <NUM> numbers) while enhanced status codes
// (`5.7.1`), SMTP reply codes (`550`), OpenSSL codes and errno values (`(-37)`) stay
// as they are: they carry the cause. Then a fixed-depth prefix tree per PARTITION
// (the caller's key, e.g. category plus enhanced code, so unrelated causes can never
// merge) routes the tokens by token count and leading tokens to a leaf, whose
// templates are compared by the share of equal tokens; above the threshold the text
// joins the best template (differing positions become `<*>`), else it starts a new
// one. Texts naming different enhanced status codes or OpenSSL codes always go to
// separate partitions: that is the remedy reference/clustering.md gives for Drain
// merging distinct OpenSSL reasons. Cost per text is bounded by the tree depth and
// leaf size.
//
// Memory is bounded: at most `maxClusters` templates (later texts join the closest
// template of their leaf, or one catch-all per partition) and `maxTokens` tokens per
// text. Nothing here fails.

import Foundation
import MailLogKit

/// Online template mining for failure texts.
public final class TemplateMiner {
  /// Tuning knobs; the defaults suit short bounce reasons.
  public struct Config: Sendable {
    /// Share of equal tokens (wildcards not counted) needed to join a template.
    public var similarity = 0.6
    /// Leading tokens used to route a text in the tree.
    public var prefixTokens = 2
    /// Children per tree node before new tokens go to the wildcard child.
    public var maxChildren = 100
    /// Templates kept in total.
    public var maxClusters = 1000
    /// Tokens kept per text (the rest is dropped).
    public var maxTokens = 64

    public init() {}
  }

  /// The wildcard token of templates.
  public static let wildcard = "<*>"

  private final class Node {
    var children: [String: Node] = [:]
    var clusters: [Int] = []
  }

  private struct Cluster {
    var tokens: [String]
    var count: Int
  }

  private let config: Config
  private var roots: [String: Node] = [:]
  private var clusters: [Cluster] = []
  private var overflow: [String: Int] = [:]

  public init(config: Config = Config()) { self.config = config }

  /// Number of templates so far.
  public var templateCount: Int { clusters.count }

  /// Adds one text; returns the id of the template it joined or started. Ids are
  /// stable for the life of the miner; the template text may still widen.
  public func add(_ text: String, partition callerPartition: String = "") -> Int {
    let masked = TemplateMiner.mask(text)
    // Texts that name different status or OpenSSL codes never share a template,
    // however many other words they share.
    var partition = callerPartition
    let codes =
      TemplateMiner.codePattern.map { $0.allMatches(in: masked).compactMap { $0[0] } } ?? []
    if !codes.isEmpty { partition += "|" + Set(codes).sorted().joined(separator: ",") }
    var tokens = masked.split(separator: " ").map(String.init)
    if tokens.count > config.maxTokens { tokens.removeLast(tokens.count - config.maxTokens) }
    if tokens.isEmpty { tokens = [""] }
    let leaf = self.leaf(for: tokens, partition: partition)
    if let (id, sim) = best(in: leaf, tokens),
      sim >= config.similarity || clusters.count >= config.maxClusters
    {
      merge(id, tokens)
      return id
    }
    if clusters.count >= config.maxClusters {
      if let id = overflow[partition] {
        clusters[id].count += 1
        return id
      }
      clusters.append(Cluster(tokens: [TemplateMiner.wildcard], count: 1))
      overflow[partition] = clusters.count - 1
      return clusters.count - 1
    }
    clusters.append(Cluster(tokens: tokens, count: 1))
    leaf.clusters.append(clusters.count - 1)
    return clusters.count - 1
  }

  /// The template text of `id` (tokens joined by spaces), "" for an unknown id.
  public func template(_ id: Int) -> String {
    guard clusters.indices.contains(id) else { return "" }
    return clusters[id].tokens.joined(separator: " ")
  }

  /// How many texts joined template `id`.
  public func count(_ id: Int) -> Int {
    clusters.indices.contains(id) ? clusters[id].count : 0
  }

  private func leaf(for tokens: [String], partition: String) -> Node {
    let root: Node
    if let r = roots[partition] {
      root = r
    } else {
      root = Node()
      roots[partition] = root
    }
    var node = child(of: root, String(tokens.count))
    for token in tokens.prefix(config.prefixTokens) {
      let key = token.contains(where: \.isNumber) ? TemplateMiner.wildcard : token
      node = child(of: node, key)
    }
    return node
  }

  private func child(of node: Node, _ key: String) -> Node {
    if let c = node.children[key] { return c }
    let k = node.children.count < config.maxChildren ? key : TemplateMiner.wildcard
    if let c = node.children[k] { return c }
    let c = Node()
    node.children[k] = c
    return c
  }

  /// The most similar template in the leaf; ties go to the one with more wildcards.
  private func best(in leaf: Node, _ tokens: [String]) -> (Int, Double)? {
    var best: (id: Int, sim: Double, params: Int)?
    for id in leaf.clusters {
      let t = clusters[id].tokens
      guard t.count == tokens.count else { continue }
      var same = 0
      var params = 0
      for (a, b) in zip(t, tokens) {
        if a == TemplateMiner.wildcard { params += 1 } else if a == b { same += 1 }
      }
      let sim = Double(same) / Double(t.count)
      if best == nil || sim > best!.sim || (sim == best!.sim && params > best!.params) {
        best = (id, sim, params)
      }
    }
    return best.map { ($0.id, $0.sim) }
  }

  private func merge(_ id: Int, _ tokens: [String]) {
    clusters[id].count += 1
    guard clusters[id].tokens.count == tokens.count else { return }
    for i in tokens.indices where clusters[id].tokens[i] != tokens[i] {
      clusters[id].tokens[i] = TemplateMiner.wildcard
    }
  }

  // MARK: - Masking

  /// Masks, in order: the most specific shapes first (trailers, URLs, timestamps,
  /// DNs, ids, addresses), then IPs (after timestamps, which look like IPv6), host
  /// names, ids and plain numbers. Status codes, reply codes, OpenSSL codes, ports
  /// and errno values are never touched.
  static let masks: [(Regex, String)] = {
    let table: [(String, String, Bool)] = [
      // Microsoft `[SERVER 2024-02-07T06:05:06.240Z 08DC26C880F9AD9D]` and `[X.prod.outlook.com]`.
      (
        #"\[[A-Za-z0-9][A-Za-z0-9.\-]* \d{4}-\d\d-\d\dT[\d:.]+Z(?: [0-9A-Fa-f]{16})?\]"#,
        "<MSFTID>", false
      ),
      (#"\[[A-Za-z0-9]+(?:\.[A-Za-z0-9\-]+)*\.outlook\.com\]"#, "<MSFTID>", true),
      (#"\b[0-9a-z]{6,}(?:\.\d+)? - gsmtp\b"#, "<ID> - gsmtp", false),
      (#"\b(?:https?|ftp)://[^\s)>\]'"]+"#, "<URL>", true),
      (#"\b\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?"#, "<TS>", false),
      (#"\b\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d\d(?::\d\d)?(?: [AP]M)?"#, "<TS>", false),
      (#"\b\d{4}/\d{1,2}/\d{1,2}\b"#, "<TS>", false),
      (#"(?<![:\w])\d{1,2}:\d\d:\d\d(?:\.\d+)?(?: [AP]M)?(?![:\w])"#, "<TS>", false),
      (
        #"(?:/(?:C|ST|L|O|OU|CN|emailAddress|DC|serialNumber|street|postalCode)=[^/"\]]*)+"#,
        "<DN>", false
      ),
      (#"\bCN=[^\s,\]"]+"#, "<DN>", false),
      (
        #"\b[0-9A-Za-z]{6}-(?:[0-9A-Za-z]{6}-[0-9A-Za-z]{2}|[0-9A-Za-z]{11}-[0-9A-Za-z]{4})\b"#,
        "<QID>", false
      ),
      (#"(?<=queued as )[0-9A-Za-z]+"#, "<QID>", true),
      (
        #"<?[A-Za-z0-9._%+=/'!#$&*?^{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9.\-]*[A-Za-z0-9])?>?"#,
        "<EMAIL>", false
      ),
      (#"\b(?:[0-9A-Fa-f]{16}|[0-9A-Fa-f]{32,64})\b"#, "<HEX>", false),
      (
        #"(?:(?<=IPv6:)|(?<![0-9A-Za-z:.]))(?:[0-9A-Fa-f]{1,4}:){1,7}(?::|(?::[0-9A-Fa-f]{1,4}){1,7}|[0-9A-Fa-f]{1,4})(?![0-9A-Za-z:])"#,
        "<IP>", false
      ),
      (#"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.]?\d)"#, "<IP>", false),
      (
        #"(?<![\w.\-@])(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9\-]{0,61}[A-Za-z](?![\w\-])(?!\.\w)"#,
        "<HOST>", false
      ),
      (#"(?<![\w<])(?=[A-Za-z]*\d)(?=\d*[A-Za-z])[A-Za-z0-9]{10,}(?![\w>])"#, "<ID>", false),
      (#"(?<![\w.:\-<])(?<!defer \()(?![2-5]\d\d(?!\d))\d+(?![\w.\->])"#, "<NUM>", false),
      (#"\s+"#, " ", false),
    ]
    var out: [(Regex, String)] = []
    for (pattern, replacement, caseless) in table {
      // Fixed patterns, each exercised by the tests; a failure would only skip a mask.
      if let r = try? Regex(pattern, caseless: caseless) { out.append((r, replacement)) }
    }
    return out
  }()

  /// Enhanced status codes and OpenSSL error codes: they name the cause.
  static let codePattern = try? Regex(
    #"(?<![\w.])[245]\.\d{1,3}\.\d{1,3}(?!\d|\.\d)|error:[0-9A-Fa-f]{8}"#)

  /// `text` with its variable parts replaced by mask tokens (see the file header).
  public static func mask(_ text: String) -> String {
    var t = text
    for (regex, replacement) in masks { t = regex.replacingMatches(in: t, with: replacement) }
    return t.trimmingCharacters(in: .whitespaces)
  }
}
