// TracePrefilter.swift: lets `mailtls trace` skip most lines of a big Postfix log
// without parsing them, and still tell the same story as a full parse.
//
// The rule (per line, on bytes, before any parsing):
//  1. A line that mentions the query (address or domain after an `@`, or the id, with
//     word boundaries; ASCII case ignored for addresses), whose queue id is linked to a
//     story, whose `queued as X` names a linked id, or whose `message-id=` is the
//     Message-ID of a story is parsed. Before it, the lines held for its process are
//     replayed; a newly linked id is first caught up (rule 4).
//  2. smtp/lmtp lines that are not parsed are held per process (log host + program +
//     pid): TLS summary lines carry no queue id, and the parser attaches them (and
//     connect errors, OpenSSL details, the session binding) to the next delivery line
//     of the same process. Replaying the held lines first gives the parser exactly the
//     state a full parse would have. Beyond 2 x `holdLines` lines the oldest half is
//     spilled: each result goes to its queue id's record (rule 4) with the state lines
//     logged before it. 2b: a deferred/bounced result whose reason needs a detail
//     (`Cannot start TLS`, `Server certificate not ...`) is parsed at once, because
//     the parser remembers that detail for later `delivery temporarily suspended`
//     lines of the same domain from any process.
//  3. smtpd lines without a queue id are held per process from its last `connect
//     from` (the inbound TLS state); replaying them is idempotent.
//  4. Each queue id has a record: the lines that start a message (smtpd `client=` with
//     its held session lines, cleanup `message-id=`, qmgr `from=`), results of the
//     stateless agents (error, local, virtual, pipe), spilled results, and which
//     processes hold its lines. When an id is linked (found, or linked by the story:
//     NDR, `queued as`, same Message-ID, in either direction) its record is replayed
//     into a fresh parser and the processes holding its lines are replayed, so a
//     message found by a later line still shows its arrival, sender, Message-ID and
//     earlier results. A record moves aside at `removed` and stays a while for links
//     found later (an NDR id, a content-filter copy delivered after the original left).
//     bounce lines are always parsed: few, stateless, and they link an NDR found by
//     its own id back to its message.
//  5. The first TLS summary line per (log host, instance, direction) is parsed, so
//     the evidence rule (TLS logging is on) is the same as in a full parse.
//  6. qmgr `QID: removed` of an unlinked id joins the held lines of the process that
//     delivered it (the parser ends a TLS session bound to that id there); of a
//     linked id it is parsed and ends the id in the story (queue ids are reused).
//  7. Everything else is skipped.
// Exim and Exchange inputs are not filtered (every line is parsed). Memory is bounded
// by `TraceLimits` (two generations per store), so it follows the in-flight state, not
// the input size; a process buffer dropped from the old generation is spilled first.
// Held state that overflowed a bound is the only way to differ from a full parse; a
// test compares prefiltered and full runs.

import MailLogKit
import MailLogModel
import MailLogParsers

/// The byte-level look for the query in a line.
public struct TraceNeedle: Sendable {
  let bytes: [UInt8]
  let kind: TraceQuery.Kind

  public init(_ query: TraceQuery) {
    kind = query.kind
    bytes = Array((query.kind == .id ? query.text : query.folded).utf8)
  }

  /// Whether `b` mentions the query.
  public func found(in b: Bytes) -> Bool {
    guard !bytes.isEmpty else { return false }
    switch kind {
    case .id: return foundID(b)
    case .address: return foundAddress(b)
    case .domain: return foundDomain(b)
    }
  }

  private func foundID(_ b: Bytes) -> Bool {
    var from = 0
    while let at = b.index(of: bytes, from: from) {
      let end = at + bytes.count
      if (at == 0 || !TraceNeedle.isIDByte(b[at - 1]))
        && (end >= b.count || !TraceNeedle.isIDByte(b[end]))
      {
        return true
      }
      from = at + 1
    }
    return false
  }

