import Foundation
import TestSupport
import Testing

/// `--companies`: group calls become company asserts, delivered before the people they link.
@Suite struct CompanyTests {
  private static let identify = Events.line([
    "type": "identify", "userId": "u1", "messageId": "m1",
    "traits": ["email": "ada@acme.com", "name": "Ada Lovelace"],
  ])
  private static let group = Events.line([
    "type": "group", "userId": "u1", "groupId": "g1", "messageId": "m2",
    "traits": ["name": "Acme Inc", "website": "https://www.Acme.com/pricing", "employees": 42],
  ])
  private static let signedUp = Events.line([
    "type": "track", "userId": "u1", "event": "Signed Up", "messageId": "m3",
  ])
  private static let noDomain = Events.line([
    "type": "group", "userId": "u1", "groupId": "g2", "messageId": "m4",
    "traits": ["name": "Nowhere Ltd", "website": "n/a"],
  ])
  private static let input = identify + group + signedUp + noDomain

  private func deliver(_ mock: MockAttio, _ input: String, _ extra: [String] = []) async throws
    -> BinaryRunner.Result
  {
    try await BinaryRunner.run(
      ["deliver", "--companies"] + extra, stdin: Data(input.utf8), environment: mock.environment)
  }

  private func body(_ request: [String: Any]) -> [String: Any] {
    ((request["body"] as? [String: Any])?["data"] as? [String: Any])?["values"] as? [String: Any]
      ?? [:]
  }

  /// The stored person's company, as the mock resolved the reference.
  private func linkedCompany(_ mock: MockAttio, _ email: String) async throws -> String? {
    let person = try await mock.person(email)
    return ((person?["company"] as? [[String: Any]])?.first)?["target_record_id"] as? String
  }

