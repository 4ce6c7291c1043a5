import Foundation
import TestSupport
import Testing

/// A process started with stdin, stdout or stderr closed (`attio-pipe deliver <&-`): the
/// descriptors are opened on `/dev/null` before anything else, so the signal pipe never takes
/// their place (it took fd 0: the run waited forever, then read its own signal byte as input).
@Suite(.timeLimit(.minutes(10))) struct ClosedDescriptorTests {
  private static let closedStdin = BinaryRunner.Shell(redirections: "<&-")

  @Test func deliverWithStdinClosedReadsEmptyInputAndEnds() async throws {
    let mock = try await MockAttio()
    let run = try await BinaryRunner.run(
      ["deliver"], environment: mock.environment, watchdog: 30, shell: Self.closedStdin)
    #expect(!run.killedByWatchdog)
    #expect(run.status == 0)
    #expect(run.stdout.isEmpty)
    #expect(!run.stderrText.contains("invalid_json"))
    #expect(run.stderrText.contains("lines read: 0"))
    #expect(try await mock.requests().isEmpty)
  }

  @Test func buildWithStdinClosedReadsEmptyInputAndEnds() async throws {
    let run = try await BinaryRunner.run(["build"], watchdog: 30, shell: Self.closedStdin)
    #expect(!run.killedByWatchdog)
    #expect(run.status == 0)
    #expect(run.stdout.isEmpty)
    #expect(run.stderrText.contains("lines read: 0, bodies written: 0"))
  }

  @Test func buildWithStdoutClosedWritesToNowhereAndSucceeds() async throws {
    let run = try await BinaryRunner.run(
      ["build", "fixtures/seed-signup.ndjson"], watchdog: 30,
      shell: BinaryRunner.Shell(redirections: ">&-"))
    #expect(!run.killedByWatchdog)
    #expect(run.status == 0)
    #expect(run.stderrText.contains("bodies written: 2"))
  }
}
