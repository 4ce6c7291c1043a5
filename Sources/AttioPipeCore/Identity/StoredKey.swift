/// An id as its profile holds it (an id record, Profile.swift): a 2-byte header, then the
/// bytes. The header is the text's length (low byte first), or, for an id packed by shape
/// (`PackedID`), the packed length and the form (high bit set). Read in place: valid as long as
/// the profile it was read from.
struct StoredKey {
  let namespace: IdentityNamespace
  /// The header and the bytes.
  let bytes: UnsafeRawBufferPointer

  static let headerSize = 2

  /// The bytes after a header that starts at `position`.
  @inline(__always)
  static func storedLength(_ bytes: UnsafeRawBufferPointer, at position: Int) -> Int {
    let high = bytes[position + 1]
    return PackedID.isPacked(high)
      ? Int(bytes[position]) : Int(bytes[position]) | Int(high) << 8
  }

  /// The id as its text, valid only inside `body`.
  func withText<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
    let stored = UnsafeRawBufferPointer(rebasing: bytes[Self.headerSize...])
    let form = bytes[1]
    guard PackedID.isPacked(form) else { return body(stored.assumingMemoryBound(to: UInt8.self)) }
    return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: PackedID.maximumTextLength) {
      text in
      let length = PackedID.unpack(stored, form: form, into: text)
      return body(UnsafeBufferPointer(rebasing: text[..<length]))
    }
  }

  var text: String { withText { String(decoding: $0, as: UTF8.self) } }

  /// Appends an id's header and bytes, packed when its shape allows.
  static func append(_ id: UnsafeBufferPointer<UInt8>, to bytes: inout [UInt8]) {
    if let packed = PackedID(id) {
      bytes.append(UInt8(packed.count))
      bytes.append(packed.form)
      withUnsafeBytes(of: packed.words) {
        bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: $0[..<packed.count]))
      }
    } else {
      bytes.append(UInt8(truncatingIfNeeded: id.count))
      bytes.append(UInt8(truncatingIfNeeded: id.count >> 8))
      bytes.append(contentsOf: id)
    }
  }
}
