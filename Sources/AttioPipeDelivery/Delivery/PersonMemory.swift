import AttioPipeCore

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
/// Per attribute it keeps the slug (as a 2-byte number in a table of the slugs' 64-bit hashes),
/// a 64-bit hash of the value's JSON text and the value's sequence number. Hashes rather than
/// the values themselves: the values are only ever compared for equality, and two different
/// values share a hash with odds of about 2⁻⁶⁴ per comparison (FNV-1a over the bytes and their
/// length), which would report one write `unchanged` that was not.
///
/// Compact on purpose: a million people are normal, and this sits beside the identity store's
/// million profiles. A `String`, an `Array` and a `Dictionary` entry per person cost about 350
/// bytes each (massif, 50 000 people: allocation headers, capacity, a hash-table entry with a
/// 16-byte key), so instead, about 100 bytes for a 25-byte email and four attributes:
///
/// - `slots`: 32 bytes per person, fixed: where their record is, the record id (Attio's are
///   UUIDs: 16 bytes; `RecordID.pack`), the LRU links and the email's hash.
/// - `records`: one `ByteArena` holding each person's variable part, one after another, each
///   at an even offset (a slot names it in 2-byte units, 4 bytes reach 8 GiB): a flags byte
///   (the record id's form, how it keeps sequence numbers, the domain pooled or not, garbage or
///   not), the email (length, bytes; or the local part and a 3-byte reference to its domain in
///   `domains`), the number of attributes and per attribute the slug number (u16) and the value
///   hash (u64). Sequence numbers are u32, or u64 in a record whose flag says so once one needs
///   it; one per attribute, or, when every attribute's is 0 or the same number (one identify
///   set them all, the email's is 0), that number once and a bit per attribute for the 0s. A
///   record that must change size where it cannot (not the last one) is written again at the
///   end and its old copy becomes garbage, which `compact` slides away once it is a fifth of
///   the arena.
/// - `slugHashes`: the attributes' slugs, numbered as they are first seen. Deliver writes the
///   few attributes its options name, so the table stays small; `send` reads bodies whose slugs
///   nothing bounds, so past 32 768 slugs a new one is not remembered: its write is never
///   skipped as unchanged (and its sequence, always 0 from `send`, checks nothing anyway).
/// - `index`: open addressing from the email's hash to its slot number, 4 bytes a bucket, at
///   between half and three quarters full (`ProbeGeometry`), compared against the email in the
///   arena; its hash is seeded per process, so crafted addresses cannot be aimed at one probe
///   chain.
package struct PersonMemory: Sendable {
  static let defaultCapacity = 1_000_000

  /// How a slot holds its record id (in its record's flags).
  private enum IDForm: UInt8, Sendable {
    case none
    /// In `Slot.id`: a canonical lower-case UUID, as Attio writes them.
    case packed
    /// In `textIds`: anything else (tests, upper case): kept exactly as given.
    case text
  }

  /// What is kept per person at a fixed size (32 bytes).
  private struct Slot: Sendable {
    /// Where the person's record starts in `records`, in `recordUnit`s; `noRecord` while it has
    /// none.
    var record: UInt32
    /// The email's hash: the index grows and deletes by it without reading the arena.
    var hash: UInt32
    var older: Int32 = -1
    var newer: Int32 = -1
    var id = RecordID.Packed(high: 0, low: 0)
  }

  /// One record's parts, read from its header.
  private struct Layout {
    var start: Int
    var isWide: Bool
    /// The email is stored as its local part and a 3-byte reference into `domains`.
    var isDomainPooled: Bool
    /// Where the stored email is, and how many bytes it takes there.
    var email: Int
    var emailCount: Int
    /// Where the attribute count is, and its width (a LEB128 number).
    var countAt: Int
    var countWidth: Int
    var entryCount: Int
    var entries: Int

    var isShared: Bool
    var entrySize: Int { PersonMemory.entrySize(wide: isWide, shared: isShared) }
    /// Where a record that shares one sequence number keeps it.
    var sharedSequence: Int { countAt + countWidth }
    var end: Int { entries + entryCount * entrySize }
    /// The bytes the record takes in the arena: up to the next even offset.
    var footprint: Int { PersonMemory.rounded(end - start) }
    func entry(_ number: Int) -> Int { entries + number * entrySize }
  }

  let capacity: Int
  private var slots: [Slot] = []
  /// Slot numbers by the email's hash (-1: empty); a power of two long.
  private var index: [Int32]
  private var geometry = ProbeGeometry(capacity: 16)
  private var records = ByteArena()
  /// Bytes of `records` that belong to a remembered person: the rest is garbage.
  private var liveBytes = 0
  /// Record ids that do not pack into 16 bytes, by slot.
  private var textIds: [Int32: String] = [:]
  /// The emails' domains, kept once (`ValuePool`: pooled the second time one is seen, append
  /// only, at most 16 MiB, after which new domains stay in the records); copied on write.
  private var domains: ValuePool
  /// The slugs' hashes by their number in the records.
  private var slugHashes: [UInt64] = []
  private var slugNumbers: [UInt64: UInt16] = [:]
  private var newest: Int32 = -1
  private var oldest: Int32 = -1
  private(set) var count = 0
  /// People forgotten for `capacity`, while running or loading a state.
  private(set) var evictions = 0
  private let seed: UInt64
  /// Garbage below this is never worth a compaction (tests lower it to see compactions).
  private let compactionFloor: Int
  /// How many slugs get a number (tests lower it to fill the table).
  private let slugLimit: Int

  init(capacity: Int = PersonMemory.defaultCapacity) {
    self.init(capacity: capacity, seed: UInt64.random(in: .min ... .max))
  }

  init(
    capacity: Int, seed: UInt64, compactionFloor: Int = 65_536,
    slugLimit: Int = Int(numberMask) + 1
  ) {
    self.capacity = max(1, capacity)
    self.seed = seed
    self.compactionFloor = compactionFloor
    self.slugLimit = min(slugLimit, Int(Self.numberMask) + 1)
    domains = ValuePool(seed: seed)
    index = [Int32](repeating: -1, count: 16)
  }

  /// Bytes of the tables in use (garbage in the arena included, spare capacity and the domain
  /// pool's fixed tables not), for the tests that keep a person's cost in check.
  var heldBytes: Int {
    slots.count * MemoryLayout<Slot>.stride + index.count * 4 + records.count
      + textIds.count * (MemoryLayout<Int32>.stride + MemoryLayout<String>.stride)
      + slugHashes.count * (8 + MemoryLayout<UInt64>.stride + MemoryLayout<UInt16>.stride)
      + domains.valueBytes
  }

  // MARK: - Upserted values

  /// Whether writing `request` would change nothing this memory holds for its email: every
  /// attribute was already upserted with exactly this value.
  mutating func changesNothing(_ request: UpsertRequest) -> Bool {
    guard let slot = use(request.email) else { return false }
    let layout = recordLayout(of: slot)
    return request.attributes.allSatisfy { attribute in
      guard let entry = findEntry(Self.hash(attribute.slug.utf8), in: layout) else { return false }
      let stored = records.load(UInt64.self, at: entry + Self.valueField)
      return stored != 0 && stored == Self.hash(attribute.value)
    }
  }

  /// Takes out of `request` every attribute whose value is older (a lower sequence number) than
  /// one already written for the person: a write never puts an older value back over a newer
  /// one. Attributes without a sequence number (0: bodies read by `send`, values the event
  /// itself gives) are kept. Returns how many were taken out.
  @discardableResult
  func removeOutdated(from request: inout UpsertRequest) -> Int {
    guard let slot = find(request.email) else { return 0 }
    let layout = recordLayout(of: slot)
    let before = request.attributes.count
    request.attributes.removeAll { attribute in
      guard attribute.sequence > 0,
        let entry = findEntry(Self.hash(attribute.slug.utf8), in: layout)
      else { return false }
      return loadSequence(at: entry, in: layout) > attribute.sequence
    }
    return before - request.attributes.count
  }

  /// `request` was written: its values are what Attio now holds for the person, and no older
  /// value is to be written for their attributes.
  mutating func record(_ request: UpsertRequest) {
    let slot = useOrAdd(request.email)
    set(slot, count: request.attributes.count) {
      let attribute = request.attributes[$0]
      return (Self.hash(attribute.slug.utf8), Self.hash(attribute.value), attribute.sequence)
    }
  }

  /// What was upserted for `email` no longer says what the record holds (a write that timed
  /// out may land at any moment; another address's write changed the record): the next write
  /// is sent whatever it carries. The record id stays, and so do the sequence numbers (an older
  /// value is still not to be written).
  package mutating func forgetValues(of email: String) {
    guard let slot = find(email) else { return }
    let layout = recordLayout(of: slot)
    for number in 0..<layout.entryCount {
      records.store(UInt64(0), at: layout.entry(number) + Self.valueField)
    }
  }

  // MARK: - Record ids

  /// The record Attio named for `email`, if any is remembered.
  mutating func recordId(of email: String) -> String? {
    guard let slot = use(email) else { return nil }
    return recordId(of: slot)
  }

  /// Attio named `recordId` as the person holding `email`. Ids longer than 255 bytes (Attio's
  /// are 36) are not kept.
  mutating func learn(recordId: String, for email: String) {
    guard recordId.utf8.count <= 255 else { return }
    let slot = useOrAdd(email)
    if idForm(of: slot) == .text { textIds[slot] = nil }
    if recordId.isEmpty {
      setIDForm(.none, of: slot)
    } else if let packed = RecordID.pack(recordId) {
      slots[Int(slot)].id = packed
      setIDForm(.packed, of: slot)
    } else {
      textIds[slot] = recordId
      setIDForm(.text, of: slot)
    }
  }

  /// `recordId` is gone (deleted, or merged into another record): no email keeps it.
  mutating func forget(recordId: String, for emails: [String]) {
    for email in emails {
      guard let slot = find(email) else { continue }
      let holds: Bool
      switch idForm(of: slot) {
      case .none: holds = false
      case .packed: holds = RecordID.pack(recordId) == slots[Int(slot)].id
      case .text: holds = textIds[slot]?.utf8.elementsEqual(recordId.utf8) ?? false
      }
      guard holds else { continue }
      forgetId(of: slot)
    }
  }

  private func recordId(of slot: Int32) -> String? {
    switch idForm(of: slot) {
    case .none: nil
    case .packed: RecordID.text(slots[Int(slot)].id)
    case .text: textIds[slot]
    }
  }

  private mutating func forgetId(of slot: Int32) {
    if idForm(of: slot) == .text { textIds[slot] = nil }
    setIDForm(.none, of: slot)
  }

  private func idForm(of slot: Int32) -> IDForm {
    IDForm(
      rawValue: records.load(UInt8.self, at: recordStart(of: slot) + Self.flagsField)
        >> Self.idFormShift & Self.idFormMask)
      ?? .none
  }

  private mutating func setIDForm(_ form: IDForm, of slot: Int32) {
    let flags = recordStart(of: slot) + Self.flagsField
    let kept = records.load(UInt8.self, at: flags) & ~(Self.idFormMask << Self.idFormShift)
    records.store(kept | form.rawValue << Self.idFormShift, at: flags)
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
      let layout = recordLayout(of: slot)
      var entries: [Entry] = []
      entries.reserveCapacity(layout.entryCount)
      for number in 0..<layout.entryCount {
        let entry = layout.entry(number)
        entries.append(
          Entry(
            slug: slugHashes[Int(records.load(UInt16.self, at: entry) & Self.numberMask)],
            value: records.load(UInt64.self, at: entry + Self.valueField),
            sequence: loadSequence(at: entry, in: layout)))
      }
      let email = withEmail(of: layout) { String(decoding: $0, as: UTF8.self) }
      body(email, recordId(of: slot) ?? "", entries)
      slot = slots[Int(slot)].newer
    }
  }

  /// Restores one person from the state file as the most recently used (call oldest first).
  mutating func restore(email: String, recordId: String, entries: [Entry]) {
    if !recordId.isEmpty { learn(recordId: recordId, for: email) }
    let slot = useOrAdd(email)
    set(slot, count: entries.count) { (entries[$0].slug, entries[$0].value, entries[$0].sequence) }
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
    guard let slot = find(email) else { return nil }
    moveToNewest(slot)
    return slot
  }

  private mutating func useOrAdd(_ email: String) -> Int32 {
    Self.withBytes(of: email) { email in
      let hash = Self.hash(email: email, seed: seed)
      if let slot = find(email, hash: hash) {
        moveToNewest(slot)
        return slot
      }
      return add(email, hash: hash)
    }
  }

  /// Adds a person without attributes or record id as the most recently used, forgetting the
  /// least recently used one when the memory is full (its slot is reused).
  private mutating func add(_ email: UnsafeRawBufferPointer, hash: UInt32) -> Int32 {
    let slot: Int32
    if count >= capacity, oldest >= 0 {
      slot = oldest
      unlink(slot)
      removeFromIndex(slot)
      forgetId(of: slot)
      discardRecord(of: slot)
      count -= 1
      evictions += 1
    } else {
      slot = Int32(slots.count)
      slots.append(Slot(record: Self.noRecord, hash: hash))
    }
    let pooled = pooledDomain(of: email)
    let storedCount = pooled.map { $0.localCount + 3 } ?? email.count
    let emailWidth = ByteArena.varintWidth(storedCount)
    let size = Self.rounded(Self.headerSize + emailWidth + storedCount + 1)
    let start = reserve(size)
    let stored = start + Self.headerSize + emailWidth
    records.storeVarint(storedCount, at: start + Self.headerSize)
    if let pooled {
      records.store(Self.pooledDomainFlag, at: start + Self.flagsField)
      records.store(UnsafeRawBufferPointer(rebasing: email[..<pooled.localCount]), at: stored)
      for byte in 0..<3 {
        records.store(
          UInt8(truncatingIfNeeded: pooled.reference >> (8 * byte)),
          at: stored + pooled.localCount + byte)
      }
    } else {
      records.store(email, at: stored)
    }
    // The other flags and the attribute count (0) are the zeros `reserve` wrote.
    liveBytes += size
    slots[Int(slot)] = Slot(record: Self.unitOffset(start), hash: hash)
    insertIntoIndex(slot)
    linkNewest(slot)
    count += 1
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

  // MARK: - The index

  /// The email's bytes without a copy (a native string's UTF-8 is contiguous).
  private static func withBytes<Result>(
    of email: String, _ body: (UnsafeRawBufferPointer) -> Result
  ) -> Result {
    if let result = email.utf8.withContiguousStorageIfAvailable({
      body(UnsafeRawBufferPointer($0))
    }) {
      return result
    }
    var copy = email
    return copy.withUTF8 { body(UnsafeRawBufferPointer($0)) }
  }

  private func find(_ email: String) -> Int32? {
    Self.withBytes(of: email) { find($0, hash: Self.hash(email: $0, seed: seed)) }
  }

  private func find(_ email: UnsafeRawBufferPointer, hash: UInt32) -> Int32? {
    var position = geometry.home(hash)
    while true {
      let slot = index[position]
      if slot < 0 { return nil }
      if slots[Int(slot)].hash == hash && emailEquals(slot, email) { return slot }
      position = geometry.next(position)
    }
  }

  private func emailEquals(_ slot: Int32, _ email: UnsafeRawBufferPointer) -> Bool {
    let layout = recordLayout(of: slot)
    guard layout.isDomainPooled else {
      return layout.emailCount == email.count && records.equals(email, at: layout.email)
    }
    let localCount = layout.emailCount - 3
    let domain = domains.reader.bytes(domainReference(in: layout))
    guard email.count == localCount + 1 + domain.count, email[localCount] == UInt8(ascii: "@"),
      records.equals(UnsafeRawBufferPointer(rebasing: email[..<localCount]), at: layout.email)
    else { return false }
    return domain.elementsEqual(email[(localCount + 1)...])
  }

  // MARK: - Domains

  /// Where `email`'s domain starts (after its last `@`) and its reference in `domains`, when
  /// it is pooled (`ValuePool.reference(for:)`: the second time it is seen, 4 to 64 bytes).
  private mutating func pooledDomain(
    of email: UnsafeRawBufferPointer
  ) -> (localCount: Int, reference: UInt32)? {
    guard let at = email.lastIndex(of: UInt8(ascii: "@")), at + 1 < email.count else {
      return nil
    }
    if !isKnownUniquelyReferenced(&domains) { domains = domains.copy() }
    return domains.reference(for: UnsafeRawBufferPointer(rebasing: email[(at + 1)...])).map {
      (at, $0)
    }
  }

  private func domainReference(in layout: Layout) -> UInt32 {
    let at = layout.email + layout.emailCount - 3
    return UInt32(records.load(UInt8.self, at: at))
      | UInt32(records.load(UInt8.self, at: at + 1)) << 8
      | UInt32(records.load(UInt8.self, at: at + 2)) << 16
  }

  /// The record's email as written, whole, valid only inside `body`.
  private func withEmail<Result>(
    of layout: Layout, _ body: (UnsafeRawBufferPointer) -> Result
  ) -> Result {
    guard layout.isDomainPooled else {
      return records.withUnsafeBytes {
        body(UnsafeRawBufferPointer(rebasing: $0[layout.email..<layout.email + layout.emailCount]))
      }
    }
    let localCount = layout.emailCount - 3
    let domain = domains.reader.bytes(domainReference(in: layout))
    return withUnsafeTemporaryAllocation(byteCount: localCount + 1 + domain.count, alignment: 1) {
      email in
      records.withUnsafeBytes {
        email.copyMemory(
          from: UnsafeRawBufferPointer(rebasing: $0[layout.email..<layout.email + localCount]))
      }
      email[localCount] = UInt8(ascii: "@")
      UnsafeMutableRawBufferPointer(rebasing: email[(localCount + 1)...]).copyMemory(from: domain)
      return body(UnsafeRawBufferPointer(email))
    }
  }

  private mutating func insertIntoIndex(_ slot: Int32) {
    if count + 1 > geometry.limit { growIndex() }
    var position = geometry.home(slots[Int(slot)].hash)
    while index[position] >= 0 { position = geometry.next(position) }
    index[position] = slot
  }

  /// Backward-shift deletion (linear probing without tombstones): later entries of the probe
  /// chain move into the hole.
  private mutating func removeFromIndex(_ slot: Int32) {
    var hole = geometry.home(slots[Int(slot)].hash)
    while index[hole] != slot { hole = geometry.next(hole) }
    var next = geometry.next(hole)
    while index[next] >= 0 {
      let home = geometry.home(slots[Int(index[next])].hash)
      if geometry.distance(from: home, to: next) >= geometry.distance(from: hole, to: next) {
        index[hole] = index[next]
        hole = next
      }
      next = geometry.next(next)
    }
    index[hole] = -1
  }

  private mutating func growIndex() {
    geometry = geometry.grown
    index = [Int32](repeating: -1, count: geometry.capacity)
    var slot = oldest
    while slot >= 0 {
      var position = geometry.home(slots[Int(slot)].hash)
      while index[position] >= 0 { position = geometry.next(position) }
      index[position] = slot
      slot = slots[Int(slot)].newer
    }
  }

  /// A hash of the email's bytes, eight at a time, seeded; multiply-xorshift mixing (as the
  /// identity index does), folded to 32 bits.
  private static func hash(email: UnsafeRawBufferPointer, seed: UInt64) -> UInt32 {
    let hash = mixBytes(email, into: mixBits(seed ^ UInt64(email.count)))
    return UInt32(truncatingIfNeeded: hash ^ (hash >> 32))
  }

  // MARK: - Records

  /// The flags byte.
  private static let headerSize = 1
  private static let flagsField = 0
  /// Flag: the record's sequence numbers are 8 bytes (else 4).
  private static let wideFlag: UInt8 = 1
  /// The record id's form (`IDForm`) is in the flags from this bit on.
  private static let idFormShift: UInt8 = 1
  private static let idFormMask: UInt8 = 0b11
  /// Flag: the email's domain is in `domains` (`Layout.isDomainPooled`).
  private static let pooledDomainFlag: UInt8 = 0x40
  /// Flag: the record is garbage (its person forgotten, or written again further on).
  private static let garbageFlag: UInt8 = 0x80

  /// Flag: the record's attributes share one sequence number (`SequenceForm`).
  private static let sharedFlag: UInt8 = 0x20

  /// An attribute's entry: its slug's number (u16), then the value's hash (u64), then the
  /// sequence (u32, or u64 in a wide record) unless the record shares one. In a record that
  /// shares one, the number's top bit says the attribute's sequence is 0.
  private static let valueField = 2
  private static let sequenceField = 10
  private static let numberMask: UInt16 = 0x7FFF
  private static let unsequencedFlag: UInt16 = 0x8000
  private static func entrySize(wide: Bool, shared: Bool) -> Int {
    shared ? sequenceField : sequenceField + sequenceBytes(wide: wide)
  }
  private static func sequenceBytes(wide: Bool) -> Int { wide ? 8 : 4 }

  /// Records start at multiples of this, so that a 4-byte slot field reaches 8 GiB of them.
  private static let recordUnit = 2
  private static let noRecord = UInt32.max

  /// `size` up to the next multiple of `recordUnit`.
  static func rounded(_ size: Int) -> Int { (size + recordUnit - 1) / recordUnit * recordUnit }

  private static func unitOffset(_ start: Int) -> UInt32 {
    let units = start / recordUnit
    precondition(units < Int(noRecord), "person records beyond 8 GiB")
    return UInt32(units)
  }

  private func recordStart(of slot: Int32) -> Int {
    let units = slots[Int(slot)].record
    precondition(units != Self.noRecord, "a person without a record")
    return Int(units) * Self.recordUnit
  }

  private func recordLayout(of slot: Int32) -> Layout { recordLayout(at: recordStart(of: slot)) }

  private func recordLayout(at start: Int) -> Layout {
    let flags = records.load(UInt8.self, at: start + Self.flagsField)
    let isWide = flags & Self.wideFlag != 0
    let (emailCount, emailWidth) = records.varint(at: start + Self.headerSize)
    let email = start + Self.headerSize + emailWidth
    let (entryCount, countWidth) = records.varint(at: email + emailCount)
    let isShared = flags & Self.sharedFlag != 0
    return Layout(
      start: start, isWide: isWide, isDomainPooled: flags & Self.pooledDomainFlag != 0,
      email: email, emailCount: emailCount,
      countAt: email + emailCount, countWidth: countWidth, entryCount: entryCount,
      entries: email + emailCount + countWidth
        + (isShared ? PersonMemory.sequenceBytes(wide: isWide) : 0),
      isShared: isShared)
  }

  /// Where the attribute's entry starts.
  private func findEntry(_ slug: UInt64, in layout: Layout) -> Int? {
    guard let number = slugNumbers[slug] else { return nil }
    var entry = layout.entries
    for _ in 0..<layout.entryCount {
      if records.load(UInt16.self, at: entry) & Self.numberMask == number { return entry }
      entry += layout.entrySize
    }
    return nil
  }

  /// The slug's number in the records, given it one if it is new; nil when the table is full.
  private mutating func slugNumber(_ slug: UInt64) -> UInt16? {
    if let number = slugNumbers[slug] { return number }
    guard slugHashes.count < slugLimit else { return nil }
    let number = UInt16(slugHashes.count)
    slugHashes.append(slug)
    slugNumbers[slug] = number
    return number
  }

  private func loadSequence(at entry: Int, in layout: Layout) -> UInt64 {
    guard layout.isShared else {
      return layout.isWide
        ? records.load(UInt64.self, at: entry + Self.sequenceField)
        : UInt64(records.load(UInt32.self, at: entry + Self.sequenceField))
    }
    if records.load(UInt16.self, at: entry) & Self.unsequencedFlag != 0 { return 0 }
    let shared = layout.sharedSequence
    return layout.isWide
      ? records.load(UInt64.self, at: shared) : UInt64(records.load(UInt32.self, at: shared))
  }

  /// One attribute as a record keeps it, read out to be written back (`write`).
  private struct Stored {
    var number: UInt16
    var value: UInt64
    var sequence: UInt64
  }

  /// Sets `count` attributes' value hashes (`change(i)` gives the i-th), adding those new to
  /// the record; their sequence numbers only ever grow. One record write for them all, with the
  /// record's attributes on the stack: this runs for every write delivery makes.
  private mutating func set(
    _ slot: Int32, count: Int, _ change: (Int) -> (slug: UInt64, value: UInt64, sequence: UInt64)
  ) {
    let layout = recordLayout(of: slot)
    withUnsafeTemporaryAllocation(of: Stored.self, capacity: layout.entryCount + count) { buffer in
      var entries = 0
      for number in 0..<layout.entryCount {
        let entry = layout.entry(number)
        buffer.initializeElement(
          at: entries,
          to: Stored(
            number: records.load(UInt16.self, at: entry) & Self.numberMask,
            value: records.load(UInt64.self, at: entry + Self.valueField),
            sequence: loadSequence(at: entry, in: layout)))
        entries += 1
      }
      for index in 0..<count {
        let (slug, value, sequence) = change(index)
        if let number = slugNumbers[slug],
          let found = buffer[..<entries].firstIndex(where: { $0.number == number })
        {
          buffer[found].value = value
          buffer[found].sequence = max(buffer[found].sequence, sequence)
        } else if let number = slugNumber(slug) {
          buffer.initializeElement(
            at: entries, to: Stored(number: number, value: value, sequence: sequence))
          entries += 1
        }
      }
      write(slot, UnsafeMutableBufferPointer(rebasing: buffer[..<entries]))
      buffer[..<entries].deinitialize()
    }
  }

  /// How a record keeps its attributes' sequence numbers: wide (8 bytes) or not, and shared
  /// (one number for every attribute whose sequence is not 0, as when one identify set them
  /// all) or one per attribute.
  private struct SequenceForm {
    var isWide: Bool
    var shared: UInt64?

    init(_ entries: UnsafeMutableBufferPointer<Stored>) {
      isWide = entries.contains { $0.sequence > UInt32.max }
      let first = entries.first { $0.sequence != 0 }?.sequence ?? 0
      shared =
        !entries.isEmpty && entries.allSatisfy { $0.sequence == 0 || $0.sequence == first }
        ? first : nil
    }

    var sharedBytes: Int { shared == nil ? 0 : PersonMemory.sequenceBytes(wide: isWide) }
    var entrySize: Int { PersonMemory.entrySize(wide: isWide, shared: shared != nil) }
  }

  /// Writes the record's attributes: in place when they fit where it is (the same size, or it
  /// is the arena's last record), else the record again at the end of the arena (the old copy
  /// becomes garbage).
  private mutating func write(_ slot: Int32, _ entries: UnsafeMutableBufferPointer<Stored>) {
    let form = SequenceForm(entries)
    let layout = recordLayout(of: slot)
    let headBytes = layout.countAt - layout.start
    let size = Self.rounded(
      headBytes + ByteArena.varintWidth(entries.count) + form.sharedBytes
        + entries.count * form.entrySize)
    var start = layout.start
    if size != layout.footprint {
      if layout.start + layout.footprint == records.count {
        if size > layout.footprint {
          _ = records.append(zeros: size - layout.footprint)
        } else {
          records.truncate(to: layout.start + size)
        }
        liveBytes += size - layout.footprint
      } else {
        start = reserve(size)
        // `reserve` may have compacted the arena: the old copy may have moved.
        let from = recordStart(of: slot)
        records.move(from: from, to: start, count: headBytes)
        markGarbage(from)
        liveBytes += size - recordLayout(at: from).footprint
        slots[Int(slot)].record = Self.unitOffset(start)
      }
    }
    let flags =
      records.load(UInt8.self, at: start + Self.flagsField) & ~(Self.wideFlag | Self.sharedFlag)
      | (form.isWide ? Self.wideFlag : 0) | (form.shared == nil ? 0 : Self.sharedFlag)
    records.store(flags, at: start + Self.flagsField)
    var at = start + headBytes
    at += records.storeVarint(entries.count, at: at)
    if let shared = form.shared {
      if form.isWide {
        records.store(shared, at: at)
      } else {
        records.store(UInt32(shared), at: at)
      }
      at += form.sharedBytes
    }
    for entry in entries {
      let unsequenced = form.shared != nil && entry.sequence == 0
      records.store(entry.number | (unsequenced ? Self.unsequencedFlag : 0), at: at)
      records.store(entry.value, at: at + Self.valueField)
      if form.shared == nil {
        if form.isWide {
          records.store(entry.sequence, at: at + Self.sequenceField)
        } else {
          records.store(UInt32(entry.sequence), at: at + Self.sequenceField)
        }
      }
      at += form.entrySize
    }
  }

  private mutating func markGarbage(_ start: Int) {
    let flags = records.load(UInt8.self, at: start + Self.flagsField)
    records.store(flags | Self.garbageFlag, at: start + Self.flagsField)
  }

  /// The slot whose record starts at `start`, found through the index by the record's email
  /// (a record does not name its slot: 4 bytes a person saved for a look-up per record moved
  /// when compacting).
  private func owner(ofRecordAt start: Int) -> Int32 {
    let hash = withEmail(of: recordLayout(at: start)) { Self.hash(email: $0, seed: seed) }
    var position = geometry.home(hash)
    while true {
      let slot = index[position]
      precondition(slot >= 0, "a person record that no slot names")
      if slots[Int(slot)].hash == hash && recordStart(of: slot) == start { return slot }
      position = geometry.next(position)
    }
  }

  /// The slot's record is garbage from now on.
  private mutating func discardRecord(of slot: Int32) {
    let layout = recordLayout(of: slot)
    markGarbage(layout.start)
    liveBytes -= layout.footprint
    slots[Int(slot)].record = Self.noRecord
  }

  /// Zeroed room for a record of `size` bytes at the end of the arena, after sliding the
  /// garbage away when there is enough of it (a fifth of the arena, and at least
  /// `compactionFloor`): the arena stays within a quarter of the live records, and each
  /// compaction moves at most five bytes per byte of garbage it removes.
  private mutating func reserve(_ size: Int) -> Int {
    let garbage = records.count - liveBytes
    if garbage >= compactionFloor && garbage * 4 >= liveBytes { compact() }
    return records.append(zeros: size)
  }

  /// Slides every live record down over the garbage before it, in arena order (its owner found
  /// by `owner(ofRecordAt:)`, the garbage by its flag), and gives back the space freed.
  private mutating func compact() {
    var read = 0
    var write = 0
    while read < records.count {
      let size = recordLayout(at: read).footprint
      if records.load(UInt8.self, at: read + Self.flagsField) & Self.garbageFlag == 0 {
        if write != read {
          let owner = owner(ofRecordAt: read)
          records.move(from: read, to: write, count: size)
          slots[Int(owner)].record = Self.unitOffset(write)
        }
        write += size
      }
      read += size
    }
    assert(write == liveBytes)
    records.truncate(to: write)
  }

  // MARK: - Hashes

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
}
