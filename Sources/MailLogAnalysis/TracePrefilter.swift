// TracePrefilter.swift: lets `mailtls trace` skip most lines of a big Postfix log
// without parsing them, and still tell the same story as a full parse.
//
// The rule (per line, on bytes, before any parsing):
//  1. A line that mentions the query (address or domain after an `@`, or the id, with
//     word boundaries; ASCII case ignored for addresses) or whose queue id is linked to
//     a story (or is the Message-ID of one) is parsed. Before it, the lines held for
//     its process are replayed, and the look-back lines of a newly linked id are
//     replayed into a fresh parser.
//  2. smtp/lmtp lines that are not parsed are held per process (log host + program +
//     pid), up to `holdLines`: TLS summary lines carry no queue id, and the parser
//     attaches them (and connect errors, OpenSSL details, the session binding) to the
//     next delivery line of the same process. Replaying the held lines first gives the
//     parser exactly the state a full parse would have. When an id is linked, the held
//     lines of every process that logged a line of it are replayed too (earlier
//     results and attempts of that message). 2b: a deferred/bounced line whose reason
//     needs a detail (`Cannot start TLS`, `Server certificate not ...`) is parsed at
//     once, because the parser remembers that detail for later `delivery temporarily
//     suspended` lines of the same domain from any process.
//  3. smtpd lines without a queue id are held per process from its last `connect
//     from` (the inbound TLS state); replaying them is idempotent.
//  4. Lines that start a message (smtpd `client=` with its held session lines, cleanup
//     `message-id=`, qmgr `from=`) and results of the stateless agents (error, local,
//     virtual, pipe) are kept per queue id until qmgr `removed`, so a message found
//     later by a recipient line still shows its arrival, sender, Message-ID and
//     earlier results, and a `queued as X` link can check that X was queued here.
//     After `removed` they stay (set aside, a generation long) for links found later:
//     an NDR id, a content-filter copy whose original already left the queue.
//     bounce lines (NDR created) are always parsed: few, stateless, and they link an
//     NDR found by its own id back to its message.
//  5. The first TLS summary line per (log host, instance, direction) is parsed, so
//     the evidence rule (TLS logging is on) is the same as in a full parse.
//  6. qmgr `QID: removed` of an unlinked id joins the held lines of the process that
//     delivered it (the parser ends a TLS session bound to that id there); of a
//     linked id it is parsed and ends the id in the story (queue ids are reused).
//  7. Everything else is skipped.
// Exim and Exchange inputs are not filtered (every line is parsed). Held and kept
// lines are bounded (two generations of `keepLimit` entries), so memory follows the
// in-flight state, not the input size. Only a process whose held lines overflowed the
// bound (more than 2 x `holdLines` lines with no parsed line in between) can differ
// from a full parse, and only if its TLS state spans that many lines; the oldest half
// is then moved to the kept lines of its queue ids (rule 4) with the state lines
// before each result. A test compares prefiltered and full runs on the eval log.

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

/// FNV-1a over bytes: the key of queue ids, processes and Message-IDs on the hot path.
@inline(__always) func traceHash(_ b: Bytes, _ r: Range<Int>) -> UInt64 {
  var h: UInt64 = 0xcbf2_9ce4_8422_2325
  for i in r {
    h = (h ^ UInt64(b[i])) &* 0x100_0000_01b3
  }
  return h
}

func traceHash(_ s: String) -> UInt64 {
  var copy = s
  return copy.withUTF8 { traceHash($0, 0..<$0.count) }
}

/// Lines kept as bytes: one buffer, line starts alongside.
struct HeldLines {
  var data: [UInt8] = []
  var starts: [Int] = []
  var hasFrom = false
  /// Message-ID key of a kept entry (0: none seen).
  var header: UInt64 = 0

  var count: Int { starts.count }

  mutating func append(_ b: Bytes) {
    starts.append(data.count)
    data.append(contentsOf: b)
  }

  /// Drops the oldest lines so that at most `limit` remain.
  mutating func trim(to limit: Int) {
    guard starts.count > limit else { return }
    let drop = starts.count - limit
    let cut = starts[drop]
    data.removeFirst(cut)
    starts = starts[drop...].map { $0 - cut }
  }

