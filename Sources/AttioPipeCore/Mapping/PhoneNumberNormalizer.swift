// Design: Attio rejects a whole upsert when one phone number is not E.164, so a number we cannot
// vouch for is dropped here (nil) rather than sent. Two passes over the UTF-8 bytes, no regex and
// no Foundation (this runs once per identify):
//
// 1. `scan` keeps the digits and whether a leading "+" was written, skips separators (white
//    space, dots, dashes, parentheses, slashes), cuts an extension ("x23", "ext. 23", "#23",
//    ";ext=23") and refuses any other character, so "1-800-FLOWERS" or "tel:..." give nil.
// 2. The calling code comes from what follows "+", "00" or the default region's own international
//    prefix ("011", "0011", ...); otherwise from the default region, after its trunk prefix is
//    dropped, or from the digits themselves when they start with the region's calling code
//    written without "+". For the calling codes of supported regions the national significant
//    number must have a length the country uses and start with digits the country uses for that
//    length (`NationalNumberPrefixes`: libphonenumber's general pattern to three digits, so no
//    NANP area code starting with 0 or 1, while "+1 555 ..." still passes as no number is checked
//    for being assigned); for any other calling code only the
//    E.164 bounds apply, with at least `minimumUnknownNationalLength` digits.
//
// fixtures/phones/libphonenumber.tsv (scripts/gen_phone_fixture.py) pins the behaviour against
// Google's libphonenumber; the few deliberate differences are explained there.

