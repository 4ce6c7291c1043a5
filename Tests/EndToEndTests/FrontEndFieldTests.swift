import Foundation
import TestSupport
import Testing

/// The command front end's defects from the field test (issue 7), each run as a user met it.
@Suite struct FrontEndFieldTests {
  private static func temporaryDirectory() throws -> URL {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("attio-pipe-frontend-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
  }

  private static func identifies(_ count: Int, from first: Int = 0) -> String {
    (first..<first + count).map { Events.identify("a\($0)", email: "p\($0)@example.com") }
      .joined()
  }

  /// Generous: on a loaded 2-core machine a test may wait long for its turn; the watchdog only
  /// bounds a hung binary.
  private static let watchdog = 540.0

  // MARK: - Item 4: --state saved while the input is idle

  @Test(.timeLimit(.minutes(10)), arguments: ["build", "deliver", "send"])
  func theStateIsSavedWhileTheInputIsIdle(_ mode: String) async throws {
    let directory = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let state = directory.appendingPathComponent("state.bin")
    let mock = try await MockAttio()
    let running = try await BinaryRunner.start(
      [mode, "--state", state.path, "--state-interval", "500ms", "--no-progress"],
      environment: mock.environment, watchdog: Self.watchdog)
    let input =
      mode == "send"
      ? #"{"data":{"values":{"email_addresses":[{"email_address":"p0@example.com"}]}}}"# + "\n"
      : Self.identifies(2)
    await running.write(Data(input.utf8))
    // stdin stays open: the binary is blocked waiting for more input. A copy of the state
    // file, loaded by a second run, shows what the idle binary saved.
    let copy = directory.appendingPathComponent("copy.bin")
    var holdsIt = false
    for _ in 0..<100 where !holdsIt {
      try await Task.sleep(for: .milliseconds(200))
      try? FileManager.default.removeItem(at: copy)
      guard (try? FileManager.default.copyItem(at: state, to: copy)) != nil else { continue }
      if mode == "send" {
        // send keeps no identities: its save holds what it delivered.
        let rerun = try await BinaryRunner.run(
          ["send", "--write-mode", "assert", "--state", copy.path], stdin: Data(input.utf8),
          environment: mock.environment)
        holdsIt = rerun.stdoutText.contains(#""status":"unchanged""#)
      } else {
        let check = try await BinaryRunner.run(
          ["--state", copy.path], stdin: Data(Events.track("a0").utf8))
        holdsIt = check.stdoutText.contains("p0@example.com")
      }
    }
    #expect(running.isRunning, "the binary should still be waiting for input")
    #expect(holdsIt, "the idle binary never saved its state")
    running.closeInput()
    #expect(await running.finish().status == 0)
  }

  // MARK: - Item 5: what sits in the pipe at SIGTERM is accounted for

  /// Stops the binary (SIGSTOP), fills the pipe, sends SIGTERM and lets it go on: the signal
  /// then certainly arrives while the lines are unread in the pipe.
  private static func terminateWithLinesInThePipe(_ running: ChildProcess, _ lines: String) async {
    running.signal(SIGSTOP)
    await running.write(Data(lines.utf8))
    running.signal(SIGTERM)
    running.signal(SIGCONT)
  }

  /// Fills stdin until the binary stops reading it (its stdout is not read, so it is held
  /// back): returns how many lines were written, each whole (a pipe write of under 4 KiB is
  /// atomic), none of them unaccounted for.
  private static func fillUntilTheBinaryStopsReading(_ running: ChildProcess) async throws -> Int {
    let descriptor = try #require(running.inputDescriptor)
    _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
    var written = 0
    var stalls = 0
    while stalls < 3 {
      let line = Array(Events.identify("a\(written)", email: "p\(written)@example.com").utf8)
      let (result, code) = line.withUnsafeBytes {
        (write(descriptor, $0.baseAddress!, $0.count), errno)
      }
      if result == line.count {
        written += 1
        stalls = 0
      } else {
        try #require(result < 0 && code == EAGAIN, "write: \(String(cString: strerror(code)))")
        stalls += 1
        try await Task.sleep(for: .milliseconds(300))
      }
    }
    return written
  }

  @Test(.timeLimit(.minutes(10))) func buildPrintsTheBodiesOfLinesLeftInThePipeAtSIGTERM()
    async throws
  {
    let running = try await BinaryRunner.start(
      ["--no-progress"], watchdog: Self.watchdog, stdout: .held)
    let written = try await Self.fillUntilTheBinaryStopsReading(running)
    running.signal(SIGTERM)
    let finished = await running.finish()
    #expect(finished.status == 5)
    let bodies = finished.stdoutText.split(separator: "\n")
    #expect(bodies.count == written, "lines written to the pipe: \(written)")
    #expect(bodies.last?.contains("p\(written - 1)@example.com") == true)
  }

  @Test(.timeLimit(.minutes(10))) func deliverReportsLinesLeftInThePipeAtSIGTERMNotSent()
    async throws
  {
    let mock = try await MockAttio()
    let running = try await BinaryRunner.start(
      ["deliver", "--write-mode", "assert", "--no-progress", "--grace", "5s"],
      environment: mock.environment,
      watchdog: Self.watchdog)
    await running.write(Data(Self.identifies(1).utf8))
    let first = await running.readLine() ?? ""
    #expect(first.contains(#""status":"upserted""#))
    await Self.terminateWithLinesInThePipe(running, Self.identifies(300, from: 1))
    let finished = await running.finish()
    let errors = finished.stderr
    #expect(finished.status == 5)
    // All of stdout, less the first result read above.
    let results = finished.stdoutText.split(separator: "\n").dropFirst().compactMap {
      try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }
    // Every event handed over gets exactly one result: those read after the signal are
    // not_sent (with their request); a few the binary had read before it saw the signal
    // may still have been sent during the grace period.
    #expect(results.count == 300)
    #expect(results.compactMap { $0["line"] as? Int }.sorted() == Array(2...301))
    let notSent = results.filter { $0["status"] as? String == "not_sent" }
    #expect(notSent.allSatisfy { $0["request"] != nil })
    #expect(
      results.allSatisfy { ["upserted", "not_sent"].contains($0["status"] as? String ?? "") })
    #expect(try await mock.puts().count == 1 + results.count - notSent.count)
    let summary = String(decoding: errors, as: UTF8.self)
    #expect(summary.contains("not_sent: \(notSent.count)"))
  }

  // MARK: - Item 7: --attribute clashes

  @Test(arguments: [
    (["--attribute", "job_title=name"], "--attribute job_title=name clashes with name"),
    (
      ["--attribute", "job_title=role", "--attribute", "job_title=title"],
      "--attribute job_title is given twice with different slugs"
    ),
  ])
  func attributeClashesAreUsageErrors(_ arguments: [String], _ message: String) async throws {
    let result = try await BinaryRunner.run(
      arguments, stdin: Data(Events.identify("a", email: "a@b.co").utf8))
    #expect(result.status == 2)
    #expect(result.stdoutText.isEmpty)
    #expect(result.stderrText.contains(message), "\(result.stderrText)")
  }

  // MARK: - Item 9: --verbose stderr is NDJSON throughout

  private static func expectEveryLineIsJSON(_ text: String) {
    let lines = text.split(separator: "\n")
    #expect(!lines.isEmpty)
    for line in lines {
      let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
      #expect(object != nil, "not a JSON object: \(line)")
    }
  }

  @Test func verboseStrictStopIsJSON() async throws {
    let input = Events.identify("a", email: "a@b.co") + "{oops\n"
    let result = try await BinaryRunner.run(["--verbose", "--strict"], stdin: Data(input.utf8))
    #expect(result.status == 3)
    Self.expectEveryLineIsJSON(result.stderrText)
    #expect(result.stderrText.contains(#""kind":"error""#))
    #expect(result.stderrText.contains("--strict"))
  }

  /// `--progress` would draw its status line into the NDJSON file.
  @Test(.timeLimit(.minutes(10))) func verboseWithProgressKeepsStderrJSON() async throws {
    let running = try await BinaryRunner.start(
      ["--verbose", "--progress"], watchdog: Self.watchdog)
    await running.write(Data(Self.identifies(3).utf8))
    // Long enough for the status line's timer (every 250 ms) to have drawn.
    try await Task.sleep(for: .milliseconds(800))
    running.closeInput()
    let finished = await running.finish()
    #expect(finished.status == 0)
    let text = finished.stderrText
    Self.expectEveryLineIsJSON(text)
    #expect(!text.contains("\r"))
  }

  @Test func verboseFatalAndUsageErrorsAreJSON() async throws {
    let missing = try await BinaryRunner.run(["--verbose", "no-such-file.ndjson"])
    #expect(missing.status == 2)
    Self.expectEveryLineIsJSON(missing.stderrText)
    #expect(missing.stderrText.contains("no-such-file.ndjson"))
    let usage = try await BinaryRunner.run(["-v", "--frobnicate"])
    #expect(usage.status == 2)
    Self.expectEveryLineIsJSON(usage.stderrText)
    #expect(usage.stderrText.contains(#""kind":"error""#))
  }

  @Test func verboseAuthenticationFailureIsJSON() async throws {
    let mock = try await MockAttio()
    var environment = mock.environment
    environment["ATTIO_API_KEY"] = "wrong-token"
    let result = try await BinaryRunner.run(
      ["deliver", "--write-mode", "assert", "--verbose"], stdin: Data(Self.identifies(3).utf8),
      environment: environment)
    #expect(result.status == 4)
    Self.expectEveryLineIsJSON(result.stderrText)
    #expect(result.stderrText.contains(#""kind":"error""#))
  }

  // MARK: - Item 16 and 17: --state paths

  @Test func aStateFileInAMissingDirectoryIsRefusedBeforeReading() async throws {
    let result = try await BinaryRunner.run(
      ["--state", "/nonexistent/attio-pipe/state.bin"],
      stdin: Data(Self.identifies(2).utf8))
    #expect(result.status == 2)
    #expect(result.stdoutText.isEmpty, "input was processed before the state path was checked")
    #expect(result.stderrText.contains("/nonexistent/attio-pipe"))
    #expect(!result.stderrText.contains("lines read"))
  }

  @Test func aSymlinkedStateFileIsWrittenThroughToItsTarget() async throws {
    let directory = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let target = directory.appendingPathComponent("real.bin")
    let link = directory.appendingPathComponent("link.bin")
    // A dangling link first: the file is created where it points.
    try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "real.bin")
    for run in 0..<2 {
      let result = try await BinaryRunner.run(
        ["--state", link.path], stdin: Data(Self.identifies(1, from: run).utf8))
      #expect(result.status == 0, "\(result.stderrText)")
      let attributes = try FileManager.default.attributesOfItem(atPath: link.path)
      #expect(attributes[.type] as? FileAttributeType == .typeSymbolicLink)
      let known = try await BinaryRunner.run(
        ["--state", target.path], stdin: Data(Events.track("a\(run)").utf8))
      #expect(known.stdoutText.contains("p\(run)@example.com"))
    }
  }

