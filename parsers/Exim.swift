// Exim.swift: the Exim 4 mainlog parser (arrivals, deliveries, failures, TLS details).
//
// Reads mainlog lines in every prefix shape Exim writes (bare, `+hhmm` zone, `[pid]`,
// milliseconds, and any of these wrapped in a syslog header, whose HOSTNAME becomes the
// log host), with old 16-char and new 23-char message ids mixed. It emits:
// `=>`/`->`/`>>` -> DeliveryEvent .sent; `**` -> .bounced and `==` -> .deferred (one per
// recipient line, with the latest TLS detail line of the same message attached); `<=`
// from a remote SMTP client -> ArrivalEvent; `<= <> R=<id>` that answers a `**` ->
// NDREvent; per-host and TLS error lines -> AttemptEvent; `<=` -> MessageInfoEvent;
// `.time` for every timestamped line (the report period). A delivery without `X=` is
// `.unproven("exim:<input>")`, and `.tlsEvidence` is sent the first time a line of the
// input contains ` X=` (TLS logging is on for that input).
// Work is done on bytes; Strings are made only for fields an event keeps. Per-message
// state (sender, failure flags, TLS detail) lives until `Completed`, is shared by the
// Exim inputs of one run (rotated files) and is bounded by a two-generation table.
// Nothing here throws or traps: a line that is not understood is counted under a kind
// in `stats` and parsing goes on.

import Foundation
import MailLogKit
import MailLogModel

/// Streaming parser for Exim 4 mainlog files (and mainlog lines sent through syslog).
public final class EximParser: LogParser {
  /// Counts and problems so far.
  public private(set) var stats: InputStats

  private let context: ParseContext
  private let prefix: SyslogPrefixParser
  private let evidenceKey: String
  private var evidenceSent = false
  private var sawOutbound = false
  /// Message states, shared by the Exim inputs of a run so that rotated files
  /// (`mainlog.1` then `mainlog`) keep senders and failure history across the cut.
  private let shared: MessageStore
  private var split = SplitLine()
  // The log host of the last syslog-wrapped line, kept to avoid a String per line.
  private var hostBytes: [UInt8] = []
  private var hostString = ""

  /// Makes a parser for one input.
  public init(context: ParseContext) {
    self.context = context
    prefix = SyslogPrefixParser(clock: context.clock, years: context.years)
    if let store = context.run.shared[MessageStore.key] as? MessageStore {
      shared = store
    } else {
      shared = MessageStore()
      context.run.shared[MessageStore.key] = shared
    }
    stats = InputStats(name: context.name, format: "exim")
    evidenceKey = "exim:\(context.input)"
  }

  /// Scores one line: 3 for a flagged message line (`<=`, `=>`, `**`, ...), 2 for a
  /// line with a message id, 1 for another line with an Exim timestamp (bare or inside
  /// an `exim[pid]:` syslog line), 0 for anything else (Postfix lines included).
  public static func sniff(_ line: String) -> Int {
    var copy = line
    return copy.withUTF8 { score($0) }
  }

  /// Takes one line (no terminator).
  public func parse(_ line: Bytes) {
    stats.lines += 1
    if !evidenceSent && line.index(of: " X=") != nil {
      evidenceSent = true
      context.sink.consume(.tlsEvidence(key: evidenceKey))
    }
    if let kind = handle(line) {
      stats.skip(kind, line: line)
    } else {
      stats.parsed += 1
    }
  }

  /// Ends the input: reports when deliveries were seen but TLS logging never was.
  public func finish() {
    split.reset()
    if sawOutbound && !evidenceSent {
      context.run.notes.append(
        "\(context.name): Exim logged no X= on any line, so outbound TLS is unknown "
          + "(enable log_selector +tls_cipher)")
    }
  }

  // MARK: - Prefixes

  /// Handles one physical line; returns a skip kind, or nil when the line was used.
  private func handle(_ b: Bytes) -> String? {
    if Stamp.parse(b, at: 0) != nil {
      return handleText(b, from: 0, host: "", fallbackTime: { nil })
    }
    if let sys = prefix.parse(b), b.has("exim", at: sys.program.lowerBound) {
      let host = logHost(b, sys.host)
      return handlePiece(b, from: sys.message, host: host, fallbackTime: { sys.time })
    }
    if SplitMarker.parse(b, at: 0) != nil {
      return handlePiece(b, from: 0, host: "", fallbackTime: { nil })
    }
    // Lines pasted from `exim -d` output or trimmed by hand carry no timestamp.
    return handleText(b, from: 0, host: "", fallbackTime: { nil }) == nil
      ? nil : "exim: not an exim log line"
  }

  /// Handles the message part of a syslog line (or a bare split piece) at `from`.
  private func handlePiece(
    _ b: Bytes, from: Int, host: String, fallbackTime: () -> LogTime?
  ) -> String? {
    guard let marker = SplitMarker.parse(b, at: from) else {
      return handleText(b, from: from, host: host, fallbackTime: fallbackTime)
    }
    let piece = UnsafeBufferPointer(rebasing: b[marker.next..<b.count])
    switch split.add(marker, piece) {
    case .pending:
      return nil
    case .broken:
      return "exim: broken syslog split line"
    case .complete(let joined):
      let time = fallbackTime()
      return joined.withUnsafeBufferPointer {
        handleText($0, from: 0, host: host, fallbackTime: { time })
      }
    }
  }

  /// Handles text that may start with an Exim timestamp (else the syslog time is used),
  /// then `[pid]` and a message id.
  private func handleText(
    _ b: Bytes, from: Int, host: String, fallbackTime: () -> LogTime?
  ) -> String? {
    var time: LogTime?
    var p = from
    if let stamp = Stamp.parse(b, at: from) {
      time = stamp.time(b, context.clock)
      p = stamp.next
    } else {
      time = fallbackTime()
    }
    if let time { context.sink.consume(.time(time)) }
    let (id, body) = Self.messageID(b, at: Self.pidEnd(b, p))
    let idString = id.map { b.string($0.lowerBound, $0.upperBound) }
    return dispatch(b, at: body, id: idString, time: time, host: host)
  }

