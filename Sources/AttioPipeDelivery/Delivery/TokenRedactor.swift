import AttioPipeCore
import Glibc

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

  /// Every answer passes through here, so the common case (no key, no escapes) costs two
  /// byte scans (`memchr` and `memcmp`) and allocates nothing.
  func redact(_ text: [UInt8]) -> [UInt8] {
    guard !secret.isEmpty else { return text }
    var text = text
    if Self.firstIndex(of: secret, in: text[...]) != nil {
      text = Self.replacingAll(secret, with: Self.replacement, in: text)
    }
    guard Self.contains(Self.backslash, in: text) else { return text }
    return redactingEscapedStrings(text)
  }

  private static let quote = UInt8(ascii: "\"")
  private static let backslash = UInt8(ascii: "\\")

  /// Rewrites the JSON string literals that hold escapes and, decoded, the key; the text
  /// itself when none does. Outside strings JSON has no quotes or backslashes, so a scan from
  /// quote to quote finds them.
  private func redactingEscapedStrings(_ text: [UInt8]) -> [UInt8] {
    var output: [UInt8]?
    var copied = 0
    var index = 0
    while index < text.count {
      guard text[index] == Self.quote else {
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
      guard end < text.count else { break }
      if hasEscapes, var decoded = Self.decoded(text[(index + 1)..<end]),
        Self.firstIndex(of: secret, in: decoded[...]) != nil
      {
        decoded = Self.replacingAll(secret, with: Self.replacement, in: decoded)
        if output == nil { output = [] }
        output!.append(contentsOf: text[copied..<index])
        decoded.withUnsafeBufferPointer { output!.appendJSONString(utf8: $0) }
        copied = end + 1
      }
      index = end + 1
    }
    guard var output else { return text }
    output.append(contentsOf: text[copied...])
    return output
  }

  /// Where `needle` first occurs in `haystack` (an index of `haystack`): `memchr` to its
  /// first byte, `memcmp` for the rest.
  private static func firstIndex(of needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Int? {
    guard let first = needle.first, needle.count <= haystack.count else { return nil }
    return haystack.withUnsafeBufferPointer { hay in
      needle.withUnsafeBufferPointer { pin in
        let base = hay.baseAddress!
        let last = hay.count - pin.count
        var position = 0
        while position <= last {
          guard let hit = memchr(base + position, Int32(first), last - position + 1) else {
            return nil
          }
          let offset = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
          if memcmp(base + offset, pin.baseAddress!, pin.count) == 0 {
            return haystack.startIndex + offset
          }
          position = offset + 1
        }
        return nil
      }
    }
  }

  /// `text` with every occurrence of `needle` (left to right, not overlapping) replaced.
  private static func replacingAll(
    _ needle: [UInt8], with replacement: [UInt8], in text: [UInt8]
  ) -> [UInt8] {
    var output: [UInt8] = []
    output.reserveCapacity(text.count)
    var start = 0
    while let found = firstIndex(of: needle, in: text[start...]) {
      output.append(contentsOf: text[start..<found])
      output.append(contentsOf: replacement)
      start = found + needle.count
    }
    output.append(contentsOf: text[start...])
    return output
  }

  private static func contains(_ byte: UInt8, in text: [UInt8]) -> Bool {
    text.withUnsafeBytes { bytes in
      guard let base = bytes.baseAddress else { return false }
      return memchr(base, Int32(byte), bytes.count) != nil
    }
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
