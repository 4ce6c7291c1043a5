import Glibc

/// A system call that failed, with its `errno`.
package struct SystemCallError: Error, Sendable, Equatable {
  package var errno: Int32
  /// For `SystemCall.writeAll`: the bytes written before the failure.
  package var written = 0

  var description: String { String(cString: strerror(errno)) }
}

/// System calls with `EINTR` handled in one place: a signal (SIGINT, SIGTERM; the handlers are
/// installed without `SA_RESTART`) interrupts a call, which is then simply made again.
package enum SystemCall {
  /// Calls `body` again while it fails with `EINTR`; any other failure (a negative result)
  /// throws its `errno`.
  static func retryingInterrupts<Result: BinaryInteger>(_ body: () -> Result)
    throws(SystemCallError) -> Result
  {
    while true {
      let result = body()
      if result >= 0 { return result }
      if errno != EINTR { throw SystemCallError(errno: errno) }
    }
  }

  /// Writes every byte of `bytes` to `descriptor`: short writes continue, `EINTR` retries,
  /// and `EAGAIN` (a non-blocking descriptor) waits until it is writable.
  package static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer)
    throws(SystemCallError)
  {
    var written = 0
    while written < bytes.count {
      do {
        written += try retryingInterrupts {
          write(descriptor, bytes.baseAddress! + written, bytes.count - written)
        }
      } catch  where error.errno == EAGAIN {
        var writable = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
        _ = poll(&writable, 1, -1)
      } catch {
        throw SystemCallError(errno: error.errno, written: written)
      }
    }
  }
}
