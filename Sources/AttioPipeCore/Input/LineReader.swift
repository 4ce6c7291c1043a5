import Glibc

/// One line of input, valid until the next call to `LineReader.nextLine()`.
enum InputLine {
  /// The bytes of the line, without `\n` or `\r\n`.
  case text(UnsafeBufferPointer<UInt8>)
  /// A line longer than the limit; its bytes were discarded as they arrived.
  case tooLong(length: Int)
}

/// Splits a file descriptor into lines with `read(2)` and one reusable buffer.
///
/// A line may be split across reads; the buffer then keeps the partial line and grows up to the
/// line limit. A longer line is never buffered whole: its bytes are dropped as they arrive and it
/// is reported as `tooLong`, so one hostile line cannot exhaust memory.
struct LineReader: ~Copyable {
  private let fileDescriptor: Int32
  private let maximumLineLength: Int
  private let readSize: Int
  /// Called before every `read(2)`, which may block: the pipeline flushes its output there, so
  /// a slow producer never holds back results already computed.
  private let beforeRead: () throws(PipelineError) -> Void
  private let interrupted: () -> Bool
  /// Becomes readable when a stop signal arrives (see `SignalMonitor`); -1 for none.
  private let wakeDescriptor: Int32

  private var buffer: UnsafeMutablePointer<UInt8>
  private var capacity: Int
  private var lineStart = 0
  private var filled = 0
  /// Where the search for the next newline resumes, so a long partial line is scanned once.
  private var searchFrom = 0
  private var atEndOfInput = false
  private var atStartOfInput = true

  /// 1-based number of the line last returned.
  private(set) var lineNumber = 0

  init(
    fileDescriptor: Int32,
    maximumLineLength: Int,
    readSize: Int = 256 * 1024,
    beforeRead: @escaping () throws(PipelineError) -> Void = {},
    interrupted: @escaping () -> Bool = { false },
    wakeDescriptor: Int32 = -1
  ) {
    self.wakeDescriptor = wakeDescriptor
    self.fileDescriptor = fileDescriptor
    self.maximumLineLength = maximumLineLength
    self.readSize = readSize
    self.beforeRead = beforeRead
    self.interrupted = interrupted
    self.capacity = max(readSize * 2, 64 * 1024)
    self.buffer = .allocate(capacity: capacity)
  }

  deinit {
    buffer.deallocate()
  }

  /// The next line, or nil at the end of input (or when interrupted by a signal).
  mutating func nextLine() throws(PipelineError) -> InputLine? {
    var discardedLength = 0  // bytes of an over-long line dropped so far
    while true {
      let pending = filled - searchFrom
      if pending > 0,
        let newline = memchr(buffer + searchFrom, Int32(UInt8(ascii: "\n")), pending)
      {
        let newlineIndex = buffer.distance(to: newline.assumingMemoryBound(to: UInt8.self))
        let start = lineStart
        lineStart = newlineIndex + 1
        searchFrom = lineStart
        lineNumber += 1
        let length = newlineIndex - start
        if discardedLength > 0 || length > maximumLineLength {
          return .tooLong(length: discardedLength + length)
        }
        return .text(trimmingCarriageReturn(start: start, length: length))
      }
      searchFrom = filled
      if filled - lineStart > maximumLineLength {
        discardedLength += filled - lineStart
        lineStart = filled
        searchFrom = filled
      }
      if atEndOfInput {
        guard filled > lineStart || discardedLength > 0 else { return nil }
        let start = lineStart
        let length = filled - start
        lineStart = filled
        lineNumber += 1
        if discardedLength > 0 || length > maximumLineLength {
          return .tooLong(length: discardedLength + length)
        }
        return .text(trimmingCarriageReturn(start: start, length: length))
      }
      guard try fill() else { return nil }
    }
  }

  private func trimmingCarriageReturn(start: Int, length: Int) -> UnsafeBufferPointer<UInt8> {
    var length = length
    if length > 0 && buffer[start + length - 1] == UInt8(ascii: "\r") { length -= 1 }
    return UnsafeBufferPointer(start: buffer + start, count: length)
  }

  /// Reads more bytes after the partial line; false when interrupted by a signal.
  private mutating func fill() throws(PipelineError) -> Bool {
    compact()
    if capacity - filled < readSize { grow() }
    try beforeRead()
    while true {
      guard waitUntilReadable() else { return false }
      let count = read(fileDescriptor, buffer + filled, capacity - filled)
      if count > 0 {
        filled += count
        if atStartOfInput { skipByteOrderMark() }
        return true
      }
      if count == 0 {
        atEndOfInput = true
        return true
      }
      if errno == EINTR {
        if interrupted() { return false }
        continue
      }
      if errno == EAGAIN { continue }  // a non-blocking descriptor: poll again
      throw .readFailed(errno: errno)
    }
  }

  /// Blocks until the input is readable or a stop signal arrives (false). The signal monitor's
  /// wake-up pipe is polled with the input, so a signal can never slip in between a check and
  /// a blocking read.
  private func waitUntilReadable() -> Bool {
    if interrupted() { return false }
    var descriptors = [
      pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0),
      pollfd(fd: wakeDescriptor, events: Int16(POLLIN), revents: 0),
    ]
    while true {
      let ready = poll(&descriptors, wakeDescriptor >= 0 ? 2 : 1, -1)
      if interrupted() { return false }
      if ready > 0 || (ready < 0 && errno != EINTR) { return true }
    }
  }

  /// The UTF-8 byte-order mark is honoured only as the very first bytes of an input. A read
  /// may deliver fewer than three bytes, so a partial match waits for the next read.
  private mutating func skipByteOrderMark() {
    let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]
    let available = filled - lineStart
    for index in 0..<min(available, 3) where buffer[lineStart + index] != byteOrderMark[index] {
      atStartOfInput = false
      return
    }
    guard available >= 3 else { return }
    atStartOfInput = false
    lineStart += 3
    searchFrom = max(searchFrom, lineStart)
  }

  /// Moves the partial line to the front of the buffer.
  private mutating func compact() {
    guard lineStart > 0 else { return }
    let remaining = filled - lineStart
    if remaining > 0 { memmove(buffer, buffer + lineStart, remaining) }
    searchFrom -= lineStart
    filled = remaining
    lineStart = 0
  }

  private mutating func grow() {
    let newCapacity = max(capacity * 2, filled + readSize)
    let newBuffer = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
    newBuffer.update(from: buffer, count: filled)
    buffer.deallocate()
    buffer = newBuffer
    capacity = newCapacity
  }
}
