/// A country whose national dialling rules the normaliser knows.
///
/// The data comes from Google's libphonenumber metadata (via the Python port `phonenumbers`,
/// version 9.0.43): `international_prefix`, `national_prefix` and
/// `general_desc.possible_length`; the leading digits each length may start with are in
/// `NationalNumberPrefixes` (the general description's pattern summarised to three digits).
/// We check that a number *can* exist in a country (leading digits and length), not that it is
/// currently assigned, so the per-type patterns are not kept. Local-only lengths (a US number without its area code, say) are left out
/// on purpose: such a number cannot be turned into a full international number.
///
/// A class: the normaliser looks a region up for every phone number, and a struct of three
/// arrays and four strings cost a retain and a release of each per look-up.
package final class DialingRegion: Sendable, Equatable {
  /// ISO 3166-1 alpha-2 code, upper case, e.g. "GB".
  let isoCode: String

  /// The country calling code as digits, e.g. "44".
  let callingCode: String
  /// The same as a number (44), for the tables indexed by calling code.
  let callingCodeValue: Int

  /// The digit(s) dialled before a national number inside the country and never part of the
  /// number itself ("0" in most of Europe, "1" in NANP); `nil` where the country has none (for
  /// Italy the leading 0 belongs to the number).
  let trunkPrefix: String?

  /// What a caller in this country dials before a foreign calling code, longest first so that
  /// "0011" wins over a shorter prefix of it. The generic "00" and "+" are handled by the
  /// normaliser for every region.
  let internationalPrefixes: [String]

  /// The lengths a national significant number can have, capped so that calling code plus
  /// number never exceed the 15 digits E.164 allows.
  let nationalLengths: [Int]

  /// Two-digit carrier selection codes dialled after the trunk prefix (Brazil only: "0 21 11 ...").
  let trunkCarrierCodes: [String]

  package static func == (left: DialingRegion, right: DialingRegion) -> Bool {
    left.isoCode == right.isoCode
  }

  private init(
    _ isoCode: String, _ callingCode: String, trunk: String?, international: [String],
    lengths: [Int], trunkCarrierCodes: [String] = []
  ) {
    self.isoCode = isoCode
    self.callingCode = callingCode
    self.callingCodeValue = Int(callingCode)!
    self.trunkPrefix = trunk
    self.internationalPrefixes = international.sorted { $0.utf8.count > $1.utf8.count }
    let maximum = 15 - callingCode.utf8.count
    self.nationalLengths = lengths.filter { $0 <= maximum }
    self.trunkCarrierCodes = trunkCarrierCodes
  }

  /// The region for an ISO 3166-1 alpha-2 code, compared case-insensitively; `nil` when the
  /// normaliser has no dialling rules for it.
  package static func named(_ isoCode: String) -> DialingRegion? {
    var upper: [UInt8] = []
    for byte in isoCode.utf8 {
      switch byte {
      case UInt8(ascii: "A")...UInt8(ascii: "Z"): upper.append(byte)
      case UInt8(ascii: "a")...UInt8(ascii: "z"): upper.append(byte - 0x20)
      default: return nil
      }
    }
    return byCode[String(decoding: upper, as: UTF8.self)]
  }

  /// The region of an address's country: an ISO 3166-1 alpha-2 code or an English country
  /// name ("United States", "Germany"), compared ignoring case; nil when unsupported.
  static func forCountry(_ country: String) -> DialingRegion? {
    let trimmed = country.trimmingWhitespace()
    if trimmed.utf8.count == 2 { return named(trimmed) }
    return englishNames[trimmed.lowercased()].flatMap { named($0) }
  }

  private static let englishNames: [String: String] = [
    "united states": "US", "united states of america": "US", "usa": "US", "u.s.a.": "US",
    "u.s.": "US", "america": "US", "canada": "CA", "puerto rico": "PR",
    "united kingdom": "GB", "great britain": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "northern ireland": "GB", "ireland": "IE", "germany": "DE", "france": "FR",
    "spain": "ES", "italy": "IT", "netherlands": "NL", "the netherlands": "NL", "holland": "NL",
    "belgium": "BE", "switzerland": "CH", "austria": "AT", "sweden": "SE", "denmark": "DK",
    "norway": "NO", "finland": "FI", "poland": "PL", "portugal": "PT", "australia": "AU",
    "new zealand": "NZ", "india": "IN", "japan": "JP", "brazil": "BR", "mexico": "MX",
    "south africa": "ZA", "singapore": "SG", "jamaica": "JM", "bahamas": "BS",
    "the bahamas": "BS", "barbados": "BB", "trinidad and tobago": "TT", "bermuda": "BM",
    "dominican republic": "DO",
  ]

  /// The code meant by a common mistake ("UK" is GB in ISO 3166-1), for the usage error.
  package static func suggestion(for code: String) -> String? {
    switch code.uppercased() {
    case "UK", "EN", "ENG", "GBR": "GB"
    case "USA": "US"
    case "EL": "GR"
    default: nil
    }
  }

  /// Every supported ISO code, sorted, for `--help` and error messages.
  package static var supportedCodes: [String] { sortedCodes }

  /// The rules for numbers of a calling code, whatever the default region: "+44 20 ..." typed by
  /// a US user still gets the British length check. For calling codes shared by several
  /// supported regions (only NANP's "1") the regions agree on trunk prefix and lengths.
  static func forCallingCode(_ callingCode: ArraySlice<UInt8>) -> DialingRegion? {
    guard (1...3).contains(callingCode.count) else { return nil }
    var value = 0
    for digit in callingCode {
      guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(digit) else { return nil }
      value = value * 10 + Int(digit - UInt8(ascii: "0"))
    }
    // Calling codes have no leading zero, so the value alone names them.
    guard callingCode.first != UInt8(ascii: "0") else { return nil }
    let position = regionIndexByCallingCode[value]
    return position < 0 ? nil : all[Int(position)]
  }

  /// The first region of `all` for each calling code, by value (a table, not a search: this
  /// runs for every phone number).
  private static let regionIndexByCallingCode: [Int16] = {
    var table = [Int16](repeating: -1, count: 1000)
    for (position, region) in all.enumerated().reversed() {
      table[region.callingCodeValue] = Int16(position)
    }
    return table
  }()

  private static let byCode: [String: DialingRegion] = Dictionary(
    uniqueKeysWithValues: all.map { ($0.isoCode, $0) })

  private static let sortedCodes: [String] = all.map(\.isoCode).sorted()

  /// NANP: one calling code, trunk prefix 1, international prefix 011, always ten digits
  /// (three-digit area code and seven-digit number).
  private static func nanp(_ isoCode: String) -> DialingRegion {
    DialingRegion(isoCode, "1", trunk: "1", international: ["011"], lengths: [10])
  }

  /// Brazil's carrier selection codes, dialled after "00" abroad and after "0" at home.
  private static let brazilianCarriers = [
    "12", "14", "15", "21", "22", "23", "25", "31", "41", "43", "55", "65", "99",
  ]

  /// Singapore dials "0" + a digit 0-3 + any digit (001, 008, 018, 019 ...) to go abroad. These
  /// win over the generic "00", so with default SG "0044 ..." reads as 004 + "4...", as the
  /// network (and libphonenumber) reads it.
  private static let singaporeanInternationalPrefixes: [String] = (0...3).flatMap { second in
    (0...9).map { third in "0\(second)\(third)" }
  }

  /// Finland: "00" and the operator prefixes 990, 991, 994, 996, 999 and 995xx.
  private static let finnishInternationalPrefixes = [
    "00", "990", "991", "994", "996", "999", "99511", "99532", "99533", "99541", "99555",
    "99559", "99577", "99588", "99590", "99599",
  ]

  /// Australia: 0011 and the 0014-0019 carrier variants, optionally after a 14xx override code.
  private static let australianInternationalPrefixes =
    ["0011", "0014", "0015", "0016", "0018", "0019"]
    + ["1411", "1414", "1434", "1441", "1447", "1456", "1466", "1474", "1477", "1488"].map {
      $0 + "0011"
    }

  private static let all: [DialingRegion] =
    [
      "US", "CA", "PR", "AG", "AI", "AS", "BB", "BM", "BS", "DM", "DO", "GD", "GU", "JM", "KN",
      "KY", "LC", "MP", "MS", "SX", "TC", "TT", "VC", "VG", "VI",
    ].map(nanp) + [
      DialingRegion("GB", "44", trunk: "0", international: ["00"], lengths: [7, 9, 10]),
      DialingRegion("IE", "353", trunk: "0", international: ["00"], lengths: [7, 8, 9, 10]),
      DialingRegion("DE", "49", trunk: "0", international: ["00"], lengths: Array(4...15)),
      DialingRegion("FR", "33", trunk: "0", international: ["00"], lengths: [9]),
      DialingRegion("ES", "34", trunk: nil, international: ["00"], lengths: [9]),
      DialingRegion("IT", "39", trunk: nil, international: ["00"], lengths: Array(6...12)),
      DialingRegion("NL", "31", trunk: "0", international: ["00"], lengths: Array(5...11)),
      DialingRegion("BE", "32", trunk: "0", international: ["00"], lengths: [8, 9]),
      DialingRegion("CH", "41", trunk: "0", international: ["00"], lengths: [9, 12]),
      DialingRegion("AT", "43", trunk: "0", international: ["00"], lengths: Array(4...13)),
      DialingRegion(
        "SE", "46", trunk: "0", international: ["00"], lengths: [6, 7, 8, 9, 10, 12]),
      DialingRegion("DK", "45", trunk: nil, international: ["00"], lengths: [8]),
      DialingRegion("NO", "47", trunk: nil, international: ["00"], lengths: [5, 8]),
      DialingRegion(
        "FI", "358", trunk: "0", international: finnishInternationalPrefixes,
        lengths: Array(5...12)),
      DialingRegion("PL", "48", trunk: nil, international: ["00"], lengths: Array(6...10)),
      DialingRegion("PT", "351", trunk: nil, international: ["00"], lengths: [9]),
      DialingRegion(
        "AU", "61", trunk: "0", international: australianInternationalPrefixes,
        lengths: [5, 6, 7, 8, 9, 10, 12]),
      DialingRegion(
        "NZ", "64", trunk: "0", international: ["00", "0161"], lengths: Array(5...10)),
      DialingRegion("IN", "91", trunk: "0", international: ["00"], lengths: Array(8...13)),
      DialingRegion("JP", "81", trunk: "0", international: ["010"], lengths: Array(8...17)),
      DialingRegion(
        "BR", "55", trunk: "0", international: brazilianCarriers.map { "00" + $0 },
        lengths: [8, 9, 10, 11], trunkCarrierCodes: brazilianCarriers),
      DialingRegion("MX", "52", trunk: nil, international: ["00", "09"], lengths: [10]),
      DialingRegion("ZA", "27", trunk: "0", international: ["00"], lengths: Array(5...10)),
      DialingRegion(
        "SG", "65", trunk: nil, international: singaporeanInternationalPrefixes,
        lengths: [8, 10, 11]),
    ]
}

