import Foundation
import TestSupport
import Testing

/// `deliver`, `send` and `check` run as built, against the mock Attio on 127.0.0.1.
@Suite(.timeLimit(.minutes(10))) struct DeliveryTests {
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

  @Test func deliversTheDemoAndTheFinalStateMatches() async throws {
    let mock = try await MockAttio()
    let run = try await BinaryRunner.run(
      ["deliver", "--write-mode", "assert", "--default-country", "GB", "fixtures/demo.ndjson"],
      environment: mock.environment)
    #expect(run.status == 0)
    let results = results(run)
    expectOneResultPerLine(results, lines: [3, 4, 6, 8, 12, 13, 14])
    #expect(results.allSatisfy { ["upserted", "unchanged"].contains($0["status"] as? String) })
    let grace = try #require(try await mock.person("grace.hopper@example.com"))
    #expect(
      (grace["job_title"] as? [[String: Any]])?.first?["value"] as? String == "Computer Scientist")
    let alan = try #require(try await mock.person("alan@example.org"))
    #expect(
      (alan["description"] as? [[String: Any]])?.first?["value"] as? String
        == "Webinar: Computable numbers")
    #expect(try await mock.people().count == 3)
    #expect(run.stderrText.contains("eligible: 7"))
    expectNoToken(run)
  }

  @Test func theSeedFlowSendsOneRequestForTwoEvents() async throws {
    let mock = try await MockAttio()
    let run = try await BinaryRunner.run(
      ["deliver", "--write-mode", "assert", "fixtures/seed-signup.ndjson"],
      environment: mock.environment)
    #expect(run.status == 0)
    let statuses = results(run).map { $0["status"] as? String }
    #expect(
      statuses.sorted { ($0 ?? "") < ($1 ?? "") } == ["unchanged", "upserted"]
        || statuses == ["upserted", "upserted"])
    #expect(try await mock.puts().count == 1)
  }

  @Test func rateLimitingWithAnHTTPDateRetryAfterLosesNothing() async throws {
    // The server allows 5 a second; the client is told 25: 429s must be waited out.
    let mock = try await MockAttio(rate: 5)
    var input = ""
    for person in 0..<20 { input += Events.identify("v\(person)", email: "p\(person)@example.com") }
    let run = try await BinaryRunner.run(
      ["deliver", "--write-mode", "assert", "--rate", "25"], stdin: Data(input.utf8),
      environment: mock.environment)
    #expect(run.status == 0)
    let results = results(run)
    #expect(results.count == 20)
    #expect(results.allSatisfy { $0["status"] as? String == "upserted" })
    let stats = try await mock.stats()
    let counts = stats["status_counts"] as? [String: Int] ?? [:]
    #expect(counts["429", default: 0] > 0)
    #expect(counts["200"] == 20)
    #expect(try await mock.people().count == 20)
    #expect(run.stderrText.contains("rate_limited:"))
  }

  /// A 429 whose `Retry-After` (an HTTP date) lies seconds ahead pauses all sending until
  /// then. Requests already on their way when the 429 was answered may still arrive; the
  /// check leaves them half a second, which a busy machine can need.
  @Test func nothingIsSentBeforeAnHTTPDateRetryAfter() async throws {
    let mock = try await MockAttio()
    let retryAt = Date().addingTimeInterval(4).timeIntervalSince1970.rounded(.up)
    try await mock.configure([
      "rules": [
        [
          "status": 429, "count": 1, "email": "p0@example.com",
          "retry_after": httpDate(retryAt),
        ]
      ]
    ])
    var input = ""
    for person in 0..<30 { input += Events.identify("v\(person)", email: "p\(person)@example.com") }
    let run = try await BinaryRunner.run(
      ["deliver", "--write-mode", "assert", "--rate", "25"], stdin: Data(input.utf8),
      environment: mock.environment)
    #expect(run.status == 0)
    #expect(results(run).allSatisfy { $0["status"] as? String == "upserted" })
    let puts = try await mock.puts()
    let limited = try #require(puts.first { $0["status"] as? Int == 429 })
    let answered = try #require(limited["completed"] as? Double)
    let early = puts.compactMap { $0["arrival"] as? Double }.filter {
      $0 > answered + 0.5 && $0 < retryAt - 0.05
    }
    #expect(early.isEmpty, "\(early.count) requests arrived before the Retry-After date")
    #expect(puts.contains { ($0["arrival"] as? Double ?? 0) >= retryAt - 0.05 })
  }

  private func httpDate(_ seconds: Double) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "GMT")
    formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
    return formatter.string(from: Date(timeIntervalSince1970: seconds))
  }

  @Test func serverErrorsConflictsAndResetsAreRetried() async throws {
    let mock = try await MockAttio()
    try await mock.configure([
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
    let run = try await BinaryRunner.run(
      ["deliver", "--write-mode", "assert"], stdin: Data(input.utf8), environment: mock.environment)
    #expect(run.status == 0)
    let byEmail = Dictionary(
      uniqueKeysWithValues: results(run).map { ($0["email"] as? String ?? "", $0) })
    #expect(byEmail.count == 5)
    for name in ["a", "b", "c", "d", "e"] {
      #expect(byEmail["\(name)@example.com"]?["status"] as? String == "upserted")
    }
    #expect(byEmail["c@example.com"]?["attempts"] as? Int == 3)
    #expect((byEmail["a@example.com"]?["attempts"] as? Int ?? 0) >= 2)
    #expect(try await mock.people().count == 5)
  }

  @Test func giveUpAfterMaxAttemptsWithTheLastError() async throws {
    let mock = try await MockAttio()
    try await mock.configure(["rules": [["status": 503, "count": -1, "email": "x@example.com"]]])
    let input =
      Events.identify("x", email: "x@example.com") + Events.identify("y", email: "y@example.com")
    let run = try await BinaryRunner.run(
      ["deliver", "--write-mode", "assert", "--max-attempts", "3"], stdin: Data(input.utf8),
      environment: mock.environment)
    #expect(run.status == 1)
    let failed = try #require(results(run).first { $0["email"] as? String == "x@example.com" })
    #expect(failed["status"] as? String == "failed")
    #expect(failed["attempts"] as? Int == 3)
    #expect(failed["http_status"] as? Int == 503)
    #expect(failed["request"] != nil)
  }

  @Test func badRequestsFailAtOnceWithAttiosMessageAndTheRestGoesOn() async throws {
    let mock = try await MockAttio()
    try await mock.configure(["rename": ["job_title": "role"]])
    let input =
      Events.identify("a", email: "a@example.com", title: "CTO")
      + Events.identify("b", email: "b@example.com")
    let run = try await BinaryRunner.run(
      ["deliver", "--write-mode", "assert"], stdin: Data(input.utf8), environment: mock.environment)
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
    let sent = try await BinaryRunner.run(
      ["send", "--write-mode", "assert", "--attribute", "job_title=role"], stdin: Data(replay.utf8),
      environment: mock.environment)
    #expect(sent.status == 0)
    #expect(MockAttioResults(sent).statuses == ["upserted"])
  }

  @Test(arguments: [401, 403])
  func anUnusableTokenStopsSendingAndReportsTheRestNotSent(_ status: Int) async throws {
    let mock = try await MockAttio()
    if status == 401 {
      try await mock.configure(["token_revoked": true])
    } else {
      try await mock.configure(["scopes": "record_permission:read"])
    }
    var input = ""
    for person in 0..<30 { input += Events.identify("v\(person)", email: "p\(person)@example.com") }
    let run = try await BinaryRunner.run(
      ["deliver", "--write-mode", "assert"], stdin: Data(input.utf8), environment: mock.environment)
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
    #expect(try await mock.puts().count == failed.count)
    if status == 403 {
      #expect(run.stderrText.contains("record_permission:read-write"))
      #expect(run.stderrText.contains("object_configuration:read"))
    }
    expectNoToken(run)
  }

  @Test func perPersonOrderHoldsUnderConcurrencyAndRetries() async throws {
    let mock = try await MockAttio(latencyMilliseconds: 20)
    try await mock.configure([
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
    let run = try await BinaryRunner.run(
      ["deliver", "--write-mode", "assert", "--concurrency", "8"], stdin: Data(input.utf8),
      environment: mock.environment)
    #expect(run.status == 0)
    #expect(results(run).count == 80)
    let person = try #require(try await mock.person("order@example.com"))
    #expect((person["job_title"] as? [[String: Any]])?.first?["value"] as? String == "Title 39")
    let stats = try await mock.stats()
    #expect(stats["max_concurrent_per_email"] as? Int == 1)
    // The titles written for the person never go backwards.
    let titles = try await mock.puts().filter {
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

  @Test func theRateIsNeverExceeded() async throws {
    let mock = try await MockAttio(rate: 0)
    var input = ""
    for person in 0..<45 { input += Events.identify("v\(person)", email: "p\(person)@example.com") }
    let started = ContinuousClock.now
    let run = try await BinaryRunner.run(
      ["deliver", "--write-mode", "assert", "--rate", "20"], stdin: Data(input.utf8),
      environment: mock.environment)
    let took = ContinuousClock.now - started
    #expect(run.status == 0)
    let stats = try await mock.stats()
    #expect(stats["puts"] as? Int == 45)
    // Whatever the load: 45 writes at 20 a second (the first second taken as used at start)
    // cannot all go in under two seconds. A machine that is slow only makes this longer.
    #expect(took > .seconds(2), "45 writes in \(took)")
    // Exact: the limiter places each arrival from the wire times the transport measured, so
    // neither a request that waited for a thread nor the mock's late time stamps (taken when
    // its handler runs, always before it answers) can put more than 20 into one second. Only
    // a mock starved for seconds stamps earlier arrivals late enough to crowd a later
    // second (seen under AddressSanitizer on a machine running a million-people benchmark
    // beside it: 24, the run taking 3 minutes instead of 3 seconds); the mock's stamps then
    // say nothing about the wire.
    if took < .seconds(15) {
      #expect((stats["max_in_any_1s_window"] as? Int ?? 99) <= 20)
    }
  }

  /// Three events with the same values, each fed only after the previous one's result is out
  /// (so merging cannot be what saves the requests): dedupe sends them once (`unchanged`; the
  /// same event three times is a `duplicate`), `--no-dedupe` thrice.
  @Test(arguments: [
    (false, false, ["upserted", "unchanged", "unchanged"], 1),
    (false, true, ["upserted", "duplicate", "duplicate"], 1),
    (true, false, ["upserted", "upserted", "upserted"], 3),
    (true, true, ["upserted", "upserted", "upserted"], 3),
  ])
  func dedupeCanBeTurnedOff(
    off: Bool, sameEvent: Bool, statuses: [String], puts: Int
  ) async throws {
    let mock = try await MockAttio()
    let child = try await BinaryRunner.start(
      ["deliver", "--write-mode", "assert"] + (off ? ["--no-dedupe"] : []),
      environment: mock.environment)
    var seen: [String] = []
    for _ in 0..<3 {
      await child.write(
        Events.identify("a", email: "a@example.com", message: sameEvent ? "m-same" : nil))
      let line = try #require(await child.readLine())
      let result = try #require(
        try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
      seen.append(result["status"] as? String ?? "?")
    }
    child.closeInput()
    #expect(await child.finish().status == 0)
    #expect(seen == statuses)
    #expect(try await mock.puts().count == puts)
  }

  @Test func plainHTTPToANonLoopbackHostIsRefusedBeforeReading() async throws {
    var environment = ProcessInfo.processInfo.environment
    environment["ATTIO_API_KEY"] = MockAttio.token
    for endpoint in ["http://api.attio.com", "http://10.0.0.1:8080", "ftp://127.0.0.1"] {
      let run = try await BinaryRunner.run(
        [
          "deliver", "--write-mode", "assert", "--endpoint", endpoint,
          "fixtures/seed-signup.ndjson",
        ], environment: environment
      )
      #expect(run.status == 2)
      #expect(run.stdoutText.isEmpty)
      expectNoToken(run)
    }
  }

  @Test func aMissingTokenIsAUsageError() async throws {
    var environment = ProcessInfo.processInfo.environment
    environment["ATTIO_API_KEY"] = nil
    let run = try await BinaryRunner.run(
      ["deliver", "--write-mode", "assert", "fixtures/seed-signup.ndjson"], environment: environment
    )
    #expect(run.status == 2)
    #expect(run.stderrText.contains("ATTIO_API_KEY"))
  }

  @Test func aTokenFileWorksAndStaysSecret() async throws {
    let mock = try await MockAttio()
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("attio-key-\(UUID())")
    try Data((MockAttio.token + "\n").utf8).write(to: file)
    defer { try? FileManager.default.removeItem(at: file) }
    var environment = mock.environment
    environment["ATTIO_API_KEY"] = nil
    let run = try await BinaryRunner.run(
      [
        "deliver", "--write-mode", "assert", "--verbose", "--api-key-file", file.path,
        "fixtures/seed-lead.ndjson",
      ],
      environment: environment)
    #expect(run.status == 0)
    expectNoToken(run)
  }

  @Test func buildPipedIntoSendBehavesLikeDeliver() async throws {
    let mock = try await MockAttio()
    let bodies = try await BinaryRunner.run([
      "build", "--default-country", "GB", "fixtures/demo.ndjson",
    ])
    let sent = try await BinaryRunner.run(
      ["send", "--write-mode", "assert"], stdin: bodies.stdout, environment: mock.environment)
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
    let viaSend = byEmail(try await mock.people())
    let other = try await MockAttio()
    let delivered = try await BinaryRunner.run(
      ["deliver", "--write-mode", "assert", "--default-country", "GB", "fixtures/demo.ndjson"],
      environment: other.environment
    )
    #expect(delivered.status == 0)
    let viaDeliver = byEmail(try await other.people())
    #expect(viaSend.count == 3)
    #expect(viaSend == viaDeliver)
    #expect(MockAttioResults(sent).statuses.count == MockAttioResults(delivered).statuses.count)
    let otherPuts = try await other.puts().count
    #expect(try await mock.puts().count == otherPuts)
  }

  @Test func sendReportsLinesThatAreNotBodies() async throws {
    let mock = try await MockAttio()
    let input =
      #"{"data":{"values":{"email_addresses":[{"email_address":"a@example.com"}]}}}"# + "\n"
      + #"{"data":{"values":{"name":[{"first_name":"","last_name":"","full_name":"x"}]}}}"# + "\n"
      + "not json\n"
    let run = try await BinaryRunner.run(
      ["send", "--write-mode", "assert"], stdin: Data(input.utf8), environment: mock.environment)
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
@Suite(.timeLimit(.minutes(10))) struct DeliverySignalTests {
  @Test func sigtermMidStreamFinishesWithinGraceAndAccountsForEveryEvent() async throws {
    // Slow server, slow rate: most work is still queued when the signal comes.
    let mock = try await MockAttio(latencyMilliseconds: 300)
    let child = try await BinaryRunner.start(
      ["deliver", "--write-mode", "assert", "--rate", "4", "--grace", "1s"],
      environment: mock.environment, watchdog: 40)
    var events = ""
    for person in 0..<40 {
      events += Events.identify("v\(person)", email: "p\(person)@example.com")
    }
    await child.write(events)
    // The signal comes once the first requests are at the server (a run sends nothing in its
    // first second, and a slow machine may take longer to start).
    for _ in 0..<200 {
      if !(try await mock.requests().isEmpty) { break }
      try await Task.sleep(for: .milliseconds(50))
    }
    child.signal(SIGTERM)
    let started = Date()
    let finished = await child.finish()
    // A bound on a hang, not a timing: ignoring the grace would take 9 s more at --rate 4 and
    // would leave nothing `not_sent`, which the checks below catch on any machine.
    #expect(Date().timeIntervalSince(started) < 30)
    #expect(finished.status == 5)
    let results = results(finished)
    #expect(results.compactMap { $0["line"] as? Int }.sorted() == Array(1...40))
    let statuses = results.compactMap { $0["status"] as? String }
    #expect(statuses.contains("upserted"))
    #expect(statuses.contains("not_sent"))
    #expect(Set(statuses).isSubset(of: ["upserted", "not_sent", "in_doubt"]))
    let upserted = statuses.filter { $0 == "upserted" }.count
    #expect(try await mock.people().count >= upserted)
  }

  @Test func aSecondSignalStopsAtOnce() async throws {
    // Answers take 60 s and the grace is 30 s: only the second signal explains an exit well
    // before either, however busy the machine.
    let mock = try await MockAttio(latencyMilliseconds: 60_000)
    let child = try await BinaryRunner.start(
      ["deliver", "--write-mode", "assert", "--grace", "30s"], environment: mock.environment,
      watchdog: 120)
    var events = ""
    for person in 0..<10 {
      events += Events.identify("v\(person)", email: "p\(person)@example.com")
    }
    await child.write(events)
    try await Task.sleep(for: .seconds(2))
    child.signal(SIGTERM)
    try await Task.sleep(for: .milliseconds(200))
    child.signal(SIGINT)
    let started = Date()
    let finished = await child.finish()
    #expect(Date().timeIntervalSince(started) < 25)
    #expect(finished.status == 5)
    let lines = finished.stdoutText.split(separator: "\n")
    #expect(lines.count == 10)
    // All ten were in flight (60 s answers): sent, answer not seen.
    #expect(
      lines.allSatisfy { $0.contains(#""status":"in_doubt""#) && $0.contains(#""request":"#) })
  }
}

/// `check` passes and fails for the right reasons.
@Suite(.timeLimit(.minutes(10))) struct CheckCommandTests {
  @Test func passesOnAHealthyWorkspace() async throws {
    let mock = try await MockAttio()
    let run = try await BinaryRunner.run(["check"], environment: mock.environment)
    #expect(run.status == 0)
    #expect(run.stdoutText.contains("all checks passed"))
    #expect(!run.stdoutText.contains("FAIL"))
    #expect(!run.stdoutText.contains(MockAttio.token) && !run.stderrText.contains(MockAttio.token))
    #expect(try await mock.puts().isEmpty)  // a pre-flight writes nothing
  }

  @Test func aRenamedSlugFailsUnlessMapped() async throws {
    let mock = try await MockAttio()
    try await mock.configure(["rename": ["job_title": "role"]])
    let failing = try await BinaryRunner.run(["check"], environment: mock.environment)
    #expect(failing.status == 2)
    #expect(failing.stdoutText.contains("FAIL  attribute job_title: not found"))
    let mapped = try await BinaryRunner.run(
      ["check", "--attribute", "job_title=role"], environment: mock.environment)
    #expect(mapped.status == 0)
    #expect(mapped.stdoutText.contains("ok    attribute role (for job_title)"))
  }

  @Test func archivedAndReadOnlySlugsFail() async throws {
    let mock = try await MockAttio()
    try await mock.configure(["archive": ["description"], "not_writable": ["phone_numbers"]])
    let run = try await BinaryRunner.run(["check"], environment: mock.environment)
    #expect(run.status == 2)
    #expect(run.stdoutText.contains("FAIL  attribute phone_numbers"))
    #expect(run.stdoutText.contains("FAIL  attribute description"))
  }

  @Test func aMissingScopeOrAnInactiveTokenIsAnAuthenticationFailure() async throws {
    let mock = try await MockAttio()
    try await mock.configure(["scopes": "record_permission:read-write"])
    let scope = try await BinaryRunner.run(["check"], environment: mock.environment)
    #expect(scope.status == 4)
    #expect(scope.stdoutText.contains("FAIL  scope object_configuration:read: missing"))
    try await mock.configure(["token_revoked": true])
    let revoked = try await BinaryRunner.run(["check"], environment: mock.environment)
    #expect(revoked.status == 4)
    #expect(revoked.stdoutText.contains("token: not active"))
  }

  @Test func anUnreachableEndpointFailsWithoutHanging() async throws {
    var environment = ProcessInfo.processInfo.environment
    environment["ATTIO_API_KEY"] = MockAttio.token
    let run = try await BinaryRunner.run(
      ["check", "--endpoint", "http://127.0.0.1:9", "--timeout", "2s"], environment: environment)
    #expect(run.status == 1)
    #expect(run.stdoutText.contains("FAIL"))
  }
}
