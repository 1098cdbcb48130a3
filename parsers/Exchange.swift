// Exchange.swift: the Exchange parser: recognises which Exchange file an input is from
// its header or first record, and hands each record to the reader of that kind.
//
// Kinds: message tracking logs (MSGTRK*.LOG, `#Fields:` header, 2010 and 2013+ field
// lists, also headerless rows) and their `Get-MessageTrackingLog | Export-Csv` and
// Exchange Online extended-report forms; SMTP protocol logs (SmtpSend, SmtpReceive);
// Exchange Online message trace exports (Get-MessageTrace(V2) CSV or JSON, the admin
// centre's summary and enhanced summary) and message trace detail (CSV, JSON, or text
// copied from the admin centre). Records may span lines (quoted newlines). Facts go to
// the run's shared `ExchangeJoin`, which emits events after the last input. Lines that
// are none of these are counted as skipped by kind, never fatal. See
// sample-logs/exchange/ and ../shared/reference/exchange-formats.md.

import MailLogKit
import MailLogModel

/// What an Exchange input holds.
enum ExchangeFileKind: Equatable {
  case undecided
  /// Tracking rows: raw MSGTRK (UTC), PowerShell export (local time), Online extended report.
  case tracking(ExchangePlatform, ExchangeZone)
  case protocolLog
  /// Message trace summary rows (Get-MessageTrace(V2), Graph, admin-centre summary).
  case trace
  /// The admin centre's enhanced summary report (`recipient_status` = `addr##events`).
  case enhancedSummary
  /// Message trace detail rows (Date, Event, Action, Detail).
  case traceDetail
  /// Message trace detail copied as text from the admin centre.
  case detailText
}

/// Parses one Exchange input (any kind, recognised from its first lines).
public final class ExchangeParser: LogParser {
  /// Counts and problems so far (the kind readers in other files update it too).
  public internal(set) var stats: InputStats

  let context: ParseContext
  let join: ExchangeJoin
  var kind: ExchangeFileKind = .undecided
  var columns = ExchangeColumns()
  var record = ExchangeRecord()
  var times = ExchangeTimeReader()
  /// The side `#Log-type` names for protocol logs.
  var protocolSide: ExchangeSessionSide = .unknown
  /// The admin-centre text reader's state.
  var text = ExchangeDetailTextState()
  /// Earliest and latest time seen, emitted as `.time` events at the end.
  var firstTime: LogTime?
  var lastTime: LogTime?
  /// Whether this input was counted as a tracking log, and which protocol-log sides it
  /// was counted as, in the join (once each).
  private var countedTracking = false
  var countedSides: [ExchangeSessionSide] = []

  /// Makes the parser for one input; joins the run's shared Exchange state.
  public init(context: ParseContext) {
    self.context = context
    stats = InputStats(name: context.name, format: "exchange")
    join = ExchangeJoin.shared(for: context)
  }

  /// A score for one line: > 0 for Exchange headers, tracking and protocol rows, trace
  /// export headers and records, admin-centre trace detail text; 0 for anything else
  /// (Postfix and Exim lines included).
  public static func sniff(_ line: String) -> Int {
    withBytes(line) { raw in
      let b = ExchangeParser.withoutBOM(raw)
      if b.count == 0 { return 0 }
      if b[0] == 0x23 {  // '#'
        if b.has("#Software: Microsoft Exchange", at: 0) || b.has("#Fields: date-time,", at: 0) {
          return 10
        }
        if b.has("#Log-type: ", at: 0),
          b.index(of: "Message Tracking Log") != nil || b.index(of: "Protocol Log") != nil
        {
          return 10
        }
        if b.has("#TYPE ", at: 0) {
          return b.index(of: "Exchange") != nil || b.index(of: "MessageTrace") != nil ? 3 : 1
        }
        return 0
      }
      if b[0] == 0x7B {  // '{'
        let trace =
          (b.index(of: "\"MessageTraceId\"") ?? b.index(of: "\"RecipientAddress\"")
            ?? b.index(of: "\"recipientAddress\"")) != nil
        return trace ? 5 : 0
      }
      if ExchangeDetailTextState.isDetailMarker(b) { return 3 }
      var times = ExchangeTimeReader()
      if ExchangeDetailTextState.isDateLine(b, &times) { return 2 }
      var record = ExchangeRecord()
      guard record.feed(b) else { return 0 }
      if ExchangeParser.headerlessKind(record, &times) != nil { return 5 }
      if ExchangeParser.classify(ExchangeColumns(header: record), names: record.count) != nil {
        return 10
      }
      return 0
    }
  }

