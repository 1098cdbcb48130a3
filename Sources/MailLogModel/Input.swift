// Input.swift: per-input bookkeeping shared by every parser: line counts, what was not
// understood (counted by kind, a few escaped examples kept), and the parse context
// (input index, clock, year tracker, sink). Never fails.

import Foundation
import MailLogKit

/// Line counts and problems of one input, reported under `inputs` in JSON.
public struct InputStats: Sendable {
  public var name: String
  public var format: String
  public var lines = 0
  public var parsed = 0
  public var skipped: Int { lines - parsed }
  /// Skipped lines counted by program or kind (e.g. `postfix/postscreen`, `not a log line`).
  public var skippedByKind: [String: Int] = [:]
  /// A few skipped lines, for the summary (kept short).
  public var samples: [String] = []
  public var overlongLines = 0
  public var bytes = 0
  public var encoding = "utf8"
  public var compressed = false
  public var warning: String?
  /// Log hosts seen in this input.
  public var logHosts: Set<String> = []

  public init(name: String, format: String) {
    self.name = name
    self.format = format
  }

  /// Counts a line that was not used, under `kind`, keeping up to 5 examples.
  public mutating func skip(_ kind: String, line: Bytes) {
    skippedByKind[kind, default: 0] += 1
    if samples.count < 5 { samples.append(String(line.string(0, 300))) }
  }
}

/// Everything a parser needs besides the line.
public final class ParseContext {
  public let input: Int
  public let clock: LocalClock
  public let years: YearTracker
  public let sink: EventSink
  public let run: RunState
  /// The input's display name.
  public let name: String

  public init(
    input: Int, name: String, clock: LocalClock, years: YearTracker, sink: EventSink,
    run: RunState
  ) {
    self.input = input
    self.name = name
    self.clock = clock
    self.years = years
    self.sink = sink
    self.run = run
  }
}

/// A streaming parser for one log format. One instance per input.
public protocol LogParser: AnyObject {
  /// Counts and problems so far.
  var stats: InputStats { get }
  /// Takes one line (no line terminator).
  /// - Warning: the bytes are valid only during the call.
  func parse(_ line: Bytes)
  /// Called once after the last line: flush pending state.
  func finish()
  /// Whether this parser can take over the next input of the same format, keeping its
  /// in-flight state (open sessions, queued messages), so that correlation holds across
  /// rotated files. LogRun then calls `finish` only once, after the last input.
  var continuesAcrossInputs: Bool { get }
  /// Switches to the next input: new context (input index, name, year tracker), fresh
  /// stats, in-flight state kept. Only called when `continuesAcrossInputs` is true.
  func continueWith(_ context: ParseContext)
}

extension LogParser {
  public var continuesAcrossInputs: Bool { false }
  public func continueWith(_ context: ParseContext) {}
}

/// State shared by the parsers of one run (all inputs): formats whose facts are spread
/// over several files (Exchange tracking + protocol logs) join them here, and may
/// register a finisher that runs after the last input, before reports are built.
public final class RunState {
  /// Per-format shared objects, keyed by a name the format chooses.
  public var shared: [String: AnyObject] = [:]
  /// Called once, in registration order, after every input has been parsed.
  public var finishers: [() -> Void] = []
  /// Explanations for unknown figures, e.g. "enable protocol logging on the send connector".
  public var notes: [String] = []

  public init() {}

  /// Runs and clears the finishers.
  public func finish() {
    let f = finishers
    finishers = []
    for finisher in f { finisher() }
  }
}

extension Address {
  /// Byte-level `isLoopback` for an address inside a log line (no String made):
  /// 127.0.0.0/8, `::1`, `::ffff:127.x` (any case).
  public static func isLoopback(_ b: Bytes, _ r: Range<Int>) -> Bool {
    let s = r.lowerBound
    if b.has("127.", at: s) { return true }
    if r.count == 3 && b.has("::1", at: s) { return true }
    let prefix: StaticString = "::ffff:127."
    let n = prefix.utf8CodeUnitCount
    guard s + n <= r.upperBound else { return false }
    for k in 0..<n where b[s + k] | 0x20 != prefix.utf8Start[k] { return false }
    return true
  }

  /// Byte-level `isIP`: only hex digits, dots and colons, with three dots (IPv4) or at
  /// least two colons (IPv6).
  public static func isIP(_ b: Bytes, _ r: Range<Int>) -> Bool {
    guard !r.isEmpty else { return false }
    var dots = 0
    var colons = 0
    for i in r {
      let c = b[i]
      if c == ASCII.dot { dots += 1 } else if c == ASCII.colon { colons += 1 }
      else if !(ASCII.isDigit(c) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66)) { return false }
    }
    return dots == 3 || colons >= 2
  }
}
