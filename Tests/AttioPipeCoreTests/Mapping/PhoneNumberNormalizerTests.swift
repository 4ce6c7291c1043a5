import Foundation
import TestSupport
import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// One input and the E.164 we expect (nil: refused), with the default region's ISO code.
struct PhoneCase: Sendable, CustomTestStringConvertible {
  let region: String?
  let raw: String
  let expected: String?

  init(_ region: String?, _ raw: String, _ expected: String?) {
    self.region = region
    self.raw = raw
    self.expected = expected
  }

  var testDescription: String { "\(region ?? "none") \(raw.debugDescription)" }

  func normalized() -> String? {
    PhoneNumberNormalizer(defaultRegion: region.flatMap(DialingRegion.named)).normalize(raw)
  }
}

@Suite("PhoneNumberNormalizer")
struct PhoneNumberNormalizerTests {
  /// The examples from the product issue.
  static let seeds: [PhoneCase] = [
    PhoneCase(nil, "+1 555 867 5309", "+15558675309"),
    PhoneCase("US", "+1 555 867 5309", "+15558675309"),
    PhoneCase("US", "15558675309", "+15558675309"),
  ]

  /// Spaces of every kind, dots, dashes, parentheses and slashes are dropped.
  static let separators: [PhoneCase] = [
    PhoneCase("US", "(555) 867-5309", "+15558675309"),
    PhoneCase("US", "555.867.5309", "+15558675309"),
    PhoneCase("US", "555\t867\t5309", "+15558675309"),
    PhoneCase("US", "\n 555 867 5309 \r\n", "+15558675309"),
    PhoneCase("US", "555\u{A0}867\u{A0}5309", "+15558675309"),
    PhoneCase("FR", "01\u{202F}23\u{202F}45\u{202F}67\u{202F}89", "+33123456789"),
    PhoneCase("US", "555\u{2013}867\u{2014}5309", "+15558675309"),
    PhoneCase("DE", "030/123456", "+4930123456"),
    PhoneCase("US", "(+1) 555 867 5309", "+15558675309"),
    PhoneCase("US", "+ 1 555 867 5309", "+15558675309"),
  ]

  /// Anything else is refused, including a second or late "+".
  static let junk: [PhoneCase] = [
    PhoneCase("US", "", nil),
    PhoneCase("US", "   ", nil),
    PhoneCase("US", "+", nil),
    PhoneCase("US", "abc", nil),
    PhoneCase("US", "n/a", nil),
    PhoneCase("US", "1-800-FLOWERS", nil),
    PhoneCase("US", "tel:+1-555-867-5309", nil),
    PhoneCase("US", "++1 555 867 5309", nil),
    PhoneCase("US", "1+555 867 5309", nil),
    PhoneCase("US", "555 867 5309, 555 867 5310", nil),
    PhoneCase("US", "[555] 867 5309", nil),
    PhoneCase("US", "555_867_5309", nil),
    PhoneCase("US", "\u{FF15}\u{FF15}\u{FF15} 867 5309", nil),
    PhoneCase("US", "1.5558675309E10", nil),
  ]

  /// Every extension form of the issue is cut; the extension must be digits.
  static let extensions: [PhoneCase] = [
    PhoneCase("US", "+1 555 867 5309 x23", "+15558675309"),
    PhoneCase("US", "+1 555 867 5309 X23", "+15558675309"),
    PhoneCase("US", "+1 555 867 5309 ext. 23", "+15558675309"),
    PhoneCase("US", "+1 555 867 5309 ext23", "+15558675309"),
    PhoneCase("US", "+1 555 867 5309 EXT: 23", "+15558675309"),
    PhoneCase("US", "+1 555 867 5309 extension 23", "+15558675309"),
    PhoneCase("US", "+1 555 867 5309 Extn 23", "+15558675309"),
    PhoneCase("US", "+1 555 867 5309 #23", "+15558675309"),
    PhoneCase("US", "+1-555-867-5309;ext=23", "+15558675309"),
    PhoneCase("US", "555-867-5309x23", "+15558675309"),
    PhoneCase("US", "+1 555 867 5309 x", nil),
    PhoneCase("US", "+1 555 867 5309 x abc", nil),
    PhoneCase("US", "+1 555 867 5309 ext 2 3 x4", nil),
    PhoneCase("US", "+1 555 867 5309;isub=23", nil),
    PhoneCase("US", "x23", nil),
  ]

