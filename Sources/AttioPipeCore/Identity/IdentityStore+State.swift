// The identity section of the state file (see StateFile.swift), version 2:
//
//   sequence        u64   the trait sequence counter
//   profiles        u64   count, then each profile, least recently seen first:
//     lastSeen      u32   wall-clock second
//     7 traits      (email, first and last name, name, phone, job title, country; version 1
//                   files have the first 6) each: u8 kind (0 never set, 1 removed, 2 value), and unless 0:
//                         u64 sequence, and for 2: u32 length + UTF-8 bytes
//     ids           u16 count, then each: u8 namespace, u32 length + bytes
//
// Written oldest first so that loading re-creates the least-recently-seen order by simply
// marking each profile seen in turn.

extension IdentityStore {
  func encodeState() -> [UInt8] {
    var writer = StateWriter()
    encodeState(into: &writer)
    return writer.bytes
  }

  func encodeState(into writer: inout StateWriter) {
    writer.integer(currentSequence)
    writer.integer(UInt64(count))
    var slot = oldestSlot
    while slot >= 0 {
      let profile = self[slot]
      writer.integer(lastSeenTime(of: slot))
      for trait in ProfileTrait.allCases {
        let value = profile.value(trait)
        if value.sequence == 0 {
          writer.integer(UInt8(0))
          continue
        }
        writer.integer(UInt8(value.text == nil ? 1 : 2))
        writer.integer(value.sequence)
        if let text = value.text { writer.data(text.utf8) }
      }
      let keys = profile.keys
      writer.integer(UInt16(keys.count))
      for key in keys {
        writer.integer(key.namespace.rawValue)
        idBytes(of: key) { writer.data($0) }
      }
      slot = newerSlot(than: slot)
    }
  }

  /// Restores a store from `encodeState()`'s bytes; empty bytes give an empty store.
  static func decodeState(_ bytes: [UInt8], capacity: Int, timeToLive: UInt32?, now: UInt32)
    throws(StateFileError) -> IdentityStore
  {
    var reader = StateReader(bytes)
    let store = try decodeState(
      from: &reader, length: bytes.count, capacity: capacity, timeToLive: timeToLive, now: now)
    guard reader.isAtEnd else { throw .corrupt("trailing bytes in the identity section") }
    return store
  }

  /// Restores a store from the `length` bytes of the identity section at `reader`.
  static func decodeState(
    from reader: inout StateReader, length: Int, capacity: Int, timeToLive: UInt32?, now: UInt32
  ) throws(StateFileError) -> IdentityStore {
    var store = IdentityStore(capacity: capacity, timeToLive: timeToLive)
    store.now = now
    guard length > 0 else { return store }
    let start = reader.consumed
    let sequence = try reader.integer(UInt64.self)
    let count = try reader.integer(UInt64.self)
    for _ in 0..<count {
      let lastSeen = try reader.integer(UInt32.self)
      var values: [Profile.Value] = []
      let traitCount = reader.formatVersion >= 2 ? ProfileTrait.allCases.count : 6
      for _ in 0..<traitCount {
        switch try reader.integer(UInt8.self) {
        case 0: values.append(.never)
        case 1: values.append(Profile.Value(text: nil, sequence: try reader.integer(UInt64.self)))
        case 2:
          let valueSequence = try reader.integer(UInt64.self)
          guard valueSequence <= sequence else { throw .corrupt("trait sequence out of range") }
          values.append(Profile.Value(text: try reader.string(), sequence: valueSequence))
        default: throw .corrupt("unknown trait kind")
        }
      }
      while values.count < ProfileTrait.allCases.count { values.append(.never) }
      var keys: [(IdentityNamespace, [UInt8])] = []
      for _ in 0..<(try reader.integer(UInt16.self)) {
        guard let namespace = IdentityNamespace(rawValue: try reader.integer(UInt8.self)) else {
          throw .corrupt("unknown id namespace")
        }
        keys.append((namespace, Array(try reader.data(maximum: IdentityIndex.maximumIdLength))))
      }
      guard !keys.isEmpty else { throw .corrupt("a profile without ids") }
      store.restore(values: values, keys: keys, lastSeen: lastSeen)
    }
    guard reader.consumed - start == length else {
      throw .corrupt("the identity section's length does not match its contents")
    }
    store.restoreSequence(sequence)
    // Profiles that expired while the tool was not running go now; so does any excess
    // if --max-identities was lowered.
    store.evictedOnLoad = store.evictExpired() + store.trimToCapacity()
    return store
  }
}
