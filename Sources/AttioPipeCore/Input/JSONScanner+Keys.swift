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
    // Dispatch on length, then compare bytes: no arrays, so no reference counting per key.
    let candidates: [TopLevelKey]
    switch key.escaped ? -1 : key.end - key.start {
    case -1: candidates = TopLevelKey.allCases
    case 4: candidates = [.type]
    case 5: candidates = [.event]
    case 6: candidates = [.traits, .userId]
    case 7: candidates = [.context, .userIdSnake]
    case 9: candidates = [.messageId]
    case 10: candidates = [.properties, .previousId, .messageIdSnake]
    case 11: candidates = [.anonymousId, .previousIdSnake]
    case 12: candidates = [.anonymousIdSnake]
    default: return nil
    }
    guard let found = candidates.first(where: { key.matches($0.key, in: scanner) }) else {
      return nil
    }
    self = found
  }
}

extension TraitSpelling {
  init?(matching key: KeySpan, in scanner: borrowing JSONScanner) {
    let candidates: [TraitSpelling]
    switch key.escaped ? -1 : key.end - key.start {
    case -1: candidates = TraitSpelling.allCases
    case 4: candidates = [.name]
    case 5: candidates = [.email, .phone, .title]
    case 8: candidates = [.lastNameCamel, .jobTitleCamel]
    case 9: candidates = [.firstNameCamel, .lastNameSnake, .jobTitleSnake]
    case 10: candidates = [.firstNameSnake]
    default: return nil
    }
    guard let found = candidates.first(where: { key.matches($0.key, in: scanner) }) else {
      return nil
    }
    self = found
  }
}
