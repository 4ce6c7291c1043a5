import Glibc
import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

@Suite struct OutputBufferTests {
  private static func pipeEnds() -> (read: Int32, write: Int32) {
    var ends: [Int32] = [-1, -1]
    _ = pipe(&ends)
    return (ends[0], ends[1])
  }

  @Test func countsTheLinesItWrote() throws {
    let ends = Self.pipeEnds()
    defer {
      close(ends.read)
      close(ends.write)
    }
    let output = OutputBuffer(fileDescriptor: ends.write)
    for _ in 0..<3 {
      output.append("line\n")
      try output.lineCompleted()
    }
    #expect(output.linesWritten == 0)
    try output.flush()
    #expect(output.linesWritten == 3)
  }

  /// `| head -1`: the reader is gone, so the buffered lines were never written.
  @Test func linesLostToAClosedReaderAreNotCounted() {
    signal(SIGPIPE, SIG_IGN)
    let ends = Self.pipeEnds()
    close(ends.read)
    defer { close(ends.write) }
    let output = OutputBuffer(fileDescriptor: ends.write)
    output.append("line\n")
    try? output.lineCompleted()
    #expect(throws: PipelineError.outputClosed) { try output.flush() }
    #expect(output.linesWritten == 0)
  }

  /// A body bigger than the buffer's room (a long value) makes room and arrives whole.
  @Test func writesLargerThanTheBufferArriveWhole() throws {
    let ends = Self.pipeEnds()
    defer { close(ends.read) }
    let output = OutputBuffer(fileDescriptor: ends.write, flushThreshold: 64)
    let text = String(repeating: "0123456789", count: 4000)
    output.append("[")
    output.appendJSONString(text)
    output.append("]\n")
    try output.lineCompleted()
    try output.flush()
    close(ends.write)
    var received: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
      let count = read(ends.read, &chunk, chunk.count)
      if count <= 0 { break }
      received += chunk[..<count]
    }
    #expect(received == Array("[\"\(text)\"]\n".utf8))
    #expect(output.linesWritten == 1)
  }
}
