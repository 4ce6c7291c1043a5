import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore

/// `--signal` in stage two: which events move a person's signals, which upserts carry them,
/// and when they are written on their own.
@Suite struct EventProcessorSignalTests {
  private static let signals = SignalSettings(
    specs: [
      SignalSpec(kind: .lastSeen, slug: "last"), SignalSpec(kind: .firstSeen, slug: "first"),
      SignalSpec(kind: .count(event: "Feature Used"), slug: "uses"),
    ],
    interval: 3_600_000)

  private struct Run {
    var processor: EventProcessor

    init(identities: IdentityStore? = nil, seen: SeenMessages? = nil) {
      var configuration = EventProcessor.Configuration()
      configuration.signals = EventProcessorSignalTests.signals
      processor = EventProcessor(configuration, identities: identities, seen: seen)
    }

    /// Each line's outcome: its person's attributes (`slug=value`, email first), "signals
    /// only" marked, or how it was skipped.
    mutating func callAsFunction(_ lines: [String]) -> [String] {
      lines.map { line in
        let (scanned, bytes) = scanLine(
          line, counted: EventProcessorSignalTests.signals.countedEvents)
        let outcome = bytes.withUnsafeBufferPointer { processor.process(scanned, line: $0) }
        switch outcome {
        case .person(let values, _):
          let mapped = values.mapped.map {
            "\($0.slug)=\(String(decoding: $0.value, as: UTF8.self))"
          }
          return ([(values.signalsOnly ? "only " : "") + values.email] + mapped)
            .joined(separator: " ")
        case .skipped(let reason): return "skipped \(reason)"
        case .duplicate: return "duplicate"
        default: return "\(outcome)"
        }
      }
    }
  }

  private static func event(
    _ type: String, _ minute: Int, id: String, anonymousId: String? = nil,
    userId: String? = nil, name: String? = nil, email: String? = nil
  ) -> String {
    var fields = [#""type":"\#(type)""#, #""messageId":"\#(id)""#]
    fields.append(
      #""timestamp":"2026-12-01T\#(String(format: "%02d:%02d", 9 + minute / 60, minute % 60)):00Z""#
    )
    if let anonymousId { fields.append(#""anonymousId":"\#(anonymousId)""#) }
    if let userId { fields.append(#""userId":"\#(userId)""#) }
    if let name { fields.append(#""event":"\#(name)""#) }
    if let email { fields.append(#""traits":{"email":"\#(email)"}"#) }
    return "{" + fields.joined(separator: ",") + "}"
  }

  @Test func signalsRideWithUpsertsAndAloneOnlyOncePerInterval() {
    var run = Run()
    let outcomes = run([
      Self.event("page", 0, id: "1", anonymousId: "a"),
      Self.event("track", 5, id: "2", anonymousId: "a", name: "Feature Used"),
      Self.event("identify", 10, id: "3", anonymousId: "a", userId: "u", email: "ada@x.io"),
      Self.event("track", 20, id: "4", userId: "u", name: "Feature Used"),
      // The same event again: not counted twice.
      Self.event("track", 20, id: "4", userId: "u", name: "Feature Used"),
      Self.event("page", 69, id: "5", userId: "u"),
      Self.event("page", 70, id: "6", userId: "u"),
      Self.event("page", 80, id: "7", userId: "u"),
      // Nothing new since the last write: nothing to write, however late.
      Self.event("page", 200, id: "8", userId: "u"),
    ])
    #expect(
      outcomes == [
        "skipped notEnabled", "skipped notEnabled",
        #"ada@x.io last="2026-12-01T09:10:00.000Z" first="2026-12-01T09:00:00.000Z" uses=1"#,
        "skipped notEnabled", "duplicate", "skipped notEnabled",
        #"only ada@x.io last="2026-12-01T10:10:00.000Z" first="2026-12-01T09:00:00.000Z" uses=2"#,
        "skipped notEnabled",
        #"only ada@x.io last="2026-12-01T12:20:00.000Z" first="2026-12-01T09:00:00.000Z" uses=2"#,
      ])
  }

  @Test func aVisitorWithoutAnUpsertIsNeverWrittenForSignalsAlone() {
    var run = Run()
    let outcomes = run([
      Self.event("page", 0, id: "1", anonymousId: "a"),
      // An email, but no eligible event (identify is one by default: not with this name).
      Self.event("track", 1, id: "2", anonymousId: "a", name: "Feature Used"),
      Self.event("page", 300, id: "3", anonymousId: "a"),
    ])
    #expect(outcomes.allSatisfy { $0.hasPrefix("skipped") })
  }

  @Test func twoDevicesOfOnePersonAddUpWhenTheyAreLinked() {
    var run = Run()
    let outcomes = run([
      Self.event("track", 0, id: "1", anonymousId: "phone", name: "Feature Used"),
      Self.event("identify", 1, id: "2", anonymousId: "phone", userId: "u", email: "ada@x.io"),
      Self.event("track", 2, id: "3", anonymousId: "laptop", name: "Feature Used"),
      Self.event("track", 3, id: "4", anonymousId: "laptop", name: "Feature Used"),
      Self.event("track", 4, id: "5", anonymousId: "laptop", userId: "u", name: "Logged In"),
    ])
    #expect(outcomes[4].hasSuffix("uses=3"))
    #expect(outcomes[4].contains(#"first="2026-12-01T09:00:00.000Z""#))
  }

  @Test func theCountsSurviveTheStateFile() throws {
    var first = Run()
    _ = first([
      Self.event("identify", 0, id: "1", anonymousId: "a", userId: "u", email: "ada@x.io"),
      Self.event("track", 1, id: "2", userId: "u", name: "Feature Used"),
    ])
    let saved = IdentitySection.encode(first.processor.identities, first.processor.seen)
    let (store, seen) = try IdentitySection.decode(saved)
    var second = Run(identities: store, seen: seen)
    let outcomes = second([
      // A replay of the first run's event is recognised; a new one adds to the saved count.
      Self.event("track", 1, id: "2", userId: "u", name: "Feature Used"),
      Self.event("track", 2, id: "3", userId: "u", name: "Feature Used"),
      Self.event("track", 3, id: "4", userId: "u", name: "Logged In"),
    ])
    #expect(outcomes[0] == "duplicate")
    #expect(outcomes[2].hasSuffix("uses=2"))
    // A run without --signal keeps the saved signals as they were.
    let (unconfigured, unconfiguredSeen) = try IdentitySection.decode(saved)
    #expect(IdentitySection.encode(unconfigured, unconfiguredSeen) == saved)
  }
}
