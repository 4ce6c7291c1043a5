import Foundation
import TestSupport
import Testing

/// attio-pipe under a real rsyslog, configured by `examples/rsyslog/attio-pipe.conf` with its
/// paths pointed at a temporary directory: imfile follows an NDJSON file of long lines (8 KiB
/// to 300 KiB, raw UTF-8, tabs, CRLF) and omprog pipes it into attio-pipe.
@Suite(
  .serialized, .timeLimit(.minutes(5)),
  .enabled(if: PrivateRsyslog.executable != nil, Comment(rawValue: PrivateRsyslog.missingMessage)))
struct RsyslogTests {
  /// The events, and which of them are eligible.
  private struct Corpus {
    var text = ""
    var lines = 0
    var eligibleMessageIds: Set<String> = []

    init() {
      // Sizes from 8 KiB to 300 KiB, each line padded with a trait attio-pipe ignores.
      let sizes = [8_192, 12_000, 40_000, 65_536, 70_000, 120_000, 200_000, 300_000]
      for person in 0..<24 {
        let id = "visitor-\(person)"
        let email = "person\(person)@example.com"
        let size = sizes[person % sizes.count]
        let padUnit = "é日本🎉 tab\\there "  // raw UTF-8 and an escaped tab inside a string
        let pad = String(repeating: padUnit, count: max(1, size / padUnit.utf8.count))
        let name = person % 3 == 0 ? "Zoë\\tÅngström" : "Ada Lovelace-\(person)"
        // A raw tab between tokens (valid JSON whitespace) and CRLF on every other line.
        let ending = person % 2 == 0 ? "\r\n" : "\n"
        add(
          #"{"type":"identify",\#t"anonymousId":"\#(id)","messageId":"i-\#(person)","traits":{"email":"\#(email)","name":"\#(name)","title":"Ingénieure \#(person)","notes":"\#(pad)"}}"#
            + ending, eligible: "i-\(person)")
        add(
          #"{"type":"page","anonymousId":"\#(id)","messageId":"p-\#(person)","properties":{"path":"/prix/€"}}"#
            + "\n", eligible: nil)
        add(
          #"{"type":"track","anonymousId":"\#(id)","messageId":"s-\#(person)","event":"Signed Up",\#t"properties":{"plan":"pro"}}"#
            + ending, eligible: "s-\(person)")
      }
    }

    private mutating func add(_ line: String, eligible: String?) {
      text += line
      lines += 1
      if let eligible { eligibleMessageIds.insert(eligible) }
    }
  }

  private let corpus = Corpus()

  private func temporaryDirectory() throws -> URL {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("attio-pipe-rsyslog-\(UUID().uuidString)")
    try FileManager.default.createDirectory(
      at: directory.appendingPathComponent("events"), withIntermediateDirectories: true)
    try FileManager.default.createDirectory(
      at: directory.appendingPathComponent("lib"), withIntermediateDirectories: true)
    return directory
  }

