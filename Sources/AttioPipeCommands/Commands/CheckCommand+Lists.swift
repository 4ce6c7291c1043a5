import AttioPipeCore
import AttioPipeDelivery

/// `check --list-entry …`: each list exists and holds people, each entry value fits its
/// attribute, and `--forward-only` names a status attribute (its statuses in order shown).
extension CheckCommand {
  func checkListEntries(_ say: (Bool, String) -> Void, _ report: inout RunReport) {
    guard !options.listEntries.isEmpty else { return }
    let reader = SchemaReader(
      settings: self.settings, userAgent: "attio-pipe/\(Invocation.version)")
    let check = options.checkListEntries(reader)
    for (list, outcome) in check.lists {
      switch outcome {
      case .success(let orders):
        let values = options.listEntries.specs.filter { $0.list == list }.flatMap(\.values)
        var text = "list \(list): holds people"
        if !values.isEmpty {
          text +=
            ", entry attributes " + Set(values.map(\.slug)).sorted().joined(separator: ", ")
            + " writable"
        }
        for (slug, statuses) in orders.sorted(by: { $0.key < $1.key }) {
          text += "; \(slug) moves forward only: " + statuses.joined(separator: " < ")
        }
        say(true, text)
      case .failure(.unusable(let messages)):
        for message in messages { say(false, message) }
        report.configurationFailed = true
      case .failure(.unreadable(let error)):
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
    for slug in check.unknownForwardOnly {
      say(false, ListEntryCheck.unknownForwardOnlyMessage(slug))
      report.configurationFailed = true
    }
  }
}
