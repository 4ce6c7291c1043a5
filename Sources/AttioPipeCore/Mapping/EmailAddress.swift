import Foundation

/// The match key: an email trait trimmed, normalised to NFC, lower-cased and checked against
/// what Attio accepts.
///
/// Attio validates addresses strictly and a malformed one fails the whole request (and a replay
/// would fail again), so an address Attio would reject is not sent at all: the event is skipped
/// with `invalid_email` and the user sees why.
///
/// The rule (RFC 5321/5322 dot-atom, with UTF-8 per RFC 6531):
/// - exactly one `@`; the local part at most 64 bytes, the whole at most 254;
/// - local part: ASCII letters, digits and ``!#$%&'*+-/=?^_`{|}~``, and non-ASCII characters,
///   in dot-separated non-empty atoms (no leading, trailing or doubled dot; no quoted forms);
/// - domain: two or more dot-separated labels of 1 to 63 bytes, each ASCII letters, digits and
///   hyphens (LDH; `xn--` labels are LDH) or non-ASCII characters (IDN labels as UTF-8), not
///   starting or ending with a hyphen;
/// - nowhere white space, control or invisible format characters (zero-width space, soft
///   hyphen, byte-order mark, ...).
package enum EmailAddress {
  /// The normalised address, or nil when Attio would reject it.
  package static func normalize(_ raw: String) -> String? {
    var raw = raw
    return raw.withUTF8 { normalize($0.span) }
  }

  /// The same from the bytes a profile holds.
  package static func normalize(_ raw: Span<UInt8>) -> String? {
    var address: [UInt8] = []
    guard normalize(raw, appendingTo: &address) else { return nil }
    return String(decoding: address, as: UTF8.self)
  }

  /// The same, appended to `output` (the mapper's path, no String made): ASCII (nearly every
  /// address), and ASCII with letters from U+00C0...U+00FF (most accented addresses), are
  /// trimmed, checked and lower-cased straight into it; anything else takes the Unicode path.
  /// False, and nothing appended, when Attio would reject the address.
  static func normalize(_ raw: Span<UInt8>, appendingTo output: inout [UInt8]) -> Bool {
    var start = 0
    var end = raw.count
    while start < end && isASCIISpace(raw[start]) { start += 1 }
    while end > start && isASCIISpace(raw[end - 1]) { end -= 1 }
    let bytes = raw.extracting(start..<end)
    guard isLatin1Letters(bytes) else {
      guard let address = normalizeUnicode(raw.utf8String) else { return false }
      output.append(contentsOf: address.utf8)
      return true
    }
    guard isValid(bytes) else { return false }
    appendLowercased(bytes, to: &output)
    return true
  }

  /// Whether `raw`, as it is, passes the byte path of `normalize(_:appendingTo:)` (no
  /// surrounding white space, ASCII and U+00C0...U+00FF, the address rule): then
  /// `appendLowercased` is its normalised form (`MappingPrecheck`).
  static func isValidOnBytePath(_ raw: Span<UInt8>) -> Bool {
    guard raw.count > 0, !isASCIISpace(raw[0]), !isASCIISpace(raw[raw.count - 1]) else {
      return false
    }
    return isLatin1Letters(raw) && isValid(raw)
  }

  /// The byte path's normalised form: copied in one go, then lower-cased in place (an
  /// `append` per byte checked the array's capacity and uniqueness each time, about 40
  /// instructions a byte).
  static func appendLowercased(_ bytes: Span<UInt8>, to output: inout [UInt8]) {
    let first = output.count
    bytes.withUnsafeBufferPointer { output.append(contentsOf: $0) }
    output.withUnsafeMutableBufferPointer { address in
      var previous: UInt8 = 0
      for index in first..<address.count {
        let byte = address[index]
        if byte < 0x80 {
          if (0x41...0x5A).contains(byte) { address[index] = byte | 0x20 }
        } else if previous == 0xC3 && byte <= 0x9E && byte != 0x97 {
          // U+00C0...U+00DE, but for U+00D7 (×): the lower case is 0x20 further.
          address[index] = byte + 0x20
        }
        previous = byte
      }
    }
  }

  /// Whether the bytes are ASCII and two-byte characters U+00C0...U+00FF (0xC3 0x80...0xBF)
  /// only: the addresses the byte path handles exactly as the Unicode path would. These
  /// characters are their own NFC form, none is white space or invisible, and each lower-cases
  /// to one character of the same range (U+00C0...U+00DE but U+00D7 by +0x20; the rest to
  /// themselves).
  private static func isLatin1Letters(_ bytes: Span<UInt8>) -> Bool {
    bytes.withUnsafeBufferPointer { bytes in
      guard let base = bytes.baseAddress else { return true }
      var index = 0
      // Nearly every address is ASCII: eight bytes at a time while no high bit is set.
      while bytes.count - index >= 8 {
        let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
        if word & 0x8080_8080_8080_8080 != 0 { break }
        index += 8
      }
      while index < bytes.count {
        let byte = bytes[index]
        if byte < 0x80 {
          index += 1
          continue
        }
        guard byte == 0xC3, index + 1 < bytes.count, bytes[index + 1] & 0xC0 == 0x80 else {
          return false
        }
        index += 2
      }
      return true
    }
  }

  private static func isASCIISpace(_ byte: UInt8) -> Bool {
    byte == 0x20 || (0x09...0x0D).contains(byte)
  }

  /// Non-ASCII addresses: NFC first, so that "e\u{301}lodie@" and "élodie@" are one person.
  /// The reference for the byte path (tests compare the two).
  static func normalizeUnicode(_ raw: String) -> String? {
    var address = raw.trimmingWhitespace()
    // Characters below U+0300 (Latin-1 and Latin Extended, where nearly every address written
    // with accents lives) are their own NFC form: Foundation's normalisation is skipped.
    if !address.unicodeScalars.allSatisfy({ $0.value < 0x300 }) {
      address = address.precomposedStringWithCanonicalMapping
    }
    address = address.lowercased()
    guard isValid(address.unicodeScalars) else { return nil }
    return address
  }

  /// ASCII bytes, and the two-byte letters `isLatin1Letters` allows (each byte of which counts
  /// as a letter): the same rule as for scalars below, on bytes (case does not matter to it).
  private static func isValid(_ bytes: Span<UInt8>) -> Bool {
    bytes.withUnsafeBufferPointer { bytes in
      guard bytes.count <= 254, let at = bytes.firstIndex(of: UInt8(ascii: "@")),
        at > 0, at <= 64
      else { return false }
      // Local part: atoms of atext separated by single dots.
      var previous = UInt8(ascii: ".")
      for index in 0..<at {
        let byte = bytes[index]
        if byte == UInt8(ascii: ".") {
          if previous == UInt8(ascii: ".") { return false }
        } else if byte < 0x80 && !isAtomText(byte) {
          return false
        }
        previous = byte
      }
      if previous == UInt8(ascii: ".") { return false }
      // Domain: two or more LDH labels of 1 to 63 bytes, no hyphen at either end.
      var labels = 0
      var labelLength = 0
      previous = UInt8(ascii: ".")
      for index in (at + 1)..<bytes.count {
        let byte = bytes[index]
        if byte == UInt8(ascii: ".") {
          guard labelLength > 0, previous != UInt8(ascii: "-") else { return false }
          labels += 1
          labelLength = 0
        } else {
          guard
            isLetterOrDigit(byte) || byte >= 0x80
              || (byte == UInt8(ascii: "-") && labelLength > 0)
          else {
            return false
          }
          labelLength += 1
          if labelLength > 63 { return false }
        }
        previous = byte
      }
      return labels >= 1 && labelLength > 0 && previous != UInt8(ascii: "-")
    }
  }

  private static func isValid<Scalars: Sequence<Unicode.Scalar>>(_ scalars: Scalars) -> Bool {
    var inDomain = false
    var localBytes = 0
    var totalBytes = 0
    var labelBytes = 0
    var labels = 0
    var previous: Unicode.Scalar = "@"
    for scalar in scalars {
      let width = UTF8.width(scalar)
      totalBytes += width
      if !scalar.isASCII && !isVisible(scalar) { return false }
      if scalar == "@" {
        guard !inDomain, localBytes > 0, previous != "." else { return false }
        inDomain = true
        previous = scalar
        continue
      }
      if !inDomain {
        if scalar == "." {
          guard previous != "." && previous != "@" else { return false }
        } else if scalar.isASCII && !isAtomText(UInt8(scalar.value)) {
          return false
        }
        localBytes += width
      } else if scalar == "." {
        guard labelBytes > 0, previous != "-" else { return false }
        labels += 1
        labelBytes = 0
      } else {
        if scalar.isASCII {
          guard isLetterOrDigit(UInt8(scalar.value)) || scalar == "-" else { return false }
          if scalar == "-" && labelBytes == 0 { return false }
        }
        labelBytes += width
        if labelBytes > 63 { return false }
      }
      previous = scalar
    }
    return inDomain && labelBytes > 0 && previous != "-" && labels >= 1 && localBytes <= 64
      && totalBytes <= 254
  }

  /// RFC 5322 `atext`: letters, digits and the printable symbols allowed in an atom
  /// (``!#$%&'*+-/=?^_`{|}~``), as two 64-bit masks over ASCII: a shift and a test rather than
  /// a branch per symbol (`EmailAddressTests` checks the masks against the list).
  @inline(__always)
  static func isAtomText(_ byte: UInt8) -> Bool {
    byte < 64
      ? (0xA3FF_ACFA_0000_0000 as UInt64) >> UInt64(byte) & 1 != 0
      : byte < 128 && (0x7FFF_FFFF_C7FF_FFFE as UInt64) >> UInt64(byte &- 64) & 1 != 0
  }

  /// ASCII letters and digits, as `isAtomText`.
  @inline(__always)
  static func isLetterOrDigit(_ byte: UInt8) -> Bool {
    byte < 64
      ? (0x03FF_0000_0000_0000 as UInt64) >> UInt64(byte) & 1 != 0
      : byte < 128 && (0x07FF_FFFE_07FF_FFFE as UInt64) >> UInt64(byte &- 64) & 1 != 0
  }

  /// Non-ASCII characters an address may hold: not white space, control, format (zero-width
  /// space, soft hyphen, BOM, bidi marks), unassigned, private-use or separators.
  private static func isVisible(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.properties.generalCategory {
    case .control, .format, .unassigned, .privateUse, .surrogate, .spaceSeparator,
      .lineSeparator, .paragraphSeparator:
      return false
    default:
      return !scalar.properties.isWhitespace
    }
  }
}
