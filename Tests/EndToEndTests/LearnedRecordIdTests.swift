import Foundation
import TestSupport
import Testing

/// Merge mode's learned record ids (kept in `--state`) and email changes racing the previous
/// email's own writes, against the mock's record model.
@Suite struct LearnedRecordIdTests {
  private func person(_ id: String, _ message: String, _ traits: [String: Any]) -> String {
    Events.line(["type": "identify", "anonymousId": id, "messageId": message, "traits": traits])
  }

  /// The first run: Ada's `identify` is delivered with `--state`; her result.
  private func firstRun(_ mock: MockAttio, state: String) async throws -> [String: Any] {
    let first = try await BinaryRunner.run(
      ["deliver", "--state", state],
      stdin: Data(person("a", "m1", ["email": "ada@example.com", "job_title": "CTO"]).utf8),
      environment: mock.environment)
    #expect(first.status == 0, "\(first.stderrText)")
    return try #require(results(first).first)
  }

  /// Run, stop, rerun with the same `--state`: the second run reads the record by id (GET)
  /// instead of querying for the email, and still computes its write from the record.
  @Test func aRerunWithTheStateReadsTheRecordByIdInsteadOfQuerying() async throws {
    let mock = try await MockAttio()
    let state = temporaryPath("ids.state")
    defer { try? FileManager.default.removeItem(atPath: state) }
    let created = try await firstRun(mock, state: state)
    #expect(created["action"] as? String == "created")
    let recordId = try #require(created["record_id"] as? String)
    #expect(try await mock.requests().map { $0["endpoint"] as? String } == ["query", "create"])

    // Someone edits the record in Attio meanwhile: a phone is added.
    let requestsBefore = try await mock.requests().count
    let second = try await BinaryRunner.run(
      ["deliver", "--state", state, "--default-country", "GB"],
      stdin: Data(
        person(
          "a", "m2", ["email": "ada@example.com", "job_title": "CEO", "phone": "07911 123456"]
        )
        .utf8),
      environment: mock.environment)
    #expect(second.status == 0, "\(second.stderrText)")
    let updated = try #require(results(second).first)
    #expect(updated["action"] as? String == "updated")
    #expect(updated["record_id"] as? String == recordId)
    let later = try await mock.requests().dropFirst(requestsBefore)
    #expect(later.map { $0["endpoint"] as? String } == ["get", "patch"])
    #expect(later.first?["record_id"] as? String == recordId)
    #expect(try await mock.people().count == 1)
    let held = try await mock.person("ada@example.com")
    #expect(held?["job_title"] as? [[String: String]] == [["value": "CEO"]])
  }

