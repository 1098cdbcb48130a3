// TraceRender.swift: text and JSON output of `mailtls trace` and `mailtls explain`.
//
// Text is written for service-desk staff: per message first the plain outcome per
// recipient, why, who acts and the next step; then the timeline (received, every
// attempt and result, hand-offs, the NDR and whether it reached the sender); then the
// technical detail (category, rule, reply text). More than `pageLimit` messages are
// listed one per line with a hint to narrow the query. Colour (ANSI) only when asked
// (the CLI asks on a terminal without NO_COLOR). Every log-derived string goes through
// Escape.terminal (text) or the JSON escaper. Rendering cannot fail.

import MailLogAnalysis
import MailLogKit
import MailLogModel

/// What `mailtls trace` prints.
public struct TraceReport {
  public var query: TraceQuery
  public var stories: [TraceStory]
  public var since: LogTime?
  public var until: LogTime?
  public var inputs: [InputStats]
  public var linesRead: Int
  public var linesParsed: Int
  /// The run stopped reading once the message was complete.
  public var stoppedEarly: Bool
  public var clock: LocalClock

  public init(
    query: TraceQuery, stories: [TraceStory], since: LogTime?, until: LogTime?,
    inputs: [InputStats], linesRead: Int, linesParsed: Int, stoppedEarly: Bool,
    clock: LocalClock
  ) {
    self.query = query
    self.stories = stories
    self.since = since
    self.until = until
    self.inputs = inputs
    self.linesRead = linesRead
    self.linesParsed = linesParsed
    self.stoppedEarly = stoppedEarly
    self.clock = clock
  }
}

/// ANSI styling that is a no-op when colour is off.
struct Style {
  let on: Bool
  func bold(_ s: String) -> String { on ? "\u{1B}[1m\(s)\u{1B}[0m" : s }
  func red(_ s: String) -> String { on ? "\u{1B}[31m\(s)\u{1B}[0m" : s }
  func green(_ s: String) -> String { on ? "\u{1B}[32m\(s)\u{1B}[0m" : s }
  func yellow(_ s: String) -> String { on ? "\u{1B}[33m\(s)\u{1B}[0m" : s }
  func dim(_ s: String) -> String { on ? "\u{1B}[2m\(s)\u{1B}[0m" : s }
}

public enum TraceRender {
  /// More matches than this are listed briefly unless `all` is set.
  public static let pageLimit = 5

  // MARK: Text

  public static func text(_ r: TraceReport, color: Bool, all: Bool) -> String {
    let st = Style(on: color)
    let e = Escape.terminal
    var out: [String] = []
    let what = "\(kindLabel(r.query.kind)) \(e(r.query.text))"
    if r.stories.isEmpty {
      out.append("No message matches \(what)\(windowText(r)).")
      out.append("Searched \(r.linesRead) lines in \(inputsText(r)).")
      if r.query.kind == .address {
        out.append("Check the spelling, try the domain alone, or widen --since/--until.")
      } else {
        out.append("Check the spelling or widen --since/--until.")
      }
      return out.joined(separator: "\n") + "\n"
    }
    let n = r.stories.count
    if n > pageLimit && !all {
      out.append(st.bold("\(n) messages match \(what)\(windowText(r)):"))
      for s in r.stories { out.append("  " + brief(s, r.clock, st)) }
      out.append("")
      out.append("Narrow the query to see the full story: a whole address, or one of the ids above")
      out.append(
        "(mailtls trace ID FILE...), or a shorter --since/--until window. --all shows every story.")
      return out.joined(separator: "\n") + "\n"
    }
    out.append(
      st.bold(
        "\(n) message\(n == 1 ? "" : "s") match\(n == 1 ? "es" : "") \(what)\(windowText(r))."))
    for (i, s) in r.stories.enumerated() {
      out.append("")
      out += story(s, index: i + 1, of: n, r.clock, st)
    }
    if r.stoppedEarly {
      out.append("")
      out.append(
        st.dim(
          "(Stopped reading once this message was complete; a queue id reused later is not shown: use --since to look further.)"
        ))
    }
    return out.joined(separator: "\n") + "\n"
  }

  static func kindLabel(_ k: TraceQuery.Kind) -> String {
    switch k {
    case .address: return "address"
    case .domain: return "domain"
    case .id: return "id"
    }
  }

