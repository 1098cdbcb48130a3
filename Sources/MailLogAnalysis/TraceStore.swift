// TraceStore.swift: the bounded stores behind the trace prefilter: recent raw lines
// in one ring buffer chained per process and per queue id (`LineRing`), a hash map
// keyed by 64-bit hashes (`U64Map`) and a two-generation wrapper that bounds memory
// (`Generations`).
//
// The keys are FNV-1a hashes of queue ids, processes and Message-IDs; equal hashes of
// different keys only make the prefilter replay a few extra lines (events of ids not
// in a story are ignored). Nothing here fails; memory is the ring's fixed size plus
// at most two generations of `limit` entries per map.

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

/// Recent lines in one circular byte buffer, each chained to the previous stored line
/// of the same process and of the same queue id, so both can be walked backwards
/// without any per-key storage. Positions are absolute (0 means none); a line is
/// readable while it has not been overwritten (`isLive`). Record layout: length
/// (4 bytes), previous position of the process (8), of the queue id (8), the bytes.
struct LineRing {
  private var buf: [UInt8]
  let capacity: Int
  /// Absolute position of the next record.
  private(set) var end: UInt64 = 1

  static let header = 20

  init(capacity: Int) {
    self.capacity = max(1 << 16, capacity)
    buf = Array(repeating: 0, count: self.capacity)
  }

  /// Whether the record at `pos` is still complete.
  @inline(__always) func isLive(_ pos: UInt64) -> Bool {
    pos != 0 && pos < end && (end <= UInt64(capacity) || pos >= end - UInt64(capacity))
  }

  /// The position the next stored line will get, or 0 when `b` is too long to keep.
  func nextPosition(for b: Bytes) -> UInt64 { b.count <= capacity / 8 ? end : 0 }

  /// Stores a line; returns its position, or 0 for a line too long to keep.
  @discardableResult
  mutating func append(_ b: Bytes, prevProc: UInt64, prevQid: UInt64) -> UInt64 {
    guard b.count <= capacity / 8 else { return 0 }
    let pos = end
    putWord(UInt64(b.count), 4, at: pos)
    putWord(prevProc, 8, at: pos + 4)
    putWord(prevQid, 8, at: pos + 12)
    write(b, at: pos + UInt64(LineRing.header))
    end = pos + UInt64(LineRing.header + b.count)
    return pos
  }

  private mutating func write(_ b: Bytes, at pos: UInt64) {
    guard b.count > 0 else { return }
    let start = Int(pos % UInt64(capacity))
    let first = min(b.count, capacity - start)
    buf.withUnsafeMutableBufferPointer { dst in
      // safe because start + first <= capacity and the rest (< capacity) wraps to 0
      dst.baseAddress!.advanced(by: start).update(from: b.baseAddress!, count: first)
      if first < b.count {
        dst.baseAddress!.update(from: b.baseAddress!.advanced(by: first), count: b.count - first)
      }
    }
  }

  private mutating func putWord(_ v: UInt64, _ size: Int, at pos: UInt64) {
    let start = Int(pos % UInt64(capacity))
    if start + size <= capacity {
      buf.withUnsafeMutableBufferPointer { dst in
        for i in 0..<size { dst[start + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) }
      }
      return
    }
    for i in 0..<size {
      buf[Int((pos + UInt64(i)) % UInt64(capacity))] = UInt8(
        truncatingIfNeeded: v >> (8 * UInt64(i)))
    }
  }

  private func byte(_ pos: UInt64) -> UInt8 { buf[Int(pos % UInt64(capacity))] }

  private func word(_ pos: UInt64, _ size: Int) -> UInt64 {
    var v: UInt64 = 0
    for i in 0..<size { v |= UInt64(byte(pos + UInt64(i))) << (8 * UInt64(i)) }
    return v
  }

  /// The previous stored line of the same process (0: none or overwritten).
  func prevProc(_ pos: UInt64) -> UInt64 {
    guard isLive(pos) else { return 0 }
    let p = word(pos + 4, 8)
    return isLive(p) ? p : 0
  }

  /// The previous stored line of the same queue id (0: none or overwritten).
  func prevQid(_ pos: UInt64) -> UInt64 {
    guard isLive(pos) else { return 0 }
    let p = word(pos + 12, 8)
    return isLive(p) ? p : 0
  }

  /// Calls `body` with the bytes of the line at `pos` (nothing when overwritten).
  /// - Warning: the bytes are valid only during the call.
  func withLine(_ pos: UInt64, _ body: (Bytes) -> Void) {
    guard isLive(pos) else { return }
    let n = Int(word(pos, 4))
    let start = Int((pos + UInt64(LineRing.header)) % UInt64(capacity))
    if start + n <= capacity {
      buf.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[start..<(start + n)])) }
    } else {
      // A line across the end of the buffer (once per turn): joined in a copy.
      let joined = Array(buf[start..<capacity]) + Array(buf[0..<(n - (capacity - start))])
      joined.withUnsafeBufferPointer { body($0) }
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
