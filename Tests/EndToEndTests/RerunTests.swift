import Foundation
import TestSupport
import Testing

/// Input processed again with the same `--state` (a rerun of the same file, a restarted
/// `tail -n +1 -F`): nothing is written again, and no older value is written over a newer one.
@Suite(.timeLimit(.minutes(10))) struct RerunTests {
  /// The field test's case in small: a lead skipped `no_email` the first time (the identify
  /// came later) is eligible with what was learned since, and would write its older lead source
  /// over the newer one; older traits replayed would bring back an older job title.
  static let stream = [
    Events.line([
      "type": "track", "anonymousId": "a1", "event": "Lead Generated", "messageId": "m-1",
      "properties": ["lead_source": "Partner referral"],
    ]),
    Events.identify("a1", email: "ada@example.com", name: "Ada Lovelace", title: "Engineer"),
    Events.line([
      "type": "track", "anonymousId": "a1", "event": "Lead Generated", "messageId": "m-3",
      "properties": ["lead_source": "Webinar: Data 101"],
    ]),
    Events.line([
      "type": "identify", "anonymousId": "a1", "messageId": "m-4", "traits": ["title": "CTO"],
    ]),
  ].joined()

  private static func text(_ person: [String: Any], _ slug: String) -> String? {
    (person[slug] as? [[String: Any]])?.first?["value"] as? String
  }

  @Test func aRerunWithTheSameStateWritesNothing() async throws {
    let path = temporaryPath("state.bin")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let mock = try await MockAttio()
    let arguments = ["deliver", "--state", path]
    let first = try await BinaryRunner.run(
      arguments, stdin: Data(Self.stream.utf8), environment: mock.environment)
    #expect(first.status == 0, "\(first.stderrText)")
    #expect(MockAttioResults(first).statuses == ["upserted", "upserted", "upserted"])
    let stats = try await mock.stats()
    let writes = stats["writes"] as? Int
    // The summary counts write plans, as the mock counts writes (events merged into one plan
    // count once).
    let creates = stats["creates"] as? Int ?? -1
    let patches = stats["patches"] as? Int ?? -1
    #expect(
      first.stderrText.contains("created: \(creates), updated: \(patches)"), "\(first.stderrText)")
    let second = try await BinaryRunner.run(
      arguments, stdin: Data(Self.stream.utf8), environment: mock.environment)
    #expect(second.status == 0, "\(second.stderrText)")
    #expect(try await mock.stats()["writes"] as? Int == writes)
    // The lead skipped the first time is eligible now: it is reported, not sent.
    #expect(MockAttioResults(second).statuses == Array(repeating: "duplicate", count: 4))
    #expect(results(second).first?["messageId"] as? String == "m-1")
    #expect(second.stderrText.contains("duplicate: 4"))
    let ada = try #require(try await mock.person("ada@example.com"))
    #expect(Self.text(ada, "description") == "Webinar: Data 101")
    #expect(Self.text(ada, "job_title") == "CTO")
  }

  @Test func buildSkipsEventsSeenBeforeUnlessToldNotTo() async throws {
    let path = temporaryPath("state.bin")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let first = try await BinaryRunner.run(["--state", path], stdin: Data(Self.stream.utf8))
    #expect(first.stdout.split(separator: UInt8(ascii: "\n")).count == 3)
    let second = try await BinaryRunner.run(["--state", path], stdin: Data(Self.stream.utf8))
    #expect(second.status == 0)
    #expect(second.stdoutText.isEmpty)
    #expect(second.stderrText.contains("duplicate 4"), "\(second.stderrText)")
    let again = try await BinaryRunner.run(
      ["--state", path, "--no-dedupe"], stdin: Data(Self.stream.utf8))
    #expect(again.stdout.split(separator: UInt8(ascii: "\n")).count == 4)
  }

  /// Two devices of one person, each its own profile (no userId joins them): the phone never
  /// heard of the new job title, and its later sign-up must not write the old one back — in
  /// the same run, nor in the next one (what was written is kept in `--state`).
  @Test func anOlderValueIsNeverWrittenOverANewerOne() async throws {
    let path = temporaryPath("state.bin")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let mock = try await MockAttio()
    let arguments = ["deliver", "--write-mode", "assert", "--state", path]
    let first = try await BinaryRunner.run(
      arguments,
      stdin: Data(
        (Events.identify("phone", email: "ada@example.com", title: "Engineer")
          + Events.identify("laptop", email: "ada@example.com", title: "CTO")
          + Events.track("phone", message: "t-1")).utf8),
      environment: mock.environment)
    #expect(first.status == 0, "\(first.stderrText)")
    let ada = try #require(try await mock.person("ada@example.com"))
    #expect(Self.text(ada, "job_title") == "CTO")
    let second = try await BinaryRunner.run(
      arguments, stdin: Data(Events.track("phone", message: "t-2").utf8),
      environment: mock.environment)
    #expect(second.status == 0, "\(second.stderrText)")
    let later = try #require(try await mock.person("ada@example.com"))
    #expect(Self.text(later, "job_title") == "CTO")
  }
}
