// ExchangeJoin.swift: ties TLS facts from SMTP protocol logs (and Exchange Online trace
// detail) to the deliveries and arrivals of message tracking logs (and trace exports),
// across inputs given in any order.
//
// Every Exchange input of a run shares one `ExchangeJoin` (RunState.shared["exchange"]).
// Protocol-log rows build `ExchangeSession`s; tracking and trace rows become pending
// events. A finisher registered in RunState.finishers decides each pending event's
// Protection after the last input and pushes the events to the sink of the input they
// came from. Memory is proportional to the number of SMTP sessions and messages (not to
// lines); that is the price of a join whose two sides may come in either order.
// Deliveries that no fact covers get `.unknown(reason:)` and one note per cause in
// RunState.notes, naming the files that would supply it. Nothing here fails.

import MailLogKit
import MailLogModel

/// Which side of SMTP a protocol-log session is on.
enum ExchangeSessionSide {
  case unknown, send, receive
}

/// A protocol-log session id: 16 hex digits as a number, anything else as text.
enum ExchangeSessionKey: Hashable {
  case hex(UInt64)
  case text(String)

  /// The key of a session-id field or the `<session>;<time>;<n>` prefix; nil when empty.
  init?(_ f: Bytes) {
    var end = f.index(of: 0x3B) ?? f.count  // ';'
    while end > 0 && f[end - 1] == ASCII.space { end -= 1 }
    guard end > 0 else { return nil }
    if end <= 16 {
      var v: UInt64 = 0
      var ok = true
      for i in 0..<end {
        guard let d = ExchangeText.hexValue(f[i]) else {
          ok = false
          break
        }
        v = v << 4 | UInt64(d)
      }
      if ok {
        self = .hex(v)
        return
      }
    }
    self = .text(f.lowercasedString(0, end))
  }
}

/// One message sent in an SmtpSend session.
struct ExchangeSentMessage {
  var time: LogTime?
  /// Every `RCPT TO` address (lower-cased), accepted or not.
  var recipients: [String] = []
  /// The recipients the remote answered 2xx.
  var accepted: [String] = []
  var sender: String?
  /// The remote's reply to the end of data (`250 2.6.0 <id> ... Queued mail for delivery`).
  var finalReply: String?
}

/// One SMTP session of a protocol log, reduced to its TLS facts and join keys.
final class ExchangeSession {
  let key: ExchangeSessionKey
  /// The input the first row came from (for protocol-only events).
  let input: Int
  var side: ExchangeSessionSide = .unknown
  var remoteIP = ""
  var remotePort: Int?
  /// Our port: 2525 (Front End to transport) and 475 (mailbox delivery) are internal hops.
  var localPort: Int?
  var first: LogTime?
  var last: LogTime?
  /// The session start was logged (connect row, sequence 0, the greeting on the receive
  /// side, `attempting to connect` on the send side): a missing TLS line means plaintext.
  var sawStart = false
  /// STARTTLS (or X-ANONYMOUSTLS) was answered with 220.
  var startedTLS = false
  /// The version of the Schannel negotiation line.
  var tls: TLSVersion?
  /// `TLS negotiation failed with error ...` and similar, verbatim.
  var tlsFailure: String?
  /// The peer's certificate was logged (`Remote certificate`, `Received certificate`,
  /// `Certificate thumbprint`): a TLS handshake took place.
  var remoteCertificate = false
  /// `Client certificate chain validation status: '<this>'`.
  var clientChain: String?
  /// `TlsDomainCapabilities='...'; Status='<this>'`.
  var domainStatus: String?
  /// The peer advertised Exchange-only extensions (XSHADOW, EXCHANGEAUTH): same organisation.
  var peerIsExchange = false
  /// Send side: messages in order.
  var messages: [ExchangeSentMessage] = []
  /// Receive side: `250 2.6.0 <id> ... Queued mail for delivery` replies (message ids).
  var queued: [(id: String, time: LogTime?)] = []
  /// Commands waiting for their reply, oldest first (pipelining keeps several open).
  var pending: [(verb: ExchangeSMTPVerb, argument: String)] = []

