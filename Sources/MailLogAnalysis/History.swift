// History.swift: daily aggregates kept in SQLite (`report --db FILE`) for trends.
//
// Per calendar day (in the report clock's zone) the store keeps TLS coverage per
// direction and recipient domain (inbound under domain ''), TLS versions and trust per
// (direction, domain), and failures per (domain, status, category). A run replaces
// each day it covers completely, all in one transaction: re-running a day never
// double-counts, and a crash mid-run leaves the previous state (WAL journal). Which
// days a run may store is decided by `HistoryPlan` (days cut by the window, or covered
// by the input only in part, are left alone). Afterwards the store is read back for the
// 7- and 30-day trend and the changes against the previous day (`HistoryTrend`).
//
// Failures: SQLite errors are thrown as `SQLiteError` (the CLI reports them and still
// prints the report); a database written with the other zone setting (--utc or not)
// is refused with `HistoryError`. Memory: one row per (day, domain) of the run.

import Foundation
import MailLogKit
import MailLogModel

/// A history database that cannot be used by this run.
public struct HistoryError: Error, CustomStringConvertible {
  public let description: String
}

/// Collects what history needs beyond the CoverageAggregator: failures per day and
/// the time span of the whole input (every timestamp, window or not).
public final class HistoryCollector: EventSink {
  /// Failure key: day, recipient domain, status, category.
  public struct FailureKey: Hashable {
    public var day: String
    public var domain: String
    public var status: String
    public var category: String
  }

  /// Failures in the window, per key.
  public private(set) var failures: [FailureKey: Int] = [:]
  /// Earliest and latest timestamp of any line of the input.
  public private(set) var firstTime: LogTime?
  public private(set) var lastTime: LogTime?
  private let clock: LocalClock
  private let accept: (LogTime?) -> Bool
  private let classify: (DeliveryEvent) -> String

  /// - Parameters:
  ///   - accept: the report window filter.
  ///   - classify: failure category of a deferred or bounced delivery; "unclassified"
  ///     until the bounce classifier is wired in.
  public init(
    clock: LocalClock, accept: @escaping (LogTime?) -> Bool,
    classify: @escaping (DeliveryEvent) -> String = { _ in "unclassified" }
  ) {
    self.clock = clock
    self.accept = accept
    self.classify = classify
  }

  public func consume(_ event: MailEvent) {
    if let t = event.eventTime {
      if firstTime == nil || t < firstTime! { firstTime = t }
      if lastTime == nil || t > lastTime! { lastTime = t }
    }
    guard case .delivery(let d) = event, d.status == .deferred || d.status == .bounced,
      let t = d.time, accept(t)
    else { return }
    let key = FailureKey(
      day: clock.day(t), domain: d.domain, status: d.status.rawValue, category: classify(d))
    failures[key, default: 0] += 1
  }
}

/// Whether one day of the input may be stored, and how much of it the input covers.
public struct DayDecision: Equatable {
  public var day: CalendarDay
  public var stored: Bool
  /// Why the day is not stored.
  public var reason: String?
  /// Set when the input starts inside the day (the day may lack its first hours).
  public var inputFrom: LogTime?
  /// Set when the input ends inside the day.
  public var inputUntil: LogTime?
}

/// Decides which days a run stores.
public enum HistoryPlan {
  /// Most days one run considers (ten years); a safety limit, not a feature.
  public static let maxDays = 3660