  // MARK: - Item 17: messages and counts

  @Test func buildCountsOnlyBodiesThatReachedStdout() async throws {
    // Nobody reads stdout: every write fails with EPIPE.
    let running = try await BinaryRunner.start(
      ["--no-progress"], watchdog: Self.watchdog, stdout: .closed)
    await running.write(Data(Self.identifies(50).utf8))
    running.closeInput()
    let finished = await running.finish()
    #expect(finished.status == 0)
    let text = finished.stderrText
    #expect(text.contains("bodies written: 0,"), "\(text)")
  }

  @Test func deliverySummariesDoNotCountBodiesWritten() async throws {
    let mock = try await MockAttio()
    let result = try await BinaryRunner.run(
      ["deliver", "--write-mode", "assert"], stdin: Data(Self.identifies(2).utf8),
      environment: mock.environment)
    #expect(result.status == 0)
    #expect(!result.stderrText.contains("bodies written"))
    #expect(result.stderrText.contains("eligible: 2"))
  }

  @Test func sendExplainsResultsAndEventsFedToIt() async throws {
    var environment = ProcessInfo.processInfo.environment
    environment["ATTIO_API_KEY"] = "test-token"
    environment["ATTIO_BASE_URL"] = "http://127.0.0.1:9"
    let input = """
      {"line":1,"status":"failed","email":"a@b.co","request":{"data":{"values":{}}}}
      {"type":"identify","anonymousId":"a","traits":{"email":"a@b.co"}}
      {"data":{"values":{}}}

      """
    let result = try await BinaryRunner.run(
      ["send", "--write-mode", "assert"], stdin: Data(input.utf8), environment: environment)
    #expect(result.status == 3)
    let lines = result.stderrText.split(separator: "\n")
    #expect(lines.count >= 3)
    #expect(lines[0].contains("result line") && lines[0].contains("jq -c"))
    #expect(lines[1].contains("analytics event") && lines[1].contains("deliver"))
    #expect(lines[2].contains("data.values has no attributes"))
  }

  @Test func aMisspelledModeIsSuggested() async throws {
    let result = try await BinaryRunner.run(["delivr"], stdin: Data())
    #expect(result.status == 2)
    #expect(result.stderrText.contains("did you mean 'deliver'?"))
  }
}
