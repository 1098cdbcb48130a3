// Postfix.swift: Postfix log parser; turns smtp/lmtp/smtpd/qmgr/cleanup/bounce lines
// into delivery, arrival, attempt, NDR and message-info events.
//
// TLS attribution follows postfix-formats.md section 5 and the eval README: a TLS
// summary line opens a session of its (log host, instance, pid) bound to its
// HOST[ADDR]:PORT; it covers the delivery lines of the first queue id that pid logs
// next, while relay= equals the session's string, and ends at the next TLS line,
// `connect to`, `SSL_connect error`, a non-final `QID: reason` (except informational
// lines and per-recipient RCPT TO replies), or a delivery line for another queue id or
// relay. Without a session, the 3.11 `tls=` field decides; otherwise the delivery is
// `unproven` and the evidence rule (any outbound TLS summary line of the same host and
// instance anywhere in the input) decides at the end. Lines from other programs and
// Postfix lines no rule uses are counted as skipped by program; nothing is fatal.

import MailLogKit
import MailLogModel

/// Streaming parser for one Postfix log input.
public final class PostfixParser: LogParser {
  public private(set) var stats: InputStats
  private var context: ParseContext
  private var prefix: SyslogPrefixParser
  private var hosts = Interner()
  private var instances = Interner()
  private var programs = Interner(limit: 512)

  /// Process key: (log host, syslog instance, pid).
  private struct ProcKey: Hashable {
    var host: Int
    var instance: Int
    var pid: Int
  }

  /// Queue key: (log host, instance, queue id).
  private struct QueueKey: Hashable {
    var host: Int
    var instance: Int
    var qid: String
  }

  /// An open outbound TLS session of one smtp/lmtp process.
  private struct Session {
    var relay: String
    var hostOnly: Bool  // Postfix 2.2-2.4: the line names the host only
    var version: TLSVersion
    var trust: TLSTrust
    var boundQID: String?
  }

  /// Per smtp/lmtp process state.
  private struct ClientProc {
    var session: Session?
    /// Detail lines (TLS library problem, verification) not yet used by a reason.
    var pendingDetail: String?
    /// The detail used by the last reason line, reused for the same queue id.
    var usedDetail: String?
    var usedDetailQID: String?
    /// The last TLS summary line: the only hint (Trusted vs Untrusted) when a
    /// `Server certificate not verified` comes without a verification line.
    var lastSummary: String?
    /// Non-final attempts waiting for this process's final line (bounded).
    var heldAttempts: [AttemptEvent] = []
  }

  /// Per smtpd process state: TLS of the current session.
  private struct ServerProc {
    var tls: (TLSVersion, TLSTrust)?
  }

  private var clients: [ProcKey: ClientProc] = [:]
  private var servers: [ProcKey: ServerProc] = [:]
  private var senders: [QueueKey: String] = [:]
  /// The process whose TLS session covers a message, until the message is removed.
  private var boundSessions: [QueueKey: ProcKey] = [:]
  /// Detail of the latest smtp failure per (host, instance, domain, reason), for
  /// `delivery temporarily suspended: reason` lines.
  private var suspendedDetail: [String: String] = [:]
  private var evidenceSent: Set<String> = []
  /// Host ids already in `stats.logHosts` for this input (avoids hashing a String per line).
  private var hostsNoted: [Bool] = []

  private func noteHost(_ id: Int) {
    while hostsNoted.count <= id { hostsNoted.append(false) }
    hostsNoted[id] = true
    stats.logHosts.insert(hosts.names[id])
  }

  public init(context: ParseContext) {
    self.context = context
    stats = InputStats(name: context.name, format: "postfix")
    prefix = SyslogPrefixParser(clock: context.clock, years: context.years)
  }

  /// Scores a line for format detection: a syslog line from a Postfix daemon.
  public static func sniff(_ line: String) -> Int {
    guard line.contains("[") else { return 0 }
    for daemon in [
      "/smtpd[", "/smtp[", "/qmgr[", "/cleanup[", "/pickup[", "/lmtp[", "/bounce[",
      "/postscreen[", "/anvil[", "/master[", "/local[", "/error[", "/tlsproxy[",
    ] where line.contains(daemon) {
      return 2
    }
    return 0
  }

