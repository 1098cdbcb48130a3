// ExchangeOnline.swift: Exchange Online message trace exports -> pending trace rows and
// trace detail facts.
//
// Summary rows (Get-MessageTrace / Get-MessageTraceV2 CSV, Graph or Reporting Web
// Service JSON records, the admin centre's summary): Delivered with a ToIP is an
// outbound delivery, Failed a bounce, Pending a deferral; a FromIP marks mail that
// arrived from outside (one arrival per message). The enhanced summary report lists
// `address##events` per recipient. Trace detail (CSV, JSON, or text copied from the
// admin centre) supplies the TLS version ("using TLS1.2 with AES256") and failure
// texts (`Reason: [{LED=...}]`), joined to summary rows by message trace id and
// recipient in ExchangeJoin. The admin centre shows dates in the browser's zone, so
// copied text is read with the local clock; exports are UTC. Nothing here fails.

import MailLogKit
import MailLogModel

/// Message trace detail events, in English and the German names seen in real tenants.
enum ExchangeDetailEvent {
  case receive, submit, sendExternal, fail, deferral, other

  init(_ name: String) {
    switch name.lowercased().filter({ $0.isLetter }) {
    case "receive", "empfangen": self = .receive
    case "submit", "übermitteln": self = .submit
    case "sendexternal", "externsenden": self = .sendExternal
    case "fail", "failed": self = .fail
    case "defer", "deferred": self = .deferral
    default: self = .other
    }
  }
}

/// The admin-centre text reader: blocks of a date line, an event line, detail lines.
struct ExchangeDetailTextState {
  var started = false
  var expectEvent = false
  var time: LogTime?
  var event: String?
  var detail = ""

  /// `Nov 26, 2020 3:56:03 AM` (English month, comma after the day).
  static func isDateLine(_ b: Bytes, _ times: inout ExchangeTimeReader) -> Bool {
    guard b.count >= 15 && b.count <= 40, MonthNames.english(b[0], b[1], b[2]) != nil,
      b[3] == ASCII.space, b.index(of: ", ") != nil
    else { return false }
    return times.read(b, zone: .utc, clock: nil) != nil
  }

  /// Detail lines that only the admin centre writes.
  static func isDetailMarker(_ b: Bytes) -> Bool {
    b.has("Message received by: ", at: 0) || b.has("Reason: [{LED=", at: 0)
      || b.has("The message was submitted", at: 0) || b.has("Message sent to ", at: 0)
  }
}

extension ExchangeParser {
  // MARK: - Summary rows

  /// One summary row (one recipient, or several separated by `;`).
  func readTraceRecord() -> Bool {
    let t = time(.time, zone: .utc)
    let recipients = record.items(columns[.recipients])
    guard !recipients.isEmpty else { return false }
    if columns[.toIP] == nil && columns[.fromIP] == nil {
      join.note(
        "Exchange Online: the admin centre's summary export has no IP addresses, so its "
          + "delivered rows cannot be told outbound from inbound and are not counted; use "
          + "Get-MessageTraceV2 | Export-Csv or the extended report for coverage.")
    }
    let status = record.string(columns[.status]).lowercased().filter { !$0.isWhitespace }
    let toIP = record.string(columns[.toIP])
    let fromIP = record.string(columns[.fromIP])
    let id = record.bare(columns[.messageID])
    let traceID = record.string(columns[.messageTraceID]).lowercased()
    let from = Origin(
      input: context.input, logHost: record.string(columns[.organization]), mta: .exchange)
    let sender = record.bare(columns[.sender])
    let line = record.rawString
    for (i, rcpt) in recipients.enumerated() {
      var row = ExchangeTraceRow(keys: ExchangeParser.traceKeys(traceID, id, rcpt))
      let outbound = !toIP.isEmpty
      func delivery(_ s: DeliveryStatus, _ reason: String?) -> DeliveryEvent {
        DeliveryEvent(
          origin: from, time: t, messageID: id, recipient: rcpt, domain: Address.domain(of: rcpt),
          sender: sender, relay: outbound ? "[\(toIP)]" : "", remoteAddr: outbound ? toIP : nil,
          agent: "smtp", status: s, isOutbound: outbound,
          protection: .unknown(reason: "Exchange Online reports have no TLS field"),
          reason: reason, line: s == .sent ? nil : line)
      }
      switch status {
      case "delivered" where outbound: row.delivery = delivery(.sent, nil)
      case "failed":
        row.delivery = delivery(.bounced, "Failed (the message trace export has no reason text)")
      case "pending", "deferred":
        row.delivery = delivery(.deferred, "Pending (the message trace export has no reason text)")
      default: break
      }
      let arrived = ["delivered", "failed", "pending", "filteredasspam", "quarantined", "expanded"]
      if i == 0, !fromIP.isEmpty, arrived.contains(status),
        join.arrivalKeys.insert(traceID.isEmpty ? "id:" + id : traceID).inserted
      {
        row.arrival = ArrivalEvent(
          origin: from, time: t, messageID: id, client: "[\(fromIP)]", clientAddr: fromIP,
          sender: sender, protection: .unknown(reason: "Exchange Online reports have no TLS field"))
      }
      if row.delivery != nil || row.arrival != nil { join.traceRows.append(row) }
    }
    return true
  }

