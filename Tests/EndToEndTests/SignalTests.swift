import Foundation
import TestSupport
import Testing

/// `--signal`: last seen, first seen and counts, from the built binary on
/// `fixtures/signals.ndjson` (two people, pages before they identify, a replayed event, a
/// second device, an event out of order), written to the mock's timestamp, date and number
/// attributes.
@Suite struct SignalTests {
  private static let fixture = BinaryRunner.fixtures.appendingPathComponent("signals.ndjson")

  private static let signals = [
    "--signal", "last_seen=signed_up_at", "--signal", "first_seen=trial_ends_on",
    "--signal", "count:Feature Used=seats",
  ]

  /// The signals of the golden case `fixtures/e2e/signals.args`.
  private static let goldenSignals = [
    "--signal", "last_seen=last_seen_at", "--signal", "first_seen=first_seen_at",
    "--signal", "count:Feature Used=feature_uses",
  ]

  /// A value the mock holds, as text (`[{"value": 2}]` → `2`).
  private static func text(_ value: Any?) -> String {
    if let items = value as? [Any], let first = items.first { return text(first) }
    if let item = value as? [String: Any], let inner = item["value"] { return text(inner) }
    return value.map { "\($0)" } ?? "nil"
  }

  @Test(arguments: ["merge", "assert"])
  func deliveredSignalsLandInTheirAttributes(mode: String) async throws {
    let mock = try await MockAttio()
    let run = try await BinaryRunner.run(
      ["deliver", "--write-mode", mode] + Self.signals + [Self.fixture.path],
      environment: mock.environment)
    #expect(run.status == 0, "\(run.stderrText)")
    // Six results: four upserts of Ada (two with the signals alone), two of Grace.
    #expect(results(run).count == 6)
    let ada = try #require(try await mock.person("ada@acme.com"))
    #expect(Self.text(ada["signed_up_at"]).hasPrefix("2026-12-01T10:30:00"))
    #expect(Self.text(ada["trial_ends_on"]) == "2026-12-01")
    #expect(Self.text(ada["seats"]) == "2")
    let grace = try #require(try await mock.person("grace@hopper.dev"))
    #expect(Self.text(grace["signed_up_at"]).hasPrefix("2026-12-01T09:55:00"))
    #expect(Self.text(grace["seats"]) == "2")
  }

  @Test func aRestartWithTheStateContinuesAndTheReplayedPartWritesNothing() async throws {
    let state = temporaryPath("signals-state")
    defer { try? FileManager.default.removeItem(atPath: state) }
    let lines = try String(contentsOf: Self.fixture, encoding: .utf8)
      .split(separator: "\n").map { $0 + "\n" }
    // The first nine lines, then the whole file again (as `tail -n +1 -F` after a restart).
    let first = try await BinaryRunner.run(
      ["build", "--state", state] + Self.goldenSignals, stdin: Data(lines.prefix(9).joined().utf8))
    let second = try await BinaryRunner.run(
      ["build", "--state", state] + Self.goldenSignals, stdin: Data(lines.joined().utf8))
    #expect(first.status == 0 && second.status == 0, "\(first.stderrText)\(second.stderrText)")
    let golden = try String(
      contentsOf: BinaryRunner.fixtures.appendingPathComponent("e2e/signals.stdout"),
      encoding: .utf8)
    #expect(first.stdoutText + second.stdoutText == golden)
  }

  @Test(arguments: [
    (
      "last_seen=plan",
      "attribute 'plan' is a select; this signal needs a single timestamp or date attribute"
    ),
    (
      "count:Feature Used=signed_up_at",
      "attribute 'signed_up_at' is a timestamp; this signal needs a single number attribute"
    ),
    ("last_seen=nope", "the people object has no attribute 'nope'"),
  ])
  func aSignalTheWorkspaceCannotTakeIsRefusedBeforeReading(_ signal: String, _ reason: String)
    async throws
  {
    let mock = try await MockAttio()
    let run = try await BinaryRunner.run(
      ["deliver", "--signal", signal, Self.fixture.path], environment: mock.environment)
    #expect(run.status == 2)
    #expect(run.stderrText.contains("--signal \(signal): \(reason)"), "\(run.stderrText)")
    #expect(run.stdoutText.isEmpty)
    // Refused after reading the schema, before any write (or any read of a record).
    let requests = try await mock.requests()
    #expect(!requests.isEmpty)
    #expect(requests.allSatisfy { ($0["method"] as? String) == "GET" }, "\(requests)")
  }
}