  /// The example configuration with its paths moved into `directory`, and, when given, its
  /// `binary=` line replaced.
  private func configuration(in directory: URL, binary: String? = nil) throws -> String {
    var text = try PrivateRsyslog.example("attio-pipe.conf", in: directory)
    if let binary {
      let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
        $0.trimmingCharacters(in: .whitespaces).hasPrefix("binary=")
          ? "         binary=\"\(binary)\"" : String($0)
      }
      text = lines.joined(separator: "\n")
    }
    return text
  }

  private func text(_ url: URL) -> String {
    (try? String(contentsOf: url, encoding: .utf8)) ?? ""
  }

  /// Waits (bounded) until `condition` holds.
  private func eventually(_ seconds: Double = 60, _ condition: () throws -> Bool) async throws
    -> Bool
  {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      if try condition() { return true }
      try await Task.sleep(for: .milliseconds(100))
    }
    return try condition()
  }

  @Test func bodiesThroughRsyslogAreByteIdenticalToADirectRun() async throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let events = directory.appendingPathComponent("events/signups.ndjson")
    try Data(corpus.text.utf8).write(to: events)
    let direct = try await BinaryRunner.run(["build", events.path])
    #expect(direct.status == 0)
    #expect(direct.stdoutText.split(separator: "\n").count == corpus.eligibleMessageIds.count)

    let bodies = directory.appendingPathComponent("lib/bodies.ndjson")
    let diagnostics = directory.appendingPathComponent("lib/diagnostics.log")
    let rsyslog = try PrivateRsyslog(
      configuration: try configuration(
        in: directory,
        binary: "\(BinaryRunner.executable.path) build --output \(bodies.path) "
          + "--diagnostics \(diagnostics.path)"),
      directory: directory, environment: ProcessInfo.processInfo.environment)
    defer { rsyslog.kill() }
    let arrived = try await eventually { text(bodies).utf8.count >= direct.stdout.count }
    try await rsyslog.stop()
    #expect(arrived, "rsyslog log: \(rsyslog.logText)")
    let piped = (try? Data(contentsOf: bodies)) ?? Data()
    #expect(piped == direct.stdout, "diagnostics: \(text(diagnostics))")
    #expect(text(diagnostics).contains("lines read: \(corpus.lines),"))
    #expect(text(diagnostics).contains("invalid: 0"))
  }

  @Test func afterRsyslogStopsEveryEligibleEventHasExactlyOneResult() async throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let events = directory.appendingPathComponent("events/signups.ndjson")
    try Data(corpus.text.utf8).write(to: events)
    // Slow answers: work is still queued and in flight when rsyslog stops.
    let mock = try await MockAttio(latencyMilliseconds: 150)
    try Data((MockAttio.token + "\n").utf8).write(
      to: directory.appendingPathComponent("lib/api-key"))
    var environment = ProcessInfo.processInfo.environment
    environment["ATTIO_BASE_URL"] = mock.baseURL
    environment["ATTIO_API_KEY"] = nil
    // The metrics file is rewritten every --state-interval: often here, so the test can see
    // when every line has been read.
    let rsyslog = try PrivateRsyslog(
      configuration: try configuration(in: directory).replacingOccurrences(
        of: " --grace 10s", with: " --grace 10s --state-interval 200ms"),
      directory: directory, environment: environment)
    defer { rsyslog.kill() }

    // The example writes a metrics file: once it has counted every line, stop rsyslog.
    let metrics = directory.appendingPathComponent("lib/attio_pipe.prom")
    let allRead = try await eventually {
      (try? PrometheusText(text(metrics)))?["attio_pipe_lines_read_total"]
        == Double(corpus.lines)
    }
    try await rsyslog.stop()
    #expect(allRead, "rsyslog log: \(rsyslog.logText)")

    let resultLines = text(directory.appendingPathComponent("lib/results.ndjson"))
      .split(separator: "\n")
    var seen: [String: Int] = [:]
    for line in resultLines {
      let result = try #require(
        try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
      let messageId = try #require(result["messageId"] as? String)
      seen[messageId, default: 0] += 1
      #expect(["upserted", "unchanged"].contains(result["status"] as? String), "\(result)")
    }
    #expect(Set(seen.keys) == corpus.eligibleMessageIds)
    #expect(seen.values.allSatisfy { $0 == 1 }, "\(seen.filter { $0.value != 1 })")
    let final = try PrometheusText(text(metrics))
    #expect(final["attio_pipe_running"] == 0)
    #expect(final["attio_pipe_eligible_events_total"] == Double(corpus.eligibleMessageIds.count))
    #expect(try await mock.people().count == 24)
    let diagnostics = text(directory.appendingPathComponent("lib/diagnostics.log"))
    #expect(diagnostics.contains("not_sent: 0"), "\(diagnostics)")
  }
}