  /// The syslog HOSTNAME as a String, reusing the previous one when the bytes match.
  private func logHost(_ b: Bytes, _ r: Range<Int>) -> String {
    let n = r.count
    var same = n == hostBytes.count
    if same {
      for i in 0..<n where hostBytes[i] != b[r.lowerBound + i] {
        same = false
        break
      }
    }
    if !same {
      hostBytes = Array(b[r])
      hostString = b.string(r.lowerBound, r.upperBound)
      if !hostString.isEmpty { stats.logHosts.insert(hostString) }
    }
    return hostString
  }

  /// An Exim message id at `p` (16 chars `6-6-2` or 23 chars `6-11-4`, base 62) followed
  /// by a space or the end; returns its range and where the text after it starts.
  static func messageID(_ b: Bytes, at p: Int) -> (Range<Int>?, Int) {
    if isID(b, p, 23, 18) { return (p..<(p + 23), min(p + 24, b.count)) }
    if isID(b, p, 16, 13) { return (p..<(p + 16), min(p + 17, b.count)) }
    return (nil, p)
  }

  private static func isID(_ b: Bytes, _ p: Int, _ length: Int, _ secondDash: Int) -> Bool {
    let end = p + length
    guard end <= b.count, end == b.count || b[end] == ASCII.space else { return false }
    for i in p..<end {
      let dash = i == p + 6 || i == p + secondDash
      if dash ? b[i] != 0x2D : !ASCII.isAlnum(b[i]) { return false }
    }
    return true
  }

  // MARK: - Dispatch

  /// Routes the text after the prefix; returns a skip kind or nil when used.
  private func dispatch(_ b: Bytes, at p: Int, id: String?, time: LogTime?, host: String)
    -> String?
  {
    let origin = Origin(input: context.input, logHost: host, mta: .exim)
    let line = Line(b: b, origin: origin, time: time)
    if let id {
      if b.has("<= ", at: p) {
        arrival(line, id: id, at: p + 3)
        return nil
      }
      if b.has("=> ", at: p) || b.has("-> ", at: p) || b.has(">> ", at: p) {
        delivery(line, id: id, at: p + 3)
        return nil
      }
      if b.has("** ", at: p) {
        failure(line, id: id, at: p + 3, status: .bounced)
        return nil
      }
      if b.has("== ", at: p) {
        failure(line, id: id, at: p + 3, status: .deferred)
        return nil
      }
      if b.has("Completed", at: p) {
        shared.table.remove(id)
        return nil
      }
      if b.has("*> ", at: p) || b.has("(= ", at: p) { return nil }
      if perHost(line, id: id, at: p) { return nil }
      return Self.isKnownMessageText(b, at: p) ? nil : "exim: unrecognised message line"
    }
    if b.has("TLS error on connection from ", at: p) || b.has("TLS error (", at: p) {
      inboundTLSError(line, at: p)
      return nil
    }
    // Flag lines without a message id: `exim -d` echoes ("LOG: MAIN").
    if b.has("== ", at: p) || b.has("** ", at: p) || b.has("=> ", at: p) {
      return time == nil ? nil : "exim: flag line without message id"
    }
    if perHost(line, id: nil, at: p) { return nil }
    // `[ip] SSL verify error: ...` of an inbound session: nothing to count.
    if b.has("[", at: p), let close = b.index(of: ASCII.rbracket, from: p),
      b.has("] SSL verify", at: close)
    {
      return nil
    }
    return Self.isKnownText(b, at: p) ? nil : "exim: unrecognised line"
  }

  /// Texts with a message id that carry nothing for the report but are Exim's own.
  private static func isKnownMessageText(_ b: Bytes, at p: Int) -> Bool {
    knownMessageTexts.contains { b.has($0, at: p) }
  }

  private static let knownMessageTexts: [StaticString] = [
    "Message is frozen", "Frozen", "Unfrozen", "spool file is locked",
    "Spool file is locked", "cancelled", "DKIM", "SA:", "F=", "U=", "rejected", "Warning:",
    "no immediate delivery", "Message ", "error ignored", "SPF", "DMARC", "ARC", "cwd=",
    "removed by", "Delivery attempt", "routing", "retry time not reached", "Sender ",
    "original recipients ignored", "Suppressing", "SMTP data timeout", "Remote host ",
    "SMTP timeout", "timed out", "temporarily rejected", "H=", "TLS ",
  ]

  /// Texts without a message id (connections, queue runs, rejects, daemon) we know.
  private static func isKnownText(_ b: Bytes, at p: Int) -> Bool {
    if knownTexts.contains(where: { b.has($0, at: p) }) { return true }
    // Rejectlog header lines: a one-character flag and a space (`P Received: ...`).
    if p + 2 <= b.count, b[p + 1] == ASCII.space, ASCII.isUpper(b[p]) || b[p] == 0x2A {
      return true
    }
    return b.index(of: " authenticator failed for ", from: p) != nil
  }

  private static let knownTexts: [StaticString] = [
    "H=", "U=", "F=", "SMTP ", "no MAIL in", "no host name found", "Start queue run",
    "End queue run", "exim ", "Warning:", "Suggested action", "TLS ", "rejected",
    "unexpected disconnection", "Connection from", "(", "cwd=", "ident ", "host name alias",
    "DKIM", "SPF", "DMARC", "SA:", "daemon", "pid ", "Spool", "spool", "Failed to",
    "sender verify", "Start ", "End ", "Completed", "LOG:", "Envelope-from:", "Envelope-to:",
    "  ", "\t", "listening for", "Received ", "*** ", "unable to", "fatal",
  ]

  // MARK: - Arrivals

