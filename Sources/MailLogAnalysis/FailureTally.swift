// FailureTally.swift: counts final failures (deferred, bounced) and NDRs, for the
// `failures` totals of the report. Classification and clustering live in
// BounceClusters; this tally only counts. Cannot fail.

import MailLogModel

/// Counts of final failure results and generated NDRs.
public final class FailureTally: EventSink {
  public private(set) var deferred = 0
  public private(set) var bounced = 0
  public private(set) var ndrs = 0
  private let accept: (LogTime?) -> Bool

  /// - Parameter accept: window filter on event times.
  public init(accept: @escaping (LogTime?) -> Bool = { _ in true }) { self.accept = accept }

  public var total: Int { deferred + bounced }

  public func consume(_ event: MailEvent) {
    switch event {
    case .delivery(let d) where accept(d.time):
      if d.status == .deferred { deferred += 1 }
      if d.status == .bounced { bounced += 1 }
    case .ndr(let n) where accept(n.time):
      ndrs += 1
    default:
      break
    }
  }
}