  /// "+", "00" and each region's own international prefixes start an international number.
  static let internationalPrefixes: [PhoneCase] = [
    PhoneCase(nil, "+44 20 7946 0958", "+442079460958"),
    PhoneCase(nil, "0044 20 7946 0958", "+442079460958"),
    PhoneCase("US", "0044 20 7946 0958", "+442079460958"),
    PhoneCase("US", "011 44 20 7946 0958", "+442079460958"),
    PhoneCase("CA", "011 33 1 23 45 67 89", "+33123456789"),
    PhoneCase("GB", "011 44 20 7946 0958", nil),
    PhoneCase("AU", "0011 44 20 7946 0958", "+442079460958"),
    PhoneCase("AU", "0014 44 20 7946 0958", "+442079460958"),
    PhoneCase("AU", "1411 0011 44 20 7946 0958", "+442079460958"),
    PhoneCase("JP", "010 44 20 7946 0958", "+442079460958"),
    PhoneCase("SG", "001 44 20 7946 0958", "+442079460958"),
    PhoneCase("SG", "019 44 20 7946 0958", "+442079460958"),
    PhoneCase("NZ", "0161 44 20 7946 0958", "+442079460958"),
    PhoneCase("FI", "990 44 20 7946 0958", "+442079460958"),
    PhoneCase("FI", "99511 44 20 7946 0958", "+442079460958"),
    PhoneCase("MX", "09 44 20 7946 0958", "+442079460958"),
    PhoneCase("BR", "00 21 44 20 7946 0958", "+442079460958"),
    PhoneCase("BR", "00 44 20 7946 0958", "+442079460958"),
    PhoneCase("US", "+0 555 867 5309", nil),
    PhoneCase("US", "+999 1234 5678", nil),
    PhoneCase("US", "+1", nil),
  ]

  /// Without an international prefix the default region supplies the calling code, minus its
  /// trunk prefix; without a default region such numbers are refused.
  static let nationalNumbers: [PhoneCase] = [
    PhoneCase(nil, "555 867 5309", nil),
    PhoneCase(nil, "020 7946 0958", nil),
    PhoneCase("US", "555 867 5309", "+15558675309"),
    PhoneCase("US", "1 (555) 867-5309", "+15558675309"),
    PhoneCase("VI", "340 712 3456", "+13407123456"),
    PhoneCase("GB", "020 7946 0958", "+442079460958"),
    PhoneCase("gb", "07700 900123", "+447700900123"),
    PhoneCase("IE", "087 123 4567", "+353871234567"),
    PhoneCase("DE", "030 123456", "+4930123456"),
    PhoneCase("FR", "06 12 34 56 78", "+33612345678"),
    PhoneCase("ES", "912 34 56 78", "+34912345678"),
    PhoneCase("IT", "06 6982 1234", "+390669821234"),
    PhoneCase("IT", "347 123 4567", "+393471234567"),
    PhoneCase("NL", "020-123 4567", "+31201234567"),
    PhoneCase("BE", "02 123 45 67", "+3221234567"),
    PhoneCase("CH", "044 123 45 67", "+41441234567"),
    PhoneCase("AT", "01 234567890", "+431234567890"),
    PhoneCase("SE", "08-123 456 78", "+46812345678"),
    PhoneCase("DK", "32 12 34 56", "+4532123456"),
    PhoneCase("NO", "21 23 45 67", "+4721234567"),
    PhoneCase("FI", "09 1234567", "+35891234567"),
    PhoneCase("PL", "12 345 67 89", "+48123456789"),
    PhoneCase("PT", "912 345 678", "+351912345678"),
    PhoneCase("AU", "(02) 9876 5432", "+61298765432"),
    PhoneCase("NZ", "021 123 4567", "+64211234567"),
    PhoneCase("IN", "098765 43210", "+919876543210"),
    PhoneCase("JP", "03-1234-5678", "+81312345678"),
    PhoneCase("BR", "(11) 91234-5678", "+5511912345678"),
    PhoneCase("BR", "0 11 91234 5678", "+5511912345678"),
    PhoneCase("BR", "0 21 11 91234 5678", "+5511912345678"),
    PhoneCase("MX", "55 1234 5678", "+525512345678"),
    PhoneCase("ZA", "082 123 4567", "+27821234567"),
    PhoneCase("SG", "6123 4567", "+6561234567"),
    // The calling code without "+", as numbers stored as JSON numbers are written.
    PhoneCase("GB", "447700900123", "+447700900123"),
    PhoneCase("AU", "61412345678", "+61412345678"),
  ]

  /// The "(0)" habit: a trunk prefix after the calling code is dropped, except in Italy where
  /// the 0 is part of the number.
  static let trunkAfterCallingCode: [PhoneCase] = [
    PhoneCase(nil, "+44 (0)20 7946 0958", "+442079460958"),
    PhoneCase(nil, "+44 020 7946 0958", "+442079460958"),
    PhoneCase("US", "+44 (0) 7700 900123", "+447700900123"),
    PhoneCase("GB", "0044 (0)20 7946 0958", "+442079460958"),
    PhoneCase(nil, "+49 (0)30 123456", "+4930123456"),
    PhoneCase(nil, "+61 (0)412 345 678", "+61412345678"),
    PhoneCase(nil, "+1 1 555 867 5309", "+15558675309"),
    PhoneCase(nil, "+39 06 6982 1234", "+390669821234"),
    PhoneCase(nil, "+39 (0)6 6982 1234", "+390669821234"),
    PhoneCase(nil, "+44 (0)0 7946 0958", nil),
  ]

