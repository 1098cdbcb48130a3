// ExchangeCSV.swift: the CSV record reader behind every Exchange file kind, and the
// column names it maps to one vocabulary.
//
// Exchange writes RFC 4180 CSV: comma-separated, a field holding a comma, quote or line
// break is quoted, an embedded quote is doubled. A quoted field may hold a newline, so
// a record can span physical lines: `ExchangeRecord.feed` keeps the pending record
// between calls and says when it is complete. Fields are unescaped into one reusable
// byte buffer (no String per field); a record that grows past `maxRecordBytes` while a
// quote is still open is abandoned (the caller counts its lines as skipped), so memory
// stays bounded on a stray quote. Column names from `#Fields:`, CSV header rows and JSON
// keys are normalised (ASCII letters and digits, lower-cased) and mapped to `ExchangeColumn`.

import MailLogKit

/// One CSV record, unescaped: the bytes of all fields and where each field lies.
struct ExchangeRecord {
  /// Records larger than this with an open quote are abandoned.
  static let maxRecordBytes = 1 << 20

  /// Unescaped field bytes, field after field.
  private(set) var storage: [UInt8] = []
  /// The byte range of each field in `storage`.
  private(set) var bounds: [Range<Int>] = []
  /// The record as it stood in the input (physical lines joined with LF).
  private(set) var raw: [UInt8] = []
  /// Physical lines the record took.
  private(set) var lines = 0
  /// True while a quoted field is open at the end of the last line fed.
  private(set) var isOpen = false
  /// The field separator (`,`; `;` or TAB for culture-specific exports).
  var separator: UInt8 = ASCII.comma

  /// Set when the last `feed` gave up on an overlong open record.
  private(set) var abandoned = false
  private var fieldStart = 0

  /// Number of fields.
  var count: Int { bounds.count }

  /// Forgets the record (also an abandoned one).
  mutating func reset() {
    storage.removeAll(keepingCapacity: true)
    bounds.removeAll(keepingCapacity: true)
    raw.removeAll(keepingCapacity: true)
    lines = 0
    isOpen = false
    abandoned = false
    fieldStart = 0
  }

  /// Feeds one physical line. Returns true when the record is complete, false when a
  /// quoted field is still open (feed the next line) or the record was abandoned
  /// (`abandoned` is then set).
  mutating func feed(_ line: Bytes) -> Bool {
    if !isOpen {
      reset()
    } else {
      storage.append(0x0A)
      raw.append(0x0A)
    }
    lines += 1
    raw.append(contentsOf: line)
    var inQuotes = isOpen
    var atFieldStart = !isOpen
    var i = 0
    let n = line.count
    // Fast path: a line without quotes is plain splitting.
    if !isOpen && line.index(of: ASCII.quote) == nil {
      storage.append(contentsOf: line)
      var start = 0
      while let sep = line.index(of: separator, from: start) {
        bounds.append(start..<sep)
        start = sep + 1
      }
      bounds.append(start..<n)
      return true
    }
    // Copy runs in bulk: inside quotes up to the next quote, outside up to the next
    // separator (a quote that does not open a field is an ordinary byte).
    while i < n {
      if inQuotes {
        let q = line.index(of: ASCII.quote, from: i) ?? n
        storage.append(contentsOf: line[i..<q])
        i = q
        guard q < n else { break }
        if q + 1 < n && line[q + 1] == ASCII.quote {
          storage.append(ASCII.quote)
          i = q + 2
        } else {
          inQuotes = false
          i = q + 1
        }
      } else if atFieldStart && line[i] == ASCII.quote {
        inQuotes = true
        atFieldStart = false
        i += 1
      } else {
        let sep = line.index(of: separator, from: i) ?? n
        storage.append(contentsOf: line[i..<sep])
        guard sep < n else { break }
        bounds.append(fieldStart..<storage.count)
        fieldStart = storage.count
        atFieldStart = true
        i = sep + 1
      }
    }
    if inQuotes {
      isOpen = true
      if storage.count > ExchangeRecord.maxRecordBytes {
        isOpen = false
        abandoned = true
      }
      return false
    }
    isOpen = false
    bounds.append(fieldStart..<storage.count)
    return true
  }

