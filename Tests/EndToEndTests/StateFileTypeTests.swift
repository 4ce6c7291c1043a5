import Foundation
import TestSupport
import Testing

/// `--state` must name a regular file (or a symbolic link to one, or nothing yet): a FIFO
/// blocked the run forever in `open`, and a device or directory cannot hold a state file.
/// Anything else is refused at start, before any input is read (exit 2).
@Suite(.timeLimit(.minutes(10))) struct StateFileTypeTests {
  private static let seed = "fixtures/seed-signup.ndjson"

  @Test func aFIFOIsRefusedAtStart() async throws {
    let fifo = temporaryPath("state.fifo")
    #expect(mkfifo(fifo, 0o600) == 0)
    defer { unlink(fifo) }
    let run = try await BinaryRunner.run(["build", "--state", fifo, Self.seed], watchdog: 30)
    #expect(!run.killedByWatchdog)
    #expect(run.status == 2)
    #expect(run.stdout.isEmpty)
    #expect(run.stderrText.contains("the state file \(fifo) is not a regular file (a FIFO)"))
  }

  @Test func aFIFOIsRefusedByDeliverBeforeAnythingIsSent() async throws {
    let mock = try await MockAttio()
    let fifo = temporaryPath("state.fifo")
    #expect(mkfifo(fifo, 0o600) == 0)
    defer { unlink(fifo) }
    let run = try await BinaryRunner.run(
      ["deliver", "--state", fifo, Self.seed], environment: mock.environment, watchdog: 30)
    #expect(!run.killedByWatchdog)
    #expect(run.status == 2)
    #expect(run.stderrText.contains("is not a regular file"))
    #expect(try await mock.requests().isEmpty)
  }

  @Test func aSymbolicLinkToAFIFOIsRefusedAndADeviceToo() async throws {
    let fifo = temporaryPath("state.fifo")
    let link = temporaryPath("state.link")
    #expect(mkfifo(fifo, 0o600) == 0)
    #expect(symlink(fifo, link) == 0)
    defer {
      unlink(link)
      unlink(fifo)
    }
    let linked = try await BinaryRunner.run(["build", "--state", link, Self.seed], watchdog: 30)
    #expect(linked.status == 2)
    #expect(linked.stderrText.contains("is not a regular file (a FIFO)"))
    let device = try await BinaryRunner.run(
      ["build", "--state", "/dev/null", Self.seed], watchdog: 30)
    #expect(device.status == 2)
    #expect(device.stderrText.contains("/dev/null is not a regular file (a character device)"))
  }

  @Test func aSymbolicLinkToARegularFileIsUsed() async throws {
    let target = temporaryPath("state")
    let link = temporaryPath("state.link")
    #expect(symlink(target, link) == 0)
    defer {
      unlink(link)
      unlink(target)
    }
    let first = try await BinaryRunner.run(["build", "--state", link, Self.seed])
    #expect(first.status == 0)
    #expect(!first.stdout.isEmpty)
    // Read through the link: the second run knows the events (duplicates, no bodies) and the
    // link is still a link to the file it wrote.
    let second = try await BinaryRunner.run(["build", "--state", link, Self.seed])
    #expect(second.status == 0)
    #expect(second.stdout.isEmpty)
    #expect(second.stderrText.contains("duplicate"))
    var status = stat()
    #expect(lstat(link, &status) == 0 && (status.st_mode & S_IFMT) == S_IFLNK)
  }
}
