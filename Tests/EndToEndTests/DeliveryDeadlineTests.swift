import Foundation
import TestSupport
import Testing

/// Deadlines, refusals and stale writes, seen as a user sees them: the built binary against
/// the mock Attio.
@Suite(.serialized, .timeLimit(.minutes(10))) struct DeliveryDeadlineTests {
  private func parse(_ data: Data) -> [[String: Any]] {
    String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap {
      try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }
  }

  @Test func requestsInFlightAtTheGraceDeadlineAreInDoubtWithTheirRequest() async throws {
    // Answers take a minute (so that however slowly a loaded machine runs this test, the
    // signal comes while they are in flight); the grace is 1 s: the five requests in flight at
    // the deadline reached the server, and may have been applied.
    let mock = try await MockAttio(latencyMilliseconds: 60_000)
    let running = try await BinaryRunner.start(
      ["deliver", "--write-mode", "assert", "--grace", "1s", "--timeout", "30s"],
      environment: mock.environment,
      watchdog: 90)
    var events = ""
    for person in 0..<5 { events += Events.identify("v\(person)", email: "p\(person)@example.com") }
    await running.write(Data(events.utf8))
    // Signal once all five are in flight at the server (however slowly the machine starts
    // the binary).
    for _ in 0..<200 {
      if (try await mock.stats()["in_flight"] as? Int ?? 0) >= 5 { break }
      try await Task.sleep(for: .milliseconds(50))
    }
    running.signal(SIGTERM)
    let finished = await running.finish()
    let results = parse(finished.stdout)
    let errors = finished.stderrText
    #expect(finished.status == 5)
    #expect(results.count == 5)
    #expect(results.allSatisfy { $0["status"] as? String == "in_doubt" })
    #expect(results.allSatisfy { $0["request"] != nil && $0["http_status"] == nil })
    #expect(errors.contains("in_doubt: 5"))
  }

  @Test func theDrainTimeoutBoundsWorkAfterTheEndOfInput() async throws {
    let mock = try await MockAttio(latencyMilliseconds: 10_000)
    var events = ""
    for person in 0..<3 { events += Events.identify("v\(person)", email: "p\(person)@example.com") }
    let running = try await BinaryRunner.start(
      ["deliver", "--write-mode", "assert", "--drain-timeout", "1s", "--timeout", "20s"],
      environment: mock.environment)
    await running.write(Data(events.utf8))
    // The input ends once all three are in flight (a run sends nothing in its first second).
    for _ in 0..<200 {
      if (try await mock.stats()["in_flight"] as? Int ?? 0) >= 3 { break }
      try await Task.sleep(for: .milliseconds(50))
    }
    running.closeInput()
    let run = await running.finish()
    // Not a signal: the run did not confirm these, so exit 1 as for not_sent.
    #expect(run.status == 1)
    let statuses = results(run).map { $0["status"] as? String }
    #expect(statuses == ["in_doubt", "in_doubt", "in_doubt"])
    #expect(run.stderrText.contains("in_doubt: 3"))
  }

  @Test func aTimedOutWriteNeverOverwritesANewerValue() async throws {
    // The first PUT for ada is held 4 s by the server, past the client's 1 s timeout; the
    // newer title comes 2.5 s in. Attio must end with the newer title.
    let mock = try await MockAttio()
    try await mock.configure([
      "rules": [["email": "ada@example.com", "count": 1, "delay_ms": 4000]]
    ])
    let running = try await BinaryRunner.start(
      ["deliver", "--write-mode", "assert", "--timeout", "1s", "--settle-time", "5s"],
      environment: mock.environment,
      watchdog: 60)
    await running.write(
      Data(Events.identify("a", email: "ada@example.com", title: "Intern", message: "m1").utf8))
    try await Task.sleep(for: .milliseconds(2500))
    await running.write(
      Data(Events.identify("a", email: "ada@example.com", title: "CEO", message: "m2").utf8))
    running.closeInput()
    let finished = await running.finish()
    let results = parse(finished.stdout)
    #expect(finished.status == 0)
    #expect(results.map { $0["status"] as? String } == ["upserted", "upserted"])
    let ada = try #require(try await mock.person("ada@example.com"))
    #expect((ada["job_title"] as? [[String: Any]])?.first?["value"] as? String == "CEO")
    // The last PUT to arrive carried the newest title.
    let puts = try await mock.puts()
    let last = try #require(
      puts.max { ($0["arrival"] as? Double ?? 0) < ($1["arrival"] as? Double ?? 0) })
    let body = try JSONSerialization.data(withJSONObject: last["body"] ?? [:])
    #expect(String(decoding: body, as: UTF8.self).contains("CEO"))
  }

  @Test func aRefusedKeyOnAStreamStopsReadingAndExits4() async throws {
    let mock = try await MockAttio()
    try await mock.configure(["token_revoked": true])
    let running = try await BinaryRunner.start(
      ["deliver", "--write-mode", "assert"], environment: mock.environment, watchdog: 20)
    var events = ""
    for person in 0..<3 { events += Events.identify("v\(person)", email: "p\(person)@example.com") }
    // The input stays open, as `tail -F` would keep it.
    await running.write(Data(events.utf8))
    let finished = await running.finish()
    let results = parse(finished.stdout)
    let errors = finished.stderrText
    #expect(finished.status == 4)
    #expect(results.compactMap { $0["line"] as? Int }.sorted() == [1, 2, 3])
    #expect(results.contains { $0["status"] as? String == "failed" })
    #expect(errors.contains("refused the API key"))
  }

  @Test func sendAlsoStopsReadingAStreamAfterARefusedKey() async throws {
    let mock = try await MockAttio()
    try await mock.configure(["scopes": "record_permission:read"])
    let running = try await BinaryRunner.start(
      ["send", "--write-mode", "assert"], environment: mock.environment, watchdog: 20)
    let body = #"{"data":{"values":{"email_addresses":[{"email_address":"ada@example.com"}]}}}"#
    await running.write(Data((body + "\n").utf8))
    let finished = await running.finish()
    let results = parse(finished.stdout)
    #expect(finished.status == 4)
    #expect(results.map { $0["status"] as? String } == ["failed"])
  }

  @Test func aRenamedEmailAttributeIsTheMatchingAttributeOfTheQuery() async throws {
    let mock = try await MockAttio()
    try await mock.configure(["rename": ["email_addresses": "emails"]])
    let run = try await BinaryRunner.run(
      ["deliver", "--write-mode", "assert", "--attribute", "email_addresses=emails"],
      stdin: Data(Events.identify("a", email: "ada@example.com").utf8),
      environment: mock.environment)
    #expect(run.status == 0)
    #expect(results(run).map { $0["status"] as? String } == ["upserted"])
    let put = try #require(try await mock.puts().first)
    #expect((put["path"] as? String)?.hasSuffix("matching_attribute=emails") == true)
    let check = try await BinaryRunner.run(
      ["check", "--attribute", "email_addresses=emails"], environment: mock.environment)
    #expect(check.status == 0)
  }

  @Test func checkRefusesAMatchingAttributeThatIsNotUnique() async throws {
    let mock = try await MockAttio()
    try await mock.configure(["rename": ["job_title": "work_email"]])
    let run = try await BinaryRunner.run(
      ["check", "--attribute", "email_addresses=work_email", "--attribute", "job_title=linkedin"],
      environment: mock.environment)
    #expect(run.status == 2)
    #expect(run.stdoutText.contains("FAIL  attribute work_email (for email_addresses): not unique"))
  }

  @Test func checkAgainstADeadEndpointIsStatus1AndRedactsCredentials() async throws {
    var environment = ProcessInfo.processInfo.environment
    environment["ATTIO_API_KEY"] = MockAttio.token
    let run = try await BinaryRunner.run(
      ["check", "--endpoint", "http://admin:s3cret-pw@127.0.0.1:9", "--timeout", "2s"],
      environment: environment)
    #expect(run.status == 1)
    #expect(run.stdoutText.contains("FAIL  GET http://***@127.0.0.1:9/v2/self"))
    #expect(!run.stdoutText.contains("s3cret-pw") && !run.stderrText.contains("s3cret-pw"))
    #expect(!run.stdoutText.contains("admin"))
  }

  @Test func anIPv6LoopbackEndpointWorks() async throws {
    let mock = try await MockAttio(host: "::1")
    #expect(mock.baseURL.hasPrefix("http://[::1]:"))
    let run = try await BinaryRunner.run(
      ["deliver", "--write-mode", "assert"],
      stdin: Data(Events.identify("a", email: "ada@example.com").utf8),
      environment: mock.environment)
    #expect(run.status == 0)
    #expect(results(run).map { $0["status"] as? String } == ["upserted"])
    let check = try await BinaryRunner.run(["check"], environment: mock.environment)
    #expect(check.status == 0)
  }
}
