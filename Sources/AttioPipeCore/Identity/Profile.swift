import Glibc

// Design: a profile is one packed run of bytes, because memory is per visitor and a million
// visitors must fit in well under 200 MB. The store keeps each profile's bytes as one block
// in one arena (`ProfileHeap`); events read them in place (`ProfileView`, no copy, no String), and
// a change rewrites them through `ProfileBuilder`.
//
// Records, in any order:
//   group:    [0xC0] [sequence: LEB128, 1...7 bytes]   the values after it were set then
//   value:    [slot 0x00...0x7F] [length: 1 byte < 0x80, or 2 bytes 0x80|high, low] [bytes]
//   removal:  [slot] [0xFF]
//   pooled:   [slot] [0xFE] [reference: 3 bytes LE]   a value kept once for all (`ValuePool`)
//   id:       [0x80 | namespace] [header: 2 bytes] [bytes]   `StoredKey`; the index finds it here
//
// Only the store's profiles hold pooled values (its builder has the heap's pool); a profile
// copied out of the store is rebuilt with every value in place (`IdentityStore[_:]`).
// Values an event sets together share one group, so a profile filled by one identify carries
// one sequence number, not one per trait. Slots are numbers (`ProfileSlot`): a new remembered
// value needs no change here.

/// A value in a profile as bytes, borrowed from the profile: valid until the store changes.
package struct ProfileValue {
  /// When it was set or removed; 0: never.
  package var sequence: UInt64 = 0
  /// Nil when removed or never set.
  package var bytes: UnsafeRawBufferPointer?

  static var never: ProfileValue { ProfileValue() }

  var text: String? { bytes?.utf8String }

  /// The value as the String-based `Profile.Value` (tests, the rare paths).
  var owned: Profile.Value { Profile.Value(text: text, sequence: sequence) }
}

/// One person as far as the events have told, read in place: the values the mapping reads
/// and every id that names them.
package struct ProfileView {
  let records: UnsafeRawBufferPointer
  /// Where pooled values are; nil for a profile that holds none (`Profile`).
  var pool: ValuePool.Reader? = nil

  static var empty: ProfileView {
    ProfileView(records: UnsafeRawBufferPointer(start: nil, count: 0))
  }

  package func value(_ slot: ProfileSlot) -> ProfileValue {
    var cursor = ProfileRecords(records, pool: pool)
    while let record = cursor.next() {
      if case .value(let recordSlot, let value) = record, recordSlot == slot { return value }
    }
    return .never
  }

  subscript(trait: ProfileTrait) -> String? { value(ProfileSlot(trait)).text }

  /// The values of slots 0...8 (the traits and the previous email), read in one pass: the
  /// mapping reads all of them for every eligible event.
  func fixedValues() -> FixedValues {
    var values = FixedValues()
    var cursor = ProfileRecords(records, pool: pool)
    while let record = cursor.next() {
      if case .value(let slot, let value) = record, slot.rawValue < 9 { values[slot] = value }
    }
    return values
  }

  struct FixedValues {
    private var values:
      (
        ProfileValue, ProfileValue, ProfileValue, ProfileValue, ProfileValue, ProfileValue,
        ProfileValue, ProfileValue, ProfileValue
      ) = (.never, .never, .never, .never, .never, .never, .never, .never, .never)

    subscript(slot: ProfileSlot) -> ProfileValue {
      get {
        switch slot.rawValue {
        case 0: values.0
        case 1: values.1
        case 2: values.2
        case 3: values.3
        case 4: values.4
        case 5: values.5
        case 6: values.6
        case 7: values.7
        case 8: values.8
        default: .never
        }
      }
      set {
        switch slot.rawValue {
        case 0: values.0 = newValue
        case 1: values.1 = newValue
        case 2: values.2 = newValue
        case 3: values.3 = newValue
        case 4: values.4 = newValue
        case 5: values.5 = newValue
        case 6: values.6 = newValue
        case 7: values.7 = newValue
        case 8: values.8 = newValue
        default: break
        }
      }
    }
  }

  func forEachValue(_ body: (ProfileSlot, ProfileValue) -> Void) {
    var cursor = ProfileRecords(records, pool: pool)
    while let record = cursor.next() {
      if case .value(let slot, let value) = record { body(slot, value) }
    }
  }

  func forEachKey(_ body: (StoredKey) -> Void) {
    var cursor = ProfileRecords(records, pool: pool)
    while let record = cursor.next() {
      if case .key(let reference) = record { body(reference) }
    }
  }

  var keyCount: Int {
    var count = 0
    forEachKey { _ in count += 1 }
    return count
  }
}

