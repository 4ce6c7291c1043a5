// Byte spans are how the mapping and the input's helpers receive bytes they only read: a
// `Span` cannot be stored or returned, so the compiler checks that nothing keeps bytes of a
// line or a profile beyond the call that lent them (a raw buffer pointer would let it, and only
// a comment would say it must not). What Span lacks for that work is here.

extension Span where Element == UInt8 {
  /// The bytes as a String (invalid UTF-8 repaired, as `String(decoding:as:)` does).
  package var utf8String: String {
    withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }
  }

  /// The first index holding `byte`.
  package func firstIndex(of byte: UInt8) -> Int? {
    var index = 0
    while index < count {
      if self[unchecked: index] == byte { return index }
      index += 1
    }
    return nil
  }

  package func contains(_ byte: UInt8) -> Bool { firstIndex(of: byte) != nil }

  /// A copy of the bytes.
  package var array: [UInt8] { withUnsafeBufferPointer { Array($0) } }
}

extension Array where Element == UInt8 {
  /// Appends the span's bytes.
  package mutating func append(_ span: Span<UInt8>) {
    span.withUnsafeBufferPointer { append(contentsOf: $0) }
  }
}
