extension AttioEndpoint {
  /// The companies assert, matched on `domains` (additive: a company's other domains stay).
  static let assertCompanyPath = "/v2/objects/companies/records?matching_attribute=domains"
}
