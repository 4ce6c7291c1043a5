import Glibc

/// Little-endian integers and length-prefixed byte strings for the state file.
///
/// Writes into memory, or straight to a file in 1 MiB pieces (keeping the checksum as it
/// goes), or only counts: a million profiles encode to hundreds of megabytes, which are better
/// not held in memory while they are written.
package struct StateWriter {
  package enum Destination {
    case memory
    /// Counts the bytes without keeping them (to know a section's length before writing it).
    case count
    case file(Int32)
  }

  package private(set) var bytes: [UInt8] = []
  private let destination: Destination
  /// Bytes produced so far.
  private(set) var count = 0
  /// FNV-1a of the bytes flushed to the file so far.
  private(set) var checksum = StateFile.checksumSeed
  /// The errno of a failed write; later writes are skipped.
  private(set) var failure: Int32?

  package init(_ destination: Destination = .memory) {
    self.destination = destination
  }

  package mutating func integer<T: FixedWidthInteger>(_ value: T) {
    count += MemoryLayout<T>.size
    if case .count = destination { return }
    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    flushIfFull()
  }

  package mutating func data(_ data: some Collection<UInt8>) {
    integer(UInt32(data.count))
    raw(data)
  }

  mutating func raw(_ data: some Collection<UInt8>) {
    count += data.count
    if case .count = destination { return }
    bytes.append(contentsOf: data)
    flushIfFull()
  }

  private mutating func flushIfFull() {
    if case .file = destination, bytes.count >= 1 << 20 { flush() }
  }

  /// Writes what is buffered to the file (a no-op in memory).
  mutating func flush() {
    guard case .file(let descriptor) = destination, !bytes.isEmpty else { return }
    checksum = StateFile.checksum(bytes, continuing: checksum)
    if failure == nil {
      bytes.withUnsafeBytes { buffer in
        do throws(SystemCallError) {
          try SystemCall.writeAll(descriptor, buffer)
        } catch {
          failure = error.errno
        }
      }
    }
    bytes.removeAll(keepingCapacity: true)
  }
}

/// Reads what `StateWriter` wrote, checking every bound: a state file is input like any other
/// and a damaged one must be an error, never a crash.
///
/// Reads from memory, or from a file in 1 MiB pieces (keeping the checksum of what it read),
/// so that a state of a million profiles is rebuilt without first holding the whole file.
package struct StateReader {
  private var bytes: [UInt8]
  private var position = 0
  private let descriptor: Int32
  /// Bytes of the file not read yet.
  private var unread: Int
  /// Bytes handed out so far.
  private(set) var consumed = 0
  /// FNV-1a of the bytes read from the file so far.
  private(set) var checksum = StateFile.checksumSeed
  /// The version of the file being read, for sections whose layout changed with it.
  package var formatVersion = StateFile.version

  package init(_ bytes: [UInt8]) {
    self.bytes = bytes
    descriptor = -1
    unread = 0
  }

  /// Reads at most `length` bytes of the open file `descriptor`.
  init(descriptor: Int32, length: Int) {
    bytes = []
    self.descriptor = descriptor
    unread = length
  }

  package var isAtEnd: Bool { position == bytes.count && unread == 0 }

  package mutating func integer<T: FixedWidthInteger>(_: T.Type = T.self) throws(StateFileError)
    -> T
  {
    let size = MemoryLayout<T>.size
    try ensure(size)
    var value: T = 0
    for index in 0..<size { value |= T(bytes[position + index]) << (8 * index) }
    position += size
    consumed += size
    return value
  }

  package mutating func data(maximum: Int = Int(UInt32.max)) throws(StateFileError) -> ArraySlice<
    UInt8
  > {
    let count = Int(try integer(UInt32.self))
    guard count <= maximum else { throw .corrupt("a value longer than allowed") }
    return try raw(count: count)
  }

  package mutating func raw(count: Int) throws(StateFileError) -> ArraySlice<UInt8> {
    try ensure(count)
    defer {
      position += count
      consumed += count
    }
    return bytes[position..<position + count]
  }

  package mutating func string() throws(StateFileError) -> String {
    let utf8 = try data()
    guard let text = String(validating: utf8, as: UTF8.self) else {
      throw .corrupt("invalid UTF-8")
    }
    return text
  }

  /// Makes `count` bytes available at `position`, reading more of the file if needed.
  private mutating func ensure(_ count: Int) throws(StateFileError) {
    let available = bytes.count - position
    guard available < count else { return }
    // A damaged length must not make the reader allocate more than the file holds.
    guard count - available <= unread else { throw .corrupt("truncated") }
    bytes.removeFirst(position)
    position = 0
    var chunk = [UInt8](repeating: 0, count: Swift.max(1 << 20, count - available))
    while bytes.count < count {
      let wanted = Swift.min(chunk.count, unread)
      let got: Int
      do {
        got = try SystemCall.retryingInterrupts {
          chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, wanted) }
        }
      } catch {
        throw .corrupt("cannot read: \(error.description)")
      }
      guard got > 0 else { throw .corrupt("truncated") }
      checksum = StateFile.checksum(chunk[0..<got], continuing: checksum)
      bytes.append(contentsOf: chunk[0..<got])
      unread -= got
    }
  }
}
