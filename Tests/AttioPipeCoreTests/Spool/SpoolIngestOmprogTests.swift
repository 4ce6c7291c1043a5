import Foundation
import Glibc
import TestSupport
import Testing

@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// `--spool --omprog` as rsyslog drives it, in process: the ingest thread reads a pipe and
/// answers on another, and the test plays rsyslog, one line and one answer at a time.
///
/// rsyslog does not hand a deferred line over again when the program dies before the batch's
/// COMMIT (rsyslog issue 2420), so each line must be in the spool's file (`write(2)`: a kill
/// cannot take it back) before its `DEFER_COMMIT`; the batch is made durable (`fdatasync`)
/// once, at the COMMIT, not once a line.
@Suite(.timeLimit(.minutes(2))) struct SpoolIngestOmprogTests {
  /// The ingest's ends: the test writes rsyslog's lines to `input` and reads the answers.
  private struct Rsyslog {
    let input: Int32
    let answers: Int32
    private var pending: [UInt8] = []

    init(input: Int32, answers: Int32) {
      self.input = input
      self.answers = answers
    }

    func write(_ line: String) {
      let bytes = Array((line + "\n").utf8)
      bytes.withUnsafeBytes { _ = try? SystemCall.writeAll(input, $0) }
    }

    /// The next answer line (blocking); nil at EOF.
    mutating func answer() -> String? {
      while true {
        if let newline = pending.firstIndex(of: 10) {
          let line = String(decoding: pending[..<newline], as: UTF8.self)
          pending.removeFirst(newline + 1)
          return line
        }
        var chunk = [UInt8](repeating: 0, count: 256)
        let count = chunk.withUnsafeMutableBytes { Glibc.read(answers, $0.baseAddress, 256) }
        guard count > 0 else { return nil }
        pending += chunk[..<count]
      }
    }

    mutating func send(_ line: String) -> String? {
      write(line)
      return answer()
    }
  }

  private func line(_ number: Int) -> String {
    #"{"type":"identify","anonymousId":"v-\#(number)","messageId":"m-deferred-\#(number)"}"#
  }

  /// Every segment's bytes, as one string, to look for a line in.
  private func spooledText(_ directory: SpoolDirectory) -> String {
    directory.segments.map { String(decoding: SpoolDirectory.bytes(of: $0), as: UTF8.self) }
      .joined()
  }

  @Test func eachDeferredLineIsInTheSpoolFileBeforeItsAnswerAndTheBatchIsSyncedOnce() throws {
    let directory = SpoolDirectory()
    defer { directory.remove() }
    let spool = try directory.open()
    var inputPipe: [Int32] = [0, 0]
    var answerPipe: [Int32] = [0, 0]
    #expect(pipe(&inputPipe) == 0 && pipe(&answerPipe) == 0)
    defer { for descriptor in [inputPipe[0], answerPipe[0], answerPipe[1]] { close(descriptor) } }
    let ingest = SpoolIngest(
      spool: spool,
      inputs: InputFiles(paths: ["/dev/fd/\(inputPipe[0])"], maximumLineLength: 1 << 20),
      stop: InputStop(), omprog: answerPipe[1], warn: { _ in })
    ingest.start()
    var rsyslog = Rsyslog(input: inputPipe[1], answers: answerPipe[0])
    #expect(rsyslog.answer() == "OK")

    #expect(rsyslog.send("BEGIN TRANSACTION") == "OK")
    let commitsBefore = spool.statistics.commits
    let batch = 40
    for number in 0..<batch {
      #expect(rsyslog.send(line(number)) == "DEFER_COMMIT")
      // rsyslog now forgets the line if attio-pipe dies before the COMMIT: it must be in the
      // file already (what the process wrote, the kernel keeps through a kill -9).
      #expect(spooledText(directory).contains(line(number)), "line \(number)")
    }
    // No fdatasync a line: the batch is not durable, and the pipeline sees none of it yet.
    #expect(spool.statistics.commits == commitsBefore)
    #expect(rsyslog.send("COMMIT TRANSACTION") == "OK")
    #expect(spool.statistics.commits == commitsBefore + 1)

    // A message outside a transaction is confirmed once it is durable, as before.
    #expect(rsyslog.send(line(batch)) == "OK")
    #expect(spool.statistics.commits == commitsBefore + 2)

    close(inputPipe[1])
    spool.waitUntilInputFinished(timeout: 60)
    let read = try spool.readBack()
    #expect(read.map(\.text) == (0...batch).map { Array(line($0).utf8) })
  }

  @Test func aLineWrittenButNotSyncedIsRecoveredByTheNextRun() throws {
    let directory = SpoolDirectory()
    defer { directory.remove() }
    do {
      let spool = try directory.open()
      let input = spool.register(device: 0, inode: 0, isRegularFile: false, name: "stdin")
      spool.appendLine(line(1), input: input, lineNumber: 1, endOffset: 0)
      #expect(!spooledText(directory).contains(line(1)))
      try spool.write()
      #expect(spooledText(directory).contains(line(1)))
      #expect(spool.statistics.commits == 0)
    }
    // The process is gone without a commit (its descriptors closed, as a kill -9 closes them).
    let next = try directory.open()
    #expect(try next.readBack().map(\.text) == [Array(line(1).utf8)])
  }
}
