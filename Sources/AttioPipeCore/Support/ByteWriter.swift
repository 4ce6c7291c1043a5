/// Writes bytes through a pointer into memory sized beforehand.
///
/// A request body is twenty-odd pieces (keys, values, punctuation). Appending each to a
/// `[UInt8]` costs about ninety instructions a call whatever its size (uniqueness and capacity
/// checks, a generic copy); written here each costs a bounds check and a copy, and the body
/// reaches its array in one append (`Array.append(maximumCount:writing:)`).
///
/// Its per-event members are `@inlinable` for the event processor in AttioPipeCommands, so
/// what they touch is `@usableFromInline` rather than private (see Package.swift).
@usableFromInline
package struct ByteWriter {
  @usableFromInline let buffer: UnsafeMutableBufferPointer<UInt8>
  @usableFromInline package internal(set) var count = 0

  @inlinable
  package init(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
    self.buffer = buffer
  }

  /// The most bytes `writeJSONString` writes for `count` bytes of text: every byte escaped as
  /// `\u00XX`, and the quotes.
  @inlinable
  package static func jsonStringBound(_ count: Int) -> Int { count * 6 + 2 }

  @inlinable @inline(__always)
  package mutating func write(_ byte: UInt8) {
    precondition(count < buffer.count, "ByteWriter: more than the bound")
    buffer[count] = byte
    count += 1
  }

  @inlinable @inline(__always)
  package mutating func write(_ bytes: UnsafeBufferPointer<UInt8>) {
    guard let source = bytes.baseAddress else { return }
    precondition(bytes.count <= buffer.count - count, "ByteWriter: more than the bound")
    (buffer.baseAddress! + count).update(from: source, count: bytes.count)
    count += bytes.count
  }

  @inlinable @inline(__always)
  package mutating func write(_ literal: StaticString) {
    write(UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
  }

  /// Writes `utf8` as a JSON string literal, quotes included: `"`, `\` and control characters
  /// are escaped; everything else is kept as UTF-8. The one place that knows JSON's escaping
  /// rules. Most values need no escape: they are checked first and written in one piece.
  package mutating func writeJSONString(_ utf8: UnsafeBufferPointer<UInt8>) {
    write(UInt8(ascii: "\""))
    var runStart = 0
    var offset = Self.firstByteToEscape(in: utf8)
    while offset < utf8.count {
      let byte = utf8[offset]
      if byte < 0x20 || byte == 0x22 || byte == 0x5C {
        write(UnsafeBufferPointer(rebasing: utf8[runStart..<offset]))
        writeEscape(byte)
        runStart = offset + 1
      }
      offset += 1
    }
    write(UnsafeBufferPointer(rebasing: utf8[runStart...]))
    write(UInt8(ascii: "\""))
  }

  /// Where the first byte that needs an escape may be: eight bytes are tested at a time, so
  /// the answer is the start of the first word holding one (or of the tail), and `count` when
  /// there is none.
  @inline(__always)
  private static func firstByteToEscape(in utf8: UnsafeBufferPointer<UInt8>) -> Int {
    guard let base = utf8.baseAddress else { return 0 }
    let ones: UInt64 = 0x0101_0101_0101_0101
    let highBits: UInt64 = 0x8080_8080_8080_8080
    /// A high bit in each byte that is zero (may mark a byte after a zero one: only used to
    /// decide whether a word holds one).
    func hasZeroByte(_ word: UInt64) -> Bool { (word &- ones) & ~word & highBits != 0 }
    var offset = 0
    while utf8.count - offset >= 8 {
      let word = UnsafeRawPointer(base + offset).loadUnaligned(as: UInt64.self)
      // A byte below 0x20 has a zero in `word & 0xE0` of that byte.
      if hasZeroByte(word & (ones &* 0xE0)) || hasZeroByte(word ^ (ones &* 0x22))
        || hasZeroByte(word ^ (ones &* 0x5C))
      {
        return offset
      }
      offset += 8
    }
    return offset
  }

  private mutating func writeEscape(_ byte: UInt8) {
    switch byte {
    case 0x22: write("\\\"")
    case 0x5C: write("\\\\")
    case 0x0A: write("\\n")
    case 0x0D: write("\\r")
    case 0x09: write("\\t")
    case 0x08: write("\\b")
    case 0x0C: write("\\f")
    default:
      let hex: StaticString = "0123456789abcdef"
      write("\\u00")
      write(hex.utf8Start[Int(byte >> 4)])
      write(hex.utf8Start[Int(byte & 0xF)])
    }
  }
}

extension Array where Element == UInt8 {
  /// Appends what `body` writes, which must be at most `maximumCount` bytes (a precondition).
  /// Small bounds are written on the stack.
  @inlinable
  package mutating func append(maximumCount: Int, writing body: (inout ByteWriter) -> Void) {
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maximumCount) { buffer in
      var writer = ByteWriter(buffer)
      body(&writer)
      append(contentsOf: UnsafeBufferPointer(rebasing: buffer[..<writer.count]))
    }
  }
}
