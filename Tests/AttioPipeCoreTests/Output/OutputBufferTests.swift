import Glibc
import Testing

@testable import AttioPipeCore

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
}
