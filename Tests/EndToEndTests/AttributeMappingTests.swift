import Foundation
import TestSupport
import Testing

/// `--map SOURCE=SLUG` against the mock's workspace schema, which has a custom attribute of
/// every type `--map` writes.
@Suite struct AttributeMappingTests {
  /// One mapping per type, from traits, properties and context.
  static let maps = [
    "traits.signup_source=signup_source", "context.campaign.name=utm_campaign",
    "traits.seats=seats", "traits.newsletter=newsletter_consent", "properties.mrr=mrr",
    "traits.trial_ends=trial_ends_on", "traits.signed_up_at=signed_up_at",
    "traits.satisfaction=satisfaction", "traits.plan=plan", "traits.interests=interests",
    "traits.stage=lifecycle_stage", "traits.billing_email=billing_email",
    "traits.work_phone=work_phone", "traits.website=personal_website",
    "traits.company=accounts",
  ].flatMap { ["--map", $0] }

  static var goodTraits: [String: Any] {
    [
      "email": "ada@example.com", "signup_source": "Paid ads", "seats": "12",
      "newsletter": "yes", "trial_ends": "2026-12-01T23:30:00-05:00",
      "signed_up_at": "2026-12-01T09:30:00.5+02:00", "satisfaction": 4, "plan": "pro",
      "interests": "analytics, Security", "stage": "trial", "billing_email": "Billing@Example.com",
      "work_phone": "020 7946 0958", "website": "https://www.Lovelace.org/about",
      "company": "acme.com",
    ]
  }

  static var goodEvents: String {
    Events.line([
      "type": "identify", "userId": "u1", "messageId": "m1", "traits": goodTraits,
      "context": ["campaign": ["name": "spring"]],
    ])
      + Events.line([
        "type": "track", "event": "Signed Up", "userId": "u1", "messageId": "m2",
        "properties": ["mrr": 99.5],
      ])
  }

  private func deliver(_ mock: MockAttio, _ input: String, _ extra: [String] = []) async throws
    -> BinaryRunner.Result
  {
    try await BinaryRunner.run(
      ["deliver", "--default-country", "GB"] + Self.maps + extra, stdin: Data(input.utf8),
      environment: mock.environment)
  }

  /// Delivers `events` one at a time, each once the one before has its result: two events of
  /// one person are then two writes (read together, they would wait out the run's first
  /// second together and merge into one).
  private func deliverOneByOne(_ mock: MockAttio, _ events: String, _ arguments: [String])
    async throws -> BinaryRunner.Result
  {
    let child = try await BinaryRunner.start(arguments, environment: mock.environment)
    for event in events.split(separator: "\n") {
      await child.write(event + "\n")
      _ = await child.readLine(timeout: 60)
    }
    child.closeInput()
    return await child.finish()
  }

