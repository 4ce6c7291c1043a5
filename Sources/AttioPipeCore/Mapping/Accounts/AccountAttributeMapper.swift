/// `--map-user SOURCE=SLUG` and `--map-workspace traits.NAME=SLUG`: custom attributes of the
/// users and workspaces objects, converted by each attribute's type like `--map` (the same
/// converter, schema and checks).
///
/// A user's values come from the event that writes the user (its traits, properties or
/// context, as `--map` reads them); they are not remembered, so an event without the value
/// leaves the attribute as it is (an assert only changes what it sends). A workspace's come
/// from its `group` call's traits, like `--map-company`'s.
package struct AccountAttributeMapper: Sendable, Equatable {
  package var userMappings: [AttributeMapping] = []
  /// The users attributes `userMappings` write, by index: set once the schema is known.
  package var userAttributes: [AttributeSchema.Attribute] = []
  package var workspaceMappings: [CompanyAttributeMapping] = []
  /// The workspaces attributes `workspaceMappings` write, by index.
  package var workspaceAttributes: [AttributeSchema.Attribute] = []
  /// `--default-country`, for phone-number attributes.
  package var defaultRegion: DialingRegion?

  package init() {}

  package var isEmpty: Bool { userMappings.isEmpty && workspaceMappings.isEmpty }

  /// The slugs the account mapping itself writes, which the options may not name.
  package static let reservedUserSlugs: Set<String> = [
    UserValues.userIdSlug, UserValues.emailSlug, UserValues.personSlug, UserValues.workspacesSlug,
  ]
  package static let reservedWorkspaceSlugs: Set<String> = [
    WorkspaceValues.workspaceIdSlug, WorkspaceValues.nameSlug, WorkspaceValues.companySlug, "users",
  ]

  private var converter: AttributeValueConverter {
    AttributeValueConverter(phoneNormalizer: PhoneNumberNormalizer(defaultRegion: defaultRegion))
  }

  /// The user's mapped attributes from an event's values (`MappedValueExtractor` over
  /// `userMappings`' sources).
  package func userAttributes(from values: MappedValues) -> (
    [CompanyValues.Attribute], [EventWarning]
  ) {
    precondition(userAttributes.count == userMappings.count)
    let raws = userMappings.indices.map { values[$0] }
    return convert(
      raws, to: userAttributes, slugs: userMappings.map(\.slug),
      sources: userMappings.map(\.source.description))
  }

  /// The workspace's mapped attributes from its `group` call's traits.
  package func workspaceAttributes(from group: GroupEvent) -> (
    [CompanyValues.Attribute], [EventWarning]
  ) {
    precondition(workspaceAttributes.count == workspaceMappings.count)
    return convert(
      workspaceMappings.map { group.mappedTraits[$0.trait] }, to: workspaceAttributes,
      slugs: workspaceMappings.map(\.slug),
      sources: workspaceMappings.map { "traits.\($0.trait)" })
  }

  /// Each raw value converted, in option order; one that cannot be is left out with an
  /// `invalid_value` warning (its convertible part kept, as for `--map`).
  private func convert(
    _ raws: [[UInt8]?], to attributes: [AttributeSchema.Attribute], slugs: [String],
    sources: [String]
  ) -> ([CompanyValues.Attribute], [EventWarning]) {
    let converter = self.converter
    var values: [CompanyValues.Attribute] = []
    var warnings: [EventWarning] = []
    for (index, raw) in raws.enumerated() {
      guard let raw else { continue }
      switch converter.convert(raw, to: attributes[index]) {
      case .absent: continue
      case .value(let value):
        values.append(CompanyValues.Attribute(slug: slugs[index], value: value))
      case .failure(let reason, let partial):
        if let partial {
          values.append(CompanyValues.Attribute(slug: slugs[index], value: partial))
        }
        warnings.append(
          EventWarning(
            .invalidValue,
            [
              ("source", sources[index]), ("slug", slugs[index]),
              ("value", AttributeMapper.shown(raw)), ("detail", reason),
            ]))
      }
    }
    return (values, warnings)
  }
}