  private func foundAddress(_ b: Bytes) -> Bool {
    guard let anchor = bytes.firstIndex(of: ASCII.at) else { return false }
    var from = 0
    while let p = b.index(of: ASCII.at, from: from) {
      from = p + 1
      let start = p - anchor
      let end = start + bytes.count
      guard start >= 0, end <= b.count else { continue }
      var same = true
      for i in 0..<bytes.count where TraceNeedle.lower(b[start + i]) != bytes[i] {
        same = false
        break
      }
      if same && (start == 0 || !TraceNeedle.isLocalByte(b[start - 1]))
        && (end == b.count || !TraceNeedle.isDomainByte(b[end]))
      {
        return true
      }
    }
    return false
  }

  private func foundDomain(_ b: Bytes) -> Bool {
    var from = 0
    while let p = b.index(of: ASCII.at, from: from) {
      from = p + 1
      var end = p + 1
      while end < b.count && TraceNeedle.isDomainByte(b[end]) { end += 1 }
      // Trailing dots are not part of the domain (`user@example.org.`).
      while end > p + 1 && b[end - 1] == ASCII.dot { end -= 1 }
      let start = end - bytes.count
      guard start > p else { continue }
      guard start == p + 1 || b[start - 1] == ASCII.dot else { continue }
      var same = true
      for i in 0..<bytes.count where TraceNeedle.lower(b[start + i]) != bytes[i] {
        same = false
        break
      }
      if same { return true }
    }
    return false
  }

  @inline(__always) static func lower(_ c: UInt8) -> UInt8 {
    ASCII.isUpper(c) ? c | 0x20 : c
  }
  @inline(__always) static func isIDByte(_ c: UInt8) -> Bool { ASCII.isAlnum(c) || c == 0x2D }
  /// Bytes that continue a local part leftwards (`=` is not one: `sasl_username=x@y`).
  @inline(__always) static func isLocalByte(_ c: UInt8) -> Bool {
    ASCII.isAlnum(c) || c == ASCII.dot || c == 0x5F || c == 0x2D || c == 0x2B || c == 0x25
  }
  @inline(__always) static func isDomainByte(_ c: UInt8) -> Bool {
    ASCII.isAlnum(c) || c == ASCII.dot || c == 0x2D
  }
}

/// Bounds of the prefilter's stores.
public struct TraceLimits: Sendable {
  /// Bytes of recent lines kept for look-back (the ring).
  public var ringBytes = 32 << 20
  /// Processes tracked (per generation; two generations).
  public var processes = 8192
  /// Queue ids tracked (per generation; two generations).
  public var queueIDs = 65_536

  public init() {}
}

/// Where a process's stored lines are.
struct ProcState {
  /// Last stored line.
  var last: UInt64 = 0
  /// smtp/lmtp: last stored line already parsed. smtpd: the session's `connect from`.
  var mark: UInt64 = 0
}

/// Where a queue id's stored lines are, and what is known of it.
struct QueueState {
  var last: UInt64 = 0
  /// The process that logged its last delivery line (for `removed`, rule 6).
  var deliveredBy: UInt64 = 0
  /// Message-ID key (0: none seen).
  var header: UInt64 = 0
  var hasFrom = false
  var removed = false
}

/// The line gate of a trace run: wire `gate(_:_:)` into `RunOptions.lineGate`.
public final class TracePrefilter {
  public let collector: TraceCollector
  public let needle: TraceNeedle
  /// False: every line is parsed (the reference the prefilter is tested against).
  public let filtering: Bool
  public let limits: TraceLimits

  /// Lines read, and lines handed to a parser (replays included).
  public private(set) var linesRead = 0
  public private(set) var linesParsed = 0
  /// True once a queue id of a story was closed by `removed`.
  public private(set) var closedAny = false

