/// Turns a `group` call into the values of one company assert, or a reason to skip it.
package struct CompanyMapper: Sendable {
  package enum Outcome: Equatable, Sendable {
    case company(CompanyValues, warnings: [EventWarning])
    case skipped(SkipReason)
  }

  package let settings: CompanySettings
  private let converter: AttributeValueConverter

  package init(_ settings: CompanySettings = CompanySettings()) {
    precondition(settings.attributes.count == settings.mappings.count)
    self.settings = settings
    converter = AttributeValueConverter(
      phoneNormalizer: PhoneNumberNormalizer(defaultRegion: settings.defaultRegion))
  }

  /// A group needs a `groupId` (the Segment spec requires one; without it the call names no
  /// group) and a usable domain: `domain` first, being the more specific trait, then
  /// `website`. The name is optional: Attio keeps the company's current one.
  package func map(_ group: GroupEvent) -> Outcome {
    guard group.groupId != nil else { return .skipped(.noGroupId) }
    guard
      let domain = group.domain.flatMap(CompanyDomain.extract)
        ?? group.website.flatMap(CompanyDomain.extract)
    else { return .skipped(.noDomain) }
    var values = CompanyValues(domain: domain, name: group.name)
    var warnings: [EventWarning] = []
    (values.mapped, warnings) = mappedAttributes(group)
    return .company(values, warnings: warnings)
  }

  /// The traits `--map-company` names, as JSON text of typed values, in option order; a value
  /// that cannot be converted is left out with an `invalid_value` warning, as for `--map`.
  func mappedAttributes(_ group: GroupEvent) -> ([CompanyValues.Attribute], [EventWarning]) {
    var values: [CompanyValues.Attribute] = []
    var warnings: [EventWarning] = []
    for (mapping, attribute) in zip(settings.mappings, settings.attributes) {
      guard let raw = group.mappedTraits[mapping.trait] else { continue }
      switch converter.convert(raw, to: attribute) {
      case .absent: continue
      case .value(let value):
        values.append(CompanyValues.Attribute(slug: mapping.slug, value: value))
      case .failure(let reason, let partial):
        if let partial {
          values.append(CompanyValues.Attribute(slug: mapping.slug, value: partial))
        }
        warnings.append(
          EventWarning(
            .invalidValue,
            [
              ("source", "traits.\(mapping.trait)"), ("slug", mapping.slug),
              ("value", AttributeMapper.shown(raw)), ("detail", reason),
            ]))
      }
    }
    return (values, warnings)
  }
}