  /// The days from the later of (input start, window start) to the earlier of (input
  /// end, window end). A day is stored when neither window bound cuts it and each of
  /// its ends is either reached by the input (lines before its midnight / lines of the
  /// next day) or named exactly by the window (`--since` at its midnight, `--until` at
  /// the next midnight). So `--since yesterday --until today` stores yesterday, while
  /// the input's first and last days, usually partial, are otherwise left alone (a
  /// generic `--since -30d` never overwrites a stored day with a partial one).
  public static func decide(
    inputFirst: LogTime?, inputLast: LogTime?, since: LogTime?, until: LogTime?,
    clock: LocalClock
  ) -> [DayDecision] {
    guard let first = inputFirst, let last = inputLast else { return [] }
    let lo = max(first, since ?? first)
    let hi = min(last, (until ?? .infinity) - 0.001)
    guard lo <= hi else { return [] }
    var out: [DayDecision] = []
    var day = CalendarDay(lo, clock: clock)
    let lastDay = CalendarDay(hi, clock: clock)
    while day <= lastDay && out.count < maxDays {
      defer { day = day.next }
      guard let (start, end) = day.bounds(clock) else { continue }
      var d = DayDecision(day: day, stored: true)
      if let since, since > start {
        d.stored = false
        d.reason = "the --since time is inside this day"
      } else if let until, until < end {
        d.stored = false
        d.reason = "the --until time is inside this day"
      } else if first > start && since != start {
        d.stored = false
        d.reason =
          "the input starts inside this day, at \(clock.iso8601(first)) (give the older rotated log too, or --since \(day) to store it anyway)"
      } else if last < end && until != end {
        d.stored = false
        d.reason =
          "the input ends inside this day, at \(clock.iso8601(last)) (give --until \(day.next) to store it anyway)"
      }
      if d.stored {
        if first > start { d.inputFrom = first }
        if last < end { d.inputUntil = last }
      }
      out.append(d)
    }
    return out
  }
}

/// TLS counts of one population on one day, as stored.
public struct StoredCounts: Equatable, Sendable {
  public var tls = 0
  public var plaintext = 0
  public var unknown = 0

  public init(tls: Int = 0, plaintext: Int = 0, unknown: Int = 0) {
    self.tls = tls
    self.plaintext = plaintext
    self.unknown = unknown
  }

  public var delivered: Int { tls + plaintext + unknown }

  /// 100 * tls / (tls + plaintext); nil when both are 0.
  public var tlsPercent: Double? {
    tls + plaintext == 0 ? nil : 100.0 * Double(tls) / Double(tls + plaintext)
  }

  public static func + (a: StoredCounts, b: StoredCounts) -> StoredCounts {
    StoredCounts(
      tls: a.tls + b.tls, plaintext: a.plaintext + b.plaintext, unknown: a.unknown + b.unknown)
  }
}

/// The totals of one stored day.
public struct DayTotals: Equatable, Sendable {
  public var day: String
  public var outbound = StoredCounts()
  public var inbound = StoredCounts()
  public var failures = 0
}

/// The SQLite file of daily aggregates.
public final class HistoryStore {
  public let path: String
  private let db: SQLiteDatabase
  static let schemaVersion = "1"

