import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// JSON escaping looks for bytes to escape eight at a time; every such byte must be found
/// wherever it falls in or across those words.
@Suite struct ByteWriterTests {
  /// The rule, one byte at a time.
  private static func reference(_ bytes: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [0x22]
    for byte in bytes {
      switch byte {
      case 0x22: out += Array("\\\"".utf8)
      case 0x5C: out += Array("\\\\".utf8)
      case 0x0A: out += Array("\\n".utf8)
      case 0x0D: out += Array("\\r".utf8)
      case 0x09: out += Array("\\t".utf8)
      case 0x08: out += Array("\\b".utf8)
      case 0x0C: out += Array("\\f".utf8)
      case ..<0x20:
        let hex = Array("0123456789abcdef".utf8)
        out += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
      default: out.append(byte)
      }
    }
    return out + [0x22]
  }

  @Test(arguments: [0x00, 0x01, 0x08, 0x0A, 0x1F, 0x22, 0x5C] as [UInt8])
  func everyPositionOfAnEscapedByteIsFound(_ special: UInt8) {
    // Neighbours that a word-at-a-time test could confuse: 0x20 (just above the controls),
    // 0x21/0x23 and 0x5B/0x5D (beside the quote and backslash), non-ASCII.
    let filler: [UInt8] = [0x20, 0x21, 0x23, 0x5B, 0x5D, 0x7F, 0xC3, 0xA9, 0x41, 0x7A]
    for length in 1...24 {
      for position in 0..<length {
        var bytes = (0..<length).map { filler[$0 % filler.count] }
        bytes[position] = special
        var written: [UInt8] = []
        bytes.withUnsafeBufferPointer { written.appendJSONString(utf8: $0) }
        #expect(written == Self.reference(bytes), "length \(length), position \(position)")
      }
    }
  }

  @Test func stringsWithoutEscapesAreCopiedWhole() {
    for length in 0...40 {
      let bytes = (0..<length).map { UInt8(0x61 + $0 % 26) }
      var written: [UInt8] = []
      bytes.withUnsafeBufferPointer { written.appendJSONString(utf8: $0) }
      #expect(written == [0x22] + bytes + [0x22])
    }
  }
}