  // MARK: - Line dispatch

  public func parse(_ b: Bytes) {
    stats.lines += 1
    guard let s = prefix.parse(b) else {
      if b.count == 0 {
        stats.skip("empty line", line: b)
      } else {
        stats.skip("not a syslog line", line: b)
      }
      return
    }
    if let t = s.time { context.sink.consume(.time(t)) }
    // program = syslog_name "/" daemon; instance = first component.
    let prog = s.program
    var lastSlash = -1
    var firstSlash = -1
    for i in prog where b[i] == ASCII.slash {
      if firstSlash < 0 { firstSlash = i }
      lastSlash = i
    }
    guard lastSlash >= 0 else {
      stats.skip(b.string(prog.lowerBound, prog.upperBound), line: b)
      return
    }
    let daemon = (lastSlash + 1)..<prog.upperBound
    let instanceRange = prog.lowerBound..<firstSlash
    let key = ProcKey(
      host: hosts.id(b, s.host), instance: instances.id(b, instanceRange), pid: s.pid)
    var msg = s.message
    var warning = false
    if b.has("warning: ", at: msg) {
      warning = true
      msg += 9
    } else if b.has("error: ", at: msg) || b.has("fatal: ", at: msg)
      || b.has("panic: ", at: msg)
    {
      skipProgram(b, prog)
      return
    }
    let used: Bool
    switch daemonKind(b, daemon) {
    case .client:
      used = client(b, s, key, msg, warning: warning, lmtp: b[daemon.lowerBound] == 0x6C)
    case .server:
      used = server(b, s, key, msg, warning: warning)
    case .queue:
      used = queueLine(b, s, key, msg, agent: b.string(daemon.lowerBound, daemon.upperBound))
    case .other:
      used = false
    }
    if used {
      stats.parsed += 1
      if key.host >= hostsNoted.count || !hostsNoted[key.host] { noteHost(key.host) }
    } else {
      skipProgram(b, prog)
    }
  }

  private func skipProgram(_ b: Bytes, _ prog: Range<Int>) {
    let id = programs.id(b, prog)
    stats.skip(programs.names[id], line: b)
  }

  private enum DaemonKind { case client, server, queue, other }

  private func daemonKind(_ b: Bytes, _ d: Range<Int>) -> DaemonKind {
    switch d.count {
    case 4 where b.has("smtp", at: d.lowerBound) || b.has("lmtp", at: d.lowerBound):
      return .client
    case 5 where b.has("smtpd", at: d.lowerBound): return .server
    case 4 where b.has("qmgr", at: d.lowerBound): return .queue
    case 7 where b.has("cleanup", at: d.lowerBound): return .queue
    case 6 where b.has("bounce", at: d.lowerBound): return .queue
    case 5 where b.has("error", at: d.lowerBound) || b.has("local", at: d.lowerBound)
      || b.has("retry", at: d.lowerBound):
      return .queue
    case 7 where b.has("virtual", at: d.lowerBound) || b.has("discard", at: d.lowerBound):
      return .queue
    case 4 where b.has("pipe", at: d.lowerBound): return .queue
    default: return .other
    }
  }

  private func origin(_ key: ProcKey) -> Origin {
    Origin(input: context.input, logHost: hosts.names[key.host], mta: .postfix)
  }

  /// Evidence keys by (host, instance, direction), built once.
  private struct EvidenceSlot: Hashable {
    var host: Int
    var instance: Int
    var outbound: Bool
  }
  private var evidenceKeys: [EvidenceSlot: String] = [:]

  private func evidenceKey(_ key: ProcKey, outbound: Bool) -> String {
    let slot = EvidenceSlot(host: key.host, instance: key.instance, outbound: outbound)
    if let k = evidenceKeys[slot] { return k }
    let k = (outbound ? "pf-out|" : "pf-in|") + hosts.names[key.host] + "|"
      + instances.names[key.instance]
    evidenceKeys[slot] = k
    return k
  }

  private func noteEvidence(_ key: ProcKey, outbound: Bool) {
    let k = evidenceKey(key, outbound: outbound)
    if evidenceSent.insert(k).inserted { context.sink.consume(.tlsEvidence(key: k)) }
  }