  private func arrival(_ line: Line, id: String, at p: Int) {
    let b = line.b
    let senderEnd = Fields.tokenEnd(b, p)
    let rawSender = b.string(p, senderEnd)
    let sender = rawSender == "<>" ? "" : rawSender
    var f = Fields()
    f.scan(b, from: senderEnd, stopAtSeparator: false)
    shared.table.update(id) { $0.sender = sender }

    let header = f.idHeader.map { b.string($0.lowerBound, $0.upperBound) }
    context.sink.consume(
      .messageInfo(
        MessageInfoEvent(
          origin: line.origin, time: line.time, messageID: id, sender: sender,
          messageIDHeader: header)))

    if let r = f.router, sender.isEmpty {
      let original = b.string(r.lowerBound, r.upperBound)
      if isBounce(
        original: original, subject: f.subject.map { b.string($0.lowerBound, $0.upperBound) })
      {
        context.sink.consume(
          .ndr(NDREvent(origin: line.origin, time: line.time, originalID: original, ndrID: id)))
      }
    }

    guard let host = f.host, let ip = host.ip, let proto = f.proto else { return }
    guard !Self.isLoopback(b, ip), let encrypted = Self.inboundProtocol(b, proto) else { return }
    let addr = b.string(ip.lowerBound, ip.upperBound)
    let protection: Protection =
      encrypted
      ? .tls(f.version(b) ?? .unknown, f.trust(b)) : .plaintext
    context.sink.consume(
      .arrival(
        ArrivalEvent(
          origin: line.origin, time: line.time, messageID: id,
          client: b.string(host.start, host.relayEnd), clientAddr: addr, sender: sender,
          protection: protection)))
  }

  /// Whether `P=` names SMTP from a client: true for encrypted, false for clear, nil when
  /// the protocol is not an inbound one (`smtp`, `local...`, `-oMr` names). A `utf8`
  /// prefix is ignored; `essmtp`/`essmtpa` are the 4.99 tls-on-connect names.
  static func inboundProtocol(_ b: Bytes, _ r: Range<Int>) -> Bool? {
    var s = r.lowerBound
    if b.has("utf8", at: s) { s += 4 }
    let v = UnsafeBufferPointer(rebasing: b[s..<r.upperBound])
    func equals(_ text: StaticString) -> Bool {
      v.count == text.utf8CodeUnitCount && v.has(text, at: 0)
    }
    if equals("esmtp") || equals("esmtpa") { return false }
    if equals("esmtps") || equals("esmtpsa") || equals("essmtp") || equals("essmtpa") {
      return true
    }
    return nil
  }

  /// Tells a non-delivery report from a delay warning or a success DSN: an answer to a
  /// message that logged `**` since its last notice is an NDR; one to a message known
  /// only with `==` or `=>` lines is not. For a message not seen in this input, the
  /// subject decides when logged (`Warning: message ... delayed`), else it is an NDR.
  private func isBounce(original: String, subject: String?) -> Bool {
    if let state = shared.table[original] {
      if state.failed {
        shared.table.update(original) { $0.failed = false }
        return true
      }
      return false
    }
    if let subject, subject.hasPrefix("Warning: message ") { return false }
    return true
  }

  // MARK: - Deliveries

  private func delivery(_ line: Line, id: String, at p: Int) {
    let b = line.b
    let rcpt = Recipient.parse(b, at: p, failure: false)
    var f = Fields()
    f.scan(b, from: rcpt.end, stopAtSeparator: false)
    let outbound = isOutbound(b, f)
    if outbound { sawOutbound = true }
    let (recipient, domain) = rcpt.addressAndDomain(b)
    context.sink.consume(
      .delivery(
        DeliveryEvent(
          origin: line.origin, time: line.time, messageID: id, recipient: recipient,
          domain: domain, sender: shared.table[id]?.sender,
          relay: relay(b, f, sent: true), remoteHost: f.hostName(b), remoteAddr: f.hostAddr(b),
          agent: f.transport.map { b.string($0.lowerBound, $0.upperBound) } ?? "",
          status: .sent, isOutbound: outbound,
          protection: f.protection(b, evidenceKey: evidenceKey),
          dsn: f.confirmation.flatMap { Self.enhancedStatusCode(b, $0.lowerBound, $0.upperBound) }))
    )
  }

  private func isOutbound(_ b: Bytes, _ f: Fields) -> Bool {
    guard let ip = f.host?.ip else { return false }
    if Self.isLoopback(b, ip) { return false }
    if let t = f.transport, Self.isLocalTransport(b, t) { return false }
    return true
  }

  /// Transports that hand mail to a local store even over TCP (LMTP to Dovecot...).
  static func isLocalTransport(_ b: Bytes, _ r: Range<Int>) -> Bool {
    if hasCaseless(b, r.lowerBound, r.upperBound, "local") { return true }
    return r.contains { i in localWords.contains { hasCaseless(b, i, r.upperBound, $0) } }
  }

  private static let localWords: [StaticString] = ["lmtp", "dovecot", "appendfile", "pipe"]

  /// Whether `word` (lower case) starts at `i`, ignoring ASCII case, within `..<end`.
  private static func hasCaseless(_ b: Bytes, _ i: Int, _ end: Int, _ word: StaticString) -> Bool {
    let n = word.utf8CodeUnitCount
    guard i + n <= end else { return false }
    let w = word.utf8Start
    for k in 0..<n where b[i + k] | 0x20 != w[k] { return false }
    return true
  }

  /// Loopback addresses as Exim logs them: 127.0.0.0/8, `::1`, `::ffff:127.x`.
  static func isLoopback(_ b: Bytes, _ r: Range<Int>) -> Bool { Address.isLoopback(b, r) }


  /// `name [ip]:port` as logged; `local` for a delivery by a transport without a host,
  /// `none` for a failure that reached no host.
  private func relay(_ b: Bytes, _ f: Fields, sent: Bool) -> String {
    if let h = f.host { return b.string(h.start, h.relayEnd) }
    return sent && f.transport != nil ? "local" : "none"
  }

  // MARK: - Failures

