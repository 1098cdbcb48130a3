// EscapeTests.swift: log text is made safe for a terminal (no control bytes, no bidi
// overrides), HTML (markup escaped), CSV (quoted, formulas defused) and JSON.

import MailLogKit
import XCTest

final class EscapeTests: XCTestCase {
  func testTerminalShowsControlCharactersAsHex() {
    XCTAssertEqual(Escape.terminal("a\u{1B}[31mred\u{1B}[0m"), "a\\x1B[31mred\\x1B[0m")
    XCTAssertEqual(Escape.terminal("bell\u{07} cr\r lf\n nul\u{0}"), "bell\\x7 cr\\xD lf\\xA nul\\x0")
    XCTAssertEqual(Escape.terminal("del\u{7F} csi\u{9B}2J"), "del\\x7F csi\\x9B2J")
    XCTAssertEqual(Escape.terminal("tab\there"), "tab here")
  }

  func testTerminalDefusesBidiOverridesAndLineSeparators() {
    XCTAssertEqual(Escape.terminal("abc\u{202E}fed"), "abc\\x202Efed")
    XCTAssertEqual(Escape.terminal("x\u{2066}y\u{2069}"), "x\\x2066y\\x2069")
    XCTAssertEqual(Escape.terminal("1\u{2028}2\u{2029}"), "1\\x20282\\x2029")
  }

  func testTerminalKeepsOrdinaryText() {
    let line = "Untrusted TLS connection established to h5.d8.example.com[2001:db8::3]:25: Grüße €"
    XCTAssertEqual(Escape.terminal(line), line)
    XCTAssertEqual(Escape.terminal(""), "")
  }

  func testHTML() {
    XCTAssertEqual(
      Escape.html("<script>alert(\"x\" & 'y')</script>"),
      "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;")
    XCTAssertEqual(Escape.html("a\u{1B}b\nc\td"), "a&#xFFFD;b\nc\td")
    XCTAssertEqual(Escape.html("user1@example.com"), "user1@example.com")
  }

  func testCSVDefusesFormulas() {
    XCTAssertEqual(Escape.csv("=HYPERLINK(\"http://x\")"), "\"'=HYPERLINK(\"\"http://x\"\")\"")
    XCTAssertEqual(Escape.csv("=1+2"), "'=1+2")
    XCTAssertEqual(Escape.csv("+4915112345"), "'+4915112345")
    XCTAssertEqual(Escape.csv("-2+3"), "'-2+3")
    XCTAssertEqual(Escape.csv("@SUM(A1)"), "'@SUM(A1)")
    XCTAssertEqual(Escape.csv("\tx"), "'\tx")
    XCTAssertEqual(Escape.csv("\rx"), "\"'\rx\"")
  }

  func testCSVQuotesOnlyWhenNeeded() {
    XCTAssertEqual(Escape.csv("d8.example.com"), "d8.example.com")
    XCTAssertEqual(Escape.csv(""), "")
    XCTAssertEqual(Escape.csv("a,b"), "\"a,b\"")
    XCTAssertEqual(Escape.csv("say \"hi\""), "\"say \"\"hi\"\"\"")
    XCTAssertEqual(Escape.csv("two\nlines"), "\"two\nlines\"")
    XCTAssertEqual(Escape.csv("one\rcr"), "\"one\rcr\"")
    // CR LF is one Character in Swift; the field must still be quoted.
    XCTAssertEqual(Escape.csv("crlf\r\nline"), "\"crlf\r\nline\"")
    XCTAssertEqual(Escape.csv("x=1"), "x=1")
  }

  func testJSONString() {
    XCTAssertEqual(Escape.json("plain"), "\"plain\"")
    XCTAssertEqual(Escape.json("q\" b\\ n\n r\r t\t"), "\"q\\\" b\\\\ n\\n r\\r t\\t\"")
    XCTAssertEqual(Escape.json("esc\u{1B} nul\u{0} us\u{1F}"), "\"esc\\u001b nul\\u0000 us\\u001f\"")
    XCTAssertEqual(Escape.json("ls\u{2028}ps\u{2029}"), "\"ls\\u2028ps\\u2029\"")
    XCTAssertEqual(Escape.json("Grüße 😀 /"), "\"Grüße 😀 /\"")
  }
}
