// JSONValueTests.swift: JSONValue keeps member order, pretty-prints with a fixed
// layout, writes whole doubles as integers and non-finite numbers as null.

import Foundation
import MailLogKit
import XCTest

final class JSONValueTests: XCTestCase {
  let doc = JSONValue.object([
    ("schema", .string("mailtls.report/1")),
    ("zeta", .int(3)),
    ("alpha", .array([.bool(true), .bool(false), .null])),
    ("nested", .object([("b", .double(88.5229)), ("a", .array([]))])),
    ("empty", .object([])),
  ])

  func testPrettyLayoutAndMemberOrder() {
    let expected = """
      {
        "schema": "mailtls.report/1",
        "zeta": 3,
        "alpha": [
          true,
          false,
          null
        ],
        "nested": {
          "b": 88.5229,
          "a": []
        },
        "empty": {}
      }
      """
    XCTAssertEqual(doc.serialized(), expected)
  }

  func testCompactLayout() {
    XCTAssertEqual(
      doc.serialized(indent: 0),
      "{\"schema\":\"mailtls.report/1\",\"zeta\":3,\"alpha\":[true,false,null],\"nested\":{\"b\":88.5229,\"a\":[]},\"empty\":{}}"
    )
  }

  func testNumbers() {
    XCTAssertEqual(JSONValue.double(100.0).serialized(), "100")
    XCTAssertEqual(JSONValue.double(-2.0).serialized(), "-2")
    XCTAssertEqual(JSONValue.double(0.5).serialized(), "0.5")
    XCTAssertEqual(JSONValue.double(.nan).serialized(), "null")
    XCTAssertEqual(JSONValue.double(.infinity).serialized(), "null")
    XCTAssertEqual(JSONValue.int(-42).serialized(), "-42")
    XCTAssertEqual(JSONValue.number(nil), .null)
    XCTAssertEqual(JSONValue.number(.nan), .null)
    XCTAssertEqual(JSONValue.number(100.0 * 2607 / 2945).serialized(), "88.5229")
    XCTAssertEqual(JSONValue.number(2.0 / 3.0, decimals: 1).serialized(), "0.7")
  }

  func testStringsAndKeysAreEscaped() {
    let v = JSONValue.object([("k\"\u{1B}", .string("a\nb\u{1B}[2J"))])
    XCTAssertEqual(v.serialized(indent: 0), "{\"k\\\"\\u001b\":\"a\\nb\\u001b[2J\"}")
  }

  func testOutputIsValidJSONForFoundation() throws {
    let data = doc.serialized().data(using: .utf8)!
    let parsed = try JSONSerialization.jsonObject(with: data) as? [String: Any]
    XCTAssertEqual(parsed?["zeta"] as? Int, 3)
    XCTAssertEqual((parsed?["nested"] as? [String: Any])?["b"] as? Double, 88.5229)
  }

  func testSubscriptAndEquality() {
    XCTAssertEqual(doc["zeta"], .int(3))
    XCTAssertEqual(doc["nested"]?["b"], .double(88.5229))
    XCTAssertNil(doc["missing"])
    XCTAssertNil(JSONValue.int(1)["x"])
    XCTAssertNotEqual(
      JSONValue.object([("a", .int(1)), ("b", .int(2))]),
      JSONValue.object([("b", .int(2)), ("a", .int(1))]))
  }
}
