// LogRun.swift: drives a run: opens each input in the order given, detects its format
// from its first lines (or takes --input-format), streams its lines through the parser
// into the sinks, and finishes shared state after the last input.
//
// Failures: an input that cannot be opened is recorded in `openErrors` and skipped (the
// CLI exits 66 after reporting the rest); a damaged gzip stream or read error ends that
// input early with a warning in its stats. Memory: one read buffer, the detection
// buffer (`detectLines` lines, or up to `detectLimit` lines / `detectBytes` bytes when
// the first lines belong to no format), and the parsers' in-flight state.

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

  /// Display names of the inputs, in order.
  public var inputNames: [String] { options.inputs.map { $0 == "-" ? "<stdin>" : $0 } }

  /// Reads every input into `sink`. `shouldStop` is polled between lines (for trace).
  public func run(sink: EventSink, shouldStop: () -> Bool = { false }) -> RunResult {
    var result = RunResult()
    let forced = options.format.flatMap { ParserRegistry.format(id: $0) }
    for (index, path) in options.inputs.enumerated() {
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
      let years = YearTracker(
        reference: input.modificationTime ?? Date(), forcedYear: options.year)
      let context = ParseContext(
        input: index, name: input.name, clock: clock, years: years, sink: sink, run: state)
      let reader = LineReader(
        input: input, chunkSize: options.chunkSize, maxLineLength: options.maxLineLength)
      var parser: LogParser? = forced.map { $0.make(context) }
      var pending: [[UInt8]] = []
      var pendingBytes = 0
      var sample: [String] = []
      var lastProgress = 0
      reader.forEachLine { line in
        if let parser {
          parser.parse(line)
        } else {
          pending.append(Array(line))
          pendingBytes += line.count
          if sample.count < detectLines {
            if !line.isEmpty { sample.append(line.string(0, 2000)) }
            if sample.count == detectLines, let format = ParserRegistry.detect(sample) {
              parser = format.make(context)
            }
          } else if !line.isEmpty, let format = ParserRegistry.detect([line.string(0, 2000)]) {
            parser = format.make(context)
          } else if pending.count >= detectLimit || pendingBytes >= detectBytes {
            parser = UnknownFormatParser(context: context)
          }
          if let parser { replay(&pending, into: parser) }
        }
        if let progress = options.progress, reader.bytesRead - lastProgress > 64 << 20 {
          lastProgress = reader.bytesRead
          progress(input.name, reader.bytesRead)
        }
        return !shouldStop()
      }
      if parser == nil {
        parser = choose(sample, context)
        replay(&pending, into: parser!)
      }
      parser!.finish()
      var stats = parser!.stats
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
      result.inputs.append(stats)
      if shouldStop() { break }
    }
    state.finish()
    result.notes = state.notes
    return result
  }

  private func choose(_ sample: [String], _ context: ParseContext) -> LogParser {
    if let format = ParserRegistry.detect(sample) { return format.make(context) }
    return UnknownFormatParser(context: context)
  }

  private func replay(_ pending: inout [[UInt8]], into parser: LogParser) {
    for line in pending {
      line.withUnsafeBufferPointer { parser.parse($0) }
    }
    pending.removeAll()
  }
}
