// SQLite.swift: a thin wrapper over the system SQLite library (module CSQLite): open a
// database file, run SQL text, prepared statements (bind, step, read columns),
// transactions and a busy timeout.
//
// Failures: every call SQLite reports as failed throws `SQLiteError` carrying SQLite's
// own message and extended result code; nothing is retried here except by SQLite's busy
// handler (the timeout given at open). A transaction whose body throws is rolled back.
// Objects are not thread-safe: use one database object per thread.

import CSQLite

/// A failure reported by SQLite.
public struct SQLiteError: Error, CustomStringConvertible {
  /// SQLite's extended result code.
  public let code: Int32
  /// SQLite's message, prefixed with what was being done.
  public let message: String

  public var description: String { message }
}

/// A value bound to a statement parameter or read from a column.
public enum SQLiteValue: Equatable {
  case null
  case int(Int)
  case double(Double)
  case text(String)
}

/// Tells SQLite to copy bound text before `sqlite3_bind_text` returns.
private let transientDestructor = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// An open database connection (`sqlite3_open_v2`), closed when released.
public final class SQLiteDatabase {
  /// The file name it was opened with.
  public let path: String
  fileprivate let handle: OpaquePointer

  /// Opens (and, unless `readOnly`, creates) the database at `path`.
  /// - Parameters:
  ///   - busyTimeoutMilliseconds: how long a statement waits for another connection's
  ///     lock before failing with SQLITE_BUSY (`sqlite3_busy_timeout`).
  /// - Throws: `SQLiteError` when the file cannot be opened.
  public init(path: String, readOnly: Bool = false, busyTimeoutMilliseconds: Int32 = 5000)
    throws
  {
    self.path = path
    var db: OpaquePointer?
    let flags = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
    let rc = sqlite3_open_v2(path, &db, flags, nil)
    guard rc == SQLITE_OK, let db else {
      let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
      sqlite3_close_v2(db)
      throw SQLiteError(code: rc, message: "cannot open \(path): \(message)")
    }
    handle = db
    sqlite3_extended_result_codes(db, 1)
    sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
  }

  deinit {
    sqlite3_close_v2(handle)
  }

  /// Runs one or more SQL statements that return no rows needed (`sqlite3_exec`).
  public func exec(_ sql: String) throws {
    var error: UnsafeMutablePointer<CChar>?
    let rc = sqlite3_exec(handle, sql, nil, nil, &error)
    if rc != SQLITE_OK {
      let message = error.map { String(cString: $0) } ?? lastMessage
      sqlite3_free(error)
      throw SQLiteError(code: rc, message: "\(path): \(message)")
    }
  }

  /// Compiles one statement (`sqlite3_prepare_v2`).
  public func prepare(_ sql: String) throws -> SQLiteStatement {
    var stmt: OpaquePointer?
    let rc = sqlite3_prepare_v2(handle, sql, -1, &stmt, nil)
    guard rc == SQLITE_OK, let stmt else {
      throw SQLiteError(code: rc, message: "\(path): \(lastMessage) in: \(sql)")
    }
    return SQLiteStatement(stmt, database: self)
  }

  /// Runs one statement with `values` bound to its parameters, ignoring result rows.
  public func run(_ sql: String, _ values: [SQLiteValue] = []) throws {
    let stmt = try prepare(sql)
    try stmt.bind(values)
    while try stmt.step() {}
  }

  /// Runs one query and returns every row as values.
  public func rows(_ sql: String, _ values: [SQLiteValue] = []) throws -> [[SQLiteValue]] {
    let stmt = try prepare(sql)
    try stmt.bind(values)
    var out: [[SQLiteValue]] = []
    while try stmt.step() {
      out.append((0..<stmt.columnCount).map { stmt.value($0) })
    }
    return out
  }

  /// Runs `body` inside `BEGIN IMMEDIATE` ... `COMMIT`; rolls back when it throws.
  /// Nothing of the body is visible to other connections, or survives a crash, until
  /// the commit.
  public func transaction<T>(_ body: () throws -> T) throws -> T {
    try exec("BEGIN IMMEDIATE")
    let result: T
    do {
      result = try body()
      try exec("COMMIT")
    } catch {
      try? exec("ROLLBACK")
      throw error
    }
    return result
  }

  fileprivate var lastMessage: String { String(cString: sqlite3_errmsg(handle)) }
}

/// A compiled statement (`sqlite3_stmt`), finalized when released.
public final class SQLiteStatement {
  private let handle: OpaquePointer
  // Keeps the connection open while the statement lives.
  private let database: SQLiteDatabase

  fileprivate init(_ handle: OpaquePointer, database: SQLiteDatabase) {
    self.handle = handle
    self.database = database
  }

  deinit {
    sqlite3_finalize(handle)
  }

  /// Resets the statement and binds `values` to parameters 1, 2, ...
  public func bind(_ values: [SQLiteValue]) throws {
    sqlite3_reset(handle)
    sqlite3_clear_bindings(handle)
    for (i, value) in values.enumerated() {
      let index = Int32(i + 1)
      let rc: Int32
      switch value {
      case .null: rc = sqlite3_bind_null(handle, index)
      case .int(let v): rc = sqlite3_bind_int64(handle, index, Int64(v))
      case .double(let v): rc = sqlite3_bind_double(handle, index, v)
      case .text(let v): rc = sqlite3_bind_text(handle, index, v, -1, transientDestructor)
      }
      if rc != SQLITE_OK {
        throw SQLiteError(code: rc, message: "\(database.path): \(database.lastMessage)")
      }
    }
  }

  /// Advances to the next row (`sqlite3_step`): true when a row is ready, false when
  /// the statement has finished.
  public func step() throws -> Bool {
    let rc = sqlite3_step(handle)
    switch rc {
    case SQLITE_ROW: return true
    case SQLITE_DONE: return false
    default:
      throw SQLiteError(code: rc, message: "\(database.path): \(database.lastMessage)")
    }
  }

  /// Number of result columns.
  public var columnCount: Int32 { sqlite3_column_count(handle) }

  /// Column `i` of the current row as an integer (0 for NULL).
  public func int(_ i: Int32) -> Int { Int(sqlite3_column_int64(handle, i)) }

  /// Column `i` of the current row as a double (0 for NULL).
  public func double(_ i: Int32) -> Double { sqlite3_column_double(handle, i) }

  /// Column `i` of the current row as text; nil for NULL.
  public func text(_ i: Int32) -> String? {
    guard let p = sqlite3_column_text(handle, i) else { return nil }
    return String(cString: p)
  }

  /// Column `i` of the current row with its stored type.
  public func value(_ i: Int32) -> SQLiteValue {
    switch sqlite3_column_type(handle, i) {
    case SQLITE_INTEGER: return .int(int(i))
    case SQLITE_FLOAT: return .double(double(i))
    case SQLITE_NULL: return .null
    default: return .text(text(i) ?? "")
    }
  }
}
