// JSON.swift: an ordered JSON value and its serializer.
//
// Reports need stable key order (scripts diff them), which Foundation's
// JSONSerialization does not promise, so renderers build a `JSONValue` tree with
// ordered object members. Numbers that are not finite are written as null. Cannot fail.

/// A JSON value with ordered object keys.
public indirect enum JSONValue: Equatable {
  case null
  case bool(Bool)
  case int(Int)
  case double(Double)
  case string(String)
  case array([JSONValue])
  case object([(String, JSONValue)])

  public static func == (a: JSONValue, b: JSONValue) -> Bool {
    a.serialized() == b.serialized()
  }

  /// An optional number: nil becomes null.
  public static func number(_ d: Double?, decimals: Int = 4) -> JSONValue {
    guard let d, d.isFinite else { return .null }
    let scale = pow10(decimals)
    return .double((d * scale).rounded() / scale)
  }

  private static func pow10(_ n: Int) -> Double {
    var v = 1.0
    for _ in 0..<n { v *= 10 }
    return v
  }

  /// The value as JSON text; `indent` > 0 pretty-prints.
  public func serialized(indent: Int = 2) -> String {
    var out = ""
    write(into: &out, indent: indent, level: 0)
    return out
  }

  private func write(into out: inout String, indent: Int, level: Int) {
    let pad = indent > 0 ? "\n" + String(repeating: " ", count: indent * (level + 1)) : ""
    let closePad = indent > 0 ? "\n" + String(repeating: " ", count: indent * level) : ""
    switch self {
    case .null: out += "null"
    case .bool(let b): out += b ? "true" : "false"
    case .int(let i): out += String(i)
    case .double(let d):
      if !d.isFinite {
        out += "null"
      } else if d == d.rounded() && abs(d) < 1e15 {
        out += String(Int(d))
      } else {
        out += String(d)
      }
    case .string(let s): out += Escape.json(s)
    case .array(let items):
      if items.isEmpty { out += "[]"; return }
      out += "["
      for (i, item) in items.enumerated() {
        if i > 0 { out += "," }
        out += pad
        item.write(into: &out, indent: indent, level: level + 1)
      }
      out += closePad + "]"
    case .object(let members):
      if members.isEmpty { out += "{}"; return }
      out += "{"
      for (i, (key, value)) in members.enumerated() {
        if i > 0 { out += "," }
        out += pad + Escape.json(key) + (indent > 0 ? ": " : ":")
        value.write(into: &out, indent: indent, level: level + 1)
      }
      out += closePad + "}"
    }
  }

  /// Member lookup for objects (tests and merging); nil for other values.
  public subscript(key: String) -> JSONValue? {
    if case .object(let m) = self { return m.first { $0.0 == key }?.1 }
    return nil
  }
}
