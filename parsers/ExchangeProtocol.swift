// ExchangeProtocol.swift: SMTP protocol log rows (SmtpSend, SmtpReceive) -> sessions.
//
// Each row belongs to a session (session-id); rows of one session may come from several
// inputs (rotation) and are merged. What a session keeps: its side (from `#Log-type`, or
// inferred from the rows), the remote endpoint, its time span, whether its start was
// logged, STARTTLS answered with 220, the Schannel negotiation line in either spelling
// (`SP_PROT_TLS1_2_SERVER`, `SP_PROT-TLS1_0_CLIENT`, `SP_PROT_SSL3_*`), a negotiation
// failure, certificate lines, the client-certificate and domain-security statuses, and
// per message the recipients and the remote's final reply (the join key to tracking).
// A row without a session id is counted as skipped; nothing here fails.

import MailLogKit
import MailLogModel

/// Readers of SMTP reply texts logged by Exchange.
enum ExchangeProtocolReply {
  /// The message id in `250 2.6.0 <id> [InternalId=...] Queued mail for delivery`.
  static func messageID(_ reply: String) -> String? {
    guard let open = reply.firstIndex(of: "<"), let close = reply[open...].firstIndex(of: ">")
    else { return nil }
    let id = reply[reply.index(after: open)..<close]
    return id.isEmpty ? nil : String(id)
  }
}

extension ExchangeParser {
  /// Reads one protocol-log row into its session; false without a session id.
  func readProtocolRecord() -> Bool {
    guard let key = record.withField(columns[.sessionID], { ExchangeSessionKey($0) }) else {
      return false
    }
    let t = time(.time, zone: .utc)
    let s = join.session(key, input: context.input)
    if let t {
      s.first = min(s.first ?? t, t)
      s.last = max(s.last ?? t, t)
    }
    if s.remoteIP.isEmpty, !record.isEmpty(columns[.remoteEndpoint]) {
      let (ip, port) = ExchangeText.endpointIP(record.string(columns[.remoteEndpoint]))
      s.remoteIP = ip
      s.remotePort = port
    }
    if s.localPort == nil, !record.isEmpty(columns[.localEndpoint]) {
      s.localPort = ExchangeText.endpointIP(record.string(columns[.localEndpoint])).port
    }
    if s.side == .unknown, protocolSide != .unknown { setSide(s, protocolSide) }
    if record.withField(columns[.sequence], { $0.decimal(0, $0.count) }) == 0 { s.sawStart = true }
    let event = record.withField(columns[.event]) { $0.count == 1 ? $0[0] : 0 }
    switch event {
    case 0x2B: s.sawStart = true  // '+' connect
    case 0x3E: wrote(s, time: t)  // '>' we sent
    case 0x3C: read(s)  // '<' we received
    case 0x2A: information(s)  // '*'
    default: break  // '-' disconnect, or an unknown event character
    }
    return true
  }

  /// Sets the session's side and counts this input as a log of that side.
  private func setSide(_ s: ExchangeSession, _ side: ExchangeSessionSide) {
    s.side = side
    guard !countedSides.contains(side) else { return }
    countedSides.append(side)
    if side == .send {
      join.sendLogInputs += 1
    } else if side == .receive {
      join.receiveLogInputs += 1
    }
  }

  /// A `>` row: a command on the send side, a reply on the receive side.
  private func wrote(_ s: ExchangeSession, time t: LogTime?) {
    record.withField(columns[.data]) { d in
      let isReply =
        d.count >= 3 && ASCII.isDigit(d[0]) && ASCII.isDigit(d[1]) && ASCII.isDigit(d[2])
      if s.side == .unknown { setSide(s, isReply ? .receive : .send) }
      if s.side == .receive {
        if d.has("220 ", at: 0), s.pending.first?.verb == .startTLS {
          s.startedTLS = true
          s.pending.removeAll()
        } else if d.has("220 ", at: 0) {
          s.sawStart = true  // the greeting: nothing of the session came before it
        } else if d.has("250 2.6.0 ", at: 0) {
          s.queued.append((ExchangeProtocolReply.messageID(d.string) ?? "", t))
        }
        return
      }
      guard !isReply else { return }
      let (verb, argument) = ExchangeParser.command(d)
      if verb == .mail {
        s.messages.append(ExchangeSentMessage(time: t, sender: argument))
      } else if verb == .rcpt, !s.messages.isEmpty {
        s.messages[s.messages.count - 1].recipients.append(argument)
      }
      if s.pending.count >= 64 { s.pending.removeFirst() }  // bounded whatever the input
      s.pending.append((verb, argument))
    }
  }

