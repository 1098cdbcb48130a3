// ByteInput.swift: one input (a file or stdin) as a stream of decoded bytes.
//
// Every input goes through zlib's gzread, which inflates gzip (including concatenated
// members, as rotated logs often are) and passes plain bytes through unchanged, so
// compression is detected by content, never by file name. A UTF-16 input (with or
// without BOM) is transcoded to UTF-8 on the fly and a UTF-8 BOM is dropped.
// Failures: opening fails with `InputError.cannotOpen`; a read error or a truncated
// gzip stream ends the input early and is recorded in `warning`, never thrown away
// silently and never fatal: the bytes read before it are kept.

import CZlib
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Why an input could not be opened.
public enum InputError: Error, CustomStringConvertible {
  case cannotOpen(path: String, reason: String)

  public var description: String {
    switch self {
    case .cannotOpen(let path, let reason): return "cannot open \(path): \(reason)"
    }
  }
}

/// The text encoding detected from an input's first bytes.
public enum DetectedEncoding: String {
  case utf8, utf8BOM = "utf8-bom", utf16LE = "utf16le", utf16BE = "utf16be"
}

/// A readable byte stream: a file or stdin, gzip-aware, UTF-16-aware.
public final class ByteInput {
  /// The name used in messages and reports (`<stdin>` for standard input).
  public let name: String
  /// A non-fatal problem that ended the input early (truncated gzip, read error).
  public private(set) var warning: String?
  /// The encoding found in the first bytes.
  public private(set) var encoding: DetectedEncoding = .utf8
  /// Whether the content was gzip-compressed.
  public private(set) var compressed = false
  /// Modification time of the file (nil for stdin): the reference for year-less dates.
  public let modificationTime: Date?

  private var gz: gzFile?
  private var fd: Int32
  private var started = false
  private var finished = false
  // Raw bytes waiting for transcoding (only used for UTF-16 inputs).
  private var raw: [UInt8] = []
  private var rawStart = 0
  // Transcoded bytes that did not fit a read smaller than one UTF-8 sequence.
  private var carry: [UInt8] = []
  private var carryStart = 0

  /// Opens `path`, or standard input for "-".
  /// - Throws: `InputError.cannotOpen` when the file cannot be opened.
  public init(path: String) throws {
    if path == "-" {
      name = "<stdin>"
      fd = dup(0)
      modificationTime = nil
    } else {
      name = path
      fd = open(path, O_RDONLY | O_CLOEXEC)
      if fd < 0 {
        throw InputError.cannotOpen(path: path, reason: String(cString: strerror(errno)))
      }
      var st = stat()
      if fstat(fd, &st) == 0 {
        if (st.st_mode & S_IFMT) == S_IFDIR {
          close(fd)
          throw InputError.cannotOpen(path: path, reason: "is a directory")
        }
        modificationTime = Date(timeIntervalSince1970: Double(st.st_mtim.tv_sec))
      } else {
        modificationTime = nil
      }
    }
    // gzdopen takes ownership of fd; gzclose closes it.
    gz = gzdopen(fd, "rb")
    if gz == nil {
      close(fd)
      throw InputError.cannotOpen(path: path, reason: "zlib could not attach to the file")
    }
    gzbuffer(gz, 256 * 1024)
  }

  deinit {
    if let gz { gzclose(gz) }
  }

  /// Reads up to `buffer.count` decoded bytes; returns 0 at the end of the input.
  public func read(into buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
    if finished && rawStart >= raw.count && carryStart >= carry.count { return 0 }
    if !started { start() }
    switch encoding {
    case .utf8, .utf8BOM:
      if rawStart < raw.count {  // bytes held back by the encoding probe
        let n = min(buffer.count, raw.count - rawStart)
        for i in 0..<n { buffer[i] = raw[rawStart + i] }
        rawStart += n
        if rawStart >= raw.count { raw.removeAll(keepingCapacity: false); rawStart = 0 }
        return n
      }
      return readRaw(into: buffer)
    case .utf16LE, .utf16BE:
      return readTranscoded(into: buffer)
    }
  }

  /// Reads raw (inflated) bytes from zlib; records a warning on error.
  private func readRaw(into buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
    if finished { return 0 }
    guard let gz else { return 0 }
    let want = UInt32(min(buffer.count, Int(Int32.max)))
    let n = gzread(gz, buffer.baseAddress, want)
    if n < 0 || (n == 0 && gzeof(gz) == 0) {
      var code: Int32 = 0
      let message = gzerror(gz, &code).map { String(cString: $0) } ?? "read error"
      warning = compressed
        ? "gzip stream damaged or truncated (\(message)); lines before it were read"
        : "read error (\(message)); lines before it were read"
      finished = true
      return 0
    }
    if n == 0 {
      finished = true
      // zlib hides a truncated final member unless we ask: gzeof is set, but the
      // stream ended inside a member. gzerror reports Z_BUF_ERROR in that case.
      var code: Int32 = 0
      _ = gzerror(gz, &code)
      if code == Z_BUF_ERROR && compressed {
        warning = "gzip stream truncated (unexpected end of file); lines before it were read"
      }
    }
    return Int(n)
  }