  init(key: ExchangeSessionKey, input: Int) {
    self.key = key
    self.input = input
  }

  /// Whether `time` falls in the session, give or take `slack` seconds.
  func covers(_ time: LogTime?, slack: Double) -> Bool {
    guard let time, let first, let last else { return false }
    return time >= first - slack && time <= last + slack
  }
}

/// SMTP commands whose replies matter.
enum ExchangeSMTPVerb {
  case ehlo, startTLS, mail, rcpt, data, dataEnd, bdat, bdatLast, other
}

/// Which product wrote a tracking-shaped row (the notes differ).
enum ExchangePlatform {
  case server, online
}

/// A tracking delivery waiting for its protection.
struct ExchangePendingDelivery {
  var event: DeliveryEvent
  var platform: ExchangePlatform
  /// The remote's final reply from source-context, spaces removed (the join key).
  var replyKey: String?
  /// `EffectiveTlsAuthLevel`, else `RequiredTlsAuthLevel`, from custom-data.
  var authLevel: String?
  /// A version the row states itself (`TLS=SP_PROT_...` in custom-data).
  var ownTLS: TLSVersion?
}

/// A tracking arrival waiting for its protection.
struct ExchangePendingArrival {
  var event: ArrivalEvent
  var platform: ExchangePlatform
  /// The SmtpReceive session named in source-context.
  var session: ExchangeSessionKey?
  /// The row came through the Front End proxy: the session named is the internal hop.
  var proxied: Bool
  var ownTLS: TLSVersion?
}

/// A DSN row: the notification `ndrID` about `originalID` (which may be unknown yet).
struct ExchangePendingDSN {
  var origin: Origin
  var time: LogTime?
  var ndrID: String
  var originalID: String?
}

/// Exchange Online trace detail facts of one message and recipient.
final class ExchangeTraceDetail {
  let origin: Origin
  var time: LogTime?
  var messageID = ""
  var recipient = ""
  var sender: String?
  /// The first event was a Receive and no Submit followed: mail from outside.
  var firstEventIsReceive: Bool?
  var sawSubmit = false
  /// Receive events seen; the first one is the arrival from outside.
  var receives = 0
  var receiveTLS: TLSVersion?
  /// "Send external" seen, with its TLS version and remote host when stated.
  var sentExternal = false
  var sendTLS: TLSVersion?
  var sendHost: String?
  var sendTime: LogTime?
  var failReason: String?
  var deferReason: String?
  var failTime: LogTime?
  var line: String?
  /// A summary row used these facts (they are not emitted on their own).
  var used = false

  init(origin: Origin) { self.origin = origin }
}

/// An Exchange Online summary row waiting for detail facts.
struct ExchangeTraceRow {
  var delivery: DeliveryEvent?
  var arrival: ArrivalEvent?
  /// `messagetraceid|recipient` and `messageid|recipient`, lower-cased.
  var keys: [String]
}

/// The state all Exchange inputs of a run share.
final class ExchangeJoin {
  static let key = "exchange"

  var sessions: [ExchangeSessionKey: ExchangeSession] = [:]
  var deliveries: [ExchangePendingDelivery] = []
  var arrivals: [ExchangePendingArrival] = []
  /// Messages already counted as arrivals (network-message-id, or `id:` + Message-ID).
  var arrivalKeys: Set<String> = []
  var dsns: [ExchangePendingDSN] = []
  /// Original message ids with a FAIL row, and with a DEFER row.
  var failedIDs: Set<String> = []
  var deferredIDs: Set<String> = []
  /// NDR message id -> original, from FAIL rows' reference field.
  var ndrOriginal: [String: String] = [:]
  var traceRows: [ExchangeTraceRow] = []
  var details: [String: ExchangeTraceDetail] = [:]
  /// Detail facts in the order they were first seen (stable output).
  var detailOrder: [String] = []