  private func failure(_ line: Line, id: String, at p: Int, status: DeliveryStatus) {
    let b = line.b
    let rcpt = Recipient.parse(b, at: p, failure: true)
    var f = Fields()
    let reason: String
    if rcpt.separator {
      reason = Self.text(b, rcpt.end)
    } else if status == .deferred {
      reason = deferral(b, from: rcpt.end, fields: &f)
    } else {
      f.scan(b, from: rcpt.end, stopAtSeparator: true)
      reason = f.reasonStart.map { Self.text(b, $0) } ?? ""
    }
    var remoteHost = f.hostName(b)
    var remoteAddr = f.hostAddr(b)
    if f.host == nil, let embedded = Self.embeddedHost(reason) {
      (remoteHost, remoteAddr) = (embedded.0, embedded.1)
    }
    let state = shared.table.update(id) { if status == .bounced { $0.failed = true } }
    let detail = state.detail(for: remoteAddr)
    let (recipient, domain) = rcpt.addressAndDomain(b)
    context.sink.consume(
      .delivery(
        DeliveryEvent(
          origin: line.origin, time: line.time, messageID: id, recipient: recipient,
          domain: domain, sender: state.sender,
          relay: relay(b, f, sent: false), remoteHost: remoteHost, remoteAddr: remoteAddr,
          agent: f.transport.map { b.string($0.lowerBound, $0.upperBound) } ?? "",
          status: status, isOutbound: isOutbound(b, f),
          protection: f.protection(b, evidenceKey: evidenceKey),
          dsn: Self.dsn(in: reason), reason: reason.isEmpty ? nil : reason, detail: detail,
          line: b.string)))
  }

  /// Parses `... defer (N)[: strerror] [H=..] [DT=..] [: message]` from `from`, filling
  /// `f`; returns the reason (strerror and message joined with ": ").
  private func deferral(_ b: Bytes, from: Int, fields f: inout Fields) -> String {
    // Fields before `defer (`: R=, T=, Q=, <orig>, (parent), `routing`.
    guard let d = b.index(of: " defer (", from: max(0, from - 1)) else {
      f.scan(b, from: from, stopAtSeparator: true)
      return f.reasonStart.map { Self.text(b, $0) } ?? ""
    }
    f.scan(UnsafeBufferPointer(rebasing: b[0..<d]), from: from, stopAtSeparator: false)
    let numStart = d + 8
    guard let close = b.index(of: ASCII.rparen, from: numStart) else {
      return Self.text(b, numStart)
    }
    // Only a positive errno (or the test suite's `dd`) is followed by a strerror text.
    let noStrerror =
      numStart < close && (b[numStart] == 0x2D || (close == numStart + 1 && b[numStart] == 0x30))
    var i = close + 1
    var parts: [String] = []
    if !noStrerror && b.has(": ", at: i) {
      // strerror runs to " H=", " DT=", ": " or the end.
      let s = i + 2
      var e = s
      while e < b.count {
        if b.has(" H=", at: e) || b.has(" DT=", at: e) || b.has(": ", at: e) { break }
        e += 1
      }
      if e > s { parts.append(b.string(s, e)) }
      i = e
    }
    if b.has(" H=", at: i) || b.has(" DT=", at: i) || b.has(" X=", at: i) {
      var rest = Fields()
      rest.scan(b, from: i, stopAtSeparator: true)
      f.host = rest.host ?? f.host
      f.cipher = rest.cipher ?? f.cipher
      f.verified = rest.verified ?? f.verified
      if let r = rest.reasonStart { parts.append(Self.text(b, r)) }
    } else if b.has(": ", at: i) {
      parts.append(Self.text(b, i + 2))
    }
    return parts.joined(separator: ": ")
  }

  /// The rest of the line from `p` as text, without a trailing ` DT=<time>`.
  static func text(_ b: Bytes, _ p: Int) -> String {
    var end = b.count
    var s = end
    while s > p && b[s - 1] != ASCII.space { s -= 1 }
    if s > p && b.has("DT=", at: s) { end = s - 1 }
    return b.string(p, end)
  }

  /// `host NAME [IP]` inside an old (<= 4.84) failure text.
  static func embeddedHost(_ reason: String) -> (String, String)? {
    guard let r = reason.range(of: ": host ") else { return nil }
    let rest = reason[r.upperBound...]
    guard let sp = rest.firstIndex(of: " "), rest[sp...].hasPrefix(" ["),
      let close = rest[sp...].firstIndex(of: "]")
    else { return nil }
    let name = String(rest[..<sp])
    let addr = String(rest[rest.index(sp, offsetBy: 2)..<close])
    return Address.isIP(addr) ? (name, addr) : nil
  }

  /// The enhanced status code (`5.1.1`) after an SMTP reply code in the text, or nil.
  static func dsn(in text: String) -> String? {
    var copy = text
    return copy.withUTF8 { b in
      b.isEmpty ? nil : enhancedStatusCode(b, 0, b.count)
    }
  }

  /// Scans `start..<end` for `NNN X.Y.Z` / `NNN-X.Y.Z` with matching classes.
  static func enhancedStatusCode(_ b: Bytes, _ start: Int, _ end: Int) -> String? {
    var i = start
    while i + 9 <= end {
      let c = b[i]
      if (c == 0x32 || c == 0x34 || c == 0x35) && ASCII.isDigit(b[i + 1])
        && ASCII.isDigit(b[i + 2]) && (b[i + 3] == ASCII.space || b[i + 3] == 0x2D)
        && b[i + 4] == c && b[i + 5] == ASCII.dot && (i == start || !ASCII.isAlnum(b[i - 1]))
      {
        var j = i + 6
        var digits = 0
        while j < end && ASCII.isDigit(b[j]) && digits < 4 {
          j += 1
          digits += 1
        }
        if digits >= 1 && digits <= 3 && j < end && b[j] == ASCII.dot {
          var k = j + 1
          var more = 0
          while k < end && ASCII.isDigit(b[k]) && more < 4 {
            k += 1
            more += 1
          }
          if more >= 1 && more <= 3 && (k == end || !ASCII.isAlnum(b[k])) {
            return b.string(i + 4, k)
          }
        }
      }
      i += 1
    }
    return nil
  }

  // MARK: - Per-host and TLS lines

