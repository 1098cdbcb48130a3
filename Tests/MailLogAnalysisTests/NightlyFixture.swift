// NightlyFixture.swift: builds events and runs them through the nightly-report sinks
// (coverage, history collector) for the history, HTML and ordering tests, and sets the
// process time zone for DST cases. Fixture code only; it asserts nothing itself.

import Foundation
import MailLogAnalysis
import MailLogModel

#if canImport(Glibc)
  import Glibc
#endif

enum NightlyFixture {
  static let origin = Origin(input: 0, logHost: "mail", mta: .postfix)

  /// Epoch seconds of a UTC civil time.
  static func utc(_ y: Int, _ mo: Int, _ d: Int, _ h: Int = 0, _ mi: Int = 0, _ s: Int = 0)
    -> LogTime
  {
    LocalClock.epoch(year: y, month: mo, day: d, hour: h, minute: mi, second: s, offset: 0)!
  }

  static func sent(_ t: LogTime, _ domain: String, _ p: Protection) -> MailEvent {
    .delivery(
      DeliveryEvent(
        origin: origin, time: t, messageID: "4F3A21C0B7", recipient: "u@\(domain)", domain: domain,
        relay: "mx.\(domain)[192.0.2.7]:25", agent: "smtp", status: .sent, isOutbound: true,
        protection: p))
  }

  static func failed(_ t: LogTime, _ domain: String, _ status: DeliveryStatus, reason: String)
    -> MailEvent
  {
    .delivery(
      DeliveryEvent(
        origin: origin, time: t, messageID: "5B1C0D2E3F", recipient: "u@\(domain)", domain: domain,
        relay: "mx.\(domain)[192.0.2.8]:25", agent: "smtp", status: status, isOutbound: true,
        protection: .unknown(reason: "failed"), dsn: status == .bounced ? "5.7.1" : "4.7.5",
        reason: reason))
  }

  static func arrival(_ t: LogTime, _ p: Protection) -> MailEvent {
    .arrival(
      ArrivalEvent(
        origin: origin, time: t, messageID: "6C2D3E4F50", client: "mx.example.net[198.51.100.9]",
        clientAddr: "198.51.100.9", protection: p))
  }

  /// Feeds events (each preceded by its line time, as parsers do) into `sinks`.
  static func feed(_ events: [MailEvent], into sinks: [EventSink]) {
    let fan = SinkFanOut(sinks)
    for e in events {
      switch e {
      case .delivery(let d): if let t = d.time { fan.consume(.time(t)) }
      case .arrival(let a): if let t = a.time { fan.consume(.time(t)) }
      default: break
      }
      fan.consume(e)
    }
  }

  /// Runs `body` with the process zone set to `zone` (TZ + tzset), then restores it.
  static func withZone<T>(_ zone: String, _ body: () throws -> T) rethrows -> T {
    let old = ProcessInfo.processInfo.environment["TZ"]
    setenv("TZ", zone, 1)
    tzset()
    defer {
      if let old { setenv("TZ", old, 1) } else { unsetenv("TZ") }
      tzset()
    }
    return try body()
  }

  /// Europe/London, or the same rules as a POSIX TZ string where tzdata is missing.
  static var london: String {
    FileManager.default.fileExists(atPath: "/usr/share/zoneinfo/Europe/London")
      ? "Europe/London" : "GMT0BST,M3.5.0/1,M10.5.0"
  }
}
