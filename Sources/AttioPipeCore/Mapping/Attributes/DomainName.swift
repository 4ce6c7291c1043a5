/// A host name as Attio's `domain` values take it (`acme.com`): reduced from what people
/// write in a `website` or `domain` field (`https://www.Acme.com/pricing`), lowercased,
/// without `www.`.
enum DomainName {
  /// Nil when no plausible host name is left (no dot, bad characters, an email address).
  static func normalize(_ text: String) -> String? {
    var host = Substring(text.trimmingWhitespace().lowercased())
    if let scheme = host.range(of: "://") { host = host[scheme.upperBound...] }
    if let end = host.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) {
      host = host[..<end]
    }
    guard !host.contains("@") else { return nil }
    if let colon = host.firstIndex(of: ":") {
      guard host[host.index(after: colon)...].allSatisfy(\.isASCII),
        host[host.index(after: colon)...].allSatisfy(\.isNumber)
      else { return nil }
      host = host[..<colon]
    }
    if host.hasSuffix(".") { host = host.dropLast() }
    if host.hasPrefix("www.") { host = host.dropFirst(4) }
    guard host.utf8.count <= 253 else { return nil }
    let labels = host.split(separator: ".", omittingEmptySubsequences: false)
    guard labels.count >= 2 else { return nil }
    for label in labels {
      guard (1...63).contains(label.utf8.count), label.first != "-", label.last != "-",
        label.utf8.allSatisfy({
          (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == UInt8(ascii: "-")
        })
      else { return nil }
    }
    let top = labels.last!
    guard top.hasPrefix("xn--") || (top.count >= 2 && top.allSatisfy(\.isLetter)) else {
      return nil
    }
    return String(host)
  }
}