  static func windowText(_ r: TraceReport) -> String {
    var parts: [String] = []
    if let s = r.since { parts.append("from \(r.clock.iso8601(s))") }
    if let u = r.until { parts.append("until \(r.clock.iso8601(u))") }
    return parts.isEmpty ? "" : " (" + parts.joined(separator: " ") + ")"
  }

  static func inputsText(_ r: TraceReport) -> String {
    let names = r.inputs.map { Escape.terminal($0.name) }
    return names.count == 1 ? names[0] : "\(names.count) inputs"
  }

  static func time(_ t: LogTime?, _ clock: LocalClock) -> String {
    guard let t else { return "(no time)          " }
    let iso = clock.iso8601(t)
    // `YYYY-MM-DDTHH:MM:SS+hh:mm` -> `YYYY-MM-DD HH:MM:SS`
    return String(iso.prefix(19)).replacingOccurrences(of: "T", with: " ")
  }

  static func brief(_ s: TraceStory, _ clock: LocalClock, _ st: Style) -> String {
    let e = Escape.terminal
    let rcpts = s.outcomes.map(\.recipient)
    var to = rcpts.first.map(e) ?? "?"
    if rcpts.count > 1 { to += " (+\(rcpts.count - 1))" }
    let status = s.outcomes.isEmpty ? "no result logged" : summaryStatus(s, st)
    return "\(time(s.firstTime, clock))  \(e(s.id))  \(e(s.sender ?? "?")) -> \(to)  \(status)"
  }

  static func summaryStatus(_ s: TraceStory, _ st: Style) -> String {
    let counts = Dictionary(grouping: s.outcomes, by: \.status).mapValues(\.count)
    let order: [TraceOutcome.Status] = [.delivered, .bounced, .expired, .deferred, .other]
    return order.compactMap { k in counts[k].map { statusWord(k, st) + ($0 > 1 ? " x\($0)" : "") } }
      .joined(separator: ", ")
  }

  static func statusWord(_ k: TraceOutcome.Status, _ st: Style) -> String {
    switch k {
    case .delivered: return st.green("delivered")
    case .bounced: return st.red("bounced")
    case .expired: return st.red("expired")
    case .deferred: return st.yellow("deferred")
    case .other: return "other"
    }
  }

  /// `a b`, or `a` when `b` is empty.
  static func joined(_ a: String, _ b: String) -> String { b.isEmpty ? a : a + " " + b }

  /// How a hop was protected, in words. Inbound, only a verified client certificate
  /// is worth a mention (clients rarely present one). A failed result says nothing
  /// unless TLS was up (the failure itself explains the rest).
  static func tlsText(_ t: TraceTLS?, inbound: Bool = false, failed: Bool = false) -> String {
    switch t {
    case .tls(let v, let trust)?:
      let version = v == .unknown ? "TLS" : (v == .ssl3 ? "SSLv3" : "TLS \(v.rawValue)")
      let trustText: String
      switch trust {
      case .verified:
        trustText = inbound ? ", client certificate verified" : ", certificate verified"
      case .trusted: trustText = inbound ? ", client certificate trusted" : ", certificate trusted"
      case .untrusted: trustText = inbound ? "" : ", certificate NOT trusted"
      case .anonymous: trustText = inbound ? "" : ", no certificate checked"
      case .unknown: trustText = ""
      }
      return "over \(version)\(trustText)"
    case .plaintext?: return failed ? "" : "WITHOUT encryption"
    case .unknown?: return failed ? "" : "encryption not logged"
    case nil: return ""
    }
  }

