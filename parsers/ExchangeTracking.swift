// ExchangeTracking.swift: message tracking rows (MSGTRK logs, Get-MessageTrackingLog
// exports, the Exchange Online extended report) -> pending deliveries, arrivals, NDRs.
//
// RECEIVE/SMTP rows of mail from outside become arrivals (first forest hop only);
// SENDEXTERNAL, and SEND/SMTP to the internet, become outbound deliveries; FAIL and
// DEFER rows become bounced and deferred deliveries with the recipient-status text as
// reason; DSN rows become NDRs linked to their original through `reference`. Other
// events are understood and dropped. Protection is decided later by ExchangeJoin. A row
// without an event-id is counted as skipped; nothing here fails.

import MailLogKit
import MailLogModel

/// The tracking events mailtls keeps.
enum ExchangeTrackingEvent {
  case receive, send, sendExternal, fail, deferral, dsn, other

  /// The event of field `i` (any letter case).
  init(_ r: ExchangeRecord, _ i: Int?) {
    if r.field(i, is: "RECEIVE") {
      self = .receive
    } else if r.field(i, is: "SEND") {
      self = .send
    } else if r.field(i, is: "SENDEXTERNAL") {
      self = .sendExternal
    } else if r.field(i, is: "FAIL") {
      self = .fail
    } else if r.field(i, is: "DEFER") {
      self = .deferral
    } else if r.field(i, is: "DSN") {
      self = .dsn
    } else {
      self = .other
    }
  }
}

extension ExchangeParser {
  /// Reads one tracking row; false when it has neither a time nor an event-id.
  func readTrackingRecord(platform: ExchangePlatform, zone: ExchangeZone) -> Bool {
    let t = time(.time, zone: zone)
    guard !record.isEmpty(columns[.eventID]) else { return false }
    guard t != nil || zone == .local else { return false }
    let event = ExchangeTrackingEvent(record, columns[.eventID])
    let fromSMTP = record.field(columns[.source], is: "SMTP")
    switch event {
    case .receive where fromSMTP: readArrival(time: t, platform: platform)
    case .send where fromSMTP, .sendExternal, .fail, .deferral:
      readDeliveries(event, time: t, platform: platform)
    case .dsn:
      join.dsns.append(
        ExchangePendingDSN(
          origin: origin(host: record.string(columns[.serverHostname])), time: t,
          ndrID: messageID(), originalID: nonEmpty(record.bare(columns[.reference]))))
    default:
      break
    }
    return true
  }

  /// The message's id: the Message-ID header without brackets, else the internal id.
  private func messageID() -> String {
    let id = record.bare(columns[.messageID])
    return id.isEmpty ? record.string(columns[.internalMessageID]) : id
  }

  /// The envelope sender: return-path (`<>` -> ""), else sender-address.
  private func envelopeSender() -> String {
    if !record.isEmpty(columns[.returnPath]) {
      return record.bare(columns[.returnPath])
    }
    return record.bare(columns[.sender])
  }

  private func origin(host: String) -> Origin {
    if !host.isEmpty { stats.logHosts.insert(host) }
    return Origin(input: context.input, logHost: host, mta: .exchange)
  }

  /// A value of custom-data (`S:<key>`).
  private func custom(_ key: StaticString) -> String? {
    record.withField(columns[.customData]) { ExchangeText.customValue($0, key) }
  }

  /// The Schannel token of custom-data (`InboundTlsDetails: TLS=SP_PROT_...`), if any.
  private func customTLS() -> TLSVersion? {
    record.withField(columns[.customData]) { ExchangeText.schannelToken($0)?.0 }
  }

  /// A RECEIVE/SMTP row: an arrival when the mail came from outside the organisation
  /// (directionality Incoming, or FromEntity=Internet) and this server is its first
  /// hop in the forest. One arrival per message (network-message-id or Message-ID).
  private func readArrival(time t: LogTime?, platform: ExchangePlatform) {
    let direction = record.string(columns[.directionality]).lowercased()
    let fromOutside =
      direction == "incoming" || direction == "1"
      || (direction.isEmpty && custom("FromEntity=")?.lowercased() == "internet")
    guard fromOutside else { return }
    let server = record.string(columns[.serverHostname])
    if let hop = custom("FirstForestHop="), !server.isEmpty,
      ExchangeParser.firstLabel(hop) != ExchangeParser.firstLabel(server)
    {
      return
    }
    let id = messageID()
    let network = record.string(columns[.networkMessageID]).lowercased()
    guard join.arrivalKeys.insert(network.isEmpty ? "id:" + id : network).inserted else { return }
    let clientIP = record.string(columns[.clientIP])
    let original = record.string(columns[.originalClientIP])
    let proxiedIP = custom("ProxiedClientIPAddress=")
    let proxied = proxiedIP != nil || (!original.isEmpty && original != clientIP)
    let addr = proxiedIP ?? (original.isEmpty ? clientIP : original)
    guard !addr.isEmpty, !Address.isLoopback(addr) else { return }
    let host =
      custom("ProxiedClientHostname=")
      ?? (proxied ? "" : record.string(columns[.clientHostname]))
    let key = record.withField(columns[.sourceContext]) { ExchangeSessionKey($0) }
    let arrival = ArrivalEvent(
      origin: origin(host: server), time: t, messageID: id, client: "\(host)[\(addr)]",
      clientAddr: addr, sender: envelopeSender(), protection: .unknown(reason: ""))
    join.arrivals.append(
      ExchangePendingArrival(
        event: arrival, platform: platform, session: platform == .server ? key : nil,
        proxied: proxied, ownTLS: customTLS()))
  }

