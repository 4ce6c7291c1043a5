import Foundation
import TestSupport
import Testing

/// `--output`, `--diagnostics` and `--metrics-file`: what a supervisor without a shell gets.
@Suite(.timeLimit(.minutes(10))) struct OutputFilesTests {
  private static let seed = "fixtures/seed-signup.ndjson"

  private func temporaryDirectory() throws -> URL {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("attio-pipe-outputs-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
  }

  private func text(_ url: URL) -> String {
    (try? String(contentsOf: url, encoding: .utf8)) ?? ""
  }

  private func mode(_ url: URL) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
    return (attributes[.posixPermissions] as? Int) ?? -1
  }

  private func expectedBodies() throws -> String {
    try String(
      contentsOf: BinaryRunner.fixtures.appendingPathComponent("e2e/seed-signup.stdout"),
      encoding: .utf8)
  }

  /// Waits (bounded) until `condition` holds.
  private func eventually(_ seconds: Double = 60, _ condition: () throws -> Bool) async throws
    -> Bool
  {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      if try condition() { return true }
      try await Task.sleep(for: .milliseconds(50))
    }
    return try condition()
  }

  @Test func newFilesAreCreatedPrivateAndStdoutAndStderrStayEmpty() async throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let output = directory.appendingPathComponent("bodies.ndjson")
    let diagnostics = directory.appendingPathComponent("diagnostics.log")
    let run = try await BinaryRunner.run([
      "--output", output.path, "--diagnostics", diagnostics.path, Self.seed,
    ])
    #expect(run.status == 0)
    #expect(run.stdout.isEmpty)
    #expect(run.stderr.isEmpty)
    #expect(text(output) == (try expectedBodies()))
    #expect(text(diagnostics).contains("bodies written: 2"))
    #expect(try mode(output) == 0o600)
    #expect(try mode(diagnostics) == 0o600)
  }

  @Test func existingFilesAreAppendedTo() async throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let output = directory.appendingPathComponent("bodies.ndjson")
    let diagnostics = directory.appendingPathComponent("diagnostics.log")
    try Data("earlier\n".utf8).write(to: output)
    try Data("earlier diagnostics\n".utf8).write(to: diagnostics)
    for _ in 0..<2 {
      let run = try await BinaryRunner.run([
        "build", "--output=\(output.path)", "--diagnostics=\(diagnostics.path)", Self.seed,
      ])
      #expect(run.status == 0)
    }
    let bodies = try expectedBodies()
    #expect(text(output) == "earlier\n" + bodies + bodies)
    let logged = text(diagnostics)
    #expect(logged.hasPrefix("earlier diagnostics\n"))
    #expect(logged.components(separatedBy: "bodies written: 2").count == 3)
  }

  @Test func anOutputThatCannotBeCreatedIsAUsageError() async throws {
    let run = try await BinaryRunner.run([
      "--output", "/nonexistent-attio-pipe-dir/bodies.ndjson", Self.seed,
    ])
    #expect(run.status == 2)
    #expect(run.stdout.isEmpty)
    #expect(run.stderrText.contains("/nonexistent-attio-pipe-dir/bodies.ndjson"))
  }

  @Test func fatalErrorsGoToTheDiagnosticsFile() async throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let diagnostics = directory.appendingPathComponent("diagnostics.log")
    let run = try await BinaryRunner.run([
      "--diagnostics", diagnostics.path, "/nonexistent-attio-pipe-input.ndjson",
    ])
    #expect(run.status == 2)
    #expect(run.stderr.isEmpty)
    #expect(text(diagnostics).contains("/nonexistent-attio-pipe-input.ndjson"))
  }

  /// logrotate's `postrotate kill -HUP`: what is written after the signal goes to new files
  /// with the configured names, what was written before stays in the renamed ones.
  @Test func sighupReopensBothFilesForLogrotate() async throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let output = directory.appendingPathComponent("results.ndjson")
    let diagnostics = directory.appendingPathComponent("diagnostics.ndjson")
    let running = try await BinaryRunner.start(
      ["--output", output.path, "--diagnostics", diagnostics.path, "--verbose"], watchdog: 110)
    #expect(await running.write(Data(Events.identify("a", email: "a@example.com").utf8)))
    #expect(await running.write(Data((Events.track("a", "Page Viewed")).utf8)))
    #expect(try await eventually { text(output).hasSuffix("\n") && !text(diagnostics).isEmpty })

    let rotatedOutput = directory.appendingPathComponent("results.ndjson.1")
    let rotatedDiagnostics = directory.appendingPathComponent("diagnostics.ndjson.1")
    try FileManager.default.moveItem(at: output, to: rotatedOutput)
    try FileManager.default.moveItem(at: diagnostics, to: rotatedDiagnostics)
    running.signal(SIGHUP)
    try await Task.sleep(for: .milliseconds(200))
    #expect(await running.write(Data(Events.identify("b", email: "b@example.com").utf8)))
    #expect(try await eventually { text(output).hasSuffix("\n") })
    running.closeInput()
    #expect(await running.finish().status == 0)
    #expect(text(rotatedOutput).contains("a@example.com"))
    #expect(!text(rotatedOutput).contains("b@example.com"))
    #expect(text(output).contains("b@example.com"))
    #expect(!text(output).contains("a@example.com"))
    #expect(text(rotatedDiagnostics).contains("\"reason\":\"not_enabled\""))
    #expect(text(diagnostics).contains("\"summary\""))
    #expect(!text(rotatedDiagnostics).contains("\"summary\""))
    #expect(try mode(output) == 0o600)
    #expect(try mode(diagnostics) == 0o600)
  }

  /// The file node_exporter reads: rewritten while the input is idle, and once more at exit
  /// with the final counts, which agree with the results.
  @Test func metricsFileIsRewrittenWhileIdleAndAtExit() async throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let metricsFile = directory.appendingPathComponent("attio_pipe.prom")
    let mock = try await MockAttio()
    let running = try await BinaryRunner.start(
      [
        "deliver", "--write-mode", "assert", "--metrics-file", metricsFile.path, "--state-interval",
        "200ms",
        "--state", directory.appendingPathComponent("state").path,
      ],
      environment: mock.environment, watchdog: 110)
    #expect(try await eventually { FileManager.default.fileExists(atPath: metricsFile.path) })
    #expect(await running.write(Data(Events.identify("a", email: "a@example.com").utf8)))
    #expect(await running.write(Data(Events.track("a").utf8)))
    #expect(await running.write(Data("not json\n".utf8)))
    // Idle now, the input still open: the timer alone must bring the file up to date.
    var latest: PrometheusText?
    #expect(
      try await eventually {
        guard let parsed = try? PrometheusText(text(metricsFile)) else { return false }
        latest = parsed
        let done =
          (parsed[#"attio_pipe_results_total{status="upserted"}"#] ?? 0)
          + (parsed[#"attio_pipe_results_total{status="unchanged"}"#] ?? 0)
        return parsed["attio_pipe_lines_read_total"] == 3 && done == 2
      })
    let metrics = try #require(latest)
    #expect(metrics["attio_pipe_running"] == 1)
    #expect(metrics["attio_pipe_eligible_events_total"] == 2)
    #expect(metrics[#"attio_pipe_invalid_lines_total{reason="invalid_json"}"#] == 1)
    #expect(metrics["attio_pipe_identities"] == 1)
    running.closeInput()
    #expect(await running.finish().status == 3)

    let final = try PrometheusText(text(metricsFile))
    #expect(final["attio_pipe_running"] == 0)
    #expect((final["attio_pipe_state_saves_total"] ?? 0) >= 1)
    #expect(final["attio_pipe_lines_read_total"] == 3)
    #expect(final["attio_pipe_requests_total"] == Double(try await mock.puts().count))
    #expect(final[#"attio_pipe_results_total{status="failed"}"#] == 0)
    #expect(final[#"attio_pipe_results_total{status="not_sent"}"#] == 0)
    #expect(final[#"attio_pipe_skipped_events_total{reason="not_enabled"}"#] == 0)
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path)
      .filter { $0.hasSuffix(".tmp") }
    #expect(leftovers.isEmpty)
  }

  @Test func metricsFileInADirectoryThatDoesNotExistIsAUsageError() async throws {
    let run = try await BinaryRunner.run([
      "--metrics-file", "/nonexistent-attio-pipe-dir/m.prom", Self.seed,
    ])
    #expect(run.status == 2)
    #expect(run.stdout.isEmpty)
    #expect(run.stderrText.contains("/nonexistent-attio-pipe-dir/m.prom"))
  }
}

/// The new options' usage errors: exit 2, nothing read, nothing created.
@Suite struct OutputFileOptionTests {
  @Test(arguments: [
    ["--output"], ["--diagnostics"], ["--metrics-file"], ["check", "--metrics-file", "m.prom"],
  ])
  func usageErrorsExitTwo(_ arguments: [String]) async throws {
    var environment = ProcessInfo.processInfo.environment
    environment["ATTIO_API_KEY"] = "test-token"
    environment["ATTIO_BASE_URL"] = "http://127.0.0.1:9"
    let result = try await BinaryRunner.run(
      arguments, stdin: Data(#"{"type":"identify","traits":{"email":"a@b.co"}}"#.utf8),
      environment: environment)
    #expect(result.status == 2)
    #expect(result.stdout.isEmpty)
    #expect(result.stderrText.hasPrefix("attio-pipe: "))
    #expect(
      !FileManager.default.fileExists(
        atPath: BinaryRunner.repositoryRoot.appendingPathComponent("m.prom").path))
  }
}
