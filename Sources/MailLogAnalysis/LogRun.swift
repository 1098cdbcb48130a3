// LogRun.swift: drives a run: orders the inputs by the time of their content, opens
// each in turn, detects its format from its first lines (or takes --input-format),
// streams its lines through the parser into the sinks, and finishes shared state after
// the last input.
//
// Order: rotated files may be named in any order (`mail.log mail.log.1 mail.log.2.gz`);
// before the run each file is probed for its first timestamp (its first lines parsed
// with the detected parser into a throwaway sink, stopping at the first time seen) and
// files are read oldest first. Standard input is never probed and keeps its position;
// files without a timestamp (empty, unreadable, unknown format) follow the dated ones
// in the order given. `inputNames` and `RunResult.inputs` are in processing order.
//
// Failures: an input that cannot be opened is recorded in `openErrors` and skipped (the
// CLI exits 66 after reporting the rest); a damaged gzip stream or read error ends that
// input early with a warning in its stats. Memory: one read buffer, the detection
// buffer (`detectLines` lines, or up to `detectLimit` lines / `detectBytes` bytes when
// the first lines belong to no format), and the parsers' in-flight state; a probe holds
// the same for one input at a time.

import Foundation
import MailLogKit
import MailLogModel
import MailLogParsers

/// Options of one run.
public struct RunOptions {
  public var inputs: [String]
  /// Force every input to this format id (`postfix`, `exim`, `exchange`).
  public var format: String?
  /// Year of the first line for year-less timestamps.
  public var year: Int?
  public var utc: Bool
  public var chunkSize: Int
  public var maxLineLength: Int
  /// Called with (input name, bytes read so far) now and then, for progress.
  public var progress: ((String, Int) -> Void)?
  /// Read files oldest first by their first timestamp (false: in the order given).
  public var orderByContent = true
  /// Given an input's parser once its format is known, returns the function that takes
  /// that input's lines instead of `parser.parse` (trace skips lines early with it);
  /// nil, or a nil result, sends every line to the parser. Not used by probes.
  public var lineGate: ((LogParser, ParseContext) -> ((Bytes) -> Void)?)?

  public init(
    inputs: [String], format: String? = nil, year: Int? = nil, utc: Bool = false,
    chunkSize: Int = 1 << 20, maxLineLength: Int = 64 * 1024
  ) {
    self.inputs = inputs.isEmpty ? ["-"] : inputs
    self.format = format
    self.year = year
    self.utc = utc
    self.chunkSize = chunkSize
    self.maxLineLength = maxLineLength
  }
}

/// The outcome of reading all inputs.
public struct RunResult {
  public var inputs: [InputStats] = []
  public var openErrors: [String] = []
  public var notes: [String] = []

  public init() {}
}

/// Reads inputs into sinks.
public final class LogRun {
  public let options: RunOptions
  public let clock: LocalClock
  public let state = RunState()
  /// Lines buffered to detect a format.
  public let detectLines = 40
  /// When no format claims the first `detectLines` lines (a mail.log that opens with
  /// dovecot or rsyslogd lines), buffering goes on until a line is claimed, for at most
  /// this many lines or `detectBytes` bytes; then the input is `unknown`.
  public let detectLimit = 20_000
  public let detectBytes = 16 << 20

  public init(options: RunOptions) {
    self.options = options
    self.clock = LocalClock(utc: options.utc)
  }

  /// Input paths in processing order (files oldest first by content; see header).
  public private(set) lazy var orderedInputs: [String] =
    options.orderByContent ? InputOrder.sorted(options.inputs, firstTime: firstTimestamp) : options.inputs

  /// Display names of the inputs, in processing order.
  public var inputNames: [String] { orderedInputs.map { $0 == "-" ? "<stdin>" : $0 } }