  /// The queue id at `msg` (`QID: `), or nil. Accepts short (hex) and long ids.
  private func queueID(_ b: Bytes, _ msg: Int) -> Range<Int>? {
    var i = msg
    while i < b.count && ASCII.isAlnum(b[i]) && i - msg <= 20 { i += 1 }
    guard i - msg >= 5, i + 1 < b.count, b[i] == ASCII.colon, b[i + 1] == ASCII.space else {
      return nil
    }
    return msg..<i
  }

  // MARK: - TLS summary lines

  /// Parses `ADJ TLS connection established|reused to|from NAMADDR: PROTO with cipher`
  /// (and the 2.2-2.4 form without adjective). Returns (outbound, namaddr, version, trust).
  private func tlsSummary(_ b: Bytes, _ msg: Int)
    -> (outbound: Bool, namaddr: Range<Int>, version: TLSVersion, trust: TLSTrust)?
  {
    var p = msg
    var trust = TLSTrust.unknown
    if b.has("TLS connection ", at: p) {
      trust = .unknown
    } else {
      let sp = b.end(of: p, stop: ASCII.space)
      guard sp - p <= 10, b.has(" TLS connection ", at: sp) else { return nil }
      trust = TLSTrust(adjective: b.string(p, sp))
      p = sp + 1
    }
    p += 15  // "TLS connection "
    if b.has("established ", at: p) {
      p += 12
    } else if b.has("reused ", at: p) {
      p += 7
    } else {
      return nil
    }
    let outbound: Bool
    if b.has("to ", at: p) {
      outbound = true
      p += 3
    } else if b.has("from ", at: p) {
      outbound = false
      p += 5
    } else {
      return nil
    }
    guard let colon = b.index(of: ": ", from: p) else { return nil }
    var nameEnd = colon
    // Server side may add " to SNI" after the client name.
    if !outbound, let sni = b.index(of: " to ", from: p), sni < colon { nameEnd = sni }
    let protoStart = colon + 2
    let protoEnd = b.end(of: protoStart, stop: ASCII.space)
    return (outbound, p..<nameEnd, version(b, protoStart, protoEnd), trust)
  }

  private func version(_ b: Bytes, _ s: Int, _ e: Int) -> TLSVersion {
    switch e - s {
    case 7 where b.has("TLSv1.3", at: s): return .v13
    case 7 where b.has("TLSv1.2", at: s): return .v12
    case 7 where b.has("TLSv1.1", at: s): return .v11
    case 5 where b.has("TLSv1", at: s): return .v10
    case 5 where b.has("SSLv3", at: s): return .ssl3
    default: return TLSVersion(parsing: b.string(s, e))
    }
  }

  // MARK: - smtp / lmtp (outbound)

  private func client(
    _ b: Bytes, _ s: SyslogLine, _ key: ProcKey, _ msg: Int, warning: Bool, lmtp: Bool
  ) -> Bool {
    if warning {
      // TLS library problems, TLSA/policy lookups, CA loading: detail for the next reason.
      if b.index(of: "TLS", from: msg) != nil || b.index(of: "certificate", from: msg) != nil {
        addDetail(key, b.string(msg, b.count))
        return true
      }
      return false
    }
    // `TLSRPT: status=...` (3.10+) would pass for a queue id; it notes the handshake
    // just logged and leaves the session open.
    if b.has("TLSRPT: ", at: msg) { return true }
    if let qidRange = queueID(b, msg) {
      let rest = qidRange.upperBound + 2
      let qid = b.string(qidRange.lowerBound, qidRange.upperBound)
      if b.has("to=<", at: rest) {
        return delivery(b, s, key, qid: qid, at: rest, agent: lmtp ? "lmtp" : "smtp")
      }
      return nonFinal(b, s, key, qid: qid, at: rest)
    }
    if let summary = tlsSummary(b, msg) {
      guard summary.outbound else { return false }
      let relay = b.string(summary.namaddr.lowerBound, summary.namaddr.upperBound)
      clients[key, default: ClientProc()].session = Session(
        relay: relay, hostOnly: b.index(of: ASCII.lbracket, from: summary.namaddr.lowerBound)
          .map { $0 >= summary.namaddr.upperBound } ?? true,
        version: summary.version, trust: summary.trust, boundQID: nil)
      clients[key]!.lastSummary = b.string(msg, b.count)
      noteEvidence(key, outbound: true)
      return true
    }
    if b.has("connect to ", at: msg) {
      clients[key]?.session = nil
      return true
    }
    if b.has("SSL_connect error to ", at: msg) {
      clients[key, default: ClientProc()].session = nil
      addDetail(key, b.string(msg, b.count))
      return true
    }
    if b.index(of: "certificate verification failed for ", from: msg) != nil
      && b.index(of: "certificate verification failed for ", from: msg)! <= msg + 7
    {
      addDetail(key, b.string(msg, b.count))
      return true
    }
    if b.has("setting up TLS connection", at: msg) || b.has("SSL_connect:", at: msg)
      || b.has("Host offered STARTTLS", at: msg)
      || b.has("discarding EHLO keywords", at: msg)
      || b.has("initializing the client-side TLS engine", at: msg)
    {
      return true
    }
    return false
  }