  /// Opens or creates the store; `utc` is the zone of its days and must match the
  /// zone it was created with.
  /// - Throws: `SQLiteError` (cannot open, not a database), `HistoryError` (zone or
  ///   newer schema).
  public init(path: String, utc: Bool) throws {
    self.path = path
    db = try SQLiteDatabase(path: path)
    try db.exec("PRAGMA journal_mode=WAL")
    try db.exec("PRAGMA synchronous=FULL")
    try db.transaction {
      try db.exec(
        """
        CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS days(
          day TEXT PRIMARY KEY, stored_at TEXT NOT NULL,
          input_from TEXT, input_until TEXT, inputs TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS coverage(
          day TEXT NOT NULL, direction TEXT NOT NULL, domain TEXT NOT NULL,
          tls INTEGER NOT NULL, plaintext INTEGER NOT NULL, unknown INTEGER NOT NULL,
          PRIMARY KEY(day, direction, domain));
        CREATE TABLE IF NOT EXISTS tls_versions(
          day TEXT NOT NULL, direction TEXT NOT NULL, domain TEXT NOT NULL,
          version TEXT NOT NULL, count INTEGER NOT NULL,
          PRIMARY KEY(day, direction, domain, version));
        CREATE TABLE IF NOT EXISTS tls_trust(
          day TEXT NOT NULL, direction TEXT NOT NULL, domain TEXT NOT NULL,
          trust TEXT NOT NULL, count INTEGER NOT NULL,
          PRIMARY KEY(day, direction, domain, trust));
        CREATE TABLE IF NOT EXISTS failures(
          day TEXT NOT NULL, domain TEXT NOT NULL, status TEXT NOT NULL,
          category TEXT NOT NULL DEFAULT 'unclassified', count INTEGER NOT NULL,
          PRIMARY KEY(day, domain, status, category));
        """)
      let zone = utc ? "utc" : "local"
      let meta = Dictionary(
        try db.rows("SELECT key, value FROM meta").compactMap { row -> (String, String)? in
          guard case .text(let k) = row[0], case .text(let v) = row[1] else { return nil }
          return (k, v)
        }, uniquingKeysWith: { a, _ in a })
      if let v = meta["schema_version"], v != HistoryStore.schemaVersion {
        throw HistoryError(
          description:
            "\(path) has history schema \(v); this mailtls reads schema \(HistoryStore.schemaVersion)"
        )
      }
      if let z = meta["zone"], z != zone {
        throw HistoryError(
          description:
            "\(path) keeps \(z == "utc" ? "UTC" : "local-time") days; run \(z == "utc" ? "with" : "without") --utc, or use another --db"
        )
      }
      try db.run(
        "INSERT OR IGNORE INTO meta VALUES('schema_version', ?)",
        [.text(HistoryStore.schemaVersion)])
      try db.run("INSERT OR IGNORE INTO meta VALUES('zone', ?)", [.text(zone)])
    }
  }

  /// One day's rows, as a run stores them.
  public struct DayRecord {
    public var day: String
    public var outbound: [String: CoverageCounts] = [:]
    public var inbound = CoverageCounts()
    public var failures: [(domain: String, status: String, category: String, count: Int)] = []
    /// ISO 8601 times of the input's start / end when they fall inside the day.
    public var inputFrom: String?
    public var inputUntil: String?

    public init(day: String) { self.day = day }
  }

  /// Builds the records of the stored days from a finished run.
  public static func records(
    _ decisions: [DayDecision], coverage: CoverageAggregator, collector: HistoryCollector,
    clock: LocalClock
  ) -> [DayRecord] {
    var byDay: [String: [(String, String, String, Int)]] = [:]
    for (k, n) in collector.failures {
      byDay[k.day, default: []].append((k.domain, k.status, k.category, n))
    }
    return decisions.filter(\.stored).map { d in
      let day = d.day.description
      var r = DayRecord(day: day)
      r.outbound = coverage.dayDomains[day] ?? [:]
      r.inbound = coverage.days[day]?.in ?? CoverageCounts()
      r.failures = (byDay[day] ?? []).sorted { ($0.0, $0.1, $0.2) < ($1.0, $1.1, $1.2) }.map {
        (domain: $0.0, status: $0.1, category: $0.2, count: $0.3)
      }
      r.inputFrom = d.inputFrom.map(clock.iso8601)
      r.inputUntil = d.inputUntil.map(clock.iso8601)
      return r
    }
  }