  /// Inputs of each kind: tracking logs (Server or Online) decide whether protocol
  /// logs count messages themselves; protocol-log inputs choose the notes' wording.
  var trackingInputs = 0
  var sendLogInputs = 0
  var receiveLogInputs = 0
  /// Notes a parser found (export problems), added once each.
  var exportNotes: [String] = []

  private var sinks: [Int: EventSink] = [:]

  /// The run's join, created (with its finisher) by the first Exchange input.
  static func shared(for context: ParseContext) -> ExchangeJoin {
    if let join = context.run.shared[key] as? ExchangeJoin {
      join.sinks[context.input] = context.sink
      return join
    }
    let join = ExchangeJoin()
    join.sinks[context.input] = context.sink
    context.run.shared[key] = join
    let run = context.run
    run.finishers.append { [unowned join, unowned run] in join.finish(run: run) }
    return join
  }

  /// The session for `key`, created on first sight.
  func session(_ key: ExchangeSessionKey, input: Int) -> ExchangeSession {
    if let s = sessions[key] { return s }
    let s = ExchangeSession(key: key, input: input)
    sessions[key] = s
    return s
  }

  /// Detail facts for `key`, created on first sight.
  func detail(_ key: String, origin: Origin) -> ExchangeTraceDetail {
    if let d = details[key] { return d }
    let d = ExchangeTraceDetail(origin: origin)
    details[key] = d
    detailOrder.append(key)
    return d
  }

  /// Adds an export note once.
  func note(_ text: String) {
    if !exportNotes.contains(text) { exportNotes.append(text) }
  }

  private func emit(_ event: MailEvent, input: Int) {
    (sinks[input] ?? sinks.values.first)?.consume(event)
  }

  // MARK: - The finisher

  /// Counted events of one platform and direction, and how many stayed unknown.
  private struct Tally {
    var total = 0
    var unknown = 0
  }
  private var outboundTally: [ExchangePlatform: Tally] = [:]
  private var inboundTally: [ExchangePlatform: Tally] = [:]

  /// Emits a delivery, tallying outbound successes.
  private func emit(_ d: DeliveryEvent, platform: ExchangePlatform) {
    if d.status == .sent && d.isOutbound {
      outboundTally[platform, default: Tally()].total += 1
      if case .unknown = d.protection { outboundTally[platform, default: Tally()].unknown += 1 }
    }
    emit(.delivery(d), input: d.origin.input)
  }

  /// Emits an arrival, tallying it.
  private func emit(_ a: ArrivalEvent, platform: ExchangePlatform) {
    inboundTally[platform, default: Tally()].total += 1
    if case .unknown = a.protection { inboundTally[platform, default: Tally()].unknown += 1 }
    emit(.arrival(a), input: a.origin.input)
  }

  /// Decides every pending event's protection and emits them; adds the notes.
  func finish(run: RunState) {
    let (byReply, sendByIP, receiveByIP) = indexSessions()
    for var pending in deliveries {
      pending.event.protection = protection(
        of: pending, byReply: byReply, sendByIP: sendByIP, detail: &pending.event.detail)
      emit(pending.event, platform: pending.platform)
    }
    for var pending in arrivals {
      pending.event.protection = protection(of: pending, receiveByIP: receiveByIP)
      emit(pending.event, platform: pending.platform)
    }
    emitNDRs()
    emitTrace()
    if trackingInputs == 0 { emitProtocolOnly() }
    addNotes(run: run)
    deliveries = []
    arrivals = []
    dsns = []
    traceRows = []
  }

