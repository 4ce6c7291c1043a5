import Glibc

// Design: first and last names, job titles, countries, company domains and mapped traits
// repeat across visitors (a million people share some tens of thousands of first names); a
// profile keeps such a value as a 3-byte reference into this pool instead of its bytes.
//
// - Storage: chunks of 64 KiB that never move (a `ProfileView` hands out pointers into them
//   while the store grows), each value `[length: 1 byte][bytes]`; a reference is the chunk
//   number (8 bits) and the offset in it (16 bits). At most 256 chunks: 16 MiB of values.
// - A value is pooled the second time it is seen: the first sighting only leaves its hash in
//   a small direct-mapped table (`recent`). So a stream of values that never repeat (free-text
//   titles, unique names) pools nothing and costs nothing beyond that table, and one that
//   repeats pools each value once.
// - Append-only: a value stays when the last profile holding it goes. The pool is bounded
//   (16 MiB of values and the table over them), and once full, new values are kept in the
//   profiles as before. Nothing is lost either way; only the saving stops.
// - Values 4...64 bytes long: below 4 a reference saves nothing; above 64 repeats are rare.
// - Looked up by an open-addressing table of (hash, reference + 1) pairs (`ProbeGeometry`).

/// Values many profiles share, kept once. Owned by the `ProfileHeap` (copied with it), and by
/// delivery's `PersonMemory` for the domains of its emails.
package final class ValuePool: @unchecked Sendable {
  static let chunkSize = 1 << 16
  static let maximumChunks = 256
  static let shortest = 4
  static let longest = 64
  private static let recentSize = 1 << 16

  private struct Entry {
    var hash: UInt32 = 0
    /// The reference plus one; 0: empty.
    var reference: UInt32 = 0
  }

  /// Never reallocated: views hold `chunks` itself (`ValuePool.Reader`).
  let chunks: UnsafeMutablePointer<UnsafeMutableRawPointer?>
  private var chunkCount = 0
  /// Bytes used in the last chunk.
  private var used = ValuePool.chunkSize
  private var entries: [Entry] = []
  private var geometry = ProbeGeometry(capacity: 1)
  private(set) var count = 0
  /// Hashes of values seen once, by their low 16 bits.
  private var recent: [UInt32] = []
  private let seed: UInt64

  package init(seed: UInt64 = UInt64.random(in: .min ... .max)) {
    self.seed = seed
    chunks = .allocate(capacity: Self.maximumChunks)
    chunks.initialize(repeating: nil, count: Self.maximumChunks)
  }

  deinit {
    for chunk in 0..<chunkCount { free(chunks[chunk]) }
    chunks.deallocate()
  }

  /// A deep copy (the heap copies its pool with its profiles).
  package func copy() -> ValuePool {
    let copy = ValuePool(seed: seed)
    for chunk in 0..<chunkCount {
      copy.chunks[chunk] = malloc(Self.chunkSize)!
      copy.chunks[chunk]!.copyMemory(from: chunks[chunk]!, byteCount: Self.chunkSize)
    }
    copy.chunkCount = chunkCount
    copy.used = used
    copy.entries = entries
    copy.geometry = geometry
    copy.count = count
    copy.recent = recent
    return copy
  }

  package var reader: Reader { Reader(chunks: UnsafePointer(chunks)) }

  /// Bytes a pooled value costs, the values' own and an entry of the table over them each:
  /// what the pool adds per value (beside 320 KiB of fixed cost once it is used: the table of
  /// recent hashes, the first chunk).
  package var valueBytes: Int {
    max(0, chunkCount - 1) * Self.chunkSize + (chunkCount > 0 ? used : 0)
      + count * MemoryLayout<Entry>.stride
  }

  /// The reference of `bytes` in the pool, adding them the second time they are seen; nil
  /// when they are to be kept in the profile (too short or long, first seen, pool full).
  package func reference(for bytes: UnsafeRawBufferPointer) -> UInt32? {
    guard bytes.count >= Self.shortest && bytes.count <= Self.longest else { return nil }
    let hash = hash(bytes)
    if let reference = find(bytes, hash: hash) { return reference }
    if recent.isEmpty { recent = [UInt32](repeating: 0, count: Self.recentSize) }
    let slot = Int(hash & UInt32(Self.recentSize - 1))
    let mark = hash | 1
    guard recent[slot] == mark else {
      recent[slot] = mark
      return nil
    }
    return add(bytes, hash: hash)
  }

  @inline(__always)
  private func hash(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
    let mixed = mixBits(mixBytes(bytes, into: seed ^ UInt64(bytes.count)))
    return UInt32(truncatingIfNeeded: mixed ^ (mixed >> 32))
  }

  private func find(_ bytes: UnsafeRawBufferPointer, hash: UInt32) -> UInt32? {
    guard !entries.isEmpty else { return nil }
    var position = geometry.home(hash)
    while entries[position].reference != 0 {
      let entry = entries[position]
      if entry.hash == hash {
        let stored = reader.bytes(entry.reference - 1)
        if stored.count == bytes.count
          && bytesEqual(stored.baseAddress!, bytes.baseAddress!, count: bytes.count)
        {
          return entry.reference - 1
        }
      }
      position = geometry.next(position)
    }
    return nil
  }

  private func add(_ bytes: UnsafeRawBufferPointer, hash: UInt32) -> UInt32? {
    if used + 1 + bytes.count > Self.chunkSize {
      guard chunkCount < Self.maximumChunks else { return nil }
      chunks[chunkCount] = malloc(Self.chunkSize)!
      chunkCount += 1
      used = 0
    }
    let chunk = chunks[chunkCount - 1]!
    chunk.storeBytes(of: UInt8(bytes.count), toByteOffset: used, as: UInt8.self)
    (chunk + used + 1).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
    let reference = UInt32(chunkCount - 1) << 16 | UInt32(used)
    used += 1 + bytes.count
    if count + 1 > geometry.limit || entries.isEmpty { grow() }
    var position = geometry.home(hash)
    while entries[position].reference != 0 { position = geometry.next(position) }
    entries[position] = Entry(hash: hash, reference: reference + 1)
    count += 1
    return reference
  }

  private func grow() {
    let old = entries
    geometry = old.isEmpty ? ProbeGeometry(holding: 1024) : geometry.grown
    entries = [Entry](repeating: Entry(), count: geometry.capacity)
    for entry in old where entry.reference != 0 {
      var position = geometry.home(entry.hash)
      while entries[position].reference != 0 { position = geometry.next(position) }
      entries[position] = entry
    }
  }

  /// Reads pooled values: what a `ProfileView` carries (the chunk table never moves).
  package struct Reader {
    let chunks: UnsafePointer<UnsafeMutableRawPointer?>

    @inline(__always)
    package func bytes(_ reference: UInt32) -> UnsafeRawBufferPointer {
      let start = UnsafeRawPointer(chunks[Int(reference >> 16)]!) + Int(reference & 0xFFFF)
      return UnsafeRawBufferPointer(start: start + 1, count: Int(start.load(as: UInt8.self)))
    }
  }
}
