import Foundation
import TestSupport
import Testing

/// Attio's answers are small: one larger than the cap (4 MiB) is not read into memory. Its
/// request fails at once with a reason that says so (not retried), and the run goes on.
@Suite(.timeLimit(.minutes(10))) struct OversizedAnswerTests {
  private static let events =
    Events.identify("a", email: "big@example.com") + Events.identify("b", email: "ok@example.com")

  @Test func anOversizedAnswerFailsItsRequestAndTheRunGoesOn() async throws {
    let mock = try await MockAttio()
    try await mock.configure([
      "rules": [["pad_bytes": 5 * 1024 * 1024, "email": "big@example.com", "count": -1]]
    ])
    let run = try await BinaryRunner.run(
      ["deliver", "--write-mode", "assert"], stdin: Data(Self.events.utf8),
      environment: mock.environment)
    #expect(run.status == 1)
    let byEmail = Dictionary(
      results(run).map { ($0["email"] as? String ?? "", $0) }, uniquingKeysWith: { $1 })
    let big = try #require(byEmail["big@example.com"])
    #expect(big["status"] as? String == "failed")
    #expect(big["attempts"] as? Int == 1)
    let error = big["error"] as? [String: Any]
    #expect(error?["code"] as? String == "response_too_large")
    #expect((error?["message"] as? String)?.contains("larger than 4 MiB") == true)
    #expect(big["request"] != nil)
    #expect(byEmail["ok@example.com"]?["status"] as? String == "upserted")
    #expect(try await mock.puts().count == 2)
  }

  @Test func anOversizedErrorIsNotRetriedEither() async throws {
    let mock = try await MockAttio()
    try await mock.configure([
      "rules": [
        ["endpoint": "query", "status": 503, "pad_bytes": 5 * 1024 * 1024, "count": -1]
      ]
    ])
    let run = try await BinaryRunner.run(
      ["deliver"], stdin: Data(Events.identify("a", email: "big@example.com").utf8),
      environment: mock.environment)
    #expect(run.status == 1)
    let result = try #require(results(run).first)
    #expect(result["status"] as? String == "failed")
    #expect(result["http_status"] as? Int == 503)
    #expect(result["attempts"] as? Int == 1)
    #expect((result["error"] as? [String: Any])?["code"] as? String == "response_too_large")
    #expect(try await mock.requests(endpoint: "query").count == 1)
  }
}
