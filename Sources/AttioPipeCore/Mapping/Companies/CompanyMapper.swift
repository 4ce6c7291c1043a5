/// Turns a `group` call into the values of one company assert, or a reason to skip it.
struct CompanyMapper: Sendable {
  enum Outcome: Equatable, Sendable {
    case company(CompanyValues, warnings: [EventWarning])
    case skipped(SkipReason)
  }

  let settings: CompanySettings

  init(_ settings: CompanySettings = CompanySettings()) {
    self.settings = settings
  }

  /// A group needs a `groupId` (the Segment spec requires one; without it the call names no
  /// group) and a usable domain: `domain` first, being the more specific trait, then
  /// `website`. The name is optional: Attio keeps the company's current one.
  func map(_ group: GroupEvent) -> Outcome {
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

  /// The traits `--map-company` names, as JSON text of typed values, in option order.
  ///
  /// HOOK(integrator): this is the one place where `--map-company` values are made. Wire the
  /// attribute converter of `Mapping/Attributes/` here: for each of `settings.mappings`, take
  /// `group.mappedTraits[mapping.trait]` (the raw JSON text, absent when the group lacks the
  /// trait), convert it against the companies object's schema for `mapping.slug`, append
  /// `CompanyValues.Attribute(slug:value:)` on success, or an `EventWarning` naming the trait,
  /// slug and reason when it cannot be converted. Until then `--map-company` is refused as a
  /// usage error (`ParsedCommandLine.companySettings`, the other HOOK), so nothing is
  /// silently dropped.
  func mappedAttributes(_ group: GroupEvent) -> ([CompanyValues.Attribute], [EventWarning]) {
    ([], [])
  }
}
