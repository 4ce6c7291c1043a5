import AttioPipeCore

extension ParsedCommandLine {
  /// `--map-user` and `--map-workspace`, checked: each needs its object's option, and may
  /// not write what the account mapping writes itself, or a slug twice.
  func accountMapper() throws(UsageError) -> AccountAttributeMapper {
    var mapper = AccountAttributeMapper()
    if let first = userMappings.first, !events.accounts.users {
      throw UsageError("--map-user \(first.source)=\(first.slug) needs --users")
    }
    if let first = workspaceMappings.first, !events.accounts.workspaces {
      throw UsageError("--map-workspace traits.\(first.trait)=\(first.slug) needs --workspaces")
    }
    try Self.checkSlugs(
      "--map-user", userMappings.map { ("\($0.source)=\($0.slug)", $0.slug) },
      reserved: AccountAttributeMapper.reservedUserSlugs, writtenBy: "--users")
    try Self.checkSlugs(
      "--map-workspace", workspaceMappings.map { ("traits.\($0.trait)=\($0.slug)", $0.slug) },
      reserved: AccountAttributeMapper.reservedWorkspaceSlugs, writtenBy: "--workspaces")
    mapper.userMappings = userMappings
    mapper.workspaceMappings = workspaceMappings
    mapper.defaultRegion = events.defaultRegion
    return mapper
  }

  /// Each slug of one option's mappings (`label`: the mapping as written) once, and none that
  /// the account mapping writes itself.
  private static func checkSlugs(
    _ option: String, _ mappings: [(label: String, slug: String)], reserved: Set<String>,
    writtenBy: String
  ) throws(UsageError) {
    var seen: Set<String> = []
    for mapping in mappings {
      guard !reserved.contains(mapping.slug) else {
        throw UsageError(
          "\(option) \(mapping.label): '\(mapping.slug)' is written by \(writtenBy) itself")
      }
      guard seen.insert(mapping.slug).inserted else {
        throw UsageError("\(option): the slug '\(mapping.slug)' is given twice")
      }
    }
  }
}