  /// Takes one physical line.
  public func parse(_ line: Bytes) {
    stats.lines += 1
    let line = stats.lines == 1 ? ExchangeParser.withoutBOM(line) : line
    if record.isOpen {
      feedRecord(line)
      return
    }
    if kind == .detailText {
      readDetailText(line)
      return
    }
    if line.allSatisfy({ $0 == ASCII.space || $0 == ASCII.tab }) {
      stats.parsed += 1  // blank separator lines
      return
    }
    if line[0] == 0x23 {
      readHashLine(line)
      return
    }
    if kind == .undecided, ExchangeDetailTextState.isDateLine(line, &times) {
      kind = .detailText
      count(.detailText)
      readDetailText(line)
      return
    }
    if line[0] == 0x7B {
      readJSONRecord(line)
      return
    }
    feedRecord(line)
  }

  /// Flushes the detail text reader, counts an unterminated record, emits the period.
  public func finish() {
    if record.isOpen {
      skip("unterminated quoted field")
      record.reset()
    }
    if kind == .detailText { flushDetailText() }
    if let firstTime { context.sink.consume(.time(firstTime)) }
    if let lastTime, lastTime != firstTime { context.sink.consume(.time(lastTime)) }
  }

  // MARK: - Records

  private func feedRecord(_ line: Bytes) {
    if record.feed(line) {
      dispatch()
    } else if record.abandoned {
      skip("unterminated quoted field")
      record.reset()
    }
  }

  /// Hands a complete record to the reader of this input's kind, deciding the kind from
  /// the record when no header did.
  func dispatch() {
    if kind == .undecided {
      if let k = ExchangeParser.headerlessKind(record, &times) {
        kind = k
        columns =
          k == .protocolLog
          ? .protocolLog : record.count >= 30 ? .tracking2013 : .tracking2010
        count(k)
      } else if let k = ExchangeParser.classify(
        ExchangeColumns(header: record), names: record.count)
      {
        useHeader(kind: k)
        return
      } else if record.count == 1, record.lines == 1, record.separator == ASCII.comma,
        record.raw.contains(0x3B)
      {
        // `Export-Csv -UseCulture` in many locales separates with ';': read the row again.
        let raw = record.raw
        record.separator = 0x3B
        if raw.withUnsafeBufferPointer({ record.feed($0) }) { dispatch() }
        if kind == .undecided && !record.isOpen { record.separator = ASCII.comma }
        return
      } else {
        skip("not an Exchange record")
        return
      }
    } else if isRepeatedHeader() {
      stats.parsed += record.lines
      return
    }
    let used: Bool
    switch kind {
    case .tracking(let platform, let zone):
      used = readTrackingRecord(platform: platform, zone: zone)
    case .protocolLog: used = readProtocolRecord()
    case .trace: used = readTraceRecord()
    case .enhancedSummary: used = readEnhancedRecord()
    case .traceDetail: used = readDetailRecord()
    case .undecided, .detailText: used = false
    }
    if used { stats.parsed += record.lines } else { skip(skipKind) }
  }

  /// The skip kind of a record the reader did not take.
  private var skipKind: String {
    switch kind {
    case .tracking: return "tracking row without usable fields"
    case .protocolLog: return "protocol row without usable fields"
    default: return "trace row without usable fields"
    }
  }

  /// Counts the current record's lines as skipped under `kind`.
  func skip(_ why: String) {
    record.raw.withUnsafeBufferPointer { stats.skip(why, line: $0) }
    if record.lines > 1 { stats.skippedByKind[why, default: 0] += record.lines - 1 }
  }

  /// Takes the current record as the header row of a CSV export of kind `k`.
  private func useHeader(kind k: ExchangeFileKind) {
    columns = ExchangeColumns(header: record)
    kind = k
    count(k)
    stats.parsed += record.lines
  }

  /// A header row repeated inside the data (concatenated exports).
  private func isRepeatedHeader() -> Bool {
    guard !columns.names.isEmpty, record.count == columns.names.count, record.count > 1,
      record.withField(0, { $0.count > 0 && !ASCII.isDigit($0[0]) })  // data rows start with a date
    else {
      return false
    }
    for i in 0..<2 where record.withField(i, ExchangeColumn.normalise) != columns.names[i] {
      return false
    }
    return true
  }