  /// Per-host, TLS and downgrade lines of a delivery attempt. Returns false when the
  /// text is not one of them.
  private func perHost(_ line: Line, id: String?, at p: Int) -> Bool {
    let b = line.b
    var host: HostPart?
    var reasonStart = p
    var isTLS = false
    if b.has("H=", at: p) {
      // `H=name [ip]: text` or `H=name [ip] strerror`; a reject line goes on with fields.
      guard let h = HostPart.parse(b, at: p), h.ip != nil else { return false }
      host = h
      reasonStart = h.end
      if !h.separator {
        guard reasonStart < b.count, b[reasonStart] == ASCII.space else { return false }
        reasonStart += 1
        if Self.startsWithField(b, reasonStart) || b.index(of: " rejected ", from: p) != nil {
          return false
        }
      }
      isTLS = b.has("TLS error", at: reasonStart)
      guard id != nil || isTLS else { return false }
    } else if b.has("TLS session", at: p) || b.has("TLS error on connection to ", at: p)
      || b.has("DANE attempt failed", at: p)
    {
      isTLS = true
      if let at = b.index(of: " to H=", from: p) {
        host = HostPart.parse(b, at: at + 4)
      } else if let at = b.index(of: " to ", from: p) {
        host = HostPart.parse(b, name: at + 4)
      }
    } else if id != nil && b.has("Failed to connect to ", at: p) {
      host = HostPart.parse(b, name: p + 21)
    } else if id != nil && b.has("SMTP error from remote mail", at: p) {
      host = nil
    } else if let id, b.has("[", at: p), let close = b.index(of: ASCII.rbracket, from: p),
      b.has("] SSL verify", at: close) || b.has("] TLS verify", at: close)
    {
      // `[ip] SSL verify error: ...`: the detail for the message's next failure.
      let addr = b.string(p + 1, close)
      let text = b.string(min(close + 2, b.count), b.count)
      shared.table.update(id) { $0.setDetail(text, addr: addr, verify: true) }
      return true
    } else {
      return false
    }
    if host?.ip == nil { host = nil }
    let reason = b.string(reasonStart, b.count)
    let addr = host.flatMap { h in h.ip.map { b.string($0.lowerBound, $0.upperBound) } }
    var detail: String?
    if let id {
      detail = shared.table[id]?.detail(for: addr)
      if isTLS { shared.table.update(id) { $0.setDetail(reason, addr: addr, verify: false) } }
    }
    context.sink.consume(
      .attempt(
        AttemptEvent(
          origin: line.origin, time: line.time, messageID: id,
          remoteHost: host.map { $0.displayName(b) }, reason: reason, detail: detail,
          line: b.string)))
    return true
  }

  /// Whether a `KEY=` field (upper-case key) starts at `p`.
  private static func startsWithField(_ b: Bytes, _ p: Int) -> Bool {
    var i = p
    while i < b.count && (ASCII.isUpper(b[i]) || b[i] == 0x2A) { i += 1 }
    return i > p && i < b.count && b[i] == ASCII.equals
  }

  /// `TLS error on connection from <host> [ip] ...`: a failed inbound handshake. It is
  /// recognised and counted as used, but it is not one of our deliveries, so it is not
  /// reported as a delivery attempt (the bounce clusters would otherwise show it as a
  /// recipient's problem).
  private func inboundTLSError(_ line: Line, at p: Int) {}

  // MARK: - Sniffing

  private static func score(_ b: Bytes) -> Int {
    var p: Int
    if let stamp = Stamp.parse(b, at: 0) {
      p = stamp.next
    } else if let sys = SyslogPrefixParser(
      clock: LocalClock(), years: YearTracker(reference: Date())
    ).parse(b), b.has("exim", at: sys.program.lowerBound) {
      p = sys.message
      if let m = SplitMarker.parse(b, at: p) { p = m.next }
      if let stamp = Stamp.parse(b, at: p) { p = stamp.next }
    } else {
      return 0
    }
    if b.has("postfix", at: p) { return 0 }
    let (id, body) = messageID(b, at: pidEnd(b, p))
    guard id != nil else { return 1 }
    for flag: StaticString in ["<= ", "=> ", "-> ", "** ", "== ", "Completed", ">> ", "*> "]
    where b.has(flag, at: body) {
      return 3
    }
    return 2
  }

  private static func pidEnd(_ b: Bytes, _ p: Int) -> Int {
    guard p < b.count, b[p] == ASCII.lbracket else { return p }
    var i = p + 1
    while i < b.count && ASCII.isDigit(b[i]) { i += 1 }
    return i > p + 1 && b.has("] ", at: i) ? i + 2 : p
  }
}

// MARK: - Line context

/// One line and where it came from, passed to the handlers.
private struct Line {
  let b: Bytes
  let origin: Origin
  let time: LogTime?
}

// MARK: - Timestamps

/// An Exim timestamp: `YYYY-MM-DD HH:MM:SS[.mmm][ ±hhmm] `.
struct Stamp {
  var start: Int
  var millis: Int
  var offset: Int?
  /// Where the text after the timestamp starts.
  var next: Int

  static func parse(_ b: Bytes, at p: Int) -> Stamp? {
    guard p + 19 <= b.count, b[p + 4] == 0x2D, b[p + 7] == 0x2D, b[p + 10] == ASCII.space,
      b[p + 13] == ASCII.colon, b[p + 16] == ASCII.colon
    else { return nil }
    // Every other position of `YYYY-MM-DD HH:MM:SS` is a digit.
    for i in p..<(p + 19)
    where i != p + 4 && i != p + 7 && i != p + 10 && i != p + 13
      && i != p + 16 && !ASCII.isDigit(b[i])
    {
      return nil
    }
    var i = p + 19
    var millis = 0
    if i < b.count && b[i] == ASCII.dot {
      // Exim writes exactly three digits; six (Postfix, rsyslog) is not Exim.
      guard i + 4 <= b.count, let ms = b.decimal(i + 1, i + 4),
        i + 4 == b.count || b[i + 4] == ASCII.space
      else { return nil }
      millis = ms
      i += 4
    }
    guard i == b.count || b[i] == ASCII.space else { return nil }
    var offset: Int?
    if i + 6 <= b.count, b[i + 1] == 0x2B || b[i + 1] == 0x2D,
      let hhmm = b.decimal(i + 2, i + 6), i + 6 == b.count || b[i + 6] == ASCII.space
    {
      let seconds = (hhmm / 100) * 3600 + (hhmm % 100) * 60
      offset = b[i + 1] == 0x2D ? -seconds : seconds
      i += 6
    }
    return Stamp(start: p, millis: millis, offset: offset, next: min(i + 1, b.count))
  }

