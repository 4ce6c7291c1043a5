import Testing

@testable import AttioPipeCore

/// `--signal`'s pieces: reading the option, the events' times, how a profile's signals
/// change, combine, wait for their interval and survive the state file.
@Suite struct SignalSettingsTests {
  @Test(arguments: [
    ("last_seen=last_seen_at", SignalSpec(kind: .lastSeen, slug: "last_seen_at")),
    (" first_seen = first_seen_at ", SignalSpec(kind: .firstSeen, slug: "first_seen_at")),
    ("count:Feature Used=uses", SignalSpec(kind: .count(event: "Feature Used"), slug: "uses")),
    // The slug is after the last '=': an event name may hold one.
    ("count:a=b=uses", SignalSpec(kind: .count(event: "a=b"), slug: "uses")),
  ])
  func optionsAreRead(_ text: String, _ expected: SignalSpec) throws {
    #expect(try SignalSpec.parse(text).get() == expected)
  }

  @Test(arguments: [
    ("last_seen", "needs NAME=SLUG"),
    ("last_seen=", "the slug is empty"),
    ("seen=x", "the signal is last_seen, first_seen or count:EVENT NAME"),
    ("count: =x", "count: needs the name of a track event"),
  ])
  func badOptionsSayWhy(_ text: String, _ reason: String) {
    guard case .failure(let error) = SignalSpec.parse(text) else {
      Issue.record("'\(text)' was accepted")
      return
    }
    #expect(error.message == "--signal '\(text)': \(reason)")
  }

  private static let now: Int64 = 1_796_083_200_000  // 2026-12-01T00:00:00Z

  private func time(_ text: String?, clock: inout EventClock) -> Int64 {
    guard let text else { return clock.time(of: nil, now: Self.now) }
    let bytes = Array(text.utf8)
    return bytes.withUnsafeBufferPointer { clock.time(of: $0, now: Self.now) }
  }

  @Test func theEventsTimestampIsItsTimeWhenSane() {
    var clock = EventClock()
    let time = { (text: String?) in self.time(text, clock: &clock) }
    #expect(time("2026-11-30T09:30:00.123Z") == 1_796_031_000_123)
    // The same hour again (read from the cached hour), then others.
    #expect(time("2026-11-30T09:59:59.9Z") == 1_796_032_799_900)
    #expect(time("2026-11-30T10:30:00.123+01:00") == 1_796_031_000_123)
    #expect(time("2026-11-30T09:30:00Z") == 1_796_031_000_000)
    #expect(time("2026-11-30 09:30:00Z") == 1_796_031_000_000)
    #expect(time("2026-11-29T09:30:00.000123Z") == 1_795_944_600_000)
    // What cannot be an event's time is the time it was read.
    #expect(time(nil) == Self.now)
    #expect(time("yesterday") == Self.now)
    #expect(time("2026-11-30") == Self.now)
    #expect(time("2026-11-30T09:61:00Z") == Self.now)
    #expect(time("2026-02-30T09:00:00Z") == Self.now)
    #expect(time("1999-12-31T23:59:59Z") == Self.now)
    #expect(time("2030-01-01T00:00:00Z") == Self.now)
  }

  @Test(arguments: [Int64(0), 1_796_031_000_123, 951_782_400_000, 4_102_444_799_999])
  func timesAreWrittenAsAttioReadsThem(_ milliseconds: Int64) throws {
    let text = ISODateTime.utcText(milliseconds: milliseconds)
    #expect(text.hasSuffix("Z") && text.count == 24)
    #expect(try #require(ISODateTime(text)).millisecondsSinceEpoch == milliseconds)
    #expect(ISODateTime.dateText(milliseconds: milliseconds) == String(text.prefix(10)))
  }

  private let settings = SignalSettings(specs: [
    SignalSpec(kind: .lastSeen, slug: "last"), SignalSpec(kind: .firstSeen, slug: "first"),
    SignalSpec(kind: .count(event: "Feature Used"), slug: "uses"),
    SignalSpec(kind: .count(event: "Exported"), slug: "exports"),
  ])

  private func table(slots: Int = 2) -> ProfileSignals {
    var signals = settings.profileSignals
    signals.reserve(slots)
    return signals
  }

