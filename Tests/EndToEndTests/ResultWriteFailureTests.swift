import Foundation
import TestSupport
import Testing

/// Results that cannot be written: only a reader that went away (EPIPE) ends a run quietly.
/// Any other write error (a full disk, a file size limit) names the file (or stdout) and the
/// errno, exits 2, and leaves no half-written line behind.
@Suite(.timeLimit(.minutes(10))) struct ResultWriteFailureTests {
  private static let seed = "fixtures/seed-signup.ndjson"

  @Test func deliverOutputOnAFullDiskIsAnErrorNamingTheFile() async throws {
    let mock = try await MockAttio()
    let run = try await BinaryRunner.run(
      ["deliver", "--output", "/dev/full", Self.seed], environment: mock.environment)
    #expect(run.status == 2)
    #expect(run.stderrText.contains("cannot write to /dev/full: No space left on device"))
  }

  @Test func deliverStdoutOnAFullDiskIsAnErrorNamingStdout() async throws {
    let mock = try await MockAttio()
    let run = try await BinaryRunner.run(
      ["deliver", Self.seed], environment: mock.environment,
      shell: BinaryRunner.Shell(redirections: ">/dev/full"))
    #expect(run.status == 2)
    #expect(run.stderrText.contains("cannot write to stdout: No space left on device"))
  }

  @Test func sendOutputOnAFullDiskIsAnErrorNamingTheFile() async throws {
    let mock = try await MockAttio()
    let bodies = try await BinaryRunner.run([Self.seed])
    let run = try await BinaryRunner.run(
      ["send", "--output", "/dev/full"], stdin: bodies.stdout, environment: mock.environment)
    #expect(run.status == 2)
    #expect(run.stderrText.contains("cannot write to /dev/full: No space left on device"))
  }

  @Test func buildOutputOnAFullDiskNamesTheFileNotStdout() async throws {
    let run = try await BinaryRunner.run(["build", "--output", "/dev/full", Self.seed])
    #expect(run.status == 2)
    #expect(run.stderrText.contains("cannot write to /dev/full: No space left on device"))
    #expect(!run.stderrText.contains("stdout"))
  }

  /// A file size limit (`ulimit -f`, 512-byte blocks in `sh`) cuts a result line in the middle
  /// of a write: the part written is taken back, so the file ends with a whole line.
  @Test func aResultCutByTheFileSizeLimitLeavesNoHalfLine() async throws {
    let mock = try await MockAttio()
    let output = temporaryPath("results.ndjson")
    defer { try? FileManager.default.removeItem(atPath: output) }
    let events = (0..<12).map { Events.identify("v\($0)", email: "p\($0)@example.com") }
    let run = try await BinaryRunner.run(
      ["deliver", "--write-mode", "assert", "--output", output],
      stdin: Data(events.joined().utf8), environment: mock.environment,
      shell: BinaryRunner.Shell(setup: "ulimit -f 1; trap '' XFSZ"))
    #expect(run.status == 2)
    #expect(run.stderrText.contains("cannot write to \(output): File too large"))
    let written = try Data(contentsOf: URL(fileURLWithPath: output))
    #expect(written.count > 0 && written.count <= 512)
    #expect(written.last == UInt8(ascii: "\n"))
    for line in written.split(separator: UInt8(ascii: "\n")) {
      #expect((try? JSONSerialization.jsonObject(with: Data(line))) != nil)
    }
  }
}
