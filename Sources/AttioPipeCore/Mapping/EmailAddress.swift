/// The match key: an email trait trimmed, lower-cased and checked for plausibility.
///
/// Attio validates addresses strictly and a malformed one fails the whole request, so an
/// address that is not plausibly valid is better not sent at all: the event is skipped with
/// `invalid_email` and the user sees why.
enum EmailAddress {
  /// The normalised address, or nil when it is not plausible: it must have exactly one `@`,
  /// a non-empty local part, a domain of at least two non-empty dot-separated labels, and no
  /// spaces or control characters anywhere.
  static func normalize(_ raw: String) -> String? {
    let address = raw.trimmingWhitespace().lowercased()
    var atSigns = 0
    var localLength = 0
    var labelLength = 0
    var labels = 0
    for scalar in address.unicodeScalars {
      if scalar.isASCII {
        if scalar.value <= 0x20 || scalar.value == 0x7F { return nil }
      } else if scalar.properties.isWhitespace || scalar.properties.generalCategory == .control {
        return nil
      }
      if scalar == "@" {
        atSigns += 1
        continue
      }
      if atSigns == 0 {
        localLength += 1
      } else if scalar == "." {
        guard labelLength > 0 else { return nil }
        labels += 1
        labelLength = 0
      } else {
        labelLength += 1
      }
    }
    guard atSigns == 1, localLength > 0, labelLength > 0, labels + 1 >= 2 else { return nil }
    return address
  }
}
