// ReportData.swift: everything a `report` renderer needs, gathered by the CLI.
//
// Renderers (ReportJSON, ReportText, and later HTML) read this and never touch logs.
// Features that add sections (failure clusters, partners, trends) put their JSON
// members in `extraJSON` and their text blocks in `extraText`, in display order.

import MailLogAnalysis
import MailLogKit
import MailLogModel

/// The inputs of a coverage report.
public struct ReportData {
  public var coverage: CoverageAggregator
  public var run: RunResult
  /// The `failures` object (totals, by_status, ndrs, clusters).
  public var failures: JSONValue
  /// Text lines for the failures section of the text report.
  public var failureText: [String]
  public var clock: LocalClock
  /// Extra top-level JSON members, after the standard ones.
  public var extraJSON: [(String, JSONValue)] = []
  /// Extra headline lines, shown right under the outbound/inbound headline.
  public var extraHeadlines: [String] = []
  /// Extra text sections: (title, lines).
  public var extraText: [(String, [String])] = []
  /// Extra HTML sections: (title, HTML fragment already escaped).
  public var extraHTML: [(String, String)] = []
  /// How many domains to list in the text report.
  public var topDomains = 15

  public init(
    coverage: CoverageAggregator, run: RunResult, failures: JSONValue, failureText: [String],
    clock: LocalClock
  ) {
    self.coverage = coverage
    self.run = run
    self.failures = failures
    self.failureText = failureText
    self.clock = clock
  }
}

/// Formatting helpers shared by renderers.
public enum Figures {
  /// `95.2%`, or `n/a` when there is no base.
  public static func percent(_ p: Double?) -> String {
    guard let p else { return "n/a" }
    let r = (p * 10).rounded() / 10
    return String(format1: r) + "%"
  }

  /// Version keys in display order.
  public static let versions: [TLSVersion] = [.v13, .v12, .v11, .v10, .ssl3, .unknown]
  /// Trust keys in display order.
  public static let trusts: [TLSTrust] = [.verified, .trusted, .untrusted, .anonymous, .unknown]
}

extension String {
  /// A number with one decimal, without Foundation formatting.
  public init(format1 value: Double) {
    let tenths = Int((value * 10).rounded())
    let sign = tenths < 0 ? "-" : ""
    let a = abs(tenths)
    self = "\(sign)\(a / 10).\(a % 10)"
  }
}