  /// Indexes the sessions: send-side final replies (nil value = seen in more than one
  /// session), send and receive sessions by remote IP.
  private func indexSessions() -> (
    [String: ExchangeSession?], [String: [ExchangeSession]], [String: [ExchangeSession]]
  ) {
    var byReply: [String: ExchangeSession?] = [:]
    var sendByIP: [String: [ExchangeSession]] = [:]
    var receiveByIP: [String: [ExchangeSession]] = [:]
    for s in sessions.values {
      switch s.side {
      case .send:
        sendByIP[s.remoteIP, default: []].append(s)
        for m in s.messages {
          guard let reply = m.finalReply else { continue }
          var copy = reply
          let key = copy.withUTF8 { ExchangeJoin.replyKey($0) }
          if let seen = byReply[key] {
            if seen !== s { byReply[key] = .some(nil) }
          } else {
            byReply[key] = s
          }
        }
      case .receive:
        receiveByIP[s.remoteIP, default: []].append(s)
      case .unknown:
        break
      }
    }
    // Deterministic choice among candidates: earliest session first.
    for k in sendByIP.keys { sendByIP[k]!.sort(by: ExchangeJoin.earlier) }
    for k in receiveByIP.keys { receiveByIP[k]!.sort(by: ExchangeJoin.earlier) }
    return (byReply, sendByIP, receiveByIP)
  }

  private static func earlier(_ a: ExchangeSession, _ b: ExchangeSession) -> Bool {
    (a.first ?? 0, a.sawStart ? 0 : 1) < (b.first ?? 0, b.sawStart ? 0 : 1)
  }

  /// The sessions of `sorted` (ordered by start) that cover `time` within `slack`,
  /// latest start first. Found by binary search; sessions that started more than an
  /// hour before `time` are not looked at (SMTP sessions are short), so the cost stays
  /// small even with thousands of sessions to one address.
  static func covering(_ sorted: [ExchangeSession], _ time: LogTime?, slack: Double)
    -> [ExchangeSession]
  {
    guard let time else { return [] }
    var lo = 0
    var hi = sorted.count
    while lo < hi {  // first index whose start is after time + slack
      let mid = (lo + hi) / 2
      if (sorted[mid].first ?? 0) <= time + slack { lo = mid + 1 } else { hi = mid }
    }
    var out: [ExchangeSession] = []
    var k = lo - 1
    while k >= 0, (sorted[k].first ?? 0) >= time - slack - 3600 {
      if sorted[k].covers(time, slack: slack) { out.append(sorted[k]) }
      k -= 1
    }
    return out
  }

  /// A reply text as a join key: without spaces (source-context sometimes drops them).
  static func replyKey(_ reply: Bytes) -> String {
    String(decoding: reply.lazy.filter { $0 != ASCII.space }, as: UTF8.self)
  }

  /// The protection of a tracking delivery: its own statement, its SmtpSend session
  /// (by final reply, else by remote IP, recipient and time), the TLS auth level, or unknown.
  private func protection(
    of p: ExchangePendingDelivery, byReply: [String: ExchangeSession?],
    sendByIP: [String: [ExchangeSession]], detail: inout String?
  ) -> Protection {
    let trust = ExchangeJoin.trust(authLevel: p.authLevel)
    if let own = p.ownTLS { return .tls(own, trust) }
    var session: ExchangeSession? = nil
    if let key = p.replyKey, let hit = byReply[key] { session = hit }
    if session == nil, let addr = p.event.remoteAddr, let candidates = sendByIP[addr] {
      let rcpt = p.event.recipient.lowercased()
      session =
        ExchangeJoin.covering(candidates, p.event.time, slack: 120).first { s in
          s.messages.contains { $0.recipients.contains(rcpt) }
        }
        ?? ExchangeJoin.covering(candidates, p.event.time, slack: 5).first { s in
          s.messages.allSatisfy { $0.recipients.isEmpty }
        }
    }
    if let session {
      if p.event.status != .sent, let failure = session.tlsFailure, detail == nil {
        detail = failure
      }
      return ExchangeJoin.protection(of: session, trust: trust)
    }
    // These levels cannot be met without TLS: a delivery under them was encrypted.
    if p.event.status == .sent, let level = p.authLevel?.lowercased(),
      ["encryptiononly", "certificatevalidation", "domainvalidation"].contains(level)
    {
      return .tls(.unknown, trust)
    }
    if p.platform == .online {
      return .unknown(reason: "Exchange Online reports have no TLS field")
    }
    return .unknown(reason: "no SmtpSend protocol log session")
  }

