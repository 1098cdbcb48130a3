// swift-tools-version:5.9
// Package.swift: mailtls, TLS coverage and TLS-bounce triage from mail server logs.
// Layers point one way: MailLogKit (bytes, IO, C wrappers; no mail words) ->
// MailLogModel (events, TLS facts, time) -> MailLogParsers (parsers/, one file per
// format) -> MailLogAnalysis (aggregation, classification) -> MailLogReport
// (renderers) -> mailtls (thin CLI). C libraries come from the system via pkg-config.
import PackageDescription

let package = Package(
  name: "mailtls",
  products: [
    .executable(name: "mailtls", targets: ["mailtls"])
  ],
  targets: [
    .systemLibrary(
      name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
    .systemLibrary(
      name: "CPCRE2", pkgConfig: "libpcre2-8", providers: [.apt(["libpcre2-dev"])]),
    .systemLibrary(
      name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
    .target(name: "MailLogKit", dependencies: ["CZlib", "CPCRE2", "CSQLite"]),
    .target(name: "MailLogModel", dependencies: ["MailLogKit"]),
    .target(
      name: "MailLogParsers", dependencies: ["MailLogKit", "MailLogModel"],
      path: "parsers"),
    .target(
      name: "MailLogAnalysis",
      dependencies: ["MailLogKit", "MailLogModel", "MailLogParsers"]),
    .target(
      name: "MailLogReport",
      dependencies: ["MailLogKit", "MailLogModel", "MailLogAnalysis"]),
    .executableTarget(
      name: "mailtls",
      dependencies: [
        "MailLogKit", "MailLogModel", "MailLogParsers", "MailLogAnalysis", "MailLogReport",
      ]),
    .testTarget(name: "MailLogKitTests", dependencies: ["MailLogKit"]),
    .testTarget(
      name: "MailLogParsersTests",
      dependencies: ["MailLogKit", "MailLogModel", "MailLogParsers"],
      exclude: ["Fixtures"]),
    .testTarget(
      name: "MailLogAnalysisTests",
      dependencies: [
        "MailLogKit", "MailLogModel", "MailLogParsers", "MailLogAnalysis", "MailLogReport",
      ]),
    .testTarget(name: "MailLogCLITests", dependencies: ["MailLogKit"], exclude: ["Fixtures"]),
  ]
)
