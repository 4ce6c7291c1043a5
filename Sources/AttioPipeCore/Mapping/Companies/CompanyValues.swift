/// What one company assert writes, before encoding:
/// `PUT /v2/objects/companies/records?matching_attribute=domains`.
struct CompanyValues: Equatable, Sendable {
  /// One attribute whose value is already JSON text (a typed `--map-company` value).
  struct Attribute: Equatable, Sendable {
    var slug: String
    var value: [UInt8]
  }

  /// The match key (`CompanyDomain`): Attio adds it to the company's `domains`.
  var domain: String
  var name: String?
  /// `--map-company` values, in the order the options were given (see
  /// `CompanyMapper.mappedAttributes`).
  var mapped: [Attribute] = []

  /// The slugs the company mapping itself writes; `--map-company` may not target them.
  static let domainsSlug = "domains"
  static let nameSlug = "name"
  /// The person attribute that references the company (a record reference by domain).
  static let personCompanySlug = "company"
  /// The member that starts a company line of `build` (and a company result's `request`):
  /// `{"object":"companies",…}`. Design in Output/CompanyBodyEncoder.swift.
  static let lineMarker = "\"object\":\"companies\""

  /// One record reference to the company holding `domain` (Documentation/AttioAPI.md,
  /// "Record references"):
  /// `{"target_object":"companies","domains":[{"domain":"acme.com"}]}`.
  static func appendReference(to domain: String, into output: inout [UInt8]) {
    output.append("{\"target_object\":\"companies\",\"domains\":[{\"domain\":")
    output.appendJSONString(domain)
    output.append("}]}")
  }
}
