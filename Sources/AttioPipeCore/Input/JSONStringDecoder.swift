/// Turns the body of a JSON string that `JSONScanner` has already validated into a `String`.
///
/// Because the scanner has checked the escapes and the UTF-8, decoding cannot fail: a lone
/// UTF-16 surrogate (legal JSON, not a character) becomes U+FFFD so that everything the tool
/// writes stays valid UTF-8.
package enum JSONStringDecoder {
  package static func decode(_ bytes: Span<UInt8>) -> String {
    guard bytes.contains(UInt8(ascii: "\\")) else { return bytes.utf8String }
    var output = [UInt8]()
    output.reserveCapacity(bytes.count)
    decode(bytes, into: &output)
    return String(decoding: output, as: UTF8.self)
  }

  /// Appends the decoded UTF-8 bytes to `output` (no String on the way).
  package static func decode(_ bytes: Span<UInt8>, into output: inout [UInt8]) {
    var index = 0
    while index < bytes.count {
      let byte = bytes[index]
      guard byte == UInt8(ascii: "\\") else {
        output.append(byte)
        index += 1
        continue
      }
      let escape = bytes[index + 1]
      index += 2
      switch escape {
      case UInt8(ascii: "b"): output.append(0x08)
      case UInt8(ascii: "f"): output.append(0x0C)
      case UInt8(ascii: "n"): output.append(0x0A)
      case UInt8(ascii: "r"): output.append(0x0D)
      case UInt8(ascii: "t"): output.append(0x09)
      case UInt8(ascii: "u"):
        let unit = hexUnit(bytes, at: index)
        index += 4
        var scalar = Unicode.Scalar(unit)
        if UTF16.isLeadSurrogate(unit), index + 6 <= bytes.count,
          bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
        {
          let trail = hexUnit(bytes, at: index + 2)
          if UTF16.isTrailSurrogate(trail) {
            let value = 0x10000 + (UInt32(unit - 0xD800) << 10) + UInt32(trail - 0xDC00)
            scalar = Unicode.Scalar(value)
            index += 6
          }
        }
        appendUTF8(scalar ?? "\u{FFFD}", to: &output)
      default: output.append(escape)  // `"`, `\` and `/` stand for themselves
      }
    }
  }

  private static func hexUnit(_ bytes: Span<UInt8>, at index: Int) -> UInt16 {
    var unit: UInt16 = 0
    for offset in 0..<4 {
      unit = unit << 4 | UInt16(JSONScanner.hexValue(bytes[index + offset]) ?? 0)
    }
    return unit
  }

  private static func appendUTF8(_ scalar: Unicode.Scalar, to output: inout [UInt8]) {
    UTF8.encode(scalar) { output.append($0) }
  }
}