  static func story(_ s: TraceStory, index: Int, of n: Int, _ clock: LocalClock, _ st: Style)
    -> [String]
  {
    let e = Escape.terminal
    var out: [String] = []
    let chain = s.legs.filter { $0.role != .ndr }.map { e($0.id) }.joined(separator: " -> ")
    let where_ = [s.mta?.rawValue, s.logHost.isEmpty ? nil : "host \(e(s.logHost))"].compactMap {
      $0
    }
    .joined(separator: ", ")
    out.append(
      st.bold("Message \(index) of \(n): \(chain)") + (where_.isEmpty ? "" : "  (\(where_))"))
    out.append(
      "  From:        \(e(s.sender.map { $0.isEmpty ? "<> (a bounce)" : $0 } ?? "not logged"))")
    let rcpts = s.outcomes.map { e($0.recipient) }
    out.append(
      "  To:          \(rcpts.isEmpty ? "no result logged" : rcpts.joined(separator: ", "))")
    if let h = s.messageIDHeader { out.append("  Message-ID:  <\(e(h))>") }
    if let rcv = s.received {
      out.append(
        "  Received:    "
          + joined(
            "\(time(rcv.time, clock)) from \(e(rcv.peer ?? "?"))", tlsText(rcv.tls, inbound: true)))
    } else {
      out.append(
        "  Received:    no arrival from an outside client in these logs (submitted locally, or earlier)"
      )
    }
    out.append("")
    out.append(st.bold("  Outcome"))
    for o in s.outcomes { out.append("    " + outcomeLine(o, s, clock, st)) }
    if s.outcomes.isEmpty { out.append("    No delivery result for this message in these logs.") }
    if let ndr = s.ndr {
      let reached: String
      switch ndr.delivered {
      case true?:
        let d = ndr.deliveries.first { $0.status == .sent }!
        reached = "it reached \(e(d.recipient ?? "the sender")) at \(time(d.time, clock))"
      case false?: reached = "it could NOT be delivered to the sender"
      case nil: reached = "its delivery is not in these logs"
      }
      out.append("    The sender was sent a non-delivery report (\(e(ndr.id))); \(reached).")
    }
    // Why, who acts, next step: once per distinct reading.
    var seen: Set<String> = []
    for o in s.outcomes {
      for (x, earlier) in [(o.explanation, false), (o.earlier, true)] {
        guard let x, seen.insert("\(x.category.rawValue) \(o.status.rawValue) \(earlier)").inserted
        else { continue }
        out.append("")
        let heading = earlier ? "Why it was delayed" : (o.status == .delivered ? "Note" : "Why")
        let count = s.outcomes.filter {
          (earlier ? $0.earlier : $0.explanation)?.category == x.category && $0.status == o.status
        }.count
        let whom = count > 1 ? " (\(count) recipients)" : ""
        out.append(st.bold("  \(heading)\(whom): ") + x.info.title + " [\(x.category.rawValue)]")
        out.append("    " + x.info.explanation)
        out.append("    Who acts:   " + x.action.label)
        out.append("    Next step:  " + x.nextStep)
      }
    }
    out.append("")
    out.append(st.bold("  Timeline"))
    if let rcv = s.received {
      out.append(
        "    \(time(rcv.time, clock))  "
          + joined("received from \(e(rcv.peer ?? "?"))", tlsText(rcv.tls, inbound: true))
          + "  [\(e(rcv.id))]")
    }
    out += timeline(s.steps, clock, st)
    // Technical detail of each explained failure.
    var tech: [String] = []
    for o in s.outcomes {
      for x in [o.explanation, o.earlier].compactMap({ $0 }) {
        tech.append(
          "    \(e(o.recipient)): category \(x.category.rawValue)"
            + (x.classification.map { ", rule \($0.ruleID), confidence \($0.confidence.rawValue)" }
              ?? "")
            + ", RFC 8460: \(x.rfc8460 ?? "none")")
        if x.classification != nil {
          tech.append("      reason: \(e(x.reason))")
          if let d = x.detail { tech.append("      detail: \(e(d))") }
        }
      }
    }
    if !tech.isEmpty {
      out.append("")
      out.append(st.bold("  Technical detail"))
      out += tech
    }
    return out
  }

  static func outcomeLine(_ o: TraceOutcome, _ s: TraceStory, _ clock: LocalClock, _ st: Style)
    -> String
  {
    let e = Escape.terminal
    let at = time(o.step.time, clock)
    let retries =
      o.deferrals > 0 ? " after \(o.deferrals) deferred attempt\(o.deferrals == 1 ? "" : "s")" : ""
    switch o.status {
    case .delivered:
      return
        "\(e(o.recipient)): \(st.green("DELIVERED")) at \(at) to \(e(o.step.peer ?? "?"))\(o.step.tls == nil ? "" : " " + tlsText(o.step.tls))\(retries.isEmpty ? "" : ",")\(retries)"
    case .bounced:
      return
        "\(e(o.recipient)): \(st.red("NOT DELIVERED")) (bounced at \(at) by \(e(o.step.peer ?? "?")))"
    case .expired:
      return
        "\(e(o.recipient)): \(st.red("NOT DELIVERED")) (kept failing, the server gave up and returned it; last try \(at))"
    case .deferred:
      return
        "\(e(o.recipient)): \(st.yellow("STILL WAITING")) (deferred, will be retried; last try \(at)\(o.deferrals > 0 ? ", \(o.deferrals + 1) tries so far" : ""))"
    case .other:
      return "\(e(o.recipient)): status \(e(o.step.status?.rawValue ?? "?")) at \(at)"
    }
  }

