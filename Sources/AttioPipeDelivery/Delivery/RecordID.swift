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
}
