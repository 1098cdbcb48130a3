// WindowedSink.swift: forwards only the events inside a --since/--until window.
//
// Deliveries, arrivals, attempts, NDRs and timestamps outside [since, until) are dropped;
// events without a time and facts that are not tied to a moment (TLS-logging evidence,
// message info) always pass, so the evidence rule still sees the whole input. Cannot fail.

import MailLogModel

/// A sink that filters by time before passing events on.
public final class WindowedSink: EventSink {
  private let inner: EventSink
  private let since: LogTime?
  private let until: LogTime?

  public init(_ inner: EventSink, since: LogTime?, until: LogTime?) {
    self.inner = inner
    self.since = since
    self.until = until
  }

  /// Whether `time` is inside the window (unknown times are).
  public func accepts(_ time: LogTime?) -> Bool {
    guard let time else { return true }
    if let s = since, time < s { return false }
    if let u = until, time >= u { return false }
    return true
  }

  public func consume(_ event: MailEvent) {
    let time: LogTime?
    switch event {
    case .delivery(let d): time = d.time
    case .arrival(let a): time = a.time
    case .attempt(let a): time = a.time
    case .ndr(let n): time = n.time
    case .time(let t): time = t
    case .tlsEvidence, .messageInfo: time = nil
    }
    if accepts(time) { inner.consume(event) }
  }
}
