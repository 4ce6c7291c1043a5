import Foundation
import TestSupport
import Testing

/// `--users` and `--workspaces`: Attio's users and workspaces objects, linked to people and
/// companies, delivered against the mock with both objects activated.
@Suite struct AccountTests {
  private static func identify(_ userId: String, _ email: String, anonymousId: String? = nil)
    -> String
  {
    var event: [String: Any] = [
      "type": "identify", "userId": userId, "messageId": "i-\(UUID().uuidString)",
      "traits": ["email": email, "name": "Ada Lovelace"],
    ]
    if let anonymousId { event["anonymousId"] = anonymousId }
    return Events.line(event)
  }

  private static func group(
    _ groupId: String, userId: String? = nil, anonymousId: String? = nil,
    name: String = "Acme", domain: String = "acme.com"
  ) -> String {
    var event: [String: Any] = [
      "type": "group", "groupId": groupId, "messageId": "g-\(UUID().uuidString)",
      "traits": ["name": name, "domain": domain],
    ]
    if let userId { event["userId"] = userId }
    if let anonymousId { event["anonymousId"] = anonymousId }
    return Events.line(event)
  }

  private static func activatedMock() async throws -> MockAttio {
    let mock = try await MockAttio()
    try await mock.configure(["objects": ["users", "workspaces"]])
    return mock
  }

  private func deliver(
    _ mock: MockAttio, _ input: String, _ options: [String] = ["--users", "--workspaces"],
    _ extra: [String] = []
  ) async throws -> BinaryRunner.Result {
    try await BinaryRunner.run(
      ["deliver"] + options + extra, stdin: Data(input.utf8), environment: mock.environment)
  }

  /// The user's workspaces, by `workspace_id`.
  private func workspaceIds(of user: [String: Any]) -> Set<String> {
    Set((user["workspace"] as? [[String: Any]] ?? []).compactMap { $0["workspace_id"] as? String })
  }