  /// The keys a summary row offers to detail facts: trace id and recipient, Message-ID
  /// and recipient, trace id alone (detail exports without a recipient column).
  static func traceKeys(_ traceID: String, _ id: String, _ rcpt: String) -> [String] {
    let r = rcpt.lowercased()
    var keys: [String] = []
    if !traceID.isEmpty { keys.append(traceID + "|" + r) }
    if !id.isEmpty { keys.append("id:" + id.lowercased() + "|" + r) }
    if !traceID.isEmpty { keys.append(traceID + "|") }
    return keys
  }

  /// One enhanced-summary row: a message with `address##Receive, Send;...` statuses.
  /// Directionality 1/Incoming is an arrival; 2/Originating sends count as outbound.
  func readEnhancedRecord() -> Bool {
    let t = time(.time, zone: .utc)
    let list = record.string(columns[.recipientStatus])
    guard !list.isEmpty else { return false }
    let direction = record.string(columns[.directionality]).lowercased()
    let inbound = direction == "1" || direction == "incoming"
    let outbound = direction == "2" || direction == "originating"
    let id = record.bare(columns[.messageID])
    let network = record.string(columns[.networkMessageID]).lowercased()
    let sender = record.bare(columns[.sender])
    let client = record.string(columns[.originalClientIP])
    let from = Origin(input: context.input, logHost: "", mta: .exchange)
    let line = record.rawString
    var first = true
    for entry in list.split(separator: ";") {
      let parts = entry.components(separatedBy: "##")
      let rcpt = ExchangeText.bare(parts[0])
      guard !rcpt.isEmpty else { continue }
      let events = (parts.count > 1 ? parts[1] : "").split(separator: ",").map {
        $0.lowercased().filter { !$0.isWhitespace }
      }
      var row = ExchangeTraceRow(keys: ExchangeParser.traceKeys(network, id, rcpt))
      var status: DeliveryStatus? = nil
      if outbound && (events.contains("send") || events.contains("sendexternal")) {
        status = .sent
      } else if events.last == "fail" {
        status = .bounced
      } else if events.last == "defer" {
        status = .deferred
      }
      if let status {
        row.delivery = DeliveryEvent(
          origin: from, time: t, messageID: id, recipient: rcpt, domain: Address.domain(of: rcpt),
          sender: sender, relay: "", agent: "smtp", status: status,
          isOutbound: status == .sent || outbound,
          protection: .unknown(reason: "Exchange Online reports have no TLS field"),
          reason: status == .sent ? nil : "\(parts.count > 1 ? parts[1] : "") (enhanced summary)",
          line: status == .sent ? nil : line)
      }
      if first, inbound, !client.isEmpty,
        join.arrivalKeys.insert(network.isEmpty ? "id:" + id : network).inserted
      {
        row.arrival = ArrivalEvent(
          origin: from, time: t, messageID: id, client: "[\(client)]", clientAddr: client,
          sender: sender, protection: .unknown(reason: "Exchange Online reports have no TLS field"))
      }
      first = false
      if row.delivery != nil || row.arrival != nil { join.traceRows.append(row) }
    }
    return true
  }

  // MARK: - Detail

  /// One trace detail row (Date, Event, Action, Detail; trace id, Message-ID, recipient).
  func readDetailRecord() -> Bool {
    let t = time(.time, zone: .utc)
    let event = record.string(columns[.event])
    guard !event.isEmpty else { return false }
    let traceID = record.string(columns[.messageTraceID]).lowercased()
    let id = record.bare(columns[.messageID])
    let rcpt = record.items(columns[.recipients]).first ?? ""
    let key = ExchangeParser.traceKeys(traceID, id, rcpt).first ?? "input:\(context.input)"
    let d = join.detail(key, origin: Origin(input: context.input, logHost: "", mta: .exchange))
    if d.messageID.isEmpty { d.messageID = id }
    if d.recipient.isEmpty { d.recipient = rcpt }
    if d.sender == nil, !record.isEmpty(columns[.sender]) {
      d.sender = record.bare(columns[.sender])
    }
    ExchangeParser.apply(
      ExchangeDetailEvent(event), text: record.string(columns[.detail]), time: t,
      line: record.rawString, to: d)
    return true
  }