  /// Runs `body` with field `i`'s bytes (empty for a missing field).
  func withField<R>(_ i: Int?, _ body: (Bytes) -> R) -> R {
    storage.withUnsafeBufferPointer { all in
      guard let i, i >= 0, i < bounds.count else {
        return body(UnsafeBufferPointer(rebasing: all[0..<0]))
      }
      return body(UnsafeBufferPointer(rebasing: all[bounds[i]]))
    }
  }

  /// Field `i` as a String with surrounding spaces removed; "" when missing.
  func string(_ i: Int?) -> String {
    withField(i) { f in
      var s = 0
      var e = f.count
      while s < e && (f[s] == ASCII.space || f[s] == ASCII.tab) { s += 1 }
      while e > s && (f[e - 1] == ASCII.space || f[e - 1] == ASCII.tab) { e -= 1 }
      return f.string(s, e)
    }
  }

  /// Field `i` without surrounding spaces and angle brackets (addresses, Message-IDs);
  /// "" when missing.
  func bare(_ i: Int?) -> String {
    withField(i) { ExchangeRecord.bare($0, 0, $0.count) }
  }

  /// Field `i` split at `;` into bare items, empty items dropped (recipient lists).
  func items(_ i: Int?) -> [String] {
    withField(i) { f in
      var out: [String] = []
      var start = 0
      while start <= f.count {
        let end = f.index(of: 0x3B, from: start) ?? f.count
        let item = ExchangeRecord.bare(f, start, end)
        if !item.isEmpty { out.append(item) }
        start = end + 1
      }
      return out
    }
  }

  /// Bytes `s..<e` of `f` without surrounding spaces, `<` and `>`.
  static func bare(_ f: Bytes, _ s: Int, _ e: Int) -> String {
    var s = s
    var e = e
    while s < e && (f[s] == ASCII.space || f[s] == ASCII.lt) { s += 1 }
    while e > s && (f[e - 1] == ASCII.space || f[e - 1] == ASCII.gt) { e -= 1 }
    return f.string(s, e)
  }

  /// Whether field `i` is missing or empty.
  func isEmpty(_ i: Int?) -> Bool {
    guard let i, i >= 0, i < bounds.count else { return true }
    return bounds[i].isEmpty
  }

  /// Whether field `i` equals `text`, ASCII case-insensitively.
  func field(_ i: Int?, is text: StaticString) -> Bool {
    withField(i) { f in
      guard f.count == text.utf8CodeUnitCount else { return false }
      let t = text.utf8Start
      for k in 0..<f.count where (f[k] | 0x20) != (t[k] | 0x20) { return false }
      return true
    }
  }

  /// The raw record text, for failure examples.
  var rawString: String { String(decoding: raw, as: UTF8.self) }

  /// Replaces the record with `fields` (used for JSON records, which have no CSV text).
  mutating func set(fields: [[UInt8]], raw line: Bytes) {
    reset()
    for f in fields {
      let start = storage.count
      storage.append(contentsOf: f)
      bounds.append(start..<storage.count)
    }
    raw.append(contentsOf: line)
    lines = 1
  }
}

/// The columns mailtls reads, whatever a file kind calls them.
enum ExchangeColumn: Int, CaseIterable {
  case time, clientIP, clientHostname, serverIP, serverHostname, sourceContext, source
  case eventID, internalMessageID, messageID, networkMessageID, recipients, recipientStatus
  case reference, sender, returnPath, directionality, originalClientIP, customData
  // Protocol logs.
  case sessionID, sequence, localEndpoint, remoteEndpoint, event, data, context
  // Exchange Online exports.
  case status, toIP, fromIP, messageTraceID, organization, detail

