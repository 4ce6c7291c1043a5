import AttioPipeCore
import AttioPipeDelivery

/// `--list-entry` set up for `deliver`: each list read from Attio and the options checked
/// against it before any input.
extension EventOptions {
  /// The entries' values typed by their lists' attributes, and the rules of their writes
  /// (`--forward-only`'s statuses in order). A list or value the workspace cannot take is a
  /// configuration error; a failed read, the reader's failure.
  func resolvingListEntries(_ reader: SchemaReader) throws -> (ListEntrySettings, ListEntryRules) {
    var settings = listEntries
    var rules = ListEntryRules(forwardOnly: Set(settings.forwardOnly))
    let lists = settings.lists
    var forwardOnlyFound: Set<String> = []
    for list in lists {
      let (parents, schema) = try reader.readList(list)
      if let problem = settings.forwardOnlyStatuses(in: schema).problems.first {
        throw PipelineError.configuration(problem)
      }
      do {
        let orders = try settings.resolve(list: list, parentObjects: parents, schema: schema)
        rules.statusOrder[list] = orders
        forwardOnlyFound.formUnion(orders.keys)
      } catch {
        throw PipelineError.configuration(error.message)
      }
    }
    for slug in settings.forwardOnly where !forwardOnlyFound.contains(slug) {
      throw PipelineError.configuration(
        "--forward-only \(slug): no --list-entry list has a status attribute '\(slug)'")
    }
    return (settings, rules)
  }
}

extension EventOptions {
  /// `build`: the entries' values typed by the lists saved in `--schema FILE` (`check
  /// --list-entry … --save-schema FILE`); as strings without `--schema`.
  func listEntriesFromFile() throws(PipelineError) -> ListEntrySettings {
    guard let schemaPath, !listEntries.isEmpty else { return listEntries }
    let workspace: WorkspaceSchema
    do {
      workspace = try WorkspaceSchema.load(path: schemaPath)
    } catch {
      throw .configuration(error.message)
    }
    var settings = listEntries
    for list in settings.lists {
      guard let attributes = workspace[WorkspaceSchema.listKey(list)] else {
        throw .configuration(
          "\(schemaPath): the schema file has no list '\(list)' (save it with 'attio-pipe check "
            + "--list-entry … --save-schema FILE')")
      }
      do {
        // Its parent object is checked by `check` and `deliver`, which read the list itself.
        _ = try settings.resolve(list: list, parentObjects: ["people"], schema: attributes)
      } catch {
        throw .configuration(error.message)
      }
    }
    return settings
  }
}
