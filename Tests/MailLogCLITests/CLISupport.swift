// CLISupport.swift: runs the built `mailtls` binary (<repo>/.build/debug/mailtls, made by
// `swift build` before `swift test`) with files as stdin/stdout/stderr, so large outputs
// cannot block on a pipe. A missing binary fails the test with a message saying how to
// build it.

import Foundation
import XCTest

/// The repository root, from this file's path.
let repoRoot = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// What one run of mailtls gave.
struct CLIRun {
  var status: Int32
  var stdout: Data
  var stderr: Data
  var out: String { String(decoding: stdout, as: UTF8.self) }
  var err: String { String(decoding: stderr, as: UTF8.self) }

  /// stdout parsed as a JSON object (nil when it is not one).
  var json: [String: Any]? { try? JSONSerialization.jsonObject(with: stdout) as? [String: Any] }
}

/// A scratch directory for one test case, removed at the end.
final class Scratch {
  let url: URL
  init() {
    url = FileManager.default.temporaryDirectory
      .appendingPathComponent("mailtls-cli-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }
  deinit { try? FileManager.default.removeItem(at: url) }

  func path(_ name: String) -> String { url.appendingPathComponent(name).path }

  @discardableResult
  func write(_ name: String, _ bytes: [UInt8]) -> String {
    let p = path(name)
    XCTAssertTrue(FileManager.default.createFile(atPath: p, contents: Data(bytes)), p)
    return p
  }

  @discardableResult
  func write(_ name: String, _ text: String) -> String { write(name, Array(text.utf8)) }

  /// `name` compressed with the system's gzip (one member).
  func gzip(_ name: String, _ text: String) throws -> String {
    let plain = write(name + ".src", text)
    let gz = path(name)
    let r = try runProcess("/bin/sh", ["-c", "gzip -c < \"$0\" > \"$1\"", plain, gz])
    XCTAssertEqual(r.status, 0, "gzip: \(r.err)")
    return gz
  }
}

/// Runs an executable with stdin from `stdinPath` (or /dev/null).
func runProcess(_ executable: String, _ args: [String], stdinPath: String? = nil) throws -> CLIRun {
  let dir = FileManager.default.temporaryDirectory
  let outURL = dir.appendingPathComponent("out-\(UUID().uuidString)")
  let errURL = dir.appendingPathComponent("err-\(UUID().uuidString)")
  _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
  _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
  defer {
    try? FileManager.default.removeItem(at: outURL)
    try? FileManager.default.removeItem(at: errURL)
  }
  let p = Process()
  p.executableURL = URL(fileURLWithPath: executable)
  p.arguments = args
  p.standardInput = FileHandle(forReadingAtPath: stdinPath ?? "/dev/null")
  p.standardOutput = try FileHandle(forWritingTo: outURL)
  p.standardError = try FileHandle(forWritingTo: errURL)
  try p.run()
  p.waitUntilExit()
  return CLIRun(
    status: p.terminationStatus, stdout: try Data(contentsOf: outURL),
    stderr: try Data(contentsOf: errURL))
}

/// Runs the built mailtls.
func mailtls(_ args: [String], stdin: String? = nil, file: StaticString = #filePath, line: UInt = #line)
  throws -> CLIRun
{
  let binary = repoRoot.appendingPathComponent(".build/debug/mailtls").path
  guard FileManager.default.isExecutableFile(atPath: binary) else {
    XCTFail("\(binary) not found: run `swift build` before `swift test`", file: file, line: line)
    throw CocoaError(.fileNoSuchFile)
  }
  return try runProcess(binary, args, stdinPath: stdin)
}

/// A JSON report without its `inputs` member, for comparing runs of one log.
func withoutInputs(_ json: [String: Any]?) -> NSDictionary {
  var j = json ?? [:]
  j["inputs"] = nil
  return j as NSDictionary
}

/// A small realistic Postfix log (shapes of corpus/postfix-lines.log): outbound TLS,
/// plaintext and a deferral, inbound TLS and plaintext, a loopback hop, an NDR.
let sampleLog = """
  Mar  3 09:00:00 mail postfix/smtpd[3101]: connect from h1.d1.example.com[192.0.2.2]
  Mar  3 09:00:00 mail postfix/smtpd[3101]: Anonymous TLS connection established from h1.d1.example.com[192.0.2.2]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (4096 bits) server-digest SHA256
  Mar  3 09:00:01 mail postfix/smtpd[3101]: 1A2B3C4D5E: client=h1.d1.example.com[192.0.2.2]
  Mar  3 09:00:01 mail postfix/cleanup[3102]: 1A2B3C4D5E: message-id=<20260303090001.1A2B3C4D5E@d1.example.com>
  Mar  3 09:00:01 mail postfix/qmgr[1001]: 1A2B3C4D5E: from=<alice@d1.example.com>, size=2048, nrcpt=2 (queue active)
  Mar  3 09:00:02 mail postfix/smtpd[3101]: disconnect from h1.d1.example.com[192.0.2.2] ehlo=2 starttls=1 mail=1 rcpt=2 data=1 quit=1 commands=8
  Mar  3 09:00:02 mail postfix/smtp[2101]: Trusted TLS connection established to mx1.d3.example.com[192.0.2.11]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)
  Mar  3 09:00:03 mail postfix/smtp[2101]: 1A2B3C4D5E: to=<u1@d3.example.com>, relay=mx1.d3.example.com[192.0.2.11]:25, delay=1.2, delays=0.1/0/0.6/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 9F8E7D6C5B)
  Mar  3 09:00:03 mail postfix/smtp[2102]: 1A2B3C4D5E: to=<u2@d4.example.net>, relay=mx.d4.example.net[198.51.100.20]:25, delay=1.3, delays=0.1/0/0.7/0.5, dsn=2.0.0, status=sent (250 2.0.0 OK)
  Mar  3 09:00:04 mail postfix/qmgr[1001]: 1A2B3C4D5E: removed
  Mar  3 09:01:00 mail postfix/smtpd[3103]: connect from unknown[192.0.2.70]
  Mar  3 09:01:01 mail postfix/smtpd[3103]: 2B3C4D5E6F: client=unknown[192.0.2.70]
  Mar  3 09:01:02 mail postfix/smtp[2103]: 2B3C4D5E6F: to=<user2@example.com>, relay=127.0.0.1[127.0.0.1]:10024, delay=0.23, delays=0.15/0/0/0.08, dsn=2.0.0, status=sent (250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as 776E41855DB2)
  Mar  3 09:01:03 mail postfix/smtp[2104]: 776E41855DB2: to=<user2@example.com>, relay=mx.example.com[192.0.2.4]:25, delay=1.9, delays=0/0/1.5/0.37, dsn=5.1.1, status=bounced (host mx.example.com[192.0.2.4] said: 550 5.1.1 <user2@example.com> User unknown (in reply to RCPT TO command))
  Mar  3 09:01:03 mail postfix/bounce[9719]: 776E41855DB2: sender non-delivery notification: A48191855DA0
  Mar  3 09:02:00 mail postfix/postscreen[900]: CONNECT from [192.0.2.75]:51637 to [192.0.2.1]:25
  Mar  3 09:03:00 mail postfix/error[30183]: 987D910A524: to=<x@d72.example.com>, relay=none, delay=2, delays=2/0.39/0/0, dsn=4.7.4, status=deferred (delivery temporarily suspended: TLS is required, but was not offered by host h42.d72.example.com[192.0.2.32])

  """
