/// Appending JSON text to a byte array: the one place that knows JSON's escaping rules.
extension Array where Element == UInt8 {
  @inline(__always)
  mutating func append(_ literal: StaticString) {
    append(
      contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
  }

  /// Appends `text` as a JSON string literal, quotes included: `"`, `\` and control
  /// characters are escaped; everything else is kept as UTF-8.
  mutating func appendJSONString(_ text: String) {
    var text = text
    text.withUTF8 { appendJSONString(utf8: $0) }
  }

  /// The same from UTF-8 bytes. Most values need no escape: they are checked first and then
  /// appended in one piece.
  mutating func appendJSONString(utf8: UnsafeBufferPointer<UInt8>) {
    append(UInt8(ascii: "\""))
    var runStart = 0
    var offset = 0
    while offset < utf8.count {
      let byte = utf8[offset]
      if byte < 0x20 || byte == 0x22 || byte == 0x5C {
        append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<offset]))
        appendEscape(byte)
        runStart = offset + 1
      }
      offset += 1
    }
    append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
    append(UInt8(ascii: "\""))
  }

  mutating func appendInteger(_ value: Int) {
    append(contentsOf: String(value).utf8)
  }

  private mutating func appendEscape(_ byte: UInt8) {
    switch byte {
    case 0x22: append("\\\"")
    case 0x5C: append("\\\\")
    case 0x0A: append("\\n")
    case 0x0D: append("\\r")
    case 0x09: append("\\t")
    case 0x08: append("\\b")
    case 0x0C: append("\\f")
    default:
      let hex: StaticString = "0123456789abcdef"
      append("\\u00")
      append(hex.utf8Start[Int(byte >> 4)])
      append(hex.utf8Start[Int(byte & 0xF)])
    }
  }
}