  /// Normalised names (ASCII letters and digits, lower-case) of this column across
  /// MSGTRK `#Fields`, `Get-MessageTrackingLog` properties, Exchange Online exports
  /// (PowerShell, Graph, EAC reports) and protocol logs.
  var names: [String] {
    switch self {
    case .time:
      return [
        "datetime", "timestamp", "datetimeutc", "received", "receiveddatetime", "date",
        "dateutc", "origintimestamp", "origintimestamputc",
      ]
    case .clientIP: return ["clientip"]
    case .clientHostname: return ["clienthostname"]
    case .serverIP: return ["serverip"]
    case .serverHostname: return ["serverhostname"]
    case .sourceContext: return ["sourcecontext"]
    case .source: return ["source"]
    case .eventID: return ["eventid"]
    case .internalMessageID: return ["internalmessageid"]
    case .messageID: return ["messageid"]
    case .networkMessageID: return ["networkmessageid"]
    case .recipients: return ["recipientaddress", "recipients", "recipient"]
    case .recipientStatus: return ["recipientstatus"]
    case .reference: return ["reference"]
    case .sender: return ["senderaddress", "sender"]
    case .returnPath: return ["returnpath"]
    case .directionality: return ["directionality"]
    case .originalClientIP: return ["originalclientip"]
    case .customData: return ["customdata", "eventdata"]
    case .sessionID: return ["sessionid"]
    case .sequence: return ["sequencenumber"]
    case .localEndpoint: return ["localendpoint"]
    case .remoteEndpoint: return ["remoteendpoint"]
    case .event: return ["event"]
    case .data: return ["data"]
    case .context: return ["context"]
    case .status: return ["status"]
    case .toIP: return ["toip"]
    case .fromIP: return ["fromip"]
    case .messageTraceID: return ["messagetraceid"]
    case .organization: return ["organization"]
    case .detail: return ["detail", "description"]
    }
  }

  /// Normalised name -> column.
  static let byName: [String: ExchangeColumn] = {
    var table: [String: ExchangeColumn] = [:]
    for column in allCases {
      for name in column.names { table[name] = column }
    }
    return table
  }()

  /// `Date (UTC)` -> `dateutc`, `date-time` -> `datetime`, `"RecipientAddress"` -> `recipientaddress`.
  static func normalise(_ name: Bytes) -> String {
    var out: [UInt8] = []
    out.reserveCapacity(name.count)
    for b in name where ASCII.isAlnum(b) { out.append(b | (ASCII.isUpper(b) ? 0x20 : 0)) }
    return String(decoding: out, as: UTF8.self)
  }
}

/// Where each `ExchangeColumn` sits in a record of one file (nil = absent).
struct ExchangeColumns {
  private var index = [Int?](repeating: nil, count: ExchangeColumn.allCases.count)
  /// The normalised names, in file order.
  private(set) var names: [String] = []

  init() {}

  /// Maps the given normalised names; the first occurrence of a column wins.
  init(names: [String]) {
    self.names = names
    for (i, name) in names.enumerated() {
      if let column = ExchangeColumn.byName[name], index[column.rawValue] == nil {
        index[column.rawValue] = i
      }
    }
  }

  /// Maps the fields of `record` as header names.
  init(header record: ExchangeRecord) {
    var names: [String] = []
    for i in 0..<record.count { names.append(record.withField(i) { ExchangeColumn.normalise($0) }) }
    self.init(names: names)
  }

  subscript(_ column: ExchangeColumn) -> Int? { index[column.rawValue] }

  /// Whether every column is present.
  func has(_ columns: ExchangeColumn...) -> Bool { columns.allSatisfy { self[$0] != nil } }

  /// Whether one of the given normalised names is a header name.
  func hasName(_ name: String) -> Bool { names.contains(name) }

  /// Tracking logs, 2013 and later (30 fields, as in `#Fields:`).
  static let tracking2013 = ExchangeColumns(names: [
    "datetime", "clientip", "clienthostname", "serverip", "serverhostname", "sourcecontext",
    "connectorid", "source", "eventid", "internalmessageid", "messageid", "networkmessageid",
    "recipientaddress", "recipientstatus", "totalbytes", "recipientcount",
    "relatedrecipientaddress", "reference", "messagesubject", "senderaddress", "returnpath",
    "messageinfo", "directionality", "tenantid", "originalclientip", "originalserverip",
    "customdata", "transporttraffictype", "logid", "schemaversion",
  ])

  /// Tracking logs, Exchange 2010 (26 fields: no network-message-id and the last three).
  static let tracking2010 = ExchangeColumns(names: [
    "datetime", "clientip", "clienthostname", "serverip", "serverhostname", "sourcecontext",
    "connectorid", "source", "eventid", "internalmessageid", "messageid", "recipientaddress",
    "recipientstatus", "totalbytes", "recipientcount", "relatedrecipientaddress", "reference",
    "messagesubject", "senderaddress", "returnpath", "messageinfo", "directionality",
    "tenantid", "originalclientip", "originalserverip", "customdata",
  ])

  /// SMTP protocol logs (SmtpSend and SmtpReceive, every version).
  static let protocolLog = ExchangeColumns(names: [
    "datetime", "connectorid", "sessionid", "sequencenumber", "localendpoint",
    "remoteendpoint", "event", "data", "context",
  ])
}
