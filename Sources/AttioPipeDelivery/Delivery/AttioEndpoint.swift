import Foundation

/// The base URL of the Attio API, checked before anything is sent: plain `http://` only for
/// loopback hosts (a local mock or proxy), so a token never crosses a network in clear text.
package struct AttioEndpoint: Sendable, Equatable {
  package static let defaultURL = "https://api.attio.com"

  let baseURL: URL

  package init(_ text: String) throws(DeliveryConfigurationError) {
    let trimmed = text.hasSuffix("/") ? String(text.dropLast()) : text
    guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(),
      let host = url.host, !host.isEmpty
    else {
      throw DeliveryConfigurationError("invalid endpoint URL '\(text)'")
    }
    switch scheme {
    case "https": break
    case "http":
      guard AttioEndpoint.isLoopback(host) else {
        throw DeliveryConfigurationError(
          "refusing plain http:// to '\(host)': the token would cross the network in clear "
            + "text; use https://, or http:// only for localhost / 127.0.0.1 / [::1]")
      }
    default:
      throw DeliveryConfigurationError("endpoint must be an https:// URL, not '\(text)'")
    }
    guard url.query == nil, url.fragment == nil else {
      throw DeliveryConfigurationError("endpoint must not have a query or fragment: '\(text)'")
    }
    baseURL = url
  }

  /// `localhost`, `127.0.0.0/8` and `::1` (written `http://[::1]:PORT`).
  static func isLoopback(_ host: String) -> Bool {
    let host = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
    if host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
    let octets = host.split(separator: ".", omittingEmptySubsequences: false)
    guard octets.count == 4, octets[0] == "127" else { return false }
    return octets.allSatisfy { UInt8($0) != nil }
  }

  func url(_ path: String) -> URL {
    URL(string: baseURL.absoluteString + path)!
  }

  /// The base URL as it may be printed: a `user:password@` in it is replaced by `***@`.
  package var redactedDescription: String {
    guard baseURL.user != nil || baseURL.password != nil,
      var components = URLComponents(url: baseURL, resolvingAgainstBaseURL: false)
    else { return baseURL.absoluteString }
    components.user = nil
    components.password = nil
    let text = components.string ?? ""
    guard let schemeEnd = text.range(of: "://") else { return "<redacted>" }
    return text[..<schemeEnd.upperBound] + "***@" + text[schemeEnd.upperBound...]
  }

  /// The assert for people matched on `matchingSlug`: the email attribute's slug, which
  /// `--attribute email_addresses=SLUG` may rename (the query must name the slug the body uses).
  static func assertPersonPath(matchingSlug: String) -> String {
    "/v2/objects/people/records?matching_attribute=\(pathComponent(matchingSlug))"
  }

  /// The records query of people (a read): the find of merge mode.
  package static let queryPeoplePath = "/v2/objects/people/records/query"
  /// People's records: `POST` creates one.
  static let peoplePath = "/v2/objects/people/records"

  /// One person's record, for `PATCH` (and `GET`).
  static func personPath(recordId: String) -> String {
    "/v2/objects/people/records/\(pathComponent(recordId))"
  }

  /// A slug or an id as one segment of a path (or a query value): anything but letters,
  /// digits, `-`, `_` and `.` percent-encoded, so event data can never add a segment.
  static func pathComponent(_ text: String) -> String {
    let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_."))
    return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
  }
}