  /// SEND, SENDEXTERNAL, FAIL and DEFER rows: one delivery per recipient. Successful
  /// sends are kept only when they leave the organisation.
  private func readDeliveries(
    _ event: ExchangeTrackingEvent, time t: LogTime?, platform: ExchangePlatform
  ) {
    let outbound = isOutbound(event, platform: platform)
    let status: DeliveryStatus
    switch event {
    case .fail: status = .bounced
    case .deferral: status = .deferred
    default:
      guard outbound else { return }
      status = .sent
    }
    let id = messageID()
    if status == .bounced {
      join.failedIDs.insert(id)
      let ndr = record.bare(columns[.reference])
      if !ndr.isEmpty { join.ndrOriginal[ndr] = id }
    } else if status == .deferred {
      join.deferredIDs.insert(id)
    }
    let recipients = record.items(columns[.recipients])
    if recipients == ["System.String[]"] {
      join.note(
        "Exchange: a Get-MessageTrackingLog export holds \"System.String[]\" instead of "
          + "recipients; export with @{n='Recipients';e={$_.Recipients -join ';'}} (and the "
          + "same for RecipientStatus) so its rows can be counted.")
      return
    }
    let statuses = ExchangeText.statuses(
      record.string(columns[.recipientStatus]), count: recipients.count)
    let serverIP = record.string(columns[.serverIP])
    let serverHost = record.string(columns[.serverHostname])
    let localHost =
      status == .sent
      ? record.string(columns[.clientHostname]) : record.string(columns[.serverHostname])
    let from = origin(host: localHost)
    let sender = envelopeSender()
    let level =
      custom("Microsoft.Exchange.Transport.MailRecipient.EffectiveTlsAuthLevel=")
      ?? custom("Microsoft.Exchange.Transport.MailRecipient.RequiredTlsAuthLevel=")
    let reply = status == .sent ? finalReply() : nil
    let ownTLS = customTLS()
    let line = status == .sent ? nil : record.rawString
    let agent = record.string(columns[.source]).lowercased()
    for (i, rcpt) in recipients.enumerated() {
      let text = i < statuses.count ? statuses[i] : ""
      let delivery = DeliveryEvent(
        origin: from, time: t, messageID: id, recipient: rcpt, domain: Address.domain(of: rcpt),
        sender: sender, relay: serverIP.isEmpty ? serverHost : "\(serverHost)[\(serverIP)]",
        remoteHost: serverHost.isEmpty ? nil : serverHost,
        remoteAddr: serverIP.isEmpty ? nil : serverIP, agent: agent.isEmpty ? "smtp" : agent,
        status: status, isOutbound: outbound, protection: .unknown(reason: ""),
        dsn: ExchangeText.enhancedCode(text), reason: status == .sent || text.isEmpty ? nil : text,
        line: line)
      join.deliveries.append(
        ExchangePendingDelivery(
          event: delivery, platform: platform, replyKey: reply, authLevel: level, ownTLS: ownTLS))
    }
  }

  /// Whether a SEND-like row leaves the organisation: SENDEXTERNAL; any SMTP send of
  /// Exchange Online; custom-data `ToEntity=Internet` or
  /// `IsSmtpResponseFromExternalServer=True`; without those items (Exchange 2010), a
  /// remote server-ip outside private, loopback and link-local ranges.
  private func isOutbound(_ event: ExchangeTrackingEvent, platform: ExchangePlatform) -> Bool {
    if event == .sendExternal { return true }
    if platform == .online { return record.field(columns[.source], is: "SMTP") }
    let toEntity = custom("ToEntity=")
    let external = custom("IsSmtpResponseFromExternalServer=")
    if toEntity != nil || external != nil {
      return toEntity?.lowercased() == "internet" || external?.lowercased() == "true"
    }
    let ip = record.string(columns[.serverIP])
    return event == .send && !ip.isEmpty && !ExchangeParser.isPrivate(ip)
  }

  /// The remote's final reply in source-context (`;250 2.6.0 <id> ...;ClientSubmitTime:`)
  /// as a join key, or nil.
  private func finalReply() -> String? {
    record.withField(columns[.sourceContext]) { f in
      let start = f.count > 0 && f[0] == 0x3B ? 1 : 0  // ';'
      let end = f.index(of: ";ClientSubmitTime:", from: start) ?? f.count
      guard end - start >= 3, ASCII.isDigit(f[start]), ASCII.isDigit(f[start + 1]),
        ASCII.isDigit(f[start + 2])
      else { return nil }
      return ExchangeJoin.replyKey(UnsafeBufferPointer(rebasing: f[start..<end]))
    }
  }

  /// `MAIL01.corp.example.org` -> `mail01`.
  static func firstLabel(_ host: String) -> Substring {
    Substring(host.lowercased()).prefix { $0 != "." }
  }

  /// RFC 1918, loopback, link-local and unique-local addresses.
  static func isPrivate(_ ip: String) -> Bool {
    let a = ip.lowercased()
    if Address.isLoopback(a) || a.hasPrefix("10.") || a.hasPrefix("192.168.")
      || a.hasPrefix("169.254.") || a.hasPrefix("fe80:") || a.hasPrefix("fc") || a.hasPrefix("fd")
    {
      return true
    }
    if a.hasPrefix("172."), let second = Int(a.split(separator: ".").dropFirst().first ?? "") {
      return (16...31).contains(second)
    }
    return false
  }

  private func nonEmpty(_ s: String) -> String? { s.isEmpty ? nil : s }
}
