// ReportJSON.swift: the `mailtls report --format json` document (schema
// "mailtls.report/1"). Keys are stable and ordered; zero entries of by_version and
// by_trust are left out; percentages have four decimals and are null without a base.

import MailLogAnalysis
import MailLogKit
import MailLogModel

/// Renders ReportData as JSON.
public enum ReportJSON {
  public static func render(_ data: ReportData) -> String {
    document(data).serialized() + "\n"
  }

  public static func document(_ data: ReportData) -> JSONValue {
    let c = data.coverage
    var members: [(String, JSONValue)] = [
      ("schema", .string("mailtls.report/1")),
      ("inputs", .array(data.run.inputs.map(input))),
      (
        "period",
        .object([
          ("first", c.firstTime.map { .string(data.clock.iso8601($0)) } ?? .null),
          ("last", c.lastTime.map { .string(data.clock.iso8601($0)) } ?? .null),
        ])
      ),
      ("outbound", counts(c.outbound, detailed: true)),
      ("inbound", counts(c.inbound, detailed: true)),
      (
        "domains",
        .array(
          c.sortedDomains.map { name, counts in
            .object([("domain", .string(name))] + basic(counts))
          })
      ),
      (
        "sources",
        .array(
          c.sources.sorted { $0.key < $1.key }.map { name, pair in
            .object([
              ("source", .string(name)),
              ("outbound", .object(basic(pair.out))),
              ("inbound", .object(basic(pair.in))),
            ])
          })
      ),
      ("failures", data.failures),
    ]
    members += data.extraJSON
    members.append(("notes", .array(data.run.notes.map { .string($0) })))
    return .object(members)
  }

  static func basic(_ c: CoverageCounts) -> [(String, JSONValue)] {
    [
      ("delivered", .int(c.delivered)),
      ("tls", .int(c.tls)),
      ("plaintext", .int(c.plaintext)),
      ("unknown", .int(c.unknown)),
      ("tls_percent", .number(c.tlsPercent)),
    ]
  }

  /// A population's counts with versions, trust and unknown reasons.
  public static func counts(_ c: CoverageCounts, detailed: Bool) -> JSONValue {
    var m = basic(c)
    m.append(
      (
        "by_version",
        .object(
          Figures.versions.reversed().compactMap { v in
            let n = c.byVersion[v] ?? 0
            return n > 0 ? (v.rawValue, .int(n)) : nil
          })
      ))
    m.append(
      (
        "by_trust",
        .object(
          Figures.trusts.compactMap { t in
            let n = c.byTrust[t] ?? 0
            return n > 0 ? (t.rawValue, .int(n)) : nil
          })
      ))
    if detailed {
      m.append(
        (
          "unknown_reasons",
          .array(
            c.unknownReasons.sorted { $0.value > $1.value }.map {
              .object([("reason", .string($0.key)), ("count", .int($0.value))])
            })
        ))
    }
    return .object(m)
  }

  static func input(_ s: InputStats) -> JSONValue {
    var m: [(String, JSONValue)] = [
      ("name", .string(s.name)),
      ("format", .string(s.format)),
      ("lines", .int(s.lines)),
      ("parsed", .int(s.parsed)),
      ("skipped", .int(s.skipped)),
      ("bytes", .int(s.bytes)),
      ("compressed", .bool(s.compressed)),
      ("encoding", .string(s.encoding)),
      (
        "skipped_by_kind",
        .object(
          s.skippedByKind.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { ($0.key, .int($0.value)) })
      ),
    ]
    m.append(("warning", s.warning.map { .string($0) } ?? .null))
    return .object(m)
  }
}
