import AttioPipeCore
import AttioPipeDelivery
import Foundation

/// `check --map …`, `check --signal …` and `check --save-schema FILE`: the mapped and signal
/// slugs checked against the workspace (exists, writable, type, options), and the schema saved
/// for `build --schema`.
extension CheckCommand {
  func checkSchema(_ say: (Bool, String) -> Void, _ report: inout RunReport) {
    guard !options.mappings.isEmpty || !options.signals.isEmpty || options.saveSchemaPath != nil
    else { return }
    let reader = SchemaReader(settings: settings, userAgent: "attio-pipe/\(Invocation.version)")
    var workspace = WorkspaceSchema()
    do {
      // Saved: every select's options; otherwise only the mapped ones'.
      let wanted: Set<String>? =
        options.saveSchemaPath != nil ? nil : Set(options.mappings.map(\.slug))
      workspace["people"] = try reader.read(object: "people", optionsFor: wanted)
      if options.saveSchemaPath != nil {
        workspace["companies"] = try reader.read(object: "companies")
        // The account objects, when asked for (they are off in a new workspace).
        for object in AccountObjects.enabled(by: options.accounts) {
          if (try? reader.state(of: object)) == .active {
            workspace[object.rawValue] = try reader.read(object: object.rawValue)
          }
        }
        // The lists `--list-entry` writes, for `build --schema` to type entry values by.
        for list in options.listEntries.lists {
          if let (_, attributes) = try? reader.readList(list) {
            workspace[WorkspaceSchema.listKey(list)] = attributes
          }
        }
      }
    } catch {
      say(false, error.message)
      if error.isAuthentication {
        report.authenticationFailed = true
      } else {
        report.failed = 1
      }
      return
    }
    let people = workspace["people"]!
    let reserved = Set(PersonAttribute.allCases.map { options.slugs[$0] })
    var earlier: Set<String> = []
    for mapping in options.mappings {
      let label = "--map \(mapping.source)=\(mapping.slug)"
      guard earlier.insert(mapping.slug).inserted else {
        say(false, "\(label): '\(mapping.slug)' is mapped twice")
        report.configurationFailed = true
        continue
      }
      do {
        let attribute = try AttributeMapping.resolve([mapping], in: people, reserved: reserved)[0]
        var text = "\(label): \(attribute.type)"
        if attribute.isMultiselect { text += " (multiselect)" }
        text += ", writable"
        if let code = attribute.currencyCode { text += ", currency \(code)" }
        if let options = attribute.options {
          let noun = attribute.type == "status" ? "statuses" : "options"
          text += options.isEmpty ? ", no \(noun)" : ", \(noun) \(options.joined(separator: ", "))"
        }
        say(true, text)
      } catch {
        say(false, error.message)
        report.configurationFailed = true
      }
    }
    let mapped = reserved.union(options.mappings.map(\.slug))
    for spec in options.signals.specs {
      var single = SignalSettings(specs: [spec])
      do {
        let type = try single.resolve(in: people, reserved: mapped)[0]
        say(true, "--signal \(spec.description): \(type), writable")
      } catch {
        say(false, error.message)
        report.configurationFailed = true
      }
    }
    if let path = options.saveSchemaPath {
      if FileManager.default.createFile(
        atPath: path, contents: Data(workspace.fileContents()))
      {
        let counts =
          (["people", "companies", "users", "workspaces"]
          + options.listEntries.lists.map(WorkspaceSchema.listKey)).compactMap { name in
            workspace[name].map { "\($0.attributes.count) \(name) attributes" }
          }
        say(true, "schema saved to \(path) (\(counts.joined(separator: ", ")))")
      } else {
        say(false, "cannot write the schema to \(path)")
        report.configurationFailed = true
      }
    }
  }
}
