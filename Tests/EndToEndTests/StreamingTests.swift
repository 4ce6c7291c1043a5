import Foundation
import TestSupport
import Testing

/// How the binary behaves as one stage of a live pipeline.
@Suite(.timeLimit(.minutes(10))) struct StreamingTests {
  private let identify = Data(
    (#"{"type":"identify","anonymousId":"s","traits":{"email":"s@example.com"}}"# + "\n").utf8)
  private let body = #"{"data":{"values":{"email_addresses":[{"email_address":"s@example.com"}]}}}"#

  @Test func eachBodyAppearsBeforeTheNextEventArrives() async throws {
    let child = try await BinaryRunner.start([])
    await child.write(identify)
    #expect(await child.readLine() == body)
    await child.write(identify)
    #expect(await child.readLine() == body)
    child.closeInput()
    #expect(await child.finish().status == 0)
  }

  @Test(arguments: [SIGTERM, SIGINT])
  func aSignalStopsReadingWritesWhatWasReadAndExitsFive(_ signal: Int32) async throws {
    let child = try await BinaryRunner.start([])
    await child.write(identify)
    #expect(await child.readLine() == body)
    child.signal(signal)
    let finished = await child.finish()
    #expect(finished.status == 5)
    #expect(finished.stderrText.contains("bodies written: 1"))
  }

  /// The reader of stdout goes away while the input is still coming: the run must end on
  /// EPIPE, quietly and early, not read (and compute) the rest of its input.
  @Test func aClosedStdoutEndsTheRunQuietly() async throws {
    let child = try await BinaryRunner.start([], stdout: .closed)
    let events = String(repeating: String(decoding: identify, as: UTF8.self), count: 50_000)
    let wroteEverything = await child.write(events)
    child.closeInput()
    let finished = await child.finish()
    #expect(finished.status == 0)
    #expect(!finished.stderrText.contains("error") && !finished.stderrText.contains("Broken pipe"))
    // It stopped at its first failed write: most of the 3.6 MB could not be fed to it.
    #expect(!wroteEverything)
  }
}

/// The live status line: only on request when stderr is not a terminal.
@Suite struct ProgressLineTests {
  private func slowInput() -> Data {
    var events = ""
    for visitor in 0..<3 {
      events +=
        #"{"type":"identify","anonymousId":"p\#(visitor)","traits":{"email":"p@x.io"}}"# + "\n"
    }
    return Data(events.utf8)
  }

  @Test func notShownOnAPipeUnlessAsked() async throws {
    let plain = try await BinaryRunner.run([], stdin: slowInput())
    #expect(!plain.stderrText.contains("\u{1B}[K"))
    let refused = try await BinaryRunner.run(["--no-progress"], stdin: slowInput())
    #expect(!refused.stderrText.contains("\u{1B}[K"))
  }

  @Test func shownAndClearedWhenAsked() async throws {
    // The input stays open until the line has been drawn at least once.
    let running = try await BinaryRunner.start(["--progress"])
    await running.write(slowInput())
    #expect(await running.waitForStderr(containing: "\r\u{1B}[Kattio-pipe: 3 events"))
    running.closeInput()
    let stderr = await running.finish().stderrText
    #expect(stderr.contains("\r\u{1B}[Kattio-pipe: 3 events"))
    #expect(stderr.contains("bodies 3"))
    // Cleared before the summary, which starts on a clean line.
    #expect(stderr.contains("\r\u{1B}[Kattio-pipe: lines read: 3"))
  }
}
