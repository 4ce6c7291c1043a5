import Glibc

/// One line of input, valid until the next call to `LineReader.nextLine()`.
package enum InputLine {
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
  /// Called before every `read(2)` that may block, and every `idleInterval` seconds while it
  /// waits: the pipeline flushes its output and saves `--state` there, so a slow producer
  /// never holds back results already computed, nor a save that is due.
  private let beforeRead: () throws(PipelineError) -> Void
  private let idleInterval: Double?
  private let stop: InputStop

  private var buffer: UnsafeMutablePointer<UInt8>
  private var capacity: Int
  private var lineStart = 0
  private var filled = 0
  /// Where the search for the next newline resumes, so a long partial line is scanned once.
  private var searchFrom = 0
  private var atEndOfInput = false
  private var atStartOfInput = true
  /// After a stop request: the bytes that were readable at that moment and are still to be
  /// read (0 for a regular file, whose rest is not "handed over").
  private var drainBudget: Int?

  /// 1-based number of the line last returned.
  private(set) var lineNumber = 0
  /// The input's offset of `buffer[0]`.
  private var bufferOffset = 0

  /// The input's offset just past the line last returned (and its newline): where a reader
  /// that starts again from this line's end would begin (`--spool` resumes a file there).
  var endOffset: Int { bufferOffset + lineStart }

  /// Whether a stop was requested before the line last returned was handed out: the line was
  /// read while draining.
  var isDraining: Bool { drainBudget != nil }

  init(
    fileDescriptor: Int32,
    maximumLineLength: Int,
    readSize: Int = 256 * 1024,
    beforeRead: @escaping () throws(PipelineError) -> Void = {},
    idleInterval: Double? = nil,
    stop: InputStop = InputStop(),
    resumingAt start: (offset: Int, line: Int)? = nil
  ) {
    self.fileDescriptor = fileDescriptor
    self.maximumLineLength = maximumLineLength
    self.readSize = readSize
    self.beforeRead = beforeRead
    self.idleInterval = idleInterval
    self.stop = stop
    self.capacity = max(readSize * 2, 64 * 1024)
    self.buffer = .allocate(capacity: capacity)
    if let start {
      // The descriptor was positioned there: not the input's start, so no byte-order mark.
      bufferOffset = start.offset
      lineNumber = start.line
      atStartOfInput = false
    }
  }

  deinit {
    buffer.deallocate()
  }

  /// The next line, or nil at the end of input, or when a stop was requested and what was
  /// readable then has been read, or when cancelled.
  mutating func nextLine() throws(PipelineError) -> InputLine? {
    if drainBudget == nil && stop.requested() { startDraining() }
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

  /// Reads more bytes after the partial line; false when the input ends early (a stop).
  private mutating func fill() throws(PipelineError) -> Bool {
    compact()
    if capacity - filled < readSize { grow() }
    if drainBudget == nil { try beforeRead() }
    while true {
      if stop.cancelled() { return false }
      if drainBudget == nil && stop.requested() { startDraining() }
      var wanted = capacity - filled
      if let budget = drainBudget {
        // A regular file's rest was not handed over: end without its partial line. A pipe's
        // bytes were, so its last partial line is still returned (as a line of its own).
        guard budget > 0 else {
          if isRegularFile { return false }
          atEndOfInput = true
          return true
        }
        wanted = min(wanted, budget)
      } else {
        switch try waitUntilReadable() {
        case .readable: break
        case .stopped: continue
        }
      }
      let count: Int
      do {
        let (descriptor, destination) = (fileDescriptor, buffer + filled)
        count = try SystemCall.retryingInterrupts { Glibc.read(descriptor, destination, wanted) }
      } catch  where error.errno == EAGAIN {
        // A non-blocking descriptor: poll again, or, while draining, nothing more is there.
        if drainBudget != nil { drainBudget = 0 }
        continue
      } catch {
        throw .readFailed(errno: error.errno)
      }
      if count == 0 {
        atEndOfInput = true
        return true
      }
      filled += count
      if let budget = drainBudget { drainBudget = budget - count }
      if atStartOfInput { skipByteOrderMark() }
      return true
    }
  }

  private enum Wait {
    case readable
    /// A stop request or a cancellation: the caller looks which.
    case stopped
  }

  /// Blocks until the input is readable or a stop arrives, calling `beforeRead` every
  /// `idleInterval` while it waits. The wake-up descriptor is polled with the input, so a
  /// signal can never slip in between a check and a blocking read.
  private func waitUntilReadable() throws(PipelineError) -> Wait {
    if stop.requested() || stop.cancelled() { return .stopped }
    var descriptors = [
      pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0),
      pollfd(fd: stop.wakeDescriptor, events: Int16(POLLIN), revents: 0),
    ]
    let timeout = idleInterval.map { Int32(clamping: Int(($0 * 1000).rounded(.up))) } ?? -1
    while true {
      let ready = poll(&descriptors, stop.wakeDescriptor >= 0 ? 2 : 1, timeout)
      if stop.requested() || stop.cancelled() { return .stopped }
      if ready > 0 || (ready < 0 && errno != EINTR) { return .readable }
      if ready == 0 { try beforeRead() }
    }
  }

  /// Notes how many bytes are readable right now; exactly those are still read, without
  /// blocking. Only pipes, FIFOs and sockets: for them the writer has let go of the bytes.
  private mutating func startDraining() {
    var available: Int32 = 0
    if !isRegularFile, isPipeOrSocket, ioctl(fileDescriptor, UInt(FIONREAD), &available) == 0 {
      drainBudget = Int(max(available, 0))
    } else {
      drainBudget = 0
    }
  }

  private var isRegularFile: Bool { fileType == S_IFREG }
  private var isPipeOrSocket: Bool { fileType == S_IFIFO || fileType == S_IFSOCK }

  private var fileType: mode_t {
    var status = stat()
    guard fstat(fileDescriptor, &status) == 0 else { return 0 }
    return status.st_mode & S_IFMT
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
    bufferOffset += lineStart
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