  /// The protection of a tracking arrival: its own statement, the SmtpReceive session
  /// named in source-context (unless that is the Front End's internal hop), else the
  /// session of the same client address around the same time, or unknown.
  private func protection(
    of p: ExchangePendingArrival, receiveByIP: [String: [ExchangeSession]]
  ) -> Protection {
    if let own = p.ownTLS { return .tls(own, .unknown) }
    var session: ExchangeSession? = nil
    if let key = p.session, let s = sessions[key], s.side != .send,
      !p.proxied || s.remoteIP == p.event.clientAddr
    {
      session = s
    }
    if session == nil, let candidates = receiveByIP[p.event.clientAddr] {
      session = ExchangeJoin.covering(candidates, p.event.time, slack: 30).first
    }
    if let session {
      return ExchangeJoin.protection(of: session, trust: ExchangeJoin.inboundTrust(session))
    }
    if p.platform == .online {
      return .unknown(reason: "Exchange Online reports have no TLS field")
    }
    return .unknown(reason: "no SmtpReceive protocol log session")
  }

  /// A session's own protection: the negotiated version; TLS of unknown version when
  /// STARTTLS was answered 220 or a peer certificate was logged and no failure followed
  /// (the negotiation row is missing); plaintext when the whole session is logged
  /// without any of these; else unknown.
  static func protection(of s: ExchangeSession, trust: TLSTrust) -> Protection {
    if let version = s.tls { return .tls(version, trust) }
    if (s.startedTLS || s.remoteCertificate) && s.tlsFailure == nil { return .tls(.unknown, trust) }
    if s.sawStart { return .plaintext }
    return .unknown(reason: "the session starts before the protocol log")
  }

  /// Certificate trust from a recipient's TLS auth level (custom-data).
  static func trust(authLevel: String?) -> TLSTrust {
    switch authLevel?.lowercased() {
    case "domainvalidation": return .verified
    case "certificatevalidation": return .trusted
    default: return .unknown
    }
  }

  /// Client-certificate trust of an inbound session.
  static func inboundTrust(_ s: ExchangeSession) -> TLSTrust {
    if s.domainStatus?.lowercased() == "success" { return .verified }
    switch s.clientChain?.lowercased() {
    case "emptycertificate"?, "nocertificate"?: return .anonymous
    case "success"?, "valid"?: return .trusted
    case nil: break
    default: return .untrusted
    }
    if s.domainStatus?.lowercased() == "noremotecertificate" { return .anonymous }
    return .unknown
  }

  /// DSN rows become NDRs, except delay notices (the original was deferred, not failed).
  private func emitNDRs() {
    for d in dsns {
      guard let original = d.originalID ?? ndrOriginal[d.ndrID] else {
        emit(
          .ndr(NDREvent(origin: d.origin, time: d.time, originalID: "", ndrID: d.ndrID)),
          input: d.origin.input)
        continue
      }
      if !failedIDs.contains(original) && deferredIDs.contains(original) { continue }
      emit(
        .ndr(NDREvent(origin: d.origin, time: d.time, originalID: original, ndrID: d.ndrID)),
        input: d.origin.input)
    }
  }

  // MARK: - Exchange Online

