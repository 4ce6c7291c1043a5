/// What delivery remembers about each person (normalised email) between their writes: the
/// values it upserted, so that a write that would change nothing is skipped (`unchanged`); how
/// new each of them was (the identity store's sequence number of the trait it came from), so
/// that no later write carries an older value for the same attribute (`removeOutdated`); and
/// the record id Attio named, so that merge mode reads the record by id (`GET`) instead of
/// querying for the email.
///
/// Bounded like the identity store: at most `capacity` people, the least recently used
/// forgotten first (counted in `evictions`), so a stream of ever new people neither grows the
/// memory nor the `--state` file without limit. Forgetting costs one extra request later (a
/// write that could have been skipped, a query instead of a `GET`), never a wrong write — except
/// that a forgotten person's next write is no longer checked for values older than what was
/// written (`removeOutdated`), which only two unjoined profiles of one person can send.
///
/// Compact on purpose (a million people are normal): one slot per person holding the email and
/// one byte buffer — the record id, then per attribute a 64-bit hash of its slug, one of its
/// value's JSON text and the value's sequence number. Hashes rather than the values themselves:
/// the values are only ever compared for equality, and two different values share a hash with
/// odds of about 2⁻⁶⁴ per comparison (FNV-1a over the bytes and their length), which would
/// report one write `unchanged` that was not.
package struct PersonMemory: Sendable {
  static let defaultCapacity = 1_000_000

  private struct Slot: Sendable {
    var email: String
    /// u8 id length, the id's UTF-8 (empty: none), then (slug hash, value hash, sequence) u64
    /// triples. A value hash of 0 is a value forgotten (`forgetValues`) whose sequence is kept.
    var packed: [UInt8]
    var older: Int32
    var newer: Int32
  }

  let capacity: Int
  private var slots: [Slot] = []
  private var index: [String: Int32] = [:]
  private var vacant: [Int32] = []
  private var newest: Int32 = -1
  private var oldest: Int32 = -1
  /// People forgotten for `capacity`, while running or loading a state.
  private(set) var evictions = 0

  init(capacity: Int = PersonMemory.defaultCapacity) {
    self.capacity = max(1, capacity)
  }

  var count: Int { index.count }

  // MARK: - Upserted values

  /// Whether writing `request` would change nothing this memory holds for its email: every
  /// attribute was already upserted with exactly this value.
  mutating func changesNothing(_ request: UpsertRequest) -> Bool {
    guard let slot = use(request.email) else { return false }
    let packed = slots[Int(slot)].packed
    return request.attributes.allSatisfy { attribute in
      guard let offset = Self.offset(in: packed, slug: Self.hash(attribute.slug.utf8)) else {
        return false
      }
      let stored = Self.load(packed, at: offset + 8)
      return stored != 0 && stored == Self.hash(attribute.value)
    }
  }

  /// Takes out of `request` every attribute whose value is older (a lower sequence number) than
  /// one already written for the person: a write never puts an older value back over a newer
  /// one. Attributes without a sequence number (0: bodies read by `send`, values the event
  /// itself gives) are kept. Returns how many were taken out.
  @discardableResult
  func removeOutdated(from request: inout UpsertRequest) -> Int {
    guard let slot = index[request.email] else { return 0 }
    let packed = slots[Int(slot)].packed
    let before = request.attributes.count
    request.attributes.removeAll { attribute in
      guard attribute.sequence > 0,
        let offset = Self.offset(in: packed, slug: Self.hash(attribute.slug.utf8))
      else { return false }
      return Self.load(packed, at: offset + 16) > attribute.sequence
    }
    return before - request.attributes.count
  }

  /// `request` was written: its values are what Attio now holds for the person, and no older
  /// value is to be written for their attributes.
  mutating func record(_ request: UpsertRequest) {
    let slot = Int(useOrAdd(request.email))
    var packed = slots[slot].packed
    for attribute in request.attributes {
      Self.set(
        in: &packed, slug: Self.hash(attribute.slug.utf8), value: Self.hash(attribute.value),
        sequence: attribute.sequence)
    }
    slots[slot].packed = packed
  }

  /// What was upserted for `email` no longer says what the record holds (a write that timed
  /// out may land at any moment; another address's write changed the record): the next write
  /// is sent whatever it carries. The record id stays, and so do the sequence numbers (an older
  /// value is still not to be written).
  package mutating func forgetValues(of email: String) {
    guard let slot = index[email] else { return }
    var packed = slots[Int(slot)].packed
    var offset = 1 + Int(packed[0])
    while offset < packed.count {
      Self.store(0, in: &packed, at: offset + 8)
      offset += Self.entrySize
    }
    slots[Int(slot)].packed = packed
  }

  // MARK: - Record ids

  /// The record Attio named for `email`, if any is remembered.
  mutating func recordId(of email: String) -> String? {
    guard let slot = use(email) else { return nil }
    let packed = slots[Int(slot)].packed
    let length = Int(packed[0])
    guard length > 0 else { return nil }
    return String(decoding: packed[1...length], as: UTF8.self)
  }

  /// Attio named `recordId` as the person holding `email`. Ids longer than 255 bytes (Attio's
  /// are 36) are not kept.
  mutating func learn(recordId: String, for email: String) {
    let id = Array(recordId.utf8)
    guard id.count <= 255 else { return }
    let slot = Int(useOrAdd(email))
    let packed = slots[Int(slot)].packed
    slots[slot].packed = [UInt8(id.count)] + id + packed[(1 + Int(packed[0]))...]
  }

  /// `recordId` is gone (deleted, or merged into another record): no email keeps it.
  mutating func forget(recordId: String, for emails: [String]) {
    for email in emails {
      guard let slot = index[email] else { continue }
      let packed = slots[Int(slot)].packed
      let length = Int(packed[0])
      guard length > 0, packed[1...length].elementsEqual(recordId.utf8) else { continue }
      slots[Int(slot)].packed = [0] + packed[(1 + length)...]
    }
  }

  // MARK: - State

  /// What the memory holds for one attribute of a person.
  struct Entry: Equatable, Sendable {
    var slug: UInt64
    /// 0: forgotten (`forgetValues`).
    var value: UInt64
    var sequence: UInt64 = 0
  }

  /// Every person, least recently used first, as the state file keeps them: the record id
  /// (empty: none) and the attributes' entries.
  func forEachOldestFirst(_ body: (String, String, [Entry]) -> Void) {
    var slot = oldest
    while slot >= 0 {
      let entry = slots[Int(slot)]
      let length = Int(entry.packed[0])
      let id = String(decoding: entry.packed[1..<(1 + length)], as: UTF8.self)
      var entries: [Entry] = []
      var offset = 1 + length
      while offset < entry.packed.count {
        entries.append(
          Entry(
            slug: Self.load(entry.packed, at: offset),
            value: Self.load(entry.packed, at: offset + 8),
            sequence: Self.load(entry.packed, at: offset + 16)))
        offset += Self.entrySize
      }
      body(entry.email, id, entries)
      slot = entry.newer
    }
  }

  /// Restores one person from the state file as the most recently used (call oldest first).
  mutating func restore(email: String, recordId: String, entries: [Entry]) {
    if !recordId.isEmpty { learn(recordId: recordId, for: email) }
    let slot = Int(useOrAdd(email))
    var packed = slots[slot].packed
    for entry in entries {
      Self.set(in: &packed, slug: entry.slug, value: entry.value, sequence: entry.sequence)
    }
    slots[slot].packed = packed
  }

  /// Restores what a version 1 or 2 state file kept: the values themselves.
  mutating func restore(email: String, values: [String: [UInt8]]) {
    restore(
      email: email, recordId: "",
      entries: values.sorted { $0.key < $1.key }.map {
        Entry(slug: Self.hash($0.key.utf8), value: Self.hash($0.value))
      })
  }

  // MARK: - The LRU list

  /// Marks `email` most recently used; nil when it is not remembered.
  private mutating func use(_ email: String) -> Int32? {
    guard let slot = index[email] else { return nil }
    moveToNewest(slot)
    return slot
  }

  private mutating func useOrAdd(_ email: String) -> Int32 {
    if let slot = use(email) { return slot }
    if index.count >= capacity, oldest >= 0 {
      let victim = oldest
      unlink(victim)
      index[slots[Int(victim)].email] = nil
      slots[Int(victim)].email = ""
      slots[Int(victim)].packed = []
      vacant.append(victim)
      evictions += 1
    }
    let entry = Slot(email: email, packed: [0], older: -1, newer: -1)
    let slot: Int32
    if let reused = vacant.popLast() {
      slot = reused
      slots[Int(slot)] = entry
    } else {
      slot = Int32(slots.count)
      slots.append(entry)
    }
    index[email] = slot
    linkNewest(slot)
    return slot
  }

  private mutating func moveToNewest(_ slot: Int32) {
    guard slot != newest else { return }
    unlink(slot)
    linkNewest(slot)
  }

  private mutating func unlink(_ slot: Int32) {
    let older = slots[Int(slot)].older
    let newer = slots[Int(slot)].newer
    if older >= 0 { slots[Int(older)].newer = newer } else { oldest = newer }
    if newer >= 0 { slots[Int(newer)].older = older } else { newest = older }
    slots[Int(slot)].older = -1
    slots[Int(slot)].newer = -1
  }

  private mutating func linkNewest(_ slot: Int32) {
    slots[Int(slot)].older = newest
    slots[Int(slot)].newer = -1
    if newest >= 0 { slots[Int(newest)].newer = slot } else { oldest = slot }
    newest = slot
  }

  // MARK: - Packed pairs

  /// FNV-1a (64-bit) of the bytes, then of their length: the state file keeps these, so they
  /// must not change between versions.
  static func hash(_ bytes: some Sequence<UInt8>) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    var count: UInt64 = 0
    for byte in bytes {
      hash ^= UInt64(byte)
      hash &*= 0x100_0000_01b3
      count &+= 1
    }
    for shift in stride(from: 0, to: 64, by: 8) {
      hash ^= (count >> UInt64(shift)) & 0xff
      hash &*= 0x100_0000_01b3
    }
    return hash
  }

  /// Bytes per attribute: slug hash, value hash, sequence.
  private static let entrySize = 24

  /// Where the attribute's entry starts.
  private static func offset(in packed: [UInt8], slug: UInt64) -> Int? {
    var offset = 1 + Int(packed[0])
    while offset < packed.count {
      if load(packed, at: offset) == slug { return offset }
      offset += entrySize
    }
    return nil
  }

  /// Sets the attribute's value hash; its sequence only ever grows.
  private static func set(
    in packed: inout [UInt8], slug: UInt64, value: UInt64, sequence: UInt64
  ) {
    if let offset = offset(in: packed, slug: slug) {
      store(value, in: &packed, at: offset + 8)
      store(max(sequence, load(packed, at: offset + 16)), in: &packed, at: offset + 16)
      return
    }
    let offset = packed.count
    packed.append(contentsOf: repeatElement(0, count: entrySize))
    store(slug, in: &packed, at: offset)
    store(value, in: &packed, at: offset + 8)
    store(sequence, in: &packed, at: offset + 16)
  }

  private static func load(_ packed: [UInt8], at offset: Int) -> UInt64 {
    var value: UInt64 = 0
    for byte in 0..<8 { value |= UInt64(packed[offset + byte]) << (8 * UInt64(byte)) }
    return value
  }

  private static func store(_ value: UInt64, in packed: inout [UInt8], at offset: Int) {
    for byte in 0..<8 {
      packed[offset + byte] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(byte)))
    }
  }
}
