import Foundation
import TestSupport
import Testing

/// attio-pipe `--omprog` under a real rsyslog, configured by
/// `examples/rsyslog/attio-pipe-omprog.conf` with its paths pointed at a temporary directory:
/// imfile follows an NDJSON file, omprog hands batches to attio-pipe and keeps in its disk
/// queue what attio-pipe has not confirmed. attio-pipe is killed (`kill -9`) twice while it
/// works, and rsyslog itself is stopped and started again with a second file to read: every
/// eligible event must still reach the mock, with and without `--spool`.
@Suite(
  .serialized, .timeLimit(.minutes(10)),
  .enabled(if: PrivateRsyslog.executable != nil, Comment(rawValue: PrivateRsyslog.missingMessage)))
struct RsyslogOmprogTests {
  /// The statuses after which an event is done for good: `duplicate` is what a batch handed
  /// over again reports for events a killed attio-pipe had already delivered (and saved as
  /// seen in --state).
  private static let finalStatuses: Set<String> = ["upserted", "unchanged", "duplicate"]

  /// `people` visitors, each an identify and a sign-up (both eligible) and a page view.
  private static func events(prefix: String, people: Range<Int>) -> (String, Set<String>) {
    var text = ""
    var eligible: Set<String> = []
    for person in people {
      let id = "\(prefix)visitor-\(person)"
      text +=
        #"{"type":"identify","anonymousId":"\#(id)","messageId":"\#(prefix)i-\#(person)","traits":{"email":"person\#(person)@example.com","name":"Ada Lovelace-\#(person)","title":"Engineer \#(prefix)\#(person)"}}"#
        + "\n"
      text +=
        #"{"type":"page","anonymousId":"\#(id)","messageId":"\#(prefix)p-\#(person)"}"# + "\n"
      text +=
        #"{"type":"track","anonymousId":"\#(id)","messageId":"\#(prefix)s-\#(person)","event":"Signed Up"}"#
        + "\n"
      eligible.formUnion(["\(prefix)i-\(person)", "\(prefix)s-\(person)"])
    }
    return (text, eligible)
  }

  /// An identify that ends a part: once the mock has its request, attio-pipe has read (and
  /// answered) every line before it.
  private static func sentinel(_ name: String) -> (line: String, messageId: String, email: String) {
    let email = "sentinel-\(name)@example.com"
    let line =
      #"{"type":"identify","anonymousId":"sentinel-\#(name)","messageId":"sentinel-\#(name)","traits":{"email":"\#(email)"}}"#
      + "\n"
    return (line, "sentinel-\(name)", email)
  }

  /// The example with its paths in `directory`, rsyslog's retry after attio-pipe's death
  /// shortened from 10 s to 1 s (the test kills it on purpose), and `--spool` taken out
  /// when not wanted.
  private static func configuration(in directory: URL, spool: Bool) throws -> String {
    var text = try PrivateRsyslog.example("attio-pipe-omprog.conf", in: directory)
      .replacingOccurrences(
        of: #"action.resumeInterval="10""#, with: #"action.resumeInterval="1""#)
    if !spool {
      text = text.replacingOccurrences(of: " --spool \(directory.path)/lib/spool", with: "")
    }
    return text
  }

  /// The process ids of the attio-pipe processes rsyslog started for this test (found by
  /// their command line: our executable, `--omprog`, this test's directory).
  private static func attioPipeProcesses(in directory: URL) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { entry in
      guard let pid = Int32(entry),
        let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline")
      else { return nil }
      let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
      guard arguments.first == BinaryRunner.executable.path, arguments.contains("--omprog"),
        arguments.contains(where: { $0.hasPrefix(directory.path) })
      else { return nil }
      return pid
    }
  }

  /// Every result line's status, by messageId.
  private static func results(_ directory: URL) -> [String: [String]] {
    let text =
      (try? String(
        contentsOf: directory.appendingPathComponent("lib/results.ndjson"), encoding: .utf8))
      ?? ""
    var statuses: [String: [String]] = [:]
    for line in text.split(separator: "\n") {
      guard
        let result = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
        let messageId = result["messageId"] as? String, let status = result["status"] as? String
      else { continue }
      statuses[messageId, default: []].append(status)
    }
    return statuses
  }