  /// Reads every input into `sink`. `shouldStop` is polled between lines (for trace).
  public func run(sink: EventSink, shouldStop: () -> Bool = { false }) -> RunResult {
    var result = RunResult()
    // Parsers that carry state from one input to the next, by format id.
    var live: [String: LogParser] = [:]
    for (index, path) in orderedInputs.enumerated() {
      let input: ByteInput
      do {
        input = try ByteInput(path: path)
      } catch {
        result.openErrors.append("\(error)")
        var st = InputStats(name: path == "-" ? "<stdin>" : path, format: "unreadable")
        st.warning = "\(error)"
        result.inputs.append(st)
        continue
      }
      result.inputs.append(
        read(input, index: index, sink: sink, state: state, live: &live, shouldStop: shouldStop))
      if shouldStop() { break }
    }
    for parser in live.values { parser.finish() }
    live.removeAll()
    state.finish()
    result.notes = state.notes
    return result
  }

  /// The first timestamp of the file at `path`, or nil (stdin, unreadable, no time in
  /// the first `probeLines` lines). Parses into a throwaway sink and run state.
  public func firstTimestamp(_ path: String) -> LogTime? {
    guard path != "-", let input = try? ByteInput(path: path) else { return nil }
    let probe = FirstTimeSink()
    var lines = 0
    var live: [String: LogParser] = [:]
    _ = read(
      input, index: 0, sink: probe, state: RunState(), live: &live, progress: false, gated: false
    ) {
      lines += 1
      return probe.time != nil || lines > probeLines
    }
    return probe.time
  }

  /// Lines a probe reads at most before giving up on finding a timestamp.
  public let probeLines = 5000

  /// Streams one opened input through its parser into `sink`; returns its stats.
  private func read(
    _ input: ByteInput, index: Int, sink: EventSink, state: RunState,
    live: inout [String: LogParser], progress: Bool = true, gated: Bool = true,
    shouldStop: () -> Bool
  ) -> InputStats {
    let years = YearTracker(
      reference: input.modificationTime ?? Date(), forcedYear: options.year)
    let context = ParseContext(
      input: index, name: input.name, clock: clock, years: years, sink: sink, run: state)
    let reader = LineReader(
      input: input, chunkSize: options.chunkSize, maxLineLength: options.maxLineLength)
    let forced = options.format.flatMap { ParserRegistry.format(id: $0) }
    var parser: LogParser? = forced.map { make($0, context, &live) }
    // The parser's line consumer: the gate's when there is one (see RunOptions).
    func gate(_ p: LogParser) -> (Bytes) -> Void {
      (gated ? options.lineGate?(p, context) : nil) ?? p.parse
    }
    var feed: ((Bytes) -> Void)? = parser.map(gate)
    var pending: [[UInt8]] = []
    var pendingBytes = 0
    var sample: [String] = []
    var lastProgress = 0
    // Past the detection limit, lines are counted as unknown while each new line is still
    // sniffed, so a mail log that starts after a long run of other programs' lines is
    // still recognised (memory stays bounded: nothing is buffered any more).
    var skipper: UnknownFormatParser?
    reader.forEachLine { line in
      if let feed {
        feed(line)
      } else if let skipper {
        if !line.isEmpty, let format = ParserRegistry.detect([line.string(0, 2000)]) {
          parser = make(format, context, &live)
          feed = gate(parser!)
          feed!(line)
        } else {
          skipper.parse(line)
        }
      } else {
        // Detection: score the first `detectLines` non-empty lines; if they belong to no
        // format (a mail.log opening with other daemons' lines), keep looking line by
        // line, buffering up to `detectLimit` lines / `detectBytes` to parse them all from
        // the start; beyond that, see `skipper`.
        pending.append(Array(line))
        pendingBytes += line.count
        if sample.count < detectLines {
          if !line.isEmpty { sample.append(line.string(0, 2000)) }
          if sample.count == detectLines, let format = ParserRegistry.detect(sample) {
            parser = make(format, context, &live)
          }
        } else if !line.isEmpty, let format = ParserRegistry.detect([line.string(0, 2000)]) {
          parser = make(format, context, &live)
        } else if pending.count >= detectLimit || pendingBytes >= detectBytes {
          skipper = UnknownFormatParser(context: context)
          replay(&pending, into: skipper!.parse)
        }
        if let parser {
          feed = gate(parser)
          replay(&pending, into: feed!)
        }
      }
      if progress, let report = options.progress, reader.bytesRead - lastProgress > 64 << 20 {
        lastProgress = reader.bytesRead
        report(input.name, reader.bytesRead)
      }
      return !shouldStop()
    }
    if parser == nil && skipper == nil {
      parser = choose(sample, context, &live)
      replay(&pending, into: gate(parser!))
    }
    var stats: InputStats
    if let parser {
      if !parser.continuesAcrossInputs { parser.finish() }
      stats = parser.stats
      if let skipped = skipper?.stats {  // lines before the format was recognised
        stats.lines += skipped.lines
        stats.skippedByKind["before the first \(stats.format) line", default: 0] += skipped.lines
      }
    } else {
      stats = skipper!.stats
    }
    stats.bytes = reader.bytesRead
    stats.overlongLines = reader.overlongLines
    stats.lines += reader.overlongLines
    if reader.overlongLines > 0 {
      stats.skippedByKind["line longer than \(options.maxLineLength) bytes", default: 0] +=
        reader.overlongLines
    }
    stats.encoding = input.encoding.rawValue
    stats.compressed = input.compressed
    stats.warning = input.warning
    return stats
  }

