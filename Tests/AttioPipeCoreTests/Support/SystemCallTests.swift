import Foundation
import Glibc
import Testing

@testable import AttioPipeCore

@Suite struct SystemCallTests {
  @Test func failuresCarryTheirErrno() {
    #expect(throws: SystemCallError(errno: EBADF)) {
      try SystemCall.retryingInterrupts { close(-1) }
    }
  }

  @Test func writeAllWaitsOutAFullNonBlockingPipe() throws {
    var ends: [Int32] = [-1, -1]
    _ = pipe(&ends)
    defer { close(ends[0]) }
    _ = fcntl(ends[1], F_SETFL, fcntl(ends[1], F_GETFL) | O_NONBLOCK)
    // More than a pipe holds: writeAll must wait (EAGAIN) until the reader drains it.
    let bytes = [UInt8](repeating: 7, count: 256 * 1024)
    let readEnd = ends[0]
    let reader = Thread {
      var buffer = [UInt8](repeating: 0, count: 65536)
      var total = 0
      while total < bytes.count {
        let got = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress!, $0.count) }
        guard got > 0 else { break }
        total += got
      }
    }
    reader.start()
    try bytes.withUnsafeBytes { try SystemCall.writeAll(ends[1], $0) }
    close(ends[1])
  }
}