  /// Waits (bounded) until `condition` holds.
  private static func eventually(_ seconds: Double, _ condition: () async throws -> Bool)
    async throws -> Bool
  {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      if try await condition() { return true }
      try await Task.sleep(for: .milliseconds(100))
    }
    return try await condition()
  }

  @Test(arguments: [true, false])
  func killedMidStreamAndRsyslogRestartedEveryEventArrives(spool: Bool) async throws {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("attio-pipe-omprog-\(UUID().uuidString)")
    for folder in ["events", "lib"] {
      try FileManager.default.createDirectory(
        at: directory.appendingPathComponent(folder), withIntermediateDirectories: true)
    }
    defer { try? FileManager.default.removeItem(at: directory) }
    // Slow answers, so that events are queued and in flight in attio-pipe when it is killed
    // (the kill comes within a poll of the sentinel's request: well before its answer).
    let mock = try await MockAttio(latencyMilliseconds: 400)
    try Data((MockAttio.token + "\n").utf8).write(
      to: directory.appendingPathComponent("lib/api-key"))
    var environment = ProcessInfo.processInfo.environment
    environment["ATTIO_BASE_URL"] = mock.baseURL
    environment["ATTIO_API_KEY"] = nil
    let configuration = try Self.configuration(in: directory, spool: spool)
    // The first file grows in two parts, one per kill: with --spool, rsyslog starts a new
    // attio-pipe only when it has a message to hand over (omprog starts its program again on
    // the next message), and the new one then sends what its predecessor left in the spool.
    let parts = [(0..<20, "first"), (20..<40, "second")].map { people, name in
      let (text, eligible) = Self.events(prefix: "a-", people: people)
      let sentinel = Self.sentinel(name)
      return (
        text: text + sentinel.line, eligible: eligible.union([sentinel.messageId]),
        lastEmail: sentinel.email
      )
    }
    let (second, secondEligible) = Self.events(prefix: "b-", people: 30..<60)
    let eligible = parts.reduce(secondEligible) { $0.union($1.eligible) }
    let firstFile = directory.appendingPathComponent("events/first.ndjson")
    _ = FileManager.default.createFile(atPath: firstFile.path, contents: nil)

    var rsyslog = try PrivateRsyslog(
      configuration: configuration, directory: directory, environment: environment)
    defer { rsyslog.kill() }
    var log = ""
    // Two kills of attio-pipe, each once it has read the whole part (the mock has the request
    // of the part's last line) and is still delivering it: rsyslog starts a new one (after
    // resumeInterval) and hands over what was not confirmed. Not earlier: rsyslog does not
    // hand a batch's deferred lines over again when the program dies before the batch was
    // handed over whole (rsyslog issue 2420), which without --spool loses them (README).
    var killed: Set<Int32> = []
    for (round, part) in parts.enumerated() {
      let handle = try FileHandle(forWritingTo: firstFile)
      try handle.seekToEnd()
      try handle.write(contentsOf: Data(part.text.utf8))
      try handle.close()
      let working = try await Self.eventually(120) {
        let running = Self.attioPipeProcesses(in: directory).filter { !killed.contains($0) }
        guard !running.isEmpty else { return false }
        return try await mock.requests().contains { $0["email"] as? String == part.lastEmail }
      }
      try #require(working, "part \(round): rsyslog log: \(rsyslog.logText)")
      for pid in Self.attioPipeProcesses(in: directory) where !killed.contains(pid) {
        kill(pid, SIGKILL)
        killed.insert(pid)
      }
    }
    // rsyslog stopped while a new attio-pipe works on what was handed over again (without
    // --spool, a batch waits for its results: the stop must let it finish), then started
    // again (its queue on disk) with a second file to read.
    // (With --spool every batch was confirmed once spooled: no attio-pipe runs until rsyslog
    // has a message to hand over, after its restart.)
    let before = try await mock.requests().count
    _ = try await Self.eventually(spool ? 0 : 120) {
      let running = Self.attioPipeProcesses(in: directory).filter { !killed.contains($0) }
      guard !running.isEmpty else { return false }
      return try await mock.requests().count >= before + 3
    }
    try await rsyslog.stop()
    log += rsyslog.logText
    try Data(second.utf8).write(to: directory.appendingPathComponent("events/second.ndjson"))
    rsyslog = try PrivateRsyslog(
      configuration: configuration, directory: directory, environment: environment)
    let arrived = try await Self.eventually(300) {
      let statuses = Self.results(directory)
      return eligible.allSatisfy { messageId in
        statuses[messageId]?.contains(where: Self.finalStatuses.contains) == true
      }
    }
    try await rsyslog.stop()
    log += rsyslog.logText
    let statuses = Self.results(directory)
    let missing = eligible.filter {
      statuses[$0]?.contains(where: Self.finalStatuses.contains) != true
    }
    #expect(
      arrived && missing.isEmpty,
      "no final result for \(missing.sorted()); rsyslog log: \(log); diagnostics: \((try? String(contentsOf: directory.appendingPathComponent("lib/diagnostics.log"), encoding: .utf8)) ?? "")"
    )
    // No event failed, and Attio holds one person per email: visitors 0..<60 and the two
    // sentinels.
    #expect(statuses.values.allSatisfy { !$0.contains("failed") }, "\(statuses)")
    #expect(try await mock.people().count == 62)
  }
}
