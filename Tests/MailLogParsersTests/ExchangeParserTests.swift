import XCTest
import MailLogKit
import MailLogModel
import MailLogParsers

final class ExchangeParserTests: XCTestCase {
  func testDump() throws {
    let r = ExchangeRun()
    for f in ["MSGTRK2026031009-1.LOG", "SEND2026031009-1.LOG", "RECV2026031009-1.LOG", "MessageTrace-2026-03-10.csv", "MessageTraceDetail-2026-03-10.csv"] {
      try r.read(ExchangeFiles.sample(f))
    }
    r.finish()
    for s in r.stats { print("=== \(s.name): lines \(s.lines) parsed \(s.parsed) skipped \(s.skippedByKind) enc") }
    for e in r.sink.events { print("  " + describe(e)) }
    for n in r.run.notes { print("  NOTE " + n) }
  }
}
