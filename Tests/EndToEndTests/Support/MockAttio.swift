import Foundation
import TestSupport
import Testing

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// The mock Attio server of `Tests/MockAttio/mock_attio.py`, started on an ephemeral
/// 127.0.0.1 port for one test and stopped (SIGKILL) when the test lets go of it.
final class MockAttio: Sendable {
  static let token = "mock-token-5ecr3t-d0-not-print"

  let port: Int
  /// The address the server listens on: `127.0.0.1`, or `::1` for IPv6.
  let host: String
  private let server: ChildProcess

  var baseURL: String { host.contains(":") ? "http://[\(host)]:\(port)" : "http://\(host):\(port)" }

  /// The environment the binary needs to deliver to this server.
  var environment: [String: String] {
    var environment = ProcessInfo.processInfo.environment
    environment["ATTIO_API_KEY"] = MockAttio.token
    environment["ATTIO_BASE_URL"] = baseURL
    return environment
  }

  init(
    rate: Int = 0, latencyMilliseconds: Int = 0, scopes: String? = nil, host: String = "127.0.0.1"
  ) async throws {
    self.host = host
    var arguments = [
      "python3", Repository.path("Tests/MockAttio/mock_attio.py").path,
      "--port", "0", "--token", MockAttio.token, "--rate", String(rate),
      "--latency-ms", String(latencyMilliseconds), "--host", host,
    ]
    if let scopes { arguments += ["--scopes", scopes] }
    // The mock lives as long as its test; the watchdog only bounds a test that never ends.
    server = try ChildProcess(
      executable: URL(fileURLWithPath: "/usr/bin/env"), arguments: arguments, stdin: false,
      stderr: .discard, watchdog: 600)
    let line = await server.readLine(timeout: 60) ?? ""
    guard line.hasPrefix("LISTENING "), let port = Int(line.dropFirst("LISTENING ".count)) else {
      server.signal(SIGKILL)
      throw MockError.didNotStart(line)
    }
    self.port = port
  }

  /// SIGKILL, not SIGTERM: Foundation starts children with most signals blocked, so a
  /// SIGTERM would never reach the server. It keeps nothing worth a clean exit.
  func stop() {
    server.signal(SIGKILL)
  }

  deinit {
    stop()
  }

  enum MockError: Error {
    case didNotStart(String)
    case badAnswer(String)
  }

  // MARK: - Control API

  /// Replaces the fault configuration (`rules`, `token_revoked`, `rename`, `scopes`, ...).
  func configure(_ configuration: [String: Any]) async throws {
    _ = try await control("POST", "/__mock/faults", body: configuration)
  }

  /// Every request received, in arrival order.
  func requests() async throws -> [[String: Any]] {
    try await control("GET", "/__mock/requests") as? [[String: Any]] ?? []
  }

  /// The assert requests (PUTs) received, in arrival order.
  func puts() async throws -> [[String: Any]] {
    try await requests().filter { $0["method"] as? String == "PUT" }
  }

  func people() async throws -> [[String: Any]] {
    try await control("GET", "/__mock/people") as? [[String: Any]] ?? []
  }

  /// The stored companies (`/__mock/companies`): `record_id`, `domains`, `values`, ….
  func companies() async throws -> [[String: Any]] {
    try await control("GET", "/__mock/companies") as? [[String: Any]] ?? []
  }

  /// The stored users (`/__mock/users`): `user_id`, `primary_email_address`, `person`
  /// (`record_id`, `email_addresses`), `workspace` (each `record_id`, `workspace_id`).
  func users() async throws -> [[String: Any]] {
    try await control("GET", "/__mock/users") as? [[String: Any]] ?? []
  }

  /// The stored workspaces (`/__mock/workspaces`): `workspace_id`, `users`, `company`, `values`.
  func workspaces() async throws -> [[String: Any]] {
    try await control("GET", "/__mock/workspaces") as? [[String: Any]] ?? []
  }

  func stats() async throws -> [String: Any] {
    try await control("GET", "/__mock/stats") as? [String: Any] ?? [:]
  }

  /// The stored person with `email`, as `slug -> value` of what was last written.
  func person(_ email: String) async throws -> [String: Any]? {
    try await people().first { ($0["email_addresses"] as? [String])?.contains(email) == true }?[
      "values"] as? [String: Any]
  }

  /// Puts people into the store as the workspace already holds them (`POST /__mock/seed`,
  /// simple write forms); answers their record ids, in order.
  @discardableResult
  func seed(people: [[String: Any]]) async throws -> [String] {
    let answer = try await control("POST", "/__mock/seed", body: ["people": people])
    let seeded = (answer as? [String: Any])?["people"] as? [[String: Any]] ?? []
    return seeded.compactMap { $0["record_id"] as? String }
  }

