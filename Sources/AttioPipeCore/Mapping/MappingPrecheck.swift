import Glibc

// Design: the consuming thread (identity, mapping, output) is the pipeline's bottleneck on
// identify-heavy streams, while the scanning thread waits for it most of the time. Checking
// an email address and normalising a phone number need no identity state, only the bytes, so
// the scanning thread works them out for the event's own email and phone traits, and the
// mapping takes the answer when the profile's value is exactly those bytes (as it is when the
// event set it). Anything else (escapes in the JSON string, a value trimmed or cut short, a
// value from an earlier event, an invalid value, a phone written without "+", whose meaning
// depends on the person's country) takes the mapping's own path, so the output is the same
// either way.

/// Checks made ahead, on the scanning thread, of an event's own email and phone.
package enum MappingPrecheck {
  /// Fills `scanned.prechecked` from the event's email and phone traits in `line`. `scratch`
  /// is the caller's, kept from line to line (no allocation a line).
  package static func run(
    _ scanned: inout ScannedLine, line: UnsafeBufferPointer<UInt8>, scratch: inout [UInt8]
  ) {
    if let email = plainString(scanned.traits[.email], in: line) {
      scanned.prechecked.emailIsValid = EmailAddress.isValidOnBytePath(email.span)
    }
    guard let phone = plainString(scanned.traits[.phone], in: line) else { return }
    scratch.removeAll(keepingCapacity: true)
    guard
      PhoneNumberNormalizer.normalizeWrittenWithPlus(phone.span, appendingTo: &scratch) == true,
      scratch.count <= 16
    else { return }
    var packed: (UInt64, UInt64) = (0, 0)
    withUnsafeMutableBytes(of: &packed) { packed in
      scratch.withUnsafeBytes { packed.copyMemory(from: $0) }
    }
    scanned.prechecked.phone = packed
    scanned.prechecked.phoneLength = UInt8(scratch.count)
  }

  /// The bytes of a string value without escapes: what a profile holds of it, unless trimmed.
  fileprivate static func plainString(
    _ value: ScannedValue, in line: UnsafeBufferPointer<UInt8>
  ) -> UnsafeBufferPointer<UInt8>? {
    guard case .string(let start, let end, false) = value, end > start else { return nil }
    return UnsafeBufferPointer(rebasing: line[Int(start)..<Int(end)])
  }
}

/// What `MappingPrecheck` found, for the mapping of one event: each answer with the bytes it
/// is for.
package struct MappingHints {
  /// An email that passes the byte path: its normalised form is its lower case.
  private var validEmail: UnsafeBufferPointer<UInt8>?
  /// A phone number as written, with its E.164 form in `prechecked`.
  private var phone: UnsafeBufferPointer<UInt8>?
  private let prechecked: ScannedLine.Prechecked

  /// The hints of `scanned`, whose values are in `line` (which must outlive them).
  package init(_ scanned: ScannedLine, line: UnsafeBufferPointer<UInt8>) {
    prechecked = scanned.prechecked
    if prechecked.emailIsValid {
      validEmail = MappingPrecheck.plainString(scanned.traits[.email], in: line)
    }
    if prechecked.phoneLength > 0 {
      phone = MappingPrecheck.plainString(scanned.traits[.phone], in: line)
    }
  }

  /// Whether `raw` is the email the hint vouches for.
  func isValidEmail(_ raw: UnsafeRawBufferPointer) -> Bool {
    validEmail.map { Self.same(raw, $0) } ?? false
  }

  /// Appends the E.164 form of `raw` when it is the phone the hint is for; false, and nothing
  /// appended, when it is not.
  func appendPhone(for raw: UnsafeRawBufferPointer, to output: inout [UInt8]) -> Bool {
    guard let phone, Self.same(raw, phone) else { return false }
    withUnsafeBytes(of: prechecked.phone) { bytes in
      output.append(
        contentsOf: UnsafeRawBufferPointer(rebasing: bytes.prefix(Int(prechecked.phoneLength))))
    }
    return true
  }

  private static func same(_ raw: UnsafeRawBufferPointer, _ hinted: UnsafeBufferPointer<UInt8>)
    -> Bool
  {
    guard raw.count == hinted.count else { return false }
    guard let left = raw.baseAddress, let right = hinted.baseAddress else { return raw.isEmpty }
    return memcmp(left, right, raw.count) == 0
  }
}