  private var pass: Set<UInt64> = []
  private var headerKeys: Set<UInt64> = []
  private var evidenceSent: Set<UInt64> = []
  private var ring: LineRing
  private var procs: Generations<ProcState>
  private var queues: Generations<QueueState>
  /// `queued as X` seen in a skipped line of Q: X's key -> Q's key.
  private var queuedFrom: Generations<UInt64>
  /// Message-ID key -> the last queue-id key with it among skipped cleanup lines.
  private var byHeader: Generations<UInt64>
  /// Queue-id keys to catch up after the current line (linked while it was parsed).
  private var pending: [UInt64] = []
  private var main: LogParser?
  private var context: ParseContext?

  public init(
    collector: TraceCollector, filtering: Bool = true, limits: TraceLimits = TraceLimits()
  ) {
    self.collector = collector
    self.needle = TraceNeedle(collector.query)
    self.filtering = filtering
    var l = limits
    l.processes = max(16, l.processes)
    l.queueIDs = max(16, l.queueIDs)
    self.limits = l
    ring = LineRing(capacity: filtering ? l.ringBytes : 1 << 16)
    procs = Generations(limit: l.processes)
    queues = Generations(limit: l.queueIDs)
    queuedFrom = Generations(limit: l.queueIDs)
    byHeader = Generations(limit: l.queueIDs)
    collector.onLink = { [unowned self] id in self.link(traceHash(id)) }
    collector.onHeader = { [unowned self] header in
      let h = traceHash(header)
      self.headerKeys.insert(h)
      // An earlier message with this Message-ID (a skipped cleanup line) joins too.
      if let q = self.byHeader.take(h) { self.link(q) }
    }
    collector.localIDKnown = { [unowned self] id in self.queues.contains(traceHash(id)) }
  }

  /// Ids of stories still open (not yet `removed`), for early stopping.
  public var openIDs: Int { pass.count }

  /// The gate for one input: Postfix lines go through the prefilter, other formats
  /// straight to their parser (counted).
  public func gate(_ parser: LogParser, _ context: ParseContext) -> ((Bytes) -> Void)? {
    if parser.stats.format == "postfix" {
      main = parser
      self.context = context
      return { [unowned self] line in self.feedPostfix(line) }
    }
    return { [unowned self] line in
      self.linesRead += 1
      self.linesParsed += 1
      parser.parse(line)
    }
  }

  // MARK: Postfix

  private enum Daemon { case client, server, queue, bounce, other }

  private func parse(_ b: Bytes) {
    linesParsed += 1
    main?.parse(b)
  }

  /// Lets an id's lines through from now on; catches it up after the current line.
  private func link(_ qKey: UInt64) {
    if pass.insert(qKey).inserted { pending.append(qKey) }
  }

