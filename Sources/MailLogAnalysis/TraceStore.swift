// TraceStore.swift: the bounded stores behind the trace prefilter: raw lines kept
// as bytes (`LineList`), a hash map keyed by 64-bit hashes (`U64Map`) and a two-
// generation wrapper that bounds memory (`Generations`).
//
// The keys are FNV-1a hashes of queue ids, processes and Message-IDs; equal hashes of
// different keys only make the prefilter keep or replay a few extra lines (events of
// ids not in a story are ignored), never lose one. Nothing here fails; memory is at
// most two generations of `limit` entries each.

import MailLogKit

/// FNV-1a over bytes: the key of queue ids, processes and Message-IDs on the hot path.
@inline(__always) func traceHash(_ b: Bytes, _ r: Range<Int>) -> UInt64 {
  var h: UInt64 = 0xcbf2_9ce4_8422_2325
  for i in r {
    h = (h ^ UInt64(b[i])) &* 0x100_0000_01b3
  }
  return h
}

/// FNV-1a of a string's UTF-8 bytes (same value as for the bytes in a line).
func traceHash(_ s: String) -> UInt64 {
  var copy = s
  return copy.withUTF8 { traceHash($0, 0..<$0.count) }
}

/// Lines kept as bytes in one buffer: each line is a 4-byte length, then its bytes.
/// One allocation per list, however many lines.
struct LineList {
  private(set) var data: [UInt8] = []
  private(set) var count = 0

  var isEmpty: Bool { count == 0 }

  mutating func append(_ b: Bytes) {
    let n = UInt32(truncatingIfNeeded: b.count)
    data.append(UInt8(truncatingIfNeeded: n))
    data.append(UInt8(truncatingIfNeeded: n >> 8))
    data.append(UInt8(truncatingIfNeeded: n >> 16))
    data.append(UInt8(truncatingIfNeeded: n >> 24))
    data.append(contentsOf: b)
    count += 1
  }

  mutating func append(_ other: LineList) {
    data.append(contentsOf: other.data)
    count += other.count
  }

  mutating func removeAll() {
    data.removeAll(keepingCapacity: true)
    count = 0
  }

  /// Calls `body` with each line, oldest first; `body` returns false to stop.
  /// - Warning: the bytes are valid only during the call.
  func forEach(_ body: (Bytes) -> Bool) {
    data.withUnsafeBufferPointer { all in
      var p = 0
      while p + 4 <= all.count {
        let n = Int(all[p]) | Int(all[p + 1]) << 8 | Int(all[p + 2]) << 16 | Int(all[p + 3]) << 24
        let s = p + 4
        let e = min(s + n, all.count)
        if !body(UnsafeBufferPointer(rebasing: all[s..<e])) { return }
        p = e
      }
    }
  }

  /// Drops the oldest lines so that at most `limit` remain, handing each dropped
  /// line to `dropped` first.
  mutating func trim(to limit: Int, dropped: (Bytes) -> Void = { _ in }) {
    guard count > limit else { return }
    let drop = count - limit
    var cut = 0
    var n = 0
    forEach { line in
      guard n < drop else { return false }
      dropped(line)
      n += 1
      cut += 4 + line.count
      return true
    }
    data.removeFirst(cut)
    count -= drop
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

  @inline(__always) static func key(_ k: UInt64) -> UInt64 { k == 0 ? 1 : k }
  @inline(__always) private func home(_ k: UInt64) -> Int {
    Int(truncatingIfNeeded: (k &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
  }

  /// The slot of `k`, or of the empty slot where it would go.
  @inline(__always) private func slot(_ k: UInt64) -> Int {
    var i = home(k)
    while keys[i] != k && keys[i] != 0 { i = (i + 1) & mask }
    return i
  }

  func contains(_ k: UInt64) -> Bool { keys[slot(U64Map.key(k))] != 0 }

  /// Applies `body` to the value of `k` when present; returns whether it was.
  mutating func withExisting(_ k: UInt64, _ body: (inout Value) -> Void) -> Bool {
    let i = slot(U64Map.key(k))
    guard keys[i] != 0 else { return false }
    body(&values[i]!)
    return true
  }

  /// Reads the value of `k` when present.
  func peek<R>(_ k: UInt64, _ body: (Value) -> R) -> R? {
    let i = slot(U64Map.key(k))
    guard keys[i] != 0, let v = values[i] else { return nil }
    return body(v)
  }

  /// Updates the value of `k` in place, creating it with `make` when absent. The caller
  /// keeps `count < capacity`.
  mutating func modify(_ k: UInt64, _ make: () -> Value, _ body: (inout Value) -> Void) {
    let k = U64Map.key(k)
    let i = slot(k)
    if keys[i] == 0 {
      keys[i] = k
      values[i] = make()
      count += 1
    }
    body(&values[i]!)
  }

  mutating func remove(_ k: UInt64) -> Value? {
    var i = slot(U64Map.key(k))
    guard keys[i] != 0 else { return nil }
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

  func forEachValue(_ body: (Value) -> Void) {
    for i in keys.indices where keys[i] != 0 {
      if let v = values[i] { body(v) }
    }
  }

  mutating func removeAll() {
    guard count > 0 else { return }
    for i in keys.indices where keys[i] != 0 {
      keys[i] = 0
      values[i] = nil
    }
    count = 0
  }
}

/// Two generations of a `U64Map`: when the current one is full it becomes the old one
/// and the old one is dropped (each dropped value goes to `evicted` first). Bounded
/// memory for look-back state.
struct Generations<Value> {
  private var current: U64Map<Value>
  private var old: U64Map<Value>
  /// Receives the values of a dropped generation.
  var evicted: ((Value) -> Void)?

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

  /// Reads the value of `k` when present.
  func peek<R>(_ k: UInt64, _ body: (Value) -> R) -> R? {
    current.peek(k, body) ?? old.peek(k, body)
  }

  mutating func put(_ k: UInt64, _ v: Value) {
    modify(k, { v }) { $0 = v }
  }

  /// Applies `body` to the value of `k` when present (in either generation).
  mutating func withExisting(_ k: UInt64, _ body: (inout Value) -> Void) -> Bool {
    if current.withExisting(k, body) { return true }
    guard let v = old.remove(k) else { return false }
    modify(k, { v }, body)
    return true
  }

  /// Updates the value in place (moving it from the old generation if it is there).
  mutating func modify(_ k: UInt64, _ make: () -> Value, _ body: (inout Value) -> Void) {
    if current.withExisting(k, body) { return }
    let moved = old.remove(k)
    if current.count >= current.capacity - 1 {
      if let evicted { old.forEachValue(evicted) }
      swap(&current, &old)
      current.removeAll()
    }
    if let moved {
      current.modify(k, { moved }, body)
    } else {
      current.modify(k, make, body)
    }
  }

  mutating func remove(_ k: UInt64) {
    _ = current.remove(k)
    _ = old.remove(k)
  }
}
