import Foundation
import Testing

/// `deliver`, `send` and `check` run as built, against the mock Attio on 127.0.0.1.
@Suite(.timeLimit(.minutes(2))) struct DeliveryTests {
  /// Every eligible event has exactly one result, and nothing else has one.
  private func expectOneResultPerLine(
    _ results: [[String: Any]], lines expected: [Int],
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let lines = results.compactMap { $0["line"] as? Int }.sorted()
    #expect(lines == expected.sorted(), sourceLocation: sourceLocation)
  }

  private func expectNoToken(
    _ run: BinaryRunner.Result, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    #expect(!run.stdoutText.contains(MockAttio.token), sourceLocation: sourceLocation)
    #expect(!run.stderrText.contains(MockAttio.token), sourceLocation: sourceLocation)
  }

  @Test func deliversTheDemoAndTheFinalStateMatches() throws {
    let mock = try MockAttio()
    let run = try BinaryRunner.run(
      ["deliver", "--default-country", "GB", "fixtures/demo.ndjson"], environment: mock.environment)
    #expect(run.status == 0)
    let results = results(run)
    expectOneResultPerLine(results, lines: [3, 4, 6, 8, 12, 13, 14])
    #expect(results.allSatisfy { ["upserted", "unchanged"].contains($0["status"] as? String) })
    let grace = try #require(try mock.person("grace.hopper@example.com"))
    #expect(
      (grace["job_title"] as? [[String: Any]])?.first?["value"] as? String == "Computer Scientist")
    let alan = try #require(try mock.person("alan@example.org"))
    #expect(
      (alan["description"] as? [[String: Any]])?.first?["value"] as? String
        == "Webinar: Computable numbers")
    #expect(try mock.people().count == 3)
    #expect(run.stderrText.contains("eligible: 7"))
    expectNoToken(run)
  }

  @Test func theSeedFlowSendsOneRequestForTwoEvents() throws {
    let mock = try MockAttio()
    let run = try BinaryRunner.run(
      ["deliver", "fixtures/seed-signup.ndjson"], environment: mock.environment)
    #expect(run.status == 0)
    let statuses = results(run).map { $0["status"] as? String }
    #expect(
      statuses.sorted { ($0 ?? "") < ($1 ?? "") } == ["unchanged", "upserted"]
        || statuses == ["upserted", "upserted"])
    #expect(try mock.puts().count == 1)
  }

  @Test func rateLimitingWithAnHTTPDateRetryAfterLosesNothing() throws {
    // The server allows 5 a second; the client is told 25: 429s must be waited out.
    let mock = try MockAttio(rate: 5)
    var input = ""
    for person in 0..<20 { input += Events.identify("v\(person)", email: "p\(person)@example.com") }
    let run = try BinaryRunner.run(
      ["deliver", "--rate", "25"], stdin: Data(input.utf8), environment: mock.environment)
    #expect(run.status == 0)
    let results = results(run)
    #expect(results.count == 20)
    #expect(results.allSatisfy { $0["status"] as? String == "upserted" })
    let stats = try mock.stats()
    let counts = stats["status_counts"] as? [String: Int] ?? [:]
    #expect(counts["429", default: 0] > 0)
    #expect(counts["200"] == 20)
    #expect(try mock.people().count == 20)
    // After every 429 nothing was sent before its Retry-After (an HTTP date, whole seconds).
    let puts = try mock.puts()
    for (index, put) in puts.enumerated() where put["status"] as? Int == 429 {
      let arrival = put["arrival"] as? Double ?? 0
      let retryAt = ceil(arrival)  // the mock asks for a whole second at least this late
      for later in puts[(index + 1)...] {
        let laterArrival = later["arrival"] as? Double ?? 0
        #expect(laterArrival >= retryAt - 0.05 || laterArrival - arrival < 0.05)
      }
    }
    #expect(run.stderrText.contains("rate_limited:"))
  }

  @Test func serverErrorsConflictsAndResetsAreRetried() throws {
    let mock = try MockAttio()
    try mock.configure([
      "rules": [
        ["status": 500, "count": 1, "email": "a@example.com"],
        ["status": 409, "count": 1, "email": "b@example.com"],
        ["status": 503, "count": 2, "email": "c@example.com"],
        ["status": 502, "count": 1, "email": "d@example.com", "drop": true],
      ]
    ])
    var input = ""
    for name in ["a", "b", "c", "d", "e"] {
      input += Events.identify(name, email: "\(name)@example.com")
    }
    let run = try BinaryRunner.run(
      ["deliver"], stdin: Data(input.utf8), environment: mock.environment)
    #expect(run.status == 0)
    let byEmail = Dictionary(
      uniqueKeysWithValues: results(run).map { ($0["email"] as? String ?? "", $0) })
    #expect(byEmail.count == 5)
    for name in ["a", "b", "c", "d", "e"] {
      #expect(byEmail["\(name)@example.com"]?["status"] as? String == "upserted")
    }
    #expect(byEmail["c@example.com"]?["attempts"] as? Int == 3)
    #expect((byEmail["a@example.com"]?["attempts"] as? Int ?? 0) >= 2)
    #expect(try mock.people().count == 5)
  }

  @Test func giveUpAfterMaxAttemptsWithTheLastError() throws {
    let mock = try MockAttio()
    try mock.configure(["rules": [["status": 503, "count": -1, "email": "x@example.com"]]])
    let input =
      Events.identify("x", email: "x@example.com") + Events.identify("y", email: "y@example.com")
    let run = try BinaryRunner.run(
      ["deliver", "--max-attempts", "3"], stdin: Data(input.utf8), environment: mock.environment)
    #expect(run.status == 1)
    let failed = try #require(results(run).first { $0["email"] as? String == "x@example.com" })
    #expect(failed["status"] as? String == "failed")
    #expect(failed["attempts"] as? Int == 3)
    #expect(failed["http_status"] as? Int == 503)
    #expect(failed["request"] != nil)
  }

  @Test func badRequestsFailAtOnceWithAttiosMessageAndTheRestGoesOn() throws {
    let mock = try MockAttio()
    try mock.configure(["rename": ["job_title": "role"]])
    let input =
      Events.identify("a", email: "a@example.com", title: "CTO")
      + Events.identify("b", email: "b@example.com")
    let run = try BinaryRunner.run(
      ["deliver"], stdin: Data(input.utf8), environment: mock.environment)
    #expect(run.status == 1)
    let results = results(run)
    let failed = try #require(results.first { $0["email"] as? String == "a@example.com" })
    #expect(failed["status"] as? String == "failed")
    #expect(failed["http_status"] as? Int == 400)
    #expect(failed["attempts"] as? Int == 1)
    let error = failed["error"] as? [String: Any]
    #expect(error?["code"] as? String == "value_not_found")
    #expect((error?["message"] as? String)?.contains("job_title") == true)
    #expect(
      results.first { $0["email"] as? String == "b@example.com" }?["status"] as? String
        == "upserted")

    // The failed request replays through `send`, renamed with --attribute, and goes through.
    let replay = results.filter { $0["status"] as? String == "failed" }.compactMap { $0["request"] }
      .map {
        String(decoding: try! JSONSerialization.data(withJSONObject: $0), as: UTF8.self) + "\n"
      }
      .joined()
    let sent = try BinaryRunner.run(
      ["send", "--attribute", "job_title=role"], stdin: Data(replay.utf8),
      environment: mock.environment)
    #expect(sent.status == 0)
    #expect(MockAttioResults(sent).statuses == ["upserted"])
  }

  @Test(arguments: [401, 403])
  func anUnusableTokenStopsSendingAndReportsTheRestNotSent(_ status: Int) throws {
    let mock = try MockAttio()
    if status == 401 {
      try mock.configure(["token_revoked": true])
    } else {
      try mock.configure(["scopes": "record_permission:read"])
    }
    var input = ""
    for person in 0..<30 { input += Events.identify("v\(person)", email: "p\(person)@example.com") }
    let run = try BinaryRunner.run(
      ["deliver"], stdin: Data(input.utf8), environment: mock.environment)
    #expect(run.status == 4)
    let results = results(run)
    expectOneResultPerLine(results, lines: Array(1...30))
    let failed = results.filter { $0["status"] as? String == "failed" }
    let notSent = results.filter {
      ["not_sent", "in_doubt"].contains($0["status"] as? String)
    }
    #expect(failed.count >= 1 && failed.count <= 10)  // at most what was in flight
    #expect(failed.count + notSent.count == 30)
    #expect(notSent.allSatisfy { $0["request"] != nil })
    #expect(try mock.puts().count == failed.count)
    if status == 403 {
      #expect(run.stderrText.contains("record_permission:read-write"))
      #expect(run.stderrText.contains("object_configuration:read"))
    }
    expectNoToken(run)
  }

  @Test func perPersonOrderHoldsUnderConcurrencyAndRetries() throws {
    let mock = try MockAttio(latencyMilliseconds: 20)
    try mock.configure([
      "rules": [
        ["status": 500, "count": 2, "email": "order@example.com"],
        ["status": 502, "count": 1, "email": "order@example.com", "drop": true, "apply": true],
      ]
    ])
    var input = ""
    for step in 0..<40 {
      input += Events.identify("o", email: "order@example.com", title: "Title \(step)")
      input += Events.identify("x\(step)", email: "other\(step)@example.com")
    }
    let run = try BinaryRunner.run(
      ["deliver", "--concurrency", "8"], stdin: Data(input.utf8), environment: mock.environment)
    #expect(run.status == 0)
    #expect(results(run).count == 80)
    let person = try #require(try mock.person("order@example.com"))
    #expect((person["job_title"] as? [[String: Any]])?.first?["value"] as? String == "Title 39")
    let stats = try mock.stats()
    #expect(stats["max_concurrent_per_email"] as? Int == 1)
    // The titles written for the person never go backwards.
    let titles = try mock.puts().filter {
      $0["email"] as? String == "order@example.com" && $0["status"] as? Int == 200
    }
    .compactMap { put -> Int? in
      let values = (put["body"] as? [String: Any]).flatMap {
        ($0["data"] as? [String: Any])?["values"] as? [String: Any]
      }
      let title = ((values?["job_title"] as? [[String: Any]])?.first?["value"] as? String) ?? ""
      return Int(title.split(separator: " ").last ?? "")
    }
    #expect(titles == titles.sorted())
    #expect(titles.last == 39)
  }

  @Test func theRateIsNeverExceeded() throws {
    let mock = try MockAttio(rate: 0)
    var input = ""
    for person in 0..<45 { input += Events.identify("v\(person)", email: "p\(person)@example.com") }
    let run = try BinaryRunner.run(
      ["deliver", "--rate", "20"], stdin: Data(input.utf8), environment: mock.environment)
    #expect(run.status == 0)
    let stats = try mock.stats()
    #expect(stats["puts"] as? Int == 45)
    #expect((stats["max_in_any_1s_window"] as? Int ?? 99) <= 20)
  }

  @Test func dedupeCanBeTurnedOff() throws {
    let mock = try MockAttio(latencyMilliseconds: 100)
    let input = Events.identify("a", email: "a@example.com")
    let twice = try BinaryRunner.run(
      ["deliver", "--concurrency", "1"], stdin: Data((input + input + input).utf8),
      environment: mock.environment)
    #expect(twice.status == 0)
    #expect(try mock.puts().count == 1)
    let again = try BinaryRunner.run(
      ["deliver", "--no-dedupe"], stdin: Data((input + input + input).utf8),
      environment: mock.environment)
    #expect(MockAttioResults(again).statuses.allSatisfy { $0 == "upserted" })
    #expect(try mock.puts().count >= 2)
  }

  @Test func plainHTTPToANonLoopbackHostIsRefusedBeforeReading() throws {
    var environment = ProcessInfo.processInfo.environment
    environment["ATTIO_API_KEY"] = MockAttio.token
    for endpoint in ["http://api.attio.com", "http://10.0.0.1:8080", "ftp://127.0.0.1"] {
      let run = try BinaryRunner.run(
        ["deliver", "--endpoint", endpoint, "fixtures/seed-signup.ndjson"], environment: environment
      )
      #expect(run.status == 2)
      #expect(run.stdoutText.isEmpty)
      expectNoToken(run)
    }
  }

  @Test func aMissingTokenIsAUsageError() throws {
    var environment = ProcessInfo.processInfo.environment
    environment["ATTIO_API_KEY"] = nil
    let run = try BinaryRunner.run(
      ["deliver", "fixtures/seed-signup.ndjson"], environment: environment)
    #expect(run.status == 2)
    #expect(run.stderrText.contains("ATTIO_API_KEY"))
  }

  @Test func aTokenFileWorksAndStaysSecret() throws {
    let mock = try MockAttio()
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("attio-key-\(UUID())")
    try Data((MockAttio.token + "\n").utf8).write(to: file)
    defer { try? FileManager.default.removeItem(at: file) }
    var environment = mock.environment
    environment["ATTIO_API_KEY"] = nil
    let run = try BinaryRunner.run(
      ["deliver", "--verbose", "--api-key-file", file.path, "fixtures/seed-lead.ndjson"],
      environment: environment)
    #expect(run.status == 0)
    expectNoToken(run)
  }

  @Test func buildPipedIntoSendBehavesLikeDeliver() throws {
    let mock = try MockAttio()
    let bodies = try BinaryRunner.run(["build", "--default-country", "GB", "fixtures/demo.ndjson"])
    let sent = try BinaryRunner.run(["send"], stdin: bodies.stdout, environment: mock.environment)
    #expect(sent.status == 0)
    // People are listed in creation order, which concurrency may change: compare by email.
    func byEmail(_ people: [[String: Any]]) -> [String: NSDictionary] {
      Dictionary(
        uniqueKeysWithValues: people.map {
          (
            ($0["email_addresses"] as? [String])?.first ?? "",
            ($0["values"] as? NSDictionary) ?? [:]
          )
        })
    }
    let viaSend = byEmail(try mock.people())
    let other = try MockAttio()
    let delivered = try BinaryRunner.run(
      ["deliver", "--default-country", "GB", "fixtures/demo.ndjson"], environment: other.environment
    )
    #expect(delivered.status == 0)
    let viaDeliver = byEmail(try other.people())
    #expect(viaSend.count == 3)
    #expect(viaSend == viaDeliver)
    #expect(MockAttioResults(sent).statuses.count == MockAttioResults(delivered).statuses.count)
    #expect(try mock.puts().count == other.puts().count)
  }

  @Test func sendReportsLinesThatAreNotBodies() throws {
    let mock = try MockAttio()
    let input =
      #"{"data":{"values":{"email_addresses":[{"email_address":"a@example.com"}]}}}"# + "\n"
      + #"{"data":{"values":{"name":[{"first_name":"","last_name":"","full_name":"x"}]}}}"# + "\n"
      + "not json\n"
    let run = try BinaryRunner.run(["send"], stdin: Data(input.utf8), environment: mock.environment)
    #expect(run.status == 3)
    #expect(MockAttioResults(run).statuses == ["upserted"])
    #expect(run.stderrText.contains("line 2: invalid_body"))
    #expect(run.stderrText.contains("line 3: invalid_json"))
  }
}