  /// The timeline lines; a run of identical failed results (same recipient, server,
  /// status and reason) shows its first line and a count.
  static func timeline(_ steps: [TraceStep], _ clock: LocalClock, _ st: Style) -> [String] {
    var out: [String] = []
    var i = 0
    while i < steps.count {
      let s = steps[i]
      var j = i + 1
      if s.kind == .delivery && s.status != .sent {
        while j < steps.count, steps[j].kind == .delivery, steps[j].status == s.status,
          steps[j].recipient == s.recipient, steps[j].peer == s.peer, steps[j].reason == s.reason
        {
          j += 1
        }
      }
      out += stepLines(s, clock, st)
      if j - i > 1 {
        out.append(
          "                         ... the same \(j - i - 1) more time\(j - i - 1 == 1 ? "" : "s"), the last at \(time(steps[j - 1].time, clock))"
        )
      }
      i = j
    }
    return out
  }

  static func stepLines(_ s: TraceStep, _ clock: LocalClock, _ st: Style) -> [String] {
    let e = Escape.terminal
    let t = time(s.time, clock)
    let id = "[\(e(s.id))]"
    var first: String
    var more: [String] = []
    switch s.kind {
    case .received:
      first = joined("received from \(e(s.peer ?? "?"))", tlsText(s.tls, inbound: true))
    case .attempt:
      first =
        "try failed" + (s.peer.map { " at \(e($0))" } ?? "") + "; another server or a retry follows"
      more.append(e(s.reason ?? ""))
      if let d = s.detail { more.append("detail: " + e(d)) }
    case .handoff:
      first = "passed to \(e(s.peer ?? "?")) on this host, queued again as \(e(s.nextID ?? "?"))"
    case .delivery:
      let word: String
      switch s.status {
      case .sent?: word = st.green("delivered")
      case .bounced?: word = st.red("bounced")
      case .deferred?: word = st.yellow("deferred")
      default: word = e(s.status?.rawValue ?? "?")
      }
      first = joined(
        "\(e(s.recipient ?? "?")): \(word) via \(e(s.peer ?? "?"))",
        tlsText(s.tls, failed: s.status != .sent))
      if s.status != .sent, let r = s.reason {
        more.append((s.dsn.map { "dsn \(e($0)): " } ?? "") + e(r))
      }
      if s.status != .sent, let d = s.detail { more.append("detail: " + e(d)) }
    case .ndrCreated:
      first = "non-delivery report \(e(s.nextID ?? "?")) created for the sender"
    case .ndrDelivery:
      let word = s.status == .sent ? "delivered to" : "\(e(s.status?.rawValue ?? "?")) for"
      first = "non-delivery report \(word) \(e(s.recipient ?? "?")) via \(e(s.peer ?? "?"))"
      if s.status != .sent, let r = s.reason { more.append(e(r)) }
    }
    return ["    \(t)  \(first)  \(st.dim(id))"] + more.map { "                         " + $0 }
  }

  // MARK: JSON

  public static func json(_ r: TraceReport) -> String {
    let clock = r.clock
    let root = JSONValue.object([
      (
        "query",
        .object([("text", .string(r.query.text)), ("kind", .string(r.query.kind.rawValue))])
      ),
      (
        "window",
        .object([
          ("since", r.since.map { .string(clock.iso8601($0)) } ?? .null),
          ("until", r.until.map { .string(clock.iso8601($0)) } ?? .null),
        ])
      ),
      ("matches", .int(r.stories.count)),
      ("messages", .array(r.stories.map { storyJSON($0, clock) })),
      ("stopped_early", .bool(r.stoppedEarly)),
      ("lines_read", .int(r.linesRead)),
      ("lines_parsed", .int(r.linesParsed)),
      (
        "inputs",
        .array(
          r.inputs.map { .object([("name", .string($0.name)), ("format", .string($0.format))]) })
      ),
    ])
    return root.serialized() + "\n"
  }