  private func feedPostfix(_ b: Bytes) {
    linesRead += 1
    if !filtering {
      parse(b)
      if let q = PostfixLine(b)?.qid, isRemoved(b, q) {
        close(b.string(q.lowerBound, q.upperBound))
      }
      return
    }
    defer { drain() }
    guard let l = PostfixLine(b) else {
      if needle.found(in: b) { parse(b) }
      return
    }
    let daemon = classify(b, l.daemon)
    let procKey = traceHash(b, l.process)
    guard let q = l.qid else {
      noQueueID(b, l, daemon, procKey)
      return
    }
    let qKey = traceHash(b, q)
    var linked = pass.contains(qKey)
    // `Q: to=<..>, ..., status=sent (... queued as X)`: Q handed the message to a
    // content filter or relay that queued it again here as X.
    var next: UInt64?
    if !linked, daemon == .client, let x = PostfixLine.queuedAs(b, q) {
      next = traceHash(b, x)
      linked = pass.contains(next!)
    }
    if !linked && (needle.found(in: b) || mentionsStoryHeader(b, q, daemon)) { linked = true }
    if linked {
      if pass.insert(qKey).inserted { catchUp(qKey) }
      passLine(b, daemon, procKey)
      if daemon == .queue, isRemoved(b, q) {
        queues.remove(qKey)
        close(b.string(q.lowerBound, q.upperBound))
      }
      return
    }
    let p = q.upperBound + 2
    switch daemon {
    case .client:
      let delivery = b.has("to=<", at: p)
      if delivery && needsDetail(b) {
        passLine(b, .client, procKey)  // rule 2b
        return
      }
      let pos = store(b, proc: procKey, queue: qKey) { if delivery { $0.deliveredBy = procKey } }
      if let next, pos != 0 { queuedFrom.put(next, qKey) }
    case .server:
      // `client=`: on the queue chain only, linked back to its session's lines.
      if b.has("client=", at: p) {
        let session = procs.peek(procKey) { $0.last } ?? 0
        storeQueueLine(b, qKey, prevProc: session)
      }
    case .bounce:
      parse(b)
    case .queue:
      if b.has("to=<", at: p) {
        if needsDetail(b) { parse(b) } else { storeQueueLine(b, qKey) }
      } else if b.has("message-id=", at: p) {
        let m = PostfixLine.messageID(b, p).flatMap { $0.isEmpty ? nil : traceHash(b, $0) }
        storeQueueLine(b, qKey) { if let m { $0.header = m } }
        if let m { byHeader.put(m, qKey) }
      } else if b.has("from=<", at: p) {
        let expired =
          b.index(of: "status=expired", from: p) != nil
          || b.index(of: "status=force-expired", from: p) != nil
        if !expired {
          storeQueueLine(b, qKey, only: { !$0.hasFrom }) { $0.hasFrom = true }
        }
      } else if isRemoved(b, q) {
        // qmgr's `removed` ends a TLS session bound to this id: it joins the stored
        // lines of the process that delivered it, in order (rule 6). The id's lines
        // stay for links found later, until the id is reused.
        var deliveredBy: UInt64 = 0
        _ = queues.withExisting(qKey) { s in
          s.removed = true
          deliveredBy = s.deliveredBy
          if s.header != 0, self.byHeader.peek(s.header, { $0 }) == qKey {
            self.byHeader.remove(s.header)
          }
        }
        if deliveredBy != 0 { store(b, proc: deliveredBy, queue: nil) }
      }
    case .other:
      break
    }
  }

  private func noQueueID(_ b: Bytes, _ l: PostfixLine, _ daemon: Daemon, _ procKey: UInt64) {
    switch daemon {
    case .client:
      if needle.found(in: b) || (isTLSSummary(b, l) && firstEvidence(b, l)) {
        passLine(b, .client, procKey)
      } else {
        store(b, proc: procKey, queue: nil)
      }
    case .server:
      // The parser's inbound state is set by `connect from` (reset) and the TLS
      // summary line; other session lines (disconnect, NOQUEUE, ...) change nothing.
      let connect = b.has("connect from ", at: l.message)
      let tls = !connect && isTLSSummary(b, l)
      let pos = ring.nextPosition(for: b)
      if (connect || tls) && pos != 0 {
        var prev: UInt64 = 0
        procs.modify(procKey, { ProcState() }) { s in
          prev = connect ? 0 : s.last
          s.last = pos
          if connect { s.mark = pos }
        }
        ring.append(b, prevProc: prev, prevQid: 0)
      }
      if needle.found(in: b) || (tls && firstEvidence(b, l)) {
        replaySession(procKey)
        if !connect && !tls { parse(b) }
      }
    case .queue, .bounce, .other:
      if needle.found(in: b) { parse(b) }
    }
  }

  /// Stores a line on its process chain (and its queue id's chain, updating the
  /// id's state with `update`). One map update per chain.
  @discardableResult
  private func store(
    _ b: Bytes, proc: UInt64, queue: UInt64?, _ update: (inout QueueState) -> Void = { _ in }
  ) -> UInt64 {
    let pos = ring.nextPosition(for: b)
    guard pos != 0 else { return 0 }
    var prevProc: UInt64 = 0
    procs.modify(proc, { ProcState() }) { s in
      prevProc = s.last
      s.last = pos
    }
    var prevQid: UInt64 = 0
    if let queue {
      queues.modify(queue, { QueueState() }) { s in
        if s.removed { s = QueueState() }  // a new message reusing the id
        prevQid = s.last
        s.last = pos
        update(&s)
      }
    }
    ring.append(b, prevProc: prevProc, prevQid: prevQid)
    return pos
  }

