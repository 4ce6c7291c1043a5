import Foundation
import TestSupport
import Testing

/// `--state` seen from outside: runs that pick up where the last one stopped.
@Suite(.timeLimit(.minutes(10))) struct StatePersistenceTests {
  @Test func yesterdaysIdentifyAttachesToTodaysSignUp() async throws {
    let path = temporaryPath("state.bin")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let yesterday = Events.identify("visitor", email: "ada@example.com", name: "Ada Lovelace")
    let first = try await BinaryRunner.run(["--state", path], stdin: Data(yesterday.utf8))
    #expect(first.status == 0)
    let today = try await BinaryRunner.run(
      ["--state", path], stdin: Data(Events.track("visitor").utf8))
    #expect(today.status == 0)
    #expect(today.stdoutText.contains(#""email_address":"ada@example.com""#))
    #expect(today.stdoutText.contains(#""full_name":"Ada Lovelace""#))
    // Without the state the sign-up has no email.
    let without = try await BinaryRunner.run([], stdin: Data(Events.track("visitor").utf8))
    #expect(without.stdoutText.isEmpty)
  }

  @Test func aDamagedStateFileIsAStartupErrorAndResetStartsOver() async throws {
    let path = temporaryPath("state.bin")
    defer { try? FileManager.default.removeItem(atPath: path) }
    _ = try await BinaryRunner.run(
      ["--state", path], stdin: Data(Events.identify("v", email: "a@b.co").utf8))
    var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    bytes[bytes.count / 2] ^= 0xFF
    try bytes.write(to: URL(fileURLWithPath: path))
    let refused = try await BinaryRunner.run(
      ["--state", path], stdin: Data(Events.track("v").utf8))
    #expect(refused.status == 2)
    #expect(refused.stderrText.contains("damaged"))
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == bytes)  // left as it was
    let reset = try await BinaryRunner.run(
      ["--state", path, "--reset-state"], stdin: Data(Events.track("v").utf8))
    #expect(reset.status == 0)
    #expect(reset.stdoutText.isEmpty)
  }

  /// Every event of the second run was seen before: each is reported `duplicate`, nothing is
  /// sent (see RerunTests for the cases where sending would have written older values).
  @Test func aRerunOfTheSameInputSendsNothingNew() async throws {
    let path = temporaryPath("state.bin")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let mock = try await MockAttio()
    let arguments = [
      "deliver", "--write-mode", "assert", "--state", path, "--default-country", "GB",
      "fixtures/demo.ndjson",
    ]
    let first = try await BinaryRunner.run(arguments, environment: mock.environment)
    #expect(first.status == 0)
    let requests = try await mock.puts().count
    let second = try await BinaryRunner.run(arguments, environment: mock.environment)
    #expect(second.status == 0)
    #expect(try await mock.puts().count == requests)
    #expect(MockAttioResults(second).statuses == Array(repeating: "duplicate", count: 7))
  }

  @Test func killedAtRandomMomentsTheStateIsAlwaysLoadable() async throws {
    let path = temporaryPath("state.bin")
    defer { try? FileManager.default.removeItem(atPath: path) }
    var events = ""
    for visitor in 0..<20_000 {
      events += Events.identify(
        "v\(visitor)", email: "p\(visitor)@example.com", name: "P \(visitor)")
    }
    let input = Data(events.utf8)
    var generator = SystemRandomNumberGenerator()
    for round in 0..<8 {
      let child = try await BinaryRunner.start(
        ["--quiet", "--state", path, "--state-interval", "0.01"], stdout: .discard,
        stderr: .discard)
      Task { await child.write(input) }
      try await Task.sleep(for: .milliseconds(Int.random(in: 20...200, using: &generator)))
      child.signal(SIGKILL)
      _ = await child.finish()
      // Whatever moment it died at, the file is the previous or the new state: it loads.
      let check = try await BinaryRunner.run(["--state", path], stdin: Data())
      #expect(check.status == 0, "round \(round): \(check.stderrText)")
    }
    // A last kill only after a save that followed the first visitor's identify: then that
    // visitor must be known (the rounds above would pass if nothing were ever saved).
    let child = try await BinaryRunner.start(
      ["--quiet", "--state", path, "--state-interval", "0.01"], stderr: .discard)
    Task { await child.write(input) }
    #expect(await child.readLine() != nil)
    let processed = Date()
    var saved = false
    for _ in 0..<600 where !saved {
      let modified = try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate]
      saved = (modified as? Date).map { $0 > processed } ?? false
      if !saved { try await Task.sleep(for: .milliseconds(100)) }
    }
    child.signal(SIGKILL)
    _ = await child.finish()
    #expect(saved, "no save within a minute")
    let known = try await BinaryRunner.run(["--state", path], stdin: Data(Events.track("v0").utf8))
    #expect(known.stdoutText.contains(#""email_address":"p0@example.com""#))
  }

  /// Whatever `--state-interval` says, the first change of a run is saved about a second after
  /// it: a process killed soon after its first events (before any interval, with no exit to
  /// save at) still leaves them in the file.
  @Test func theFirstChangeIsSavedSoonWhateverTheInterval() async throws {
    let path = temporaryPath("state.bin")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let child = try await BinaryRunner.start(
      ["--quiet", "--state", path, "--state-interval", "1h"], stderr: .discard)
    await child.write(Events.identify("v", email: "ada@example.com", name: "Ada Lovelace"))
    #expect(await child.readLine() != nil)
    // Polled, not timed: a save an hour later would leave no file at all.
    var saved = false
    for _ in 0..<600 where !saved {
      saved = FileManager.default.fileExists(atPath: path)
      if !saved { try await Task.sleep(for: .milliseconds(100)) }
    }
    child.signal(SIGKILL)
    _ = await child.finish()
    #expect(saved, "no save within a minute")
    let known = try await BinaryRunner.run(["--state", path], stdin: Data(Events.track("v").utf8))
    #expect(known.stdoutText.contains(#""email_address":"ada@example.com""#))
  }

  @Test func maxIdentitiesEvictsAndSaysSo() async throws {
    var events = ""
    for visitor in 0..<50 {
      events += Events.identify("v\(visitor)", email: "p\(visitor)@example.com")
    }
    events += Events.track("v0") + Events.track("v49")
    let run = try await BinaryRunner.run(["--max-identities", "10"], stdin: Data(events.utf8))
    #expect(run.status == 0)
    #expect(run.stderrText.contains("identities evicted: 40"))
    // v0 was forgotten; v49 is still known.
    #expect(run.stdout.split(separator: UInt8(ascii: "\n")).count == 51)
    #expect(run.stderrText.contains("no_email 1"))
  }
}