  static func opt(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }

  static func timeJSON(_ t: LogTime?, _ clock: LocalClock) -> JSONValue {
    t.map { .string(clock.iso8601($0)) } ?? .null
  }

  static func tlsJSON(_ t: TraceTLS?) -> JSONValue {
    switch t {
    case .tls(let v, let trust)?:
      return .object([
        ("state", .string("tls")), ("version", .string(v.rawValue)),
        ("trust", .string(trust.rawValue)),
      ])
    case .plaintext?: return .object([("state", .string("plaintext"))])
    case .unknown(let why)?: return .object([("state", .string("unknown")), ("why", .string(why))])
    case nil: return .null
    }
  }

  static func stepJSON(_ s: TraceStep, _ clock: LocalClock) -> JSONValue {
    .object([
      ("time", timeJSON(s.time, clock)), ("kind", .string(s.kind.rawValue)), ("id", .string(s.id)),
      ("recipient", opt(s.recipient)), ("peer", opt(s.peer)), ("tls", tlsJSON(s.tls)),
      ("status", opt(s.status?.rawValue)), ("dsn", opt(s.dsn)), ("reason", opt(s.reason)),
      ("detail", opt(s.detail)), ("next_id", opt(s.nextID)),
    ])
  }

  static func storyJSON(_ s: TraceStory, _ clock: LocalClock) -> JSONValue {
    .object([
      ("id", .string(s.id)),
      ("mta", opt(s.mta?.rawValue)),
      ("log_host", .string(s.logHost)),
      (
        "ids",
        .array(
          s.legs.map { .object([("id", .string($0.id)), ("role", .string($0.role.rawValue))]) })
      ),
      ("message_id", opt(s.messageIDHeader)),
      ("sender", opt(s.sender)),
      ("first_seen", timeJSON(s.firstTime, clock)),
      ("last_seen", timeJSON(s.lastTime, clock)),
      (
        "received",
        s.received.map { r in
          .object([
            ("time", timeJSON(r.time, clock)), ("id", .string(r.id)), ("client", opt(r.peer)),
            ("tls", tlsJSON(r.tls)),
          ])
        } ?? .null
      ),
      (
        "outcomes",
        .array(
          s.outcomes.map { o in
            .object([
              ("recipient", .string(o.recipient)), ("status", .string(o.status.rawValue)),
              ("time", timeJSON(o.step.time, clock)), ("id", .string(o.step.id)),
              ("relay", opt(o.step.peer)),
              ("tls", tlsJSON(o.step.tls)), ("dsn", opt(o.step.dsn)),
              ("reason", opt(o.step.reason)),
              ("deferrals", .int(o.deferrals)),
              ("explanation", o.explanation.map(explanationJSON) ?? .null),
              ("earlier_problem", o.earlier.map(explanationJSON) ?? .null),
            ])
          })
      ),
      (
        "ndr",
        s.ndr.map { n in
          .object([
            ("id", .string(n.id)), ("time", timeJSON(n.time, clock)),
            ("delivered", n.delivered.map { .bool($0) } ?? .null),
            ("deliveries", .array(n.deliveries.map { stepJSON($0, clock) })),
          ])
        } ?? .null
      ),
      ("steps", .array(s.steps.map { stepJSON($0, clock) })),
    ])
  }

  static func explanationJSON(_ x: TraceExplanation) -> JSONValue {
    var members: [(String, JSONValue)] = categoryMembers(
      x.category, rfc8460: x.rfc8460, action: x.action, nextStep: x.nextStep)
    members.append(("rule", opt(x.classification?.ruleID)))
    members.append(("confidence", opt(x.classification?.confidence.rawValue)))
    members.append(("reason", .string(x.reason)))
    members.append(("detail", opt(x.detail)))
    return .object(members)
  }

  /// The members every category answer shares (trace and explain).
  static func categoryMembers(
    _ c: FailureCategory, rfc8460: String?, action: ActingParty, nextStep: String
  ) -> [(String, JSONValue)] {
    [
      ("category", .string(c.rawValue)), ("title", .string(c.info.title)),
      ("rfc8460", opt(rfc8460)), ("action", .string(action.rawValue)),
      ("who_acts", .string(action.label)), ("next_step", .string(nextStep)),
      ("explanation", .string(c.info.explanation)),
    ]
  }
}

