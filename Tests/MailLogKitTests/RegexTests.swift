// RegexTests.swift: the PCRE2 wrapper: groups and named groups, caseless matching,
// compile errors, all matches, replacement (empty matches too), byte subjects with
// invalid UTF-8 and a start offset.

import MailLogKit
import XCTest

final class RegexTests: XCTestCase {
  let tlsLine =
    "Trusted TLS connection established to mx.example.com[192.0.2.4]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)"

  func testGroupsAndNamedGroups() throws {
    let re = try Regex(
      #"^(?<adj>\w+) TLS connection (established|reused) to (?<relay>\S+): (?<proto>\S+)"#)
    let m = try XCTUnwrap(re.firstMatch(in: tlsLine))
    XCTAssertEqual(m["adj"], "Trusted")
    XCTAssertEqual(m["relay"], "mx.example.com[192.0.2.4]:25")
    XCTAssertEqual(m["proto"], "TLSv1.2")
    XCTAssertEqual(m[2], "established")
    XCTAssertEqual(m.ranges[0], 0..<75)
    XCTAssertNil(m["nosuchname"])
    XCTAssertNil(m[9])
  }

  func testGroupNotTakingPartIsNil() throws {
    let m = try XCTUnwrap(try Regex("a(x)?b").firstMatch(in: "ab"))
    XCTAssertEqual(m[0], "ab")
    XCTAssertNil(m[1])
    XCTAssertNil(m.ranges[1])
  }

  func testCaseless() throws {
    let re = try Regex("handshake failure", caseless: true)
    XCTAssertTrue(re.matches("Cannot start TLS: HANDSHAKE Failure"))
    XCTAssertFalse(try Regex("handshake failure").matches("HANDSHAKE FAILURE"))
    XCTAssertTrue(try Regex("grüße", caseless: true).matches("GRÜSSE GRÜßE"))
  }

  func testCompileErrorThrowsWithOffset() {
    XCTAssertThrowsError(try Regex("abc(def")) { error in
      guard let e = error as? RegexError else { return XCTFail("\(error)") }
      XCTAssertEqual(e.pattern, "abc(def")
      XCTAssertEqual(e.offset, 7)
      XCTAssertTrue(e.message.contains("missing closing parenthesis"), e.message)
    }
  }

  func testAllMatchesAndReplacement() throws {
    let ip = try Regex(#"\d+\.\d+\.\d+\.\d+"#)
    let text = "connect to a[192.0.2.44]:25 then b[198.51.100.7]:25"
    XCTAssertEqual(ip.allMatches(in: text).map { $0[0] }, ["192.0.2.44", "198.51.100.7"])
    XCTAssertEqual(ip.replacingMatches(in: text, with: "<ip>"), "connect to a[<ip>]:25 then b[<ip>]:25")
    XCTAssertEqual(try Regex("x*").replacingMatches(in: "abc", with: "-"), "-a-b-c-")
    XCTAssertEqual(try Regex("x*").allMatches(in: "ab").count, 3)
    XCTAssertEqual(try Regex("z").replacingMatches(in: "abc", with: "-"), "abc")
  }

  func testBytesWithInvalidUTF8AndStartOffset() throws {
    let re = try Regex("status=(\\w+)")
    let bytes: [UInt8] = Array("\u{FF}junk ".utf8) + [0xFF, 0xC3] + Array(" status=sent status=deferred".utf8)
    bytes.withUnsafeBufferPointer { b in
      let first = re.firstMatch(in: b)
      XCTAssertEqual(first?[1], "sent")
      let second = first.flatMap { re.firstMatch(in: b, from: $0.ranges[0]!.upperBound) }
      XCTAssertEqual(second?[1], "deferred")
      XCTAssertNil(second.flatMap { re.firstMatch(in: b, from: $0.ranges[0]!.upperBound) })
    }
  }

  func testEmptySubject() throws {
    XCTAssertNil(try Regex("a").firstMatch(in: ""))
    XCTAssertNotNil(try Regex("^$").firstMatch(in: ""))
  }
}
