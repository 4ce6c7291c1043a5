import Foundation
import TestSupport
import Testing

/// `deliver --omprog` against a fake omprog (`OmprogDriver`): the test speaks rsyslog's
/// confirmation protocol itself over the binary's stdin and stdout, including what rsyslog
/// never sends (marks out of place, a mark with trailing spaces, an empty line, EOF inside a
/// batch), and hands a batch over again as rsyslog does after an error answer or a crash.
@Suite(.timeLimit(.minutes(10))) struct OmprogProtocolTests {
  /// The statuses that end an event for good (`duplicate` says it was done before).
  static let finalStatuses: Set<String> = ["upserted", "unchanged", "failed"]

  private func identify(_ person: Int, tag: String) -> (line: String, message: String) {
    let message = "i-\(tag)-\(person)"
    let line = Events.identify(
      "v-\(tag)-\(person)", email: "p\(person)-\(tag)@example.com", name: "Person \(person)",
      message: message)
    return (String(line.dropLast()), message)
  }

  private func track(_ person: Int, tag: String) -> (line: String, message: String) {
    let message = "t-\(tag)-\(person)"
    return (String(Events.track("v-\(tag)-\(person)", message: message).dropLast()), message)
  }

  /// Final results by messageId.
  private func finalResults(_ lines: [[String: Any]]) -> [String: [String]] {
    var byMessage: [String: [String]] = [:]
    for result in lines {
      guard let message = result["messageId"] as? String, let status = result["status"] as? String,
        Self.finalStatuses.contains(status)
      else { continue }
      byMessage[message, default: []].append(status)
    }
    return byMessage
  }

  private func emails(in mock: MockAttio) async throws -> Set<String> {
    Set(try await mock.people().flatMap { $0["email_addresses"] as? [String] ?? [] })
  }

  @Test func aBatchIsConfirmedOnlyOnceEveryEventOfItHasItsResult() async throws {
    let directory = temporaryPath("omprog")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    // Slow answers: a COMMIT answered before the results were in would show.
    let mock = try await MockAttio(latencyMilliseconds: 300)
    let driver = try await OmprogDriver(
      results: directory + "/results.ndjson", environment: mock.environment)
    #expect(await driver.answer() == "OK")

    let first = [identify(1, tag: "happy"), identify(2, tag: "happy"), track(1, tag: "happy")]
    // An invalid line and a page view (skipped) are done at once and confirmed with the rest.
    let page = #"{"type":"page","anonymousId":"v-happy-1","messageId":"pg-1"}"#
    let answers = await driver.batch([
      first[0].line, "{not json", first[1].line, page, first[2].line,
    ])
    #expect(answers.first == "OK")
    #expect(answers.dropFirst().dropLast().allSatisfy { $0 == "DEFER_COMMIT" }, "\(answers)")
    #expect(OmprogDriver.withoutDots(answers.last ?? nil) == "OK", "\(answers)")
    // The moment the COMMIT is confirmed, every eligible event of the batch has its result.
    let afterFirst = finalResults(driver.resultLines())
    #expect(Set(afterFirst.keys) == Set(first.map(\.message)), "\(driver.resultLines())")

    let second = [identify(3, tag: "happy"), track(3, tag: "happy")]
    let more = await driver.batch(second.map(\.line))
    #expect(OmprogDriver.withoutDots(more.last ?? nil) == "OK", "\(more)")
    let afterSecond = finalResults(driver.resultLines())
    #expect(Set(afterSecond.keys) == Set((first + second).map(\.message)))
    #expect(afterSecond.values.allSatisfy { $0.count == 1 }, "\(afterSecond)")

    let finished = await driver.finish()
    #expect(!finished.killedByWatchdog)
    // The invalid line makes the exit status 3 (every event was delivered).
    #expect(finished.status == 3, "\(finished.stderrText)")
    // stdout carries the protocol only: the startup OK, and the answers read above.
    let protocolLines = finished.stdoutText.split(separator: "\n").map {
      OmprogDriver.withoutDots(String($0))
    }
    #expect(protocolLines.allSatisfy { $0 == "OK" || $0 == "DEFER_COMMIT" }, "\(protocolLines)")
    #expect(protocolLines.count == 1 + answers.count + more.count)
    #expect(
      try await emails(in: mock).isSuperset(of: ["p1-happy@example.com", "p3-happy@example.com"]))
  }

  /// With `--spool` the COMMIT is confirmed as soon as the batch is durable: the spool owns it
  /// from then on, so a kill -9 right after the OK loses nothing.
  @Test func withSpoolTheConfirmedBatchSurvivesAKill() async throws {
    let directory = temporaryPath("omprog-spool")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let mock = try await MockAttio(latencyMilliseconds: 1_500)
    let arguments = ["--spool", directory + "/spool", "--state", directory + "/state"]
    let results = directory + "/results.ndjson"
    let events = (0..<6).flatMap { [identify($0, tag: "spool"), track($0, tag: "spool")] }
    let invalid = "{not json"

    let first = try await OmprogDriver(
      results: results, arguments: arguments, environment: mock.environment)
    #expect(await first.answer() == "OK")
    let answers = await first.batch(events.map(\.line) + [invalid])
    #expect(answers.first == "OK")
    #expect(answers.dropFirst().dropLast().allSatisfy { $0 == "DEFER_COMMIT" }, "\(answers)")
    #expect(OmprogDriver.withoutDots(answers.last ?? nil) == "OK", "\(answers)")
    first.child.signal(SIGKILL)
    _ = await first.child.finish()

    // The next run (rsyslog starting it again, with nothing new to hand over) sends what the
    // spool holds.
    let second = try await OmprogDriver(
      results: results, arguments: arguments, environment: mock.environment)
    #expect(await second.answer() == "OK")
    let finished = await second.finish()
    #expect(!finished.killedByWatchdog)
    let final = finalResults(OmprogDriver.resultLines(results))
    #expect(Set(final.keys) == Set(events.map(\.message)), "\(OmprogDriver.resultLines(results))")
    #expect(final.values.allSatisfy { $0.count == 1 }, "\(final)")
    #expect(try await emails(in: mock).count == 6)
  }

  /// rsyslog does not hand deferred lines over again when the program dies before the COMMIT
  /// (rsyslog issue 2420): with `--spool`, a line answered `DEFER_COMMIT` is already in the
  /// spool, so a kill -9 in the middle of a batch loses none of it. (Whether the kill lands
  /// between an answer and the line's write is a race here; `SpoolIngestOmprogTests` checks
  /// the order itself, deterministically.)
  @Test func withSpoolADeferredLineSurvivesAKillBeforeTheCommit() async throws {
    let directory = temporaryPath("omprog-deferred")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let mock = try await MockAttio()
    let arguments = ["--spool", directory + "/spool"]
    let results = directory + "/results.ndjson"
    let events = (0..<8).map { identify($0, tag: "deferred") }

    let first = try await OmprogDriver(
      results: results, arguments: arguments, environment: mock.environment)
    #expect(await first.answer() == "OK")
    #expect(await first.send("BEGIN TRANSACTION") == "OK")
    for event in events {
      #expect(await first.send(event.line) == "DEFER_COMMIT")
    }
    first.child.signal(SIGKILL)
    _ = await first.child.finish()

    // rsyslog starts attio-pipe again with its next batch, without the deferred lines.
    let second = try await OmprogDriver(
      results: results, arguments: arguments, environment: mock.environment)
    #expect(await second.answer() == "OK")
    let later = identify(8, tag: "deferred")
    let answers = await second.batch([later.line])
    #expect(OmprogDriver.withoutDots(answers.last ?? nil) == "OK", "\(answers)")
    let finished = await second.finish()
    #expect(!finished.killedByWatchdog)
    let final = finalResults(OmprogDriver.resultLines(results))
    #expect(
      Set(final.keys) == Set((events + [later]).map(\.message)),
      "\(OmprogDriver.resultLines(results))")
    #expect(final.values.allSatisfy { $0.count == 1 }, "\(final)")
  }

  @Test func keepAliveDotsPrecedeAnAnswerThatTakesLong() async throws {
    let directory = temporaryPath("omprog-dots")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    // Each request takes 2.5 s, a find and a create take 5: dots come every second meanwhile.
    let mock = try await MockAttio(latencyMilliseconds: 2_500)
    let driver = try await OmprogDriver(
      results: directory + "/results.ndjson", environment: mock.environment)
    #expect(await driver.answer() == "OK")
    let answers = await driver.batch([identify(1, tag: "dots").line])
    let commit = try #require(answers.last ?? nil)
    #expect(commit.hasPrefix("."), "\(commit)")
    #expect(OmprogDriver.withoutDots(commit) == "OK", "\(commit)")
    #expect(await driver.finish().status == 0)
  }

  /// A full `--spool` holds up the answer to a line until delivery frees room: keep-alive dots
  /// meanwhile, or rsyslog takes attio-pipe for hung after `confirmTimeout`, restarts it and
  /// hands the batch over again (spooling its first part twice).
  @Test func keepAliveDotsWhileTheSpoolIsFull() async throws {
    let directory = temporaryPath("omprog-full")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let mock = try await MockAttio(latencyMilliseconds: 1_000)
    let driver = try await OmprogDriver(
      results: directory + "/results.ndjson",
      arguments: ["--spool", directory + "/spool", "--spool-max-bytes", "1M"],
      environment: mock.environment)
    #expect(await driver.answer() == "OK")
    #expect(await driver.send("BEGIN TRANSACTION") == "OK")
    // 8 KiB lines: the spool is full after about 128 of them.
    let padding = String(repeating: "x", count: 8 << 10)
    var dotted: String?
    for person in 0..<400 where dotted == nil {
      let line =
        #"{"type":"identify","anonymousId":"v-full-\#(person)","messageId":"i-full-\#(person)","traits":{"email":"p\#(person)-full@example.com"},"context":{"pad":"\#(padding)"}}"#
      let answer = try #require(await driver.send(line))
      #expect(OmprogDriver.withoutDots(answer) == "DEFER_COMMIT", "\(answer)")
      if answer.hasPrefix(".") { dotted = answer }
    }
    #expect(dotted != nil, "no line of the batch waited for room with keep-alive dots")
    driver.child.signal(SIGKILL)
    _ = await driver.child.finish()
  }

  /// Events that can never succeed are confirmed with their results written: rsyslog must not
  /// hand them over forever.
  @Test func eventsThatCanNeverSucceedAreConfirmed() async throws {
    let directory = temporaryPath("omprog-failed")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let mock = try await MockAttio()
    try await mock.configure([
      "rules": [
        ["status": 400, "count": -1, "email": "p1-bad@example.com", "endpoint": "query"]
      ]
    ])
    let driver = try await OmprogDriver(
      results: directory + "/results.ndjson", environment: mock.environment)
    #expect(await driver.answer() == "OK")
    let bad = identify(1, tag: "bad")
    let noEmail =
      #"{"type":"track","anonymousId":"nobody","messageId":"t-nobody","event":"Signed Up"}"#
    let answers = await driver.batch([bad.line, "[1,2", noEmail])
    #expect(OmprogDriver.withoutDots(answers.last ?? nil) == "OK", "\(answers)")
    let results = driver.resultLines()
    #expect(
      results.first { $0["messageId"] as? String == bad.message }?["status"] as? String
        == "failed", "\(results)")
    // A failed delivery makes the exit status 1 (before the invalid line's 3).
    let finished = await driver.finish()
    #expect(finished.status == 1, "\(finished.stderrText)")
  }

  @Test func malformedProtocolLinesNeverHangOrCrash() async throws {
    let directory = temporaryPath("omprog-malformed")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let mock = try await MockAttio()
    let driver = try await OmprogDriver(
      results: directory + "/results.ndjson", environment: mock.environment)
    #expect(await driver.answer() == "OK")
    // A COMMIT without a BEGIN has nothing to wait for.
    #expect(await driver.send("COMMIT TRANSACTION") == "OK")
    // Two BEGINs: the second is answered like the first.
    let twice = identify(1, tag: "odd")
    #expect(await driver.send("BEGIN TRANSACTION") == "OK")
    #expect(await driver.send("BEGIN TRANSACTION") == "OK")
    #expect(await driver.send(twice.line) == "DEFER_COMMIT")
    #expect(OmprogDriver.withoutDots(await driver.send("COMMIT TRANSACTION")) == "OK")
    // A mark with trailing spaces is not a mark: a line of data (invalid JSON), outside a
    // batch confirmed on its own.
    #expect(await driver.send("BEGIN TRANSACTION  ") == "OK")
    #expect(await driver.send("") == "OK")
    // A message outside a batch is confirmed once it is done.
    let single = identify(2, tag: "odd")
    #expect(OmprogDriver.withoutDots(await driver.send(single.line)) == "OK")
    #expect(finalResults(driver.resultLines())[single.message] != nil)
    // EOF in the middle of a batch: what was read is still delivered, then the exit.
    let cut = identify(3, tag: "odd")
    #expect(await driver.send("BEGIN TRANSACTION") == "OK")
    #expect(await driver.send("") == "DEFER_COMMIT")
    #expect(await driver.send(cut.line) == "DEFER_COMMIT")
    let finished = await driver.finish()
    #expect(!finished.killedByWatchdog)
    #expect(finished.status == 3, "\(finished.stderrText)")
    let final = finalResults(driver.resultLines())
    #expect(Set(final.keys) == [twice.message, single.message, cut.message], "\(final)")
  }

  /// A refused key delivers nothing: the batch must stay with rsyslog.
  @Test func aRefusedKeyAnswersTheCommitWithAnError() async throws {
    let directory = temporaryPath("omprog-401")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let mock = try await MockAttio()
    var environment = mock.environment
    environment["ATTIO_API_KEY"] = "not-the-key"
    let driver = try await OmprogDriver(
      results: directory + "/results.ndjson", environment: environment)
    #expect(await driver.answer() == "OK")
    let answers = await driver.batch([identify(1, tag: "refused").line])
    let commit = try #require(OmprogDriver.withoutDots(answers.last ?? nil))
    #expect(commit != "OK" && !commit.isEmpty, "\(answers)")
    let finished = await driver.finish()
    #expect(finished.status == 4, "\(finished.stderrText)")
  }

  /// A batch cut short by SIGTERM (rsyslog's stop, `signalOnClose`) is answered with an error
  /// and handed over again to the next process, which must deliver what the first did not:
  /// `--state` must not remember its events as seen (they would be `duplicate`, never sent).
  @Test func aBatchStoppedBySIGTERMIsDeliveredWhenHandedOverAgain() async throws {
    try await handedOverAgain(tag: "term") { driver, _ in
      driver.child.signal(SIGTERM)
      let answer = await driver.answer()
      #expect(answer.map { OmprogDriver.withoutDots($0) != "OK" } ?? true, "\(answer ?? "EOF")")
    }
  }

  /// The same after a kill -9 that follows a periodic `--state` save made while the batch was
  /// still being delivered.
  @Test func aBatchKilledAfterAStateSaveIsDeliveredWhenHandedOverAgain() async throws {
    try await handedOverAgain(tag: "kill") { driver, state in
      let saved = await blocking {
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: state) && Date() < deadline {
          Thread.sleep(forTimeInterval: 0.02)
        }
        return FileManager.default.fileExists(atPath: state)
      }
      #expect(saved)
      driver.child.signal(SIGKILL)
    }
  }

  /// A confirmed batch is forgotten by rsyslog, so with `--state` what it taught the
  /// identities must be saved before its `OK`: a `kill -9` right after the answer must not
  /// leave the visitor's next event (a `Signed Up` with only the anonymousId, in the next
  /// batch, to the next process) without the email its identify gave. The periodic save is an
  /// hour away here, so only the save before the confirmation can keep it.
  @Test func whatAConfirmedBatchTaughtSurvivesAKillRightAfterTheAnswer() async throws {
    let directory = temporaryPath("omprog-taught")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let mock = try await MockAttio()
    let state = directory + "/state"
    let results = directory + "/results.ndjson"
    let arguments = ["--state", state, "--state-interval", "1h"]
    let first = try await OmprogDriver(
      results: results, arguments: arguments, environment: mock.environment)
    #expect(await first.answer() == "OK")
    // The first change after a quiet spell is saved a second later anyway; the second batch's
    // change would wait for the interval.
    for person in 0...1 {
      let answers = await first.batch([identify(person, tag: "taught").line])
      #expect(OmprogDriver.withoutDots(answers.last ?? nil) == "OK", "\(answers)")
    }
    first.child.signal(SIGKILL)
    #expect(!(await first.finish().killedByWatchdog))

    let second = try await OmprogDriver(
      results: results, arguments: arguments, environment: mock.environment)
    #expect(await second.answer() == "OK")
    let signUp = track(1, tag: "taught")
    let again = await second.batch([signUp.line])
    #expect(OmprogDriver.withoutDots(again.last ?? nil) == "OK", "\(again)")
    #expect(await second.finish().status == 0)
    let final = finalResults(OmprogDriver.resultLines(results))
    // Known by its email: delivered, or unchanged (the saved delivery memory knows the person).
    // Forgotten, it would have no result at all (skipped, no_email).
    #expect(
      final[signUp.message] == ["unchanged"] || final[signUp.message] == ["upserted"],
      "\(OmprogDriver.resultLines(results))")
  }

  /// A batch of 12 people sent to a first process that `interrupt` stops before it is
  /// confirmed, then the same batch to a second one, as rsyslog hands it over again.
  private func handedOverAgain(
    tag: String, interrupt: (OmprogDriver, String) async throws -> Void
  ) async throws {
    let directory = temporaryPath("omprog-again")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let mock = try await MockAttio(latencyMilliseconds: 1_000)
    let state = directory + "/state"
    let results = directory + "/results.ndjson"
    let arguments = ["--state", state, "--state-interval", "200ms", "--grace", "1s"]
    let events = (0..<12).map { identify($0, tag: tag) }

    let first = try await OmprogDriver(
      results: results, arguments: arguments, environment: mock.environment)
    #expect(await first.answer() == "OK")
    #expect(await first.send("BEGIN TRANSACTION") == "OK")
    for event in events { #expect(await first.send(event.line) == "DEFER_COMMIT") }
    #expect(await first.child.write("COMMIT TRANSACTION\n"))
    try await interrupt(first, state)
    #expect(!(await first.finish().killedByWatchdog))

    let second = try await OmprogDriver(
      results: results, arguments: arguments, environment: mock.environment)
    #expect(await second.answer() == "OK")
    let answers = await second.batch(events.map(\.line))
    #expect(OmprogDriver.withoutDots(answers.last ?? nil) == "OK", "\(answers)")
    #expect(await second.finish().status == 0)
    let final = finalResults(OmprogDriver.resultLines(results))
    #expect(Set(final.keys) == Set(events.map(\.message)), "\(OmprogDriver.resultLines(results))")
    #expect(try await emails(in: mock).count == 12)
  }

  @Test func omprogNeedsOutputAndReadsStdinOnly() async throws {
    let noOutput = try await BinaryRunner.run(["deliver", "--omprog"], stdin: Data())
    #expect(noOutput.status == 2)
    #expect(noOutput.stderrText.contains("--omprog needs --output"), "\(noOutput.stderrText)")
    let events = temporaryPath("events.ndjson")
    let results = temporaryPath("results.ndjson")
    defer {
      try? FileManager.default.removeItem(atPath: events)
      try? FileManager.default.removeItem(atPath: results)
    }
    try Data(Events.identify("v", email: "v@example.com").utf8).write(
      to: URL(fileURLWithPath: events))
    let named = try await BinaryRunner.run(
      ["deliver", "--omprog", "--output", results, events], stdin: Data())
    #expect(named.status == 2)
    #expect(named.stderrText.contains("--omprog reads stdin only"), "\(named.stderrText)")
    #expect(named.stdout.isEmpty)
  }
}