/// Turns the phone numbers people type into E.164 ("+442079460958"), the only form Attio
/// accepts without a separate country field.
package struct PhoneNumberNormalizer: Sendable {
  /// The country whose national conventions apply to numbers written without an international
  /// prefix; `nil` means such numbers cannot be normalised.
  let defaultRegion: DialingRegion?

  package init(defaultRegion: DialingRegion?) { self.defaultRegion = defaultRegion }

  /// The shortest national number accepted for a calling code without a length table. Four
  /// digits is the shortest in real use (Niue, Saint Helena, Tokelau); anything shorter is a
  /// fragment, not a number.
  static let minimumUnknownNationalLength = 4

  /// E.164 allows at most 15 digits after the "+".
  private static let maximumDigits = 15

  /// E.164 ("+15558675309") or nil when the input cannot be normalised.
  ///
  /// `raw` is a string trait or the literal text of a JSON number (`15558675309`).
  func normalize(_ raw: String) -> String? {
    var raw = raw
    return raw.withUTF8 { normalize($0.span) }
  }

  /// The same from the bytes a profile holds.
  func normalize(_ raw: Span<UInt8>) -> String? {
    var bytes: [UInt8] = []
    guard normalize(raw, appendingTo: &bytes) else { return nil }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// The same, appended to `output` (the mapper's path, no String made); false, and nothing
  /// appended, when the input cannot be normalised. (The number is written where it is found
  /// rather than returned: an optional struct of two slices cost a generic destroy a call.)
  func normalize(_ raw: Span<UInt8>, appendingTo output: inout [UInt8]) -> Bool {
    guard let scanned = Self.scan(raw) else { return false }
    let digits = scanned.digits[...]
    if scanned.hasPlus { return Self.international(digits, appendingTo: &output) }
    if let region = defaultRegion {
      for prefix in region.internationalPrefixes {
        if let rest = Self.dropInternationalPrefix(prefix, from: digits) {
          return Self.international(rest, appendingTo: &output)
        }
      }
    }
    // "00" is the international prefix of most of the world and ordinary national numbers never
    // start with it, so it is accepted whatever the default region (libphonenumber only accepts
    // the default region's own prefix). Japan's 0037/0066 freephone ranges are the exception we
    // give up.
    if let rest = Self.dropInternationalPrefix("00", from: digits) {
      return Self.international(rest, appendingTo: &output)
    }
    guard let region = defaultRegion else { return false }
    return Self.national(digits, in: region, appendingTo: &output)
  }

  /// The E.164 form of a number written with "+", appended to `output`: the one case whose
  /// answer no country changes (`MappingPrecheck` works it out before the profile is known).
  /// Nil when `raw` is not written with "+"; false, and nothing appended, when it is invalid.
  static func normalizeWrittenWithPlus(
    _ raw: Span<UInt8>, appendingTo output: inout [UInt8]
  ) -> Bool? {
    // A quick look first (separators, then "+"), so that a national number is not scanned
    // here and again by the mapping.
    var index = 0
    while index < raw.count && raw[index] != UInt8(ascii: "+") {
      guard let width = separatorWidth(raw, at: index) else { return nil }
      index += width
    }
    guard index < raw.count else { return nil }
    guard let scanned = scan(raw), scanned.hasPlus else { return nil }
    return international(scanned.digits[...], appendingTo: &output)
  }

  /// Whether `raw` is written as an international number ("+", or "00"), for the
  /// `invalid_phone` diagnostic: a number without one needs `--default-country`. Input that is
  /// not a number at all counts as having one (the missing country is not its problem).
  static func hasInternationalPrefix(_ raw: String) -> Bool {
    var raw = raw
    guard let scanned = raw.withUTF8({ scan($0.span) }) else { return true }
    return scanned.hasPlus || scanned.digits.starts(with: "00".utf8)
  }

  /// The digits after an international prefix, or nil when `digits` do not start with it. As in
  /// libphonenumber the prefix does not count when a 0 follows: calling codes never start with 0.
  private static func dropInternationalPrefix(
    _ prefix: String, from digits: ArraySlice<UInt8>
  ) -> ArraySlice<UInt8>? {
    guard digits.starts(with: prefix.utf8) else { return nil }
    let rest = digits.dropFirst(prefix.utf8.count)
    guard let first = rest.first, first != UInt8(ascii: "0") else { return nil }
    return rest
  }

  /// `digits` start with a calling code (the "+" or international prefix already removed).
  private static func international(
    _ digits: ArraySlice<UInt8>, appendingTo output: inout [UInt8]
  ) -> Bool {
    guard let codeLength = DialingRegion.callingCodeLength(of: digits) else { return false }
    let callingCode = digits.prefix(codeLength)
    let rest = digits.dropFirst(codeLength)
    if let rules = DialingRegion.forCallingCode(callingCode) {
      guard let significant = significantNumber(rest, rules: rules) else { return false }
      appendE164(callingCode: callingCode, significant: significant, to: &output)
      return true
    }
    guard rest.count >= minimumUnknownNationalLength, digits.count <= maximumDigits else {
      return false
    }
    appendE164(callingCode: callingCode, significant: rest, to: &output)
    return true
  }

  /// `digits` were written without an international prefix: a national number of `region`, or
  /// the region's own calling code followed by a national number ("442079460958" with default
  /// GB), as numbers stored as JSON numbers are written, since those cannot carry a "+".
  /// libphonenumber makes the same second guess, deciding with its number patterns; by length
  /// alone both readings are often possible, and then:
  /// - where the country has a trunk prefix, national numbers are written with it, so digits
  ///   without it that start with the calling code are taken as calling code + number
  ///   ("4930123456" with default DE is "+4930123456");
  /// - where it has none (Italy, Singapore ...), national numbers are written bare and the
  ///   national reading wins: "3921234567" with default IT is an Italian mobile number.
  private static func national(
    _ digits: ArraySlice<UInt8>, in region: DialingRegion, appendingTo output: inout [UInt8]
  ) -> Bool {
    let callingCode = ArraySlice(region.callingCode.utf8)
    let withCallingCode: ArraySlice<UInt8>? =
      digits.starts(with: callingCode)
      ? significantNumber(digits.dropFirst(callingCode.count), rules: region) : nil
    let asNational = significantNumber(digits, rules: region)
    let preferred =
      region.trunkPrefix == nil ? asNational ?? withCallingCode : withCallingCode ?? asNational
    guard let preferred else { return false }
    appendE164(callingCode: callingCode, significant: preferred, to: &output)
    return true
  }

  /// The national significant number in `digits` (what follows the calling code), with the
  /// trunk prefix removed, or nil when its length is not one the country uses.
  ///
  /// The trunk prefix is dropped after an international prefix too: that is the British
  /// "+44 (0)20 7946 0958" habit (the parentheses are already gone). Where libphonenumber keeps
  /// the trunk prefix because the rest would have an impossible length, we refuse the number
  /// instead: in the supported countries only a few Japanese and Indian freephone ranges start
  /// with the trunk prefix (0037..., 000800...), so "+440123456" would only be a garbled number.
  /// Italy has no trunk prefix, so "+39 06 ..." keeps its 0.
  private static func significantNumber(
    _ digits: ArraySlice<UInt8>, rules: DialingRegion
  ) -> ArraySlice<UInt8>? {
    var significant = digits
    if let trunk = rules.trunkPrefix {
      if significant.starts(with: trunk.utf8) {
        significant = significant.dropFirst(trunk.utf8.count)
        // Brazil: "0 21 11 91234 5678" selects carrier 21 before a 10 or 11 digit number.
        if (12...13).contains(significant.count),
          rules.trunkCarrierCodes.contains(where: { significant.starts(with: $0.utf8) })
        {
          significant = significant.dropFirst(2)
        }
      }
      if significant.starts(with: trunk.utf8) { return nil }
    }
    guard rules.nationalLengths.contains(significant.count),
      NationalNumberPrefixes.allows(significant, callingCode: rules.callingCodeValue)
    else { return nil }
    return significant
  }

  /// A normalised number: "+", the calling code, the national significant number.
  private static func appendE164(
    callingCode: ArraySlice<UInt8>, significant: ArraySlice<UInt8>, to output: inout [UInt8]
  ) {
    output.reserveCapacity(output.count + 1 + callingCode.count + significant.count)
    output.append(UInt8(ascii: "+"))
    output.append(contentsOf: callingCode)
    output.append(contentsOf: significant)
  }

  // MARK: - Scanning

  /// The digits of a number as ASCII bytes, and whether it was written with a leading "+".
  private struct Scanned {
    var digits: [UInt8] = []
    var hasPlus = false
  }

  /// Keeps digits and a leading "+", skips separators, cuts an extension; nil for anything
  /// else, for a "+" after the first digit, and for input without digits.
  private static func scan(_ bytes: Span<UInt8>) -> Scanned? {
    var scanned = Scanned()
    scanned.digits.reserveCapacity(20)
    var index = 0
    scanning: while index < bytes.count {
      let byte = bytes[index]
      if isDigit(byte) {
        scanned.digits.append(byte)
        index += 1
      } else if byte == UInt8(ascii: "+") {
        guard scanned.digits.isEmpty, !scanned.hasPlus else { return nil }
        scanned.hasPlus = true
        index += 1
      } else if let width = separatorWidth(bytes, at: index) {
        index += width
      } else if let width = extensionMarkerWidth(bytes, at: index) {
        guard isExtension(bytes, from: index + width) else { return nil }
        break scanning
      } else {
        return nil
      }
    }
    return scanned.digits.isEmpty ? nil : scanned
  }

  private static func isDigit(_ byte: UInt8) -> Bool {
    byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
  }

  /// The byte length of the separator at `index`, or nil when there is none. Besides ASCII
  /// white space, dots, dashes, parentheses and slashes this accepts the Unicode spaces and
  /// dashes that word processors and locale-aware formatters put into numbers: no-break space
  /// U+00A0, the U+2000...U+200A spaces, narrow no-break space U+202F (French formatting),
  /// U+2010...U+2015 hyphens and dashes and the minus sign U+2212.
  private static func separatorWidth(_ bytes: Span<UInt8>, at index: Int) -> Int? {
    func byte(_ offset: Int) -> UInt8? {
      index + offset < bytes.count ? bytes[index + offset] : nil
    }
    switch bytes[index] {
    case 0x09...0x0D, UInt8(ascii: " "), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "("),
      UInt8(ascii: ")"), UInt8(ascii: "/"):
      return 1
    case 0xC2:  // U+0085 next line, U+00A0 no-break space
      return byte(1) == 0x85 || byte(1) == 0xA0 ? 2 : nil
    case 0xE1:  // U+1680 ogham space mark
      return byte(1) == 0x9A && byte(2) == 0x80 ? 3 : nil
    case 0xE2:
      switch (byte(1), byte(2)) {
      case (0x80, .some(0x80...0x8A)),  // U+2000...U+200A spaces
        (0x80, .some(0x90...0x95)),  // U+2010...U+2015 hyphens and dashes
        (0x80, 0xA8), (0x80, 0xA9),  // U+2028 line separator, U+2029 paragraph separator
        (0x80, 0xAF),  // U+202F narrow no-break space
        (0x81, 0x9F),  // U+205F medium mathematical space
        (0x88, 0x92):  // U+2212 minus sign
        return 3
      default:
        return nil
      }
    case 0xE3:  // U+3000 ideographic space
      return byte(1) == 0x80 && byte(2) == 0x80 ? 3 : nil
    default:
      return nil
    }
  }

  /// Extension markers, longest first so that "extension" is not read as "ext" + "ension".
  /// Compared case-insensitively; "x" also covers "X".
  private static let extensionMarkers: [[UInt8]] = [
    ";ext=", "extension", "extn", "ext", "x", "#",
  ].map { Array($0.utf8) }

  /// The byte length of the extension marker at `index`, or nil when there is none.
  private static func extensionMarkerWidth(
    _ bytes: Span<UInt8>, at index: Int
  ) -> Int? {
    markers: for marker in extensionMarkers {
      guard index + marker.count <= bytes.count else { continue }
      for (offset, expected) in marker.enumerated() {
        var actual = bytes[index + offset]
        if actual >= UInt8(ascii: "A") && actual <= UInt8(ascii: "Z") { actual += 0x20 }
        guard actual == expected else { continue markers }
      }
      return marker.count
    }
    return nil
  }

  /// Whether what follows an extension marker is an extension: at least one digit, and nothing
  /// but digits and separators (also ":" and "=", as in "ext: 23"). Anything else means the
  /// "x" or "#" was not an extension marker but junk, and the whole input is refused.
  private static func isExtension(_ bytes: Span<UInt8>, from start: Int) -> Bool {
    var index = start
    var sawDigit = false
    while index < bytes.count {
      let byte = bytes[index]
      if isDigit(byte) {
        sawDigit = true
        index += 1
      } else if byte == UInt8(ascii: ":") || byte == UInt8(ascii: "=") {
        index += 1
      } else if let width = separatorWidth(bytes, at: index) {
        index += width
      } else {
        return false
      }
    }
    return sawDigit
  }
}
