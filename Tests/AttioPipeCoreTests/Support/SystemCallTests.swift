import Foundation
import Glibc
import TestSupport
import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

@Suite struct SystemCallTests {
  @Test func failuresCarryTheirErrno() {
    #expect(throws: SystemCallError(errno: EBADF)) {
      try SystemCall.retryingInterrupts { close(-1) }
    }
  }

  /// More than a pipe holds, written to a non-blocking pipe: `writeAll` must wait out EAGAIN
  /// until the reader drains it, and the reader must get every byte, in order.
  @Test func writeAllWaitsOutAFullNonBlockingPipe() async throws {
    var ends: [Int32] = [-1, -1]
    #expect(pipe(&ends) == 0)
    let (readEnd, writeEnd) = (ends[0], ends[1])
    _ = fcntl(writeEnd, F_SETFL, fcntl(writeEnd, F_GETFL) | O_NONBLOCK)
    // Not one repeated byte: a lost, doubled or reordered chunk must show.
    let bytes = (0..<(256 * 1024 + 17)).map { UInt8(truncatingIfNeeded: $0 % 251) }
    // The reader starts once the pipe is full: by then the writer has met EAGAIN (it has more
    // to write and no room), so the wait is exercised on every run, not by luck.
    // F_GETPIPE_SZ (Linux: F_LINUX_SPECIFIC_BASE + 8), which Glibc does not export.
    let getPipeSize: Int32 = 1024 + 8
    let capacity = fcntl(writeEnd, getPipeSize)
    #expect(capacity > 0 && Int(capacity) < bytes.count)
    async let received = blocking { () -> [UInt8] in
      defer { close(readEnd) }
      var queued: Int32 = 0
      while ioctl(readEnd, UInt(FIONREAD), &queued) == 0 && queued < capacity { usleep(1_000) }
      var received: [UInt8] = []
      var buffer = [UInt8](repeating: 0, count: 65536)
      while true {
        let got = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress!, $0.count) }
        guard got > 0 else { break }
        received += buffer[..<got]
      }
      return received
    }
    try await blocking {
      defer { close(writeEnd) }
      try bytes.withUnsafeBytes { try SystemCall.writeAll(writeEnd, $0) }
    }
    let got = await received
    #expect(got.count == bytes.count)
    #expect(firstDifference(got, bytes) == nil, "the bytes read differ from those written")
  }
}
