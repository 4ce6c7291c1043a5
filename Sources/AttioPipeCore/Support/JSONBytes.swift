/// Appending JSON text to a byte array (the escaping itself is `ByteWriter`'s).
extension Array where Element == UInt8 {
  @inline(__always)
  package mutating func append(_ literal: StaticString) {
    append(
      contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
  }

  /// Appends `text` as a JSON string literal, quotes included: `"`, `\` and control
  /// characters are escaped; everything else is kept as UTF-8.
  package mutating func appendJSONString(_ text: String) {
    var text = text
    text.withUTF8 { appendJSONString(utf8: $0) }
  }

  /// The same from UTF-8 bytes (`ByteWriter.writeJSONString`).
  package mutating func appendJSONString(utf8: UnsafeBufferPointer<UInt8>) {
    append(maximumCount: ByteWriter.jsonStringBound(utf8.count)) { $0.writeJSONString(utf8) }
  }

  package mutating func appendInteger(_ value: Int) {
    append(contentsOf: String(value).utf8)
  }

}
