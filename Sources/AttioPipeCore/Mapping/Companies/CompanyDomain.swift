import Foundation

/// The company's match key: a host name reduced from what a `group` call's `website` or
/// `domain` trait holds (`https://www.Acme.com:8443/pricing?x=1` → `acme.com`).
///
/// Attio matches companies on `domains`, one host name per value, so anything else in a URL
/// (scheme, credentials, port, path, query) must go, and `www.` would make a second company
/// of the same one. Internationalised names are left as given (no punycode): Attio's
/// documentation says nothing of how it stores them, and rewriting could split one company
/// in two. Only ASCII letters are lower-cased for the same reason.
package enum CompanyDomain {
  /// The host name, or nil when `text` holds none worth sending (Attio rejects a malformed
  /// domain, failing the whole request): blank, one label (`localhost`), an IP address,
  /// spaces or other characters a host name cannot hold.
  package static func extract(_ text: String) -> String? {
    var host = Substring(text.trimmingWhitespace())
    // Scheme (`https://`) or scheme-relative (`//host`).
    if let separator = host.range(of: "://") {
      host = host[separator.upperBound...]
    } else if host.hasPrefix("//") {
      host = host.dropFirst(2)
    }
    // Path, query, fragment.
    if let end = host.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) {
      host = host[..<end]
    }
    // Credentials (`user:pass@host`), or an email address given as the website.
    if let at = host.lastIndex(of: "@") { host = host[host.index(after: at)...] }
    // Port.
    if let colon = host.lastIndex(of: ":") {
      let port = host[host.index(after: colon)...]
      guard port.allSatisfy(\.isASCII), port.allSatisfy(\.isNumber) else { return nil }
      host = host[..<colon]
    }
    if host.hasSuffix(".") { host = host.dropLast() }
    var lowered = String(
      decoding: host.utf8.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }, as: UTF8.self)
    if lowered.hasPrefix("www.") { lowered.removeFirst(4) }
    return isHostName(lowered) ? lowered : nil
  }

  /// At least two labels of letters, digits and hyphens (non-ASCII letters allowed for
  /// internationalised names), none empty or longer than 63 bytes, no label starting or
  /// ending with a hyphen, a top-level label that is not all digits (no IP addresses).
  private static func isHostName(_ host: String) -> Bool {
    guard !host.isEmpty, host.utf8.count <= 253 else { return false }
    let labels = host.split(separator: ".", omittingEmptySubsequences: false)
    guard labels.count >= 2 else { return false }
    for label in labels {
      guard !label.isEmpty, label.utf8.count <= 63, !label.hasPrefix("-"), !label.hasSuffix("-")
      else { return false }
      for scalar in label.unicodeScalars {
        if scalar.isASCII {
          guard
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(UInt8(scalar.value))
              || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(UInt8(scalar.value))
              || scalar == "-"
          else { return false }
        } else if !(scalar.properties.isAlphabetic || scalar.properties.numericType != nil
          || scalar.properties.generalCategory == .nonspacingMark
          || scalar.properties.generalCategory == .spacingMark)
        {
          return false
        }
      }
    }
    return !labels.last!.allSatisfy { $0.isASCII && $0.isNumber }
  }
}