  /// Supported calling codes get their country's lengths, whatever the default region; other
  /// calling codes only the E.164 bounds and the 4-digit minimum.
  static let lengths: [PhoneCase] = [
    PhoneCase(nil, "+1 555 867 530", nil),
    PhoneCase(nil, "+1 555 867 53091", nil),
    PhoneCase("US", "867-5309", nil),
    PhoneCase("US", "1555867530", nil),
    PhoneCase("US", "+1 155 867 5309", nil),
    PhoneCase("US", "+44 20 7946 0958", "+442079460958"),
    // Nine digits is a British length, but not for numbers starting with 2 (libphonenumber).
    PhoneCase("US", "+44 20 7946 095", nil),
    PhoneCase("US", "+44 1632 960 09", "+44163296009"),
    PhoneCase("US", "+44 20 7946 09", nil),
    PhoneCase("US", "+33 1 23 45 67 8", nil),
    PhoneCase("GB", "0123456", nil),
    PhoneCase(nil, "+49 30 12345678901", "+493012345678901"),
    PhoneCase(nil, "+49 30 123456789012", nil),
    // Long Japanese numbers exist only in the 00 ranges; Tokyo numbers (3...) have nine digits.
    PhoneCase(nil, "+81 3 1234 5678 901", nil),
    PhoneCase(nil, "+81 3 1234 5678", "+81312345678"),
    PhoneCase(nil, "+81 3 1234 5678 90123", nil),
    PhoneCase(nil, "+683 1234", "+6831234"),
    PhoneCase(nil, "+683 123", nil),
    PhoneCase(nil, "+7 912 345 6789", "+79123456789"),
    PhoneCase(nil, "+86 138 0013 8000", "+8613800138000"),
    PhoneCase(nil, "+86 138 0013 8000 12", "+861380013800012"),
    PhoneCase(nil, "+86 138 0013 8000 123", nil),
  ]

  @Test(arguments: seeds + separators + junk + extensions)
  func scanning(_ phone: PhoneCase) {
    #expect(phone.normalized() == phone.expected)
  }

  @Test(arguments: internationalPrefixes + nationalNumbers + trunkAfterCallingCode + lengths)
  func dialling(_ phone: PhoneCase) {
    #expect(phone.normalized() == phone.expected)
  }

  @Test func regionsAreLookedUpCaseInsensitively() throws {
    let britain = try #require(DialingRegion.named("gb"))
    #expect(britain.isoCode == "GB")
    #expect(britain.callingCode == "44")
    #expect(DialingRegion.named("Gb") == britain)
    #expect(DialingRegion.named("US")?.callingCode == "1")
    #expect(DialingRegion.named("RU") == nil)
    #expect(DialingRegion.named("") == nil)
    #expect(DialingRegion.named("GBR") == nil)
    #expect(DialingRegion.named("G\u{130}") == nil)
  }

  @Test func supportedCodesCoverTheIssuesList() {
    let nanp = "US CA PR AG AI AS BB BM BS DM DO GD GU JM KN KY LC MP MS SX TC TT VC VG VI"
    let others = "GB IE DE FR ES IT NL BE CH AT SE DK NO FI PL PT AU NZ IN JP BR MX ZA SG"
    let required = (nanp + " " + others).split(separator: " ").map(String.init)
    let supported = DialingRegion.supportedCodes
    #expect(supported == supported.sorted())
    #expect(Set(supported).isSuperset(of: required))
    for code in supported {
      #expect(DialingRegion.named(code)?.isoCode == code)
    }
  }

  @Test func regionTablesAreConsistent() throws {
    for code in DialingRegion.supportedCodes {
      let region = try #require(DialingRegion.named(code))
      let prefixLengths = region.internationalPrefixes.map(\.utf8.count)
      #expect(prefixLengths == prefixLengths.sorted(by: >), "\(code): longest prefix first")
      #expect(region.nationalLengths.allSatisfy { $0 + region.callingCode.utf8.count <= 15 })
      let callingCode = ArraySlice(region.callingCode.utf8)
      #expect(DialingRegion.callingCodeLength(of: callingCode + [0x35]) == callingCode.count)
    }
  }

  /// Every row of the libphonenumber golden table (see scripts/gen_phone_fixture.py); a row whose
  /// note reads "ours=<E.164 or empty>: reason" is a deliberate, documented difference.
  @Test func agreesWithLibphonenumber() throws {
    let table = try String(
      contentsOf: Repository.fixtures.appendingPathComponent("phones/libphonenumber.tsv"),
      encoding: .utf8)
    var rows = 0
    var overrides = 0
    for line in table.split(separator: "\n", omittingEmptySubsequences: true)
    where !line.hasPrefix("#") {
      let columns = line.split(separator: "\t", omittingEmptySubsequences: false)
      try #require(columns.count == 4, "malformed row: \(line)")
      var expected = String(columns[2])
      if columns[3].hasPrefix("ours=") {
        expected = String(columns[3].dropFirst("ours=".count).prefix { $0 != ":" })
        overrides += 1
      }
      let phone = PhoneCase(
        columns[0].isEmpty ? nil : String(columns[0]), String(columns[1]),
        expected.isEmpty ? nil : expected)
      #expect(phone.normalized() == phone.expected, "\(phone.testDescription)")
      rows += 1
    }
    #expect(rows >= 300)
    #expect(overrides <= 15)
  }
}
