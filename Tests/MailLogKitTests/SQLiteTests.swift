// SQLiteTests.swift: the SQLite wrapper stores and reads back exact values, rolls back a
// failed transaction, and reports SQLite's own error messages.

import Foundation
import XCTest

@testable import MailLogKit

final class SQLiteTests: XCTestCase {
  private var dir: URL!

  override func setUpWithError() throws {
    dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "sqlite-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(at: dir)
  }

  func testBindStepAndReadBack() throws {
    let db = try SQLiteDatabase(path: dir.appendingPathComponent("a.db").path)
    try db.exec("CREATE TABLE t(k TEXT, n INTEGER, d REAL, z TEXT)")
    let ins = try db.prepare("INSERT INTO t VALUES(?, ?, ?, ?)")
    try ins.bind([
      .text("it's \"quoted\" – ünïcode"), .int(Int(Int32.max) + 7), .double(0.25), .null,
    ])
    XCTAssertFalse(try ins.step())
    try ins.bind([.text("second"), .int(-3), .double(-1.5), .text("")])
    XCTAssertFalse(try ins.step())
    let rows = try db.rows("SELECT k, n, d, z FROM t ORDER BY n DESC")
    XCTAssertEqual(
      rows,
      [
        [.text("it's \"quoted\" – ünïcode"), .int(2_147_483_654), .double(0.25), .null],
        [.text("second"), .int(-3), .double(-1.5), .text("")],
      ])
    let q = try db.prepare("SELECT COUNT(*), SUM(n) FROM t WHERE k <> ?")
    try q.bind([.text("second")])
    XCTAssertTrue(try q.step())
    XCTAssertEqual(q.int(0), 1)
    XCTAssertEqual(q.int(1), 2_147_483_654)
    XCTAssertFalse(try q.step())
  }

  func testTransactionRollsBackWhenBodyThrows() throws {
    let db = try SQLiteDatabase(path: dir.appendingPathComponent("b.db").path)
    try db.exec("CREATE TABLE t(n INTEGER PRIMARY KEY)")
    try db.transaction { try db.run("INSERT INTO t VALUES(1)") }
    struct Stop: Error {}
    XCTAssertThrowsError(
      try db.transaction {
        try db.run("INSERT INTO t VALUES(2)")
        throw Stop()
      })
    // A constraint failure inside a transaction rolls back the whole body too.
    XCTAssertThrowsError(
      try db.transaction {
        try db.run("INSERT INTO t VALUES(3)")
        try db.run("INSERT INTO t VALUES(1)")
      }
    ) { error in
      XCTAssertTrue("\(error)".contains("UNIQUE constraint failed"), "\(error)")
    }
    XCTAssertEqual(try db.rows("SELECT n FROM t"), [[.int(1)]])
  }

  func testErrorsCarrySQLiteMessages() throws {
    let db = try SQLiteDatabase(path: dir.appendingPathComponent("c.db").path)
    XCTAssertThrowsError(try db.prepare("SELEC 1")) { error in
      XCTAssertTrue("\(error)".contains("syntax error"), "\(error)")
    }
    let missing = dir.appendingPathComponent("no/such/dir/x.db").path
    XCTAssertThrowsError(try SQLiteDatabase(path: missing)) { error in
      XCTAssertTrue("\(error)".hasPrefix("cannot open \(missing): "), "\(error)")
    }
    let notDB = dir.appendingPathComponent("text.db")
    try "this is not a database, just text long enough to have a header".write(
      to: notDB, atomically: true, encoding: .utf8)
    XCTAssertThrowsError(try SQLiteDatabase(path: notDB.path).exec("SELECT * FROM sqlite_master")) {
      error in
      XCTAssertTrue("\(error)".contains("not a database"), "\(error)")
    }
  }
}