  private func addDetail(_ key: ProcKey, _ text: String) {
    var proc = clients[key] ?? ClientProc()
    if let old = proc.pendingDetail, old.utf8.count < 600 {
      proc.pendingDetail = old + " | " + text
    } else {
      proc.pendingDetail = text
    }
    clients[key] = proc
  }

  /// Whether a reason needs the detail line of the same process to be classified.
  private func needsDetail(_ reason: String) -> Bool {
    reason.hasPrefix("Cannot start TLS") || reason.hasPrefix("Server certificate not")
      || reason.contains("handshake failure")
  }

  /// Takes the detail for a TLS reason of `qid`: pending lines first, else the one
  /// already used for the same queue id.
  private func takeDetail(_ key: ProcKey, qid: String, reason: String) -> String? {
    guard var proc = clients[key] else { return nil }
    var detail = proc.pendingDetail ?? (proc.usedDetailQID == qid ? proc.usedDetail : nil)
    if detail == nil && reason.hasPrefix("Server certificate not") {
      detail = proc.lastSummary
    }
    proc.pendingDetail = nil
    proc.usedDetail = detail
    proc.usedDetailQID = qid
    clients[key] = proc
    return detail
  }

  /// `QID: reason` without `to=`: a non-final per-MX error or an informational line.
  private func nonFinal(_ b: Bytes, _ s: SyslogLine, _ key: ProcKey, qid: String, at p: Int)
    -> Bool
  {
    if b.has("enabling PIX workarounds", at: p) || b.has("passing <", at: p) {
      return true
    }
    let reason = b.string(p, b.count)
    var detail: String?
    if needsDetail(reason) {
      detail = takeDetail(key, qid: qid, reason: reason)
    } else {
      clients[key]?.pendingDetail = nil  // detail lines belong to this reason, not a later one
    }
    if !b.hasSuffix("(in reply to RCPT TO command)") {
      clients[key]?.session = nil
    }
    var remote: String?
    if b.has("host ", at: p) {
      let e = b.end(of: p + 5, stop: ASCII.space)
      remote = b.string(p + 5, e)
    }
    // Held until the process logs its final line for this queue id, which names the
    // recipient domain the attempt was for (one request = one next-hop domain).
    let attempt = AttemptEvent(
      origin: origin(key), time: s.time, messageID: qid, remoteHost: remote,
      reason: reason, detail: detail, line: b.string)
    var proc = clients[key] ?? ClientProc()
    if proc.heldAttempts.count >= 32 {
      context.sink.consume(.attempt(proc.heldAttempts.removeFirst()))
    }
    proc.heldAttempts.append(attempt)
    clients[key] = proc
    return true
  }

  /// Emits the attempts held for process `key`; those of `qid` get `domain`.
  private func releaseAttempts(_ key: ProcKey, qid: String?, domain: String?) {
    guard let held = clients[key]?.heldAttempts, !held.isEmpty else { return }
    clients[key]!.heldAttempts.removeAll()
    for var attempt in held {
      if let qid, attempt.messageID == qid { attempt.domain = domain }
      context.sink.consume(.attempt(attempt))
    }
  }

  // MARK: - Delivery lines (any agent)

