/// The position of an object key in the line.
package struct KeySpan {
  package var start: Int
  package var end: Int
  /// Keys with escapes are rare; they are decoded before comparison.
  var escaped: Bool

  @inline(__always)
  func matches(_ literal: StaticString, in scanner: borrowing JSONScanner) -> Bool {
    let bytes = scanner.bytes(start, end)
    if escaped {
      return JSONStringDecoder.decode(bytes.span) == literal.description
    }
    let count = literal.utf8CodeUnitCount
    return bytes.count == count && bytesEqual(bytes.baseAddress!, literal.utf8Start, count: count)
  }
}

/// The top-level event fields the tool reads, with both spellings of each id.
enum TopLevelKey: CaseIterable {
  case type, action, email, event, traits, properties, context
  case anonymousId, anonymousIdSnake, userId, userIdSnake
  case previousId, previousIdSnake, messageId, messageIdSnake

  var key: StaticString {
    switch self {
    case .type: "type"
    case .action: "action"
    case .email: "email"
    case .event: "event"
    case .traits: "traits"
    case .properties: "properties"
    case .context: "context"
    case .anonymousId: "anonymousId"
    case .anonymousIdSnake: "anonymous_id"
    case .userId: "userId"
    case .userIdSnake: "user_id"
    case .previousId: "previousId"
    case .previousIdSnake: "previous_id"
    case .messageId: "messageId"
    case .messageIdSnake: "message_id"
    }
  }

  @inline(__always)
  init?(matching key: KeySpan, in scanner: borrowing JSONScanner) {
    // Dispatch on length, then compare bytes: no arrays, no allocation, no reference counting.
    func isKey(_ candidate: TopLevelKey) -> Bool { key.matches(candidate.key, in: scanner) }
    if key.escaped {
      guard let found = TopLevelKey.allCases.first(where: isKey) else { return nil }
      self = found
      return
    }
    // The key's bytes as three 32-bit words (the first four, the next four when the key is
    // longer than eight, the last four, overlapping for short keys: together every byte of a
    // key of 4 to 12 bytes), compared with the names' words as constants: no loop, no call.
    let count = key.end - key.start
    guard count >= 4 && count <= 12 else { return nil }
    let raw = UnsafeRawPointer(scanner.bytes(key.start, key.end).baseAddress!)
    let head = UInt32(littleEndian: raw.loadUnaligned(as: UInt32.self))
    let middle =
      count > 8 ? UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4, as: UInt32.self)) : 0
    let tail = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self))
    switch (count, head, middle, tail) {
    case (4, 0x6570_7974, 0x0000_0000, 0x6570_7974): self = .type  // type
    case (5, 0x6E65_7665, 0x0000_0000, 0x746E_6576): self = .event  // event
    case (5, 0x6961_6D65, 0x0000_0000, 0x6C69_616D): self = .email  // email
    case (6, 0x6974_6361, 0x0000_0000, 0x6E6F_6974): self = .action  // action
    case (6, 0x6961_7274, 0x0000_0000, 0x7374_6961): self = .traits  // traits
    case (6, 0x7265_7375, 0x0000_0000, 0x6449_7265): self = .userId  // userId
    case (7, 0x746E_6F63, 0x0000_0000, 0x7478_6574): self = .context  // context
    case (7, 0x7265_7375, 0x0000_0000, 0x6469_5F72): self = .userIdSnake  // user_id
    case (9, 0x7373_656D, 0x4965_6761, 0x6449_6567): self = .messageId  // messageId
    case (10, 0x706F_7270, 0x6974_7265, 0x7365_6974): self = .properties  // properties
    case (10, 0x7665_7270, 0x7375_6F69, 0x6449_7375): self = .previousId  // previousId
    case (10, 0x7373_656D, 0x5F65_6761, 0x6469_5F65): self = .messageIdSnake  // message_id
    case (11, 0x6E6F_6E61, 0x756F_6D79, 0x6449_7375): self = .anonymousId  // anonymousId
    case (11, 0x7665_7270, 0x7375_6F69, 0x6469_5F73): self = .previousIdSnake  // previous_id
    case (12, 0x6E6F_6E61, 0x756F_6D79, 0x6469_5F73): self = .anonymousIdSnake  // anonymous_id
    default: return nil
    }
  }
}