extension DialingRegion {
  /// How many leading digits of `digits` (ASCII) form a country calling code, or `nil` when no
  /// prefix of them is an assigned code.
  static func callingCodeLength(of digits: ArraySlice<UInt8>) -> Int? {
    var value = 0
    for (offset, digit) in digits.prefix(3).enumerated() {
      value = value * 10 + Int(digit &- UInt8(ascii: "0"))
      if value == 0 { return nil }  // calling codes never start with 0
      if isAssignedCallingCode[value] { return offset + 1 }
    }
    return nil
  }

  /// Calling codes indexed by value: a 1,000-entry table answers without hashing.
  private static let isAssignedCallingCode: [Bool] = {
    var table = [Bool](repeating: false, count: 1000)
    for code in assignedCallingCodes { table[code] = true }
    return table
  }()

  /// The country calling codes in service, from ITU-T E.164's list of assigned codes as
  /// libphonenumber 9.0.43 carries it (`COUNTRY_CODE_TO_REGION_CODE`): the geographic codes plus
  /// the global services 800, 808, 870, 878, 881, 882, 883, 888 and 979. Left out: spare and
  /// reserved codes, the withdrawn 388 (ETNS) and the 991 trial code, which no number in service
  /// uses. The list is prefix-free (no code is the
  /// start of another), so at most one of the first one, two or three digits is a calling code.
  private static let assignedCallingCodes: [Int] = [
    1, 7, 20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49, 51, 52, 53, 54,
    55, 56, 57, 58, 60, 61, 62, 63, 64, 65, 66, 81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98, 211,
    212, 213, 216, 218, 220, 221, 222, 223, 224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234,
    235, 236, 237, 238, 239, 240, 241, 242, 243, 244, 245, 246, 247, 248, 249, 250, 251, 252, 253,
    254, 255, 256, 257, 258, 260, 261, 262, 263, 264, 265, 266, 267, 268, 269, 290, 291, 297, 298,
    299, 350, 351, 352, 353, 354, 355, 356, 357, 358, 359, 370, 371, 372, 373, 374, 375, 376, 377,
    378, 380, 381, 382, 383, 385, 386, 387, 389, 420, 421, 423, 500, 501, 502, 503, 504, 505, 506,
    507, 508, 509, 590, 591, 592, 593, 594, 595, 596, 597, 598, 599, 670, 672, 673, 674, 675, 676,
    677, 678, 679, 680, 681, 682, 683, 685, 686, 687, 688, 689, 690, 691, 692, 800, 808, 850, 852,
    853, 855, 856, 870, 878, 880, 881, 882, 883, 886, 888, 960, 961, 962, 963, 964, 965, 966, 967,
    968, 970, 971, 972, 973, 974, 975, 976, 977, 979, 992, 993, 994, 995, 996, 998,
  ]
}