  /// Parsed fields of `QID: to=<..>, [orig_to=<..>,] relay=.., ..., status=.. (reason)`.
  private struct DeliveryFields {
    var recipient: String
    /// The recipient's domain, lower-cased, decoded from the bytes.
    var domain: String
    var relay: Range<Int>
    var tls: Range<Int>?
    var dsn: String?
    var status: DeliveryStatus
    var reason: String?
  }

  private func deliveryFields(_ b: Bytes, at p: Int) -> DeliveryFields? {
    let rcptStart = p + 4
    guard let rcptEnd = b.index(of: ">, ", from: rcptStart) else { return nil }
    guard let relayAt = b.index(of: ", relay=", from: rcptEnd) else { return nil }
    let relayStart = relayAt + 8
    let relayEnd = b.end(of: relayStart, stop: ASCII.comma)
    guard let statusAt = b.index(of: ", status=", from: relayEnd) else { return nil }
    let statusStart = statusAt + 9
    let statusEnd = b.end(of: statusStart, stop: ASCII.space)
    let status: DeliveryStatus
    switch statusEnd - statusStart {
    case 4 where b.has("sent", at: statusStart): status = .sent
    case 8 where b.has("deferred", at: statusStart): status = .deferred
    case 7 where b.has("bounced", at: statusStart): status = .bounced
    default: status = .other
    }
    var tls: Range<Int>?
    if let t = b.index(of: ", tls=", from: relayEnd), t < statusAt {
      tls = (t + 6)..<b.end(of: t + 6, stop: ASCII.comma)
    }
    var dsn: String?
    if let d = b.index(of: ", dsn=", from: relayEnd), d < statusAt {
      dsn = b.string(d + 6, b.end(of: d + 6, stop: ASCII.comma))
    }
    var reason: String?
    if statusEnd + 2 < b.count, b[statusEnd + 1] == ASCII.lparen {
      let end = b[b.count - 1] == ASCII.rparen ? b.count - 1 : b.count
      reason = b.string(statusEnd + 2, end)
    }
    var domainStart = rcptEnd
    var i = rcptEnd - 1
    while i >= rcptStart {
      if b[i] == ASCII.at {
        domainStart = i + 1
        break
      }
      i -= 1
    }
    var domainEnd = rcptEnd
    while domainEnd > domainStart && b[domainEnd - 1] == ASCII.dot { domainEnd -= 1 }
    return DeliveryFields(
      recipient: b.string(rcptStart, rcptEnd),
      domain: b.lowercasedString(domainStart, domainEnd), relay: relayStart..<relayEnd, tls: tls,
      dsn: dsn, status: status, reason: reason)
  }

  /// Splits `host[addr]:port` into host and addr; nil parts when absent.
  private func relayParts(_ b: Bytes, _ r: Range<Int>) -> (host: Range<Int>, addr: Range<Int>)? {
    guard let lb = b.index(of: ASCII.lbracket, from: r.lowerBound), lb < r.upperBound,
      let rb = b.index(of: ASCII.rbracket, from: lb), rb < r.upperBound
    else { return nil }
    return (r.lowerBound..<lb, (lb + 1)..<rb)
  }

