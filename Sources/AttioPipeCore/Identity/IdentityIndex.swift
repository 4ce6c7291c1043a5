// Design: an open-addressing hash table from (namespace, id bytes) to a profile slot, built for
// the per-event look-up. Swift's Dictionary keyed by String costs, per event, an allocation for
// the id, SipHash, and a retain of every key compared on the probe path (each a cache miss);
// this table hashes the bytes straight from the input line and compares stored 32-bit hashes
// before touching any key bytes, so a look-up allocates nothing and usually touches one cache
// line.
//
// - Entries: linear probing, load factor between 1/2 and 3/4 (`ProbeGeometry`: any capacity,
//   grown by half), backward-shift deletion (no tombstones). 8 bytes each: the id's hash and
//   the profile's slot.
// - The ids' bytes are not here: each is in the profile it names (an id record, Profile.swift),
//   packed by shape where it can be (`PackedID`). A matching hash is confirmed against the ids
//   of the profile the entry names, which the event reads next anyway. (Before: an arena of
//   ids beside the table, 12-byte entries pointing into it and a 5-byte record in the profile
//   pointing back, about 38 bytes an id at a million; now about 27, and no garbage to compact.)
// - Two entries with one hash naming one profile are interchangeable (the profile holds both
//   ids), so re-pointing or removing a profile's id needs its hash and the profile, never a
//   comparison of bytes: a profile's ids can be moved before its records are.
// - The hash is seeded per process, so crafted ids cannot be aimed at one probe chain.

struct IdentityIndex: Sendable {
  /// 8 bytes: a million visitors' one or two ids each fit in 16 MB of table.
  private struct Entry: Sendable {
    var hash: UInt32 = 0
    /// -1 marks an empty slot.
    var profile: Int32 = -1

    var isEmpty: Bool { profile < 0 }
  }

  /// Ids longer than this are not remembered (a real id is a few dozen bytes; the bound keeps
  /// one hostile id from filling the profiles).
  static let maximumIdLength = 1024

  private var entries: [Entry]
  private var geometry: ProbeGeometry
  private(set) var count = 0
  private let seed: UInt64

  init(minimumCapacity: Int = 1024, seed: UInt64 = UInt64.random(in: .min ... .max)) {
    geometry = ProbeGeometry(holding: minimumCapacity)
    entries = [Entry](repeating: Entry(), count: geometry.capacity)
    self.seed = seed
  }

  /// The profile that holds `id`, among the profiles of `heap`.
  func profile(
    _ namespace: IdentityNamespace, _ id: UnsafeBufferPointer<UInt8>, in heap: ProfileHeap
  ) -> Int32? {
    lookUp(namespace, id, in: heap).profile
  }

  /// The profile that holds `id`, and the id's hash: what `insert(hash:to:)` takes when it is
  /// new, so that a new id is hashed (and packed) once, not twice.
  func lookUp(
    _ namespace: IdentityNamespace, _ id: UnsafeBufferPointer<UInt8>, in heap: ProfileHeap
  ) -> (profile: Int32?, hash: UInt32) {
    let probe = Probe(id, namespace: namespace, seed: seed)
    var position = geometry.home(probe.hash)
    while true {
      let entry = entries[position]
      if entry.isEmpty { return (nil, probe.hash) }
      if entry.hash == probe.hash && Self.holds(heap.view(entry.profile), namespace, probe) {
        return (entry.profile, probe.hash)
      }
      position = geometry.next(position)
    }
  }

  /// Adds an id that no profile holds (looked up first), naming `profile`, which holds it or
  /// is about to.
  mutating func insert(
    _ namespace: IdentityNamespace, _ id: UnsafeBufferPointer<UInt8>, to profile: Int32
  ) {
    insert(hash: Probe(id, namespace: namespace, seed: seed).hash, to: profile)
  }

  /// `insert(_:_:to:)` with the hash `lookUp` gave.
  mutating func insert(hash: UInt32, to profile: Int32) {
    var position = geometry.home(hash)
    while !entries[position].isEmpty { position = geometry.next(position) }
    entries[position] = Entry(hash: hash, profile: profile)
    count += 1
    if count > geometry.limit { grow() }
  }

  /// Points `key`, an id of profile `from`, at profile `to`.
  mutating func repoint(_ key: StoredKey, from: Int32, to: Int32) {
    guard let position = position(of: key, in: from) else { return }
    entries[position].profile = to
  }

  /// Forgets `key`, an id of `profile`.
  mutating func remove(_ key: StoredKey, of profile: Int32) {
    guard var hole = position(of: key, in: profile) else { return }
    count -= 1
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

  // MARK: - Internals

  private func position(of key: StoredKey, in profile: Int32) -> Int? {
    let hash = key.withText { Probe($0, namespace: key.namespace, seed: seed).hash }
    var position = geometry.home(hash)
    while !entries[position].isEmpty {
      let entry = entries[position]
      if entry.hash == hash && entry.profile == profile { return position }
      position = geometry.next(position)
    }
    return nil
  }

  /// Whether the profile holds the probe's id.
  private static func holds(_ view: ProfileView, _ namespace: IdentityNamespace, _ probe: Probe)
    -> Bool
  {
    var cursor = ProfileRecords(view.records, pool: view.pool)
    while let record = cursor.next() {
      guard case .key(let key) = record, key.namespace == namespace else { continue }
      if equals(key, probe) { return true }
    }
    return false
  }

  private static func equals(_ key: StoredKey, _ probe: Probe) -> Bool {
    let stored = key.bytes.baseAddress! + StoredKey.headerSize
    let length = StoredKey.storedLength(key.bytes, at: 0)
    if PackedID.isPacked(key.bytes[1]) {
      guard let packed = probe.packed, key.bytes[1] == packed.form, length == packed.count
      else { return false }
      return withUnsafeBytes(of: packed.words) {
        bytesEqual(stored, $0.baseAddress!, count: packed.count)
      }
    }
    let id = probe.id
    guard length == id.count else { return false }
    guard let idBase = id.baseAddress else { return true }
    return bytesEqual(stored, idBase, count: id.count)
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
