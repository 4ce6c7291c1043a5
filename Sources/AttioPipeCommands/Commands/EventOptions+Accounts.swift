import AttioPipeCore
import AttioPipeDelivery

/// `--map-user` and `--map-workspace` set up for a run: each mapping checked against its
/// object's schema, from Attio (`deliver`) or the schema file (`build --schema`).
extension EventOptions {
  /// The account settings with each mapping's attribute checked and filled in (unchanged
  /// without the options). A mapping the workspace cannot take is a configuration error.
  func resolvingAccountMappings(users: AttributeSchema?, workspaces: AttributeSchema?)
    throws(PipelineError) -> AccountSettings
  {
    var settings = accounts
    do {
      if let users, !settings.mapper.userMappings.isEmpty {
        settings.mapper.userAttributes = try AttributeMapping.resolve(
          settings.mapper.userMappings, in: users,
          reserved: AccountAttributeMapper.reservedUserSlugs, option: "--map-user")
      }
      if let workspaces, !settings.mapper.workspaceMappings.isEmpty {
        let mappings = settings.mapper.workspaceMappings.compactMap { mapping in
          MappedSource("traits." + mapping.trait).map {
            AttributeMapping(source: $0, slug: mapping.slug)
          }
        }
        settings.mapper.workspaceAttributes = try AttributeMapping.resolve(
          mappings, in: workspaces, reserved: AccountAttributeMapper.reservedWorkspaceSlugs,
          option: "--map-workspace")
      }
    } catch {
      throw .configuration(error.message)
    }
    return settings
  }

  /// `build --schema FILE`: the users and workspaces schemas the account mappings need.
  func accountSchemasFromFile() throws(PipelineError) -> (
    users: AttributeSchema?, workspaces: AttributeSchema?
  ) {
    guard let schemaPath, !accounts.mapper.isEmpty else { return (nil, nil) }
    let workspace: WorkspaceSchema
    do {
      workspace = try WorkspaceSchema.load(path: schemaPath)
    } catch {
      throw .configuration(error.message)
    }
    for (object, mapped) in [
      ("users", !accounts.mapper.userMappings.isEmpty),
      ("workspaces", !accounts.mapper.workspaceMappings.isEmpty),
    ] where mapped && workspace[object] == nil {
      throw .configuration(
        "\(schemaPath): the schema file has no \(object) object (save it with 'attio-pipe "
          + "check --users --workspaces --save-schema FILE')")
    }
    return (workspace["users"], workspace["workspaces"])
  }

  /// `deliver`: the users and workspaces schemas the account mappings need, from Attio.
  func accountSchemasFromAttio(_ reader: SchemaReader) throws(SchemaReader.Failure) -> (
    users: AttributeSchema?, workspaces: AttributeSchema?
  ) {
    let users =
      accounts.mapper.userMappings.isEmpty
      ? nil
      : try reader.read(
        object: "users", optionsFor: Set(accounts.mapper.userMappings.map(\.slug)))
    let workspaces =
      accounts.mapper.workspaceMappings.isEmpty
      ? nil
      : try reader.read(
        object: "workspaces", optionsFor: Set(accounts.mapper.workspaceMappings.map(\.slug)))
    return (users, workspaces)
  }
}
