import AttioPipeCore

/// Takes the API key out of text that came from the server (an answer's body, every byte of
/// which may end up in a result, a diagnostic or `check`'s output) before anything reads it.
///
/// A server, proxy or gateway that repeats the request's headers in an error would otherwise
/// put the key in front of whoever reads the results. The key is replaced by `<redacted>`
/// wherever its bytes appear (so `Bearer <key>` becomes `Bearer <redacted>`), and also inside
/// JSON strings that spell it with escapes (`\/`, `\u0061`): such a string is decoded and
/// written again without the key. The rest of the text is left as it came.
struct TokenRedactor: Sendable {
  static let replacement = Array("<redacted>".utf8)
  private let secret: [UInt8]

  init(secret: [UInt8]) {
    self.secret = secret
  }

  func redact(_ text: [UInt8]) -> [UInt8] {
    guard !secret.isEmpty else { return text }
    var text = text
    if text.firstRange(of: secret) != nil { text.replace(secret, with: Self.replacement) }
    guard text.contains(Self.backslash) else { return text }
    return redactingEscapedStrings(text)
  }

  private static let quote = UInt8(ascii: "\"")
  private static let backslash = UInt8(ascii: "\\")

  /// Rewrites the JSON string literals that hold escapes and, decoded, the key. Outside
  /// strings JSON has no quotes or backslashes, so a scan from quote to quote finds them.
  private func redactingEscapedStrings(_ text: [UInt8]) -> [UInt8] {
    var output: [UInt8] = []
    output.reserveCapacity(text.count)
    var index = 0
    while index < text.count {
      guard text[index] == Self.quote else {
        output.append(text[index])
        index += 1
        continue
      }
      var end = index + 1
      var hasEscapes = false
      while end < text.count && text[end] != Self.quote {
        if text[end] == Self.backslash {
          hasEscapes = true
          end += 1
        }
        end += 1
      }
      guard end < text.count else {
        output.append(contentsOf: text[index...])
        break
      }
      let literal = text[(index + 1)..<end]
      if hasEscapes, var decoded = Self.decoded(literal), decoded.firstRange(of: secret) != nil {
        decoded.replace(secret, with: Self.replacement)
        decoded.withUnsafeBufferPointer { output.appendJSONString(utf8: $0) }
      } else {
        output.append(contentsOf: text[index...end])
      }
      index = end + 1
    }
    return output
  }

  /// A string literal's body decoded, or nil when its escapes are not JSON's (the text is
  /// then left as it is: it is not JSON, and its raw bytes were already searched).
  private static func decoded(_ literal: ArraySlice<UInt8>) -> [UInt8]? {
    var index = literal.startIndex
    while index < literal.endIndex {
      guard literal[index] == backslash else {
        index += 1
        continue
      }
      guard index + 1 < literal.endIndex else { return nil }
      switch literal[index + 1] {
      case UInt8(ascii: "u"):
        guard index + 6 <= literal.endIndex,
          literal[(index + 2)..<(index + 6)].allSatisfy({ JSONScanner.hexValue($0) != nil })
        else { return nil }
        index += 6
      case UInt8(ascii: "\""), backslash, UInt8(ascii: "/"), UInt8(ascii: "b"),
        UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
        index += 2
      default:
        return nil
      }
    }
    var decoded: [UInt8] = []
    literal.withUnsafeBufferPointer { JSONStringDecoder.decode($0.span, into: &decoded) }
    return decoded
  }
}
