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
    for mapping in userMappings {
      guard !AccountAttributeMapper.reservedUserSlugs.contains(mapping.slug) else {
        throw UsageError(
          "--map-user \(mapping.source)=\(mapping.slug): '\(mapping.slug)' is written by "
            + "--users itself")
      }
      guard !mapper.userMappings.contains(where: { $0.slug == mapping.slug }) else {
        throw UsageError("--map-user: the slug '\(mapping.slug)' is given twice")
      }
      mapper.userMappings.append(mapping)
    }
    for mapping in workspaceMappings {
      guard !AccountAttributeMapper.reservedWorkspaceSlugs.contains(mapping.slug) else {
        throw UsageError(
          "--map-workspace traits.\(mapping.trait)=\(mapping.slug): '\(mapping.slug)' is "
            + "written by --workspaces itself")
      }
      guard !mapper.workspaceMappings.contains(where: { $0.slug == mapping.slug }) else {
        throw UsageError("--map-workspace: the slug '\(mapping.slug)' is given twice")
      }
      mapper.workspaceMappings.append(mapping)
    }
    mapper.defaultRegion = events.defaultRegion
    return mapper
  }
}
