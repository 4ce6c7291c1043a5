extension StringProtocol {
  /// The string without leading and trailing Unicode whitespace (no Foundation needed).
  package func trimmingWhitespace() -> String {
    let string = String(self)
    // Fast path: most values start and end with a visible ASCII character.
    if let first = string.utf8.first, let last = string.utf8.last, first > 0x20, first < 0x7F,
      last > 0x20, last < 0x7F
    {
      return string
    }
    let scalars = string.unicodeScalars
    // Next fastest: non-ASCII at an end that is not white space (names, addresses).
    if let first = scalars.first, let last = scalars.last, !first.properties.isWhitespace,
      !last.properties.isWhitespace
    {
      return string
    }
    guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else {
      return ""
    }
    let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
    var trimmed = String.UnicodeScalarView()
    trimmed.append(contentsOf: scalars[first...last])
    return String(trimmed)
  }
}
