// The identity store's part of the identity section of the state file (see StateFile.swift
// and IdentitySection.swift), version 3 and later:
//
//   sequence        u64   the trait sequence counter
//   profiles        u64   count, then each profile, least recently seen first:
//     lastSeen      u32   wall-clock second
//     values        u8 count, then each: u8 slot (ProfileSlot), u8 kind (1 removed, 2 value),
//                   u64 sequence, and for 2: u32 length + UTF-8 bytes
//     ids           u16 count, then each: u8 namespace, u32 length + bytes
//
// Versions 1 and 2 had, instead of `values`, a fixed list of 6 (version 1) or 7 traits (email,
// first and last name, name, phone, job title, country), each: u8 kind (0 never set, 1
// removed, 2 value), and unless 0: u64 sequence, and for 2: u32 length + bytes. Version 3 adds
// slots the store keeps itself (the previous email) and whatever slots come later, with no
// further format change.
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
    // With `--signal` the signals are written from `signals` as a value of sequence 1, which
    // must not be above the counter (0 when no trait ever changed).
    let keepsSignals = !signals.isEmpty
    writer.integer(keepsSignals ? max(currentSequence, 1) : currentSequence)
    writer.integer(UInt64(count))
    var slot = oldestSlot
    while slot >= 0 {
      let profile = view(slot)
      writer.integer(lastSeenTime(of: slot))
      let signalText = keepsSignals ? signals.stateText(of: slot) : nil
      var values = signalText == nil ? 0 : 1
      profile.forEachValue { valueSlot, _ in
        if !keepsSignals || valueSlot != .signals { values += 1 }
      }
      writer.integer(UInt8(values))
      profile.forEachValue { valueSlot, value in
        if keepsSignals && valueSlot == .signals { return }
        writer.integer(valueSlot.rawValue)
        writer.integer(UInt8(value.bytes == nil ? 1 : 2))
        writer.integer(value.sequence)
        if let bytes = value.bytes { writer.data(bytes) }
      }
      if let signalText {
        writer.integer(ProfileSlot.signals.rawValue)
        writer.integer(UInt8(2))
        writer.integer(UInt64(1))
        writer.data(Array(signalText.utf8))
      }
      writer.integer(UInt16(profile.keyCount))
      profile.forEachKey { key in
        writer.integer(key.namespace.rawValue)
        key.withText { writer.data($0) }
      }
      slot = newerSlot(than: slot)
    }
  }

  /// Restores a store from `encodeState()`'s bytes; empty bytes give an empty store.
  static func decodeState(_ bytes: [UInt8], capacity: Int, timeToLive: UInt32?, now: UInt32)
    throws(StateFileError) -> IdentityStore
  {
    guard !bytes.isEmpty else {
      var store = IdentityStore(capacity: capacity, timeToLive: timeToLive)
      store.now = now
      return store
    }
    var reader = StateReader(bytes)
    let store = try decodeState(
      from: &reader, capacity: capacity, timeToLive: timeToLive, now: now)
    guard reader.isAtEnd else { throw .corrupt("trailing bytes in the identity section") }
    return store
  }

  /// Restores a store from what `encodeState(into:)` wrote, at `reader` (the caller checks
  /// the section's length: `IdentitySection`).
  static func decodeState(
    from reader: inout StateReader, capacity: Int, timeToLive: UInt32?, now: UInt32
  ) throws(StateFileError) -> IdentityStore {
    var store = IdentityStore(capacity: capacity, timeToLive: timeToLive)
    store.now = now
    let sequence = try reader.integer(UInt64.self)
    let count = try reader.integer(UInt64.self)
    for _ in 0..<count {
      let lastSeen = try reader.integer(UInt32.self)
      var values: [(ProfileSlot, Profile.Value)] = []
      if reader.formatVersion >= 3 {
        for _ in 0..<(try reader.integer(UInt8.self)) {
          let raw = try reader.integer(UInt8.self)
          guard raw < ProfileSlot.limit else { throw .corrupt("unknown profile slot") }
          let slot = ProfileSlot(rawValue: raw)
          guard !values.contains(where: { $0.0 == slot }) else {
            throw .corrupt("a profile slot given twice")
          }
          guard let value = try decodeValue(&reader, kind: reader.integer(UInt8.self), sequence)
          else { throw .corrupt("unknown trait kind") }
          values.append((slot, value))
        }
      } else {
        // Version 2 held the seven traits up to the address country, version 1 six.
        let traitCount = reader.formatVersion >= 2 ? 7 : 6
        for trait in ProfileTrait.allCases.prefix(traitCount) {
          let kind = try reader.integer(UInt8.self)
          if kind == 0 { continue }
          guard let value = try decodeValue(&reader, kind: kind, sequence) else {
            throw .corrupt("unknown trait kind")
          }
          values.append((ProfileSlot(trait), value))
        }
      }
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
    store.restoreSequence(sequence)
    guard sequence <= ProfileBuilder.maximumSequence else {
      throw .corrupt("trait sequence out of range")
    }
    // Profiles that expired while the tool was not running go now; so does any excess
    // if --max-identities was lowered.
    store.evictedOnLoad = store.evictExpired() + store.trimToCapacity()
    return store
  }

  /// A value of kind 1 (removed) or 2 (a value); nil for another kind.
  private static func decodeValue(
    _ reader: inout StateReader, kind: UInt8, _ sequence: UInt64
  ) throws(StateFileError) -> Profile.Value? {
    switch kind {
    case 1:
      let valueSequence = try reader.integer(UInt64.self)
      guard valueSequence > 0, valueSequence <= sequence else {
        throw .corrupt("trait sequence out of range")
      }
      return Profile.Value(text: nil, sequence: valueSequence)
    case 2:
      let valueSequence = try reader.integer(UInt64.self)
      guard valueSequence > 0, valueSequence <= sequence else {
        throw .corrupt("trait sequence out of range")
      }
      return Profile.Value(text: try reader.string(), sequence: valueSequence)
    default:
      return nil
    }
  }
}