  /// Stores a line on its queue id's chain only (queue daemons, smtpd `client=`),
  /// when `only` allows it for the id's state.
  private func storeQueueLine(
    _ b: Bytes, _ qKey: UInt64, prevProc: UInt64 = 0, only: (QueueState) -> Bool = { _ in true },
    _ update: (inout QueueState) -> Void = { _ in }
  ) {
    let pos = ring.nextPosition(for: b)
    guard pos != 0 else { return }
    var prevQid: UInt64 = 0
    var stored = false
    queues.modify(qKey, { QueueState() }) { s in
      if s.removed { s = QueueState() }  // a new message reusing the id
      guard only(s) else { return }
      prevQid = s.last
      s.last = pos
      update(&s)
      stored = true
    }
    if stored { ring.append(b, prevProc: prevProc, prevQid: prevQid) }
  }

  /// Parses `b` after the unparsed lines of its process.
  private func passLine(_ b: Bytes, _ daemon: Daemon, _ procKey: UInt64) {
    switch daemon {
    case .client: flush(procKey)
    case .server: replaySession(procKey)
    case .queue, .bounce, .other: break
    }
    parse(b)
  }

  /// Parses the stored, not yet parsed lines of an smtp/lmtp process, in order.
  private func flush(_ procKey: UInt64) {
    guard let s = procs.peek(procKey, { $0 }), s.last > s.mark else { return }
    var chain: [UInt64] = []
    var p = s.last
    while p > s.mark && ring.isLive(p) {
      chain.append(p)
      p = ring.prevProc(p)
    }
    _ = procs.withExisting(procKey) { $0.mark = s.last }
    for pos in chain.reversed() { ring.withLine(pos) { parse($0) } }
  }

  /// Parses the current session lines of an smtpd process (`connect from`, TLS):
  /// idempotent, they only set the parser's inbound TLS state.
  private func replaySession(_ procKey: UInt64) {
    guard let s = procs.peek(procKey, { $0 }) else { return }
    for pos in sessionChain(from: s.last, start: s.mark) { ring.withLine(pos) { parse($0) } }
  }

  /// Session lines from `from` back to `start` (the `connect from`), oldest first.
  private func sessionChain(from: UInt64, start: UInt64) -> [UInt64] {
    var chain: [UInt64] = []
    var p = from
    while p != 0 && p >= start && ring.isLive(p) && chain.count < 8 {
      chain.append(p)
      if p == start { break }
      p = ring.prevProc(p)
    }
    return chain.reversed()
  }

  /// Brings a newly linked id up to date: its stored queue lines go through a fresh
  /// parser (an smtpd `client=` with its session lines), the processes that stored
  /// lines of it are flushed into the main parser, and the id it was queued again
  /// from is caught up too.
  private func catchUp(_ qKey: UInt64) {
    pass.insert(qKey)
    if let last = queues.peek(qKey, { $0.last }), last != 0 {
      var chain: [UInt64] = []
      var p = last
      while p != 0 && ring.isLive(p) {
        chain.append(p)
        p = ring.prevQid(p)
      }
      var fresh: LogParser?
      var processes: [UInt64] = []
      for pos in chain.reversed() {
        var client: UInt64?
        var arrival = false
        ring.withLine(pos) { b in
          guard let l = PostfixLine(b), let q = l.qid else { return }
          switch classify(b, l.daemon) {
          case .client: client = traceHash(b, l.process)
          case .server: arrival = b.has("client=", at: q.upperBound + 2)
          default: break
          }
        }
        let session = arrival ? ring.prevProc(pos) : 0
        if let client {
          if !processes.contains(client) { processes.append(client) }
          continue
        }
        if fresh == nil, let context { fresh = PostfixParser(context: context) }
        if session != 0 {
          // The session's `connect from` is the first line without a predecessor.
          var start = session
          while ring.prevProc(start) != 0 { start = ring.prevProc(start) }
          for s in sessionChain(from: session, start: start) {
            ring.withLine(s) {
              linesParsed += 1
              fresh?.parse($0)
            }
          }
        }
        ring.withLine(pos) {
          linesParsed += 1
          fresh?.parse($0)
        }
      }
      for proc in processes { flush(proc) }
    }
    if let from = queuedFrom.take(qKey), pass.insert(from).inserted { catchUp(from) }
  }

