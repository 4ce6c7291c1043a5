// Design: a FIFO ring of 64-bit hashes (the order to forget them in) and an open-addressing
// set over it (linear probing, deletion by backward shift, no tombstones) whose slots hold a
// position in the ring, plus one (0: empty), not the hash again: a million ids cost 8 MB of
// ring and 5.5 MB of table (load between 1/2 and 3/4, `ProbeGeometry`), with no String, no
// per-entry allocation and one more memory access per probe (the ring's hash, compared after
// the slot's home matched).
//
// Why hashes and not the ids: memory, and a state file that stays small. The price is a
// collision: a new event whose id hashes like one remembered is taken for a duplicate. With
// 64 bits and n ids remembered, the odds for one new event are n / 2⁶⁴, one in 18 trillion at
// the full million; and the event is not lost without a word: `deliver` reports it
// `duplicate` (with its messageId), `build` counts it among the skipped (`duplicate`), and
// `--verbose` names it.

/// The `messageId`s of the events already seen, so that an event that comes again (a rerun of
/// the same input with the same `--state`, a restarted `tail -n +1 -F`, an at-least-once
/// source) is recognised whatever became of it the first time, before it changes any identity.
///
/// Bounded: beyond `capacity` ids the oldest is forgotten (FIFO), so memory and the state file
/// stay flat on an endless stream. Kept with the identity profiles in `--state` and saved at
/// the same moment, so that both describe exactly the same input lines.
package struct SeenMessages: Sendable {
  static let defaultCapacity = 1_000_000

  let capacity: Int
  /// Every hash remembered, in the order seen; once full, `ring[oldest]` goes next.
  private var ring: [UInt64] = []
  private var oldest = 0
  /// The set: each slot holds a ring position plus one; 0 marks an empty slot.
  private var table: [UInt32] = []

  package init(capacity: Int = SeenMessages.defaultCapacity) {
    self.capacity = max(1, capacity)
  }

  var count: Int { ring.count }

  /// The hash a messageId is remembered by: FNV-1a over its bytes, then MurmurHash3's 64-bit
  /// finaliser so that every bit depends on every byte (the table indexes by the low bits).
  /// Saved in the state file: it must never change.
  package static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes {
      hash ^= UInt64(byte)
      hash &*= 0x100_0000_01b3
    }
    hash ^= hash >> 33
    hash &*= 0xff51_afd7_ed55_8ccd
    hash ^= hash >> 33
    hash &*= 0xc4ce_b9fe_1a85_ec53
    hash ^= hash >> 33
    return hash
  }

  package static func hash(_ text: String) -> UInt64 {
    var text = text
    return text.withUTF8 { hash(UnsafeRawBufferPointer($0)) }
  }

  func contains(_ hash: UInt64) -> Bool {
    guard !table.isEmpty else { return false }
    return find(Self.key(hash)).found
  }

  /// Remembers a hash; false when it was already remembered (nothing changes then).
  @discardableResult
  package mutating func insert(_ hash: UInt64) -> Bool {
    let key = Self.key(hash)
    if !table.isEmpty && find(key).found { return false }
    let position: Int
    if ring.count < capacity {
      if ring.count + 1 > geometry.limit { grow() }
      position = ring.count
      ring.append(key)
    } else {
      // The oldest goes: out of the table first (its slot is found by its hash), then its
      // place in the ring takes the new hash.
      position = oldest
      remove(ring[oldest])
      ring[oldest] = key
      oldest = oldest + 1 == capacity ? 0 : oldest + 1
    }
    table[find(key).index] = UInt32(position + 1)
    return true
  }

  /// A copy without `hashes`, the others in the same order: what a `--state` save may
  /// remember while some events are not done (`--omprog` without `--spool`). Rebuilt whole,
  /// so only worth it when `hashes` is not empty (a save walks every hash anyway).
  package func removing(_ hashes: Set<UInt64>) -> SeenMessages {
    guard !hashes.isEmpty else { return self }
    let keys = Set(hashes.map(Self.key))
    var copy = SeenMessages(capacity: capacity)
    forEachOldestFirst { if !keys.contains($0) { copy.insert($0) } }
    return copy
  }

  /// Every hash, oldest first (the state file's order: loading re-inserts them in turn).
  func forEachOldestFirst(_ body: (UInt64) -> Void) {
    for index in oldest..<ring.count { body(ring[index]) }
    for index in 0..<oldest { body(ring[index]) }
  }

  // MARK: - The table

  /// Hashes are kept as they are, but 0 (so that a zeroed ring place is never a hash).
  private static func key(_ hash: UInt64) -> UInt64 { hash == 0 ? 1 : hash }

  private var geometry = ProbeGeometry(capacity: 1)

  private func home(_ key: UInt64) -> Int { geometry.home(UInt32(truncatingIfNeeded: key)) }

  /// The slot holding `key`, or the empty slot where it would go.
  private func find(_ key: UInt64) -> (index: Int, found: Bool) {
    var index = home(key)
    while true {
      let held = table[index]
      if held == 0 { return (index, false) }
      if ring[Int(held) - 1] == key { return (index, true) }
      index = geometry.next(index)
    }
  }

  private mutating func remove(_ key: UInt64) {
    let (start, found) = find(key)
    guard found else { return }
    // Backward shift: entries after the hole that may live in it move up, so every entry
    // stays reachable from its home slot without a tombstone.
    var hole = start
    var index = start
    while true {
      index = geometry.next(index)
      let held = table[index]
      if held == 0 { break }
      let home = home(ring[Int(held) - 1])
      if geometry.distance(from: home, to: index) >= geometry.distance(from: hole, to: index) {
        table[hole] = held
        hole = index
      }
    }
    table[hole] = 0
  }

  private mutating func grow() {
    // Never beyond what `capacity` hashes need: a full set's table is 4/3 of it, not up to 2.
    let grown = table.isEmpty ? ProbeGeometry(capacity: 1024) : geometry.grown
    let full = ProbeGeometry(holding: capacity, minimum: 16)
    geometry = grown.capacity > full.capacity && full.capacity > geometry.capacity ? full : grown
    table = [UInt32](repeating: 0, count: geometry.capacity)
    for (position, key) in ring.enumerated() {
      table[find(key).index] = UInt32(position + 1)
    }
  }
}