  private func delivery(
    _ b: Bytes, _ s: SyslogLine, _ key: ProcKey, qid: String, at p: Int, agent: String
  ) -> Bool {
    guard let f = deliveryFields(b, at: p) else { return false }
    let relay = b.string(f.relay.lowerBound, f.relay.upperBound)
    let parts = relayParts(b, f.relay)
    let domain = f.domain
    var outbound = false
    var remoteHost: String?
    var remoteAddr: String?
    if let parts {
      remoteHost = b.string(parts.host.lowerBound, parts.host.upperBound)
      if Address.isIP(b, parts.addr) {
        remoteAddr = b.string(parts.addr.lowerBound, parts.addr.upperBound)
        outbound = agent == "smtp" && !Address.isLoopback(b, parts.addr)
      }
    }
    var protection = Protection.unproven(evidenceKey: evidenceKey(key, outbound: true))
    var covered = false
    if agent == "smtp" || agent == "lmtp" {
      releaseAttempts(key, qid: qid, domain: domain)
      var proc = clients[key] ?? ClientProc()
      if let session = proc.session {
        let sameRelay =
          session.hostOnly
          ? (remoteHost.map { $0.lowercased() == session.relay.lowercased() } ?? false)
          : session.relay == relay
        if sameRelay && (session.boundQID == nil || session.boundQID == qid) {
          covered = true
          proc.session!.boundQID = qid
          boundSessions[QueueKey(host: key.host, instance: key.instance, qid: qid)] = key
          protection = .tls(session.version, session.trust)
        } else {
          proc.session = nil
        }
      }
      if proc.usedDetailQID != qid {
        proc.usedDetail = nil
        proc.usedDetailQID = nil
      }
      if f.status == .sent { proc.pendingDetail = nil }
      clients[key] = proc
    }
    if !covered, let t = f.tls {
      protection = tlsField(b, t)
    }
    var detail: String?
    if f.status == .deferred || f.status == .bounced, let reason = f.reason {
      let suspended = "delivery temporarily suspended: "
      if reason.hasPrefix(suspended) {
        let inner = String(reason.dropFirst(suspended.count))
        if needsDetail(inner) {
          detail = suspendedDetail[suspendKey(key, domain, inner)]
        }
      } else if needsDetail(reason) && (agent == "smtp" || agent == "lmtp") {
        detail = takeDetail(key, qid: qid, reason: reason)
        if let detail { suspendedDetail[suspendKey(key, domain, reason)] = detail }
      }
    }
    if detail == nil && f.status != .sent && (agent == "smtp" || agent == "lmtp") {
      clients[key]?.pendingDetail = nil  // a reason that needed no detail used up the lines
    }
    let sender = senders[QueueKey(host: key.host, instance: key.instance, qid: qid)]
    let keepLine = f.status != .sent
    context.sink.consume(
      .delivery(
        DeliveryEvent(
          origin: origin(key), time: s.time, messageID: qid, recipient: f.recipient,
          domain: domain, sender: sender, relay: relay, remoteHost: remoteHost,
          remoteAddr: remoteAddr, agent: agent, status: f.status, isOutbound: outbound,
          protection: protection, dsn: f.dsn, reason: f.reason, detail: detail,
          line: keepLine ? b.string : nil)))
    return true
  }

  private func suspendKey(_ key: ProcKey, _ domain: String, _ reason: String) -> String {
    "\(key.host)|\(key.instance)|\(domain)|\(reason)"
  }

  /// Reads a 3.11 `tls=` value: the first feature, `!`/`?` stripped, final state after
  /// `:`; none/nostarttls/noencryption are plaintext, anything else TLS of unknown
  /// version and trust.
  private func tlsField(_ b: Bytes, _ r: Range<Int>) -> Protection {
    var end = r.upperBound
    if let slash = b.index(of: ASCII.slash, from: r.lowerBound), slash < end { end = slash }
    var start = r.lowerBound
    if let colon = b.index(of: ASCII.colon, from: start), colon < end { start = colon + 1 }
    var state = b.string(start, end)
    state.removeAll { $0 == "!" || $0 == "?" }
    switch state {
    case "none", "nostarttls", "noencryption": return .plaintext
    default: return .tls(.unknown, .unknown)
    }
  }

  // MARK: - smtpd (inbound)

  private func server(_ b: Bytes, _ s: SyslogLine, _ key: ProcKey, _ msg: Int, warning: Bool)
    -> Bool
  {
    if warning { return b.has("TLS library problem: ", at: msg) }
    if b.has("connect from ", at: msg) {
      servers[key] = ServerProc()
      return true
    }
    if let qidRange = queueID(b, msg) {
      let p = qidRange.upperBound + 2
      guard b.has("client=", at: p) else {
        return b.has("reject: ", at: p) || b.has("lost connection", at: p)
      }
      let clientEnd = b.end(of: p + 7, stop: ASCII.comma)
      let client = p + 7..<clientEnd
      guard let parts = relayParts(b, client) else { return false }
      if Address.isLoopback(b, parts.addr) { return true }
      let protection: Protection
      if let tls = servers[key]?.tls {
        protection = .tls(tls.0, tls.1)
      } else {
        protection = .unproven(evidenceKey: evidenceKey(key, outbound: false))
      }
      let qid = b.string(qidRange.lowerBound, qidRange.upperBound)
      context.sink.consume(
        .arrival(
          ArrivalEvent(
            origin: origin(key), time: s.time, messageID: qid,
            client: b.string(client.lowerBound, client.upperBound),
            clientAddr: b.string(parts.addr.lowerBound, parts.addr.upperBound),
            protection: protection)))
      return true
    }
    if let summary = tlsSummary(b, msg), !summary.outbound {
      servers[key, default: ServerProc()].tls = (summary.version, summary.trust)
      noteEvidence(key, outbound: false)
      return true
    }
    if b.has("disconnect from ", at: msg) || b.has("NOQUEUE: ", at: msg)
      || b.has("lost connection after ", at: msg) || b.has("SSL_accept error from ", at: msg)
      || b.has("timeout after ", at: msg) || b.has("setting up TLS connection from", at: msg)
    {
      return true
    }
    return false
  }

