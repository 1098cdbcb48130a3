// Escape.swift: makes text that came from a log safe for a terminal, HTML, CSV, JSON.
//
// Log lines are attacker-controlled (a remote server's reply text ends up in them).
// Terminal output drops control bytes (ESC sequences could rewrite the screen), HTML
// escapes markup, CSV quotes and defuses spreadsheet formulas (a cell never starts
// with = + - @ or a control character). None of these can fail.

public enum Escape {
  /// Text for a terminal: control characters (C0, DEL, C1) shown as `\xNN`, never raw.
  public static func terminal(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
      let v = scalar.value
      if v < 0x20 || v == 0x7F || (v >= 0x80 && v < 0xA0) || v == 0x2028 || v == 0x2029
        || (v >= 0x202A && v <= 0x202E) || (v >= 0x2066 && v <= 0x2069)
      {
        if v == 0x09 { out.append(" "); continue }
        out.append("\\x")
        out.append(String(v, radix: 16, uppercase: true))
      } else {
        out.unicodeScalars.append(scalar)
      }
    }
    return out
  }

  /// Text for HTML element content or a double-quoted attribute.
  public static func html(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
      switch scalar {
      case "&": out.append("&amp;")
      case "<": out.append("&lt;")
      case ">": out.append("&gt;")
      case "\"": out.append("&quot;")
      case "'": out.append("&#39;")
      default:
        if scalar.value < 0x20 && scalar.value != 0x0A && scalar.value != 0x09 {
          out.append("&#xFFFD;")
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out
  }

  /// One CSV field (RFC 4180), safe to open in a spreadsheet: a value starting with
  /// `=`, `+`, `-`, `@`, TAB or CR gets a leading apostrophe, the field is quoted
  /// when it holds a comma, quote or line break, and other control characters are
  /// shown as `\xNN`.
  public static func csv(_ text: String) -> String {
    // Control characters (ESC, BEL, ...) would act on a terminal that `cat`s the file:
    // shown as `\xNN`. TAB, CR and LF stay (quoted below).
    var value = ""
    value.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
      let v = scalar.value
      if (v < 0x20 && v != 0x09 && v != 0x0A && v != 0x0D) || v == 0x7F || (v >= 0x80 && v < 0xA0) {
        value.append("\\x" + String(v, radix: 16, uppercase: true))
      } else {
        value.unicodeScalars.append(scalar)
      }
    }
    if let first = value.unicodeScalars.first,
      ["=", "+", "-", "@", "\t", "\r"].contains(first)
    {
      value = "'" + value
    }
    // Scalars, not Characters: CR LF is one Character and equals neither "\r" nor "\n".
    if value.unicodeScalars.contains(where: {
      $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r"
    }) {
      return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
    return value
  }

  /// A JSON string literal, quotes included.
  public static func json(_ text: String) -> String {
    var out = "\""
    out.reserveCapacity(text.utf8.count + 2)
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out.append("\\\"")
      case "\\": out.append("\\\\")
      case "\n": out.append("\\n")
      case "\r": out.append("\\r")
      case "\t": out.append("\\t")
      default:
        if scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029 {
          let hex = String(scalar.value, radix: 16)
          out.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    out.append("\"")
    return out
  }
}

import Foundation
