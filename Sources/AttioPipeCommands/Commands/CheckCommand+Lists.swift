import AttioPipeCore
import AttioPipeDelivery

/// `check --list-entry …`: each list exists and holds people, each entry value fits its
/// attribute, and `--forward-only` names a status attribute (its statuses in order shown).
extension CheckCommand {
  func checkListEntries(_ say: (Bool, String) -> Void, _ report: inout RunReport) {
    var settings = options.listEntries
    guard !settings.isEmpty else { return }
    let reader = SchemaReader(
      settings: self.settings, userAgent: "attio-pipe/\(Invocation.version)")
    let lists = settings.lists
    var forwardOnlyFound: Set<String> = []
    for list in lists {
      do {
        let (parents, schema) = try reader.readList(list)
        let forward = settings.forwardOnlyStatuses(in: schema)
        forwardOnlyFound.formUnion(forward.orders.keys)
        for problem in forward.problems {
          forwardOnlyFound.formUnion(settings.forwardOnly)
          say(false, problem)
          report.configurationFailed = true
        }
        do {
          let orders = try settings.resolve(list: list, parentObjects: parents, schema: schema)
          forwardOnlyFound.formUnion(orders.keys)
          let values = settings.specs.filter { $0.list == list }.flatMap(\.values).map(\.slug)
          var text = "list \(list): holds people"
          if !values.isEmpty {
            text +=
              ", entry attributes " + Array(Set(values)).sorted().joined(separator: ", ")
              + " writable"
          }
          for (slug, statuses) in orders.sorted(by: { $0.key < $1.key }) {
            text += "; \(slug) moves forward only: " + statuses.joined(separator: " < ")
          }
          say(true, text)
        } catch {
          say(false, error.message)
          report.configurationFailed = true
        }
      } catch {
        say(false, "list \(list): \(error.message)")
        if error.isAuthentication {
          report.authenticationFailed = true
        } else if error.status == 404 {
          report.configurationFailed = true
        } else {
          report.failed = 1
        }
      }
    }
    for slug in settings.forwardOnly where !forwardOnlyFound.contains(slug) {
      say(false, "--forward-only \(slug): no --list-entry list has a status attribute '\(slug)'")
      report.configurationFailed = true
    }
  }
}
