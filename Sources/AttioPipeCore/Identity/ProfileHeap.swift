import Glibc

// Design: every profile's records live in one arena, a block each: `[length][records]`,
// padded to 2 bytes; the length takes 2 bytes (below 32 KiB: every real profile) or 4 (high
// bit set). A slot holds where its block starts (in 2-byte units, plus one; 0: no profile),
// so a million profiles cost 4 MB of starts and about 3 bytes of header and padding each, and
// no allocator header (a `malloc` block each cost 8 bytes of header and up to 15 of rounding:
// about 17 bytes a profile at a million visitors).
//
// - A rewrite that fits the block's footprint stays in place; one that does not goes to the
//   end of the arena and leaves its old block as garbage; so does a cleared slot.
// - The arena grows with `realloc` by doubling (glibc moves a large block with `mremap`:
//   never two copies at once, and capacity not yet reached is never touched). Before it
//   grows, it is compacted instead when a quarter or more of it is garbage: the live blocks
//   slide down in address order (found by sorting the slots' starts; a million profiles need
//   8 MB for that, briefly), and the pages freed at the end go back to the kernel
//   (`MADV_DONTNEED`), so the resident size follows the live bytes.
// - Any change may move every block: a `ProfileView` is valid until the heap next changes
//   (the store's contract already; a profile's own rewrite reads its old view into the
//   builder first).

/// The store's profiles, all in one arena. Not an array per profile: a Swift array costs 32
/// bytes of header and a reference count, and reading one retains it. Unchecked Sendable: one
/// store owns it, and the store copies it before changing it when it is shared
/// (`isKnownUniquelyReferenced`).
final class ProfileHeap: @unchecked Sendable {
  /// Per slot: where its block starts in the arena, in 2-byte units, plus one; 0: empty.
  private var starts: UnsafeMutablePointer<UInt32>
  private(set) var capacity: Int
  private var arena: UnsafeMutableRawPointer?
  private var arenaCapacity = 0
  /// Bytes of the arena in use, live blocks and garbage (a multiple of 2).
  private var arenaUsed = 0
  /// Bytes below `arenaUsed` that no slot's block covers.
  private(set) var garbageBytes = 0
  /// Bytes held by all profiles' records (for the metrics and tests).
  private(set) var byteCount = 0
  /// Garbage below this never triggers a compaction (tests lower it).
  let compactionFloor: Int
  /// How many times the arena was compacted (tests check that it ran).
  private(set) var compactions = 0
  /// Values many profiles share, kept once; the builder pools into it.
  private(set) var pool: ValuePool
  /// Reused to rewrite profiles.
  var builder = ProfileBuilder()

  private static let alignment = 2
  /// The largest arena 2-byte-unit starts can address (8 GiB).
  private static let maximumArenaBytes = Int(UInt32.max - 1) * alignment

  init(capacity: Int = 64, compactionFloor: Int = 1 << 20, pool: ValuePool = ValuePool()) {
    self.capacity = capacity
    self.compactionFloor = compactionFloor
    self.pool = pool
    builder.pool = pool
    starts = .allocate(capacity: capacity)
    starts.initialize(repeating: 0, count: capacity)
  }

  deinit {
    free(arena)
    starts.deallocate()
  }

  /// A deep copy (the store is a value: a copy must not see the original's later changes).
  func copy() -> ProfileHeap {
    let copy = ProfileHeap(
      capacity: capacity, compactionFloor: compactionFloor, pool: pool.copy())
    copy.starts.update(from: starts, count: capacity)
    if let arena, arenaUsed > 0 {
      copy.arena = malloc(arenaUsed)!
      copy.arena!.copyMemory(from: arena, byteCount: arenaUsed)
      copy.arenaCapacity = arenaUsed
    }
    copy.arenaUsed = arenaUsed
    copy.garbageBytes = garbageBytes
    copy.byteCount = byteCount
    return copy
  }

  @inline(__always)
  func view(_ slot: Int32) -> ProfileView {
    let start = starts[Int(slot)]
    guard start != 0, let arena else { return .empty }
    let block = arena + Int(start - 1) * Self.alignment
    let (length, headerSize) = Self.header(block)
    return ProfileView(
      records: UnsafeRawBufferPointer(start: block + headerSize, count: length),
      pool: pool.reader)
  }

  /// Makes room for slots below `count`.
  func reserve(_ count: Int) {
    guard count > capacity else { return }
    var newCapacity = capacity * 2
    while newCapacity < count { newCapacity *= 2 }
    let grown = UnsafeMutablePointer<UInt32>.allocate(capacity: newCapacity)
    grown.moveInitialize(from: starts, count: capacity)
    (grown + capacity).initialize(repeating: 0, count: newCapacity - capacity)
    starts.deallocate()
    starts = grown
    capacity = newCapacity
  }

  /// Replaces a slot's records with what the builder wrote.
  func storeBuilt(_ slot: Int32) {
    builder.bytes.withUnsafeBytes { store(slot, $0) }
    builder.reset()
  }

