import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// Scans `text` as one line and returns the outcome.
private func scan(_ text: String) -> Result<ScannedEvent, JSONScanError> {
  scan(Array(text.utf8))
}

private func scan(_ bytes: [UInt8]) -> Result<ScannedEvent, JSONScanError> {
  bytes.withUnsafeBufferPointer { buffer in
    var event = ScannedEvent()
    var scanner = JSONScanner(buffer)
    do throws(JSONScanError) {
      try scanner.scanEvent(into: &event)
      return .success(event)
    } catch {
      return .failure(error)
    }
  }
}

private func reason(_ text: String) -> InvalidLineReason? {
  if case .failure(let error) = scan(text) { return error.reason }
  return nil
}

@Suite struct JSONScannerTests {
  @Test(arguments: [
    #"{}"#,
    #" { "a" : 1 } "#,
    #"{"a":[1,-2.5e+10,0.0,1E-2,true,false,null,"x",{"b":[]}]}"#,
    #"{"s":"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"}"#,
    #"{"lone":"\ud800"}"#,
    "{\"utf8\":\"héllo 😀 €\"}",
    #"{"a":1,"a":2}"#,
    "{\"tab\":\t1}",
  ])
  func acceptsValidObjects(_ line: String) {
    #expect(reason(line) == nil)
  }

  @Test(arguments: [
    (#"{"a":1"#, InvalidLineReason.invalidJSON),
    (#"{"a" 1}"#, .invalidJSON),
    (#"{"a":1,}"#, .invalidJSON),
    (#"{a:1}"#, .invalidJSON),
    (#"{"a":01}"#, .invalidJSON),
    (#"{"a":1.}"#, .invalidJSON),
    (#"{"a":-}"#, .invalidJSON),
    (#"{"a":NaN}"#, .invalidJSON),
    (#"{"a":Infinity}"#, .invalidJSON),
    (#"{"a":tru}"#, .invalidJSON),
    (#"{"a":"\x"}"#, .invalidJSON),
    (#"{"a":"\u12G4"}"#, .invalidJSON),
    ("{\"a\":\"tab\there\"}", .invalidJSON),
    ("{\"a\":\"nul\u{0}\"}", .invalidJSON),
    (#"{"a":1} x"#, .invalidJSON),
    (#"{"a":1}{"b":2}"#, .invalidJSON),
    (#"[1,2]"#, .notObject),
    (#""text""#, .notObject),
    (#"42"#, .notObject),
    (#"null"#, .notObject),
    ("", .invalidJSON),
  ])
  func rejectsInvalidLines(_ line: String, _ expected: InvalidLineReason) {
    #expect(reason(line) == expected)
  }

  @Test(
    arguments: [
      [0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xC3, 0x22, 0x7D],  // truncated 2-byte sequence
      [0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xC0, 0xAF, 0x22, 0x7D],  // overlong '/'
      [0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xED, 0xA0, 0x80, 0x22, 0x7D],  // encoded surrogate
      [0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xF4, 0x90, 0x80, 0x80, 0x22, 0x7D],  // > U+10FFFF
      [0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D],  // stray byte in a key
    ] as [[UInt8]])
  func rejectsInvalidUTF8(_ bytes: [UInt8]) {
    guard case .failure(let error) = scan(bytes) else {
      Issue.record("accepted invalid UTF-8")
      return
    }
    #expect(error.reason == .invalidUTF8)
  }

  @Test func limitsNestingDepth() {
    let limit = JSONScanner.maximumDepth
    let deepest =
      #"{"a":"# + String(repeating: "[", count: limit - 1)
      + String(repeating: "]", count: limit - 1) + "}"
    #expect(reason(deepest) == nil)
    let tooDeep =
      #"{"a":"# + String(repeating: "[", count: limit)
      + String(repeating: "]", count: limit) + "}"
    #expect(reason(tooDeep) == .tooDeep)
    let hostile = #"{"a":"# + String(repeating: "[", count: 100_000)
    #expect(reason(hostile) == .tooDeep)
  }

  @Test func reportsTheByteOffsetOfTheError() {
    guard case .failure(let error) = scan(#"{"a":1,"b" 2}"#) else {
      Issue.record("accepted")
      return
    }
    #expect(error.offset == 11)
  }

  @Test func extractsTheFieldsTheToolReads() throws {
    let line = #"""
      {"type":"identify","anonymousId":"a-1","user_id":42,"messageId":"m","context":{"ip":"x",
      "traits":{"email":"c@example.com"}},"properties":{"lead_source":"ads"},
      "traits":{"email":"e@example.com","firstName":"Ada","phone":15558675309,"name":5,
      "title":{"x":1},"unknown":[1]}}
      """#.replacingOccurrences(of: "\n", with: "")
    let event = try scan(line).get()
    #expect(event.type.isString("identify", in: line))
    #expect(event.anonymousId.isString("a-1", in: line))
    #expect(event.userIdSnake == .number(start: 49, end: 51))
    #expect(event.traits[.email].isString("e@example.com", in: line))
    #expect(event.traits[.firstName].isString("Ada", in: line))
    #expect(event.traits[.name] == .wrongType)
    #expect(event.traits[.title] == .wrongType)
    if case .number = event.traits[.phone] {} else { Issue.record("phone number not kept") }
    #expect(event.contextTraits[.email].isString("c@example.com", in: line))
    #expect(event.leadSourceSnake.isString("ads", in: line))
  }

  @Test func toleratesFieldsOfTheWrongType() throws {
    let event = try scan(#"{"type":"identify","traits":5,"context":"x","properties":[1]}"#).get()
    #expect(!event.traits.isPresent)
    #expect(!event.contextTraits.isPresent)
  }

  @Test func matchesKeysWrittenWithEscapes() throws {
    let line = #"{"\u0074ype":"track","ev\u0065nt":"Signed Up"}"#
    let event = try scan(line).get()
    #expect(event.type.isString("track", in: line))
    #expect(event.event.isPresent)
  }

  @Test func lastDuplicateKeyWins() throws {
    let line = #"{"event":"A","event":"B"}"#
    #expect(try scan(line).get().event.isString("B", in: line))
  }
}

extension ScannedValue {
  fileprivate func isString(_ expected: String, in line: String) -> Bool {
    guard case .string(let start, let end, _) = self else { return false }
    let bytes = Array(line.utf8)[Int(start)..<Int(end)]
    return String(decoding: bytes, as: UTF8.self) == expected
  }
}

@Suite struct JSONStringDecoderTests {
  @Test(arguments: [
    (#"plain"#, "plain"),
    (#"a\"b\\c\/d"#, "a\"b\\c/d"),
    (#"\b\f\n\r\t"#, "\u{8}\u{C}\n\r\t"),
    (#"\u00e9\u20AC"#, "é€"),
    (#"\ud83d\ude00"#, "😀"),
    (#"\ud800x"#, "\u{FFFD}x"),
    (#"\udc00"#, "\u{FFFD}"),
    (#"\ud83d\u0041"#, "\u{FFFD}A"),
  ])
  func decodes(_ body: String, _ expected: String) {
    let decoded = Array(body.utf8).withUnsafeBufferPointer { JSONStringDecoder.decode($0.span) }
    #expect(decoded == expected)
  }
}