  mutating func removeAll() {
    data.removeAll(keepingCapacity: true)
    starts.removeAll(keepingCapacity: true)
    hasFrom = false
    header = 0
  }

  /// Calls `body` with line `n`.
  func withLine(_ n: Int, _ body: (Bytes) -> Void) {
    data.withUnsafeBufferPointer { all in
      let e = n + 1 < starts.count ? starts[n + 1] : all.count
      body(UnsafeBufferPointer(rebasing: all[starts[n]..<e]))
    }
  }

  func forEach(_ body: (Bytes) -> Void) {
    data.withUnsafeBufferPointer { all in
      for (n, s) in starts.enumerated() {
        let e = n + 1 < starts.count ? starts[n + 1] : all.count
        body(UnsafeBufferPointer(rebasing: all[s..<e]))
      }
    }
  }
}

/// An open-addressing map from 64-bit hashes (already well mixed) to values: no
/// SipHash per lookup, values updated in place. Linear probing with backward-shift
/// deletion; key 0 is stored as 1.
struct U64Map<Value> {
  private var keys: [UInt64]
  private var values: [Value?]
  private(set) var count = 0
  private let mask: Int

  /// Holds up to `capacity` entries (the table is twice as large).
  init(capacity: Int) {
    var size = 16
    while size < capacity * 2 { size <<= 1 }
    keys = Array(repeating: 0, count: size)
    values = Array(repeating: nil, count: size)
    mask = size - 1
  }

  var capacity: Int { (mask + 1) / 2 }