  /// Replaces a slot's records: in place when they fit its block, else at the arena's end.
  /// `records` must not point into the arena.
  func store(_ slot: Int32, _ records: UnsafeRawBufferPointer) {
    guard !records.isEmpty else { return clear(slot) }
    let footprint = Self.footprint(records.count)
    if let block = block(slot) {
      let oldLength = Self.header(block).length
      let oldFootprint = Self.footprint(oldLength)
      if footprint <= oldFootprint {
        write(records, at: block)
        garbageBytes += oldFootprint - footprint
        byteCount += records.count - oldLength
        return
      }
      clear(slot)
    }
    makeRoom(for: footprint)
    let offset = arenaUsed
    write(records, at: arena! + offset)
    starts[Int(slot)] = UInt32(offset / Self.alignment + 1)
    arenaUsed += footprint
    byteCount += records.count
  }

  func clear(_ slot: Int32) {
    guard let block = block(slot) else { return }
    let length = Self.header(block).length
    garbageBytes += Self.footprint(length)
    byteCount -= length
    starts[Int(slot)] = 0
  }

  /// Slides the live blocks down over the garbage, in address order, and returns the freed
  /// pages at the end to the kernel. Internal for tests.
  func compact() {
    guard let arena else { return }
    compactions += 1
    var order: [UInt64] = []
    order.reserveCapacity(capacity)
    for slot in 0..<capacity where starts[slot] != 0 {
      order.append(UInt64(starts[slot]) << 32 | UInt64(slot))
    }
    order.sort()
    var end = 0
    for entry in order {
      let slot = Int(truncatingIfNeeded: entry & 0xFFFF_FFFF)
      let offset = Int(entry >> 32 - 1) * Self.alignment
      let footprint = Self.footprint(Self.header(arena + offset).length)
      if offset != end { memmove(arena + end, arena + offset, footprint) }
      starts[slot] = UInt32(end / Self.alignment + 1)
      end += footprint
    }
    // Whole pages only, both ends rounded inwards: the kernel rounds a length up, and the
    // page after the arena's used part may hold other allocations (a small arena lives in
    // malloc's heap).
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    let firstFreePage = (Int(bitPattern: arena) + end + page - 1) / page * page
    let lastFreePage = (Int(bitPattern: arena) + arenaUsed) / page * page
    if lastFreePage > firstFreePage {
      _ = madvise(
        UnsafeMutableRawPointer(bitPattern: firstFreePage), lastFreePage - firstFreePage,
        MADV_DONTNEED)
    }
    arenaUsed = end
    garbageBytes = 0
  }

  /// Ensures `footprint` more bytes fit at the end: compacts when a quarter of the arena is
  /// garbage, else grows it.
  private func makeRoom(for footprint: Int) {
    guard arenaUsed + footprint > arenaCapacity else { return }
    if garbageBytes >= max(compactionFloor, arenaUsed / 4) { compact() }
    guard arenaUsed + footprint > arenaCapacity else { return }
    var newCapacity = max(arenaCapacity * 2, 64 * 1024)
    while newCapacity < arenaUsed + footprint { newCapacity *= 2 }
    newCapacity = min(newCapacity, Self.maximumArenaBytes)
    precondition(arenaUsed + footprint <= newCapacity, "profiles beyond 8 GiB")
    guard let grown = realloc(arena, newCapacity) else {
      fatalError("out of memory growing the profiles to \(newCapacity) bytes")
    }
    arena = grown
    arenaCapacity = newCapacity
  }

  @inline(__always)
  private func block(_ slot: Int32) -> UnsafeMutableRawPointer? {
    let start = starts[Int(slot)]
    guard start != 0, let arena else { return nil }
    return arena + Int(start - 1) * Self.alignment
  }

  @inline(__always)
  private func write(_ records: UnsafeRawBufferPointer, at block: UnsafeMutableRawPointer) {
    let length = records.count
    let headerSize = Self.headerSize(length)
    if headerSize == 2 {
      block.storeBytes(of: UInt16(length).littleEndian, as: UInt16.self)
    } else {
      block.storeBytes(of: UInt16(0x8000 | length >> 16).littleEndian, as: UInt16.self)
      block.storeBytes(
        of: UInt16(truncatingIfNeeded: length).littleEndian, toByteOffset: 2, as: UInt16.self)
    }
    (block + headerSize).copyMemory(from: records.baseAddress!, byteCount: length)
  }

  @inline(__always)
  private static func headerSize(_ length: Int) -> Int { length < 0x8000 ? 2 : 4 }

  @inline(__always)
  private static func footprint(_ length: Int) -> Int {
    (headerSize(length) + length + alignment - 1) & ~(alignment - 1)
  }

  /// A block's records' length and the size of the header before them.
  @inline(__always)
  private static func header(_ block: UnsafeMutableRawPointer) -> (length: Int, size: Int) {
    let first = Int(UInt16(littleEndian: block.loadUnaligned(as: UInt16.self)))
    guard first >= 0x8000 else { return (first, 2) }
    let second = Int(
      UInt16(littleEndian: block.loadUnaligned(fromByteOffset: 2, as: UInt16.self)))
    return ((first & 0x7FFF) << 16 | second, 4)
  }
}