  /// Replaces the given days in one transaction. `beforeCommit` runs inside the
  /// transaction after every row is written (a test hook).
  public func replace(
    _ records: [DayRecord], storedAt: String, inputs: [String], beforeCommit: () -> Void = {}
  ) throws {
    let inputsJSON = JSONValue.array(inputs.map { .string($0) }).serialized(indent: 0)
    try db.transaction {
      let deletes = try ["days", "coverage", "tls_versions", "tls_trust", "failures"].map {
        try db.prepare("DELETE FROM \($0) WHERE day = ?")
      }
      let insDay = try db.prepare("INSERT INTO days VALUES(?, ?, ?, ?, ?)")
      let insCov = try db.prepare("INSERT INTO coverage VALUES(?, ?, ?, ?, ?, ?)")
      let insVer = try db.prepare("INSERT INTO tls_versions VALUES(?, ?, ?, ?, ?)")
      let insTrust = try db.prepare("INSERT INTO tls_trust VALUES(?, ?, ?, ?, ?)")
      let insFail = try db.prepare("INSERT INTO failures VALUES(?, ?, ?, ?, ?)")
      func exec(_ s: SQLiteStatement, _ v: [SQLiteValue]) throws {
        try s.bind(v)
        while try s.step() {}
      }
      for r in records {
        let day = SQLiteValue.text(r.day)
        for s in deletes { try exec(s, [day]) }
        try exec(
          insDay,
          [
            day, .text(storedAt), r.inputFrom.map { .text($0) } ?? .null,
            r.inputUntil.map { .text($0) } ?? .null, .text(inputsJSON),
          ])
        var populations = r.outbound.sorted { $0.key < $1.key }.map {
          ("outbound", $0.key, $0.value)
        }
        if r.inbound.delivered > 0 { populations.append(("inbound", "", r.inbound)) }
        for (direction, domain, c) in populations {
          let key: [SQLiteValue] = [day, .text(direction), .text(domain)]
          try exec(insCov, key + [.int(c.tls), .int(c.plaintext), .int(c.unknown)])
          for (v, n) in c.byVersion where n > 0 {
            try exec(insVer, key + [.text(v.rawValue), .int(n)])
          }
          for (t, n) in c.byTrust where n > 0 {
            try exec(insTrust, key + [.text(t.rawValue), .int(n)])
          }
        }
        for f in r.failures {
          try exec(
            insFail, [day, .text(f.domain), .text(f.status), .text(f.category), .int(f.count)])
        }
      }
      beforeCommit()
    }
  }

  /// Totals of the stored days in `from...through` (YYYY-MM-DD), by day.
  public func totals(from: String, through: String) throws -> [String: DayTotals] {
    var out: [String: DayTotals] = [:]
    let range: [SQLiteValue] = [.text(from), .text(through)]
    for row in try db.rows("SELECT day FROM days WHERE day BETWEEN ? AND ?", range) {
      if case .text(let d) = row[0] { out[d] = DayTotals(day: d) }
    }
    let cov = try db.prepare(
      "SELECT day, direction, SUM(tls), SUM(plaintext), SUM(unknown) FROM coverage WHERE day BETWEEN ? AND ? GROUP BY day, direction"
    )
    try cov.bind(range)
    while try cov.step() {
      guard let d = cov.text(0), out[d] != nil else { continue }
      let c = StoredCounts(tls: cov.int(2), plaintext: cov.int(3), unknown: cov.int(4))
      if cov.text(1) == "inbound" { out[d]!.inbound = c } else { out[d]!.outbound = c }
    }
    let fail = try db.prepare(
      "SELECT day, SUM(count) FROM failures WHERE day BETWEEN ? AND ? GROUP BY day")
    try fail.bind(range)
    while try fail.step() {
      if let d = fail.text(0), out[d] != nil { out[d]!.failures = fail.int(1) }
    }
    return out
  }

  /// The latest stored day at or before `day`, if any.
  public func latestDay(atOrBefore day: String) throws -> String? {
    let rows = try db.rows("SELECT MAX(day) FROM days WHERE day <= ?", [.text(day)])
    if case .text(let d)? = rows.first?.first { return d }
    return nil
  }

  /// Outbound counts per recipient domain on `day`.
  public func domains(on day: String) throws -> [String: StoredCounts] {
    var out: [String: StoredCounts] = [:]
    let s = try db.prepare(
      "SELECT domain, tls, plaintext, unknown FROM coverage WHERE day = ? AND direction = 'outbound'"
    )
    try s.bind([.text(day)])
    while try s.step() {
      out[s.text(0) ?? ""] = StoredCounts(tls: s.int(1), plaintext: s.int(2), unknown: s.int(3))
    }
    return out
  }

