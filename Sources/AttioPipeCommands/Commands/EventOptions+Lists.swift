import AttioPipeCore
import AttioPipeDelivery

/// What reading the lists of `--list-entry` found, list by list: the one check behind
/// `check --list-entry` (which reports every list) and the start of `deliver` (which refuses
/// to start at the first problem).
struct ListEntryCheck {
  /// Why one list cannot be written.
  enum Problem: Error {
    /// Attio did not answer its read (404: no such list).
    case unreadable(SchemaReader.Failure)
    /// It can be read but the options do not fit it (messages, in order).
    case unusable([String])
  }

  /// The options with the values of each list that checked out typed by its attributes.
  var settings: ListEntrySettings
  /// How entries are written: `--forward-only` with each list's statuses in order.
  var rules: ListEntryRules
  /// Each list, in option order: its forward-only statuses, or its problem.
  var lists: [(list: String, outcome: Result<[String: [String]], Problem>)] = []
  /// `--forward-only` attributes that no list has (as a status or otherwise).
  var unknownForwardOnly: [String] = []

  /// The first problem, as `deliver` refuses with it.
  var firstProblem: Problem? {
    for (_, outcome) in lists {
      if case .failure(let problem) = outcome { return problem }
    }
    guard let slug = unknownForwardOnly.first else { return nil }
    return .unusable([Self.unknownForwardOnlyMessage(slug)])
  }

  static func unknownForwardOnlyMessage(_ slug: String) -> String {
    "--forward-only \(slug): no --list-entry list has a status attribute '\(slug)'"
  }
}

extension EventOptions {
  /// Reads each list `--list-entry` writes and checks the options against it: it holds
  /// people, each value fits its attribute (typed by it), each `--forward-only` attribute is
  /// a status attribute.
  func checkListEntries(_ reader: SchemaReader) -> ListEntryCheck {
    var check = ListEntryCheck(
      settings: listEntries, rules: ListEntryRules(forwardOnly: Set(listEntries.forwardOnly)))
    var forwardOnlyFound: Set<String> = []
    for list in listEntries.lists {
      let parents: [String]
      let schema: AttributeSchema
      do {
        (parents, schema) = try reader.readList(list)
      } catch {
        check.lists.append((list, .failure(.unreadable(error))))
        continue
      }
      let forward = check.settings.forwardOnlyStatuses(in: schema)
      forwardOnlyFound.formUnion(listEntries.forwardOnly.filter { schema[$0] != nil })
      var problems = forward.problems
      do {
        check.rules.statusOrder[list] = try check.settings.resolve(
          list: list, parentObjects: parents, schema: schema)
      } catch {
        problems.append(error.message)
      }
      check.lists.append(
        (list, problems.isEmpty ? .success(forward.orders) : .failure(.unusable(problems))))
    }
    check.unknownForwardOnly = listEntries.forwardOnly.filter { !forwardOnlyFound.contains($0) }
    return check
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