  /// Adds one detail event's facts.
  static func apply(
    _ event: ExchangeDetailEvent, text: String, time: LogTime?, line: String,
    to d: ExchangeTraceDetail
  ) {
    if d.firstEventIsReceive == nil {
      d.firstEventIsReceive = event == .receive
      d.time = time
    }
    let version = withBytes(text) { ExchangeText.usingTLS($0) }
    switch event {
    case .receive:
      d.receives += 1
      if d.receives == 1 { d.receiveTLS = version }
    case .submit:
      d.sawSubmit = true
    case .sendExternal:
      d.sentExternal = true
      d.sendTLS = version ?? d.sendTLS
      d.sendTime = time
      if let r = text.range(of: "Message sent to ") {
        let rest = text[r.upperBound...]
        d.sendHost = String(rest.prefix { $0 != " " })
      }
    case .fail:
      d.failReason = ExchangeParser.lastError(text)
      d.failTime = time
      d.line = line
    case .deferral:
      d.deferReason = ExchangeParser.lastError(text)
      d.failTime = time
      d.line = line
    case .other:
      break
    }
  }

  /// The `LED=` text of `Reason: [{LED=...};{MSG=...};...]`, else the text itself.
  static func lastError(_ text: String) -> String {
    guard let led = text.range(of: "LED=") else {
      return text.hasPrefix("Reason: ") ? String(text.dropFirst(8)) : text
    }
    let rest = text[led.upperBound...]
    let end = rest.range(of: "};{")?.lowerBound ?? rest.range(of: "}]")?.lowerBound ?? rest.endIndex
    return String(rest[..<end])
  }

  /// One line of admin-centre detail text: a date line starts an event, the next line
  /// names it, further lines are its detail. One copied trace is one message.
  func readDetailText(_ raw: Bytes) {
    var s = 0
    var e = raw.count
    while s < e && (raw[s] == ASCII.space || raw[s] == ASCII.tab) { s += 1 }
    while e > s && (raw[e - 1] == ASCII.space || raw[e - 1] == ASCII.tab) { e -= 1 }
    let line = UnsafeBufferPointer(rebasing: raw[s..<e])
    if line.count == 0 {
      stats.parsed += 1
      return
    }
    if ExchangeDetailTextState.isDateLine(line, &times) {
      flushDetailText()
      text.time = times.read(line, zone: .local, clock: context.clock)
      saw(text.time)
      text.started = true
      text.expectEvent = true
      stats.parsed += 1
      return
    }
    guard text.started else {
      stats.skip("not an Exchange record", line: raw)
      return
    }
    if text.expectEvent {
      text.event = line.string
      text.expectEvent = false
    } else {
      text.detail += (text.detail.isEmpty ? "" : " ") + line.string
    }
    stats.parsed += 1
  }

  /// Applies the pending text event to the input's detail facts.
  func flushDetailText() {
    guard let event = text.event else { return }
    let d = join.detail(
      "text:\(context.input)", origin: Origin(input: context.input, logHost: "", mta: .exchange))
    ExchangeParser.apply(
      ExchangeDetailEvent(event), text: text.detail, time: text.time,
      line: event + " " + text.detail, to: d)
    text.event = nil
    text.detail = ""
  }

  // MARK: - JSON records

  /// One JSON object per line (Reporting Web Service / Graph records, ConvertTo-Json
  /// -Compress output): keys become the columns, the record goes to its kind's reader.
  func readJSONRecord(_ line: Bytes) {
    guard let (keys, values) = ExchangeJSON.flatObject(line),
      let k = ExchangeParser.classify(ExchangeColumns(names: keys), names: keys.count)
    else {
      stats.skip("not an Exchange record", line: line)
      return
    }
    if keys != columns.names { columns = ExchangeColumns(names: keys) }
    count(k)
    record.set(fields: values, raw: line)
    let used: Bool
    switch k {
    case .trace: used = readTraceRecord()
    case .traceDetail: used = readDetailRecord()
    case .enhancedSummary: used = readEnhancedRecord()
    case .tracking(let platform, let zone):
      used = readTrackingRecord(platform: platform, zone: zone)
    case .protocolLog: used = readProtocolRecord()
    case .undecided, .detailText: used = false
    }
    if used { stats.parsed += 1 } else { stats.skip("trace row without usable fields", line: line) }
  }
}

