// The identity section of the state file (see StateFile.swift), version 4:
//
//   store           the identity store's part (IdentityStore+State.swift)
//   seen messages   u64 count, then each: u64 hash of a messageId, oldest first
//                   (SeenMessages+State.swift)
//
// Versions 1 to 3 held the store's part alone. Their delivery section kept the messageIds of
// the events delivered, which `StateKeeper` hashes into the seen messages when it reads such a
// file.

/// The identity profiles and the messageIds seen, saved together: both are changed by the
/// event-processing thread, line by line, so one snapshot of the two describes exactly the
/// same input lines (a state saved at line N says which events before N were seen, and what
/// they taught).
package enum IdentitySection {
  package static func encode(
    _ store: IdentityStore, _ seen: SeenMessages, into writer: inout StateWriter
  ) {
    store.encodeState(into: &writer)
    seen.encode(into: &writer)
  }

  package static func encode(_ store: IdentityStore, _ seen: SeenMessages) -> [UInt8] {
    var writer = StateWriter()
    encode(store, seen, into: &writer)
    return writer.bytes
  }

  /// Restores the store and the seen messages from the `length` bytes of the section at
  /// `reader` (in the layout of `reader.formatVersion`); an empty section gives empty ones.
  package static func decode(
    from reader: inout StateReader, length: Int, capacity: Int, timeToLive: UInt32?, now: UInt32
  ) throws(StateFileError) -> (store: IdentityStore, seen: SeenMessages) {
    guard length > 0 else {
      var store = IdentityStore(capacity: capacity, timeToLive: timeToLive)
      store.now = now
      return (store, SeenMessages())
    }
    let start = reader.consumed
    let store = try IdentityStore.decodeState(
      from: &reader, capacity: capacity, timeToLive: timeToLive, now: now)
    let seen =
      reader.formatVersion >= 4 ? try SeenMessages.decode(from: &reader) : SeenMessages()
    guard reader.consumed - start == length else {
      throw .corrupt("the identity section's length does not match its contents")
    }
    return (store, seen)
  }

  /// The same from bytes (tests).
  static func decode(
    _ bytes: [UInt8], version: UInt32 = StateFile.version, capacity: Int = 1_000_000,
    timeToLive: UInt32? = nil, now: UInt32 = 0
  ) throws(StateFileError) -> (store: IdentityStore, seen: SeenMessages) {
    var reader = StateReader(bytes)
    reader.formatVersion = version
    return try decode(
      from: &reader, length: bytes.count, capacity: capacity, timeToLive: timeToLive, now: now)
  }
}
