// Arguments.swift: a small declarative command-line parser (no third-party packages).
//
// Each command declares its options as `OptionSpec`s with help text beside them.
// Accepted forms: `--name value`, `--name=value`, `-x value`, `-xVALUE`, flags,
// `--` to end options, and `-` as a positional (stdin). Unknown options, missing values
// and bad values raise `UsageError`, which the CLI prints with one usage line and exits
// 64; the message suggests the nearest known option.

/// One option of a command.
struct OptionSpec {
  /// Long name without dashes, e.g. "format"; the key in `ParsedArgs`.
  let name: String
  /// Optional one-letter short form.
  let short: Character?
  /// Value placeholder for help (`FMT`), nil for a flag.
  let value: String?
  let help: String
  /// Hidden options are accepted but not listed (test hooks).
  var hidden = false
}

/// A usage mistake on the command line.
struct UsageError: Error {
  let message: String
}

/// The parsed command line of one command.
struct ParsedArgs {
  var values: [String: [String]] = [:]
  var flags: Set<String> = []
  var positionals: [String] = []

  func value(_ name: String) -> String? { values[name]?.last }
  func all(_ name: String) -> [String] { values[name] ?? [] }
  func flag(_ name: String) -> Bool { flags.contains(name) }

  /// An integer option; throws UsageError when it is not a whole number in `range`.
  func int(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
    guard let v = value(name) else { return nil }
    guard let n = Int(v), range.contains(n) else {
      throw UsageError(message: "--\(name) takes a whole number from \(range.lowerBound) to \(range.upperBound), not '\(v)'")
    }
    return n
  }

  /// A number option (may have decimals) within `range`.
  func double(_ name: String, in range: ClosedRange<Double>) throws -> Double? {
    guard let v = value(name) else { return nil }
    let number = v.hasSuffix("%") ? String(v.dropLast()) : v  // "90%" reads as 90
    guard let n = Double(number), range.contains(n) else {
      throw UsageError(message: "--\(name) takes a number from \(range.lowerBound) to \(range.upperBound), not '\(v)'")
    }
    return n
  }

  /// A choice option; throws UsageError listing the choices.
  func choice(_ name: String, _ choices: [String]) throws -> String? {
    guard let v = value(name) else { return nil }
    guard choices.contains(v) else {
      throw UsageError(message: "--\(name) must be one of \(choices.joined(separator: ", ")), not '\(v)'")
    }
    return v
  }
}

/// Parses `args` (without the program and command names) against `specs`.
func parseArguments(_ args: [String], _ specs: [OptionSpec]) throws -> ParsedArgs {
  var parsed = ParsedArgs()
  var i = 0
  var optionsEnded = false
  func take(_ spec: OptionSpec, inline: String?) throws {
    if spec.value == nil {
      if inline != nil { throw UsageError(message: "--\(spec.name) takes no value") }
      parsed.flags.insert(spec.name)
      return
    }
    if let inline {
      parsed.values[spec.name, default: []].append(inline)
      return
    }
    i += 1
    guard i < args.count else {
      throw UsageError(message: "--\(spec.name) needs a value (\(spec.value!))")
    }
    parsed.values[spec.name, default: []].append(args[i])
  }
  while i < args.count {
    let arg = args[i]
    if optionsEnded || arg == "-" || !arg.hasPrefix("-") {
      parsed.positionals.append(arg)
    } else if arg == "--" {
      optionsEnded = true
    } else if arg.hasPrefix("--") {
      let body = arg.dropFirst(2)
      let name: String
      var inline: String?
      if let eq = body.firstIndex(of: "=") {
        name = String(body[..<eq])
        inline = String(body[body.index(after: eq)...])
      } else {
        name = String(body)
      }
      guard let spec = specs.first(where: { $0.name == name }) else {
        throw UsageError(message: "unknown option --\(name)" + suggestion(name, specs))
      }
      try take(spec, inline: inline)
    } else {
      // -x, -xVALUE; a negative number like -7d is a value only after an option.
      let letter = arg[arg.index(after: arg.startIndex)]
      guard let spec = specs.first(where: { $0.short == letter }) else {
        throw UsageError(message: "unknown option \(arg)" + suggestion(String(arg.dropFirst()), specs))
      }
      let rest = String(arg.dropFirst(2))
      try take(spec, inline: rest.isEmpty ? nil : rest)
    }
    i += 1
  }
  return parsed
}

/// "; did you mean --x?" for the closest option name, or "".
private func suggestion(_ name: String, _ specs: [OptionSpec]) -> String {
  let scored = specs.filter { !$0.hidden }.map { ($0.name, editDistance(name, $0.name)) }
  guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, name.count / 3) else {
    return ""
  }
  return "; did you mean --\(best.0)?"
}

private func editDistance(_ a: String, _ b: String) -> Int {
  let a = Array(a)
  let b = Array(b)
  if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
  var prev = Array(0...b.count)
  for i in 1...a.count {
    var cur = [i] + Array(repeating: 0, count: b.count)
    for j in 1...b.count {
      cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
    }
    prev = cur
  }
  return prev[b.count]
}

/// Help text for a command's options.
func optionHelp(_ specs: [OptionSpec]) -> String {
  var lines: [String] = []
  for spec in specs where !spec.hidden {
    var left = "  "
    left += spec.short.map { "-\($0), " } ?? "    "
    left += "--\(spec.name)"
    if let v = spec.value { left += " \(v)" }
    let padded = left.count < 30 ? left + String(repeating: " ", count: 30 - left.count) : left + "  "
    lines.append(padded + spec.help)
  }
  return lines.joined(separator: "\n")
}