/// A reader for flat JSON objects (one level; nested values are skipped).
enum ExchangeJSON {
  /// The normalised keys and the values (strings unescaped, numbers and literals as
  /// written, null empty) of a one-line JSON object; nil when it is not one.
  static func flatObject(_ b: Bytes) -> (keys: [String], values: [[UInt8]])? {
    var i = 0
    var keys: [String] = []
    var values: [[UInt8]] = []
    func skipSpace() { while i < b.count && (b[i] == ASCII.space || b[i] == ASCII.tab) { i += 1 } }
    skipSpace()
    guard i < b.count, b[i] == 0x7B else { return nil }
    i += 1
    while true {
      skipSpace()
      guard i < b.count else { return nil }
      if b[i] == 0x7D { break }
      guard b[i] == ASCII.quote, let key = string(b, &i) else { return nil }
      skipSpace()
      guard i < b.count, b[i] == ASCII.colon else { return nil }
      i += 1
      skipSpace()
      guard i < b.count else { return nil }
      var value: [UInt8] = []
      if b[i] == ASCII.quote {
        guard let v = string(b, &i) else { return nil }
        value = v
      } else if b[i] == 0x7B || b[i] == ASCII.lbracket {
        guard skipNested(b, &i) else { return nil }
      } else {
        let start = i
        while i < b.count && b[i] != ASCII.comma && b[i] != 0x7D { i += 1 }
        var end = i
        while end > start && b[end - 1] == ASCII.space { end -= 1 }
        if !(end - start == 4 && b.has("null", at: start)) { value = Array(b[start..<end]) }
      }
      keys.append(key.withUnsafeBufferPointer { ExchangeColumn.normalise($0) })
      values.append(value)
      skipSpace()
      guard i < b.count else { return nil }
      if b[i] == ASCII.comma {
        i += 1
        continue
      }
      guard b[i] == 0x7D else { return nil }
      break
    }
    return (keys, values)
  }

  /// A JSON string at `i` (on the opening quote), unescaped to UTF-8; `i` ends after it.
  private static func string(_ b: Bytes, _ i: inout Int) -> [UInt8]? {
    var out: [UInt8] = []
    i += 1
    while i < b.count {
      let c = b[i]
      if c == ASCII.quote {
        i += 1
        return out
      }
      if c != 0x5C {
        out.append(c)
        i += 1
        continue
      }
      guard i + 1 < b.count else { return nil }
      let e = b[i + 1]
      i += 2
      switch e {
      case 0x6E: out.append(0x0A)  // n
      case 0x74: out.append(0x09)  // t
      case 0x72: out.append(0x0D)  // r
      case 0x62: out.append(0x08)  // b
      case 0x66: out.append(0x0C)  // f
      case 0x75:  // u
        guard var scalar = hex4(b, i) else { return nil }
        i += 4
        if (0xD800...0xDBFF).contains(scalar), i + 5 < b.count, b[i] == 0x5C, b[i + 1] == 0x75,
          let low = hex4(b, i + 2), (0xDC00...0xDFFF).contains(low)
        {
          scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
          i += 6
        }
        out.append(
          contentsOf: String(Unicode.Scalar(scalar).map(Character.init) ?? "\u{FFFD}").utf8)
      default: out.append(e)  // \" \\ \/
      }
    }
    return nil
  }

  private static func hex4(_ b: Bytes, _ at: Int) -> UInt32? {
    guard at + 4 <= b.count else { return nil }
    var v: UInt32 = 0
    for k in at..<(at + 4) {
      guard let d = ExchangeText.hexValue(b[k]) else { return nil }
      v = v << 4 | UInt32(d)
    }
    return v
  }

  /// Skips a nested object or array at `i` (strings respected); false if unterminated.
  private static func skipNested(_ b: Bytes, _ i: inout Int) -> Bool {
    var depth = 0
    while i < b.count {
      let c = b[i]
      if c == ASCII.quote {
        guard string(b, &i) != nil else { return false }
        continue
      }
      if c == 0x7B || c == ASCII.lbracket { depth += 1 }
      if c == 0x7D || c == ASCII.rbracket {
        depth -= 1
        if depth == 0 {
          i += 1
          return true
        }
      }
      i += 1
    }
    return false
  }
}
