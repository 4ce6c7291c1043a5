// Design: an open-addressing hash table from (namespace, id bytes) to a profile slot, built for
// the per-event look-up. Swift's Dictionary keyed by String costs, per event, an allocation for
// the id, SipHash, and a retain of every key compared on the probe path (each a cache miss);
// this table hashes the bytes straight from the input line and compares stored 64-bit hashes
// before touching any key bytes, so a look-up allocates nothing and usually touches one cache
// line.
//
// - Entries: linear probing, load factor between 1/2 and 3/4 (`ProbeGeometry`: any capacity,
//   grown by half), backward-shift deletion (no tombstones). 12 bytes each: a million ids
//   take 16 MB of table (a power of two would take 25), and growing it briefly holds the old
//   and the new table at once.
// - Key bytes live in one append-only arena, each after a 2-byte header (its length, and
//   whether it is packed: UUIDs, numbers and hex ids in a fraction of their text, `PackedID`);
//   an entry holds their offset (the header is read beside the bytes, which a comparison
//   touches anyway). Removed
//   keys leave garbage in the arena, which `IdentityStore` reclaims by rebuilding the index when
//   garbage outweighs live bytes.
// - The hash is seeded per process, so crafted ids cannot be aimed at one probe chain.

/// Where a key's bytes are stored in the arena; profiles hold these to find their keys again.
struct IdentityKeyReference: Sendable, Equatable {
  /// Where the key's length prefix starts in the arena.
  var offset: Int
  var namespace: IdentityNamespace
}

struct IdentityIndex: Sendable {
  /// 12 bytes: a million visitors' one or two ids each fit in 24 MB of table.
  private struct Entry: Sendable {
    var hash: UInt32 = 0
    var offset: UInt32 = 0
    /// -1 marks an empty slot.
    var profile: Int32 = -1

    var isEmpty: Bool { profile < 0 }
  }

  /// Ids longer than this are not remembered (a real id is a few dozen bytes; the bound keeps
  /// one hostile id from filling the arena).
  static let maximumIdLength = 1024

  private var entries: [Entry]
  private var geometry: ProbeGeometry
  /// Grown with `realloc` (`ByteArena`), not as an Array: an Array's growth holds the old and
  /// the new copy at once, which at a million UUIDs raised the peak by 17 MB.
  private(set) var arena = ByteArena()
  private(set) var count = 0
  /// Bytes of the arena still referenced by an entry.
  private(set) var liveBytes = 0
  private let seed: UInt64

  init(minimumCapacity: Int = 1024, seed: UInt64 = UInt64.random(in: .min ... .max)) {
    geometry = ProbeGeometry(holding: minimumCapacity)
    entries = [Entry](repeating: Entry(), count: geometry.capacity)
    self.seed = seed
  }

  /// Garbage (removed keys' bytes) in the arena.
  var garbageBytes: Int { arena.count - liveBytes }

  func profile(
    _ namespace: IdentityNamespace, _ id: UnsafeBufferPointer<UInt8>
  ) -> Int32? {
    let probe = Probe(id, namespace: namespace, seed: seed)
    var position = geometry.home(probe.hash)
    while true {
      let entry = entries[position]
      if entry.isEmpty { return nil }
      if entry.hash == probe.hash && keyEquals(entry, probe) { return entry.profile }
      position = geometry.next(position)
    }
  }

  /// Where a stored key's bytes are, if it is stored.
  func reference(_ namespace: IdentityNamespace, _ id: UnsafeBufferPointer<UInt8>)
    -> IdentityKeyReference?
  {
    let probe = Probe(id, namespace: namespace, seed: seed)
    var position = geometry.home(probe.hash)
    while true {
      let entry = entries[position]
      if entry.isEmpty { return nil }
      if entry.hash == probe.hash && keyEquals(entry, probe) {
        return IdentityKeyReference(offset: Int(entry.offset), namespace: namespace)
      }
      position = geometry.next(position)
    }
  }

  /// Points the key at `profile`, adding it when new; returns where its bytes are stored.
  @discardableResult
  mutating func set(
    _ namespace: IdentityNamespace, _ id: UnsafeBufferPointer<UInt8>, to profile: Int32
  ) -> IdentityKeyReference {
    insert(namespace, id, to: profile, repointing: true).reference
  }

  /// Adds the key, pointing at `profile`, unless it is already stored (then nothing changes
  /// and the result is nil): one probe where a look-up and a `set` would take two.
  mutating func add(
    _ namespace: IdentityNamespace, _ id: UnsafeBufferPointer<UInt8>, to profile: Int32
  ) -> IdentityKeyReference? {
    let (reference, added) = insert(namespace, id, to: profile, repointing: false)
    return added ? reference : nil
  }

  private mutating func insert(
    _ namespace: IdentityNamespace, _ id: UnsafeBufferPointer<UInt8>, to profile: Int32,
    repointing: Bool
  ) -> (reference: IdentityKeyReference, added: Bool) {
    let probe = Probe(id, namespace: namespace, seed: seed)
    let hash = probe.hash
    var position = geometry.home(hash)
    while !entries[position].isEmpty {
      if entries[position].hash == hash && keyEquals(entries[position], probe) {
        if repointing { entries[position].profile = profile }
        let offset = Int(entries[position].offset)
        return (IdentityKeyReference(offset: offset, namespace: namespace), false)
      }
      position = geometry.next(position)
    }
    let offset = arena.count
    if let packed = probe.packed {
      // Header and packed bytes in one append.
      var stored: (UInt8, UInt8, UInt64, UInt64) = (0, 0, 0, 0)
      withUnsafeMutableBytes(of: &stored) { bytes in
        bytes[0] = UInt8(packed.count)
        bytes[1] = packed.form
        withUnsafeBytes(of: packed.words) {
          bytes.baseAddress!.advanced(by: 2).copyMemory(
            from: $0.baseAddress!, byteCount: packed.count)
        }
        arena.append(UnsafeRawBufferPointer(rebasing: bytes[..<(2 + packed.count)]))
      }
    } else {
      withUnsafeBytes(
        of: (UInt8(truncatingIfNeeded: id.count), UInt8(truncatingIfNeeded: id.count >> 8))
      ) { _ = arena.append(UnsafeRawBufferPointer(rebasing: $0[..<2])) }
      arena.append(UnsafeRawBufferPointer(id))
    }
    entries[position] = Entry(hash: hash, offset: UInt32(offset), profile: profile)
    count += 1
    liveBytes += arena.count - offset
    if count > geometry.limit { grow() }
    return (IdentityKeyReference(offset: offset, namespace: namespace), true)
  }

