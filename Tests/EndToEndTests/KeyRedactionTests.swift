import Foundation
import TestSupport
import Testing

/// A server (or gateway) that repeats the request's headers in its errors: the key it echoes
/// never reaches results, stderr or `check`'s output.
@Suite(.timeLimit(.minutes(10))) struct KeyRedactionTests {
  private static let seed = "fixtures/seed-signup.ndjson"

  @Test func anErrorThatEchoesTheKeyIsWrittenToTheResultsWithoutIt() async throws {
    let mock = try await MockAttio()
    try await mock.configure([
      "rules": [["status": 400, "echo_headers": true, "count": -1]]
    ])
    let run = try await BinaryRunner.run(
      ["deliver", "--write-mode", "assert", "--verbose", Self.seed],
      environment: mock.environment)
    #expect(run.status == 1)
    let failed = results(run)
    #expect(failed.count == 2)
    let message = (failed.first?["error"] as? [String: Any])?["message"] as? String ?? ""
    #expect(message.contains("Authorization: Bearer <redacted>"))
    #expect(!run.stdoutText.contains(MockAttio.token))
    #expect(!run.stderrText.contains(MockAttio.token))
  }

  @Test func aRefusalThatEchoesTheKeyIsReportedOnStderrWithoutIt() async throws {
    let mock = try await MockAttio()
    try await mock.configure([
      "rules": [["status": 401, "echo_headers": true, "count": -1]]
    ])
    let run = try await BinaryRunner.run(
      ["deliver", "--write-mode", "assert", Self.seed], environment: mock.environment)
    #expect(run.status == 4)
    #expect(run.stderrText.contains("Bearer <redacted>"))
    #expect(!run.stderrText.contains(MockAttio.token))
    #expect(!run.stdoutText.contains(MockAttio.token))
  }

  @Test func checkPrintsAnEchoingErrorWithoutTheKey() async throws {
    let mock = try await MockAttio()
    try await mock.configure([
      "rules": [["endpoint": "self", "status": 500, "echo_headers": true]]
    ])
    let run = try await BinaryRunner.run(["check"], environment: mock.environment)
    #expect(run.status == 1)
    #expect(run.stdoutText.contains("Bearer <redacted>"))
    #expect(!run.stdoutText.contains(MockAttio.token))
    #expect(!run.stderrText.contains(MockAttio.token))
  }
}