/// Statuses of a run's results, in output order.
struct MockAttioResults {
  let statuses: [String]

  init(_ run: BinaryRunner.Result) {
    statuses = results(run).compactMap { $0["status"] as? String }
  }
}

/// Signals during delivery: every event read gets exactly one result.
@Suite(.timeLimit(.minutes(1))) struct DeliverySignalTests {
  private func startDeliver(_ arguments: [String], mock: MockAttio) throws -> (
    Process, Pipe, Pipe, Pipe
  ) {
    let running = try BinaryRunner.start(arguments, environment: mock.environment, watchdog: 40)
    return (running.process, running.input, running.output, running.errors)
  }

  @Test func sigtermMidStreamFinishesWithinGraceAndAccountsForEveryEvent() throws {
    // Slow server, slow rate: most work is still queued when the signal comes.
    let mock = try MockAttio(latencyMilliseconds: 300)
    let (process, input, output, _) = try startDeliver(
      ["deliver", "--rate", "4", "--grace", "1s"], mock: mock)
    var events = ""
    for person in 0..<40 {
      events += Events.identify("v\(person)", email: "p\(person)@example.com")
    }
    input.fileHandleForWriting.write(Data(events.utf8))
    Thread.sleep(forTimeInterval: 1.0)
    kill(process.processIdentifier, SIGTERM)
    let started = Date()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(Date().timeIntervalSince(started) < 5)
    #expect(process.terminationStatus == 5)
    let results = String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap {
      try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }
    #expect(results.compactMap { $0["line"] as? Int }.sorted() == Array(1...40))
    let statuses = results.compactMap { $0["status"] as? String }
    #expect(statuses.contains("upserted"))
    #expect(statuses.contains("not_sent"))
    #expect(Set(statuses).isSubset(of: ["upserted", "not_sent", "in_doubt"]))
    let upserted = statuses.filter { $0 == "upserted" }.count
    #expect(try mock.people().count >= upserted)
    try? input.fileHandleForWriting.close()
  }

  @Test func aSecondSignalStopsAtOnce() throws {
    let mock = try MockAttio(latencyMilliseconds: 2000)
    let (process, input, output, _) = try startDeliver(
      ["deliver", "--grace", "30s"], mock: mock)
    var events = ""
    for person in 0..<10 {
      events += Events.identify("v\(person)", email: "p\(person)@example.com")
    }
    input.fileHandleForWriting.write(Data(events.utf8))
    Thread.sleep(forTimeInterval: 0.5)
    kill(process.processIdentifier, SIGTERM)
    Thread.sleep(forTimeInterval: 0.2)
    kill(process.processIdentifier, SIGINT)
    let started = Date()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(Date().timeIntervalSince(started) < 3)
    #expect(process.terminationStatus == 5)
    let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
    #expect(lines.count == 10)
    // All ten were in flight (2 s answers): sent, answer not seen.
    #expect(
      lines.allSatisfy { $0.contains(#""status":"in_doubt""#) && $0.contains(#""request":"#) })
    try? input.fileHandleForWriting.close()
  }
}

/// `check` passes and fails for the right reasons.
@Suite(.timeLimit(.minutes(1))) struct CheckCommandTests {
  @Test func passesOnAHealthyWorkspace() throws {
    let mock = try MockAttio()
    let run = try BinaryRunner.run(["check"], environment: mock.environment)
    #expect(run.status == 0)
    #expect(run.stdoutText.contains("all checks passed"))
    #expect(!run.stdoutText.contains("FAIL"))
    #expect(!run.stdoutText.contains(MockAttio.token) && !run.stderrText.contains(MockAttio.token))
    #expect(try mock.puts().isEmpty)  // a pre-flight writes nothing
  }

  @Test func aRenamedSlugFailsUnlessMapped() throws {
    let mock = try MockAttio()
    try mock.configure(["rename": ["job_title": "role"]])
    let failing = try BinaryRunner.run(["check"], environment: mock.environment)
    #expect(failing.status == 2)
    #expect(failing.stdoutText.contains("FAIL  attribute job_title: not found"))
    let mapped = try BinaryRunner.run(
      ["check", "--attribute", "job_title=role"], environment: mock.environment)
    #expect(mapped.status == 0)
    #expect(mapped.stdoutText.contains("ok    attribute role (for job_title)"))
  }

  @Test func archivedAndReadOnlySlugsFail() throws {
    let mock = try MockAttio()
    try mock.configure(["archive": ["description"], "not_writable": ["phone_numbers"]])
    let run = try BinaryRunner.run(["check"], environment: mock.environment)
    #expect(run.status == 2)
    #expect(run.stdoutText.contains("FAIL  attribute phone_numbers"))
    #expect(run.stdoutText.contains("FAIL  attribute description"))
  }

  @Test func aMissingScopeOrAnInactiveTokenIsAnAuthenticationFailure() throws {
    let mock = try MockAttio()
    try mock.configure(["scopes": "record_permission:read-write"])
    let scope = try BinaryRunner.run(["check"], environment: mock.environment)
    #expect(scope.status == 4)
    #expect(scope.stdoutText.contains("FAIL  scope object_configuration:read: missing"))
    try mock.configure(["token_revoked": true])
    let revoked = try BinaryRunner.run(["check"], environment: mock.environment)
    #expect(revoked.status == 4)
    #expect(revoked.stdoutText.contains("token: not active"))
  }

  @Test func anUnreachableEndpointFailsWithoutHanging() throws {
    var environment = ProcessInfo.processInfo.environment
    environment["ATTIO_API_KEY"] = MockAttio.token
    let run = try BinaryRunner.run(
      ["check", "--endpoint", "http://127.0.0.1:9", "--timeout", "2s"], environment: environment)
    #expect(run.status == 1)
    #expect(run.stdoutText.contains("FAIL"))
  }
}