  /// Re-points a stored key (found through a profile) at another profile.
  mutating func set(_ reference: IdentityKeyReference, to profile: Int32) {
    guard let position = position(of: reference) else { return }
    entries[position].profile = profile
  }

  mutating func remove(_ reference: IdentityKeyReference) {
    guard var hole = position(of: reference) else { return }
    count -= 1
    liveBytes -= 2 + storedLength(at: reference.offset)
    // Backward-shift deletion: pull later entries of the probe chain into the hole.
    var next = geometry.next(hole)
    while !entries[next].isEmpty {
      let home = geometry.home(entries[next].hash)
      if geometry.distance(from: home, to: next) >= geometry.distance(from: hole, to: next) {
        entries[hole] = entries[next]
        hole = next
      }
      next = geometry.next(next)
    }
    entries[hole] = Entry()
  }

  /// The id bytes of a stored key.
  func withBytes<Result>(
    of reference: IdentityKeyReference, _ body: (UnsafeBufferPointer<UInt8>) -> Result
  ) -> Result {
    arena.withUnsafeBytes { arena in
      let start = reference.offset + 2
      let stored = UnsafeBufferPointer(
        rebasing: arena.assumingMemoryBound(to: UInt8.self)[
          start..<start + storedLength(at: reference.offset)])
      let form = arena[reference.offset + 1]
      guard PackedID.isPacked(form) else { return body(stored) }
      return withUnsafeTemporaryAllocation(
        of: UInt8.self, capacity: PackedID.maximumTextLength
      ) { text in
        let length = PackedID.unpack(UnsafeRawBufferPointer(stored), form: form, into: text)
        return body(UnsafeBufferPointer(rebasing: text[..<length]))
      }
    }
  }

  /// The length of the bytes stored after a key's 2-byte header.
  @inline(__always)
  private func storedLength(at offset: Int) -> Int {
    let high = arena[offset + 1]
    return PackedID.isPacked(high) ? Int(arena[offset]) : Int(arena[offset]) | Int(high) << 8
  }

  // MARK: - Internals

  private func position(of reference: IdentityKeyReference) -> Int? {
    withBytes(of: reference) { id in
      let hash = Probe(id, namespace: reference.namespace, seed: seed).hash
      var position = geometry.home(hash)
      while !entries[position].isEmpty {
        let entry = entries[position]
        if entry.hash == hash && Int(entry.offset) == reference.offset { return position }
        position = geometry.next(position)
      }
      return nil
    }
  }

  private func keyEquals(_ entry: Entry, _ probe: Probe) -> Bool {
    arena.withUnsafeBytes { arena in
      let stored = arena.baseAddress!.assumingMemoryBound(to: UInt8.self) + Int(entry.offset)
      if PackedID.isPacked(stored[1]) {
        guard let packed = probe.packed, stored[1] == packed.form, Int(stored[0]) == packed.count
        else { return false }
        return withUnsafeBytes(of: packed.words) {
          bytesEqual(stored + 2, $0.baseAddress!, count: packed.count)
        }
      }
      let id = probe.id
      guard Int(stored[0]) | Int(stored[1]) << 8 == id.count else { return false }
      guard let idBase = id.baseAddress else { return true }
      return bytesEqual(stored + 2, idBase, count: id.count)
    }
  }

  private mutating func grow() {
    let old = entries
    geometry = geometry.grown
    entries = [Entry](repeating: Entry(), count: geometry.capacity)
    for entry in old where !entry.isEmpty {
      var position = geometry.home(entry.hash)
      while !entries[position].isEmpty { position = geometry.next(position) }
      entries[position] = entry
    }
  }

  /// An id about to be looked up or stored: its hash, and its packed form when it has one
  /// (`PackedID`), each computed once however many entries the probe meets.
  private struct Probe {
    let id: UnsafeBufferPointer<UInt8>
    let packed: PackedID?
    let hash: UInt32

    /// A hash of the namespace and the id: a packed id's two words (the same id always packs
    /// the same way), any other id's bytes eight at a time; multiply-xorshift mixing
    /// (in the manner of wyhash/Murmur finalisers), folded to 32 bits.
    init(_ id: UnsafeBufferPointer<UInt8>, namespace: IdentityNamespace, seed: UInt64) {
      self.id = id
      packed = PackedID(id)
      let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15
      var hash = seed ^ (UInt64(namespace.rawValue) &+ 1) &* multiplier ^ UInt64(id.count)
      if let packed {
        hash = mixBits(mixBits(hash ^ packed.words.0) ^ packed.words.1)
      } else {
        hash = mixBytes(UnsafeRawBufferPointer(id), into: hash)
      }
      let mixed = mixBits(hash)
      self.hash = UInt32(truncatingIfNeeded: mixed ^ (mixed >> 32))
    }
  }
}