  /// Probes the first bytes for gzip and text encoding.
  private func start() {
    started = true
    if let gz { compressed = gzdirect(gz) == 0 }
    var probe = [UInt8](repeating: 0, count: 4096)
    let n = probe.withUnsafeMutableBufferPointer { readRaw(into: $0) }
    probe.removeSubrange(n...)
    if n >= 2 && probe[0] == 0xFF && probe[1] == 0xFE {
      encoding = .utf16LE
      probe.removeFirst(2)
    } else if n >= 2 && probe[0] == 0xFE && probe[1] == 0xFF {
      encoding = .utf16BE
      probe.removeFirst(2)
    } else if n >= 3 && probe[0] == 0xEF && probe[1] == 0xBB && probe[2] == 0xBF {
      encoding = .utf8BOM
      probe.removeFirst(3)
    } else if n >= 4 && probe[0] != 0 && probe[1] == 0 && probe[2] != 0 && probe[3] == 0 {
      encoding = .utf16LE
    } else if n >= 4 && probe[0] == 0 && probe[1] != 0 && probe[2] == 0 && probe[3] != 0 {
      encoding = .utf16BE
    }
    raw = probe
    rawStart = 0
  }

  /// Fills `buffer` with UTF-8 transcoded from UTF-16 input. A sequence that does not
  /// fit the rest of `buffer` is split: its tail waits in `carry` for the next read.
  private func readTranscoded(into buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
    var out = 0
    while out < buffer.count && carryStart < carry.count {
      buffer[out] = carry[carryStart]
      out += 1
      carryStart += 1
    }
    if carryStart >= carry.count { carry.removeAll(keepingCapacity: true); carryStart = 0 }
    // Each UTF-16 code unit becomes at most 3 bytes (a surrogate pair 4 bytes for 2 units).
    while out < buffer.count {
      if raw.count - rawStart < 4 && !finished {
        // Refill the raw buffer from zlib.
        if rawStart > 0 { raw.removeFirst(rawStart); rawStart = 0 }
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let n = chunk.withUnsafeMutableBufferPointer { readRaw(into: $0) }
        if n > 0 { raw.append(contentsOf: chunk[0..<n]) }
        if n == 0 && raw.count - rawStart < 2 { break }
        continue
      }
      if raw.count - rawStart < 2 { break }
      let unit = codeUnit(at: rawStart)
      var scalar: UInt32 = UInt32(unit)
      var consumed = 2
      if unit >= 0xD800 && unit <= 0xDBFF {
        if raw.count - rawStart >= 4 {
          let low = codeUnit(at: rawStart + 2)
          if low >= 0xDC00 && low <= 0xDFFF {
            scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            consumed = 4
          } else {
            scalar = 0xFFFD
          }
        } else if !finished {
          continue  // refill to see the low surrogate
        } else {
          scalar = 0xFFFD
        }
      } else if unit >= 0xDC00 && unit <= 0xDFFF {
        scalar = 0xFFFD
      }
      rawStart += consumed
      if out + 4 <= buffer.count {
        out += encodeUTF8(scalar, into: buffer, at: out)
      } else {
        var sequence: [UInt8] = [0, 0, 0, 0]
        let n = sequence.withUnsafeMutableBufferPointer { encodeUTF8(scalar, into: $0, at: 0) }
        let fit = min(n, buffer.count - out)
        for i in 0..<fit { buffer[out + i] = sequence[i] }
        out += fit
        carry = Array(sequence[fit..<n])
        carryStart = 0
      }
    }
    if raw.count - rawStart == 1 && finished { rawStart = raw.count }  // odd trailing byte
    return out
  }

  private func codeUnit(at i: Int) -> UInt16 {
    encoding == .utf16LE
      ? UInt16(raw[i]) | (UInt16(raw[i + 1]) << 8)
      : (UInt16(raw[i]) << 8) | UInt16(raw[i + 1])
  }

  private func encodeUTF8(_ s: UInt32, into b: UnsafeMutableBufferPointer<UInt8>, at i: Int)
    -> Int
  {
    switch s {
    case 0..<0x80:
      b[i] = UInt8(s)
      return 1
    case 0x80..<0x800:
      b[i] = UInt8(0xC0 | (s >> 6))
      b[i + 1] = UInt8(0x80 | (s & 0x3F))
      return 2
    case 0x800..<0x10000:
      b[i] = UInt8(0xE0 | (s >> 12))
      b[i + 1] = UInt8(0x80 | ((s >> 6) & 0x3F))
      b[i + 2] = UInt8(0x80 | (s & 0x3F))
      return 3
    default:
      b[i] = UInt8(0xF0 | (s >> 18))
      b[i + 1] = UInt8(0x80 | ((s >> 12) & 0x3F))
      b[i + 2] = UInt8(0x80 | ((s >> 6) & 0x3F))
      b[i + 3] = UInt8(0x80 | (s & 0x3F))
      return 4
    }
  }
}
