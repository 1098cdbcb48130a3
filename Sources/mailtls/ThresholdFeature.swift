// ThresholdFeature.swift: `report --fail-under PCT`: exits 1 (ExitStatus
// .thresholdOrNoMatch) with a one-line reason on stderr when outbound TLS coverage is
// under PCT percent, so cron and systemd can alert on the nightly run. No outbound
// delivery with a known TLS state (no base for the percentage) also counts as a
// breach: an empty or unreadable log must not pass silently. The report is still
// written in full and names the threshold. Cannot fail beyond a usage error for PCT.

import MailLogAnalysis
import MailLogKit
import MailLogModel
import MailLogReport

struct ThresholdFeature: ReportFeature {
  static let specs = [
    OptionSpec(
      name: "fail-under", short: nil, value: "PCT",
      help: "exit 1 when outbound TLS coverage is under PCT percent (or has no base)")
  ]

  /// Adds the option and the factory to `report`.
  static func register() {
    ReportCommand.featureSpecs += specs
    ReportCommand.featureFactories.append(make)
  }

  /// The feature when --fail-under is given.
  static func make(_ context: FeatureContext) throws -> ReportFeature? {
    guard let pct = try context.args.double("fail-under", in: 0...100) else { return nil }
    return ThresholdFeature(minimum: pct)
  }

  let minimum: Double

  var sink: EventSink? { nil }

  func contribute(_ data: inout ReportData) throws {
    let p = data.coverage.outbound.tlsPercent
    let line = verdict(p)
    data.extraJSON.append(
      (
        "threshold",
        .object([
          ("fail_under", .number(minimum)), ("outbound_tls_percent", .number(p)),
          ("breached", .bool(breached(p))),
        ])
      ))
    data.extraText.append(("Threshold", ["  " + line]))
    data.extraHTML.append(
      (
        "Threshold",
        ReportHTML.paragraph(
          breached(p)
            ? "<b style=\"color:\(ReportHTML.Colour.plaintext);\">\(Escape.html(line))</b>"
            : Escape.html(line))
      ))
  }

  func alert(_ data: ReportData) -> (ExitStatus, String)? {
    let p = data.coverage.outbound.tlsPercent
    return breached(p) ? (.thresholdOrNoMatch, verdict(p)) : nil
  }

  func breached(_ p: Double?) -> Bool { p.map { $0 < minimum } ?? true }

  /// One line: the coverage against the threshold, with two decimals so a value just
  /// under the threshold never prints as equal to it.
  func verdict(_ p: Double?) -> String {
    let limit = ThresholdFeature.format(minimum)
    guard let p else {
      return
        "no outbound delivery with a known TLS state (TLS or plaintext), so --fail-under \(limit)% is not met"
    }
    let value = ThresholdFeature.format(p)
    return p < minimum
      ? "outbound TLS coverage \(value)% is under --fail-under \(limit)%"
      : "outbound TLS coverage \(value)% meets --fail-under \(limit)%"
  }

  /// A percentage with up to two decimals (`95`, `88.46`), rounded down so that a
  /// value under the threshold never prints as the threshold.
  static func format(_ v: Double) -> String {
    let hundredths = Int((v * 100).rounded(.down))
    let whole = hundredths / 100
    let frac = hundredths % 100
    if frac == 0 { return String(whole) }
    return frac % 10 == 0 ? "\(whole).\(frac / 10)" : "\(whole).\(frac < 10 ? "0" : "")\(frac)"
  }
}
