/// What one company assert writes, before encoding:
/// `PUT /v2/objects/companies/records?matching_attribute=domains`.
package struct CompanyValues: Equatable, Sendable {
  /// One attribute whose value is already JSON text (a typed `--map-company` value).
  package struct Attribute: Equatable, Sendable {
    package var slug: String
    package var value: [UInt8]
  }

  /// The match key (`CompanyDomain`): Attio adds it to the company's `domains`.
  package var domain: String
  package var name: String?
  /// `--map-company` values, in the order the options were given (see
  /// `CompanyMapper.mappedAttributes`).
  package var mapped: [Attribute] = []
  /// `--workspaces`: the workspace the same `group` call writes after the company.
  package var workspace: WorkspaceValues? {
    get { workspaceStorage?.value }
    set { workspaceStorage = newValue.map(OutOfLine.init) }
  }
  /// Out of line: these values are copied for every event that makes a company.
  private var workspaceStorage: OutOfLine<WorkspaceValues>?

  package init(domain: String, name: String? = nil, mapped: [Attribute] = []) {
    self.domain = domain
    self.name = name
    self.mapped = mapped
  }

  /// The slugs the company mapping itself writes; `--map-company` may not target them.
  package static let domainsSlug = "domains"
  package static let nameSlug = "name"
  /// The person attribute that references the company (a record reference by domain).
  package static let personCompanySlug = "company"
  /// The member that starts a company line of `build` (and a company result's `request`):
  /// `{"object":"companies",…}`. Design in Output/CompanyBodyEncoder.swift.
  package static let lineMarker = "\"object\":\"companies\""

  /// One record reference to the company holding `domain` (Documentation/AttioAPI.md,
  /// "Record references"):
  /// `{"target_object":"companies","domains":[{"domain":"acme.com"}]}`.
  package static func appendReference(to domain: String, into output: inout [UInt8]) {
    output.append("{\"target_object\":\"companies\",\"domains\":[{\"domain\":")
    output.appendJSONString(domain)
    output.append("}]}")
  }
}