  /// Whether an smtp/lmtp failure line has a reason whose category needs the detail
  /// line (the parser's rule): `Cannot start TLS`, `Server certificate not ...`,
  /// `handshake failure`, with status deferred or bounced.
  private func needsDetail(_ b: Bytes) -> Bool {
    guard let st = b.index(of: ", status=") else { return false }
    guard b.has("deferred", at: st + 9) || b.has("bounced", at: st + 9) else { return false }
    return b.index(of: "Cannot start TLS", from: st) != nil
      || b.index(of: "Server certificate not", from: st) != nil
      || b.index(of: "handshake failure", from: st) != nil
  }

  /// Catches up ids linked while the last line was parsed.
  private func drain() {
    while !pending.isEmpty {
      let keys = pending
      pending = []
      for k in keys { catchUp(k) }
    }
  }

  private func close(_ id: String) {
    guard pass.remove(traceHash(id)) != nil else { return }
    closedAny = closedAny || collector.isLinked(id)
    collector.close(id)
  }

  private func isRemoved(_ b: Bytes, _ q: Range<Int>) -> Bool {
    b.count == q.upperBound + 9 && b.has("removed", at: q.upperBound + 2)
  }

  /// A cleanup `message-id=<M>` line whose M is the Message-ID of a story.
  private func mentionsStoryHeader(_ b: Bytes, _ q: Range<Int>, _ daemon: Daemon) -> Bool {
    guard daemon == .queue, !headerKeys.isEmpty,
      let m = PostfixLine.messageID(b, q.upperBound + 2), !m.isEmpty
    else { return false }
    return headerKeys.contains(traceHash(b, m))
  }

  /// Whether the line is a TLS summary (`<Adj> TLS connection established|reused ...`).
  private func isTLSSummary(_ b: Bytes, _ l: PostfixLine) -> Bool {
    let end = min(b.count, l.message + 40)
    guard end > l.message,
      let at = UnsafeBufferPointer(rebasing: b[l.message..<end]).index(of: "TLS connection ")
    else { return false }
    return at <= 11
  }

  /// The first TLS summary line of its (log host, instance, direction): parsed so the
  /// parser's evidence rule sees it.
  private func firstEvidence(_ b: Bytes, _ l: PostfixLine) -> Bool {
    guard let at = b.index(of: "TLS connection ", from: l.message) else { return false }
    var h = traceHash(b, l.host) &+ traceHash(b, l.instance) &* 31
    if b.has("established to ", at: at + 15) || b.has("reused to ", at: at + 15) { h = h &+ 1 }
    return evidenceSent.insert(h).inserted
  }

  private func classify(_ b: Bytes, _ d: Range<Int>) -> Daemon {
    switch d.count {
    case 4 where b.has("smtp", at: d.lowerBound) || b.has("lmtp", at: d.lowerBound): return .client
    case 5 where b.has("smtpd", at: d.lowerBound): return .server
    case 4 where b.has("qmgr", at: d.lowerBound) || b.has("pipe", at: d.lowerBound): return .queue
    case 5
    where b.has("error", at: d.lowerBound) || b.has("local", at: d.lowerBound)
      || b.has("retry", at: d.lowerBound):
      return .queue
    case 6 where b.has("bounce", at: d.lowerBound): return .bounce
    case 7
    where b.has("cleanup", at: d.lowerBound) || b.has("virtual", at: d.lowerBound)
      || b.has("discard", at: d.lowerBound):
      return .queue
    default: return .other
    }
  }
}