/// Walks a profile's records: the one parser of the layout above, for reading values
/// (`ProfileView`) and for confirming ids (`IdentityIndex`). Nothing is kept that reading does
/// not need: it runs for every event.
struct ProfileRecords {
  enum Record {
    case value(ProfileSlot, ProfileValue)
    case key(StoredKey)
  }

  static let groupTag: UInt8 = 0xC0
  static let keyFlag: UInt8 = 0x80
  static let removed: UInt8 = 0xFF
  static let pooled: UInt8 = 0xFE
  static let referenceBytes = 3

  private let bytes: UnsafeRawBufferPointer
  private let pool: ValuePool.Reader?
  /// Where the next record starts.
  private(set) var position = 0
  private var sequence: UInt64 = 0
  /// The pool reference of the value `next()` returned last, if it was pooled.
  private(set) var lastReference: UInt32?

  init(_ bytes: UnsafeRawBufferPointer, pool: ValuePool.Reader?) {
    self.bytes = bytes
    self.pool = pool
  }

  @inline(__always)
  mutating func next() -> Record? {
    lastReference = nil
    while position < bytes.count {
      let tag = bytes[position]
      if tag == Self.groupTag {
        // LEB128: a million events' sequence numbers take 3 bytes, not 6.
        position += 1
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
          let byte = bytes[position]
          position += 1
          value |= UInt64(byte & 0x7F) << shift
          if byte < 0x80 { break }
          shift += 7
        }
        sequence = value
        continue
      }
      if tag & Self.keyFlag != 0 {
        let start = position + 1
        position = start + StoredKey.headerSize + StoredKey.storedLength(bytes, at: start)
        return .key(
          StoredKey(
            namespace: IdentityNamespace(rawValue: tag & 0x7F) ?? .anonymous,
            bytes: UnsafeRawBufferPointer(rebasing: bytes[start..<position])))
      }
      let slot = ProfileSlot(rawValue: tag)
      let first = bytes[position + 1]
      if first == Self.removed {
        position += 2
        return .value(slot, ProfileValue(sequence: sequence, bytes: nil))
      }
      if first == Self.pooled {
        let reference = UInt32(
          truncatingIfNeeded: Self.integer(bytes, at: position + 2, count: Self.referenceBytes))
        position += 2 + Self.referenceBytes
        guard let pool else { preconditionFailure("a pooled value in a profile without its pool") }
        lastReference = reference
        return .value(slot, ProfileValue(sequence: sequence, bytes: pool.bytes(reference)))
      }
      var length = Int(first)
      var start = position + 2
      if first & 0x80 != 0 {
        length = Int(first & 0x7F) << 8 | Int(bytes[position + 2])
        start += 1
      }
      position = start + length
      return .value(
        slot,
        ProfileValue(
          sequence: sequence,
          bytes: UnsafeRawBufferPointer(rebasing: bytes[start..<start + length])))
    }
    return nil
  }

  @inline(__always)
  static func integer(_ bytes: UnsafeRawBufferPointer, at position: Int, count: Int) -> UInt64 {
    var value: UInt64 = 0
    for index in 0..<count { value |= UInt64(bytes[position + index]) << (8 * index) }
    return value
  }

  /// Appends `value`'s low `count` bytes, least significant first.
  @inline(__always)
  static func appendInteger(_ value: UInt64, count: Int, to bytes: inout [UInt8]) {
    for index in 0..<count { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * index))) }
  }
}

