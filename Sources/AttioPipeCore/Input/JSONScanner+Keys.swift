/// The position of an object key in the line.
struct KeySpan {
  var start: Int
  var end: Int
  /// Keys with escapes are rare; they are decoded before comparison.
  var escaped: Bool

  func matches(_ literal: StaticString, in scanner: borrowing JSONScanner) -> Bool {
    let bytes = scanner.bytes(start, end)
    if escaped {
      return JSONStringDecoder.decode(bytes) == literal.description
    }
    let count = literal.utf8CodeUnitCount
    return bytes.count == count && bytesEqual(bytes.baseAddress!, literal.utf8Start, count: count)
  }
}

/// The top-level event fields the tool reads, with both spellings of each id.
enum TopLevelKey: CaseIterable {
  case type, event, traits, properties, context
  case anonymousId, anonymousIdSnake, userId, userIdSnake
  case previousId, previousIdSnake, messageId, messageIdSnake

  var key: StaticString {
    switch self {
    case .type: "type"
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

  init?(matching key: KeySpan, in scanner: borrowing JSONScanner) {
    // Dispatch on length, then compare bytes: no arrays, no allocation, no reference counting.
    func isKey(_ candidate: TopLevelKey) -> Bool { key.matches(candidate.key, in: scanner) }
    if key.escaped {
      guard let found = TopLevelKey.allCases.first(where: isKey) else { return nil }
      self = found
      return
    }
    switch key.end - key.start {
    case 4 where isKey(.type): self = .type
    case 5 where isKey(.event): self = .event
    case 6 where isKey(.traits): self = .traits
    case 6 where isKey(.userId): self = .userId
    case 7 where isKey(.context): self = .context
    case 7 where isKey(.userIdSnake): self = .userIdSnake
    case 9 where isKey(.messageId): self = .messageId
    case 10 where isKey(.properties): self = .properties
    case 10 where isKey(.previousId): self = .previousId
    case 10 where isKey(.messageIdSnake): self = .messageIdSnake
    case 11 where isKey(.anonymousId): self = .anonymousId
    case 11 where isKey(.previousIdSnake): self = .previousIdSnake
    case 12 where isKey(.anonymousIdSnake): self = .anonymousIdSnake
    default: return nil
    }
  }
}

extension TraitSpelling {
  init?(matching key: KeySpan, in scanner: borrowing JSONScanner) {
    func isKey(_ candidate: TraitSpelling) -> Bool { key.matches(candidate.key, in: scanner) }
    if key.escaped {
      guard let found = TraitSpelling.allCases.first(where: isKey) else { return nil }
      self = found
      return
    }
    switch key.end - key.start {
    case 4 where isKey(.name): self = .name
    case 5 where isKey(.email): self = .email
    case 5 where isKey(.phone): self = .phone
    case 5 where isKey(.title): self = .title
    case 8 where isKey(.lastNameCamel): self = .lastNameCamel
    case 8 where isKey(.jobTitleCamel): self = .jobTitleCamel
    case 9 where isKey(.firstNameCamel): self = .firstNameCamel
    case 9 where isKey(.lastNameSnake): self = .lastNameSnake
    case 9 where isKey(.jobTitleSnake): self = .jobTitleSnake
    case 10 where isKey(.firstNameSnake): self = .firstNameSnake
    default: return nil
    }
  }
}
