// The delivery section of the state file (see StateFile.swift), version 3:
//
//   people      u64 count, then each, least recently used first:
//               u32 length + email, u32 length + record id (0: none learned),
//               u32 pair count, then each: u64 hash of the slug, u64 hash of the value JSON
//               (PersonMemory.hash)
//   messages    u64 count, then each: u32 length + messageId (oldest first)
//
// Versions 1 and 2 kept the values themselves and no record ids:
//
//   emails      u64 count, then each: u32 length + email,
//               u32 attribute count, then each: u32 length + slug, u32 length + value JSON
//   messages    as above
//
// They are read (values hashed, no record ids, sorted by email as they were saved) and
// saved as version 3.

/// What delivery remembers per person (values upserted, record ids) and which events it
/// delivered, as saved in the state file, so that `unchanged` and learned record ids hold
/// across runs and a rerun of the same input sends nothing new.
enum DeliveredState {
  /// Streams the section (run twice by `StateFile.save`: once to count, once to write).
  static func encode(
    _ memory: PersonMemory, _ delivered: DeliveredMessages, into writer: inout StateWriter
  ) {
    writer.integer(UInt64(memory.count))
    memory.forEachOldestFirst { email, recordId, pairs in
      writer.data(email.utf8)
      writer.data(recordId.utf8)
      writer.integer(UInt32(pairs.count))
      for (slug, value) in pairs {
        writer.integer(slug)
        writer.integer(value)
      }
    }
    let messages = delivered.all
    writer.integer(UInt64(messages.count))
    for message in messages { writer.data(message.utf8) }
  }

  static func encode(_ memory: PersonMemory, _ delivered: DeliveredMessages) -> [UInt8] {
    var writer = StateWriter()
    encode(memory, delivered, into: &writer)
    return writer.bytes
  }

  /// Rebuilds the memory (at most `capacity` people: beyond it the least recently used are
  /// dropped, counted in its `evictions`) from a section of format `version`.
  static func decode(
    _ bytes: [UInt8], version: UInt32 = StateFile.version,
    capacity: Int = PersonMemory.defaultCapacity
  ) throws(StateFileError) -> (memory: PersonMemory, delivered: DeliveredMessages) {
    var delivered = DeliveredMessages()
    var memory = PersonMemory(capacity: capacity)
    guard !bytes.isEmpty else { return (memory, delivered) }
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
        var pairs: [(UInt64, UInt64)] = []
        pairs.reserveCapacity(count)
        for _ in 0..<count {
          pairs.append((try reader.integer(UInt64.self), try reader.integer(UInt64.self)))
        }
        memory.restore(email: email, recordId: recordId, pairs: pairs)
      } else {
        var attributes: [String: [UInt8]] = [:]
        for _ in 0..<(try reader.integer(UInt32.self)) {
          let slug = try reader.string()
          attributes[slug] = Array(try reader.data())
        }
        memory.restore(email: email, values: attributes)
      }
    }
    for _ in 0..<(try reader.integer(UInt64.self)) {
      delivered.insert(try reader.string())
    }
    guard reader.isAtEnd else { throw .corrupt("trailing bytes in the delivery section") }
    return (memory, delivered)
  }
}