extension TraitSpelling {
  /// The longest folded key that can name a trait (`phonenumber`).
  private static let maximumFoldedLength = 11

  /// Matches a key ignoring ASCII case and the separators `_`, `-`, `.` and space, folding the
  /// key's bytes into a fixed buffer on the stack: no allocation, and a key longer than any
  /// trait name is rejected after a dozen bytes.
  init?(matching key: KeySpan, in scanner: borrowing JSONScanner) {
    if key.escaped {
      var decoded = JSONStringDecoder.decode(scanner.bytes(key.start, key.end).span)
      guard let found = decoded.withUTF8({ TraitSpelling(folding: $0) }) else { return nil }
      self = found
      return
    }
    guard let found = TraitSpelling(folding: scanner.bytes(key.start, key.end)) else {
      return nil
    }
    self = found
  }

  /// `key` is exactly `name` (bytes compared directly: the generic comparison with a
  /// String's UTF-8 view cost more than the whole folding).
  @inline(__always)
  private static func isExactly(_ key: UnsafeBufferPointer<UInt8>, _ name: StaticString) -> Bool {
    key.count == name.utf8CodeUnitCount
      && bytesEqual(key.baseAddress!, name.utf8Start, count: key.count)
  }

  init?(folding key: UnsafeBufferPointer<UInt8>) {
    // Most keys of a `properties` object are rejected by their length and their first and
    // last letters: every trait name starts with one of e, f, j, l, m, n, p, t and ends with
    // e, l or r.
    guard (4...24).contains(key.count) else { return nil }
    switch key[key.count - 1] | 0x20 {
    case UInt8(ascii: "e"), UInt8(ascii: "l"), UInt8(ascii: "r"): break
    default: return nil
    }
    switch key[0] | 0x20 {
    case UInt8(ascii: "e"), UInt8(ascii: "f"), UInt8(ascii: "j"), UInt8(ascii: "l"),
      UInt8(ascii: "m"), UInt8(ascii: "n"), UInt8(ascii: "p"), UInt8(ascii: "t"):
      break
    default: return nil
    }
    // Folded bytes, packed little-endian into two words (at most 11 bytes are kept), compared
    // with the folded names as integer constants.
    var low: UInt64 = 0
    var high: UInt64 = 0
    var count = 0
    var hasSeparator = false
    for byte in key {
      let folded: UInt8
      switch byte {
      case UInt8(ascii: "a")...UInt8(ascii: "z"): folded = byte
      case UInt8(ascii: "A")...UInt8(ascii: "Z"): folded = byte | 0x20
      case UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: " "):
        hasSeparator = true
        continue
      default: return nil
      }
      guard count < TraitSpelling.maximumFoldedLength else { return nil }
      if count < 8 {
        low |= UInt64(folded) << (8 * count)
      } else {
        high |= UInt64(folded) << (8 * (count - 8))
      }
      count += 1
    }
    switch (count, low, high) {
    case (5, 0x0000_006C_6961_6D65, 0): self = .email
    case (4, 0x0000_0000_656D_616E, 0): self = .name
    case (5, 0x0000_0065_6E6F_6870, 0): self = .phone
    case (5, 0x0000_0065_6C74_6974, 0): self = .title
    case (6, 0x0000_656C_6962_6F6D, 0): self = .mobile
    case (8, 0x656D_616E_6C6C_7566, 0): self = .fullName
    case (8, 0x656D_616E_7473_616C, 0):
      self = hasSeparator && Self.isExactly(key, "last_name") ? .lastNameSnake : .lastName
    case (8, 0x656C_7469_7462_6F6A, 0):
      self = hasSeparator && Self.isExactly(key, "job_title") ? .jobTitleSnake : .jobTitle
    case (9, 0x6D61_6E74_7372_6966, 0x0000_0000_0000_0065):
      self = hasSeparator && Self.isExactly(key, "first_name") ? .firstNameSnake : .firstName
    case (11, 0x6D75_6E65_6E6F_6870, 0x0000_0000_0072_6562): self = .phoneNumber
    default: return nil
    }
  }
}
