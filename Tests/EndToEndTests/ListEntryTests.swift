import Foundation
import TestSupport
import Testing

/// `--list-entry` and `--forward-only`: a person's entry in an Attio list, delivered against
/// the mock's lists (`trials`: stage Lead < Trial < Customer < Churned, plan a select).
@Suite struct ListEntryTests {
  private static let trial = ["--list-entry", "Trial Started=trials:stage=Trial,plan=Pro"]
  private static let converted = ["--list-entry", "Converted=trials:stage=Customer"]

  private static func events(_ names: [String], email: String = "ada@acme.com") -> String {
    var lines = [
      Events.line([
        "type": "identify", "userId": "u1", "messageId": "i-\(UUID().uuidString)",
        "traits": ["email": email, "name": "Ada Lovelace"],
      ])
    ]
    for name in names {
      lines.append(
        Events.line([
          "type": "track", "event": name, "userId": "u1", "messageId": "t-\(UUID().uuidString)",
        ]))
    }
    return lines.joined(separator: "\n") + "\n"
  }

  private func deliver(_ mock: MockAttio, _ input: String, _ options: [String]) async throws
    -> BinaryRunner.Result
  {
    try await BinaryRunner.run(
      ["deliver"] + options, stdin: Data(input.utf8), environment: mock.environment)
  }

  /// The entry's stored values as `slug=title`.
  private func values(_ entry: [String: Any]) -> [String] {
    (entry["values"] as? [String: Any] ?? [:]).map { slug, value in
      let item = (value as? [[String: Any]])?.first ?? [:]
      return "\(slug)=\(item["status"] ?? item["option"] ?? item["value"] ?? "?")"
    }.sorted()
  }

  @Test func theEntryIsMadeOnceAndItsStageOnlyMovesForward() async throws {
    let mock = try await MockAttio()
    let options = Self.trial + Self.converted + ["--forward-only", "stage"]
    let first = try await deliver(mock, Self.events(["Trial Started", "Converted"]), options)
    #expect(first.status == 0, "\(first.stderrText)")
    var entries = try await mock.entries(of: "trials")
    #expect(entries.count == 1)
    #expect(values(try #require(entries.first)) == ["plan=Pro", "stage=Customer"])
    // A second run, which remembers nothing: a Trial Started again does not move the
    // customer back, and makes no second entry.
    let second = try await deliver(mock, Self.events(["Trial Started"]), options)
    #expect(second.status == 0, "\(second.stderrText)")
    entries = try await mock.entries(of: "trials")
    #expect(entries.count == 1)
    #expect(values(try #require(entries.first)) == ["plan=Pro", "stage=Customer"])
    let linked = results(second).last?["linked"] as? [[String: Any]] ?? []
    #expect(linked.first?["object"] as? String == "list_entries")
    #expect(linked.first?["action"] as? String == "asserted")
    // Without the switch the stage is set to what the event says.
    let third = try await deliver(mock, Self.events(["Trial Started"]), Self.trial)
    #expect(third.status == 0)
    #expect(
      values(try #require(try await mock.entries(of: "trials").first)).contains("stage=Trial"))
  }

  @Test func severalEntriesOfOnePersonAreReportedNotAddedTo() async throws {
    let mock = try await MockAttio()
    try await mock.seed(
      people: [["values": ["email_addresses": ["ada@acme.com"]]]],
      listEntries: [
        ["list": "trials", "parent": "ada@acme.com", "values": ["stage": "Lead"]],
        ["list": "trials", "parent": "ada@acme.com", "values": ["stage": "Trial"]],
      ])
    let run = try await deliver(mock, Self.events(["Trial Started"]), Self.trial)
    #expect(run.status == 1, "\(run.stdoutText)\(run.stderrText)")
    let failed = try #require(results(run).first { $0["status"] as? String == "failed" })
    #expect(failed["failed_object"] as? String == "list_entries")
    #expect((failed["error"] as? [String: Any])?["code"] as? String == "multiple_match_results")
    let entries = try await mock.entries(of: "trials")
    #expect(entries.count == 2)
    #expect(entries.allSatisfy { ($0["writes"] as? Int) == 0 })
  }

  @Test(arguments: [
    (["--list-entry", "Trial Started=nope"], "cannot read the lists --list-entry writes"),
    (["--list-entry", "Trial Started=key_accounts"], "holds companies records, not people"),
    (["--list-entry", "Trial Started=trials:stage=Won"], "unknown status \"Won\""),
    (["--list-entry", "Trial Started=trials:health=3"], "(number) cannot be written"),
    (
      ["--list-entry", "Trial Started=trials:plan=Pro", "--forward-only", "plan"],
      "it is a select, not a status attribute"
    ),
  ])
  func aListTheRunCannotWriteIsRefusedBeforeReading(_ options: [String], _ reason: String)
    async throws
  {
    let mock = try await MockAttio()
    let run = try await deliver(mock, Self.events(["Trial Started"]), options)
    #expect(run.status == 2)
    #expect(run.stderrText.contains(reason), "\(run.stderrText)")
    #expect(run.stdoutText.isEmpty)
    // Refused after reading the schema, before any write (or any read of a record).
    let requests = try await mock.requests()
    #expect(!requests.isEmpty)
    #expect(requests.allSatisfy { ($0["method"] as? String) == "GET" }, "\(requests)")
  }

  @Test func buildPipedIntoSendMakesTheSameEntry() async throws {
    let mock = try await MockAttio()
    let built = try await BinaryRunner.run(
      ["build"] + Self.trial, stdin: Data(Self.events(["Trial Started"]).utf8))
    #expect(built.status == 0)
    #expect(
      built.stdoutText.contains(
        #"{"object":"list_entries","list":"trials","data":{"values":{"email_addresses":[{"email_address":"ada@acme.com"}],"stage":"Trial","plan":"Pro"}}}"#
      ))
    let sent = try await BinaryRunner.run(
      ["send"], stdin: built.stdout, environment: mock.environment)
    #expect(sent.status == 0, "\(sent.stdoutText)\(sent.stderrText)")
    let entries = try await mock.entries(of: "trials")
    #expect(entries.count == 1)
    #expect(values(try #require(entries.first)) == ["plan=Pro", "stage=Trial"])
  }

