import AttioPipeCore

/// Attio's record ids are UUIDs, and a record id goes into a request's path
/// (`PATCH /v2/objects/people/records/{id}`). Anything else, whether from an answer (a broken
/// or hostile server: `..` made the PATCH `…/people/`) or from a forged state file, is not
/// accepted as a record id.
enum RecordID {
  /// Whether `text` is a UUID written the canonical way: 36 characters, hexadecimal digits in
  /// groups of 8-4-4-4-12 separated by hyphens (either case; Attio writes lower case).
  static func isCanonical(_ text: String) -> Bool {
    let bytes = text.utf8
    guard bytes.count == 36 else { return false }
    for (index, byte) in bytes.enumerated() {
      switch index {
      case 8, 13, 18, 23:
        guard byte == UInt8(ascii: "-") else { return false }
      default:
        guard JSONScanner.hexValue(byte) != nil else { return false }
      }
    }
    return true
  }

  /// A canonical lower-case UUID as its 128 bits, the first digit most significant: what
  /// `PersonMemory` keeps per person instead of 36 bytes of text (a million people learn a
  /// million ids).
  struct Packed: Sendable, Equatable {
    var high: UInt64
    var low: UInt64
  }

  /// The 16 bytes of `text` when it is a canonical UUID in lower case, as Attio writes them;
  /// nil for anything else (upper-case digits included, so that unpacking gives back exactly
  /// the text that was packed).
  static func pack(_ text: String) -> Packed? {
    let bytes = text.utf8
    guard bytes.count == 36 else { return nil }
    var packed = Packed(high: 0, low: 0)
    var digits = 0
    for (index, byte) in bytes.enumerated() {
      if index == 8 || index == 13 || index == 18 || index == 23 {
        guard byte == UInt8(ascii: "-") else { return nil }
        continue
      }
      let value: UInt8
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): value = byte - UInt8(ascii: "a") + 10
      default: return nil
      }
      if digits < 16 {
        packed.high = packed.high << 4 | UInt64(value)
      } else {
        packed.low = packed.low << 4 | UInt64(value)
      }
      digits += 1
    }
    return packed
  }

  /// The text `pack` was given.
  static func text(_ packed: Packed) -> String {
    let digits: StaticString = "0123456789abcdef"
    return String(unsafeUninitializedCapacity: 36) { text in
      var nibble = 0
      for index in 0..<36 {
        if index == 8 || index == 13 || index == 18 || index == 23 {
          text[index] = UInt8(ascii: "-")
          continue
        }
        let word = nibble < 16 ? packed.high : packed.low
        let shift = UInt64(60 - 4 * (nibble % 16))
        text[index] = digits.utf8Start[Int((word >> shift) & 0xF)]
        nibble += 1
      }
      return 36
    }
  }
}