  /// A learned id whose record was deleted meanwhile: the GET's 404 forgets it and the
  /// email is queried once; nobody holds it, so the person is created again.
  @Test func aDeletedRecordsIdIsForgottenAndTheEmailQueried() async throws {
    let mock = try await MockAttio()
    let state = temporaryPath("ids.state")
    defer { try? FileManager.default.removeItem(atPath: state) }
    let gone = try #require(try await firstRun(mock, state: state)["record_id"] as? String)
    try await mock.delete(recordId: gone)
    let requestsBefore = try await mock.requests().count
    let second = try await BinaryRunner.run(
      ["deliver", "--state", state],
      stdin: Data(person("a", "m2", ["email": "ada@example.com", "job_title": "CEO"]).utf8),
      environment: mock.environment)
    #expect(second.status == 0, "\(second.stderrText)")
    #expect(
      try await mock.requests().dropFirst(requestsBefore).map { $0["endpoint"] as? String } == [
        "get", "query", "create",
      ])
    #expect(results(second).first?["action"] as? String == "created")
  }

  /// old@ is brand new and its create is slow; the profile's email changes to new@ and
  /// another visitor writes old@ again, with several requests in flight at once. new@'s plan
  /// waits for old@'s create (so it finds old@'s record and adds new@ to it rather than
  /// create a second person), and old@'s later write waits for new@'s whole plan (no two
  /// requests about one person overlap).
  @Test func anEmailChangeRacingThePreviousEmailsWritesMakesOneRecord() async throws {
    let mock = try await MockAttio(latencyMilliseconds: 50)
    try await mock.configure([
      "rules": [["endpoint": "create", "email": "old@example.com", "count": 1, "delay_ms": 700]]
    ])
    let input =
      person("u", "m1", ["email": "old@example.com", "job_title": "CTO"])
      + person("u", "m2", ["email": "new@example.com", "name": "Uma Lee"])
      + person("v", "m3", ["email": "old@example.com", "job_title": "Founder"])
    let run = try await BinaryRunner.run(
      ["deliver", "--concurrency", "8"], stdin: Data(input.utf8), environment: mock.environment)
    #expect(run.status == 0, "\(run.stderrText)")
    let people = try await mock.people()
    #expect(people.count == 1, "\(people)")
    #expect(
      Set(people.first?["email_addresses"] as? [String] ?? []) == [
        "old@example.com", "new@example.com",
      ])
    // Nothing lost: the name from new@'s event, the newest title from old@'s.
    let held = try await mock.person("new@example.com")
    #expect(held?["job_title"] as? [[String: String]] == [["value": "Founder"]])
    let name = (held?["name"] as? [[String: Any]])?.first?["full_name"] as? String
    #expect(name == "Uma Lee")
    let changed = try #require(results(run).first { $0["messageId"] as? String == "m2" })
    #expect(changed["email_added"] as? String == "new@example.com")
    let stats = try await mock.stats()
    #expect(stats["creates"] as? Int == 1)
    #expect(stats["max_concurrent_per_person"] as? Int == 1, "\(stats)")
  }

  /// The same with a second upsert of new@ right behind the first: it waits in new@'s lane,
  /// then reads the record new@ was added to, by the id the first one learned.
  @Test func aSecondUpsertOfTheNewEmailUsesTheRecordTheFirstAddedItTo() async throws {
    let mock = try await MockAttio(latencyMilliseconds: 50)
    try await mock.configure([
      "rules": [["endpoint": "create", "email": "old@example.com", "count": 1, "delay_ms": 500]]
    ])
    let input =
      person("u", "m1", ["email": "old@example.com"])
      + person("u", "m2", ["email": "new@example.com", "job_title": "CTO"])
      + Events.line([
        "type": "track", "anonymousId": "u", "event": "Signed Up", "messageId": "m3",
      ])
      + person("u", "m4", ["email": "new@example.com", "job_title": "CEO"])
    let run = try await BinaryRunner.run(
      ["deliver", "--concurrency", "8"], stdin: Data(input.utf8), environment: mock.environment)
    #expect(run.status == 0, "\(run.stderrText)")
    let people = try await mock.people()
    #expect(people.count == 1, "\(people)")
    let held = try await mock.person("new@example.com")
    #expect(held?["job_title"] as? [[String: String]] == [["value": "CEO"]])
    let stats = try await mock.stats()
    #expect(stats["creates"] as? Int == 1)
    #expect(stats["max_concurrent_per_person"] as? Int == 1, "\(stats)")
  }

  /// `--max-people` bounds what is remembered: the least recently written person is
  /// forgotten (counted in the summary and the metrics), and the saved state holds no more.
  @Test func maxPeopleForgetsTheLeastRecentlyWrittenAndCountsIt() async throws {
    let mock = try await MockAttio()
    let state = temporaryPath("ids.state")
    let metrics = state + ".prom"
    defer {
      try? FileManager.default.removeItem(atPath: state)
      try? FileManager.default.removeItem(atPath: metrics)
    }
    let input =
      person("a", "m1", ["email": "a@example.com", "job_title": "CTO"])
      + person("b", "m2", ["email": "b@example.com", "job_title": "CTO"])
      + person("c", "m3", ["email": "c@example.com", "job_title": "CTO"])
    let run = try await BinaryRunner.run(
      // One request at a time: the people are written, so remembered, in input order.
      [
        "deliver", "--max-people", "2", "--state", state, "--metrics-file", metrics,
        "--concurrency", "1",
      ],
      stdin: Data(input.utf8), environment: mock.environment)
    #expect(run.status == 0, "\(run.stderrText)")
    #expect(run.stderrText.contains("people_evicted: 1"), "\(run.stderrText)")
    let text = try String(contentsOfFile: metrics, encoding: .utf8)
    #expect(text.contains("attio_pipe_delivery_people 2\n"), "\(text)")
    #expect(text.contains("attio_pipe_delivery_people_evictions_total 1\n"), "\(text)")
    // a was forgotten: its record is queried again; c's is read by the id kept in the state.
    let before = try await mock.requests().count
    let again =
      person("a", "m4", ["email": "a@example.com", "job_title": "CEO"])
      + person("c", "m5", ["email": "c@example.com", "job_title": "CEO"])
    let rerun = try await BinaryRunner.run(
      ["deliver", "--max-people", "2", "--state", state, "--concurrency", "1"],
      stdin: Data(again.utf8), environment: mock.environment)
    #expect(rerun.status == 0, "\(rerun.stderrText)")
    let endpoints = try await mock.requests().dropFirst(before).map { $0["endpoint"] as? String }
    #expect(endpoints == ["query", "patch", "get", "patch"])
  }
}