  // MARK: - qmgr, cleanup, bounce, error, local, virtual, pipe

  private func queueLine(_ b: Bytes, _ s: SyslogLine, _ key: ProcKey, _ msg: Int, agent: String)
    -> Bool
  {
    guard let qidRange = queueID(b, msg) else { return false }
    let p = qidRange.upperBound + 2
    let qid = b.string(qidRange.lowerBound, qidRange.upperBound)
    if b.has("to=<", at: p) {
      return delivery(b, s, key, qid: qid, at: p, agent: agent)
    }
    let qkey = QueueKey(host: key.host, instance: key.instance, qid: qid)
    if b.has("from=<", at: p) {
      guard let end = b.index(of: ">, ", from: p + 6) else { return false }
      let sender = b.string(p + 6, end)
      if b.index(of: "status=expired", from: end) != nil { return true }
      if senders[qkey] == nil {
        senders[qkey] = sender
        context.sink.consume(
          .messageInfo(
            MessageInfoEvent(origin: origin(key), time: s.time, messageID: qid, sender: sender)))
      }
      return true
    }
    if b.has("removed", at: p) && b.count == p + 7 {
      senders[qkey] = nil
      // Short ids repeat: a later message with this id is a new request, which the
      // session bound to this one must not cover.
      if let proc = boundSessions.removeValue(forKey: qkey),
        clients[proc]?.session?.boundQID == qid
      {
        clients[proc]?.session = nil
      }
      return true
    }
    if b.has("message-id=", at: p) {
      var start = p + 11
      var end = b.count
      if start < end && b[start] == ASCII.lt { start += 1 }
      if end > start && b[end - 1] == ASCII.gt { end -= 1 }
      context.sink.consume(
        .messageInfo(
          MessageInfoEvent(
            origin: origin(key), time: s.time, messageID: qid,
            messageIDHeader: b.string(start, end))))
      return true
    }
    let ndr: StaticString = "sender non-delivery notification: "
    if b.has(ndr, at: p) {
      let n = p + ndr.utf8CodeUnitCount
      context.sink.consume(
        .ndr(
          NDREvent(
            origin: origin(key), time: s.time, originalID: qid, ndrID: b.string(n, b.count))))
      return true
    }
    if b.has("sender delay notification: ", at: p)
      || b.has("postmaster non-delivery notification: ", at: p)
      || b.has("sender delivery status notification: ", at: p)
      || b.has("postmaster delay notification: ", at: p)
      || b.has("uid=", at: p) || b.has("resent-message-id=", at: p)
      || b.has("skipped, still being delivered", at: p) || b.has("canceled", at: p)
    {
      return true
    }
    return false
  }

  /// Postfix state (sessions, senders) carries over to the next rotated file.
  public var continuesAcrossInputs: Bool { true }

  public func continueWith(_ context: ParseContext) {
    self.context = context
    prefix = SyslogPrefixParser(clock: context.clock, years: context.years)
    stats = InputStats(name: context.name, format: "postfix")
    hostsNoted.removeAll()
  }

  public func finish() {
    for key in clients.keys { releaseAttempts(key, qid: nil, domain: nil) }
    clients.removeAll()
    servers.removeAll()
    senders.removeAll()
    boundSessions.removeAll()
  }
}