  /// Epoch seconds: local time through `clock` unless the stamp has a zone.
  func time(_ b: Bytes, _ clock: LocalClock) -> LogTime? {
    let p = start
    guard let y = b.decimal(p, p + 4), let mo = b.decimal(p + 5, p + 7),
      let d = b.decimal(p + 8, p + 10), let h = b.decimal(p + 11, p + 13),
      let mi = b.decimal(p + 14, p + 16), let s = b.decimal(p + 17, p + 19)
    else { return nil }
    let base: LogTime?
    if let offset {
      base = LocalClock.epoch(
        year: y, month: mo, day: d, hour: h, minute: mi, second: s, offset: offset)
    } else {
      base = clock.epoch(year: y, month: mo, day: d, hour: h, minute: mi, second: s)
    }
    return base.map { $0 + LogTime(millis) / 1000 }
  }
}

/// A syslog split marker `[k/m] ` (split for length) or `[k\m] ` (split at a newline).
struct SplitMarker {
  var index: Int
  var total: Int
  var atNewline: Bool
  var next: Int

  static func parse(_ b: Bytes, at p: Int) -> SplitMarker? {
    guard p < b.count, b[p] == ASCII.lbracket else { return nil }
    var i = p + 1
    while i < b.count && ASCII.isDigit(b[i]) { i += 1 }
    guard let k = b.decimal(p + 1, i), i < b.count, b[i] == ASCII.slash || b[i] == 0x5C
    else { return nil }
    let sep = i
    i += 1
    let m0 = i
    while i < b.count && ASCII.isDigit(b[i]) { i += 1 }
    guard let m = b.decimal(m0, i), b.has("]", at: i), k >= 1, k <= m else { return nil }
    let next = b.has("] ", at: i) ? i + 2 : i + 1
    return SplitMarker(index: k, total: m, atNewline: b[sep] == 0x5C, next: next)
  }
}

/// Joins the pieces of a line syslog split. Text after a piece that ended at a newline
/// is dropped (it is a continuation such as "Suggested action"); memory is capped.
struct SplitLine {
  enum Result {
    case pending, broken
    case complete([UInt8])
  }
  private var buffer: [UInt8] = []
  private var expected = 0
  private var total = 0
  private var closed = false
  private static let cap = 64 * 1024

  mutating func reset() {
    buffer = []
    expected = 0
    total = 0
    closed = false
  }

  mutating func add(_ m: SplitMarker, _ piece: Bytes) -> Result {
    if m.index == 1 {
      reset()
      total = m.total
    } else if m.index != expected || m.total != total {
      reset()
      return .broken
    }
    if !closed && buffer.count + piece.count <= Self.cap { buffer.append(contentsOf: piece) }
    if m.atNewline { closed = true }
    expected = m.index + 1
    if m.index == m.total {
      let joined = buffer
      reset()
      return .complete(joined)
    }
    return .pending
  }
}

// MARK: - Fields

/// `H=` as logged: `name [ip]`, `(helo) [ip]`, `name (helo) [ip]`, `[ip]`, with optional
/// ` DS`, `:port` and `*` (continued connection); a 4.98 `: ` separator may follow the
/// address.
struct HostPart {
  var start: Int
  var nameStart: Int
  var nameEnd: Int
  var ip: Range<Int>?
  /// End of `name [ip]:port` (without `*`).
  var relayEnd: Int
  /// Where scanning goes on.
  var end: Int
  /// A failure-text separator followed the address.
  var separator = false

  /// Parses from `H=` at `p`.
  static func parse(_ b: Bytes, at p: Int) -> HostPart? {
    guard b.has("H=", at: p) else { return nil }
    return parse(b, name: p + 2, start: p + 2)
  }

  /// Parses `name [ip]...` starting at `p` (no `H=`).
  static func parse(_ b: Bytes, name p: Int, start: Int? = nil) -> HostPart? {
    guard p < b.count else { return nil }
    var h = HostPart(
      start: start ?? p, nameStart: p, nameEnd: p, ip: nil, relayEnd: p, end: p)
    var i = p
    if b[i] == ASCII.lparen {
      i = skipParens(b, i)
      h.nameEnd = i
    } else if b[i] != ASCII.lbracket {
      i = b.end(of: i, stop: ASCII.space)
      h.nameEnd = i
      if i > p, b[i - 1] == ASCII.colon { h.nameEnd = i - 1 }
    }
    h.relayEnd = h.nameEnd
    h.end = i
    while true {
      var j = i
      if j < b.count && b[j] == ASCII.space { j += 1 } else if j != p { break }
      guard j < b.count else { break }
      if b[j] == ASCII.lparen {
        i = skipParens(b, j)
        h.end = i
        continue
      }
      if b.has("DS", at: j) && (j + 2 == b.count || b[j + 2] == ASCII.space) {
        i = j + 2
        h.end = i
        continue
      }
      guard b[j] == ASCII.lbracket, let close = b.index(of: ASCII.rbracket, from: j),
        isAddress(b, j + 1, close)
      else { break }
      h.ip = (j + 1)..<close
      i = close + 1
      if i < b.count && b[i] == ASCII.colon && i + 1 < b.count && b[i + 1] != ASCII.space {
        i = b.end(of: i, stop: ASCII.space)
        if b[i - 1] == 0x2A { i -= 1 }
        if b[i - 1] == ASCII.colon { i -= 1 }
      }
      h.relayEnd = i
      if i < b.count && b[i] == 0x2A { i += 1 }
      // A 4.98 `: ` right after the address ends the fields (4.99's ` : ` is a token).
      if i < b.count && b[i] == ASCII.colon && (i + 1 == b.count || b[i + 1] == ASCII.space) {
        h.separator = true
        i += 2
      }
      h.end = min(i, b.count)
      break
    }
    return h
  }

