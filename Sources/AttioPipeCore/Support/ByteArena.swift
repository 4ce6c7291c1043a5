import Glibc

/// A growable run of bytes with value semantics, for delivery's `PersonMemory` records and the
/// identity index's ids: a million people's emails, hashes or ids in one block instead of a
/// million small allocations.
///
/// It grows with `realloc`, not as an `Array` does (allocate twice the size, copy, free): a
/// block this large is `mmap`ed, and glibc's `realloc` moves it with `mremap`, so growing never
/// copies the bytes nor holds the old and the new block at once, which would raise the peak
/// RSS by the size of the arena at every doubling. Capacity never touched is not resident.
///
/// Copy on write, like the standard collections: a `--state` save encodes a copy of the
/// memory taken on the delivery queue while delivery goes on changing its own.
///
/// Offsets are checked (`precondition`): a wrong one is a bug, and it must stop the process
/// rather than read or write outside the block.
package struct ByteArena: Sendable {
  private final class Storage: @unchecked Sendable {
    // Safe to share: a storage is only ever changed while uniquely referenced (`unique()`).
    var base: UnsafeMutableRawPointer?
    var count = 0
    var capacity = 0

    init() {}

    init(copying other: Storage) {
      if other.count > 0 {
        base = malloc(other.count)!
        base!.copyMemory(from: other.base!, byteCount: other.count)
      }
      count = other.count
      capacity = other.count
    }

    deinit { free(base) }

    func resize(to newCapacity: Int) {
      guard newCapacity != capacity else { return }
      if newCapacity == 0 {
        free(base)
        base = nil
      } else {
        guard let grown = realloc(base, newCapacity) else {
          fatalError("out of memory: \(newCapacity) bytes for the person memory")
        }
        base = grown
      }
      capacity = newCapacity
    }
  }

  private var storage = Storage()

  package var count: Int { storage.count }
  /// Bytes allocated, used or not.
  package var capacity: Int { storage.capacity }

  // MARK: - Reading

  @inline(__always)
  private func address(_ offset: Int, _ size: Int) -> UnsafeMutableRawPointer {
    precondition(offset >= 0 && size >= 0 && offset + size <= storage.count)
    return storage.base! + offset
  }

  @inline(__always)
  package func load<Value: FixedWidthInteger>(_ type: Value.Type, at offset: Int) -> Value {
    UnsafeRawPointer(address(offset, MemoryLayout<Value>.size)).loadUnaligned(as: Value.self)
  }

  /// A LEB128 number (7 bits a byte, low bits first) and how many bytes it took.
  @inline(__always)
  package func varint(at offset: Int) -> (value: Int, width: Int) {
    var value = 0
    var width = 0
    while true {
      let byte = load(UInt8.self, at: offset + width)
      value |= Int(byte & 0x7F) << (7 * width)
      width += 1
      if byte & 0x80 == 0 { return (value, width) }
    }
  }

  /// Whether the `bytes.count` bytes at `offset` are `bytes`.
  package func equals(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Bool {
    guard let start = bytes.baseAddress, !bytes.isEmpty else { return true }
    return memcmp(address(offset, bytes.count), start, bytes.count) == 0
  }

  package func string(at offset: Int, count: Int) -> String {
    String(
      decoding: UnsafeRawBufferPointer(
        start: count == 0 ? nil : address(offset, count), count: count),
      as: UTF8.self)
  }

  // MARK: - Writing

  private mutating func unique() {
    if !isKnownUniquelyReferenced(&storage) { storage = Storage(copying: storage) }
  }

  @inline(__always)
  package mutating func store<Value: FixedWidthInteger>(_ value: Value, at offset: Int) {
    unique()
    address(offset, MemoryLayout<Value>.size).storeBytes(of: value, as: Value.self)
  }

  /// Writes `value` as `varint(at:)` reads it; returns the bytes written.
  @discardableResult
  package mutating func storeVarint(_ value: Int, at offset: Int) -> Int {
    precondition(value >= 0)
    var rest = value
    var width = 0
    repeat {
      let low = UInt8(truncatingIfNeeded: rest & 0x7F)
      rest >>= 7
      store(rest == 0 ? low : low | 0x80, at: offset + width)
      width += 1
    } while rest != 0
    return width
  }

  /// The bytes `storeVarint` takes for `value`.
  package static func varintWidth(_ value: Int) -> Int {
    var width = 1
    var rest = value >> 7
    while rest != 0 {
      width += 1
      rest >>= 7
    }
    return width
  }

  package mutating func store(_ bytes: UnsafeRawBufferPointer, at offset: Int) {
    guard let start = bytes.baseAddress, !bytes.isEmpty else { return }
    unique()
    address(offset, bytes.count).copyMemory(from: start, byteCount: bytes.count)
  }

  package init() {}

  /// The bytes in use, read in place: valid only inside `body`.
  @inline(__always)
  package func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
    body(UnsafeRawBufferPointer(start: storage.base, count: storage.count))
  }

  /// The byte at `offset`.
  @inline(__always)
  package subscript(offset: Int) -> UInt8 { load(UInt8.self, at: offset) }

  /// Adds `bytes` at the end; returns where they start.
  @discardableResult
  package mutating func append(_ bytes: UnsafeRawBufferPointer) -> Int {
    let offset = append(uninitialized: bytes.count)
    if let start = bytes.baseAddress, !bytes.isEmpty {
      storage.base!.advanced(by: offset).copyMemory(from: start, byteCount: bytes.count)
    }
    return offset
  }

  /// Adds `size` zero bytes at the end; returns where they start.
  package mutating func append(zeros size: Int) -> Int {
    let offset = append(uninitialized: size)
    if size > 0 {
      address(offset, size).initializeMemory(as: UInt8.self, repeating: 0, count: size)
    }
    return offset
  }

  private mutating func append(uninitialized size: Int) -> Int {
    let offset = storage.count
    guard size > 0 else { return offset }
    unique()
    if offset + size > storage.capacity {
      storage.resize(to: max(offset + size, storage.capacity * 2, 256))
    }
    storage.count += size
    return offset
  }

  /// Moves `size` bytes from `source` to `destination` (the ranges may overlap).
  package mutating func move(from source: Int, to destination: Int, count size: Int) {
    guard size > 0 else { return }
    unique()
    address(destination, size).copyMemory(from: address(source, size), byteCount: size)
  }

  /// Drops the bytes from `newCount` on, and gives back capacity far beyond what is left.
  package mutating func truncate(to newCount: Int) {
    precondition(newCount >= 0 && newCount <= storage.count)
    unique()
    storage.count = newCount
    if storage.capacity > 2 * newCount + 65_536 {
      storage.resize(to: newCount + newCount / 2)
    }
  }
}