  /// A `<` row: a reply on the send side, a command on the receive side.
  private func read(_ s: ExchangeSession) {
    record.withField(columns[.data]) { d in
      let isReply =
        d.count >= 3 && ASCII.isDigit(d[0]) && ASCII.isDigit(d[1]) && ASCII.isDigit(d[2])
      if s.side == .unknown { setSide(s, isReply ? .send : .receive) }
      if s.side == .receive {
        if d.has("STARTTLS", at: 0) || d.has("X-ANONYMOUSTLS", at: 0) {
          s.pending = [(.startTLS, "")]
        }
        return
      }
      guard isReply else { return }
      if d.index(of: "XSHADOW") != nil || d.index(of: "EXCHANGEAUTH") != nil {
        s.peerIsExchange = true
      }
      // Multi-line replies (`250-SIZE`) end with the line that has a space after the code.
      guard d.count == 3 || d[3] != 0x2D, !s.pending.isEmpty else { return }
      let (verb, argument) = s.pending.removeFirst()
      let code = d[0]
      switch verb {
      case .startTLS where d.has("220", at: 0): s.startedTLS = true
      case .rcpt where code == 0x32 && !s.messages.isEmpty:
        s.messages[s.messages.count - 1].accepted.append(argument)
      case .data where d.has("354", at: 0): s.pending.insert((.dataEnd, ""), at: 0)
      case .dataEnd, .bdatLast:
        if !s.messages.isEmpty { s.messages[s.messages.count - 1].finalReply = d.string }
      default: break
      }
    }
  }

  /// A `*` row: TLS negotiation, certificates, statuses, connection attempts.
  private func information(_ s: ExchangeSession) {
    for column in [ExchangeColumn.data, .context] {
      record.withField(columns[column]) { f in
        guard f.count > 0 else { return }
        if let (version, client) = ExchangeText.schannelToken(f) {
          s.tls = version
          if s.side == .unknown { setSide(s, client ? .send : .receive) }
        } else if f.index(of: "TLS negotiation failed") != nil
          || f.has("Failed to negotiate TLS", at: 0)
        {
          if s.tlsFailure == nil { s.tlsFailure = f.string }
        } else if f.has("Remote certificate", at: 0) || f.has("Received certificate", at: 0)
          || f.has("Certificate thumbprint", at: 0)
        {
          s.remoteCertificate = true
        } else if f.has(ExchangeParser.chainStatus, at: 0) {
          s.clientChain = ExchangeParser.quoted(
            f, from: ExchangeParser.chainStatus.utf8CodeUnitCount)
        } else if f.has("TlsDomainCapabilities=", at: 0), let at = f.index(of: "Status='") {
          s.domainStatus = ExchangeParser.quoted(f, from: at + 7)
        } else if f.has("attempting to connect", at: 0) {
          s.sawStart = true
          if s.side == .unknown { setSide(s, .send) }
        }
      }
    }
  }

  static let chainStatus: StaticString = "Client certificate chain validation status: "

  /// The SMTP verb of a command and its address argument (lower-cased, no brackets).
  static func command(_ d: Bytes) -> (ExchangeSMTPVerb, String) {
    func word(_ w: StaticString) -> Bool {
      guard d.count >= w.utf8CodeUnitCount else { return false }
      let p = w.utf8Start
      for k in 0..<w.utf8CodeUnitCount where (d[k] | 0x20) != (p[k] | 0x20) { return false }
      return true
    }
    func address() -> String {
      guard let open = d.index(of: ASCII.lt) else { return "" }
      let close = d.index(of: ASCII.gt, from: open) ?? d.count
      return d.lowercasedString(open + 1, close)
    }
    if word("MAIL FROM:") { return (.mail, address()) }
    if word("RCPT TO:") { return (.rcpt, address()) }
    if word("EHLO") || word("HELO") { return (.ehlo, "") }
    if word("STARTTLS") || word("X-ANONYMOUSTLS") { return (.startTLS, "") }
    if word("DATA") && d.count == 4 { return (.data, "") }
    if word("BDAT ") { return (d.hasSuffix(" LAST") ? .bdatLast : .bdat, "") }
    return (.other, "")
  }

  /// The text between single quotes starting at `from` (`'EmptyCertificate'`).
  static func quoted(_ f: Bytes, from: Int) -> String? {
    guard from < f.count, f[from] == 0x27 else { return nil }
    let end = f.index(of: 0x27, from: from + 1) ?? f.count
    return f.string(from + 1, end)
  }
}
