// Events.swift: what parsers tell the analysis layer, one value per fact.
//
// Parsers of every format (Postfix, Exim, Exchange) turn lines into these events and
// push them into an `EventSink`. Events carry only decoded fields that some report
// needs; raw line text is kept only on failures (for examples). Ids are the MTA's own
// (Postfix queue id, Exim message id, Exchange internal/message id).

/// The mail system that wrote a log.
public enum MTA: String, Sendable {
  case postfix, exim, exchange
}

/// Final per-recipient outcome of a delivery attempt.
public enum DeliveryStatus: String, Sendable {
  case sent, deferred, bounced, other
}

/// Where an event came from: which input and which log host.
public struct Origin: Sendable {
  /// Index of the input in the order given on the command line.
  public var input: Int
  /// The syslog HOSTNAME field (or server name); "" when the log has none.
  public var logHost: String
  public var mta: MTA

  public init(input: Int, logHost: String, mta: MTA) {
    self.input = input
    self.logHost = logHost
    self.mta = mta
  }
}

/// A final per-recipient delivery result (sent, deferred or bounced), any agent.
public struct DeliveryEvent: Sendable {
  public var origin: Origin
  public var time: LogTime?
  /// Queue id / message id of the message.
  public var messageID: String
  public var recipient: String
  /// The recipient's domain, lower-cased ("" when the address has none).
  public var domain: String
  public var sender: String?
  /// The relay as logged (`host[addr]:port`, `none`, `local`, ...).
  public var relay: String
  public var remoteHost: String?
  public var remoteAddr: String?
  /// The delivery agent or transport (`smtp`, `lmtp`, `error`, `remote_smtp`, ...).
  public var agent: String
  public var status: DeliveryStatus
  /// True when this is a delivery to an external host (counted for coverage).
  public var isOutbound: Bool
  public var protection: Protection
  public var dsn: String?
  /// The reason text (Postfix's parenthesised text, Exim's error text).
  public var reason: String?
  /// A detail line of the same session (OpenSSL reason, verification failure).
  public var detail: String?
  /// The whole log line, kept for failures only.
  public var line: String?

  public init(
    origin: Origin, time: LogTime?, messageID: String, recipient: String, domain: String,
    sender: String? = nil, relay: String, remoteHost: String? = nil,
    remoteAddr: String? = nil, agent: String, status: DeliveryStatus, isOutbound: Bool,
    protection: Protection, dsn: String? = nil, reason: String? = nil,
    detail: String? = nil, line: String? = nil
  ) {
    self.origin = origin
    self.time = time
    self.messageID = messageID
    self.recipient = recipient
    self.domain = domain
    self.sender = sender
    self.relay = relay
    self.remoteHost = remoteHost
    self.remoteAddr = remoteAddr
    self.agent = agent
    self.status = status
    self.isOutbound = isOutbound
    self.protection = protection
    self.dsn = dsn
    self.reason = reason
    self.detail = detail
    self.line = line
  }
}

/// A message received from a remote SMTP client (inbound).
public struct ArrivalEvent: Sendable {
  public var origin: Origin
  public var time: LogTime?
  public var messageID: String
  /// Client as logged, e.g. `mx.example.net[192.0.2.1]`.
  public var client: String
  public var clientAddr: String
  public var sender: String?
  public var protection: Protection

  public init(
    origin: Origin, time: LogTime?, messageID: String, client: String, clientAddr: String,
    sender: String? = nil, protection: Protection
  ) {
    self.origin = origin
    self.time = time
    self.messageID = messageID
    self.client = client
    self.clientAddr = clientAddr
    self.sender = sender
    self.protection = protection
  }
}

/// A non-final failed attempt (one MX of several, a handshake failure before a retry).
public struct AttemptEvent: Sendable {
  public var origin: Origin
  public var time: LogTime?
  /// Queue id when the line has one.
  public var messageID: String?
  /// Recipient domain when known (Exim lines, Postfix via the queue id's next hop).
  public var domain: String?
  public var remoteHost: String?
  public var reason: String
  public var detail: String?
  public var line: String

  public init(
    origin: Origin, time: LogTime?, messageID: String?, domain: String? = nil,
    remoteHost: String?, reason: String, detail: String? = nil, line: String
  ) {
    self.origin = origin
    self.time = time
    self.messageID = messageID
    self.domain = domain
    self.remoteHost = remoteHost
    self.reason = reason
    self.detail = detail
    self.line = line
  }
}

/// A non-delivery notification (bounce message) the MTA generated.
public struct NDREvent: Sendable {
  public var origin: Origin
  public var time: LogTime?
  public var originalID: String
  public var ndrID: String

  public init(origin: Origin, time: LogTime?, originalID: String, ndrID: String) {
    self.origin = origin
    self.time = time
    self.originalID = originalID
    self.ndrID = ndrID
  }
}

/// Facts about a message that are not deliveries (sender, Message-ID header).
public struct MessageInfoEvent: Sendable {
  public var origin: Origin
  public var time: LogTime?
  public var messageID: String
  public var sender: String?
  public var messageIDHeader: String?

  public init(
    origin: Origin, time: LogTime?, messageID: String, sender: String? = nil,
    messageIDHeader: String? = nil
  ) {
    self.origin = origin
    self.time = time
    self.messageID = messageID
    self.sender = sender
    self.messageIDHeader = messageIDHeader
  }
}

/// One fact from a log.
public enum MailEvent: Sendable {
  case delivery(DeliveryEvent)
  case arrival(ArrivalEvent)
  case attempt(AttemptEvent)
  case ndr(NDREvent)
  case messageInfo(MessageInfoEvent)
  /// TLS logging is proven on for this evidence key (first sighting only).
  case tlsEvidence(key: String)
  /// A timestamp seen on any line, for the report period.
  case time(LogTime)
}

/// Receives events from parsers.
public protocol EventSink: AnyObject {
  func consume(_ event: MailEvent)
}

/// Forwards events to several sinks in order.
public final class SinkFanOut: EventSink {
  private let sinks: [EventSink]
  public init(_ sinks: [EventSink]) { self.sinks = sinks }
  public func consume(_ event: MailEvent) {
    for sink in sinks { sink.consume(event) }
  }
}

/// Address helpers shared by parsers.
public enum Address {
  /// The domain part of an address, lower-cased; "" when there is no `@`.
  public static func domain(of address: String) -> String {
    guard let at = address.lastIndex(of: "@") else { return "" }
    var d = address[address.index(after: at)...].lowercased()
    while d.hasSuffix(".") || d.hasSuffix(">") { d.removeLast() }
    return d
  }

  /// Whether an IP address (as logged) is loopback (127.0.0.0/8, ::1, ::ffff:127.x).
  public static func isLoopback(_ addr: String) -> Bool {
    let a = addr.lowercased()
    if a.hasPrefix("127.") { return true }
    if a == "::1" || a == "ipv6:::1" || a == "0:0:0:0:0:0:0:1" { return true }
    if a.hasPrefix("::ffff:127.") { return true }
    return false
  }

  /// Whether text looks like an IPv4 or IPv6 address.
  public static func isIP(_ addr: String) -> Bool {
    if addr.isEmpty { return false }
    var dots = 0
    var colons = 0
    for c in addr.utf8 {
      if c == 0x2E { dots += 1 } else if c == 0x3A { colons += 1 }
      else if !(ASCIIHex.isHex(c)) { return false }
    }
    return dots == 3 || colons >= 2
  }
}

enum ASCIIHex {
  static func isHex(_ c: UInt8) -> Bool {
    (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46)
  }
}