/// Writes a profile's records: values (the newest per slot wins), grouped by sequence, then
/// ids. Reused from event to event, so rewriting a profile allocates nothing once warm.
struct ProfileBuilder {
  private struct Entry {
    var slot: ProfileSlot
    var sequence: UInt64
    var bytes: UnsafeRawBufferPointer?
    var origin: Origin
  }

  /// Where a value comes from. One read from a profile keeps its form: a rewrite is not a
  /// second sighting of it, and rehashing every kept value would cost each rewrite.
  private enum Origin {
    case event
    case keptInPlace
    case keptPooled(UInt32)
  }

  /// The longest value kept (bytes); longer values are cut at a character boundary.
  static let maximumValueLength = 4096
  /// Sequence numbers are at most 48 bits (7 bytes of LEB128).
  static let maximumSequence: UInt64 = 1 << 48 - 1

  private var entries: [Entry] = []
  private(set) var bytes: [UInt8] = []
  /// The store's pool (its profiles only); nil: every value in place.
  var pool: ValuePool?

  mutating func reset() {
    entries.removeAll(keepingCapacity: true)
    bytes.removeAll(keepingCapacity: true)
  }

  /// Adds a value (nil bytes: a removal) unless the slot already has one at least as new.
  /// The bytes must stay valid until `finishValues()`.
  mutating func add(_ slot: ProfileSlot, sequence: UInt64, bytes: UnsafeRawBufferPointer?) {
    add(Entry(slot: slot, sequence: sequence, bytes: bytes, origin: .event))
  }

  private mutating func add(_ entry: Entry) {
    guard entry.sequence > 0 else { return }
    for index in entries.indices where entries[index].slot == entry.slot {
      if entry.sequence > entries[index].sequence { entries[index] = entry }
      return
    }
    entries.append(entry)
  }

  /// Adds every value of a profile.
  mutating func add(valuesOf profile: ProfileView) {
    var cursor = ProfileRecords(profile.records, pool: profile.pool)
    while let record = cursor.next() {
      guard case .value(let slot, let value) = record else { continue }
      let origin = cursor.lastReference.map(Origin.keptPooled) ?? .keptInPlace
      add(Entry(slot: slot, sequence: value.sequence, bytes: value.bytes, origin: origin))
    }
  }

  /// Writes the values added so far, one group per sequence number, oldest first.
  mutating func finishValues() {
    var written = 0
    var floor: UInt64 = 0
    while written < entries.count {
      var sequence = UInt64.max
      for entry in entries where entry.sequence > floor && entry.sequence < sequence {
        sequence = entry.sequence
      }
      bytes.append(ProfileRecords.groupTag)
      var rest = sequence
      while rest >= 0x80 {
        bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
        rest >>= 7
      }
      bytes.append(UInt8(rest))
      for entry in entries where entry.sequence == sequence {
        bytes.append(entry.slot.rawValue)
        if let value = entry.bytes, let reference = pooled(entry, value) {
          bytes.append(ProfileRecords.pooled)
          ProfileRecords.appendInteger(
            UInt64(reference), count: ProfileRecords.referenceBytes, to: &bytes)
        } else if let value = entry.bytes {
          let value = Self.truncated(value)
          if value.count < 0x80 {
            bytes.append(UInt8(value.count))
          } else {
            bytes.append(0x80 | UInt8(value.count >> 8))
            bytes.append(UInt8(truncatingIfNeeded: value.count))
          }
          bytes.append(contentsOf: value)
        } else {
          bytes.append(ProfileRecords.removed)
        }
        written += 1
      }
      floor = sequence
    }
    entries.removeAll(keepingCapacity: true)
  }

  /// The pool's reference for a value of a slot many profiles share, if it is (or now is)
  /// pooled.
  @inline(__always)
  private func pooled(_ entry: Entry, _ value: UnsafeRawBufferPointer) -> UInt32? {
    guard let pool, entry.slot.isShared else { return nil }
    switch entry.origin {
    case .event: return pool.reference(for: value)
    case .keptInPlace: return nil
    case .keptPooled(let reference): return reference
    }
  }