  private static func skipParens(_ b: Bytes, _ p: Int) -> Int {
    var depth = 0
    var i = p
    while i < b.count {
      if b[i] == ASCII.lparen { depth += 1 }
      if b[i] == ASCII.rparen {
        depth -= 1
        if depth == 0 { return i + 1 }
      }
      i += 1
    }
    return b.count
  }

  /// The host name, or the address when only a HELO name in parentheses was logged.
  func displayName(_ b: Bytes) -> String {
    if nameEnd > nameStart && b[nameStart] != ASCII.lparen { return b.string(nameStart, nameEnd) }
    if let ip { return b.string(ip.lowerBound, ip.upperBound) }
    return b.string(nameStart, nameEnd)
  }

  private static func isAddress(_ b: Bytes, _ s: Int, _ e: Int) -> Bool {
    guard e > s else { return false }
    for i in s..<e {
      let c = b[i]
      if !(ASCII.isDigit(c) || c == ASCII.dot || c == ASCII.colon || (c | 0x20) &- 0x61 < 6) {
        return false
      }
    }
    return true
  }
}

/// The recipient part of a flag line: `addr [<orig>] [(parent)]`.
struct Recipient {
  var final: Range<Int>
  var original: Range<Int>?
  /// Where the fields start.
  var end: Int
  /// A failure-text separator (`: `) ended the address part.
  var separator = false

  static func parse(_ b: Bytes, at p: Int, failure: Bool) -> Recipient {
    var e = Fields.tokenEnd(b, p)
    var r = Recipient(final: p..<e, original: nil, end: e)
    if failure, e > p + 1, b[e - 1] == ASCII.colon, b[p] != ASCII.colon {
      r.final = p..<(e - 1)
      r.separator = true
      r.end = min(e + 1, b.count)
      return r
    }
    while e + 1 < b.count && b[e] == ASCII.space
      && (b[e + 1] == ASCII.lt || b[e + 1] == ASCII.lparen)
    {
      let s = e + 1
      let close = b.index(of: b[s] == ASCII.lt ? ASCII.gt : ASCII.rparen, from: s) ?? (b.count - 1)
      if b[s] == ASCII.lt { r.original = (s + 1)..<close }
      e = close + 1
      if failure && b.has(":", at: e) && (e + 1 == b.count || b[e + 1] == ASCII.space) {
        r.separator = true
        r.end = min(e + 2, b.count)
        return r
      }
    }
    r.end = e
    return r
  }

  /// The final address, or the original when the final one is a local part, a file,
  /// a pipe or `:blackhole:`; and its domain, lower-cased ("" without `@`).
  func addressAndDomain(_ b: Bytes) -> (String, String) {
    var s = final.lowerBound
    var e = final.upperBound
    if let o = original, b.index(of: ASCII.at, from: s).map({ $0 >= e }) ?? true {
      (s, e) = (o.lowerBound, o.upperBound)
    } else if e - s >= 2 && b[s] == ASCII.lt && b[e - 1] == ASCII.gt {
      s += 1
      e -= 1
    }
    var at = e
    while at > s && b[at - 1] != ASCII.at { at -= 1 }
    var domainEnd = e
    while domainEnd > at && (b[domainEnd - 1] == ASCII.dot || b[domainEnd - 1] == ASCII.gt) {
      domainEnd -= 1
    }
    let domain = at > s ? b.lowercasedString(at, domainEnd) : ""
    return (b.string(s, e), domain)
  }
}

/// The `KEY=value` fields of a flag line that the parser uses, as byte ranges.
struct Fields {
  var host: HostPart?
  var router: Range<Int>?
  var transport: Range<Int>?
  var proto: Range<Int>?
  var cipher: Range<Int>?
  var verified: Range<Int>?
  var confirmation: Range<Int>?
  var idHeader: Range<Int>?
  var subject: Range<Int>?
  /// Start of the failure text after a separator.
  var reasonStart: Int?

  /// Scans tokens from `p`. With `stopAtSeparator`, a token ending in `:` (4.98) or a
  /// lone `:` (4.99) ends the fields and sets `reasonStart`; so does a token that is not
  /// a field.
  mutating func scan(_ b: Bytes, from p: Int, stopAtSeparator: Bool) {
    var i = p
    let n = b.count
    while i < n {
      if b[i] == ASCII.space {
        i += 1
        continue
      }
      let s = i
      if b.has("H=", at: s), host == nil, let h = HostPart.parse(b, at: s) {
        host = h
        i = h.end
        if h.separator && stopAtSeparator {
          reasonStart = min(h.end, n)
          return
        }
        continue
      }
      let e = Self.tokenEnd(b, s)
      i = e
      var valueEnd = e
      var separator = false
      if stopAtSeparator {
        if e - s == 1 && b[s] == ASCII.colon {
          reasonStart = min(e + 1, n)
          return
        }
        if b[e - 1] == ASCII.colon {
          valueEnd = e - 1
          separator = true
        }
      }
      guard let eq = b.index(of: ASCII.equals, from: s), eq < valueEnd else {
        if stopAtSeparator && !separator && !Self.isBareFlag(b, s, e) {
          reasonStart = s
          return
        }
        if separator {
          reasonStart = min(e + 1, n)
          return
        }
        continue
      }
      var v = (eq + 1)..<valueEnd
      let quoted =
        v.count >= 2 && b[v.lowerBound] == ASCII.quote && b[v.upperBound - 1] == ASCII.quote
      if quoted { v = (v.lowerBound + 1)..<(v.upperBound - 1) }
      switch eq - s {
      case 1:
        switch b[s] {
        case 0x52: if router == nil { router = v }  // R=
        case 0x54:  // T=: transport, or the quoted subject of an arrival
          if quoted { subject = v } else if transport == nil { transport = v }
        case 0x50: if proto == nil && !quoted && !b.has("<", at: v.lowerBound) { proto = v }  // P=
        case 0x58: cipher = v  // X=
        case 0x43: confirmation = v  // C=
        default: break
        }
      case 2:
        if b.has("CV", at: s) { verified = v }
        if b.has("id", at: s) { idHeader = v }
      case 3:
        if b.has("id*", at: s) { idHeader = v }
      default: break
      }
      if separator {
        reasonStart = min(e + 1, n)
        return
      }
    }
  }