  /// Emits trace rows with the detail facts that match them, then the detail facts
  /// no row used.
  private func emitTrace() {
    for row in traceRows {
      let detail = row.keys.lazy.compactMap { self.details[$0] }.first
      detail?.used = true
      if var d = row.delivery {
        if d.status == .sent, let v = detail?.sendTLS { d.protection = .tls(v, .unknown) }
        if d.status == .bounced, let r = detail?.failReason { d.reason = r }
        if d.status == .deferred, let r = detail?.deferReason { d.reason = r }
        if let r = d.reason { d.dsn = ExchangeText.enhancedCode(r) }
        emit(d, platform: .online)
      }
      if var a = row.arrival {
        if let v = detail?.receiveTLS, detail?.sawSubmit == false {
          a.protection = .tls(v, .unknown)
        }
        emit(a, platform: .online)
      }
    }
    for key in detailOrder {
      guard let d = details[key], !d.used else { continue }
      for event in ExchangeJoin.events(of: d) {
        switch event {
        case .delivery(let e): emit(e, platform: .online)
        case .arrival(let a): emit(a, platform: .online)
        default: emit(event, input: d.origin.input)
        }
      }
    }
    details = [:]
    detailOrder = []
  }

  /// Events from trace detail alone (no summary row): the external send, the failure
  /// or deferral, and the arrival of mail that came from outside (first event Receive,
  /// no Submit).
  static func events(of d: ExchangeTraceDetail) -> [MailEvent] {
    var out: [MailEvent] = []
    let domain = Address.domain(of: d.recipient)
    func delivery(_ status: DeliveryStatus, _ reason: String?, _ time: LogTime?) -> DeliveryEvent {
      let protection: Protection =
        status == .sent
        ? d.sendTLS.map { .tls($0, .unknown) }
          ?? .unknown(reason: "Exchange Online trace detail states no TLS")
        : .unknown(reason: "Exchange Online trace detail states no TLS")
      return DeliveryEvent(
        origin: d.origin, time: time, messageID: d.messageID, recipient: d.recipient,
        domain: domain, sender: d.sender, relay: d.sendHost ?? "", remoteHost: d.sendHost,
        agent: "smtp", status: status, isOutbound: d.sentExternal, protection: protection,
        dsn: reason.flatMap(ExchangeText.enhancedCode), reason: reason,
        line: status == .sent ? nil : d.line)
    }
    if d.sentExternal { out.append(.delivery(delivery(.sent, nil, d.sendTime ?? d.time))) }
    if let r = d.failReason {
      out.append(.delivery(delivery(.bounced, r, d.failTime ?? d.time)))
    } else if let r = d.deferReason {
      out.append(.delivery(delivery(.deferred, r, d.failTime ?? d.time)))
    }
    if d.firstEventIsReceive == true && !d.sawSubmit {
      out.append(
        .arrival(
          ArrivalEvent(
            origin: d.origin, time: d.time, messageID: d.messageID,
            client: "", clientAddr: "", sender: d.sender,
            protection: d.receiveTLS.map { .tls($0, .unknown) }
              ?? .unknown(reason: "Exchange Online trace detail states no TLS"))))
    }
    return out
  }

  // MARK: - Protocol logs alone

  /// Ports of hops inside an Exchange server: Front End to transport, mailbox delivery.
  static let internalPorts: Set<Int> = [2525, 475]

