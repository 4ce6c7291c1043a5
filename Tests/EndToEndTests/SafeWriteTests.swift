import Foundation
import TestSupport
import Testing

/// `--write-mode merge` (the default) against the mock's record model: find the person,
/// then PATCH what differs, or create; lists only gain values, single values are overwritten
/// (unless `--only-if-empty` names them).
@Suite struct SafeWriteTests {
  private func person(_ id: String, _ traits: [String: Any]) -> String {
    Events.line([
      "type": "identify", "anonymousId": id, "messageId": "m-\(id)-\(traits.count)",
      "traits": traits,
    ])
  }

  private func deliver(_ mock: MockAttio, _ input: String, _ extra: [String] = []) async throws
    -> BinaryRunner.Result
  {
    try await BinaryRunner.run(
      ["deliver"] + extra, stdin: Data(input.utf8), environment: mock.environment)
  }

  @Test func aPersonWithTwoEmailsAndTwoPhonesKeepsThemAllAndGainsTheNewPhone() async throws {
    let mock = try await MockAttio()
    let ids = try await mock.seed(people: [
      [
        "values": [
          "email_addresses": ["ada@example.com", "ada@work.example"],
          "phone_numbers": ["+442079460958", "+447700900123"],
        ]
      ]
    ])
    let run = try await deliver(
      mock, person("a", ["email": "ada@example.com", "phone": "+447911123456"]))
    #expect(run.status == 0, "\(run.stderrText)")
    let result = try #require(results(run).first)
    #expect(result["status"] as? String == "upserted")
    #expect(result["action"] as? String == "updated")
    #expect(result["record_id"] as? String == ids.first)
    let people = try await mock.people()
    #expect(people.count == 1)
    #expect(
      people.first?["email_addresses"] as? [String] == ["ada@example.com", "ada@work.example"])
    #expect(
      people.first?["normalized_phone_numbers"] as? [String] == [
        "+447911123456", "+442079460958", "+447700900123",
      ])
    #expect(try await mock.requests().map { $0["endpoint"] as? String } == ["query", "patch"])
    let patch = try #require(try await mock.requests(endpoint: "patch").first)
    #expect(patch["record_id"] as? String == ids.first)
    // Only what the record lacked: the address it holds is not sent again.
    let values = (patch["body"] as? [String: Any])?["data"] as? [String: Any]
    #expect((values?["values"] as? [String: Any])?["email_addresses"] == nil)
    #expect(run.stderrText.contains("updated: 1"), "\(run.stderrText)")
    #expect(run.stderrText.contains("requests: 2, retries: 0"), "\(run.stderrText)")
  }

  @Test func onlyIfEmptyKeepsARepsJobTitle() async throws {
    let mock = try await MockAttio()
    try await mock.seed(people: [
      ["values": ["email_addresses": ["ceo@example.com"], "job_title": "Head of Research"]]
    ])
    let input =
      person("c", ["email": "ceo@example.com", "job_title": "ceo!!!"])
      + person("d", ["email": "new@example.com", "job_title": "Analyst"])
    let run = try await deliver(mock, input, ["--only-if-empty", "job_title"])
    #expect(run.status == 0, "\(run.stderrText)")
    let byEmail = Dictionary(
      results(run).map { ($0["email"] as? String ?? "", $0) }, uniquingKeysWith: { $1 })
    #expect(byEmail["ceo@example.com"]?["action"] as? String == "unchanged")
    #expect(byEmail["ceo@example.com"]?["status"] as? String == "unchanged")
    #expect(byEmail["new@example.com"]?["action"] as? String == "created")
    let kept = try await mock.person("ceo@example.com")
    #expect(kept?["job_title"] as? [[String: String]] == [["value": "Head of Research"]])
    // An empty record still gets the value.
    let created = try await mock.person("new@example.com")
    #expect(created?["job_title"] as? [[String: String]] == [["value": "Analyst"]])
    #expect((try await mock.stats())["patches"] as? Int == 0)
  }

  @Test func aPhoneHeldInAnotherFormatCausesNoWrite() async throws {
    let mock = try await MockAttio()
    let ids = try await mock.seed(people: [
      [
        "values": [
          "email_addresses": ["bo@example.com"],
          "phone_numbers": [["original_phone_number": "07700 900123", "country_code": "GB"]],
        ]
      ]
    ])
    let run = try await deliver(
      mock, person("b", ["email": "bo@example.com", "phone": "+447700900123"]))
    #expect(run.status == 0, "\(run.stderrText)")
    let result = try #require(results(run).first)
    #expect(result["status"] as? String == "unchanged")
    #expect(result["action"] as? String == "unchanged")
    #expect(result["record_id"] as? String == ids.first)
    let stats = try await mock.stats()
    #expect(stats["patches"] as? Int == 0)
    #expect(stats["writes"] as? Int == 0)
  }

  @Test func aNewPersonIsCreatedWithExactlyTheBuiltValues() async throws {
    let mock = try await MockAttio()
    let input = person(
      "n",
      ["email": "Nia@Example.com", "name": "Nia Ode", "phone": "+447700900999", "title": "CTO"])
    let built = try await BinaryRunner.run([], stdin: Data(input.utf8))
    let run = try await deliver(mock, input)
    #expect(run.status == 0, "\(run.stderrText)")
    let result = try #require(results(run).first)
    #expect(result["action"] as? String == "created")
    #expect(result["record_id"] is String)
    let create = try #require(try await mock.requests(endpoint: "create").first)
    let body = try JSONSerialization.jsonObject(with: Data(built.stdout)) as? NSDictionary
    #expect(create["body"] as? NSDictionary == body)
    #expect(try await mock.requests().map { $0["endpoint"] as? String } == ["query", "create"])
    #expect(try await mock.puts().isEmpty)
  }

  @Test func theCreateRaceEndsInAPatchNotADuplicate() async throws {
    let mock = try await MockAttio()
    try await mock.race(email: "late@example.com")
    let run = try await deliver(
      mock, person("l", ["email": "late@example.com", "phone": "+447700900555"]))
    #expect(run.status == 0, "\(run.stderrText)")
    let result = try #require(results(run).first)
    #expect(result["action"] as? String == "updated")
    #expect(
      try await mock.requests().map { $0["endpoint"] as? String } == [
        "query", "create", "query", "patch",
      ])
    let people = try await mock.people()
    #expect(people.count == 1)
    #expect(people.first?["normalized_phone_numbers"] as? [String] == ["+447700900555"])
    #expect((try await mock.stats())["races_fired"] as? Int == 1)
  }

  @Test func assertModeSendsExactlyTheBuiltPuts() async throws {
    let mock = try await MockAttio()
    try await mock.seed(people: [
      ["values": ["email_addresses": ["ada@example.com"], "phone_numbers": ["+442079460958"]]]
    ])
    let input =
      person("a", ["email": "ada@example.com", "phone": "+447911123456"])
      + person("z", ["email": "zed@example.com"])
    let built = try await BinaryRunner.run([], stdin: Data(input.utf8))
    let run = try await deliver(mock, input, ["--write-mode", "assert"])
    #expect(run.status == 0, "\(run.stderrText)")
    #expect(results(run).allSatisfy { $0["action"] as? String == "asserted" })
    let requests = try await mock.requests()
    #expect(requests.allSatisfy { $0["endpoint"] as? String == "assert" })
    let sent = requests.compactMap { $0["body"] as? NSDictionary }
    let expected = built.stdoutText.split(separator: "\n").compactMap {
      try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? NSDictionary
    }
    // Two people go concurrently: compare regardless of arrival order.
    #expect(Set(sent) == Set(expected))
    #expect(sent.count == expected.count)
    // What assert means: the list it sends replaces the one Attio held.
    let ada = try await mock.people().first {
      ($0["email_addresses"] as? [String]) == ["ada@example.com"]
    }
    #expect(ada?["normalized_phone_numbers"] as? [String] == ["+447911123456"])
  }

  @Test func rateLimitedReadsAreWaitedOut() async throws {
    let mock = try await MockAttio()
    try await mock.configure(["read_rate": 2])
    var input = ""
    for index in 0..<8 { input += person("r\(index)", ["email": "r\(index)@example.com"]) }
    let run = try await deliver(mock, input)
    #expect(run.status == 0, "\(run.stderrText)")
    let results = results(run)
    #expect(results.count == 8)
    #expect(results.allSatisfy { $0["action"] as? String == "created" })
    let stats = try await mock.stats()
    #expect(stats["rate_limited_reads"] as? Int ?? 0 > 0, "\(stats)")
    #expect(try await mock.people().count == 8)
    #expect(run.stderrText.contains("rate_limited:"))
  }

  @Test func checkVerifiesThatARecordsQueryIsPermittedInMergeMode() async throws {
    let mock = try await MockAttio()
    let allowed = try await BinaryRunner.run(["check"], environment: mock.environment)
    #expect(allowed.status == 0, "\(allowed.stdoutText)")
    #expect(allowed.stdoutText.contains("ok    records query (merge mode's find): permitted"))
    try await mock.configure(["rules": [["endpoint": "query", "status": 403]]])
    let refused = try await BinaryRunner.run(["check"], environment: mock.environment)
    #expect(refused.status == 4, "\(refused.stdoutText)")
    #expect(refused.stdoutText.contains("FAIL  POST "))
    #expect(refused.stdoutText.contains("--write-mode assert"))
    // Assert mode never reads: the query is not checked.
    let assert = try await BinaryRunner.run(
      ["check", "--write-mode", "assert"], environment: mock.environment)
    #expect(assert.status == 0, "\(assert.stdoutText)")
    #expect(!assert.stdoutText.contains("records query"))
  }

  @Test func anEmailChangeLeavesOneRecordHoldingBothEmails() async throws {
    let mock = try await MockAttio()
    let ids = try await mock.seed(people: [["values": ["email_addresses": ["old@example.com"]]]])
    let input =
      person("u", ["email": "old@example.com"])
      + person("u", ["email": "new@example.com", "name": "Uma Lee"])
    let run = try await deliver(mock, input)
    #expect(run.status == 0, "\(run.stderrText)")
    let changed = try #require(
      results(run).first { $0["email"] as? String == "new@example.com" })
    try await expectNewEmailAdded(changed, toRecord: ids.first, in: mock)
    let patch = try #require(try await mock.requests(endpoint: "patch").first)
    #expect(patch["record_id"] as? String == ids.first)
  }

  /// `send` writes the bodies `build` printed the same way: merged, nothing removed.
  @Test func sendMergesBodiesIntoWhatAttioHolds() async throws {
    let mock = try await MockAttio()
    try await mock.seed(people: [
      ["values": ["email_addresses": ["ada@example.com"], "phone_numbers": ["+442079460958"]]]
    ])
    let input = person("a", ["email": "ada@example.com", "phone": "+447911123456"])
    let built = try await BinaryRunner.run([], stdin: Data(input.utf8))
    let run = try await BinaryRunner.run(
      ["send"], stdin: built.stdout, environment: mock.environment)
    #expect(run.status == 0, "\(run.stderrText)")
    #expect(results(run).first?["action"] as? String == "updated")
    #expect(
      try await mock.people().first?["normalized_phone_numbers"] as? [String] == [
        "+447911123456", "+442079460958",
      ])
    #expect(try await mock.puts().isEmpty)
  }

  @Test func whenBothEmailsHaveRecordsTheNewOneIsUpdatedWithADuplicateWarning() async throws {
    let mock = try await MockAttio()
    let ids = try await mock.seed(people: [
      ["values": ["email_addresses": ["old@example.com"]]],
      ["values": ["email_addresses": ["new@example.com"]]],
    ])
    let input =
      person("u", ["email": "old@example.com"])
      + person("u", ["email": "new@example.com", "job_title": "CTO"])
    let run = try await deliver(mock, input)
    #expect(run.status == 0, "\(run.stderrText)")
    let changed = try #require(
      results(run).first { $0["email"] as? String == "new@example.com" })
    #expect(changed["action"] as? String == "updated")
    #expect(changed["record_id"] as? String == ids.last)
    #expect(changed["warning"] as? String == "duplicate_person")
    #expect(changed["duplicate_record_ids"] as? [String] == [ids[1], ids[0]])
    #expect(changed["email_added"] == nil)
    // Not merged: two people, the old one untouched.
    let people = try await mock.people()
    #expect(people.count == 2)
    #expect(
      people.first { $0["record_id"] as? String == ids[0] }?["email_addresses"] as? [String] == [
        "old@example.com"
      ])
    let patches = try await mock.requests(endpoint: "patch")
    #expect(patches.map { $0["record_id"] as? String } == [ids[1]])
  }
}
