// Design: a profile is one byte array, because memory is per visitor and a million visitors
// must fit in a few hundred megabytes. Six `String`s, their sequence numbers and an array of
// keys cost about 550 bytes a profile once allocator overhead is counted; the same facts
// packed into one allocation cost about 200.
//
// Layout, a sequence of records:
//   trait value:   [trait (0...6)] [sequence: 8 bytes LE] [length: 2 bytes LE] [UTF-8 bytes]
//   trait removal: [trait (0...6)] [sequence: 8 bytes LE] [0xFFFF]
//   id:            [0x80 | namespace] [arena offset: 4 bytes LE] [length: 2 bytes LE]
// Profiles are read for every eligible event and rewritten only when an event changes them,
// so decoding on read is cheap next to what the packing saves.

/// One person as far as the events have told: the traits the mapping reads and every id that
/// names them.
struct Profile: Sendable {
  /// A trait value and when it was set, so that joining two profiles keeps the more recent
  /// value of each trait. A `nil` text with a sequence number records a removal.
  struct Value: Sendable, Equatable {
    var text: String?
    var sequence: UInt64

    static let never = Value(text: nil, sequence: 0)
  }

  private var storage: [UInt8] = []

  private static let keyFlag: UInt8 = 0x80
  private static let removed: UInt16 = 0xFFFF
  /// The longest trait value kept (bytes); longer values are cut at a character boundary.
  static let maximumTraitLength = 4096

  init() {}

  /// A profile with these trait values (indexed by `ProfileTrait.rawValue`) and no ids yet.
  init(values: [Value]) {
    rebuild(values: values, keys: [])
  }

  /// A profile that exists only for one event that carried no id.
  init(changes: TraitChanges) {
    apply(changes, sequence: 1)
  }

  subscript(trait: ProfileTrait) -> String? { value(trait).text }

  func value(_ trait: ProfileTrait) -> Value {
    var found = Value.never
    forEachRecord { record in
      if case .trait(let recordTrait, let value) = record, recordTrait == trait { found = value }
    }
    return found
  }

  /// Where the ids that name this profile are stored in the index.
  var keys: [IdentityKeyReference] {
    var keys: [IdentityKeyReference] = []
    forEachRecord { record in
      if case .key(let reference) = record { keys.append(reference) }
    }
    return keys
  }

  var keyCount: Int {
    var count = 0
    forEachRecord { if case .key = $0 { count += 1 } }
    return count
  }

  mutating func addKey(_ reference: IdentityKeyReference) {
    storage.append(Profile.keyFlag | reference.namespace.rawValue)
    appendInteger(UInt64(reference.offset), bytes: 4)
    appendInteger(UInt64(reference.length), bytes: 2)
  }

  /// Replaces the ids (after the index moved them).
  mutating func setKeys(_ references: [IdentityKeyReference]) {
    let values = ProfileTrait.allCases.map { value($0) }
    rebuild(values: values, keys: references)
  }

  mutating func apply(_ changes: TraitChanges, sequence: UInt64) {
    guard !changes.isEmpty else { return }
    var values = ProfileTrait.allCases.map { value($0) }
    for trait in ProfileTrait.allCases {
      switch changes[trait] {
      case .unchanged: continue
      case .set(let text): values[trait.rawValue] = Value(text: text, sequence: sequence)
      case .remove: values[trait.rawValue] = Value(text: nil, sequence: sequence)
      }
    }
    rebuild(values: values, keys: keys)
  }

  /// Takes each of `other`'s traits that is more recent than this profile's, and its ids.
  mutating func absorb(_ other: Profile) {
    var values = ProfileTrait.allCases.map { value($0) }
    for trait in ProfileTrait.allCases
    where other.value(trait).sequence > values[trait.rawValue].sequence {
      values[trait.rawValue] = other.value(trait)
    }
    rebuild(values: values, keys: keys + other.keys)
  }

  // MARK: - Encoding

  private enum Record {
    case trait(ProfileTrait, Value)
    case key(IdentityKeyReference)
  }

  private func forEachRecord(_ body: (Record) -> Void) {
    storage.withUnsafeBufferPointer { bytes in
      var position = 0
      while position < bytes.count {
        let tag = bytes[position]
        if tag & Profile.keyFlag != 0 {
          let offset = Profile.integer(bytes, at: position + 1, bytes: 4)
          let length = Profile.integer(bytes, at: position + 5, bytes: 2)
          body(
            .key(
              IdentityKeyReference(
                offset: Int(offset), length: Int32(length),
                namespace: IdentityNamespace(rawValue: tag & 0x7F) ?? .anonymous)))
          position += 7
          continue
        }
        let sequence = Profile.integer(bytes, at: position + 1, bytes: 8)
        let length = UInt16(Profile.integer(bytes, at: position + 9, bytes: 2))
        position += 11
        var text: String?
        if length != Profile.removed {
          text = String(
            decoding: UnsafeBufferPointer(rebasing: bytes[position..<position + Int(length)]),
            as: UTF8.self)
          position += Int(length)
        }
        if let trait = ProfileTrait(rawValue: Int(tag)) {
          body(.trait(trait, Value(text: text, sequence: sequence)))
        }
      }
    }
  }

  private mutating func rebuild(values: [Value], keys: [IdentityKeyReference]) {
    var rebuilt = Profile()
    rebuilt.storage.reserveCapacity(
      values.reduce(keys.count * 7) { $0 + 11 + ($1.text?.utf8.count ?? 0) })
    for trait in ProfileTrait.allCases where values[trait.rawValue].sequence > 0 {
      let value = values[trait.rawValue]
      rebuilt.storage.append(UInt8(trait.rawValue))
      rebuilt.appendInteger(value.sequence, bytes: 8)
      if let text = value.text {
        let utf8 = Profile.truncated(text)
        rebuilt.appendInteger(UInt64(utf8.count), bytes: 2)
        rebuilt.storage.append(contentsOf: utf8)
      } else {
        rebuilt.appendInteger(UInt64(Profile.removed), bytes: 2)
      }
    }
    for key in keys { rebuilt.addKey(key) }
    self = rebuilt
  }

  /// At most `maximumTraitLength` bytes, cut before a continuation byte so it stays UTF-8.
  private static func truncated(_ text: String) -> ArraySlice<UInt8> {
    let utf8 = Array(text.utf8)
    guard utf8.count > maximumTraitLength else { return utf8[...] }
    var end = maximumTraitLength
    while end > 0 && utf8[end] & 0xC0 == 0x80 { end -= 1 }
    return utf8[..<end]
  }

  private mutating func appendInteger(_ value: UInt64, bytes: Int) {
    for index in 0..<bytes { storage.append(UInt8(truncatingIfNeeded: value >> (8 * index))) }
  }

  private static func integer(
    _ bytes: UnsafeBufferPointer<UInt8>, at position: Int, bytes count: Int
  )
    -> UInt64
  {
    var value: UInt64 = 0
    for index in 0..<count { value |= UInt64(bytes[position + index]) << (8 * index) }
    return value
  }
}