  /// Failure counts per category on `day`.
  public func failureCategories(on day: String) throws -> [String: Int] {
    var out: [String: Int] = [:]
    let s = try db.prepare(
      "SELECT category, SUM(count) FROM failures WHERE day = ? GROUP BY category")
    try s.bind([.text(day)])
    while try s.step() { out[s.text(0) ?? ""] = s.int(1) }
    return out
  }
}

/// The trend ending at a reference day, and what changed since the day before it.
public struct HistoryTrend {
  /// The last day of the trend (the newest day this run stored, or the newest stored
  /// day not after the report period).
  public let reference: CalendarDay
  /// The 30 days ending at `reference`, oldest first; nil where nothing is stored.
  public let days: [DayTotals?]
  public let changes: HistoryChanges?

  /// Sums of the last `n` days (n <= 30).
  public func summary(lastDays n: Int) -> (
    outbound: StoredCounts, inbound: StoredCounts, failures: Int, daysWithData: Int
  ) {
    let slice = days.suffix(n).compactMap { $0 }
    return (
      slice.reduce(StoredCounts()) { $0 + $1.outbound },
      slice.reduce(StoredCounts()) { $0 + $1.inbound },
      slice.reduce(0) { $0 + $1.failures }, slice.count
    )
  }

  /// Reads the trend ending at `reference` from `store`.
  public init(store: HistoryStore, reference: CalendarDay) throws {
    self.reference = reference
    let first = reference.adding(days: -29)
    let totals = try store.totals(from: first.description, through: reference.description)
    var list: [DayTotals?] = []
    var d = first
    for _ in 0..<30 {
      list.append(totals[d.description])
      d = d.next
    }
    days = list
    changes = try HistoryChanges(store: store, day: reference, totals: totals)
  }
}

/// What changed on a day compared with the calendar day before it.
public struct HistoryChanges {
  public let day: String
  public let previousDay: String
  /// Totals of the previous day and of the day.
  public let outbound: (before: StoredCounts, now: StoredCounts)
  public let inbound: (before: StoredCounts, now: StoredCounts)
  public let failures: (before: Int, now: Int)
  /// Domains with TLS and no plaintext the day before that received plaintext now.
  public let domainsLostTLS: [(domain: String, before: StoredCounts, now: StoredCounts)]
  /// Failure categories seen now and not the day before.
  public let newFailureCategories: [(category: String, count: Int)]

  /// nil when either day is not stored.
  init?(store: HistoryStore, day: CalendarDay, totals: [String: DayTotals]) throws {
    let prev = day.previous.description
    guard let now = totals[day.description], let before = totals[prev] else { return nil }
    self.day = day.description
    previousDay = prev
    outbound = (before.outbound, now.outbound)
    inbound = (before.inbound, now.inbound)
    failures = (before.failures, now.failures)
    let domNow = try store.domains(on: self.day)
    let domBefore = try store.domains(on: prev)
    domainsLostTLS = domNow.compactMap { name, c -> (String, StoredCounts, StoredCounts)? in
      guard c.plaintext > 0, let b = domBefore[name], b.tls > 0, b.plaintext == 0 else {
        return nil
      }
      return (name, b, c)
    }.sorted { $0.2.plaintext != $1.2.plaintext ? $0.2.plaintext > $1.2.plaintext : $0.0 < $1.0 }
      .map { (domain: $0.0, before: $0.1, now: $0.2) }
    let catNow = try store.failureCategories(on: self.day)
    let catBefore = try store.failureCategories(on: prev)
    newFailureCategories = catNow.filter { $0.value > 0 && (catBefore[$0.key] ?? 0) == 0 }
      .sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
      .map { (category: $0.key, count: $0.value) }
  }
}