  @Test func eventsMoveTheTimesOneWayAndCountTheirOwnSignal() {
    var signals = table()
    settings.record(&signals, profile: 0, time: 2_000, counted: -1)
    settings.record(&signals, profile: 0, time: 1_000, counted: 1)
    settings.record(&signals, profile: 0, time: 3_000, counted: 1)
    #expect((0..<4).map { signals.value(0, $0) } == [3_000, 1_000, 0, 2])
    #expect((0..<4).map { signals.value(1, $0) } == [0, 0, 0, 0])
  }

  @Test func twoProfilesOfOnePersonCombine() {
    var signals = table()
    settings.record(&signals, profile: 0, time: 5_000, counted: 0)
    signals.markWritten(0, at: 5_000)
    settings.record(&signals, profile: 1, time: 1_000, counted: 0)
    settings.record(&signals, profile: 1, time: 9_000, counted: 1)
    signals.absorb(1, into: 0)
    #expect((0..<4).map { signals.value(0, $0) } == [9_000, 1_000, 2, 1])
    // What was written stays the survivor's: the combined values are new to Attio.
    #expect(signals.written(0, 2) == 1 && signals.hasUnwritten(0))
    #expect(signals.lastWrite(0) == 5_000)
  }

  @Test func signalsAloneWaitForTheFirstUpsertThenForTheInterval() {
    var settings = self.settings
    settings.interval = 60_000
    var signals = table()
    settings.record(&signals, profile: 0, time: 1_000, counted: 0)
    #expect(!settings.isDue(signals, profile: 0, time: 1_000_000))
    signals.markWritten(0, at: 1_000)
    settings.record(&signals, profile: 0, time: 30_000, counted: 0)
    #expect(!settings.isDue(signals, profile: 0, time: 30_000))
    #expect(settings.isDue(signals, profile: 0, time: 61_000))
    // Nothing new, nothing due.
    signals.markWritten(0, at: 61_000)
    #expect(!settings.isDue(signals, profile: 0, time: 500_000))
    // A late event's write (an earlier time) does not move the last write back.
    settings.record(&signals, profile: 0, time: 5_000, counted: 0)
    signals.markWritten(0, at: 5_000)
    #expect(signals.lastWrite(0) == 61_000)
  }

  @Test func attributesAreTypedAndLeaveOutWhatIsNone() {
    var settings = self.settings
    var signals = table()
    settings.record(&signals, profile: 0, time: 1_796_031_000_123, counted: 1)
    let text = { (attributes: [MappedAttribute]) in
      attributes.map { "\($0.slug)=\(String(decoding: $0.value, as: UTF8.self))" }
    }
    #expect(
      text(settings.attributes(signals, profile: 0, sequence: 3)) == [
        #"last="2026-11-30T09:30:00.123Z""#, #"first="2026-11-30T09:30:00.123Z""#,
        "exports=1",
      ])
    settings.writesDate = [false, true, false, false]
    #expect(
      text(settings.attributes(signals, profile: 0, sequence: 3))[1] == #"first="2026-11-30""#)
  }

  @Test func theStateTextFindsEachSignalWhateverTheOptionOrder() throws {
    var signals = table()
    settings.record(&signals, profile: 1, time: 7_000, counted: 0)
    signals.markWritten(1, at: 7_000)
    settings.record(&signals, profile: 1, time: 8_000, counted: 0)
    #expect(signals.stateText(of: 0) == nil)
    let text = try #require(signals.stateText(of: 1))
    // The same signals in another order, one of them no longer asked for.
    let reordered = SignalSettings(specs: [
      SignalSpec(kind: .count(event: "feature used"), slug: "uses"),
      SignalSpec(kind: .lastSeen, slug: "last"),
    ])
    var restored = reordered.profileSignals
    restored.reserve(2)
    restored.restore(1, from: text)
    #expect(restored.value(1, 0) == 2 && restored.written(1, 0) == 1)
    #expect(restored.value(1, 1) == 8_000 && restored.written(1, 1) == 7_000)
    #expect(restored.lastWrite(1) == 7_000)
    // Text that is not ours is ignored, and so are numbers no time or count can be.
    restored.restore(0, from: "zz:1:2;@x")
    #expect(restored.value(0, 0) == 0 && restored.lastWrite(0) == 0)
    restored.restore(
      0, from: "\(String(reordered.specs[1].stateKey, radix: 16)):-5:1;@-9223372036854775808")
    #expect(restored.value(0, 1) == 0 && restored.lastWrite(0) == 0)
  }
}
