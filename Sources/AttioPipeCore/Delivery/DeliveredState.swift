// The delivery section of the state file (see StateFile.swift), version 1:
//
//   emails      u64 count, then each: u32 length + email,
//               u32 attribute count, then each: u32 length + slug, u32 length + value JSON
//   messages    u64 count, then each: u32 length + messageId (oldest first)

/// What delivery has upserted per email and which events it delivered, as saved in the state
/// file, so that `unchanged` holds across runs and a rerun of the same input sends nothing new.
enum DeliveredState {
  static func encode(_ known: UpsertedValues, _ delivered: DeliveredMessages)
    -> [UInt8]
  {
    var writer = StateWriter()
    writer.integer(UInt64(known.count))
    for (email, attributes) in known.sorted(by: { $0.key < $1.key }) {
      writer.data(email.utf8)
      writer.integer(UInt32(attributes.count))
      for (slug, value) in attributes.sorted(by: { $0.key < $1.key }) {
        writer.data(slug.utf8)
        writer.data(value)
      }
    }
    let messages = delivered.all
    writer.integer(UInt64(messages.count))
    for message in messages { writer.data(message.utf8) }
    return writer.bytes
  }

  static func decode(_ bytes: [UInt8]) throws(StateFileError)
    -> (known: UpsertedValues, delivered: DeliveredMessages)
  {
    var delivered = DeliveredMessages()
    guard !bytes.isEmpty else { return ([:], delivered) }
    var reader = StateReader(bytes)
    var known: UpsertedValues = [:]
    for _ in 0..<(try reader.integer(UInt64.self)) {
      let email = try reader.string()
      var attributes: [String: [UInt8]] = [:]
      for _ in 0..<(try reader.integer(UInt32.self)) {
        let slug = try reader.string()
        attributes[slug] = Array(try reader.data())
      }
      known[email] = attributes
    }
    for _ in 0..<(try reader.integer(UInt64.self)) {
      delivered.insert(try reader.string())
    }
    guard reader.isAtEnd else { throw .corrupt("trailing bytes in the delivery section") }
    return (known, delivered)
  }
}
