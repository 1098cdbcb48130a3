// HistoryPlanTests.swift: calendar-day arithmetic and bounds (month ends, leap years,
// year rollover, 23- and 25-hour DST days in Europe/London), which days a run may
// store in the history, and the content-time order of inputs.

import Foundation
import MailLogAnalysis
import MailLogModel
import XCTest

final class HistoryPlanTests: XCTestCase {
  func testCalendarDayArithmetic() {
    let d = CalendarDay("2025-12-31")!
    XCTAssertEqual(d.next.description, "2026-01-01")
    XCTAssertEqual(CalendarDay("2026-01-01")!.previous.description, "2025-12-31")
    XCTAssertEqual(CalendarDay("2024-02-28")!.next.description, "2024-02-29")
    XCTAssertEqual(CalendarDay("2026-02-28")!.next.description, "2026-03-01")
    XCTAssertEqual(CalendarDay("2026-03-01")!.previous.description, "2026-02-28")
    XCTAssertEqual(CalendarDay("2026-07-15")!.adding(days: -29).description, "2026-06-16")
    XCTAssertEqual(CalendarDay("2026-07-15")!.adding(days: 30).description, "2026-08-14")
    XCTAssertNil(CalendarDay("2026-02-29"))
    XCTAssertNil(CalendarDay("2026-13-01"))
    XCTAssertNil(CalendarDay("2026-07-15x"))
    XCTAssertNil(CalendarDay("26-07-15"))
    XCTAssertTrue(CalendarDay("2025-12-31")! < CalendarDay("2026-01-01")!)
  }

  func testDayBoundsAcrossDSTInLondon() {
    NightlyFixture.withZone(NightlyFixture.london) {
      let clock = LocalClock()
      // Spring forward: 23 hours, starting at midnight GMT.
      let spring = CalendarDay("2026-03-29")!.bounds(clock)!
      XCTAssertEqual(spring.start, NightlyFixture.utc(2026, 3, 29, 0))
      XCTAssertEqual(spring.end - spring.start, 23 * 3600)
      // Fall back: 25 hours; the day starts at midnight BST = 23:00 UTC the day before.
      let autumn = CalendarDay("2026-10-25")!.bounds(clock)!
      XCTAssertEqual(autumn.start, NightlyFixture.utc(2026, 10, 24, 23))
      XCTAssertEqual(autumn.end - autumn.start, 25 * 3600)
      // 00:30 BST on 1 April is still 31 March in UTC but 1 April locally.
      XCTAssertEqual(
        CalendarDay(NightlyFixture.utc(2026, 3, 31, 23, 30), clock: clock).description, "2026-04-01"
      )
      XCTAssertEqual(
        CalendarDay(NightlyFixture.utc(2026, 3, 31, 23, 30), clock: LocalClock(utc: true))
          .description, "2026-03-31")
    }
  }

  private let clock = LocalClock(utc: true)
  private func t(_ d: Int, _ h: Int, _ m: Int = 0) -> LogTime {
    NightlyFixture.utc(2026, 7, d, h, m)
  }

  private func summary(_ ds: [DayDecision]) -> [String] {
    ds.map { "\($0.day) \($0.stored ? "stored" : "skipped")" }
  }

  func testNightlyWindowStoresYesterdayOnly() {
    // Input from 13 Jul 06:25 (rotation) to 16 Jul 00:20, window yesterday..today.
    let ds = HistoryPlan.decide(
      inputFirst: t(13, 6, 25), inputLast: t(16, 0, 20), since: t(15, 0), until: t(16, 0),
      clock: clock)
    XCTAssertEqual(summary(ds), ["2026-07-15 stored"])
    XCTAssertNil(ds[0].inputFrom)
    XCTAssertNil(ds[0].inputUntil)
  }