/// Output of `mailtls explain`.
public enum ExplainRender {
  public static func text(_ x: ExplainResult, color: Bool) -> String {
    let st = Style(on: color)
    let e = Escape.terminal
    var out: [String] = []
    let c = x.classification
    if x.matched {
      out.append(st.bold("\(x.info.title) [\(c.category.rawValue)]"))
      out.append(x.info.explanation)
      out.append("")
      out.append("Who acts:   \(c.action.label)")
      out.append("Next step:  \(c.nextStep)")
      if c.confidence == .low {
        out.append("")
        out.append("This is a best guess: the text does not name the cause. The server's log has a")
        out.append("detail line (e.g. \"certificate verification failed for ...\") that does;")
        out.append("`mailtls trace` on the recipient shows it.")
      }
      out.append("")
      out.append(st.bold("Technical detail"))
      out.append(
        "  category \(c.category.rawValue), RFC 8460 type: \(c.rfc8460 ?? "none"), rule \(c.ruleID), confidence \(c.confidence.rawValue)"
      )
    } else {
      out.append(st.bold("No known failure text matches this."))
      out.append("It is treated as not a TLS problem, with low confidence. Check the text is the")
      out.append(
        "server's reply (the Diagnostic-Code or \"Remote server returned\" line) and try again.")
      if !x.nearest.isEmpty {
        out.append("")
        out.append("Nearest known texts:")
        for n in x.nearest {
          out.append(
            "  \(n.category.rawValue) \(n.category.info.title) (rule \(n.ruleID), \(Int((n.similarity * 100).rounded()))% alike)"
          )
          out.append("      \(e(n.example))")
        }
      }
      out.append("")
      out.append(st.bold("Technical detail"))
    }
    out.append("  read from: \(x.source) (as \(x.mta.rawValue))")
    out.append("  text: \(e(x.text))")
    if let d = x.detail { out.append("  detail: \(e(d))") }
    if let s = x.status { out.append("  status: \(e(s))") }
    if let r = x.recipient { out.append("  recipient: \(e(r))") }
    if let m = x.remoteMTA { out.append("  remote MTA: \(e(m))") }
    let f = c.facts
    let facts: [(String, String?)] = [
      ("enhanced code", f.enhancedCode), ("reply code", f.replyCode), ("remote host", f.remoteHost),
      ("remote address", f.remoteAddr),
      ("OpenSSL", f.opensslCode.map { "\($0) \(f.opensslReason ?? "")" }),
      ("verification", f.verifyError), ("Exchange message", f.exchangeMessage),
    ]
    for (k, v) in facts { if let v { out.append("  \(k): \(e(v))") } }
    return out.joined(separator: "\n") + "\n"
  }

  public static func json(_ x: ExplainResult) -> String {
    let c = x.classification
    let opt = TraceRender.opt
    var members = TraceRender.categoryMembers(
      c.category, rfc8460: c.rfc8460, action: c.action, nextStep: c.nextStep)
    members += [
      ("confidence", .string(c.confidence.rawValue)),
      ("matched", .bool(x.matched)),
      ("rule", .string(c.ruleID)),
      ("mta", .string(x.mta.rawValue)),
      ("source", .string(x.source)),
      ("text", .string(x.text)),
      ("detail", opt(x.detail)),
      ("status", opt(x.status)),
      ("recipient", opt(x.recipient)),
      ("remote_mta", opt(x.remoteMTA)),
      (
        "facts",
        .object([
          ("enhanced_code", opt(c.facts.enhancedCode)), ("reply_code", opt(c.facts.replyCode)),
          ("remote_host", opt(c.facts.remoteHost)), ("remote_addr", opt(c.facts.remoteAddr)),
          ("openssl_code", opt(c.facts.opensslCode)),
          ("openssl_reason", opt(c.facts.opensslReason)),
          ("verify_error", opt(c.facts.verifyError)),
          ("exchange_message", opt(c.facts.exchangeMessage)),
        ])
      ),
      (
        "nearest",
        .array(
          x.nearest.map { n in
            .object([
              ("rule", .string(n.ruleID)), ("category", .string(n.category.rawValue)),
              ("example", .string(n.example)), ("similarity", .number(n.similarity, decimals: 2)),
            ])
          })
      ),
    ]
    return JSONValue.object(members).serialized() + "\n"
  }
}
