// SharedFolder.swift: locates the project's shared reference material for tests,
// `<repo>/../shared/<name>`, with the repository root found from this file's path.

import Foundation

enum SharedFolder {
  /// `<repo>/../shared/<name>` (it may not exist; callers skip when it is absent).
  static func url(_ name: String) -> URL {
    URL(fileURLWithPath: #filePath)
      .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("shared").appendingPathComponent(name)
  }
}