  @Test func buildTypesTheValuesByTheListsSavedSchema() async throws {
    let mock = try await MockAttio()
    let schema = temporaryPath("lists-schema.json")
    defer { try? FileManager.default.removeItem(atPath: schema) }
    let options = ["--list-entry", "Trial Started=trials:stage=Trial,score=5"]
    let check = try await BinaryRunner.run(
      ["check", "--save-schema", schema] + options, environment: mock.environment)
    #expect(check.status == 0, "\(check.stdoutText)")
    let built = try await BinaryRunner.run(
      ["build", "--schema", schema] + options, stdin: Data(Self.events(["Trial Started"]).utf8))
    #expect(built.status == 0, "\(built.stderrText)")
    #expect(built.stdoutText.contains(#""stage":[{"status":"Trial"}],"score":[{"value":5}]"#))
    // A value the saved list cannot take is refused before reading.
    let refused = try await BinaryRunner.run(
      ["build", "--schema", schema, "--list-entry", "Trial Started=trials:stage=Won"],
      stdin: Data(Self.events(["Trial Started"]).utf8))
    #expect(refused.status == 2)
    #expect(refused.stderrText.contains("unknown status \"Won\""))
  }

  @Test func anEntryWithoutValuesIsReplayedBySendAndAValueCanComeBack() async throws {
    let mock = try await MockAttio()
    // No entry values: the line names only its person, whose own line comes just before.
    let built = try await BinaryRunner.run(
      ["build", "--list-entry", "Identified=inbound_leads"],
      stdin: Data(Self.events([]).utf8))
    let sent = try await BinaryRunner.run(
      ["send"], stdin: built.stdout, environment: mock.environment)
    #expect(sent.status == 0, "\(sent.stdoutText)\(sent.stderrText)")
    #expect(try await mock.entries(of: "inbound_leads").count == 1)
    let entryResult = try #require(results(sent).last)
    #expect(entryResult["object"] as? String == "list_entries")
    #expect(entryResult["entry_id"] is String)
    // Without --forward-only a value that comes back in one run is written again.
    let run = try await deliver(
      mock, Self.events(["Trial Started", "Converted", "Trial Started"]),
      Self.trial + Self.converted)
    #expect(run.status == 0, "\(run.stderrText)")
    #expect(
      values(try #require(try await mock.entries(of: "trials").first)).contains("stage=Trial"))
  }
}