/// The byte ranges of a Postfix syslog line the prefilter needs (no time parsing).
struct PostfixLine {
  /// Log host token (may be empty).
  var host: Range<Int>
  /// First component of the program name (the instance, e.g. `postfix`).
  var instance: Range<Int>
  /// Last component of the program name (the daemon, e.g. `smtp`).
  var daemon: Range<Int>
  /// Host through `[pid]`: the process.
  var process: Range<Int>
  /// Start of the message (after any `warning: ` severity).
  var message: Int
  /// The queue id at the message start, if any.
  var qid: Range<Int>?

  init?(_ b: Bytes) {
    guard let colon = b.index(of: "]: ") else { return nil }
    var lb = colon
    while lb > 0 && b[lb] != ASCII.lbracket { lb -= 1 }
    guard lb > 0 else { return nil }
    var ps = lb
    while ps > 0 && b[ps - 1] != ASCII.space { ps -= 1 }
    var he = ps
    while he > 0 && b[he - 1] == ASCII.space { he -= 1 }
    var hs = he
    while hs > 0 && b[hs - 1] != ASCII.space { hs -= 1 }
    host = hs..<he
    var firstSlash = lb
    var lastSlash = ps - 1
    for i in ps..<lb where b[i] == ASCII.slash {
      if firstSlash == lb { firstSlash = i }
      lastSlash = i
    }
    instance = ps..<firstSlash
    daemon = (lastSlash + 1)..<lb
    process = hs..<(colon + 1)
    var m = colon + 3
    if b.has("[ID ", at: m), let close = b.index(of: ASCII.rbracket, from: m) { m = close + 2 }
    if b.has("warning: ", at: m) { m += 9 }
    message = min(m, b.count)
    qid = PostfixLine.queueID(b, message)
  }

  /// The Message-ID (without angle brackets) of a `message-id=<...>` at `p`.
  static func messageID(_ b: Bytes, _ p: Int) -> Range<Int>? {
    guard b.has("message-id=", at: p) else { return nil }
    var s = p + 11
    var e = b.count
    if s < e && b[s] == ASCII.lt { s += 1 }
    if e > s && b[e - 1] == ASCII.gt { e -= 1 }
    return s..<e
  }

  /// The id X of a sent delivery's `queued as X` reply (an alphanumeric run of 5+).
  static func queuedAs(_ b: Bytes, _ q: Range<Int>) -> Range<Int>? {
    guard b.has("to=<", at: q.upperBound + 2),
      let st = b.index(of: ", status=sent (", from: q.upperBound),
      let at = b.index(of: "queued as ", from: st)
    else { return nil }
    var e = at + 10
    while e < b.count && ASCII.isAlnum(b[e]) { e += 1 }
    return e - (at + 10) >= 5 ? (at + 10)..<e : nil
  }

  /// A Postfix queue id followed by `: `: short (upper-case hex) or long
  /// (`enable_long_queue_ids`, no vowels, contains `z`). `NOQUEUE`, `warning` and other
  /// words are not ids.
  static func queueID(_ b: Bytes, _ s: Int) -> Range<Int>? {
    var i = s
    var hex = true
    var long = true
    var zed = false
    while i < b.count && i - s <= 24 {
      let c = b[i]
      if ASCII.isDigit(c) || (c >= 0x41 && c <= 0x46) {
        // hex digit: fits both forms except the vowels A and E of the long alphabet
        if c == 0x41 || c == 0x45 { long = false }
      } else if ASCII.isAlnum(c) {
        hex = false
        let l = c | 0x20
        if l == 0x61 || l == 0x65 || l == 0x69 || l == 0x6F || l == 0x75 { long = false }
        if c == 0x7A { zed = true }
      } else {
        break
      }
      i += 1
    }
    let n = i - s
    guard n >= 5, i + 1 < b.count, b[i] == ASCII.colon, b[i + 1] == ASCII.space else { return nil }
    if hex || (long && zed && n >= 12) { return s..<i }
    return nil
  }
}