  @Test(arguments: ["merge", "assert"])
  func anIdentifyWritesThePersonAndItsUserLinkedToIt(mode: String) async throws {
    let mock = try await Self.activatedMock()
    let run = try await deliver(
      mock, Self.identify("u-1", "Ada@Example.com"), ["--users"], ["--write-mode", mode])
    #expect(run.status == 0, "\(run.stdoutText)\(run.stderrText)")
    let users = try await mock.users()
    #expect(users.count == 1)
    let user = try #require(users.first)
    #expect(user["user_id"] as? String == "u-1")
    #expect(user["primary_email_address"] as? String == "ada@example.com")
    let person = try #require(try await mock.people().first)
    #expect(
      (user["person"] as? [String: Any])?["record_id"] as? String
        == person["record_id"] as? String)
    // One result for the event: the person's, with its user beside it.
    let result = try #require(results(run).first)
    #expect(results(run).count == 1)
    let linked = try #require((result["linked"] as? [[String: Any]])?.first)
    #expect(linked["object"] as? String == "users")
    #expect(linked["user_id"] as? String == "u-1")
    #expect(linked["record_id"] as? String == user["record_id"] as? String)
    // The person went first: the user's write references it.
    let requests = try await mock.requests()
    let personWrite = try #require(
      requests.firstIndex { ($0["path"] as? String ?? "").contains("/objects/people/") })
    let userWrite = try #require(
      requests.firstIndex { ($0["path"] as? String ?? "").contains("/objects/users/") })
    #expect(personWrite < userWrite)
  }

  @Test func aGroupWritesTheCompanyThenItsWorkspaceAndAddsTheUser() async throws {
    let mock = try await Self.activatedMock()
    let input = Self.identify("u-1", "ada@acme.com") + Self.group("ws-1", userId: "u-1")
    let run = try await deliver(mock, input, ["--users", "--workspaces", "--companies"])
    #expect(run.status == 0, "\(run.stdoutText)\(run.stderrText)")
    let company = try #require(try await mock.companies().first)
    let workspace = try #require(try await mock.workspaces().first)
    #expect(workspace["workspace_id"] as? String == "ws-1")
    #expect(
      (workspace["company"] as? [String: Any])?["record_id"] as? String
        == company["record_id"] as? String)
    let user = try #require(try await mock.users().first)
    #expect(workspaceIds(of: user) == ["ws-1"])
    // The group's result is the company's, with the workspace and the membership beside it.
    let groupResult = try #require(results(run).first { $0["object"] as? String == "companies" })
    let linked = groupResult["linked"] as? [[String: Any]] ?? []
    #expect(linked.map { $0["object"] as? String } == ["workspaces", "users", "users"])
    #expect(linked.last?["operation"] as? String == "add")
  }

  @Test func aGroupBeforeTheUsersIdentifyIsLinkedOnceTheUserCanBeWritten() async throws {
    let mock = try await Self.activatedMock()
    let state = FileManager.default.temporaryDirectory
      .appendingPathComponent("accounts-\(UUID().uuidString).state").path
    defer { try? FileManager.default.removeItem(atPath: state) }
    // Run 1: the visitor joins a workspace before giving an email (no user can be written).
    let first = try await deliver(
      mock, Self.group("ws-early", anonymousId: "anon-1"), ["--users", "--workspaces"],
      ["--state", state])
    #expect(first.status == 0, "\(first.stdoutText)\(first.stderrText)")
    #expect(try await mock.users().isEmpty)
    #expect(try await mock.workspaces().count == 1)
    // Run 2, after a restart: the identify links the visitor; the waiting membership follows.
    let second = try await deliver(
      mock, Self.identify("u-1", "ada@example.com", anonymousId: "anon-1"),
      ["--users", "--workspaces"], ["--state", state])
    #expect(second.status == 0, "\(second.stdoutText)\(second.stderrText)")
    let user = try #require(try await mock.users().first)
    #expect(workspaceIds(of: user) == ["ws-early"])
    // Once written, it waits no more: a later event adds nothing.
    let third = try await deliver(
      mock,
      Events.line([
        "type": "track", "userId": "u-1", "event": "Logged In", "messageId": "t-1",
      ]), ["--users", "--workspaces"], ["--state", state])
    #expect(third.status == 0)
    #expect(try await mock.requests(endpoint: "user_patch").count == 1)
  }

  @Test func membershipOnlyGrows() async throws {
    let mock = try await Self.activatedMock()
    let input =
      Self.identify("u-1", "ada@acme.com") + Self.group("ws-a", userId: "u-1", name: "A")
      + Self.group("ws-b", userId: "u-1", name: "B", domain: "b.example")
    let run = try await deliver(mock, input)
    #expect(run.status == 0, "\(run.stdoutText)\(run.stderrText)")
    // A separate run (another source; no --state): what was there stays.
    let again = try await deliver(
      mock, Self.identify("u-1", "ada@acme.com") + Self.group("ws-c", userId: "u-1", name: "C"))
    #expect(again.status == 0, "\(again.stdoutText)\(again.stderrText)")
    let user = try #require(try await mock.users().first)
    #expect(workspaceIds(of: user) == ["ws-a", "ws-b", "ws-c"])
    // No write ever sent the user's workspaces in an assert (which would replace them).
    for put in try await mock.puts() {
      let values =
        ((put["body"] as? [String: Any])?["data"] as? [String: Any])?["values"]
        as? [String: Any] ?? [:]
      #expect(values["workspace"] == nil)
    }
  }

  @Test func anEmailChangeKeepsOneUser() async throws {
    let mock = try await Self.activatedMock()
    let input = Self.identify("u-1", "ada@old.example") + Self.identify("u-1", "ada@new.example")
    let run = try await deliver(mock, input, ["--users"])
    #expect(run.status == 0, "\(run.stdoutText)\(run.stderrText)")
    let users = try await mock.users()
    #expect(users.count == 1)
    #expect(users.first?["primary_email_address"] as? String == "ada@new.example")
    let linkedEmails = (users.first?["person"] as? [String: Any])?["email_addresses"] as? [String]
    #expect(linkedEmails?.contains("ada@new.example") == true)
  }

  @Test(arguments: [["--users"], ["--workspaces"], ["--users", "--workspaces"]])
  func objectsNotActivatedAreRefusedAtStart(options: [String]) async throws {
    let mock = try await MockAttio()
    let run = try await deliver(mock, Self.identify("u-1", "ada@example.com"), options)
    #expect(run.status == 2)
    #expect(run.stderrText.contains("not activated"))
    #expect(run.stderrText.contains("Settings > Data > Objects"))
    #expect(run.stdoutText.isEmpty)
    // Nothing was written.
    #expect(try await mock.puts().isEmpty)
    let check = try await BinaryRunner.run(
      ["check"] + options, stdin: Data(), environment: mock.environment)
    #expect(check.status == 2)
    #expect(check.stdoutText.contains("FAIL  object users: the users object is not activated"))
  }

  @Test func checkSaysWhenTheObjectsAreActive() async throws {
    let mock = try await Self.activatedMock()
    let check = try await BinaryRunner.run(
      ["check", "--users", "--workspaces"], stdin: Data(), environment: mock.environment)
    #expect(check.status == 0, "\(check.stdoutText)")
    #expect(check.stdoutText.contains("ok    object users: active"))
    #expect(check.stdoutText.contains("ok    object workspaces: active"))
  }

  @Test func mapUserAndMapWorkspaceWriteTypedCustomAttributes() async throws {
    let mock = try await Self.activatedMock()
    let identify = Events.line([
      "type": "identify", "userId": "u-1", "messageId": "i-map",
      "traits": ["email": "ada@acme.com", "role": "admin"],
    ])
    let group = Events.line([
      "type": "group", "userId": "u-1", "groupId": "ws-1", "messageId": "g-map",
      "traits": ["name": "Acme", "seats": "12", "avatar": "https://acme.com/a.png"],
    ])
    let badSeats = Events.line([
      "type": "group", "userId": "u-1", "groupId": "ws-2", "messageId": "g-bad",
      "traits": ["name": "Other", "seats": "a dozen"],
    ])
    let mappings = [
      "--map-user", "traits.role=role", "--map-workspace", "traits.seats=seats",
      "--map-workspace", "traits.avatar=avatar_url", "--verbose",
    ]
    let run = try await deliver(
      mock, identify + group + badSeats, ["--users", "--workspaces"], mappings)
    #expect(run.status == 0, "\(run.stdoutText)\(run.stderrText)")
    let user = try #require(try await mock.users().first)
    let userValues = user["values"] as? [String: Any] ?? [:]
    #expect((userValues["role"] as? [[String: Any]])?.first?["value"] as? String == "admin")
    let workspaces = try await mock.workspaces()
    let acme = try #require(workspaces.first { $0["workspace_id"] as? String == "ws-1" })
    let values = acme["values"] as? [String: Any] ?? [:]
    #expect((values["seats"] as? [[String: Any]])?.first?["value"] as? Double == 12)
    #expect(
      (values["avatar_url"] as? [[String: Any]])?.first?["value"] as? String
        == "https://acme.com/a.png")
    // A value the type refuses is left out with a warning; the workspace is still written.
    #expect(run.stderrText.contains("invalid_value"))
    #expect(workspaces.contains { $0["workspace_id"] as? String == "ws-2" })

    // A slug the object lacks is refused at start.
    let wrong = try await deliver(
      mock, identify, ["--users"], ["--map-user", "traits.role=no_such_slug"])
    #expect(wrong.status == 2)
    #expect(wrong.stderrText.contains("no_such_slug"))

    // build types the values from a saved schema, offline.
    let schema = FileManager.default.temporaryDirectory
      .appendingPathComponent("accounts-schema-\(UUID().uuidString).json").path
    defer { try? FileManager.default.removeItem(atPath: schema) }
    let check = try await BinaryRunner.run(
      ["check", "--users", "--workspaces", "--save-schema", schema], stdin: Data(),
      environment: mock.environment)
    #expect(check.status == 0, "\(check.stdoutText)")
    let built = try await BinaryRunner.run(
      ["build", "--users", "--workspaces", "--schema", schema] + mappings,
      stdin: Data((identify + group).utf8))
    #expect(built.status == 0, "\(built.stderrText)")
    #expect(built.stdoutText.contains(#""role":[{"value":"admin"}]"#))
    #expect(
      built.stdoutText.contains(#""seats":12"#) || built.stdoutText.contains(#""seats":[12]"#)
        || built.stdoutText.contains(#""seats":[{"value":12}]"#))
  }

  /// What Attio ends up holding, by keys rather than record ids.
  private func snapshot(_ mock: MockAttio) async throws -> [String] {
    var lines: [String] = []
    for user in try await mock.users() {
      let person = (user["person"] as? [String: Any])?["email_addresses"] as? [String] ?? []
      lines.append(
        "user \(user["user_id"] ?? "") \(user["primary_email_address"] ?? "") person=\(person) "
          + "workspaces=\(workspaceIds(of: user).sorted())")
    }
    for workspace in try await mock.workspaces() {
      let domains = (workspace["company"] as? [String: Any])?["domains"] as? [String] ?? []
      let name =
        ((workspace["values"] as? [String: Any])?["name"] as? [[String: Any]])?.first?[
          "value"] as? String ?? ""
      lines.append("workspace \(workspace["workspace_id"] ?? "") \(name) company=\(domains)")
    }
    for person in try await mock.people() {
      lines.append("person \((person["email_addresses"] as? [String] ?? []).sorted())")
    }
    return lines.sorted()
  }

  @Test func buildThenSendEqualsDeliver() async throws {
    let input =
      Self.group("ws-early", anonymousId: "anon-1", name: "Early", domain: "early.io")
      + Self.identify("u-1", "ada@acme.com", anonymousId: "anon-1")
      + Self.group("ws-1", userId: "u-1") + Self.identify("u-2", "bob@acme.com")
      + Self.group("ws-1", userId: "u-2")
    let options = ["--users", "--workspaces", "--companies"]
    let delivered = try await Self.activatedMock()
    let run = try await deliver(delivered, input, options)
    #expect(run.status == 0, "\(run.stdoutText)\(run.stderrText)")

    let built = try await BinaryRunner.run(["build"] + options, stdin: Data(input.utf8))
    #expect(built.status == 0, "\(built.stderrText)")
    let objects = built.stdoutText.split(separator: "\n").map {
      (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["object"]
        as? String ?? "people"
    }
    #expect(Set(objects) == ["people", "companies", "users", "workspaces"])
    let sent = try await Self.activatedMock()
    let replay = try await BinaryRunner.run(
      ["send"], stdin: Data(built.stdoutText.utf8), environment: sent.environment)
    #expect(replay.status == 0, "\(replay.stdoutText)\(replay.stderrText)")
    let expected = try await snapshot(delivered)
    #expect(expected.contains { $0.hasPrefix("user u-1 ada@acme.com") && $0.contains("ws-early") })
    #expect(try await snapshot(sent) == expected)
  }
}