  @Test(arguments: ["merge", "assert"])
  func theCompanyIsWrittenBeforeThePersonItLinks(mode: String) async throws {
    let mock = try await MockAttio()
    // The company's write is slow: a person write sent meanwhile would reference a company
    // that does not exist yet, and Attio would refuse it.
    try await mock.configure(["rules": [["endpoint": "company_assert", "delay_ms": 700]]])
    let run = try await deliver(mock, Self.input, ["--write-mode", mode])
    #expect(run.status == 0, "\(run.stdoutText)\(run.stderrText)")
    let companies = try await mock.companies()
    #expect(companies.count == 1)
    let company = try #require(companies.first)
    #expect(company["domains"] as? [String] == ["acme.com"])
    #expect(
      ((company["values"] as? [String: Any])?["name"] as? [[String: Any]])?.first?["value"]
        as? String == "Acme Inc")
    // The link landed on the person.
    #expect(try await linkedCompany(mock, "ada@acme.com") == company["record_id"] as? String)
    // And every write that carried it started after the company's write was answered.
    let requests = try await mock.requests()
    let companyWrite = try #require(
      requests.first { $0["endpoint"] as? String == "company_assert" })
    let completed = try #require(companyWrite["completed"] as? Double)
    let linking = requests.filter { body($0)["company"] != nil }
    #expect(!linking.isEmpty)
    for request in linking {
      #expect((request["arrival"] as? Double ?? 0) >= completed)
      #expect(
        (body(request)["company"] as? [[String: Any]])?.first?["target_object"] as? String
          == "companies")
    }
  }

  @Test func companyResultsAreTheirOwnLinesAndSkipsSayWhy() async throws {
    let mock = try await MockAttio()
    let run = try await deliver(mock, Self.input, ["--verbose"])
    #expect(run.status == 0, "\(run.stderrText)")
    let lines = results(run)
    #expect(lines.count == 3)
    let company = try #require(lines.first { $0["object"] as? String == "companies" })
    #expect(company["domain"] as? String == "acme.com")
    #expect(company["status"] as? String == "upserted")
    #expect(company["action"] as? String == "asserted")
    #expect(company["line"] as? Int == 2)
    #expect(company["messageId"] as? String == "m2")
    #expect(company["email"] == nil)
    #expect(
      company["record_id"] as? String == (try await mock.companies()).first?["record_id"] as? String
    )
    // The group without a domain: skipped with its reason, no request made for it.
    #expect(
      run.stderrText.contains(#""messageId":"m4","kind":"skipped","reason":"no_domain""#),
      "\(run.stderrText)")
    #expect(try await mock.requests(endpoint: "company_assert").count == 1)
  }

  @Test func aFailedCompanyResultReplaysThroughSend() async throws {
    let mock = try await MockAttio()
    try await mock.configure([
      "rules": [
        [
          "endpoint": "company_assert", "status": 400, "code": "validation_type",
          "message": "invalid",
        ]
      ]
    ])
    let run = try await deliver(mock, Self.identify + Self.group)
    #expect(run.status == 1, "\(run.stderrText)")
    let failed = try #require(results(run).first { $0["object"] as? String == "companies" })
    #expect(failed["status"] as? String == "failed")
    let request = try #require(failed["request"] as? [String: Any])
    #expect(request["object"] as? String == "companies")
    // Replay: the failed line's request goes back through send.
    let replayLine =
      String(
        decoding: try JSONSerialization.data(withJSONObject: request, options: [.sortedKeys]),
        as: UTF8.self) + "\n"
    let replay = try await BinaryRunner.run(
      ["send"], stdin: Data(replayLine.utf8), environment: mock.environment)
    #expect(replay.status == 0, "\(replay.stderrText)")
    #expect(results(replay).first?["object"] as? String == "companies")
    #expect(results(replay).first?["status"] as? String == "upserted")
    #expect((try await mock.companies()).first?["domains"] as? [String] == ["acme.com"])
  }

  @Test func buildPipedIntoSendWritesCompaniesAndLinks() async throws {
    let build = try await BinaryRunner.run(["build", "--companies"], stdin: Data(Self.input.utf8))
    #expect(build.status == 0, "\(build.stderrText)")
    let bodies = build.stdoutText.split(separator: "\n").map(String.init)
    #expect(bodies.count == 3)
    #expect(
      bodies[1]
        == #"{"object":"companies","data":{"values":{"domains":[{"domain":"acme.com"}],"name":[{"value":"Acme Inc"}]}}}"#
    )
    #expect(!bodies[0].contains("company"))
    #expect(
      bodies[2].hasSuffix(
        #","company":[{"target_object":"companies","domains":[{"domain":"acme.com"}]}]}}}"#))

    let mock = try await MockAttio()
    try await mock.configure(["rules": [["endpoint": "company_assert", "delay_ms": 500]]])
    let send = try await BinaryRunner.run(
      ["send"], stdin: Data(build.stdoutText.utf8), environment: mock.environment)
    #expect(send.status == 0, "\(send.stdoutText)\(send.stderrText)")
    let lines = results(send)
    #expect(lines.count == 3)
    #expect(lines.filter { $0["object"] as? String == "companies" }.count == 1)
    let company = try #require((try await mock.companies()).first)
    #expect(try await linkedCompany(mock, "ada@acme.com") == company["record_id"] as? String)
  }

  @Test func mergeModeSeesALinkItWroteAsUnchanged() async throws {
    let mock = try await MockAttio()
    let child = try await BinaryRunner.start(
      ["deliver", "--companies", "--no-dedupe"], environment: mock.environment, watchdog: 120)
    await child.write(Self.identify + Self.group + Self.signedUp)
    // The person's later event must come after the link was written (else it merges in).
    var lines: [String] = []
    for _ in 0..<3 {
      if let line = await child.readLine(timeout: 60) { lines.append(line) }
    }
    #expect(lines.count == 3)
    await child.write(
      Events.line(["type": "track", "userId": "u1", "event": "Logged In", "messageId": "m5"]))
    child.closeInput()
    let finished = await child.finish()
    #expect(finished.status == 0, "\(finished.stderrText)")
    let all = (lines + finished.stdoutText.split(separator: "\n").map(String.init)).compactMap {
      try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }
    let last = try #require(all.first { $0["messageId"] as? String == "m5" })
    // Found, and the record already references the company this run wrote: nothing to write.
    #expect(last["status"] as? String == "unchanged", "\(last)")
    #expect(last["action"] as? String == "unchanged")
  }

  @Test func theLinkIsKeptInTheStateFile() async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "attio-pipe-companies-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let state = directory.appendingPathComponent("state").path
    let first = try await BinaryRunner.run(
      ["build", "--companies", "--state", state], stdin: Data((Self.identify + Self.group).utf8))
    #expect(first.status == 0, "\(first.stderrText)")
    let second = try await BinaryRunner.run(
      ["build", "--companies", "--state", state], stdin: Data(Self.signedUp.utf8))
    #expect(second.status == 0, "\(second.stderrText)")
    #expect(
      second.stdoutText.contains(
        #""company":[{"target_object":"companies","domains":[{"domain":"acme.com"}]}]"#))
  }

  @Test func withoutTheOptionGroupsAreSkippedAsBefore() async throws {
    let build = try await BinaryRunner.run(["build"], stdin: Data(Self.input.utf8))
    #expect(build.status == 0)
    #expect(!build.stdoutText.contains("companies"))
    #expect(build.stdoutText.split(separator: "\n").count == 2)
  }

  @Test func mapCompanyWritesTypedAttributes() async throws {
    let mock = try await MockAttio()
    let input =
      Self.identify
      + Events.line([
        "type": "group", "userId": "u1", "groupId": "g1", "messageId": "m2",
        "traits": ["domain": "acme.com", "industry": "Robotics", "employees": "42"],
      ])
    let run = try await deliver(
      mock, input,
      ["--map-company", "traits.industry=industry", "--map-company", "traits.employees=employees"])
    #expect(run.status == 0, "\(run.stderrText)")
    let values = try #require((try await mock.companies()).first?["values"] as? [String: Any])
    #expect((values["industry"] as? [[String: Any]])?.first?["value"] as? String == "Robotics")
    #expect((values["employees"] as? [[String: Any]])?.first?["value"] as? Double == 42)
  }

  /// `--map-company` converts like `--map`: by the saved schema in build, by Attio's in
  /// deliver; a value the type refuses is left out with a warning, the rest is written.
  @Test func mapCompanyBuildsBySavedSchemaAndLeavesBadValuesOut() async throws {
    let mock = try await MockAttio()
    let schema = temporaryPath("company-schema.json")
    defer { try? FileManager.default.removeItem(atPath: schema) }
    let check = try await BinaryRunner.run(
      ["check", "--save-schema", schema], environment: mock.environment)
    #expect(check.status == 0, "\(check.stdoutText)\(check.stderrText)")
    let input =
      Self.identify
      + Events.line([
        "type": "group", "userId": "u1", "groupId": "g1", "messageId": "m2",
        "traits": ["domain": "acme.com", "industry": "Robotics", "employees": "lots"],
      ])
    let maps = [
      "--companies", "--map-company", "traits.industry=industry", "--map-company",
      "traits.employees=employees",
    ]
    let build = try await BinaryRunner.run(
      ["build", "--schema", schema, "-v"] + maps, stdin: Data(input.utf8))
    #expect(build.status == 0, "\(build.stderrText)")
    // The identify's person, then the company.
    #expect(
      build.stdoutText.split(separator: "\n").last
        == #"{"object":"companies","data":{"values":{"domains":[{"domain":"acme.com"}],"industry":[{"value":"Robotics"}]}}}"#
    )
    #expect(build.stderrText.contains("invalid_value"), "\(build.stderrText)")
    #expect(build.stderrText.contains("traits.employees"), "\(build.stderrText)")
    let run = try await deliver(mock, input, Array(maps.dropFirst()))
    #expect(run.status == 0, "\(run.stderrText)")
    let values = try #require((try await mock.companies()).first?["values"] as? [String: Any])
    #expect((values["industry"] as? [[String: Any]])?.first?["value"] as? String == "Robotics")
    #expect(values["employees"] == nil || (values["employees"] as? [Any])?.isEmpty == true)
  }
}
