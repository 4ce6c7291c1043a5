/// The canonical text of a JSON number used as an id, so that `42`, `42.0`, `4.2e1` and
/// `420e-1` name one visitor. Exact decimal arithmetic on the digits (no `Double`: ids longer
/// than 15 digits must not collide).
package enum CanonicalNumber {
  /// Nil when `literal` is already canonical (an integer without a fraction or exponent, the
  /// common case, which then costs one pass and no allocation).
  package static func canonical(_ literal: Span<UInt8>) -> [UInt8]? {
    let needsWork = literal.indices.contains {
      literal[$0] == UInt8(ascii: ".") || literal[$0] | 0x20 == UInt8(ascii: "e")
    }
    let isNegativeZero =
      literal.count == 2 && literal[0] == UInt8(ascii: "-")
      && literal[1] == UInt8(ascii: "0")
    guard needsWork || isNegativeZero else { return nil }
    var negative = false
    var digits: [UInt8] = []
    var exponent = 0
    var index = 0
    if index < literal.count && literal[index] == UInt8(ascii: "-") {
      negative = true
      index += 1
    }
    var inFraction = false
    while index < literal.count {
      let byte = literal[index]
      if byte == UInt8(ascii: ".") {
        inFraction = true
      } else if byte | 0x20 == UInt8(ascii: "e") {
        index += 1
        var exponentNegative = false
        if index < literal.count
          && (literal[index] == UInt8(ascii: "+") || literal[index] == UInt8(ascii: "-"))
        {
          exponentNegative = literal[index] == UInt8(ascii: "-")
          index += 1
        }
        var value = 0
        while index < literal.count {
          // Beyond any real id; clamped so the arithmetic cannot overflow.
          value = min(value * 10 + Int(literal[index] &- UInt8(ascii: "0")), 1_000_000)
          index += 1
        }
        exponent += exponentNegative ? -value : value
        break
      } else {
        digits.append(byte)
        if inFraction { exponent -= 1 }
      }
      index += 1
    }
    // Significant digits only: leading zeros go, trailing zeros move into the exponent.
    let firstNonZero = digits.firstIndex { $0 != UInt8(ascii: "0") }
    guard let firstNonZero else { return Array("0".utf8) }
    digits.removeFirst(firstNonZero)
    while digits.last == UInt8(ascii: "0") {
      digits.removeLast()
      exponent += 1
    }
    var text: [UInt8] = negative ? [UInt8(ascii: "-")] : []
    if exponent >= 0 && exponent <= 64 {
      text += digits
      text += repeatElement(UInt8(ascii: "0"), count: exponent)
    } else if exponent < 0 && -exponent < digits.count {
      text += digits[..<(digits.count + exponent)]
      text.append(UInt8(ascii: "."))
      text += digits[(digits.count + exponent)...]
    } else if exponent < 0 && -exponent - digits.count <= 64 {
      text += Array("0.".utf8)
      text += repeatElement(UInt8(ascii: "0"), count: -exponent - digits.count)
      text += digits
    } else {
      text += digits
      text.append(UInt8(ascii: "e"))
      text += Array(String(exponent).utf8)
    }
    return text
  }
}
