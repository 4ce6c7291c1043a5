import Foundation
import Testing

@testable import AttioPipeCore

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
  private static let watchdog = 150.0

  /// Runs blocking work (pipe reads, waiting for the exit) on a Dispatch thread, so that tests
  /// waiting for the binary do not hold the cooperative thread pool that others need.
  private static func offThePool<Result: Sendable>(_ body: @escaping @Sendable () -> Result)
    async -> Result
  {
    await withCheckedContinuation { continuation in
      DispatchQueue.global().async { continuation.resume(returning: body()) }
    }
  }

  /// Reads one line of `handle` (blocking), to know the binary is running and idle.
  private static func readLine(_ handle: FileHandle) -> String {
    var line = Data()
    while !line.contains(UInt8(ascii: "\n")) {
      let chunk = handle.availableData
      if chunk.isEmpty { break }
      line.append(chunk)
    }
    return String(decoding: line, as: UTF8.self)
  }

  // MARK: - Item 4: --state saved while the input is idle

  @Test(.timeLimit(.minutes(3)), arguments: ["build", "deliver", "send"])
  func theStateIsSavedWhileTheInputIsIdle(_ mode: String) async throws {
    let directory = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let state = directory.appendingPathComponent("state.bin")
    let mock = try MockAttio()
    let running = try BinaryRunner.start(
      [mode, "--state", state.path, "--state-interval", "500ms", "--no-progress"],
      environment: mock.environment, watchdog: Self.watchdog)
    let input =
      mode == "send"
      ? #"{"data":{"values":{"email_addresses":[{"email_address":"p0@example.com"}]}}}"# + "\n"
      : Self.identifies(2)
    try running.input.fileHandleForWriting.write(contentsOf: Data(input.utf8))
    // stdin stays open: the binary is blocked waiting for more input.
    var saved: StateFile.Contents?
    for _ in 0..<200 {
      try await Task.sleep(for: .milliseconds(100))
      saved = try? StateFile(path: state.path).load()
      // send keeps no identities: its save holds what it delivered.
      if let contents = saved,
        mode == "send" ? !contents.delivery.isEmpty : !contents.identity.isEmpty
      {
        break
      }
    }
    #expect(running.process.isRunning, "the binary should still be waiting for input")
    let contents = try #require(saved, "the idle binary never saved its state")
    #expect(mode == "send" ? !contents.delivery.isEmpty : !contents.identity.isEmpty)
    try running.input.fileHandleForWriting.close()
    await Self.offThePool { running.process.waitUntilExit() }
    #expect(running.process.terminationStatus == 0)
  }

  // MARK: - Item 5: what sits in the pipe at SIGTERM is accounted for

  /// Stops the binary (SIGSTOP), fills the pipe, sends SIGTERM and lets it go on: the signal
  /// then certainly arrives while the lines are unread in the pipe.
  private static func terminateWithLinesInThePipe(_ running: BinaryRunner.Running, _ lines: String)
    throws
  {
    let pid = running.process.processIdentifier
    kill(pid, SIGSTOP)
    try running.input.fileHandleForWriting.write(contentsOf: Data(lines.utf8))
    kill(pid, SIGTERM)
    kill(pid, SIGCONT)
  }

  /// Fills stdin until the binary stops reading it (its stdout is not read, so it is held
  /// back): returns how many lines were written, each whole (a pipe write of under 4 KiB is
  /// atomic), none of them unaccounted for.
  private static func fillUntilTheBinaryStopsReading(_ running: BinaryRunner.Running)
    async throws -> Int
  {
    let descriptor = running.input.fileHandleForWriting.fileDescriptor
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

  @Test(.timeLimit(.minutes(3))) func buildPrintsTheBodiesOfLinesLeftInThePipeAtSIGTERM()
    async throws
  {
    let running = try BinaryRunner.start(["--no-progress"], watchdog: Self.watchdog)
    let written = try await Self.fillUntilTheBinaryStopsReading(running)
    kill(running.process.processIdentifier, SIGTERM)
    let output = await Self.offThePool { running.output.fileHandleForReading.readDataToEndOfFile() }
    await Self.offThePool { running.process.waitUntilExit() }
    #expect(running.process.terminationStatus == 5)
    let bodies = String(decoding: output, as: UTF8.self).split(separator: "\n")
    #expect(bodies.count == written, "lines written to the pipe: \(written)")
    #expect(bodies.last?.contains("p\(written - 1)@example.com") == true)
  }

  @Test(.timeLimit(.minutes(3))) func deliverReportsLinesLeftInThePipeAtSIGTERMNotSent()
    async throws
  {
    let mock = try MockAttio()
    let running = try BinaryRunner.start(
      ["deliver", "--no-progress", "--grace", "5s"], environment: mock.environment,
      watchdog: Self.watchdog)
    try running.input.fileHandleForWriting.write(contentsOf: Data(Self.identifies(1).utf8))
    let first = await Self.offThePool { Self.readLine(running.output.fileHandleForReading) }
    #expect(first.contains(#""status":"upserted""#))
    try Self.terminateWithLinesInThePipe(running, Self.identifies(300, from: 1))
    let rest = await Self.offThePool { running.output.fileHandleForReading.readDataToEndOfFile() }
    let errors = await Self.offThePool { running.errors.fileHandleForReading.readDataToEndOfFile() }
    await Self.offThePool { running.process.waitUntilExit() }
    #expect(running.process.terminationStatus == 5)
    let results = String(decoding: rest, as: UTF8.self).split(separator: "\n").compactMap {
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
    #expect(try mock.puts().count == 1 + results.count - notSent.count)
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
    let result = try BinaryRunner.run(
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
    let result = try BinaryRunner.run(["--verbose", "--strict"], stdin: Data(input.utf8))
    #expect(result.status == 3)
    Self.expectEveryLineIsJSON(result.stderrText)
    #expect(result.stderrText.contains(#""kind":"error""#))
    #expect(result.stderrText.contains("--strict"))
  }

  /// `--progress` would draw its status line into the NDJSON file.
  @Test(.timeLimit(.minutes(3))) func verboseWithProgressKeepsStderrJSON() async throws {
    let running = try BinaryRunner.start(["--verbose", "--progress"], watchdog: Self.watchdog)
    try running.input.fileHandleForWriting.write(contentsOf: Data(Self.identifies(3).utf8))
    // Long enough for the status line's timer (every 250 ms) to have drawn.
    try await Task.sleep(for: .milliseconds(800))
    try running.input.fileHandleForWriting.close()
    let errors = await Self.offThePool { running.errors.fileHandleForReading.readDataToEndOfFile() }
    await Self.offThePool { running.process.waitUntilExit() }
    #expect(running.process.terminationStatus == 0)
    let text = String(decoding: errors, as: UTF8.self)
    Self.expectEveryLineIsJSON(text)
    #expect(!text.contains("\r"))
  }

  @Test func verboseFatalAndUsageErrorsAreJSON() async throws {
    let missing = try BinaryRunner.run(["--verbose", "no-such-file.ndjson"])
    #expect(missing.status == 2)
    Self.expectEveryLineIsJSON(missing.stderrText)
    #expect(missing.stderrText.contains("no-such-file.ndjson"))
    let usage = try BinaryRunner.run(["-v", "--frobnicate"])
    #expect(usage.status == 2)
    Self.expectEveryLineIsJSON(usage.stderrText)
    #expect(usage.stderrText.contains(#""kind":"error""#))
  }

  @Test func verboseAuthenticationFailureIsJSON() async throws {
    let mock = try MockAttio()
    var environment = mock.environment
    environment["ATTIO_API_KEY"] = "wrong-token"
    let result = try BinaryRunner.run(
      ["deliver", "--verbose"], stdin: Data(Self.identifies(3).utf8), environment: environment)
    #expect(result.status == 4)
    Self.expectEveryLineIsJSON(result.stderrText)
    #expect(result.stderrText.contains(#""kind":"error""#))
  }

  // MARK: - Item 16 and 17: --state paths

  @Test func aStateFileInAMissingDirectoryIsRefusedBeforeReading() async throws {
    let result = try BinaryRunner.run(
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
      let result = try BinaryRunner.run(
        ["--state", link.path], stdin: Data(Self.identifies(1, from: run).utf8))
      #expect(result.status == 0, "\(result.stderrText)")
      let attributes = try FileManager.default.attributesOfItem(atPath: link.path)
      #expect(attributes[.type] as? FileAttributeType == .typeSymbolicLink)
      #expect(!(try StateFile(path: target.path).load().identity.isEmpty))
    }
  }

  // MARK: - Item 17: messages and counts

  @Test func buildCountsOnlyBodiesThatReachedStdout() async throws {
    let running = try BinaryRunner.start(["--no-progress"], watchdog: Self.watchdog)
    // Nobody reads stdout: every write fails with EPIPE.
    try running.output.fileHandleForReading.close()
    try running.input.fileHandleForWriting.write(contentsOf: Data(Self.identifies(50).utf8))
    try running.input.fileHandleForWriting.close()
    let errors = await Self.offThePool { running.errors.fileHandleForReading.readDataToEndOfFile() }
    await Self.offThePool { running.process.waitUntilExit() }
    #expect(running.process.terminationStatus == 0)
    let text = String(decoding: errors, as: UTF8.self)
    #expect(text.contains("bodies written: 0,"), "\(text)")
  }

  @Test func deliverySummariesDoNotCountBodiesWritten() async throws {
    let mock = try MockAttio()
    let result = try BinaryRunner.run(
      ["deliver"], stdin: Data(Self.identifies(2).utf8), environment: mock.environment)
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
    let result = try BinaryRunner.run(["send"], stdin: Data(input.utf8), environment: environment)
    #expect(result.status == 3)
    let lines = result.stderrText.split(separator: "\n")
    #expect(lines.count >= 3)
    #expect(lines[0].contains("result line") && lines[0].contains("jq -c"))
    #expect(lines[1].contains("analytics event") && lines[1].contains("deliver"))
    #expect(lines[2].contains("data.values has no attributes"))
  }

  @Test func aMisspelledModeIsSuggested() async throws {
    let result = try BinaryRunner.run(["delivr"], stdin: Data())
    #expect(result.status == 2)
    #expect(result.stderrText.contains("did you mean 'deliver'?"))
  }
}
