/// One `--map-company SOURCE=SLUG`: a `group` call's trait written to a companies attribute.
package struct CompanyAttributeMapping: Equatable, Sendable {
  /// The trait's key in the group call's `traits` (SOURCE without `traits.`).
  package var trait: String
  /// The companies attribute's api slug.
  package var slug: String

  package init(trait: String, slug: String) {
    self.trait = trait
    self.slug = slug
  }
}

/// What `--companies` and `--map-company` ask of the event processor.
package struct CompanySettings: Equatable, Sendable {
  package var mappings: [CompanyAttributeMapping] = []
  /// The companies attributes the mappings write, by mapping index: set once the workspace
  /// schema is known (`EventOptions.resolvingCompanyMappings`), before any event.
  package var attributes: [AttributeSchema.Attribute] = []
  /// `--default-country`, for phone-number attributes.
  package var defaultRegion: DialingRegion?

  package init() {}
}
