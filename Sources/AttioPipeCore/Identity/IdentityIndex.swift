// Design: an open-addressing hash table from (namespace, id bytes) to a profile slot, built for
// the per-event look-up. Swift's Dictionary keyed by String costs, per event, an allocation for
// the id, SipHash, and a retain of every key compared on the probe path (each a cache miss);
// this table hashes the bytes straight from the input line and compares stored 64-bit hashes
// before touching any key bytes, so a look-up allocates nothing and usually touches one cache
// line.
//
// - Entries: linear probing, power-of-two capacity, load factor at most 3/4, backward-shift
//   deletion (no tombstones). 12 bytes each: at a million visitors the table is a tenth of the
//   memory, and growing it briefly holds the old and the new table at once.
// - Key bytes live in one append-only arena, each after a 2-byte length; an entry holds their
//   offset (the length is read beside the bytes, which a comparison touches anyway). Removed
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
  private var mask: Int
  private(set) var arena: [UInt8] = []
  private(set) var count = 0
  /// Bytes of the arena still referenced by an entry.
  private(set) var liveBytes = 0
  private let seed: UInt64

  init(minimumCapacity: Int = 1024, seed: UInt64 = UInt64.random(in: .min ... .max)) {
    var capacity = 16
    while capacity * 3 < minimumCapacity * 4 { capacity <<= 1 }
    entries = [Entry](repeating: Entry(), count: capacity)
    mask = capacity - 1
    self.seed = seed
  }

  /// Garbage (removed keys' bytes) in the arena.
  var garbageBytes: Int { arena.count - liveBytes }

  func profile(
    _ namespace: IdentityNamespace, _ id: UnsafeBufferPointer<UInt8>
  ) -> Int32? {
    let probe = Probe(id, namespace: namespace, seed: seed)
    var position = Int(truncatingIfNeeded: probe.hash) & mask
    while true {
      let entry = entries[position]
      if entry.isEmpty { return nil }
      if entry.hash == probe.hash && keyEquals(entry, probe) { return entry.profile }
      position = (position + 1) & mask
    }
  }

  /// Where a stored key's bytes are, if it is stored.
  func reference(_ namespace: IdentityNamespace, _ id: UnsafeBufferPointer<UInt8>)
    -> IdentityKeyReference?
  {
    let probe = Probe(id, namespace: namespace, seed: seed)
    var position = Int(truncatingIfNeeded: probe.hash) & mask
    while true {
      let entry = entries[position]
      if entry.isEmpty { return nil }
      if entry.hash == probe.hash && keyEquals(entry, probe) {
        return IdentityKeyReference(offset: Int(entry.offset), namespace: namespace)
      }
      position = (position + 1) & mask
    }
  }

  /// Points the key at `profile`, adding it when new; returns where its bytes are stored.
  @discardableResult
  mutating func set(
    _ namespace: IdentityNamespace, _ id: UnsafeBufferPointer<UInt8>, to profile: Int32
  ) -> IdentityKeyReference {
    let probe = Probe(id, namespace: namespace, seed: seed)
    let hash = probe.hash
    var position = Int(truncatingIfNeeded: hash) & mask
    while !entries[position].isEmpty {
      if entries[position].hash == hash && keyEquals(entries[position], probe) {
        entries[position].profile = profile
        return IdentityKeyReference(
          offset: Int(entries[position].offset), namespace: namespace)
      }
      position = (position + 1) & mask
    }
    let offset = arena.count
    if let packed = probe.packed {
      arena.append(0x10)
      arena.append(0x80)
      withUnsafeBytes(of: packed) { arena.append(contentsOf: $0) }
    } else {
      arena.append(UInt8(truncatingIfNeeded: id.count))
      arena.append(UInt8(truncatingIfNeeded: id.count >> 8))
      arena.append(contentsOf: id)
    }
    entries[position] = Entry(hash: hash, offset: UInt32(offset), profile: profile)
    count += 1
    liveBytes += arena.count - offset
    if count * 4 > entries.count * 3 { grow() }
    return IdentityKeyReference(offset: offset, namespace: namespace)
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
    var next = (hole + 1) & mask
    while !entries[next].isEmpty {
      let home = Int(truncatingIfNeeded: entries[next].hash) & mask
      let distanceFromHome = (next - home) & mask
      let distanceToHole = (next - hole) & mask
      if distanceFromHome >= distanceToHole {
        entries[hole] = entries[next]
        hole = next
      }
      next = (next + 1) & mask
    }
    entries[hole] = Entry()
  }

  /// The id bytes of a stored key.
  func withBytes<Result>(
    of reference: IdentityKeyReference, _ body: (UnsafeBufferPointer<UInt8>) -> Result
  ) -> Result {
    arena.withUnsafeBufferPointer { arena in
      let start = reference.offset + 2
      let stored = UnsafeBufferPointer(
        rebasing: arena[start..<start + storedLength(at: reference.offset)])
      guard isPacked(at: reference.offset) else { return body(stored) }
      return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 36) { text in
        Self.unpackUUID(UnsafeRawBufferPointer(stored), into: text)
        return body(UnsafeBufferPointer(text))
      }
    }
  }

  /// The length of the bytes stored after a key's 2-byte header.
  @inline(__always)
  private func storedLength(at offset: Int) -> Int {
    Int(arena[offset]) | Int(arena[offset + 1] & 0x7F) << 8
  }

  @inline(__always)
  private func isPacked(at offset: Int) -> Bool { arena[offset + 1] & 0x80 != 0 }

  // MARK: - UUIDs
  //
  // Most anonymous ids are UUIDs written as 36 lower-case characters (analytics.js); they are
  // stored as their 16 bytes (header bit 0x8000), which saves a fifth of the memory of a
  // million visitors. Any other spelling (upper case, braces) is stored as written, so every
  // id still names exactly itself.

  /// The 16 bytes of a canonical lower-case UUID, or nil for any other id. Every look-up of a
  /// 36-byte id asks, so the hex digits are read eight at a time (`hexDigits`).
  @inline(__always)
  static func packedUUID(_ id: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64)? {
    guard id.count == 36, let base = id.baseAddress else { return nil }
    let dash = UInt8(ascii: "-")
    guard base[8] == dash, base[13] == dash, base[18] == dash, base[23] == dash else {
      return nil
    }
    let raw = UnsafeRawPointer(base)
    func word(_ offset: Int) -> UInt64 {
      UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
    func halves(_ first: Int, _ second: Int) -> UInt64 {
      let low = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: first, as: UInt32.self))
      let high = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: second, as: UInt32.self))
      return UInt64(low) | UInt64(high) << 32
    }
    // 8-4-4-4-12 digits: 0..<8, then 9..<13 with 14..<18, 19..<23 with 24..<28, then 28..<36.
    let (a, aValid) = hexDigits(word(0))
    let (b, bValid) = hexDigits(halves(9, 14))
    let (c, cValid) = hexDigits(halves(19, 24))
    let (d, dValid) = hexDigits(word(28))
    guard aValid && bValid && cValid && dValid else { return nil }
    return (UInt64(a) << 32 | UInt64(b), UInt64(c) << 32 | UInt64(d))
  }

  /// Eight lower-case hex digits (the first in the lowest byte) as a 32-bit number, the first
  /// digit most significant; false when any byte is not `0-9a-f`. Branch-free, on all eight
  /// bytes at once (SWAR).
  @inline(__always)
  static func hexDigits(_ word: UInt64) -> (UInt32, Bool) {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let highBits: UInt64 = 0x8080_8080_8080_8080
    // With every byte below 0x80, adding (0x80 - k) to each byte sets its high bit exactly
    // when the byte is at least k, and no byte carries into the next.
    let ascii = word & highBits == 0
    let atLeast0 = (word &+ ones &* (0x80 - 0x30)) & highBits
    let above9 = (word &+ ones &* (0x80 - 0x3A)) & highBits
    let atLeastA = (word &+ ones &* (0x80 - 0x61)) & highBits
    let aboveF = (word &+ ones &* (0x80 - 0x67)) & highBits
    let digit = atLeast0 & ~above9
    let letter = atLeastA & ~aboveF
    let valid = ascii && (digit | letter) == highBits
    // '0'...'9' are 0x30...0x39, 'a'...'f' are 0x61...0x66: the low nibble, plus 9 for letters.
    var nibbles = (word & (ones &* 0x0F)) &+ (letter >> 7) &* 9
    // Pairs of digits into bytes (first digit high), then the four bytes in reading order.
    nibbles = ((nibbles & 0x00FF_00FF_00FF_00FF) << 4) | ((nibbles >> 8) & 0x00FF_00FF_00FF_00FF)
    let value =
      UInt32(truncatingIfNeeded: nibbles & 0xFF) << 24
      | UInt32(truncatingIfNeeded: (nibbles >> 16) & 0xFF) << 16
      | UInt32(truncatingIfNeeded: (nibbles >> 32) & 0xFF) << 8
      | UInt32(truncatingIfNeeded: (nibbles >> 48) & 0xFF)
    return (value, valid)
  }

  private static func unpackUUID(
    _ packed: UnsafeRawBufferPointer, into text: UnsafeMutableBufferPointer<UInt8>
  ) {
    let words = (
      packed.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
      packed.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
    )
    let digits: StaticString = "0123456789abcdef"
    var nibble = 0
    for index in 0..<36 {
      if index == 8 || index == 13 || index == 18 || index == 23 {
        text[index] = UInt8(ascii: "-")
        continue
      }
      let word = nibble < 16 ? words.0 : words.1
      let shift = UInt64(60 - 4 * (nibble % 16))
      text[index] = digits.utf8Start[Int((word >> shift) & 0xF)]
      nibble += 1
    }
  }

  // MARK: - Internals

  private func position(of reference: IdentityKeyReference) -> Int? {
    withBytes(of: reference) { id in
      let hash = Probe(id, namespace: reference.namespace, seed: seed).hash
      var position = Int(truncatingIfNeeded: hash) & mask
      while !entries[position].isEmpty {
        let entry = entries[position]
        if entry.hash == hash && Int(entry.offset) == reference.offset { return position }
        position = (position + 1) & mask
      }
      return nil
    }
  }

  private func keyEquals(_ entry: Entry, _ probe: Probe) -> Bool {
    arena.withUnsafeBufferPointer { arena in
      let stored = arena.baseAddress! + Int(entry.offset)
      if stored[1] & 0x80 != 0 {
        guard let packed = probe.packed else { return false }
        let raw = UnsafeRawPointer(stored + 2)
        return raw.loadUnaligned(as: UInt64.self) == packed.0
          && raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self) == packed.1
      }
      let id = probe.id
      guard Int(stored[0]) | Int(stored[1]) << 8 == id.count else { return false }
      guard let idBase = id.baseAddress else { return true }
      return bytesEqual(stored + 2, idBase, count: id.count)
    }
  }

  private mutating func grow() {
    let old = entries
    entries = [Entry](repeating: Entry(), count: old.count * 2)
    mask = entries.count - 1
    for entry in old where !entry.isEmpty {
      var position = Int(truncatingIfNeeded: entry.hash) & mask
      while !entries[position].isEmpty { position = (position + 1) & mask }
      entries[position] = entry
    }
  }

  /// An id about to be looked up or stored: its hash, and its packed form when it is a
  /// canonical UUID, each computed once however many entries the probe meets.
  private struct Probe {
    let id: UnsafeBufferPointer<UInt8>
    let packed: (UInt64, UInt64)?
    let hash: UInt32

    /// A hash of the namespace and the id: a UUID's two packed words (the same id always
    /// packs the same way), any other id's bytes eight at a time; multiply-xorshift mixing
    /// (in the manner of wyhash/Murmur finalisers), folded to 32 bits.
    init(_ id: UnsafeBufferPointer<UInt8>, namespace: IdentityNamespace, seed: UInt64) {
      self.id = id
      packed = IdentityIndex.packedUUID(id)
      let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15
      var hash = seed ^ (UInt64(namespace.rawValue) &+ 1) &* multiplier ^ UInt64(id.count)
      if let packed {
        hash = mixBits(mixBits(hash ^ packed.0) ^ packed.1)
      } else {
        hash = mixBytes(UnsafeRawBufferPointer(id), into: hash)
      }
      let mixed = mixBits(hash)
      self.hash = UInt32(truncatingIfNeeded: mixed ^ (mixed >> 32))
    }
  }
}
