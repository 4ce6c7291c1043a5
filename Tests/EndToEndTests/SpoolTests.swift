import Foundation
import TestSupport
import Testing

/// `--spool` seen from outside: `kill -9` at any moment and a restart with the same command
/// line lose nothing and report nothing twice, and Attio ends as after an uninterrupted run; a
/// stop leaves what is unfinished to the next run; a spool that cannot be used is refused
/// before anything is sent.
@Suite(.timeLimit(.minutes(10))) struct SpoolTests {
  /// SplitMix64: the same events and the same kill moments for a seed, on every machine.
  private struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var mixed = state
      mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
      mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
      return mixed ^ (mixed >> 31)
    }
  }

  /// `count` events over `people` visitors, shaped like a site's stream: identifies, whose
  /// job titles and surnames come back to earlier values (so a value written before a crash
  /// and again after it tells a stale memory from a right one), Signed Up and Lead Generated
  /// (eligible once the visitor is known), page views (never eligible). `padding` bytes of
  /// context make every line longer.
  private static func events(count: Int, people: Int = 300, seed: UInt64, padding: Int = 0)
    -> String
  {
    var random = SeededGenerator(state: seed)
    let titles = ["Engineer", "Manager", "Director", "CTO"]
    let surnames = ["Lovelace", "Hopper", "Turing"]
    let context =
      padding > 0
      ? #","context":{"userAgent":""# + String(repeating: "a", count: padding) + #""}"# : ""
    var lines = ""
    for index in 0..<count {
      let person = Int.random(in: 0..<people, using: &random)
      let head = #"{"anonymousId":"anon-\#(person)","messageId":"m-\#(index)""# + context
      let kind = Double.random(in: 0..<1, using: &random)
      if kind < 0.3 {
        let title = titles.randomElement(using: &random)!
        let surname = surnames.randomElement(using: &random)!
        lines +=
          head + #","type":"identify","traits":{"email":"user\#(person)@example.com","#
          + #""first_name":"F\#(person)","last_name":"\#(surname)","job_title":"\#(title)"}}"#
      } else if kind < 0.5 {
        lines += head + #","type":"track","event":"Signed Up","properties":{}}"#
      } else if kind < 0.6 {
        lines +=
          head + #","type":"track","event":"Lead Generated","properties":{"lead_source":"s"}}"#
      } else {
        lines += head + #","type":"page","name":"Home"}"#
      }
      lines += "\n"
    }
    return lines
  }

  /// The people Attio holds, by their email addresses, as the JSON text of their values
  /// (record ids and times differ from run to run); and how many records there are.
  private static func people(_ mock: MockAttio) async throws -> (
    values: [String: String], records: Int
  ) {
    let records = try await mock.people()
    var people: [String: String] = [:]
    for person in records {
      let emails = (person["email_addresses"] as? [String] ?? []).sorted()
      let values = try JSONSerialization.data(
        withJSONObject: person["values"] ?? [:], options: [.sortedKeys])
      people[emails.joined(separator: ",")] = String(decoding: values, as: UTF8.self)
    }
    return (people, records.count)
  }

  /// Added to every seed: `ATTIO_PIPE_SPOOL_SEED=N swift test --filter SpoolTests` runs the
  /// kill tests on other events and other kill moments (each seed is as repeatable).
  private static let seedOffset =
    UInt64(ProcessInfo.processInfo.environment["ATTIO_PIPE_SPOOL_SEED"] ?? "") ?? 0

  private static let finalStatuses: Set<String> = ["upserted", "unchanged", "failed"]
  private static let delivering = ["deliver", "--rate", "300", "--concurrency", "4"]

  /// Runs `deliver --spool --state` on the events of `seed`, SIGKILLed `kills` times at
  /// moments drawn from the seed and restarted each time with the same command line, the last
  /// run to its end; checks it against one uninterrupted run without a spool. Returns how many
  /// runs it took.
  @discardableResult
  private func killAndRestart(
    seed: UInt64, count: Int, padding: Int = 0, kills: Int = 8, options: [String] = [],
    stdin: Bool, spool: String, sourceLocation: SourceLocation = #_sourceLocation
  ) async throws -> Int {
    let file = temporaryPath("events.ndjson")
    let state = temporaryPath("state")
    defer {
      try? FileManager.default.removeItem(atPath: file)
      try? FileManager.default.removeItem(atPath: state)
    }
    let seed = seed &+ Self.seedOffset &* 1000
    try Data(Self.events(count: count, seed: seed, padding: padding).utf8).write(
      to: URL(fileURLWithPath: file))
    // The reference: one uninterrupted run without a spool, against a mock of its own.
    let reference = try await MockAttio()
    async let referenceRun = BinaryRunner.run(
      Self.delivering + [file], environment: reference.environment)
    let mock = try await MockAttio()
    let arguments =
      Self.delivering + ["--spool", spool, "--state", state] + options + (stdin ? [] : [file])
    var random = SeededGenerator(state: seed)
    var reported: [String: [String]] = [:]
    // Per run, the messageIds of its results in output order, and whether it was killed.
    var runs: [(messageIds: [String], killed: Bool)] = []
    var last: BinaryRunner.Result?
    for round in 0...kills {
      let child = try await BinaryRunner.start(
        arguments, environment: mock.environment, watchdog: 120, stdinFile: stdin ? file : nil)
      child.closeInput()
      if round < kills {
        try await Task.sleep(for: .milliseconds(Int.random(in: 50...1500, using: &random)))
        child.signal(SIGKILL)
      }
      let finished = await child.finish()
      #expect(!finished.killedByWatchdog, "round \(round)", sourceLocation: sourceLocation)
      // A line cut by the kill does not parse: its event had no `done` yet, so it comes again.
      var messageIds: [String] = []
      for result in results(finished) {
        guard let messageId = result["messageId"] as? String else { continue }
        reported[messageId, default: []].append(result["status"] as? String ?? "?")
        messageIds.append(messageId)
      }
      runs.append((messageIds, round < kills))
      last = finished
    }
    #expect(last?.status == 0, "\(last?.stderrText ?? "")", sourceLocation: sourceLocation)
    let referenceFinished = try await referenceRun
    #expect(referenceFinished.status == 0, sourceLocation: sourceLocation)
    let eligible = Set(results(referenceFinished).compactMap { $0["messageId"] as? String })
    #expect(eligible.count > count / 4, sourceLocation: sourceLocation)
    // Every eligible event has exactly one result, a final one; nothing else has any.
    let statuses = Set(reported.values.joined())
    #expect(
      statuses.isSubset(of: Self.finalStatuses), "\(statuses)", sourceLocation: sourceLocation)
    let missing = eligible.subtracting(reported.keys)
    let extra = Set(reported.keys).subtracting(eligible)
    #expect(
      missing.isEmpty, "seed \(seed), no result: \(missing.sorted().prefix(10))",
      sourceLocation: sourceLocation)
    #expect(
      extra.isEmpty, "seed \(seed), not eligible: \(extra.sorted().prefix(10))",
      sourceLocation: sourceLocation)
    // Reported twice only where a kill fell between writing results and writing their `done`
    // records (SpoolResults: one write(2) each, so no order avoids both a loss and this):
    // then what a run reports again later is exactly the last lines it printed.
    var seen: Set<String> = []
    for (index, run) in runs.enumerated().reversed() {
      let again = Set(run.messageIds).intersection(seen)
      seen.formUnion(run.messageIds)
      guard !again.isEmpty else { continue }
      let tail = Set(run.messageIds.suffix(again.count))
      let stray = again.subtracting(tail).sorted().prefix(5)
      let statuses = reported.filter { again.contains($0.key) }.sorted { $0.key < $1.key }
      #expect(
        run.killed && tail == again,
        "seed \(seed), run \(index) (killed: \(run.killed)) reported \(again.count) again later, \(stray) not among its last lines: \(statuses.prefix(5))",
        sourceLocation: sourceLocation)
    }
    // Attio holds what the uninterrupted run left: no value lost, no stale value last.
    let expected = try await Self.people(reference)
    let got = try await Self.people(mock)
    #expect(got.records == expected.records, sourceLocation: sourceLocation)
    let differing = Set(expected.values.keys).union(got.values.keys).filter {
      expected.values[$0] != got.values[$0]
    }
    #expect(
      differing.isEmpty,
      "seed \(seed), \(differing.count) people differ, e.g. \(differing.sorted().prefix(3).map { "\($0): \(expected.values[$0] ?? "-") / \(got.values[$0] ?? "-")" })",
      sourceLocation: sourceLocation)
    return kills + 1
  }

  // MARK: kill -9

  @Test func killedAtRandomMomentsAFileArgumentIsDeliveredExactlyOnce() async throws {
    let spool = temporaryPath("spool")
    defer { try? FileManager.default.removeItem(atPath: spool) }
    try await killAndRestart(seed: 1, count: 2500, stdin: false, spool: spool)
  }

  @Test func killedAtRandomMomentsStdinFromAFileIsDeliveredExactlyOnce() async throws {
    let spool = temporaryPath("spool")
    defer { try? FileManager.default.removeItem(atPath: spool) }
    try await killAndRestart(seed: 2, count: 2500, stdin: true, spool: spool)
  }

  /// Saves every 0.1 s: the restarts find identities and delivery memory saved in the middle
  /// of the spool, and events after the save whose results the saved memory does not know.
  @Test func killedAtRandomMomentsWithFrequentSavesStateAndSpoolAgree() async throws {
    let spool = temporaryPath("spool")
    defer { try? FileManager.default.removeItem(atPath: spool) }
    try await killAndRestart(
      seed: 4, count: 2500, options: ["--state-interval", "0.1"], stdin: false, spool: spool)
  }

  /// A spool of 1 MiB (segments of 128 KiB) that more than 1 MiB of input passes through,
  /// killed and restarted: segments rotate and go while the runs go on.
  @Test func killedAtRandomMomentsASmallSpoolRotatesAndDeletesSegments() async throws {
    let spool = temporaryPath("spool")
    defer { try? FileManager.default.removeItem(atPath: spool) }
    try await killAndRestart(
      seed: 3, count: 2500, padding: 400,
      options: ["--spool-max-bytes", "1M", "--state-interval", "0.3"],
      stdin: false, spool: spool)
    #expect(try Self.segments(in: spool).bytes <= 1 << 20)
  }

  /// The segment files of a spool: the highest number, and their bytes.
  private static func segments(in spool: String) throws -> (highest: UInt64, bytes: Int) {
    let names = try FileManager.default.contentsOfDirectory(atPath: spool).filter {
      $0.hasPrefix("segment-")
    }
    let highest = names.compactMap { UInt64($0.dropFirst(8).prefix(16), radix: 16) }.max() ?? 0
    let bytes = try names.map {
      try FileManager.default.attributesOfItem(atPath: spool + "/" + $0)[.size] as? Int ?? 0
    }.reduce(0, +)
    return (highest, bytes)
  }

  /// One uninterrupted run through a 1 MiB spool of more input than that: it gets to the end
  /// only because segments rotate and finished ones are deleted while it runs (else the input
  /// would wait for room for ever).
  @Test func aSmallSpoolRotatesAndDeletesSegmentsWhileTheRunGoesOn() async throws {
    let mock = try await MockAttio()
    let spool = temporaryPath("spool")
    let state = temporaryPath("state")
    let file = temporaryPath("events.ndjson")
    defer {
      for path in [spool, state, file] { try? FileManager.default.removeItem(atPath: path) }
    }
    let events = Self.events(count: 2500, seed: 5, padding: 400)
    #expect(events.utf8.count > 1 << 20)
    try Data(events.utf8).write(to: URL(fileURLWithPath: file))
    let run = try await BinaryRunner.run(
      Self.delivering + [
        "--spool", spool, "--spool-max-bytes", "1M", "--state", state, "--state-interval", "0.3",
        file,
      ], environment: mock.environment)
    #expect(run.status == 0, "\(run.stderrText)")
    #expect(run.stderrText.contains("spooled: 2500"), "\(run.stderrText)")
    let reported = results(run).compactMap { $0["messageId"] as? String }
    #expect(Set(reported).count == reported.count && reported.count > 2500 / 4)
    let segments = try Self.segments(in: spool)
    // Segments of 128 KiB, each grown past that by up to one read of input before it rotates.
    #expect(segments.highest >= UInt64(events.utf8.count / (384 << 10)), "\(segments)")
    #expect(segments.bytes <= 1 << 20)
  }

  /// A value that comes back after a crash: the state remembers title A (saved), the killed run
  /// wrote B (its `done` durable, its save not made), the next run's event says A again. It
  /// must be sent: Attio holds B, not what the state remembers.
  @Test func aValueThatComesBackAfterACrashIsSentNotTakenForUnchanged() async throws {
    let mock = try await MockAttio()
    let spool = temporaryPath("spool")
    let state = temporaryPath("state")
    defer {
      try? FileManager.default.removeItem(atPath: spool)
      try? FileManager.default.removeItem(atPath: state)
    }
    let arguments = ["deliver", "--spool", spool, "--state", state, "--state-interval", "1h"]
    func identify(_ message: String, _ email: String, _ title: String) -> String {
      Events.identify(email, email: email, title: title, message: message)
    }
    let first = try await BinaryRunner.run(
      arguments, stdin: Data(identify("m1", "ada@example.com", "A").utf8),
      environment: mock.environment)
    #expect(first.status == 0)
    let killed = try await BinaryRunner.start(arguments, environment: mock.environment)
    await killed.write(identify("m2", "ada@example.com", "B"))
    #expect(await killed.readLine(timeout: 60)?.contains(#""status":"upserted""#) == true)
    // Results are committed in order: once another event's result is out, m2's `done` is on
    // disk, so the restart will not send m2 again.
    await killed.write(identify("m3", "grace@example.com", "C"))
    #expect(await killed.readLine(timeout: 60)?.contains("m3") == true)
    killed.signal(SIGKILL)
    _ = await killed.finish()
    #expect(
      try await mock.person("ada@example.com")?["job_title"] as? [[String: String]] == [
        ["value": "B"]
      ])
    let last = try await BinaryRunner.run(
      arguments, stdin: Data(identify("m4", "ada@example.com", "A").utf8),
      environment: mock.environment)
    #expect(last.status == 0, "\(last.stderrText)")
    // (m3 may come again: the kill may have come between its result and its `done`.)
    let m4 = results(last).filter { $0["messageId"] as? String == "m4" }
    #expect(m4.compactMap { $0["status"] as? String } == ["upserted"])
    #expect(
      try await mock.person("ada@example.com")?["job_title"] as? [[String: String]] == [
        ["value": "A"]
      ])
  }

  /// The other side of the test above: after a clean exit nothing is left unknown to the
  /// saved memory, so the next run trusts it (an upsert that changes nothing is not sent).
  @Test func afterACleanExitTheSavedMemoryIsTrusted() async throws {
    let mock = try await MockAttio()
    let spool = temporaryPath("spool")
    let state = temporaryPath("state")
    defer {
      try? FileManager.default.removeItem(atPath: spool)
      try? FileManager.default.removeItem(atPath: state)
    }
    let arguments = ["deliver", "--spool", spool, "--state", state]
    var identifies = ""
    var tracks = ""
    for person in 0..<20 {
      identifies += Events.identify("v\(person)", email: "p\(person)@example.com", title: "T")
      tracks += Events.track("v\(person)")
    }
    let first = try await BinaryRunner.run(
      arguments, stdin: Data(identifies.utf8), environment: mock.environment)
    #expect(first.status == 0)
    let requests = try await mock.requests().count
    let second = try await BinaryRunner.run(
      arguments, stdin: Data(tracks.utf8), environment: mock.environment)
    #expect(second.status == 0)
    #expect(MockAttioResults(second).statuses == Array(repeating: "unchanged", count: 20))
    #expect(try await mock.requests().count == requests)
  }

  /// A file delivered to its end, then the same command line twice more: nothing is read
  /// again (the spool knows where the file ends, whatever segments went in between).
  @Test func aFileDeliveredToItsEndIsNotReadAgain() async throws {
    let mock = try await MockAttio()
    let spool = temporaryPath("spool")
    let state = temporaryPath("state")
    let file = temporaryPath("events.ndjson")
    defer {
      for path in [spool, state, file] { try? FileManager.default.removeItem(atPath: path) }
    }
    try Data(Self.events(count: 300, people: 30, seed: 9).utf8).write(
      to: URL(fileURLWithPath: file))
    let arguments = ["deliver", "--spool", spool, "--state", state, file]
    let first = try await BinaryRunner.run(arguments, environment: mock.environment)
    #expect(first.status == 0)
    #expect(!results(first).isEmpty)
    for round in 1...2 {
      let again = try await BinaryRunner.run(arguments, environment: mock.environment)
      #expect(again.status == 0)
      #expect(again.stdout.isEmpty, "round \(round)")
      #expect(again.stderrText.contains("lines read: 0,"), "round \(round): \(again.stderrText)")
    }
  }

  // MARK: Stopping

  @Test func sigtermLeavesTheQueuedToTheNextRunAsDeferred() async throws {
    let mock = try await MockAttio()
    let spool = temporaryPath("spool")
    let file = temporaryPath("events.ndjson")
    defer {
      try? FileManager.default.removeItem(atPath: spool)
      try? FileManager.default.removeItem(atPath: file)
    }
    var events = ""
    for person in 0..<60 {
      events += Events.identify(
        "v\(person)", email: "p\(person)@example.com", message: "m\(person)")
    }
    try Data(events.utf8).write(to: URL(fileURLWithPath: file))
    // Two upserts a second: a drain would take half a minute.
    let child = try await BinaryRunner.start(
      [
        "deliver", "--write-mode", "assert", "--rate", "2", "--grace", "5s", "--spool", spool, file,
      ],
      environment: mock.environment, watchdog: 120)
    child.closeInput()
    #expect(await child.readLine(timeout: 60) != nil)
    child.signal(SIGTERM)
    let signalled = Date()
    let stopped = await child.finish()
    // A bound on a hang only: what proves the quick stop is the statuses below.
    #expect(Date().timeIntervalSince(signalled) < 60)
    #expect(stopped.status == 5)
    let firstResults = results(stopped)
    let firstStatuses = firstResults.compactMap { $0["status"] as? String }
    #expect(firstStatuses.contains("deferred"))
    #expect(
      Set(firstStatuses).isSubset(of: Self.finalStatuses.union(["deferred"])), "\(firstStatuses)")
    let deferred = firstStatuses.filter { $0 == "deferred" }.count
    #expect(stopped.stderrText.contains("deferred: \(deferred)"), "\(stopped.stderrText)")
    // The next run sends them, and the lines the stop left unread in the spool.
    let next = try await BinaryRunner.run(
      ["deliver", "--write-mode", "assert", "--rate", "300", "--spool", spool, file],
      environment: mock.environment)
    #expect(next.status == 0, "\(next.stderrText)")
    #expect(next.stderrText.contains("replayed: \(deferred)"), "\(next.stderrText)")
    var finals: [String: Int] = [:]
    for result in firstResults + results(next)
    where Self.finalStatuses.contains(result["status"] as? String ?? "") {
      finals[result["messageId"] as? String ?? "?", default: 0] += 1
    }
    #expect(finals == Dictionary(uniqueKeysWithValues: (0..<60).map { ("m\($0)", 1) }))
    #expect(try await mock.people().count == 60)
  }

  // MARK: The directory

  @Test func aSpoolThatCannotBeUsedIsExit2BeforeAnythingIsSent() async throws {
    let mock = try await MockAttio()
    let file = temporaryPath("file")
    let spool = temporaryPath("spool")
    defer {
      try? FileManager.default.removeItem(atPath: file)
      try? FileManager.default.removeItem(atPath: spool)
    }
    let events = Events.identify("v1", email: "a@example.com") + Events.track("v1")
    try Data(events.utf8).write(to: URL(fileURLWithPath: file))
    // A missing parent, a regular file, a directory nobody can create a file in (root too).
    for path in [temporaryPath("missing") + "/spool", file, "/proc"] {
      let run = try await BinaryRunner.run(
        ["deliver", "--spool", path], stdin: Data(events.utf8), environment: mock.environment)
      #expect(run.status == 2, "\(path)")
      #expect(run.stderrText.contains(path), "\(run.stderrText)")
      #expect(run.stdout.isEmpty)
    }
    #expect(try await mock.requests().isEmpty)
    #expect(try String(contentsOfFile: file, encoding: .utf8) == events)
    // A spool damaged in the middle: refused, named with its offset, left as it was.
    let made = try await BinaryRunner.run(
      ["deliver", "--spool", spool, file], environment: mock.environment)
    #expect(made.status == 0)
    let requests = try await mock.requests().count
    let segment = try #require(
      try FileManager.default.contentsOfDirectory(atPath: spool).first { $0.hasPrefix("segment-") })
    let path = spool + "/" + segment
    var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    bytes[bytes.count / 2] ^= 0x20
    try bytes.write(to: URL(fileURLWithPath: path))
    let refused = try await BinaryRunner.run(
      ["deliver", "--spool", spool], stdin: Data(Events.track("v1", message: "late").utf8),
      environment: mock.environment)
    #expect(refused.status == 2)
    #expect(
      refused.stderrText.contains(path) && refused.stderrText.contains("damaged at byte"),
      "\(refused.stderrText)")
    #expect(refused.stdout.isEmpty)
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == bytes)
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: spool).filter { $0.hasPrefix("segment-") }
        == [segment])
    #expect(try await mock.requests().count == requests)
  }

  @Test func aTornTailIsCutWithAWarningAndItsEventSentAgain() async throws {
    let mock = try await MockAttio()
    let spool = temporaryPath("spool")
    defer { try? FileManager.default.removeItem(atPath: spool) }
    var events = ""
    for person in 0..<5 {
      events += Events.identify(
        "v\(person)", email: "p\(person)@example.com", message: "m\(person)")
    }
    let first = try await BinaryRunner.run(
      ["deliver", "--spool", spool], stdin: Data(events.utf8), environment: mock.environment)
    #expect(first.status == 0)
    #expect(results(first).count == 5)
    // The last record is the last event's `done`: a crash cut it.
    let segment = try #require(
      try FileManager.default.contentsOfDirectory(atPath: spool).first { $0.hasPrefix("segment-") })
    let path = spool + "/" + segment
    let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    try bytes.dropLast(3).write(to: URL(fileURLWithPath: path))
    let next = try await BinaryRunner.run(
      ["deliver", "--spool", spool], stdin: Data(), environment: mock.environment)
    #expect(next.status == 0, "\(next.stderrText)")
    #expect(
      next.stderrText.contains("cut short") && next.stderrText.contains(path), "\(next.stderrText)")
    let again = results(next)
    #expect(again.count == 1)
    #expect(Self.finalStatuses.contains(again.first?["status"] as? String ?? ""))
    // The 21-byte `done` cut by 3: 18 bytes of it were left, and removed.
    #expect(next.stderrText.contains("18 bytes"), "\(next.stderrText)")
    #expect(try await mock.people().count == 5)
  }

  /// Another process holds the spool's lock (as a running attio-pipe does): this test's own
  /// process, so that no binary holds a place at the gate while another waits for one.
  @Test func aSpoolLockedByAnotherProcessIsRefused() async throws {
    let mock = try await MockAttio()
    let spool = temporaryPath("spool")
    defer { try? FileManager.default.removeItem(atPath: spool) }
    try FileManager.default.createDirectory(
      atPath: spool, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
    let lock = open(spool + "/lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
    try #require(lock >= 0 && flock(lock, LOCK_EX | LOCK_NB) == 0)
    let refused = try await BinaryRunner.run(
      ["deliver", "--spool", spool], stdin: Data(Events.identify("v", email: "a@example.com").utf8),
      environment: mock.environment)
    #expect(refused.status == 2)
    #expect(
      refused.stderrText.contains("in use") && refused.stderrText.contains(spool),
      "\(refused.stderrText)")
    #expect(refused.stdout.isEmpty)
    #expect(try FileManager.default.contentsOfDirectory(atPath: spool) == ["lock"])
    // Let go: the next run has it.
    close(lock)
    let next = try await BinaryRunner.run(
      ["deliver", "--spool", spool], stdin: Data(Events.identify("v", email: "a@example.com").utf8),
      environment: mock.environment)
    #expect(next.status == 0, "\(next.stderrText)")
    #expect(results(next).count == 1)
  }
}
