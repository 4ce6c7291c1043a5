import AttioPipeCore
import Foundation

// Company bodies for `send`: `{"object":"companies","data":{"values":{…}}}` as `build` prints
// them (design in Output/CompanyBodyEncoder.swift).

extension RequestBodyParser {
  /// The top-level `object` marker of a body line.
  enum BodyObject: Equatable {
    case people
    case companies
    case users
    case workspaces
    /// `{"object":"list_entries","list":…}` (`--list-entry`).
    case listEntries
    case unknown(String)
  }

  /// The line's `object` member (the last one, for duplicates); nil when it has none. The line
  /// has been validated by the scanner.
  static func object(of line: UnsafeBufferPointer<UInt8>) -> BodyObject? {
    guard
      let member = JSONFieldReader.members(in: line.span).last(where: { $0.key == "object" })
    else { return nil }
    switch JSONFieldReader.string(member.value, in: line.span) {
    case AttioObject.people.rawValue?: return .people
    case AttioObject.companies.rawValue?: return .companies
    case AttioObject.users.rawValue?: return .users
    case AttioObject.workspaces.rawValue?: return .workspaces
    case "list_entries"?: return .listEntries
    case let other?: return .unknown(other)
    case nil:
      return .unknown(
        String(decoding: UnsafeBufferPointer(rebasing: line[member.value]), as: UTF8.self))
    }
  }

  /// A company body: matched on its first domain (lower-cased); slugs are not renamed
  /// (`--attribute` renames person attributes only).
  static func company(
    _ members: [(key: KeySpan, value: Range<Int>)], in line: UnsafeBufferPointer<UInt8>
  ) -> Result<UpsertRequest, JSONScanError> {
    let attributes = plainAttributes(members, in: line)
    guard
      let domains = attributes.first(where: { $0.slug == CompanyValues.domainsSlug })?.value,
      let domain = firstDomain(in: domains)
    else {
      return .failure(
        JSONScanError(.invalidBody, at: 0, "a company body without a valid domains[0].domain"))
    }
    var request = UpsertRequest(
      email: domain, emailSlug: CompanyValues.domainsSlug, attributes: attributes)
    request.object = .companies
    return .success(request)
  }

  /// The body's attributes as written (no slug renamed); a duplicate key: the last one wins.
  static func plainAttributes(
    _ members: [(key: KeySpan, value: Range<Int>)], in line: UnsafeBufferPointer<UInt8>
  ) -> [UpsertRequest.Attribute] {
    var attributes: [UpsertRequest.Attribute] = []
    for member in members {
      let slug = JSONStringDecoder.decode(
        UnsafeBufferPointer(rebasing: line[member.key.start..<member.key.end]).span)
      let value = Array(UnsafeBufferPointer(rebasing: line[member.value]))
      if let index = attributes.firstIndex(where: { $0.slug == slug }) {
        attributes[index].value = value
      } else {
        attributes.append(UpsertRequest.Attribute(slug: slug, value: value))
      }
    }
    return attributes
  }

  /// `[{"domain": "acme.com"}]` (or the plain-string form `["acme.com"]`), reduced to its host.
  private static func firstDomain(in value: [UInt8]) -> String? {
    guard let array = try? JSONSerialization.jsonObject(with: Data(value)) as? [Any],
      let first = array.first
    else { return nil }
    let raw = (first as? [String: Any])?["domain"] as? String ?? first as? String
    return raw.flatMap(CompanyDomain.extract)
  }

  /// The domain of a person's `company` reference by domain,
  /// `[{"target_object":"companies","domains":[{"domain":"acme.com"}]}]`; nil for any other
  /// form (a reference by record id waits for nothing).
  static func referencedDomain(in value: [UInt8]) -> String? {
    guard let array = try? JSONSerialization.jsonObject(with: Data(value)) as? [Any],
      let reference = array.first as? [String: Any],
      reference["target_object"] as? String == AttioObject.companies.rawValue,
      let domains = reference["domains"] as? [Any], let first = domains.first
    else { return nil }
    let raw = (first as? [String: Any])?["domain"] as? String ?? first as? String
    return raw.flatMap(CompanyDomain.extract)
  }
}