  /// Decides headerless rows: a tracking row (26+ fields, ISO time, upper-case event-id
  /// in field 9) or a protocol row (9 fields, ISO time, one-character event in field 7).
  static func headerlessKind(_ r: ExchangeRecord, _ times: inout ExchangeTimeReader)
    -> ExchangeFileKind?
  {
    guard r.count >= 8 else { return nil }
    guard
      r.withField(
        0,
        { f in
          f.count >= 19 && f[4] == 0x2D && times.read(f, zone: .utc, clock: nil) != nil
        })
    else { return nil }
    if r.count >= 26 {
      let isEvent = r.withField(8) { f in f.count >= 3 && f.allSatisfy { ASCII.isUpper($0) } }
      if isEvent { return .tracking(.server, .utc) }
    }
    if r.count == 9 || r.count == 8 {
      let isEvent = r.withField(6) { f in
        f.count == 1 && [0x2B, 0x2D, 0x3C, 0x3E, 0x2A].contains(f[0])
      }
      if isEvent { return .protocolLog }
    }
    return nil
  }

  /// The kind of export a header row (or a JSON record's keys) describes, or nil.
  static func classify(_ c: ExchangeColumns, names: Int) -> ExchangeFileKind? {
    guard names >= 3 else { return nil }
    if c.has(.sessionID, .sequence, .event) { return .protocolLog }
    if c.has(.time, .eventID), c[.recipients] != nil || c[.messageID] != nil {
      if c.hasName("datetimeutc") { return .tracking(.online, .utc) }
      if c.hasName("timestamp") { return .tracking(.server, .local) }
      return .tracking(.server, .utc)
    }
    if c.has(.time, .event, .detail) { return .traceDetail }
    if c.has(.recipientStatus), c[.eventID] == nil,
      c.hasName("origintimestamputc") || c.hasName("origintimestamp") || c[.networkMessageID] != nil
    {
      return .enhancedSummary
    }
    if c.has(.recipients, .status) { return .trace }
    return nil
  }

  /// Reads `#Software`, `#Version`, `#Log-type`, `#Date`, `#Fields` and PowerShell's `#TYPE`.
  private func readHashLine(_ line: Bytes) {
    if line.has("#Fields:", at: 0) {
      var start = 8
      while start < line.count && line[start] == ASCII.space { start += 1 }
      var names: [String] = []
      var from = start
      while from <= line.count {
        let end = line.index(of: ASCII.comma, from: from) ?? line.count
        names.append(ExchangeColumn.normalise(UnsafeBufferPointer(rebasing: line[from..<end])))
        from = end + 1
      }
      let c = ExchangeColumns(names: names)
      guard var k = ExchangeParser.classify(c, names: names.count) else {
        stats.skip("unknown #Fields header", line: line)
        return
      }
      if case .tracking(let platform, _) = k { k = .tracking(platform, .utc) }
      columns = c
      kind = k
      count(k)
      stats.parsed += 1
      return
    }
    if line.has("#Log-type:", at: 0) {
      if line.index(of: "Send Protocol") != nil { protocolSide = .send }
      if line.index(of: "Receive Protocol") != nil { protocolSide = .receive }
      if line.index(of: "Message Tracking") != nil { protocolSide = .unknown }
      stats.parsed += 1
      return
    }
    if line.has("#Software:", at: 0) || line.has("#Version:", at: 0) || line.has("#Date:", at: 0)
      || line.has("#TYPE", at: 0)
    {
      stats.parsed += 1
      return
    }
    stats.skip("unknown # line", line: line)
  }

  /// Counts a tracking input in the join (once per input): without any, the protocol
  /// logs' own messages are counted. Protocol-log sides are counted in setSide.
  func count(_ k: ExchangeFileKind) {
    guard case .tracking = k, !countedTracking else { return }
    countedTracking = true
    join.trackingInputs += 1
  }

  /// Extends the input's period with `time`.
  func saw(_ time: LogTime?) {
    guard let time else { return }
    firstTime = min(firstTime ?? time, time)
    lastTime = max(lastTime ?? time, time)
  }

  /// The time in field `column` of the current record.
  func time(_ column: ExchangeColumn, zone: ExchangeZone) -> LogTime? {
    let t = record.withField(columns[column]) { times.read($0, zone: zone, clock: context.clock) }
    saw(t)
    return t
  }

  /// `line` without a leading UTF-8 BOM (when the input layer did not drop it).
  static func withoutBOM(_ line: Bytes) -> Bytes {
    line.has("\u{FEFF}", at: 0) ? UnsafeBufferPointer(rebasing: line[3...]) : line
  }
}
