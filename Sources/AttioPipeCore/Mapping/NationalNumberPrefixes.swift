/// Which leading digits and lengths a national significant number can have, per calling code:
/// libphonenumber's published ranges (its `general_desc` pattern, the union of fixed-line,
/// mobile, toll-free and the other number types), summarised to the first three digits by
/// `scripts/phone_prefixes.py`. So "030 1234567" with default US (no area code starts with 0)
/// and a seven-digit British number are refused, not sent to Attio as wrong numbers.
enum NationalNumberPrefixes {
  /// Per calling code, indexed by its value (a 1,000-entry table answers without hashing a
  /// String for every phone number): prefix (its digits and how many) to a mask of the
  /// lengths allowed.
  private static let tables: [[Int: UInt32]?] = {
    var tables = [[Int: UInt32]?](repeating: nil, count: 1000)
    for (callingCode, entries) in generated {
      var table: [Int: UInt32] = [:]
      for entry in entries.split(separator: " ") {
        let parts = entry.split(separator: ":")
        table[key(parts[0].utf8)] = UInt32(parts[1], radix: 16)
      }
      tables[Int(callingCode)!] = table
    }
    return tables
  }()

  /// Whether a national significant number of the calling code whose value is `callingCode`
  /// starts with digits and has a length that some number of that country has. Calling codes
  /// without a table are not checked here.
  static func allows(_ significant: ArraySlice<UInt8>, callingCode: Int) -> Bool {
    guard tables.indices.contains(callingCode), let table = tables[callingCode] else {
      return true
    }
    var prefix = significant.startIndex
    while prefix < significant.endIndex && prefix - significant.startIndex < 3 {
      prefix += 1
      if let mask = table[key(significant[significant.startIndex..<prefix])] {
        return significant.count < 32 && mask >> UInt32(significant.count) & 1 == 1
      }
    }
    return false
  }

  /// The digits' value and their count in one integer, so "2" and "02" differ.
  private static func key<Digits: Collection<UInt8>>(_ digits: Digits) -> Int {
    var value = 0
    for digit in digits { value = value * 10 + Int(digit &- UInt8(ascii: "0")) }
    return value << 4 | digits.count
  }
}
