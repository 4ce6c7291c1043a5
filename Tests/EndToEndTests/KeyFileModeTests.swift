import Foundation
import TestSupport
import Testing

/// An `--api-key-file` that group or others may read is used, with a warning on stderr (the
/// choice, and why it is not refused, is in Documentation/Service.md: "The key").
@Suite(.timeLimit(.minutes(10))) struct KeyFileModeTests {
  private func keyFile(mode: mode_t) throws -> String {
    let path = temporaryPath("api-key")
    try Data((MockAttio.token + "\n").utf8).write(to: URL(fileURLWithPath: path))
    #expect(chmod(path, mode) == 0)
    return path
  }

  private func environment(_ mock: MockAttio) -> [String: String] {
    var environment = mock.environment
    environment["ATTIO_API_KEY"] = nil
    return environment
  }

  @Test func aKeyFileOthersCanReadIsUsedWithAWarning() async throws {
    let mock = try await MockAttio()
    let path = try keyFile(mode: 0o644)
    defer { unlink(path) }
    let run = try await BinaryRunner.run(
      ["deliver", "--api-key-file", path, "fixtures/seed-signup.ndjson"],
      environment: environment(mock))
    #expect(run.status == 0)
    #expect(
      run.stderrText.contains(
        "attio-pipe: warning: the API key file \(path) can be read by others than its owner "
          + "(mode 0644)"))
    #expect(results(run).count == 2)
    let check = try await BinaryRunner.run(
      ["check", "--api-key-file", path], environment: environment(mock))
    #expect(check.status == 0)
    #expect(check.stderrText.contains("can be read by others than its owner (mode 0644)"))
  }

  @Test func aGroupReadableKeyFileIsWarnedAboutUnderVerboseAsJSON() async throws {
    let mock = try await MockAttio()
    let path = try keyFile(mode: 0o440)
    defer { unlink(path) }
    let run = try await BinaryRunner.run(
      ["send", "--verbose", "--api-key-file", path], stdin: Data(),
      environment: environment(mock))
    #expect(run.status == 0)
    let first = try #require(run.stderrText.split(separator: "\n").first)
    let object = try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any]
    #expect(object?["kind"] as? String == "warning")
    #expect((object?["message"] as? String)?.contains("(mode 0440)") == true)
  }

  @Test func aPrivateKeyFileAndQuietRunsGetNoWarning() async throws {
    let mock = try await MockAttio()
    let owned = try keyFile(mode: 0o600)
    let open = try keyFile(mode: 0o666)
    defer {
      unlink(owned)
      unlink(open)
    }
    let privateRun = try await BinaryRunner.run(
      ["send", "--api-key-file", owned], stdin: Data(), environment: environment(mock))
    #expect(privateRun.status == 0)
    #expect(!privateRun.stderrText.contains("warning"))
    let quietRun = try await BinaryRunner.run(
      ["send", "--quiet", "--api-key-file", open], stdin: Data(), environment: environment(mock))
    #expect(quietRun.status == 0)
    #expect(quietRun.stderrText.isEmpty)
  }
}