  @Test func everyTypeIsConvertedAndWritten() async throws {
    let mock = try await MockAttio()
    try await mock.seedCompanies([["values": ["domains": ["acme.com"]]]])
    let run = try await deliver(mock, Self.goodEvents)
    #expect(run.status == 0, "\(run.stderrText)")
    #expect(results(run).map { $0["status"] as? String } == ["upserted", "upserted"])
    let person = try #require(try await mock.person("ada@example.com"))
    /// Compared as Foundation values: JSON numbers and booleans are NSNumbers.
    func value(_ slug: String) -> NSArray? { person[slug] as? NSArray }
    #expect(value("signup_source") == ([["value": "Paid ads"]] as NSArray))
    #expect(value("utm_campaign") == ([["value": "spring"]] as NSArray))
    #expect(value("seats") == ([["value": 12]] as NSArray))
    #expect(value("newsletter_consent") == ([["value": true]] as NSArray))
    #expect(value("mrr") == ([["currency_value": 99.5]] as NSArray))
    #expect(value("trial_ends_on") == ([["value": "2026-12-01"]] as NSArray))
    #expect(value("signed_up_at") == ([["value": "2026-12-01T07:30:00.500000000Z"]] as NSArray))
    #expect(value("satisfaction") == ([["value": 4]] as NSArray))
    #expect(value("plan") == ([["option": "Pro"]] as NSArray))
    #expect(value("interests") == ([["option": "Analytics"], ["option": "Security"]] as NSArray))
    #expect(value("lifecycle_stage") == ([["status": "Trial"]] as NSArray))
    #expect(value("billing_email") == ([["email_address": "billing@example.com"]] as NSArray))
    #expect(
      (value("work_phone")?.firstObject as? NSDictionary)?["original_phone_number"] as? String
        == "+442079460958")
    #expect(value("personal_website") == ([["domain": "lovelace.org"]] as NSArray))
    #expect(
      (value("accounts")?.firstObject as? NSDictionary)?["target_object"] as? String
        == "companies")
  }

  @Test func badValuesAreLeftOutWithWarningsAndTheRestIsWritten() async throws {
    let mock = try await MockAttio()
    let event = Events.line([
      "type": "identify", "userId": "u1", "messageId": "m1",
      "traits": [
        "email": "ada@example.com", "seats": "lots", "satisfaction": 9, "plan": "Gold",
        "interests": ["Analytics", "Crypto"], "signed_up_at": "2026-12-01T09:30:00",
        "signup_source": "Paid ads",
      ],
    ])
    let run = try await deliver(mock, event, ["--verbose"])
    #expect(run.status == 0, "\(run.stderrText)")
    #expect(results(run).first?["status"] as? String == "upserted")
    let warnings = run.stderrText.split(separator: "\n").compactMap {
      (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?
        .compactMapValues { $0 as? String }
    }.filter { $0["reason"] == "invalid_value" }
    let bySlug = Dictionary(
      warnings.map { ($0["slug"] ?? "", $0) }, uniquingKeysWith: { a, _ in a })
    #expect(Set(bySlug.keys) == ["seats", "satisfaction", "plan", "interests", "signed_up_at"])
    #expect(bySlug["seats"]?["source"] == "traits.seats")
    #expect(bySlug["seats"]?["detail"] == "\"lots\" is not a number")
    #expect(bySlug["satisfaction"]?["detail"]?.contains("0 to 5") == true)
    #expect(bySlug["plan"]?["detail"] == "unknown option \"Gold\"")
    #expect(bySlug["signed_up_at"]?["detail"]?.contains("no time zone") == true)
    let person = try #require(try await mock.person("ada@example.com"))
    #expect(person["seats"] == nil)
    #expect(person["satisfaction"] == nil)
    #expect(person["plan"] == nil)
    #expect(person["signed_up_at"] == nil)
    // The known option of the multi-select and the other attributes still go.
    #expect(person["interests"] as? [[String: String]] == [["option": "Analytics"]])
    #expect(person["signup_source"] as? [[String: String]] == [["value": "Paid ads"]])
    #expect(run.stderrText.contains("\"invalid_value\":5"), "\(run.stderrText)")
  }

  @Test func anOptionAnAdminAddsAfterTheStartIsWrittenAfterTheRefresh() async throws {
    let mock = try await MockAttio()
    // The admin adds "Scale" right after attio-pipe has read the plan's options at start.
    try await mock.addOption(attribute: "plan", title: "Scale", afterReads: 1)
    let event = Events.line([
      "type": "identify", "userId": "u1", "messageId": "m1",
      "traits": ["email": "ada@example.com", "plan": "scale"],
    ])
    let run = try await deliver(mock, event, ["--verbose"])
    #expect(run.status == 0, "\(run.stderrText)")
    #expect(!run.stderrText.contains("invalid_value"), "\(run.stderrText)")
    let person = try #require(try await mock.person("ada@example.com"))
    #expect(person["plan"] as? [[String: String]] == [["option": "Scale"]])
    #expect(try await mock.requests(endpoint: "options").count == 3)  // plan, interests, refresh
  }

  @Test func anOptionArchivedAfterTheStartIsLeftOutAfterAttioRefusesIt() async throws {
    let mock = try await MockAttio()
    // The admin archives "Pro" right after attio-pipe read the options: its first write of
    // Pro gets 400 value_not_found; the options are read again and the write sent without it.
    try await mock.addOption(attribute: "plan", title: "Pro", afterReads: 1, archived: true)
    let events =
      Events.line([
        "type": "identify", "userId": "u1", "messageId": "m1",
        "traits": ["email": "ada@example.com", "plan": "pro", "seats": 3],
      ])
      + Events.line([
        "type": "identify", "userId": "u2", "messageId": "m2",
        "traits": ["email": "grace@example.com", "plan": "Pro"],
      ])
    let run = try await deliver(mock, events, ["--verbose", "--concurrency", "1"])
    #expect(run.status == 0, "\(run.stderrText)")
    #expect(results(run).map { $0["status"] as? String } == ["upserted", "upserted"])
    #expect(run.stderrText.contains("Attio no longer has \\\"Pro\\\" of plan"), "\(run.stderrText)")
    let ada = try #require(try await mock.person("ada@example.com"))
    #expect(ada["plan"] == nil)
    #expect(ada["seats"] as? [[String: Int]] == [["value": 3]])
    // Both events were mapped before the first answer came (the input is read ahead), so
    // each write is refused once and repaired; `AttributeMapperTests` shows that later
    // events convert by the options read again.
    #expect(run.stderrText.contains("left out of grace@example.com's write"))
    #expect((try await mock.person("grace@example.com"))?["plan"] == nil)
    let refused = try await mock.requests().filter { $0["status"] as? Int == 400 }
    #expect(refused.count == 2)
  }

  @Test func anUnknownOptionIsStillLeftOutAfterTheRefresh() async throws {
    let mock = try await MockAttio()
    let event = Events.line([
      "type": "identify", "userId": "u1", "messageId": "m1",
      "traits": ["email": "ada@example.com", "plan": "Gold", "seats": 3],
    ])
    let run = try await deliver(mock, event, ["--verbose"])
    #expect(run.status == 0, "\(run.stderrText)")
    #expect(run.stderrText.contains("unknown option \\\"Gold\\\""), "\(run.stderrText)")
    let person = try #require(try await mock.person("ada@example.com"))
    #expect(person["plan"] == nil)
    #expect(person["seats"] as? [[String: Int]] == [["value": 3]])
  }

  @Test func buildWithASavedSchemaPrintsTheBodiesDeliverSends() async throws {
    let mock = try await MockAttio()
    try await mock.seedCompanies([["values": ["domains": ["acme.com"]]]])
    let schema = temporaryPath("schema.json")
    defer { try? FileManager.default.removeItem(atPath: schema) }
    let check = try await BinaryRunner.run(
      ["check", "--save-schema", schema], environment: mock.environment)
    #expect(check.status == 0, "\(check.stdoutText)\(check.stderrText)")
    #expect(check.stdoutText.contains("ok    schema saved to \(schema)"))
    let build = try await BinaryRunner.run(
      ["build", "--default-country", "GB", "--schema", schema] + Self.maps,
      stdin: Data(Self.goodEvents.utf8))
    #expect(build.status == 0, "\(build.stderrText)")
    let run = try await deliverOneByOne(
      mock, Self.goodEvents,
      ["deliver", "--default-country", "GB"] + Self.maps + [
        "--write-mode", "assert", "--no-dedupe",
      ])
    #expect(run.status == 0, "\(run.stderrText)")
    let built = build.stdoutText.split(separator: "\n").map {
      try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? NSDictionary
    }
    let sent = try await mock.puts().map { ($0["body"] as? [String: Any]).map(NSDictionary.init) }
    #expect(built.count == 2)
    #expect(built == sent)
    #expect(build.stdoutText.contains("\"plan\":[{\"option\":\"Pro\"}]"))
  }

  @Test func checkReportsEveryMappedSlug() async throws {
    let mock = try await MockAttio()
    let check = try await BinaryRunner.run(
      [
        "check", "--map", "traits.plan=plan", "--map", "traits.stage=lifecycle_stage",
        "--map", "traits.score=lead_score", "--map", "traits.x=nope", "--map",
        "traits.y=old_segment", "--map", "traits.z=last_email_interaction",
      ], environment: mock.environment)
    #expect(check.status == 2, "\(check.stdoutText)")
    let text = check.stdoutText
    #expect(
      text.contains(
        "ok    --map traits.plan=plan: select, writable, options Free, Starter, Pro, Enterprise"),
      "\(text)")
    #expect(text.contains("ok    --map traits.stage=lifecycle_stage: status, writable, statuses "))
    #expect(
      text.contains(
        "FAIL  --map traits.score=lead_score: attribute 'lead_score' (number) is read-only"))
    #expect(text.contains("FAIL  --map traits.x=nope: the people object has no attribute 'nope'"))
    #expect(text.contains("FAIL  --map traits.y=old_segment: attribute 'old_segment' is archived"))
    #expect(text.contains("FAIL  --map traits.z=last_email_interaction: attribute "))
    #expect(text.hasSuffix("some checks failed\n"))
  }

  @Test func buildWithMapButNoSchemaSaysHowToGetOne() async throws {
    let run = try await BinaryRunner.run(
      ["build", "--map", "traits.plan=plan"], stdin: Data())
    #expect(run.status == 2)
    #expect(run.stderrText.contains("check --save-schema FILE"), "\(run.stderrText)")
  }

  @Test func deliverRefusesAReadOnlyAttributeBeforeSendingAnything() async throws {
    let mock = try await MockAttio()
    let run = try await BinaryRunner.run(
      ["deliver", "--map", "traits.score=lead_score"], stdin: Data(Self.goodEvents.utf8),
      environment: mock.environment)
    #expect(run.status == 2)
    #expect(run.stderrText.contains("read-only"), "\(run.stderrText)")
    #expect(try await mock.puts().isEmpty)
    #expect(try await mock.requests(endpoint: "query").isEmpty)
  }

  @Test func aSchemaAttioDoesNotGiveStopsDeliverBeforeAnythingIsRead() async throws {
    let mock = try await MockAttio()
    try await mock.configure(["token_revoked": true])
    let refused = try await deliver(mock, Self.goodEvents)
    #expect(refused.status == 4, "\(refused.stderrText)")
    #expect(
      refused.stderrText.contains("cannot read the attributes that the --map options need"))
    #expect(refused.stdoutText.isEmpty)
    var environment = mock.environment
    environment["ATTIO_BASE_URL"] = "http://127.0.0.1:9"
    let unreachable = try await BinaryRunner.run(
      ["deliver", "--map", "traits.plan=plan", "--timeout", "5s"],
      stdin: Data(Self.goodEvents.utf8), environment: environment)
    #expect(unreachable.status == 2, "\(unreachable.stderrText)")
    #expect(unreachable.stderrText.contains("GET http://127.0.0.1:9/v2/objects/people/attributes"))
  }

  @Test func mergeModeOnlyAddsToAMappedMultiselectAndKeepsOnlyIfEmptyValues() async throws {
    let mock = try await MockAttio()
    try await mock.seed(people: [
      [
        "values": [
          "email_addresses": ["ada@example.com"], "interests": ["Automation"],
          "plan": "Enterprise",
        ]
      ],
      [
        "values": [
          "email_addresses": ["grace@example.com"], "interests": ["Automation", "Security"],
        ]
      ],
    ])
    let event =
      Events.line([
        "type": "identify", "userId": "u1", "messageId": "m1",
        "traits": ["email": "ada@example.com", "interests": ["Analytics"], "plan": "Pro"],
      ])
      + Events.line([
        "type": "identify", "userId": "u2", "messageId": "m2",
        "traits": ["email": "grace@example.com", "interests": "security"],
      ])
    let run = try await deliver(mock, event, ["--only-if-empty", "plan"])
    #expect(run.status == 0, "\(run.stderrText)")
    // Grace already holds Security among others: a multiselect that holds every wanted value
    // needs no write (a single value would have been compared whole, and written).
    let statuses = Dictionary(
      results(run).map { ($0["email"] as? String ?? "", $0["status"] as? String ?? "") },
      uniquingKeysWith: { a, _ in a })
    #expect(statuses == ["ada@example.com": "upserted", "grace@example.com": "unchanged"])
    let grace = try #require(try await mock.person("grace@example.com"))
    #expect((grace["interests"] as? [Any])?.count == 2)
    let person = try #require(try await mock.person("ada@example.com"))
    let interests = (person["interests"] as? [[String: String]])?.compactMap { $0["option"] }
    #expect(Set(interests ?? []) == ["Analytics", "Automation"])
    #expect(person["plan"] as? [[String: String]] == [["option": "Enterprise"]])
  }

  /// `send` learns the workspace's multiselects too: `build --map | send` merges a mapped
  /// multiselect as deliver does (a record holding every value needs no write).
  @Test func sendMergesAMappedMultiselectLikeDeliver() async throws {
    let mock = try await MockAttio()
    let schema = temporaryPath("schema.json")
    defer { try? FileManager.default.removeItem(atPath: schema) }
    let check = try await BinaryRunner.run(
      ["check", "--save-schema", schema], environment: mock.environment)
    #expect(check.status == 0, "\(check.stdoutText)\(check.stderrText)")
    try await mock.seed(people: [
      [
        "values": [
          "email_addresses": ["grace@example.com"], "interests": ["Automation", "Security"],
        ]
      ]
    ])
    let event = Events.line([
      "type": "identify", "userId": "u2", "messageId": "m2",
      "traits": ["email": "grace@example.com", "interests": "security"],
    ])
    let build = try await BinaryRunner.run(
      ["build", "--schema", schema, "--map", "traits.interests=interests"],
      stdin: Data(event.utf8))
    #expect(build.status == 0, "\(build.stderrText)")
    let send = try await BinaryRunner.run(
      ["send"], stdin: Data(build.stdout), environment: mock.environment)
    #expect(send.status == 0, "\(send.stderrText)")
    #expect(results(send).map { $0["status"] as? String } == ["unchanged"], "\(send.stdoutText)")
  }

  @Test func aTraitAnEarlierIdentifySetIsWrittenByALaterEvent() async throws {
    let mock = try await MockAttio()
    let events =
      Events.line([
        "type": "identify", "userId": "u1", "messageId": "m1",
        "traits": ["email": "ada@example.com", "plan": "Pro"],
      ]) + Events.line(["type": "track", "event": "Signed Up", "userId": "u1", "messageId": "m2"])
    let run = try await deliverOneByOne(
      mock, events,
      ["deliver", "--write-mode", "assert", "--no-dedupe", "--map", "traits.plan=plan"])
    #expect(run.status == 0, "\(run.stderrText)")
    let bodies = try await mock.puts().compactMap {
      (($0["body"] as? [String: Any])?["data"] as? [String: Any])?["values"] as? [String: Any]
    }
    #expect(bodies.count == 2)
    #expect(bodies.allSatisfy { $0["plan"] != nil })
  }

  /// Remembered traits live in `--state` under their source's name: a rerun with the same
  /// mappings writes them, a rerun whose `--map` order differs never writes one trait's value
  /// under another's slug.
  @Test func rememberedTraitsSurviveStateAndNeverChangeSlugs() async throws {
    let mock = try await MockAttio()
    let schema = temporaryPath("schema.json")
    let state = temporaryPath("state.bin")
    defer {
      for path in [schema, state] { try? FileManager.default.removeItem(atPath: path) }
    }
    let check = try await BinaryRunner.run(
      ["check", "--save-schema", schema], environment: mock.environment)
    #expect(check.status == 0, "\(check.stdoutText)\(check.stderrText)")
    let identify = Events.line([
      "type": "identify", "userId": "u1", "messageId": "m1",
      "traits": ["email": "ada@example.com", "plan": "Pro", "seats": 12],
    ])
    let signUp = Events.line([
      "type": "track", "event": "Signed Up", "userId": "u1", "messageId": "m2",
    ])
    let first = try await BinaryRunner.run(
      ["build", "--schema", schema, "--state", state, "--events", "Signed Up"]
        + ["--map", "traits.plan=plan", "--map", "traits.seats=seats"],
      stdin: Data(identify.utf8))
    #expect(first.status == 0, "\(first.stderrText)")
    #expect(first.stdoutText.isEmpty)
    let same = try await BinaryRunner.run(
      ["build", "--schema", schema, "--state", state]
        + ["--map", "traits.plan=plan", "--map", "traits.seats=seats"],
      stdin: Data(signUp.utf8))
    #expect(same.status == 0, "\(same.stderrText)")
    #expect(same.stdoutText.contains(#""plan":[{"option":"Pro"}]"#), "\(same.stdoutText)")
    #expect(same.stdoutText.contains(#""seats":[{"value":12}]"#), "\(same.stdoutText)")
    let swapped = try await BinaryRunner.run(
      ["build", "--schema", schema, "--state", state]
        + ["--map", "traits.seats=seats", "--map", "traits.plan=plan"],
      stdin: Data(signUp.utf8))
    #expect(swapped.status == 0, "\(swapped.stderrText)")
    #expect(
      !swapped.stdoutText.contains("invalid_value") && !swapped.stderrText.contains("invalid_value")
    )
    #expect(!swapped.stdoutText.contains(#""seats":[{"value":"Pro"#))
    #expect(!swapped.stdoutText.contains(#""plan":[{"option":"12"#))
  }
}
