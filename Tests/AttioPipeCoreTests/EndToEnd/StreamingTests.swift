import Foundation
import Testing

/// How the binary behaves as one stage of a live pipeline.
@Suite(.timeLimit(.minutes(1))) struct StreamingTests {
  private let identify = Data(
    (#"{"type":"identify","anonymousId":"s","traits":{"email":"s@example.com"}}"# + "\n").utf8)
  private let body = #"{"data":{"values":{"email_addresses":[{"email_address":"s@example.com"}]}}}"#

  private func start(_ arguments: [String] = []) throws -> (Process, Pipe, Pipe, Pipe) {
    let running = try BinaryRunner.start(arguments)
    return (running.process, running.input, running.output, running.errors)
  }

  /// Reads one line from `handle`, giving up after `seconds`.
  private func readLine(_ handle: FileHandle, seconds: Double = 10) -> String? {
    var bytes = Data()
    let deadline = Date().addingTimeInterval(seconds)
    var descriptor = pollfd(fd: handle.fileDescriptor, events: Int16(POLLIN), revents: 0)
    while Date() < deadline {
      guard poll(&descriptor, 1, 100) > 0 else { continue }
      var byte: UInt8 = 0
      guard read(handle.fileDescriptor, &byte, 1) == 1 else { return nil }
      if byte == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
      bytes.append(byte)
    }
    return nil
  }

  @Test func eachBodyAppearsBeforeTheNextEventArrives() throws {
    let (process, input, output, _) = try start()
    defer { process.terminate() }
    input.fileHandleForWriting.write(identify)
    #expect(readLine(output.fileHandleForReading) == body)
    input.fileHandleForWriting.write(identify)
    #expect(readLine(output.fileHandleForReading) == body)
    try input.fileHandleForWriting.close()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
  }

  @Test(arguments: [SIGTERM, SIGINT])
  func aSignalStopsReadingWritesWhatWasReadAndExitsFive(_ signal: Int32) throws {
    let (process, input, output, errors) = try start()
    input.fileHandleForWriting.write(identify)
    #expect(readLine(output.fileHandleForReading) == body)
    kill(process.processIdentifier, signal)
    process.waitUntilExit()
    #expect(process.terminationStatus == 5)
    let summary = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    #expect(summary.contains("bodies written: 1"))
    try? input.fileHandleForWriting.close()
  }

  @Test func aClosedStdoutEndsTheRunQuietly() throws {
    let (process, input, output, errors) = try start()
    try output.fileHandleForReading.close()
    let many = Data(
      String(repeating: String(decoding: identify, as: UTF8.self), count: 50_000).utf8)
    let writer = Thread {
      try? input.fileHandleForWriting.write(contentsOf: many)
      try? input.fileHandleForWriting.close()
    }
    writer.start()
    process.waitUntilExit()
    let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    #expect(process.terminationStatus == 0)
    #expect(!stderr.contains("error") && !stderr.contains("Broken pipe"))
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

  @Test func notShownOnAPipeUnlessAsked() throws {
    let plain = try BinaryRunner.run([], stdin: slowInput())
    #expect(!plain.stderrText.contains("\u{1B}[K"))
    let refused = try BinaryRunner.run(["--no-progress"], stdin: slowInput())
    #expect(!refused.stderrText.contains("\u{1B}[K"))
  }

  @Test func shownAndClearedWhenAsked() throws {
    // A writer that pauses keeps the run alive long enough for a few redraws.
    let running = try BinaryRunner.start(["--progress"])
    running.input.fileHandleForWriting.write(slowInput())
    Thread.sleep(forTimeInterval: 0.8)
    try running.input.fileHandleForWriting.close()
    _ = running.output.fileHandleForReading.readDataToEndOfFile()
    let stderr = String(
      decoding: running.errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    running.process.waitUntilExit()
    #expect(stderr.contains("\r\u{1B}[Kattio-pipe: 3 events"))
    #expect(stderr.contains("bodies 3"))
    // Cleared before the summary, which starts on a clean line.
    #expect(stderr.contains("\r\u{1B}[Kattio-pipe: lines read: 3"))
  }
}