  func testWithoutWindowTheInputsPartialEdgeDaysAreLeftAlone() {
    let ds = HistoryPlan.decide(
      inputFirst: t(13, 6, 25), inputLast: t(16, 0, 20), since: nil, until: nil, clock: clock)
    XCTAssertEqual(
      summary(ds),
      ["2026-07-13 skipped", "2026-07-14 stored", "2026-07-15 stored", "2026-07-16 skipped"])
    XCTAssertEqual(
      ds[0].reason,
      "the input starts inside this day, at 2026-07-13T06:25:00Z (give the older rotated log too, or --since 2026-07-13 to store it anyway)"
    )
    XCTAssertEqual(
      ds[3].reason,
      "the input ends inside this day, at 2026-07-16T00:20:00Z (give --until 2026-07-17 to store it anyway)"
    )
  }

  func testGenericSinceNeverStoresAPartialFirstDay() {
    // --since -30d reaches far before the input: the first day is still partial.
    let ds = HistoryPlan.decide(
      inputFirst: t(13, 6, 25), inputLast: t(16, 0, 20), since: t(1, 0) - 20 * 86400, until: nil,
      clock: clock)
    XCTAssertEqual(
      summary(ds),
      ["2026-07-13 skipped", "2026-07-14 stored", "2026-07-15 stored", "2026-07-16 skipped"])
  }

  func testWindowNamingTheDayStoresItAndSaysWhereTheInputStarts() {
    let ds = HistoryPlan.decide(
      inputFirst: t(13, 6, 25), inputLast: t(13, 22, 10), since: t(13, 0), until: t(14, 0),
      clock: clock)
    XCTAssertEqual(summary(ds), ["2026-07-13 stored"])
    XCTAssertEqual(ds[0].inputFrom, t(13, 6, 25))
    XCTAssertEqual(ds[0].inputUntil, t(13, 22, 10))
  }

  func testWindowCuttingADayKeepsItOut() {
    let ds = HistoryPlan.decide(
      inputFirst: t(13, 0), inputLast: t(16, 12), since: t(14, 12), until: t(15, 18), clock: clock)
    XCTAssertEqual(summary(ds), ["2026-07-14 skipped", "2026-07-15 skipped"])
    XCTAssertEqual(
      ds.map { $0.reason! },
      ["the --since time is inside this day", "the --until time is inside this day"])
    // A window outside the input stores nothing.
    XCTAssertEqual(
      HistoryPlan.decide(
        inputFirst: t(13, 0), inputLast: t(13, 5), since: t(14, 0), until: nil, clock: clock), [])
    XCTAssertEqual(
      HistoryPlan.decide(inputFirst: nil, inputLast: nil, since: nil, until: nil, clock: clock), [])
  }

  func testDSTDayIsStoredAsOneWholeDay() {
    NightlyFixture.withZone(NightlyFixture.london) {
      let london = LocalClock()
      let day = CalendarDay("2026-10-25")!
      let (s, e) = day.bounds(london)!
      let ds = HistoryPlan.decide(
        inputFirst: s - 600, inputLast: e + 600, since: s, until: e, clock: london)
      XCTAssertEqual(ds.map { "\($0.day) \($0.stored)" }, ["2026-10-25 true"])
    }
  }

  func testInputOrderSortsFilesByFirstTimeAndKeepsStdinInPlace() {
    let times: [String: LogTime] = ["mail.log": 300, "mail.log.1": 200, "mail.log.2.gz": 100]
    XCTAssertEqual(
      InputOrder.sorted(["mail.log", "mail.log.1", "mail.log.2.gz"]) { times[$0] },
      ["mail.log.2.gz", "mail.log.1", "mail.log"])
    XCTAssertEqual(
      InputOrder.sorted(["mail.log", "-", "mail.log.2.gz", "empty.log", "mail.log.1"]) {
        times[$0]
      },
      ["mail.log.2.gz", "-", "mail.log.1", "mail.log", "empty.log"])
    // Equal times keep the order given.
    XCTAssertEqual(InputOrder.sorted(["b", "a"]) { _ in 5 }, ["b", "a"])
  }
}
