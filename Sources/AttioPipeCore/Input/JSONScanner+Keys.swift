import Glibc

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
    return bytes.count == count && memcmp(bytes.baseAddress!, literal.utf8Start, count) == 0
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

  /// Candidates grouped by key length, so most unknown keys cost one table look-up.
  private static let byLength: [[TopLevelKey]] = candidateTable(allCases, \.key)

  init?(matching key: KeySpan, in scanner: borrowing JSONScanner) {
    guard let found = lookUp(key, in: scanner, TopLevelKey.byLength, \.key) else { return nil }
    self = found
  }
}

extension TraitSpelling {
  private static let byLength: [[TraitSpelling]] = candidateTable(allCases, \.key)

  init?(matching key: KeySpan, in scanner: borrowing JSONScanner) {
    guard let found = lookUp(key, in: scanner, TraitSpelling.byLength, \.key) else { return nil }
    self = found
  }
}

private let longestKnownKey = 16

private func candidateTable<Key>(_ keys: [Key], _ text: (Key) -> StaticString) -> [[Key]] {
  var table = [[Key]](repeating: [], count: longestKnownKey + 1)
  for key in keys { table[text(key).utf8CodeUnitCount].append(key) }
  return table
}

@inline(__always)
private func lookUp<Key>(
  _ key: KeySpan, in scanner: borrowing JSONScanner, _ table: [[Key]],
  _ text: (Key) -> StaticString
) -> Key? {
  if key.escaped {
    // Escapes change the length; compare decoded text against every candidate.
    let decoded = JSONStringDecoder.decode(scanner.bytes(key.start, key.end))
    return table.joined().first { text($0).description == decoded }
  }
  let length = key.end - key.start
  guard length <= longestKnownKey else { return nil }
  for candidate in table[length] where key.matches(text(candidate), in: scanner) {
    return candidate
  }
  return nil
}