  @inline(__always) private static func key(_ k: UInt64) -> UInt64 { k == 0 ? 1 : k }
  @inline(__always) private func home(_ k: UInt64) -> Int {
    Int(truncatingIfNeeded: (k &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
  }

  private func find(_ k: UInt64) -> Int? {
    var i = home(k)
    while true {
      let x = keys[i]
      if x == k { return i }
      if x == 0 { return nil }
      i = (i + 1) & mask
    }
  }

  func contains(_ k: UInt64) -> Bool { find(U64Map.key(k)) != nil }

  /// Updates the value of `k` in place, creating it with `make` when absent. The caller
  /// keeps `count < capacity`.
  mutating func modify(_ k: UInt64, _ make: () -> Value, _ body: (inout Value) -> Void) {
    let k = U64Map.key(k)
    var i = home(k)
    while keys[i] != k && keys[i] != 0 { i = (i + 1) & mask }
    if keys[i] == 0 {
      keys[i] = k
      values[i] = make()
      count += 1
    }
    body(&values[i]!)
  }

  mutating func remove(_ k: UInt64) -> Value? {
    guard var i = find(U64Map.key(k)) else { return nil }
    let old = values[i]
    keys[i] = 0
    values[i] = nil
    count -= 1
    // Backward shift: pull later entries of the probe run into the hole.
    var j = i
    while true {
      j = (j + 1) & mask
      if keys[j] == 0 { break }
      let h = home(keys[j])
      // Move j to i when i lies cyclically in [h, j).
      if (j > i && (h <= i || h > j)) || (j < i && (h <= i && h > j)) {
        keys[i] = keys[j]
        values[i] = values[j]
        keys[j] = 0
        values[j] = nil
        i = j
      }
    }
    return old
  }

  mutating func removeAll() {
    for i in keys.indices where keys[i] != 0 {
      keys[i] = 0
      values[i] = nil
    }
    count = 0
  }
}

/// Two generations of a `U64Map`: when the current one is full it becomes the old one
/// and the old one is dropped. Bounded memory for look-back state.
struct Generations<Value> {
  private var current: U64Map<Value>
  private var old: U64Map<Value>

  init(limit: Int) {
    current = U64Map(capacity: limit)
    old = U64Map(capacity: limit)
  }

  /// Removes and returns the value (from either generation).
  mutating func take(_ k: UInt64) -> Value? {
    if let v = current.remove(k) { return v }
    return old.remove(k)
  }

  func contains(_ k: UInt64) -> Bool { current.contains(k) || old.contains(k) }

  mutating func put(_ k: UInt64, _ v: Value) {
    modify(k, { v }) { $0 = v }
  }

  /// Updates the value in place (moving it from the old generation if it is there).
  mutating func modify(_ k: UInt64, _ make: () -> Value, _ body: (inout Value) -> Void) {
    if !current.contains(k) {
      if current.count >= current.capacity - 1 {
        swap(&current, &old)
        current.removeAll()
      }
      if let v = old.remove(k) {
        current.modify(k, { v }, body)
        return
      }
    }
    current.modify(k, make, body)
  }

  mutating func remove(_ k: UInt64) {
    _ = current.remove(k)
    _ = old.remove(k)
  }
}

/// The line gate of a trace run: wire `gate(_:_:)` into `RunOptions.lineGate`.
public final class TracePrefilter {
  public let collector: TraceCollector
  public let needle: TraceNeedle
  /// False: every line is parsed (the reference the prefilter is tested against).
  public let filtering: Bool
  /// Lines held per smtp/lmtp process at most.
  public let holdLines: Int
  /// Entries per generation of the hold and look-back maps.
  public let keepLimit: Int

  /// Lines read, and lines handed to a parser (replays included).
  public private(set) var linesRead = 0
  public private(set) var linesParsed = 0
  /// True once a queue id of a story was closed by `removed`.
  public private(set) var closedAny = false

  private var pass: Set<UInt64> = []
  private var headerKeys: Set<UInt64> = []
  private var hold: Generations<HeldLines>
  private var kept: Generations<HeldLines>
  /// Kept lines of ids that left the queue (`removed`).
  private var gone: Generations<HeldLines>
  private var deliveredBy: Generations<UInt64>
  private var heldBy: Generations<[UInt64]>
  private var evidenceSent: Set<UInt64> = []
  /// Queue-id keys to catch up after the current line (linked while it was parsed).
  private var pending: [UInt64] = []
  /// `queued as X` seen in a skipped line of Q: X's key -> Q's key.
  private var queuedFrom: Generations<UInt64>
  /// Message-ID key -> queue-id keys of skipped cleanup lines with it.
  private var byHeader: Generations<[UInt64]>
  private var main: LogParser?
  private var context: ParseContext?

  public init(
    collector: TraceCollector, filtering: Bool = true, holdLines: Int = 64,
    keepLimit: Int = 100_000
  ) {
    self.collector = collector
    self.needle = TraceNeedle(collector.query)
    self.filtering = filtering
    self.holdLines = max(4, holdLines)
    self.keepLimit = max(16, keepLimit)
    hold = Generations(limit: self.keepLimit)
    kept = Generations(limit: self.keepLimit)
    gone = Generations(limit: self.keepLimit)
    deliveredBy = Generations(limit: self.keepLimit)
    heldBy = Generations(limit: self.keepLimit)
    queuedFrom = Generations(limit: self.keepLimit)
    byHeader = Generations(limit: self.keepLimit)
    collector.onLink = { [unowned self] id in
      let h = traceHash(id)
      if !self.pass.contains(h) {
        self.pass.insert(h)
        self.pending.append(h)
      }
    }
    collector.onHeader = { [unowned self] header in
      let h = traceHash(header)
      self.headerKeys.insert(h)
      // Earlier messages with this Message-ID (skipped cleanup lines) join too.
      for q in self.byHeader.take(h) ?? [] where !self.pass.contains(q) {
        self.pass.insert(q)
        self.pending.append(q)
      }
    }
    collector.localIDKnown = { [unowned self] id in
      let h = traceHash(id)
      return self.kept.contains(h) || self.gone.contains(h)
    }
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

  private enum Daemon { case client, server, queue, other }

  private func parse(_ b: Bytes) {
    linesParsed += 1
    main?.parse(b)
  }

  private func feedPostfix(_ b: Bytes) {
    linesRead += 1
    if !filtering {
      parse(b)
      if let q = PostfixLine(b)?.qid, isRemoved(b, q) { close(b.string(q.lowerBound, q.upperBound)) }
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
      if pass.contains(next!) {
        linked = true
        pass.insert(qKey)
        catchUp(qKey)
      }
    }
    if !linked && (needle.found(in: b) || mentionsStoryHeader(b, l, daemon)) {
      // A candidate: its lines pass from now on; its kept lines come first.
      linked = true
      pass.insert(qKey)
      catchUp(qKey)
    }
    if linked {
      passLine(b, daemon, procKey)
      if daemon == .queue, isRemoved(b, q) {
        deliveredBy.remove(qKey)
        close(b.string(q.lowerBound, q.upperBound))
      }
      return
    }
    switch daemon {
    case .client:
      let delivery = b.has("to=<", at: q.upperBound + 2)
      if delivery && needsDetail(b) {
        // Rule 2b: a TLS failure result also records its detail for later
        // `delivery temporarily suspended` lines of any process: parse it now.
        passLine(b, .client, procKey)
        return
      }
      holdLine(b, procKey)
      heldBy.modify(qKey, { [] }) { if $0.last != procKey { $0.append(procKey) } }
      if delivery { deliveredBy.put(qKey, procKey) }
      if let next { queuedFrom.put(next, qKey) }
    case .server:
      if b.has("client=", at: q.upperBound + 2) {
        var entry = kept.take(qKey) ?? HeldLines()
        if let session = hold.take(procKey) {
          session.forEach { entry.append($0) }
          hold.put(procKey, session)
        }
        entry.append(b)
        kept.put(qKey, entry)
      }
    case .queue:
      let p = q.upperBound + 2
      if l.daemon.count == 6 && b.has("bounce", at: l.daemon.lowerBound) {
        // NDR lines are few and stateless: parsed, so an NDR found by its own id (or
        // its recipient) is linked back to the message it reports on.
        parse(b)
      } else if b.has("to=<", at: p) {
        // error/local/virtual/pipe results: kept, except a suspended TLS failure,
        // whose detail the parser looks up now (rule 2b).
        if needsDetail(b) { parse(b) } else { keep(b, qKey) }
      } else if b.has("message-id=", at: p) {
        keep(b, qKey)
        if let m = PostfixLine.messageID(b, p), !m.isEmpty {
          let h = traceHash(b, m)
          kept.modify(qKey, { HeldLines() }) { $0.header = h }
          byHeader.modify(h, { [] }) { $0.append(qKey) }
        }
      } else if b.has("from=<", at: p) {
        if b.index(of: "status=expired", from: p) == nil && b.index(of: "status=force-expired", from: p) == nil {
          kept.modify(qKey, { HeldLines() }) { entry in
            if !entry.hasFrom {
              entry.append(b)
              entry.hasFrom = true
            }
          }
        }
      } else if isRemoved(b, q) {
        // The message left the queue: its kept lines move aside (a later message may
        // reuse the id), still there for a link found later (an NDR, a content-filter
        // copy delivered after this one was removed).
        if let entry = kept.take(qKey) {
          if entry.header != 0 {
            byHeader.modify(entry.header, { [] }) { $0.removeAll { $0 == qKey } }
          }
          gone.put(qKey, entry)
        }
        // qmgr's `removed` ends a TLS session bound to this id: it goes to the held
        // lines of the process that delivered it, in order.
        if let proc = deliveredBy.take(qKey) { holdLine(b, proc) }
      }
    case .other:
      break
    }
  }

  private func noQueueID(_ b: Bytes, _ l: PostfixLine, _ daemon: Daemon, _ procKey: UInt64) {
    switch daemon {
    case .client:
      if needle.found(in: b) || firstEvidence(b, l) {
        passLine(b, .client, procKey)
      } else {
        holdLine(b, procKey)
      }
    case .server:
      let connect = b.has("connect from ", at: l.message)
      hold.modify(procKey, { HeldLines() }) { session in
        if connect { session.removeAll() }
        session.append(b)
        session.trim(to: 16)
      }
      if needle.found(in: b) || firstEvidence(b, l) { replayHeld(procKey, clear: false) }
    case .queue, .other:
      if needle.found(in: b) { parse(b) }
    }
  }

  /// Parses `b` after the held lines of its process.
  private func passLine(_ b: Bytes, _ daemon: Daemon, _ procKey: UInt64) {
    switch daemon {
    case .client:
      replayHeld(procKey, clear: true)
      parse(b)
    case .server:
      replayHeld(procKey, clear: false)
      parse(b)
    case .queue, .other:
      parse(b)
    }
  }

  private func replayHeld(_ procKey: UInt64, clear: Bool) {
    guard let lines = hold.take(procKey) else { return }
    lines.forEach { parse($0) }
    if !clear { hold.put(procKey, lines) }
  }

  private func holdLine(_ b: Bytes, _ procKey: UInt64) {
    hold.modify(procKey, { HeldLines() }) { lines in
      lines.append(b)
      if lines.count > holdLines * 2 { spill(&lines) }
    }
  }

  /// Moves the oldest held lines of a process (all but `holdLines`) to the kept lines
  /// of their queue ids, each with the state lines logged before it (its TLS session,
  /// its OpenSSL detail), so a message linked much later still gets its results with
  /// the right TLS. Ids no longer in the queue (no kept entry) are not kept.
  private func spill(_ lines: inout HeldLines) {
    let drop = lines.count - holdLines
    var context: [Int] = []
    for n in 0..<drop {
      lines.withLine(n) { line in
        guard let l = PostfixLine(line), let q = l.qid else {
          context.append(n)
          return
        }
        let qKey = traceHash(line, q)
        let inQueue = kept.contains(qKey)
        guard inQueue || gone.contains(qKey) else {
          context = []
          return
        }
        let add: (inout HeldLines) -> Void = { entry in
          for c in context { lines.withLine(c) { entry.append($0) } }
          entry.append(line)
        }
        if inQueue { kept.modify(qKey, { HeldLines() }, add) } else { gone.modify(qKey, { HeldLines() }, add) }
        context = []
      }
    }
    lines.trim(to: holdLines)
  }

  private func keep(_ b: Bytes, _ qKey: UInt64) {
    kept.modify(qKey, { HeldLines() }) { entry in
      entry.append(b)
      entry.trim(to: 256)
    }
  }

  /// Brings a newly linked id up to date: its kept lines, then the held lines of every
  /// process that logged a line of it (they may hold earlier results and attempts).
  private func catchUp(_ qKey: UInt64) {
    replayKept(qKey)
    for proc in heldBy.take(qKey) ?? [] { replayHeld(proc, clear: true) }
    // The message it was queued again from (before a content filter) joins too.
    if let from = queuedFrom.take(qKey), !pass.contains(from) {
      pass.insert(from)
      catchUp(from)
    }
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

  /// Replays the kept lines of a queue id into a fresh parser (their own TLS session
  /// lines are kept with them, so no other state is needed).
  private func replayKept(_ qKey: UInt64) {
    guard let context else { return }
    for entry in [gone.take(qKey), kept.take(qKey)] {
      guard let entry else { continue }
      let parser = PostfixParser(context: context)
      entry.forEach {
        linesParsed += 1
        parser.parse($0)
      }
    }
  }

  /// Replays kept lines of ids the collector linked while the last line was parsed.
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
  private func mentionsStoryHeader(_ b: Bytes, _ l: PostfixLine, _ daemon: Daemon) -> Bool {
    guard daemon == .queue, !headerKeys.isEmpty, let q = l.qid else { return false }
    let p = q.upperBound + 2
    guard b.has("message-id=", at: p), let m = PostfixLine.messageID(b, p), !m.isEmpty else {
      return false
    }
    return headerKeys.contains(traceHash(b, m))
  }

  /// The first TLS summary line of its (log host, instance, direction): parsed so the
  /// parser's evidence rule sees it.
  private func firstEvidence(_ b: Bytes, _ l: PostfixLine) -> Bool {
    guard let at = b.index(of: "TLS connection ", from: l.message), at <= l.message + 11 else {
      return false
    }
    var h = traceHash(b, l.host) &+ traceHash(b, l.instance) &* 31
    if b.index(of: " to ", from: at) != nil { h = h &+ 1 }
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
    case 6 where b.has("bounce", at: d.lowerBound): return .queue
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
