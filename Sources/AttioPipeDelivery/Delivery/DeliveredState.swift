import AttioPipeCore

// The delivery section of the state file (see StateFile.swift), version 4:
//
//   people      u64 count, then each, least recently used first:
//               u32 length + email, u32 length + record id (0: none learned),
//               u32 attribute count, then each: u64 hash of the slug, u64 hash of the value
//               JSON (PersonMemory.hash; 0: forgotten), u64 the value's sequence number
//
// Version 3 had (slug hash, value hash) pairs without sequence numbers, and after the people
// the messageIds of the events delivered:
//
//   messages    u64 count, then each: u32 length + messageId (oldest first)
//
// Versions 1 and 2 kept the values themselves and no record ids:
//
//   emails      u64 count, then each: u32 length + email,
//               u32 attribute count, then each: u32 length + slug, u32 length + value JSON
//   messages    as above
//
// They are read (values hashed, sequence numbers 0, no record ids) and saved as version 4; the
// messageIds they held are handed back, for the seen messages of the identity section
// (IdentitySection.swift), which recognise replayed events since version 4.

/// What delivery remembers per person (values upserted, how new they were, record ids), as
/// saved in the state file, so that `unchanged`, "never an older value" and learned record ids
/// hold across runs.
package enum DeliveredState {
  /// Streams the section (run twice by `StateFile.save`: once to count, once to write).
  package static func encode(_ memory: PersonMemory, into writer: inout StateWriter) {
    writer.integer(UInt64(memory.count))
    memory.forEachOldestFirst { email, recordId, entries in
      writer.data(email.utf8)
      writer.data(recordId.utf8)
      writer.integer(UInt32(entries.count))
      for entry in entries {
        writer.integer(entry.slug)
        writer.integer(entry.value)
        writer.integer(entry.sequence)
      }
    }
  }

  package static func encode(_ memory: PersonMemory) -> [UInt8] {
    var writer = StateWriter()
    encode(memory, into: &writer)
    return writer.bytes
  }

  /// Rebuilds the memory (at most `capacity` people: beyond it the least recently used are
  /// dropped, counted in its `evictions`) from a section of format `version`; `messages` are
  /// the delivered messageIds a version 3 or older section kept (empty from version 4).
  package static func decode(
    _ bytes: [UInt8], version: UInt32 = StateFile.version,
    capacity: Int = PersonMemory.defaultCapacity
  ) throws(StateFileError) -> (memory: PersonMemory, messages: [String]) {
    var memory = PersonMemory(capacity: capacity)
    var messages: [String] = []
    guard !bytes.isEmpty else { return (memory, messages) }
    var reader = StateReader(bytes)
    for _ in 0..<(try reader.integer(UInt64.self)) {
      let email = try reader.string()
      if version >= 3 {
        let recordId = try reader.string()
        // This tool only ever saved Attio's ids: anything else was put there by someone else.
        guard recordId.isEmpty || RecordID.isCanonical(recordId) else {
          throw .corrupt("a record id that is not a UUID")
        }
        let count = Int(try reader.integer(UInt32.self))
        // A damaged count must not allocate more than the section holds.
        guard count <= bytes.count / 16 else { throw .corrupt("a pair count beyond the section") }
        var entries: [PersonMemory.Entry] = []
        entries.reserveCapacity(count)
        for _ in 0..<count {
          var entry = PersonMemory.Entry(
            slug: try reader.integer(UInt64.self), value: try reader.integer(UInt64.self))
          if version >= 4 { entry.sequence = try reader.integer(UInt64.self) }
          entries.append(entry)
        }
        memory.restore(email: email, recordId: recordId, entries: entries)
      } else {
        var attributes: [String: [UInt8]] = [:]
        for _ in 0..<(try reader.integer(UInt32.self)) {
          let slug = try reader.string()
          attributes[slug] = Array(try reader.data())
        }
        memory.restore(email: email, values: attributes)
      }
    }
    if version < 4 {
      for _ in 0..<(try reader.integer(UInt64.self)) {
        messages.append(try reader.string())
      }
    }
    guard reader.isAtEnd else { throw .corrupt("trailing bytes in the delivery section") }
    return (memory, messages)
  }
}
