extension SeenMessages {
  /// The state file's part (identity section, version 4): u64 count, then each u64 hash,
  /// oldest first.
  func encode(into writer: inout StateWriter) {
    writer.integer(UInt64(count))
    forEachOldestFirst { writer.integer($0) }
  }

  static func decode(from reader: inout StateReader, capacity: Int = defaultCapacity)
    throws(StateFileError) -> SeenMessages
  {
    var seen = SeenMessages(capacity: capacity)
    for _ in 0..<(try reader.integer(UInt64.self)) {
      seen.insert(try reader.integer(UInt64.self))
    }
    return seen
  }
}
