// LineReader.swift: splits a ByteInput into lines without building a String per line.
//
// Reads large chunks into one reusable buffer and hands each line to a closure as an
// UnsafeBufferPointer into that buffer (no copy). A CR before the LF is dropped; a last
// line without LF is still delivered. A line longer than `maxLineLength` is not kept:
// its bytes are skipped up to the next LF and it is counted in `overlongLines`, so
// memory stays bounded whatever the input. Invalid UTF-8 is passed through as bytes.

/// Streams the lines of one input.
public final class LineReader {
  /// Lines longer than this are skipped and counted.
  public let maxLineLength: Int
  /// How many bytes are requested from the input per read.
  public let chunkSize: Int
  /// Lines skipped because they were longer than `maxLineLength`.
  public private(set) var overlongLines = 0
  /// Bytes read so far (after decompression).
  public private(set) var bytesRead = 0

  private let input: ByteInput

  /// - Parameters:
  ///   - input: the byte stream.
  ///   - chunkSize: bytes per read; any value ≥ 1 gives identical lines.
  ///   - maxLineLength: lines longer than this are skipped and counted.
  public init(input: ByteInput, chunkSize: Int = 1 << 20, maxLineLength: Int = 64 * 1024) {
    self.input = input
    self.chunkSize = max(1, chunkSize)
    self.maxLineLength = max(16, maxLineLength)
  }

  /// Calls `body` once per line, in order. `body` returns false to stop early.
  /// - Warning: the pointer is valid only during the call; do not let it escape.
  public func forEachLine(_ body: (UnsafeBufferPointer<UInt8>) -> Bool) {
    let capacity = maxLineLength + chunkSize + 1
    let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: capacity)
    defer { buffer.deallocate() }
    var filled = 0  // bytes in buffer[0..<filled]
    var skipping = false  // inside an overlong line, dropping bytes until LF
    let base = buffer.baseAddress!  // safe because capacity >= 17

    while true {
      let room = min(chunkSize, capacity - filled)
      let n = input.read(into: UnsafeMutableBufferPointer(rebasing: buffer[filled..<(filled + room)]))
      if n == 0 { break }
      bytesRead += n
      var lineStart = 0
      var scan = filled
      filled += n
      while scan < filled {
        guard let nl = memchr(base + scan, 0x0A, filled - scan) else { break }
        let end = base.distance(to: nl.assumingMemoryBound(to: UInt8.self))
        if skipping {
          skipping = false
        } else if !emit(base, from: lineStart, to: end, body) {
          return
        }
        lineStart = end + 1
        scan = end + 1
      }
      // Keep the partial line; drop it if it can no longer fit. One byte more than the
      // limit may be a CR that `emit` drops, so the verdict waits for the next byte.
      let pending = filled - lineStart
      if skipping {
        filled = 0
      } else if pending > maxLineLength + 1 {
        overlongLines += 1
        skipping = true
        filled = 0
      } else {
        if lineStart > 0 && pending > 0 { memmove(base, base + lineStart, pending) }
        filled = pending
      }
    }
    if filled > 0 && !skipping {
      _ = emit(base, from: 0, to: filled, body)
    }
  }

  private func emit(
    _ base: UnsafeMutablePointer<UInt8>, from start: Int, to end: Int,
    _ body: (UnsafeBufferPointer<UInt8>) -> Bool
  ) -> Bool {
    var stop = end
    if stop > start && base[stop - 1] == 0x0D { stop -= 1 }
    if stop - start > maxLineLength {
      overlongLines += 1
      return true
    }
    return body(UnsafeBufferPointer(start: base + start, count: stop - start))
  }
}

#if canImport(Glibc)
  import Glibc
#endif
