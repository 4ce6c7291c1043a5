/// One `--map-company SOURCE=SLUG`: a `group` call's trait written to a companies attribute.
struct CompanyAttributeMapping: Equatable, Sendable {
  /// The trait's key in the group call's `traits` (SOURCE without `traits.`).
  var trait: String
  /// The companies attribute's api slug.
  var slug: String
}

/// What `--companies` and `--map-company` ask of the event processor.
struct CompanySettings: Equatable, Sendable {
  var mappings: [CompanyAttributeMapping] = []
  /// The companies attributes the mappings write, by mapping index: set once the workspace
  /// schema is known (`EventOptions.resolvingCompanyMappings`), before any event.
  var attributes: [AttributeSchema.Attribute] = []
  /// `--default-country`, for phone-number attributes.
  var defaultRegion: DialingRegion?
}
