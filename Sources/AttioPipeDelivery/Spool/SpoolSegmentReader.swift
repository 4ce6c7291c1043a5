import AttioPipeCore
import Glibc

/// Reads the records of one segment file in order, with `pread(2)` into one reusable buffer,
/// never past `limit` (the bytes known to be durable): the spool's recovery scan and the tail
/// that feeds the consumer both read through it.
struct SpoolSegmentReader: ~Copyable {
  let path: String
  private let descriptor: Int32
  private var buffer: UnsafeMutableRawBufferPointer
  /// File offset of `buffer`'s first byte, and how many bytes of it are valid.
  private var bufferOffset = 0
  private var buffered = 0
  /// File offset of the next record.
  private(set) var offset: Int

  /// One record, valid until the next call to `next`.
  struct Record {
    var kind: SpoolFormat.Kind
    var payload: UnsafeBufferPointer<UInt8>
    /// File offset of the record's first byte, and of the byte after it.
    var offset: Int
    var end: Int
  }

  /// What stops a read before the limit.
  enum Damage: Error {
    /// A record runs past the limit: cut short (or not written yet).
    case cut(offset: Int)
    /// A record's checksum, length or kind is wrong, and the limit lies beyond it.
    case bad(offset: Int, detail: String)
  }

  init(path: String) throws(SpoolError) {
    self.path = path
    descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw .cannotRead(path: path, errno: errno) }
    buffer = .allocate(byteCount: 1 << 20, alignment: 8)
    offset = SpoolFormat.headerLength
  }

  deinit {
    close(descriptor)
    buffer.deallocate()
  }

  /// The segment's header.
  mutating func header() throws(SpoolError) -> SpoolFormat.Header {
    var bytes = [UInt8](repeating: 0, count: SpoolFormat.headerLength)
    let got = bytes.withUnsafeMutableBytes {
      pread(descriptor, $0.baseAddress!, SpoolFormat.headerLength, 0)
    }
    guard got >= 0 else { throw .cannotRead(path: path, errno: errno) }
    switch SpoolFormat.decodeHeader(bytes[0..<max(got, 0)]) {
    case .success(let header): return header
    case .failure(let error): throw .foreign(path: path, detail: error.detail)
    }
  }

  /// The file's length when it is shorter than a header and holds only what a header write
  /// cut short leaves (the start of the magic, or zeros): a segment a crash caught being
  /// created; nil for any other file.
  func cutHeaderLength() -> Int? {
    let size = fileSize
    guard size < SpoolFormat.headerLength else { return nil }
    var bytes = [UInt8](repeating: 0, count: SpoolFormat.headerLength)
    let got = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress!, size, 0) }
    guard got == size else { return nil }
    let present = bytes[..<size]
    let isMagic = present.prefix(SpoolFormat.magic.count).elementsEqual(
      SpoolFormat.magic.prefix(size))
    return isMagic || present.allSatisfy { $0 == 0 } ? size : nil
  }

  /// The size of the file now.
  var fileSize: Int {
    var status = stat()
    return fstat(descriptor, &status) == 0 ? Int(status.st_size) : 0
  }

  /// The next record that ends at or before `limit`; nil when the next record would start at
  /// `limit`. A record that cannot be whole within `limit` is `.cut`; one that is whole but
  /// wrong is `.bad`.
  mutating func next(limit: Int) throws(Damage) -> Record? {
    guard offset < limit else { return nil }
    guard limit - offset >= SpoolFormat.recordOverhead else { throw .cut(offset: offset) }
    try load(offset, count: 5)
    let length = Int(loadInteger(UInt32.self, at: offset))
    let kindByte = loadByte(at: offset + 4)
    let end = offset + SpoolFormat.recordOverhead + length
    guard end <= limit else { throw .cut(offset: offset) }
    try load(offset, count: end - offset)
    let start = offset - bufferOffset
    let stored = loadInteger(UInt64.self, at: end - 8)
    let bytes = UnsafeRawBufferPointer(rebasing: buffer[start..<start + 5 + length])
    guard stored == StateFile.checksum(bytes) else {
      throw .bad(offset: offset, detail: "checksum mismatch")
    }
    guard let kind = SpoolFormat.Kind(rawValue: kindByte) else {
      throw .bad(offset: offset, detail: "unknown record kind \(kindByte)")
    }
    let payload = UnsafeBufferPointer(
      start: bytes.baseAddress!.assumingMemoryBound(to: UInt8.self) + 5, count: length)
    let record = Record(kind: kind, payload: payload, offset: offset, end: end)
    offset = end
    return record
  }

  /// Whether a whole record (right length, kind and checksum) starts after `start` and ends by
  /// `end`. A crash cuts only the last record, so after a record that runs past the end of the
  /// file there is none; when there is, that record's length is damaged, not cut.
  mutating func holdsWholeRecord(after start: Int, before end: Int) -> Bool {
    var candidate = start + 1
    while candidate + SpoolFormat.recordOverhead <= end {
      offset = candidate
      if (try? next(limit: end)) != nil { return true }
      candidate += 1
    }
    return false
  }

  /// Whether every byte from `start` to `end` is zero: what a file system leaves where a
  /// crash cut a write that had extended the file.
  mutating func isZero(from start: Int, to end: Int) -> Bool {
    var position = start
    while position < end {
      let count = min(buffer.count, end - position)
      let got = pread(descriptor, buffer.baseAddress!, count, off_t(position))
      guard got > 0 else { return false }
      for index in 0..<got where buffer[index] != 0 { return false }
      position += got
    }
    bufferOffset = 0
    buffered = 0
    return true
  }

  /// Makes `count` bytes from file offset `start` available in the buffer.
  private mutating func load(_ start: Int, count: Int) throws(Damage) {
    if start >= bufferOffset && start + count <= bufferOffset + buffered { return }
    if count > buffer.count {
      buffer.deallocate()
      buffer = .allocate(byteCount: count + (1 << 20), alignment: 8)
    }
    var got = 0
    while got < buffer.count {
      let read = pread(
        descriptor, buffer.baseAddress! + got, buffer.count - got, off_t(start + got))
      if read < 0 && errno == EINTR { continue }
      guard read > 0 else { break }
      got += read
    }
    bufferOffset = start
    buffered = got
    guard got >= count else { throw .cut(offset: start) }
  }

  private func loadByte(at fileOffset: Int) -> UInt8 {
    buffer[fileOffset - bufferOffset]
  }

  private func loadInteger<T: FixedWidthInteger>(_: T.Type, at fileOffset: Int) -> T {
    var value: T = 0
    let base = fileOffset - bufferOffset
    for index in 0..<MemoryLayout<T>.size { value |= T(buffer[base + index]) << (8 * index) }
    return value
  }
}