  /// Tokens without `=` that Exim writes among the fields.
  private static func isBareFlag(_ b: Bytes, _ s: Int, _ e: Int) -> Bool {
    let c = b[s]
    if c == ASCII.lt || c == ASCII.lparen || c == ASCII.lbracket || c == 0x2A { return true }
    let len = e - s
    if len <= 2 && ASCII.isUpper(c) { return true }  // K, L, L*, L-, DS
    return (len == 3 && (b.has("TFO", at: s) || b.has("L-.", at: s)))
      || (len == 4 && b.has("TFO*", at: s))
      || (len == 4 && b.has("PRDR", at: s)) || b.has("routing", at: s)
  }

  /// The end of the token at `p`: the next space, skipping a quoted value (`C="..."`,
  /// with backslash escapes) that starts right after `=` or at `p`.
  static func tokenEnd(_ b: Bytes, _ p: Int) -> Int {
    var i = p
    let n = b.count
    while i < n && b[i] != ASCII.space {
      if b[i] == ASCII.quote && (i == p || b[i - 1] == ASCII.equals) {
        i += 1
        while i < n && b[i] != ASCII.quote {
          if b[i] == 0x5C { i += 1 }
          i += 1
        }
      }
      i += 1
    }
    return min(i, n)
  }

  /// The TLS version from `X=` (`TLSv1.2`, `TLS1.3`, `TLSv1` = 1.0, `SSLv3`), or nil.
  func version(_ b: Bytes) -> TLSVersion? {
    guard let x = cipher else { return nil }
    let end =
      b.index(of: ASCII.colon, from: x.lowerBound).map { min($0, x.upperBound) } ?? x.upperBound
    return Self.version(b, x.lowerBound, end)
  }

  static func version(_ b: Bytes, _ s: Int, _ e0: Int) -> TLSVersion {
    var e = e0
    if e - s > 5 && b.has("-PKIX", at: e - 5) { e -= 5 }
    var i = s
    let ssl: Bool
    if b.has("TLS", at: i) {
      ssl = false
    } else if b.has("SSL", at: i) {
      ssl = true
    } else {
      return .unknown
    }
    i += 3
    if i < e && b[i] == 0x76 { i += 1 }  // 'v'
    let rest = UnsafeBufferPointer(rebasing: b[i..<e])
    func equals(_ t: StaticString) -> Bool {
      rest.count == t.utf8CodeUnitCount && rest.has(t, at: 0)
    }
    if ssl { return equals("3") || equals("3.0") ? .ssl3 : .unknown }
    if equals("1") || equals("1.0") { return .v10 }
    if equals("1.1") { return .v11 }
    if equals("1.2") { return .v12 }
    if equals("1.3") { return .v13 }
    return .unknown
  }

  /// TLS with version and trust when `X=` was logged, else unproven (evidence rule).
  func protection(_ b: Bytes, evidenceKey: String) -> Protection {
    cipher != nil ? .tls(version(b) ?? .unknown, trust(b)) : .unproven(evidenceKey: evidenceKey)
  }

  /// Trust from `CV=`: yes and dane are verified, no is untrusted, absent is unknown.
  func trust(_ b: Bytes) -> TLSTrust {
    guard let v = verified else { return .unknown }
    let value = UnsafeBufferPointer(rebasing: b[v])
    if value.count == 3 && value.has("yes", at: 0) { return .verified }
    if value.count == 4 && value.has("dane", at: 0) { return .verified }
    if value.count == 2 && value.has("no", at: 0) { return .untrusted }
    return .unknown
  }

  func hostName(_ b: Bytes) -> String? {
    guard let h = host, h.nameEnd > h.nameStart else { return nil }
    return b.string(h.nameStart, h.nameEnd)
  }

  func hostAddr(_ b: Bytes) -> String? {
    host?.ip.map { b.string($0.lowerBound, $0.upperBound) }
  }
}

// MARK: - Per-message state

/// What the parser remembers about a message until its `Completed` line.
struct MessageState {
  var sender: String?
  /// A `**` was logged since the last bounce message for it.
  var failed = false
  /// The latest TLS detail line (`SSL verify error: ...`, `TLS session: ...`) and the
  /// peer address it names.
  var detailText: String?
  var detailAddr: String?
  var detailIsVerify = false

  /// Records a detail. A certificate verification line is the most specific one: a
  /// later TLS error about the same peer does not replace it.
  mutating func setDetail(_ text: String, addr: String?, verify: Bool) {
    if !verify && detailIsVerify && detailText != nil && (addr == nil || addr == detailAddr) {
      return
    }
    detailText = text
    detailAddr = addr
    detailIsVerify = verify
  }

  /// The detail for a failure at `addr`: only when both name the same peer, or neither
  /// names one. A failure without a host (`DANE error: tlsa lookup`, `retry time not
  /// reached`) never takes the detail of a host tried for another recipient.
  func detail(for addr: String?) -> String? {
    guard let text = detailText, addr == detailAddr else { return nil }
    return text
  }
}

/// The message table of a run, shared by its Exim parsers through `RunState.shared`.
final class MessageStore {
  static let key = "exim.messages"
  var table = MessageTable(limit: 100_000)
}

/// Message states in two generations: when the current one fills up it becomes the
/// previous one and the old previous one is dropped, so memory stays bounded even
/// when `Completed` lines are missing.
struct MessageTable {
  private var current: [String: MessageState] = [:]
  private var previous: [String: MessageState] = [:]
  let limit: Int

  init(limit: Int) { self.limit = limit }

  subscript(id: String) -> MessageState? { current[id] ?? previous[id] }

  @discardableResult
  mutating func update(_ id: String, _ body: (inout MessageState) -> Void) -> MessageState {
    var state = current[id] ?? previous.removeValue(forKey: id) ?? MessageState()
    body(&state)
    current[id] = state
    if current.count > limit {
      previous = current
      current = [:]
    }
    return state
  }

  mutating func remove(_ id: String) {
    current.removeValue(forKey: id)
    previous.removeValue(forKey: id)
  }
}
