// Design: a validating, non-allocating JSON scanner specialised for analytics events.
//
// Every line must be checked in full (a line is either accepted or reported invalid, never
// half-read), but only a dozen fields of it are ever used. So the scanner walks the whole
// line once, byte by byte, checking RFC 8259 grammar, UTF-8 and nesting depth, and records
// the position of the few values the tool needs (`type`, the ids, `traits`, `context.traits`,
// `properties.lead_source`) in a reused `ScannedEvent`. Everything else is skipped, still
// validated, without building any value. Strings are decoded later, and only those the
// pipeline actually reads (see `JSONStringDecoder.swift`).
//
// Choices where JSON parsers differ, documented for users and for the differential tests:
// - Duplicate keys: the last one wins (as Python's `json` does).
// - Lone UTF-16 surrogates in `\u` escapes are accepted as JSON (as Python does) and decoded
//   as U+FFFD, so output stays valid UTF-8.
// - `NaN`, `Infinity` and other non-JSON literals are rejected (Python accepts them).
// - Nesting deeper than `maximumDepth` is rejected as `too_deep` (Python's limit is its
//   recursion limit, about 1000).
// - Keys written with escapes (`"\u0074ype"`) are decoded before they are matched.

/// Scans one line (without its line terminator) and fills a `ScannedEvent`.
package struct JSONScanner: ~Copyable {
  /// The deepest nesting of objects and arrays accepted; the event object itself is level 1.
  static let maximumDepth = 256

  private let base: UnsafePointer<UInt8>
  private let end: Int
  private var position = 0

  package init(_ line: UnsafeBufferPointer<UInt8>) {
    // A zero-length buffer may have a nil base address; point at a dummy byte instead.
    self.base = line.baseAddress ?? JSONScanner.emptyLine
    self.end = line.count
  }

  /// Immutable after initialisation, so safe to share.
  nonisolated(unsafe) private static let emptyLine: UnsafePointer<UInt8> = {
    let pointer = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
    pointer.initialize(to: 0)
    return UnsafePointer(pointer)
  }()

  /// Validates the line and records the fields the tool reads into `event` (reset first).
  mutating func scanEvent(into event: inout ScannedEvent) throws(JSONScanError) {
    event.reset()
    skipWhitespace()
    guard position < end else {
      throw JSONScanError(.invalidJSON, at: position, "empty line")
    }
    if base[position] != UInt8(ascii: "{") {
      try skipValue(depth: 1)
      skipWhitespace()
      if position < end {
        throw JSONScanError(.invalidJSON, at: position, "unexpected data after the value")
      }
      throw JSONScanError(.notObject, at: 0, "the line is JSON but not an object")
    }
    if event.readsTimestamp {
      try scanObject(depth: 1) { scanner, key, depth throws(JSONScanError) in
        if key.matches("timestamp", in: scanner) {
          event.timestamp = try scanner.scanLeafOrSkip(depth: depth)
        } else {
          try scanner.scanTopLevelField(key, depth: depth, into: &event)
        }
      }
    } else {
      // Apart from the loop above: a `timestamp` test inside the field dispatch made the
      // compiler stop inlining the key matching into it (+3% instructions on every event).
      try scanObject(depth: 1) { scanner, key, depth throws(JSONScanError) in
        try scanner.scanTopLevelField(key, depth: depth, into: &event)
      }
    }
    skipWhitespace()
    if position < end {
      throw JSONScanError(.invalidJSON, at: position, "unexpected data after the object")
    }
  }

  // MARK: - Request bodies (`send`)

  /// Validates a request body line and returns its `data.values` members: each slug's key and
  /// the byte range of its value, in order. Nil when the line is JSON but has no
  /// `data.values` object.
  package mutating func scanRequestBody() throws(JSONScanError) -> [(
    key: KeySpan, value: Range<Int>
  )]? {
    var members: [(key: KeySpan, value: Range<Int>)]?
    skipWhitespace()
    guard position < end, base[position] == UInt8(ascii: "{") else {
      try skipValue(depth: 1)
      throw JSONScanError(.notObject, at: 0, "the line is not a JSON object")
    }
    try scanObject(depth: 1) { scanner, key, depth throws(JSONScanError) in
      guard key.matches("data", in: scanner), scanner.peekIsObject() else {
        return try scanner.skipMember(depth: depth)
      }
      try scanner.scanObject(depth: depth + 1) { scanner, key, depth throws(JSONScanError) in
        guard key.matches("values", in: scanner), scanner.peekIsObject() else {
          return try scanner.skipMember(depth: depth)
        }
        var found: [(key: KeySpan, value: Range<Int>)] = []
        try scanner.scanObject(depth: depth + 1) { scanner, key, depth throws(JSONScanError) in
          let start = scanner.position
          try scanner.skipMember(depth: depth)
          found.append((key, start..<scanner.position))
        }
        members = found
      }
    }
    skipWhitespace()
    if position < end {
      throw JSONScanError(.invalidJSON, at: position, "unexpected data after the object")
    }
    return members
  }

  // MARK: - Fields

  private mutating func scanTopLevelField(
    _ key: KeySpan, depth: Int, into event: inout ScannedEvent
  ) throws(JSONScanError) {
    switch TopLevelKey(matching: key, in: self) {
    case .type: event.type = try scanStringField(depth: depth)
    case .action: event.action = try scanStringField(depth: depth)
    case .email: event.email = try scanStringField(depth: depth)
    case .event: event.event = try scanStringField(depth: depth)
    case .anonymousId: event.anonymousId = try scanIdentifierField(depth: depth)
    case .anonymousIdSnake: event.anonymousIdSnake = try scanIdentifierField(depth: depth)
    case .userId: event.userId = try scanIdentifierField(depth: depth)
    case .userIdSnake: event.userIdSnake = try scanIdentifierField(depth: depth)
    case .previousId: event.previousId = try scanIdentifierField(depth: depth)
    case .previousIdSnake: event.previousIdSnake = try scanIdentifierField(depth: depth)
    case .messageId: event.messageId = try scanIdentifierField(depth: depth)
    case .messageIdSnake: event.messageIdSnake = try scanIdentifierField(depth: depth)
    case .traits: try scanTraitsField(depth: depth, into: &event.traits)
    case .properties:
      // A repeated key replaces everything an earlier one said (the last duplicate wins),
      // whatever the type of the new value.
      event.leadSource = .absent
      event.leadSourceSnake = .absent
      event.properties.reset()
      guard peekIsObject() else { return try skipValue(depth: depth) }
      event.properties.isPresent = true
      try scanObject(depth: depth + 1) { scanner, key, depth throws(JSONScanError) in
        if key.matches("lead_source", in: scanner) {
          event.leadSourceSnake = try scanner.scanStringField(depth: depth)
        } else if key.matches("leadSource", in: scanner) {
          event.leadSource = try scanner.scanStringField(depth: depth)
        } else if let spelling = TraitSpelling(matching: key, in: scanner) {
          event.properties[spelling] = try scanner.scanTraitValue(spelling, depth: depth)
        } else {
          try scanner.skipMember(depth: depth)
        }
      }
    case .context:
      event.contextTraits.reset()
      guard peekIsObject() else { return try skipValue(depth: depth) }
      try scanObject(depth: depth + 1) { scanner, key, depth throws(JSONScanError) in
        if key.matches("traits", in: scanner) {
          try scanner.scanTraitsField(depth: depth, into: &event.contextTraits)
        } else {
          try scanner.skipMember(depth: depth)
        }
      }
    case nil:
      try skipMember(depth: depth)
    }
  }

  /// `timestamp`, read only when asked (`--signal`): not among the keys above, whose matching
  /// every field of every event goes through, and out of line, so that the field dispatch
  /// stays small enough to keep that matching inlined.
  @inline(never)
  private mutating func scanTimestampOrSkip(
    _ key: KeySpan, depth: Int, into event: inout ScannedEvent
  ) throws(JSONScanError) {
    if key.matches("timestamp", in: self) {
      event.timestamp = try scanLeafOrSkip(depth: depth)
    } else {
      try skipMember(depth: depth)
    }
  }

  private mutating func scanTraitsField(
    depth: Int, into traits: inout ScannedTraits
  ) throws(JSONScanError) {
    // A repeated `traits` key replaces the earlier one, whatever its type: the last duplicate
    // wins.
    traits.reset()
    guard peekIsObject() else { return try skipValue(depth: depth) }
    traits.isPresent = true
    try scanObject(depth: depth + 1) { scanner, key, depth throws(JSONScanError) in
      if let spelling = TraitSpelling(matching: key, in: scanner) {
        traits[spelling] = try scanner.scanTraitValue(spelling, depth: depth)
      } else if key.end - key.start == 7
        && (key.matches("address", in: scanner) || key.matches("Address", in: scanner))
      {
        try scanner.scanAddressField(depth: depth, into: &traits)
      } else {
        try scanner.skipMember(depth: depth)
      }
    }
  }

  /// `traits.address`: only its country is read (the country of a phone number written
  /// without an international prefix). A repeated `address` replaces the earlier one.
  private mutating func scanAddressField(
    depth: Int, into traits: inout ScannedTraits
  ) throws(JSONScanError) {
    traits[.addressCountryCode] = .absent
    traits[.addressCountry] = .absent
    guard peekIsObject() else { return try skipValue(depth: depth) }
    try scanObject(depth: depth + 1) { scanner, key, depth throws(JSONScanError) in
      switch key.end - key.start {
      case 7 where key.matches("country", in: scanner):
        traits[.addressCountry] = try scanner.scanStringField(depth: depth)
      case 11 where key.matches("countryCode", in: scanner):
        traits[.addressCountryCode] = try scanner.scanStringField(depth: depth)
      case 12 where key.matches("country_code", in: scanner):
        traits[.addressCountryCode] = try scanner.scanStringField(depth: depth)
      default:
        try scanner.skipMember(depth: depth)
      }
    }
  }

  /// Phone numbers may be JSON numbers; every other trait takes a string.
  private mutating func scanTraitValue(
    _ spelling: TraitSpelling, depth: Int
  ) throws(JSONScanError) -> ScannedValue {
    switch spelling {
    case .phone, .phoneNumber, .mobile: try scanIdentifierField(depth: depth)
    default: try scanStringField(depth: depth)
    }
  }

  /// A field that takes a string (or `null`); any other type is scanned and marked wrong.
  private mutating func scanStringField(depth: Int) throws(JSONScanError) -> ScannedValue {
    let value = try scanLeafOrSkip(depth: depth)
    if case .number = value { return .wrongType }
    return value
  }

  /// A field that takes a string or a number (ids, phone numbers), or `null`.
  private mutating func scanIdentifierField(depth: Int) throws(JSONScanError) -> ScannedValue {
    try scanLeafOrSkip(depth: depth)
  }

  /// Records a string, number or null at the cursor; skips anything else as `wrongType`.
  private mutating func scanLeafOrSkip(depth: Int) throws(JSONScanError) -> ScannedValue {
    guard position < end else {
      throw JSONScanError(.invalidJSON, at: position, "expected a value")
    }
    switch base[position] {
    case UInt8(ascii: "\""):
      let (start, stop, escaped) = try scanString()
      return .string(
        start: Int32(truncatingIfNeeded: start), end: Int32(truncatingIfNeeded: stop),
        escaped: escaped)
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
      let start = position
      try scanNumber()
      return .number(
        start: Int32(truncatingIfNeeded: start), end: Int32(truncatingIfNeeded: position))
    case UInt8(ascii: "n"):
      try scanLiteral("null")
      return .null
    default:
      try skipValue(depth: depth)
      return .wrongType
    }
  }

  private func peekIsObject() -> Bool {
    position < end && base[position] == UInt8(ascii: "{")
  }

  // MARK: - Grammar

  /// Walks an object at the cursor, calling `field` with each key; `field` must consume the
  /// value. `depth` is the nesting level of this object.
  private mutating func scanObject(
    depth: Int,
    _ field: (inout JSONScanner, KeySpan, Int) throws(JSONScanError) -> Void
  ) throws(JSONScanError) {
    if depth > JSONScanner.maximumDepth {
      throw JSONScanError(.tooDeep, at: position, "nested too deeply")
    }
    position += 1  // '{'
    skipWhitespace()
    if position < end && base[position] == UInt8(ascii: "}") {
      position += 1
      return
    }
    while true {
      guard position < end, base[position] == UInt8(ascii: "\"") else {
        throw JSONScanError(.invalidJSON, at: position, "expected a string key")
      }
      let (start, stop, escaped) = try scanString()
      // Compact JSON (`"key":value,"next"`) is recognised with one test per separator; any
      // white space or error takes the general path below.
      if end &- position >= 2 && base[position] == UInt8(ascii: ":")
        && base[position &+ 1] > 0x20
      {
        position &+= 1
      } else {
        skipWhitespace()
        guard position < end, base[position] == UInt8(ascii: ":") else {
          throw JSONScanError(.invalidJSON, at: position, "expected ':' after a key")
        }
        position += 1
        skipWhitespace()
      }
      try field(&self, KeySpan(start: start, end: stop, escaped: escaped), depth)
      if end &- position >= 2 && base[position] == UInt8(ascii: ",")
        && base[position &+ 1] == UInt8(ascii: "\"")
      {
        position &+= 1
        continue
      }
      skipWhitespace()
      guard position < end else {
        throw JSONScanError(.invalidJSON, at: position, "unterminated object")
      }
      switch base[position] {
      case UInt8(ascii: ","):
        position += 1
        skipWhitespace()
      case UInt8(ascii: "}"):
        position += 1
        return
      default:
        throw JSONScanError(.invalidJSON, at: position, "expected ',' or '}' in an object")
      }
    }
  }

  /// `skipValue` with its commonest case, a string, inlined into the caller: most skipped
  /// members are strings, and the call cost as much as scanning a short one.
  @inline(__always)
  private mutating func skipMember(depth: Int) throws(JSONScanError) {
    if position < end && base[position] == UInt8(ascii: "\"") {
      _ = try scanString()
    } else {
      try skipValue(depth: depth)
    }
  }

  /// Validates and steps over any value at the cursor. `depth` is the level of the
  /// container holding it.
  private mutating func skipValue(depth: Int) throws(JSONScanError) {
    guard position < end else {
      throw JSONScanError(.invalidJSON, at: position, "expected a value")
    }
    switch base[position] {
    case UInt8(ascii: "{"):
      try scanObject(depth: depth + 1) { scanner, _, depth throws(JSONScanError) in
        try scanner.skipMember(depth: depth)
      }
    case UInt8(ascii: "["):
      try skipArray(depth: depth + 1)
    case UInt8(ascii: "\""):
      _ = try scanString()
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
      try scanNumber()
    case UInt8(ascii: "t"):
      try scanLiteral("true")
    case UInt8(ascii: "f"):
      try scanLiteral("false")
    case UInt8(ascii: "n"):
      try scanLiteral("null")
    default:
      throw JSONScanError(.invalidJSON, at: position, "expected a value")
    }
  }

  private mutating func skipArray(depth: Int) throws(JSONScanError) {
    if depth > JSONScanner.maximumDepth {
      throw JSONScanError(.tooDeep, at: position, "nested too deeply")
    }
    position += 1  // '['
    skipWhitespace()
    if position < end && base[position] == UInt8(ascii: "]") {
      position += 1
      return
    }
    while true {
      try skipValue(depth: depth)
      skipWhitespace()
      guard position < end else {
        throw JSONScanError(.invalidJSON, at: position, "unterminated array")
      }
      switch base[position] {
      case UInt8(ascii: ","):
        position += 1
        skipWhitespace()
      case UInt8(ascii: "]"):
        position += 1
        return
      default:
        throw JSONScanError(.invalidJSON, at: position, "expected ',' or ']' in an array")
      }
    }
  }

  /// Compact JSON has no white space between tokens: one comparison says so.
  @inline(__always)
  private mutating func skipWhitespace() {
    guard position < end, base[position] <= 0x20 else { return }
    skipWhitespaceSlowly()
  }

  @inline(never)
  private mutating func skipWhitespaceSlowly() {
    while position < end {
      switch base[position] {
      case 0x20, 0x09, 0x0A, 0x0D: position += 1
      default: return
      }
    }
  }

  private mutating func scanLiteral(_ literal: StaticString) throws(JSONScanError) {
    let count = literal.utf8CodeUnitCount
    guard end - position >= count,
      bytesEqual(base + position, literal.utf8Start, count: count)
    else {
      throw JSONScanError(.invalidJSON, at: position, "invalid literal")
    }
    position += count
  }

  /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
  private mutating func scanNumber() throws(JSONScanError) {
    if base[position] == UInt8(ascii: "-") { position += 1 }
    guard position < end, isDigit(base[position]) else {
      throw JSONScanError(.invalidJSON, at: position, "expected a digit")
    }
    if base[position] == UInt8(ascii: "0") {
      position += 1
    } else {
      skipDigits()
    }
    if position < end && base[position] == UInt8(ascii: ".") {
      position += 1
      guard position < end, isDigit(base[position]) else {
        throw JSONScanError(.invalidJSON, at: position, "expected a digit after '.'")
      }
      skipDigits()
    }
    if position < end && (base[position] | 0x20) == UInt8(ascii: "e") {
      position += 1
      if position < end
        && (base[position] == UInt8(ascii: "+") || base[position] == UInt8(ascii: "-"))
      {
        position += 1
      }
      guard position < end, isDigit(base[position]) else {
        throw JSONScanError(.invalidJSON, at: position, "expected a digit in the exponent")
      }
      skipDigits()
    }
  }

  @inline(__always)
  private mutating func skipDigits() {
    while position < end && isDigit(base[position]) { position += 1 }
  }

  @inline(__always)
  private func isDigit(_ byte: UInt8) -> Bool {
    byte &- UInt8(ascii: "0") < 10
  }

  /// Steps over a string at the cursor (on its opening quote), validating escapes, control
  /// characters and UTF-8. Returns the span between the quotes.
  ///
  /// Inlined into its callers for the common case, a string of plain ASCII ending in a quote
  /// with at least eight bytes of line left after it: sixteen, then eight bytes at a time, in
  /// local variables (a call per string, and the cursor kept in memory, cost more than the
  /// scan itself for the short keys that most strings are). Anything else (an escape, a
  /// non-ASCII or control byte, the end of the line near) continues in `scanStringSlowly`.
  @inline(__always)
  private mutating func scanString() throws(JSONScanError) -> (Int, Int, Bool) {
    let base = self.base
    let end = self.end
    let start = position &+ 1  // after the opening quote
    var cursor = start
    while end &- cursor >= 16 {
      let low = JSONScanner.specialBytes(in: JSONScanner.word(at: base + cursor))
      let high = JSONScanner.specialBytes(in: JSONScanner.word(at: base + (cursor &+ 8)))
      if low | high != 0 {
        cursor &+= low != 0 ? low.trailingZeroBitCount &>> 3 : 8 &+ high.trailingZeroBitCount &>> 3
        return try finishString(start: start, at: cursor)
      }
      cursor &+= 16
    }
    if end &- cursor >= 8 {
      let special = JSONScanner.specialBytes(in: JSONScanner.word(at: base + cursor))
      if special != 0 {
        cursor &+= special.trailingZeroBitCount &>> 3
        return try finishString(start: start, at: cursor)
      }
      cursor &+= 8
    }
    position = cursor
    return try scanStringSlowly(start: start)
  }

  /// The fast scan stopped on a byte that needs attention at `cursor`: a closing quote ends the
  /// string here, anything else goes the slow way.
  @inline(__always)
  private mutating func finishString(start: Int, at cursor: Int) throws(JSONScanError) -> (
    Int, Int, Bool
  ) {
    if base[cursor] == UInt8(ascii: "\"") {
      position = cursor &+ 1
      return (start, cursor, false)
    }
    position = cursor
    return try scanStringSlowly(start: start)
  }

  @inline(__always)
  private static func word(at pointer: UnsafePointer<UInt8>) -> UInt64 {
    UInt64(littleEndian: UnsafeRawPointer(pointer).loadUnaligned(as: UInt64.self))
  }

  /// The rest of a string from the cursor (inside it, every byte before the cursor plain):
  /// escapes, UTF-8 sequences, and the last bytes of the line.
  @inline(never)
  private mutating func scanStringSlowly(start: Int) throws(JSONScanError) -> (Int, Int, Bool) {
    var escaped = false
    while true {
      // Eight bytes at a time while none of them needs attention, then byte by byte to find
      // the one that does.
      while end - position >= 8 {
        let special = JSONScanner.specialBytes(in: JSONScanner.word(at: base + position))
        if special != 0 {
          position += special.trailingZeroBitCount >> 3
          break
        }
        position += 8
      }
      while position < end && JSONScanner.isPlainStringByte(base[position]) { position += 1 }
      guard position < end else {
        throw JSONScanError(.invalidJSON, at: position, "unterminated string")
      }
      let byte = base[position]
      switch byte {
      case UInt8(ascii: "\""):
        position += 1
        return (start, position - 1, escaped)
      case UInt8(ascii: "\\"):
        escaped = true
        try scanEscape()
      case 0x80...:
        try scanMultiByteCharacter()
      default:
        throw JSONScanError(.invalidJSON, at: position, "control character in a string")
      }
    }
  }

  private mutating func scanEscape() throws(JSONScanError) {
    position += 1
    guard position < end else {
      throw JSONScanError(.invalidJSON, at: position, "unterminated escape")
    }
    switch base[position] {
    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
      UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
      position += 1
    case UInt8(ascii: "u"):
      guard end - position > 4 else {
        throw JSONScanError(.invalidJSON, at: position, "truncated \\u escape")
      }
      for offset in 1...4 where JSONScanner.hexValue(base[position + offset]) == nil {
        throw JSONScanError(.invalidJSON, at: position + offset, "invalid hex digit in \\u escape")
      }
      position += 5
    default:
      throw JSONScanError(.invalidJSON, at: position, "invalid escape")
    }
  }

  /// Validates one UTF-8 sequence of two to four bytes (Unicode Table 3-7).
  private mutating func scanMultiByteCharacter() throws(JSONScanError) {
    let lead = base[position]
    let length: Int
    var lower: UInt8 = 0x80
    var upper: UInt8 = 0xBF
    switch lead {
    case 0xC2...0xDF: length = 2
    case 0xE0:
      length = 3
      lower = 0xA0
    case 0xE1...0xEC, 0xEE...0xEF: length = 3
    case 0xED:
      length = 3
      upper = 0x9F  // excludes encoded surrogates
    case 0xF0:
      length = 4
      lower = 0x90
    case 0xF1...0xF3: length = 4
    case 0xF4:
      length = 4
      upper = 0x8F  // nothing above U+10FFFF
    default:
      throw JSONScanError(.invalidUTF8, at: position, "invalid UTF-8 lead byte")
    }
    guard end - position >= length else {
      throw JSONScanError(.invalidUTF8, at: position, "truncated UTF-8 sequence")
    }
    let second = base[position + 1]
    guard second >= lower && second <= upper else {
      throw JSONScanError(.invalidUTF8, at: position + 1, "invalid UTF-8 continuation byte")
    }
    for offset in 2..<length where base[position + offset] & 0xC0 != 0x80 {
      throw JSONScanError(.invalidUTF8, at: position + offset, "invalid UTF-8 continuation byte")
    }
    position += length
  }

  // MARK: - Tables and byte access for extensions

  /// Whether a string may hold `byte` without further checks: printable ASCII other than `"`
  /// and `\\`.
  @inline(__always)
  private static func isPlainStringByte(_ byte: UInt8) -> Bool {
    byte >= 0x20 && byte < 0x80 && byte != 0x22 && byte != 0x5C
  }

  /// SWAR: the high bit of each byte of the result is set where `word` holds `"`, `\\`, a
  /// control character or a non-ASCII byte. Bits above the lowest set one may be spurious
  /// (borrows), so callers use only the lowest.
  @inline(__always)
  private static func specialBytes(in word: UInt64) -> UInt64 {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let highBits: UInt64 = 0x8080_8080_8080_8080
    let belowSpace = (word &- ones &* 0x20) & ~word
    let quote = word ^ (ones &* 0x22)
    let backslash = word ^ (ones &* 0x5C)
    let isQuote = (quote &- ones) & ~quote
    let isBackslash = (backslash &- ones) & ~backslash
    return (belowSpace | isQuote | isBackslash | word) & highBits
  }

  package static func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
  }

  /// The bytes `start..<end` of the line, for key matching.
  func bytes(_ start: Int, _ end: Int) -> UnsafeBufferPointer<UInt8> {
    UnsafeBufferPointer(start: base + start, count: end - start)
  }
}