  /// Without tracking logs, the protocol logs still show messages: each queued reply of
  /// an SmtpReceive session is an arrival, each accepted recipient of an SmtpSend
  /// message with a 2xx final reply is a delivery. Sessions on the internal ports 2525
  /// and 475 (Front End to transport, mailbox delivery) are hops inside the server, and
  /// a send to an Exchange server of the same organisation (XSHADOW / EXCHANGEAUTH
  /// offered) is not outbound. Refusals are not counted as failures here: without
  /// tracking logs it is unknown whether Exchange tried again.
  private func emitProtocolOnly() {
    let ordered = sessions.values.sorted { ($0.input, $0.first ?? 0) < ($1.input, $1.first ?? 0) }
    for s in ordered {
      let origin = Origin(input: s.input, logHost: "", mta: .exchange)
      let protection = ExchangeJoin.protection(
        of: s, trust: s.side == .receive ? ExchangeJoin.inboundTrust(s) : .unknown)
      switch s.side {
      case .receive:
        guard !Address.isLoopback(s.remoteIP),
          !ExchangeJoin.internalPorts.contains(s.localPort ?? 25)
        else { continue }
        for q in s.queued {
          emit(
            ArrivalEvent(
              origin: origin, time: q.time, messageID: q.id, client: "[\(s.remoteIP)]",
              clientAddr: s.remoteIP, protection: protection), platform: .server)
        }
      case .send:
        let outbound =
          !s.peerIsExchange && !Address.isLoopback(s.remoteIP)
          && !ExchangeJoin.internalPorts.contains(s.remotePort ?? 25)
        for m in s.messages {
          guard let reply = m.finalReply, reply.hasPrefix("2") else { continue }
          let id = ExchangeProtocolReply.messageID(reply) ?? ""
          for rcpt in m.accepted {
            emit(
              DeliveryEvent(
                origin: origin, time: m.time, messageID: id, recipient: rcpt,
                domain: Address.domain(of: rcpt), sender: m.sender,
                relay: "[\(s.remoteIP)]:\(s.remotePort.map(String.init) ?? "")",
                remoteAddr: s.remoteIP, agent: "smtp", status: .sent, isOutbound: outbound,
                protection: protection), platform: .server)
          }
        }
      case .unknown:
        break
      }
    }
  }

  // MARK: - Notes

  private func addNotes(run: RunState) {
    let out = outboundTally[.server] ?? Tally()
    let inbound = inboundTally[.server] ?? Tally()
    let onlineOut = outboundTally[.online] ?? Tally()
    let onlineIn = inboundTally[.online] ?? Tally()
    if out.unknown > 0 {
      let why =
        sendLogInputs == 0
        ? "no SmtpSend protocol log was given"
        : "the SmtpSend protocol logs given have no session for them (other days or servers?)"
      run.notes.append(
        "Exchange: TLS unknown for \(out.unknown) of \(out.total) outbound "
          + "deliveries in the message tracking logs: \(why). Enable protocol logging on the "
          + "send connector (Set-SendConnector -ProtocolLoggingLevel Verbose) and add the "
          + "SmtpSend logs (TransportRoles\\Logs\\Hub\\ProtocolLog\\SmtpSend, SEND*.LOG) of "
          + "the same period.")
    }
    if inbound.unknown > 0 {
      let why =
        receiveLogInputs == 0
        ? "no SmtpReceive protocol log was given"
        : "the SmtpReceive protocol logs given have no session for them"
      run.notes.append(
        "Exchange: TLS unknown for \(inbound.unknown) of \(inbound.total) inbound "
          + "messages in the message tracking logs: \(why). Add the Front End SmtpReceive "
          + "logs (TransportRoles\\Logs\\FrontEnd\\ProtocolLog\\SmtpReceive, RECV*.LOG); "
          + "protocol logging is on by default only on the Default Frontend receive "
          + "connector (Set-ReceiveConnector -ProtocolLoggingLevel Verbose).")
    }
    if onlineOut.unknown + onlineIn.unknown > 0 {
      run.notes.append(
        "Exchange Online: TLS unknown for \(onlineOut.unknown) of \(onlineOut.total) outbound "
          + "deliveries and \(onlineIn.unknown) of \(onlineIn.total) inbound messages: message "
          + "trace exports and reports have "
          + "no TLS field. The version is only in the message trace detail "
          + "(Get-MessageTraceDetailV2, or the admin centre's detail: \"using TLS1.2 with "
          + "AES256\"); the Inbound/Outbound messages reports give daily totals.")
    }
    run.notes.append(contentsOf: exportNotes)
    outboundTally = [:]
    inboundTally = [:]
  }
}
