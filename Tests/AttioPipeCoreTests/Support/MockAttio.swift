import Foundation
import Testing

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// The mock Attio server of `Tests/MockAttio/mock_attio.py`, started on an ephemeral
/// 127.0.0.1 port for one test and stopped when the test is done.
final class MockAttio: @unchecked Sendable {
  static let token = "mock-token-5ecr3t-d0-not-print"

  let port: Int
  /// The address the server listens on: `127.0.0.1`, or `::1` for IPv6.
  let host: String
  private let process: Process

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
  ) throws {
    self.host = host
    BinaryRunner.ignoreBrokenPipes
    process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    var arguments = [
      "python3",
      BinaryRunner.repositoryRoot.appendingPathComponent("Tests/MockAttio/mock_attio.py").path,
      "--port", "0", "--token", MockAttio.token, "--rate", String(rate),
      "--latency-ms", String(latencyMilliseconds), "--host", host,
    ]
    if let scopes { arguments += ["--scopes", scopes] }
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    var line = Data()
    while !line.contains(UInt8(ascii: "\n")) {
      let chunk = output.fileHandleForReading.availableData
      guard !chunk.isEmpty else { break }
      line.append(chunk)
    }
    let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    guard text.hasPrefix("LISTENING "), let port = Int(text.dropFirst("LISTENING ".count)) else {
      process.terminate()
      throw MockError.didNotStart(text)
    }
    self.port = port
  }

  deinit {
    stop()
  }

  /// SIGKILL, not SIGTERM: Foundation starts children with most signals blocked, so a
  /// SIGTERM would never reach the server. It keeps nothing worth a clean exit.
  func stop() {
    if process.isRunning {
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
    }
  }

  enum MockError: Error {
    case didNotStart(String)
    case badAnswer(String)
  }

  // MARK: - Control API

  /// Replaces the fault configuration (`rules`, `token_revoked`, `rename`, `scopes`, ...).
  func configure(_ configuration: [String: Any]) throws {
    _ = try control("POST", "/__mock/faults", body: configuration)
  }

  /// Every request received, in arrival order.
  func requests() throws -> [[String: Any]] {
    try control("GET", "/__mock/requests") as? [[String: Any]] ?? []
  }

  /// The assert requests (PUTs) received, in arrival order.
  func puts() throws -> [[String: Any]] {
    try requests().filter { $0["method"] as? String == "PUT" }
  }

  func people() throws -> [[String: Any]] {
    try control("GET", "/__mock/people") as? [[String: Any]] ?? []
  }

  func stats() throws -> [String: Any] {
    try control("GET", "/__mock/stats") as? [String: Any] ?? [:]
  }

  /// The stored person with `email`, as `slug -> value` of what was last written.
  func person(_ email: String) throws -> [String: Any]? {
    try people().first { ($0["email_addresses"] as? [String])?.contains(email) == true }?["values"]
      as? [String: Any]
  }

  private func control(_ method: String, _ path: String, body: [String: Any]? = nil) throws -> Any {
    var request = URLRequest(url: URL(string: baseURL + path)!)
    request.httpMethod = method
    if let body {
      request.httpBody = try JSONSerialization.data(withJSONObject: body)
      request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    }
    let done = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var result: (Data?, Error?)
    URLSession.shared.dataTask(with: request) { data, _, error in
      result = (data, error)
      done.signal()
    }.resume()
    done.wait()
    guard let data = result.0 else { throw MockError.badAnswer("\(String(describing: result.1))") }
    return try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
  }
}

/// Result lines of a delivery run, parsed.
func results(_ run: BinaryRunner.Result) -> [[String: Any]] {
  run.stdoutText.split(separator: "\n").compactMap {
    try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
  }
}

/// NDJSON events for tests: `identify` then an eligible track per person.
enum Events {
  static func identify(
    _ id: String, email: String, name: String? = nil, title: String? = nil, message: String? = nil
  ) -> String {
    var traits: [String: Any] = ["email": email]
    if let name { traits["name"] = name }
    if let title { traits["job_title"] = title }
    return line([
      "type": "identify", "anonymousId": id, "messageId": message ?? "id-\(id)-\(email)",
      "traits": traits,
    ])
  }

  static func track(_ id: String, _ event: String = "Signed Up", message: String? = nil) -> String {
    line(["type": "track", "anonymousId": id, "event": event, "messageId": message ?? "t-\(id)"])
  }

  static func line(_ object: [String: Any]) -> String {
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    return String(decoding: data, as: UTF8.self) + "\n"
  }
}
