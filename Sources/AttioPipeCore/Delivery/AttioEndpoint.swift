import Foundation

/// The base URL of the Attio API, checked before anything is sent: plain `http://` only for
/// loopback hosts (a local mock or proxy), so a token never crosses a network in clear text.
struct AttioEndpoint: Sendable, Equatable {
  static let defaultURL = "https://api.attio.com"

  let baseURL: URL

  init(_ text: String) throws(UsageError) {
    let trimmed = text.hasSuffix("/") ? String(text.dropLast()) : text
    guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(),
      let host = url.host, !host.isEmpty
    else {
      throw UsageError("invalid endpoint URL '\(text)'")
    }
    switch scheme {
    case "https": break
    case "http":
      guard AttioEndpoint.isLoopback(host) else {
        throw UsageError(
          "refusing plain http:// to '\(host)': the token would cross the network in clear "
            + "text; use https://, or http:// only for localhost / 127.0.0.1 / ::1")
      }
    default:
      throw UsageError("endpoint must be an https:// URL, not '\(text)'")
    }
    guard url.query == nil, url.fragment == nil else {
      throw UsageError("endpoint must not have a query or fragment: '\(text)'")
    }
    baseURL = url
  }

  /// `localhost`, `127.0.0.0/8` and `::1`.
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

  static let assertPersonPath = "/v2/objects/people/records?matching_attribute=email_addresses"
}