  /// Seeds people and list entries (`POST /__mock/seed` with `people` and `list_entries`).
  func seed(people: [[String: Any]], listEntries: [[String: Any]]) async throws {
    _ = try await control(
      "POST", "/__mock/seed", body: ["people": people, "list_entries": listEntries])
  }

  /// The entries of `list` (`/__mock/lists/{list}/entries`): `entry_id`, `parent`, `values`
  /// (stored forms: `{"status": title}`, `{"option": title}`), `writes`.
  func entries(of list: String) async throws -> [[String: Any]] {
    try await control("GET", "/__mock/lists/\(list)/entries") as? [[String: Any]] ?? []
  }

  /// Arms a race: another writer creates a person with `email` right after a query for it
  /// found nothing, so the next create is refused (`uniqueness_conflict`).
  func race(email: String) async throws {
    _ = try await control("POST", "/__mock/race", body: ["email": email])
  }

  /// Deletes a person as a user would in Attio (`DELETE /__mock/people/{id}`).
  func delete(recordId: String) async throws {
    _ = try await control("DELETE", "/__mock/people/\(recordId)")
  }

  /// Requests received for one endpoint (`query`, `patch`, `create`, `assert`, ...).
  func requests(endpoint: String) async throws -> [[String: Any]] {
    try await requests().filter { $0["endpoint"] as? String == endpoint }
  }

  /// Puts companies into the store (`POST /__mock/seed`): what a person's reference to a
  /// company by domain needs.
  func seedCompanies(_ companies: [[String: Any]]) async throws {
    _ = try await control("POST", "/__mock/seed", body: ["companies": companies])
  }

  /// An admin adds (or archives) a select option or a status (`POST /__mock/options`); with
  /// `afterReads`, only once that many more reads of the attribute's options have been
  /// answered.
  func addOption(
    attribute: String, title: String, afterReads: Int = 0, archived: Bool = false
  ) async throws {
    _ = try await control(
      "POST", "/__mock/options",
      body: [
        "attribute": attribute, "title": title, "after_reads": afterReads,
        "is_archived": archived,
      ])
  }

  private func control(_ method: String, _ path: String, body: [String: Any]? = nil) async throws
    -> Any
  {
    var request = URLRequest(url: URL(string: baseURL + path)!)
    request.httpMethod = method
    if let body {
      request.httpBody = try JSONSerialization.data(withJSONObject: body)
      request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    }
    let data: Data = try await withCheckedThrowingContinuation { continuation in
      URLSession.shared.dataTask(with: request) { data, _, error in
        if let data {
          continuation.resume(returning: data)
        } else {
          continuation.resume(throwing: MockError.badAnswer("\(String(describing: error))"))
        }
      }.resume()
    }
    return try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
  }
}

/// Result lines of a delivery run, parsed.
func results(_ run: BinaryRunner.Result) -> [[String: Any]] {
  run.stdoutText.split(separator: "\n").compactMap {
    try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
  }
}

/// Merge mode added `new@example.com` to the record of the person known as
/// `old@example.com`: the result says so, and the workspace holds one person with both
/// addresses and created nobody.
func expectNewEmailAdded(
  _ result: [String: Any], toRecord recordId: String?, in mock: MockAttio,
  sourceLocation: SourceLocation = #_sourceLocation
) async throws {
  #expect(result["action"] as? String == "updated", sourceLocation: sourceLocation)
  #expect(result["email_added"] as? String == "new@example.com", sourceLocation: sourceLocation)
  #expect(result["record_id"] as? String == recordId, sourceLocation: sourceLocation)
  let people = try await mock.people()
  #expect(people.count == 1, sourceLocation: sourceLocation)
  #expect(
    Set(people.first?["email_addresses"] as? [String] ?? []) == [
      "old@example.com", "new@example.com",
    ], sourceLocation: sourceLocation)
  #expect((try await mock.stats())["creates"] as? Int == 0, sourceLocation: sourceLocation)
}

/// NDJSON events for tests: `identify` then an eligible track per person.
/// Each event made gets a messageId of its own unless one is given (`message:`): two calls
/// are two events, as a source would send them; the same event again is the same line (or the
/// same `message:`), which delivery recognises as a duplicate.
enum Events {
  static func identify(
    _ id: String, email: String, name: String? = nil, title: String? = nil, message: String? = nil
  ) -> String {
    var traits: [String: Any] = ["email": email]
    if let name { traits["name"] = name }
    if let title { traits["job_title"] = title }
    return line([
      "type": "identify", "anonymousId": id,
      "messageId": message ?? "id-\(id)-\(email)-\(UUID().uuidString)",
      "traits": traits,
    ])
  }

  static func track(_ id: String, _ event: String = "Signed Up", message: String? = nil) -> String {
    line([
      "type": "track", "anonymousId": id, "event": event,
      "messageId": message ?? "t-\(id)-\(UUID().uuidString)",
    ])
  }

  static func line(_ object: [String: Any]) -> String {
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    return String(decoding: data, as: UTF8.self) + "\n"
  }
}