  private func choose(
    _ sample: [String], _ context: ParseContext, _ live: inout [String: LogParser]
  ) -> LogParser {
    if let format = ParserRegistry.detect(sample) { return make(format, context, &live) }
    return UnknownFormatParser(context: context)
  }

  /// The parser for `format`: the live one of an earlier input when it carries state
  /// across inputs (rotated files), else a new one.
  private func make(
    _ format: LogFormat, _ context: ParseContext, _ live: inout [String: LogParser]
  ) -> LogParser {
    if let parser = live[format.id] {
      parser.continueWith(context)
      return parser
    }
    let parser = format.make(context)
    if parser.continuesAcrossInputs { live[format.id] = parser }
    return parser
  }

  private func replay(_ pending: inout [[UInt8]], into feed: (Bytes) -> Void) {
    for line in pending {
      line.withUnsafeBufferPointer { feed($0) }
    }
    pending.removeAll()
  }
}

/// Orders inputs by the time of their content.
public enum InputOrder {
  /// `inputs` with the files sorted oldest first by `firstTime` (stable); `-` (stdin)
  /// keeps its position; files whose time is nil follow the dated files in the order
  /// given. Each file is probed once.
  public static func sorted(_ inputs: [String], firstTime: (String) -> LogTime?) -> [String] {
    let slots = inputs.indices.filter { inputs[$0] != "-" }
    let probed = slots.map { (index: $0, time: firstTime(inputs[$0])) }
    let ordered = probed.enumerated().sorted { a, b in
      switch (a.element.time, b.element.time) {
      case let (x?, y?): return x != y ? x < y : a.offset < b.offset
      case (.some, nil): return true
      case (nil, .some): return false
      case (nil, nil): return a.offset < b.offset
      }
    }.map { inputs[$0.element.index] }
    var out = inputs
    for (slot, path) in zip(slots, ordered) { out[slot] = path }
    return out
  }
}

/// Keeps the time of the first timestamped event it receives.
final class FirstTimeSink: EventSink {
  private(set) var time: LogTime?

  func consume(_ event: MailEvent) {
    if time == nil { time = event.eventTime }
  }
}

extension MailEvent {
  /// The time an event carries (nil for TLS evidence and events without a time).
  var eventTime: LogTime? {
    switch self {
    case .time(let t): return t
    case .delivery(let d): return d.time
    case .arrival(let a): return a.time
    case .attempt(let a): return a.time
    case .ndr(let n): return n.time
    case .messageInfo(let m): return m.time
    case .tlsEvidence: return nil
    }
  }
}
