// HistoryFeature.swift: `report --db FILE`: keeps daily aggregates in a SQLite file and
// adds the 7- and 30-day trend and the changes since the day before to the report.
//
// Failures are stored per category as FailureClassifier puts them (T01-T17, non-tls).
// After the run, the days the run covers completely (HistoryPlan) replace the same days
// in the store, in one transaction; the trend is then read back from the store. If the
// database cannot be used (unwritable, locked past the busy timeout, other zone), the
// report is still written, says why, and the command exits 74 (alert). Test hook: with
// MAILTLS_TEST_HOLD_TRANSACTION=PATH the run creates PATH inside the transaction, just
// before the commit, and sleeps 60 s there (tests kill it to check crash safety).

import Foundation
import MailLogAnalysis
import MailLogKit
import MailLogModel
import MailLogReport

final class HistoryFeature: ReportFeature {
  static let specs = [
    OptionSpec(
      name: "db", short: nil, value: "FILE",
      help:
        "keep daily aggregates in this SQLite file (created if missing) and add the 7/30-day trend")
  ]

  /// Adds the option and the factory to `report`.
  static func register() {
    ReportCommand.featureSpecs += specs
    ReportCommand.featureFactories.append(make)
  }

  /// The feature when --db is given.
  static func make(_ context: FeatureContext) throws -> ReportFeature? {
    guard let path = context.args.value("db") else { return nil }
    return HistoryFeature(path: path, context: context)
  }

  let path: String
  let context: FeatureContext
  let collector: HistoryCollector
  private var failure: String?

  init(path: String, context: FeatureContext) {
    self.path = path
    self.context = context
    collector = HistoryCollector(clock: context.run.clock, accept: context.coverage.inWindow) { d in
      FailureClassifier.shared.classify(
        reason: d.reason ?? "", detail: d.detail, dsn: d.dsn, mta: d.origin.mta
      ).category.rawValue
    }
  }

  var sink: EventSink? { collector }

  func contribute(_ data: inout ReportData) throws {
    let clock = context.run.clock
    let window = context.coverage.window
    let decisions = HistoryPlan.decide(
      inputFirst: collector.firstTime, inputLast: collector.lastTime, since: window.since,
      until: window.until, clock: clock)
    var section = HistorySection(database: path, decisions: decisions, trend: nil, clock: clock)
    do {
      let store = try HistoryStore(path: path, utc: clock.utc)
      let records = HistoryStore.records(
        decisions, coverage: context.coverage, collector: collector, clock: clock)
      let now = TimeWindow.currentTime().timeIntervalSince1970
      if !records.isEmpty {
        try store.replace(
          records, storedAt: clock.iso8601(now), inputs: context.run.inputNames,
          beforeCommit: HistoryFeature.testHold)
      }
      var reference = decisions.last(where: \.stored)?.day
      if reference == nil {
        let end = context.coverage.lastTime ?? collector.lastTime ?? now
        reference = try store.latestDay(atOrBefore: clock.day(end)).flatMap { CalendarDay($0) }
      }
      section.trend = try reference.map { try HistoryTrend(store: store, reference: $0) }
    } catch {
      failure = "history database \(path) not updated: \(error)"
      section.error = "\(error)"
    }
    data.extraJSON.append(("history", ReportTrend.json(section)))
    data.extraText.append((ReportTrend.title, ReportTrend.text(section)))
    data.extraHTML.append((ReportTrend.title, ReportTrend.html(section)))
  }

  func alert(_ data: ReportData) -> (ExitStatus, String)? {
    failure.map { (.ioError, $0) }
  }

  /// The crash-safety test hook (see the header).
  static func testHold() {
    guard let marker = ProcessInfo.processInfo.environment["MAILTLS_TEST_HOLD_TRANSACTION"] else {
      return
    }
    _ = FileManager.default.createFile(atPath: marker, contents: Data())
    sleep(60)
  }
}
