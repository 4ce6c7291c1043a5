import Foundation
import TestSupport
import Testing

/// A standard trait longer than a profile keeps (4 KiB) is written whole by the event that
/// carries it; the profile remembers it cut short, so later events write that copy.
@Suite(.timeLimit(.minutes(10))) struct LongTraitTests {
  private static let longTitle = String(repeating: "Head of ", count: 625)  // 5000 bytes
  private static let longFirst = String(repeating: "é", count: 3000)  // 6000 bytes

  private func values(_ line: Substring) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
    return (object?["data"] as? [String: Any])?["values"] as? [String: Any] ?? [:]
  }

  private func title(_ values: [String: Any]) -> String? {
    ((values["job_title"] as? [[String: Any]])?.first)?["value"] as? String
  }

  private func firstName(_ values: [String: Any]) -> String? {
    ((values["name"] as? [[String: Any]])?.first)?["first_name"] as? String
  }

  @Test func theEventThatCarriesALongTraitWritesItWhole() async throws {
    let events =
      Events.line([
        "type": "identify", "anonymousId": "v1", "messageId": "m1",
        "traits": [
          "email": "ada@example.com", "job_title": Self.longTitle, "first_name": Self.longFirst,
          "last_name": "Lovelace",
        ],
      ]) + Events.track("v1")
    let run = try await BinaryRunner.run(["build"], stdin: Data(events.utf8))
    #expect(run.status == 0)
    let lines = run.stdoutText.split(separator: "\n")
    try #require(lines.count == 2)
    let own = try values(lines[0])
    #expect(title(own) == Self.longTitle.trimmingCharacters(in: .whitespaces))
    #expect(firstName(own) == Self.longFirst)
    #expect(
      ((own["name"] as? [[String: Any]])?.first)?["full_name"] as? String
        == Self.longFirst + " Lovelace")
    // The Signed Up that follows writes what the profile kept: 4096 bytes at most, cut at a
    // character boundary.
    let later = try values(lines[1])
    #expect(title(later)?.utf8.count == 4096)
    #expect(Self.longTitle.hasPrefix(title(later) ?? "-"))
    #expect(firstName(later)?.utf8.count == 4096)
    #expect(Self.longFirst.hasPrefix(firstName(later) ?? "-"))
  }

  @Test func anEventWithoutIdsWritesItsLongTraitWhole() async throws {
    let event = Events.line([
      "type": "identify", "messageId": "m1",
      "traits": ["email": "ada@example.com", "job_title": Self.longTitle],
    ])
    let run = try await BinaryRunner.run(["build"], stdin: Data(event.utf8))
    #expect(run.status == 0)
    let line = try #require(run.stdoutText.split(separator: "\n").first)
    #expect(title(try values(line)) == Self.longTitle.trimmingCharacters(in: .whitespaces))
  }
}