  /// Adds values given as text (a state file's, tests') and writes them, as an event's
  /// values: with a pool, shared ones are pooled as events would pool them.
  mutating func addValues(_ values: [(ProfileSlot, Profile.Value)]) {
    let texts = values.map { ($0.0, $0.1.sequence, $0.1.text.map { Array($0.utf8) }) }
    func add(_ index: Int) {
      guard index < texts.count else { return finishValues() }
      let (slot, sequence, bytes) = texts[index]
      guard let bytes else {
        self.add(slot, sequence: sequence, bytes: nil)
        return add(index + 1)
      }
      bytes.withUnsafeBytes { bytes in
        self.add(slot, sequence: sequence, bytes: bytes)
        add(index + 1)
      }
    }
    add(0)
  }

  /// Adds an id the profile is known by.
  mutating func addKey(_ namespace: IdentityNamespace, _ id: UnsafeBufferPointer<UInt8>) {
    bytes.append(ProfileRecords.keyFlag | namespace.rawValue)
    StoredKey.append(id, to: &bytes)
  }

  /// Adds an id another profile holds, as it holds it.
  mutating func addKey(_ key: StoredKey) {
    bytes.append(ProfileRecords.keyFlag | key.namespace.rawValue)
    bytes.append(contentsOf: key.bytes)
  }

  mutating func addKeys(of profile: ProfileView) {
    profile.forEachKey { addKey($0) }
  }

  /// At most `maximumValueLength` bytes, cut before a continuation byte so it stays UTF-8.
  static func truncated(_ value: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
    guard value.count > maximumValueLength else { return value }
    var end = maximumValueLength
    while end > 0 && value[end] & 0xC0 == 0x80 { end -= 1 }
    return UnsafeRawBufferPointer(rebasing: value[..<end])
  }
}

/// A profile that owns its bytes: for events without an id, the state file and tests. The
/// store itself keeps its profiles in a `ProfileHeap`.
package struct Profile: Sendable {
  /// A value and when it was set, as a String. A `nil` text with a sequence number records a
  /// removal.
  struct Value: Sendable, Equatable {
    var text: String?
    var sequence: UInt64

    static let never = Value(text: nil, sequence: 0)
  }

  private(set) var storage: [UInt8] = []

  /// The longest trait value kept (bytes).
  package static let maximumTraitLength = ProfileBuilder.maximumValueLength

  init() {}

  init(records: [UInt8]) {
    storage = records
  }

  /// A profile with these values and no ids.
  init(values: [(ProfileSlot, Value)]) {
    var builder = ProfileBuilder()
    builder.addValues(values)
    storage = builder.bytes
  }

  /// A profile that exists only for one event that carried no id.
  package init(changes: TraitChanges) {
    var builder = ProfileBuilder()
    changes.addValues(to: &builder, sequence: 1) { $0.finishValues() }
    storage = builder.bytes
  }

  package func withView<Result>(_ body: (ProfileView) -> Result) -> Result {
    storage.withUnsafeBytes { body(ProfileView(records: $0)) }
  }

  subscript(trait: ProfileTrait) -> String? { withView { $0[trait] } }

  func value(_ slot: ProfileSlot) -> Value { withView { $0.value(slot).owned } }

  /// The ids, as text, in the order the profile holds them.
  var keys: [(IdentityNamespace, String)] {
    var keys: [(IdentityNamespace, String)] = []
    withView { $0.forEachKey { keys.append(($0.namespace, $0.text)) } }
    return keys
  }
}

extension UnsafeRawBufferPointer {
  /// The bytes as a String. Typed first: `String(decoding:as:)` on raw bytes takes the
  /// generic, several times slower path.
  @inline(__always)
  var utf8String: String {
    String(decoding: assumingMemoryBound(to: UInt8.self), as: UTF8.self)
  }
}
