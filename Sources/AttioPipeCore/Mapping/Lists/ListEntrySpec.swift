/// One `--list-entry 'EVENT NAME=LIST[:ATTRIBUTE=VALUE,…]'`: when a person does EVENT NAME,
/// they get an entry in the Attio list LIST (by slug or id), with those entry values.
package struct ListEntrySpec: Equatable, Sendable {
  /// One `ATTRIBUTE=VALUE`: the entry attribute's slug and the value as written.
  package struct Value: Equatable, Sendable {
    package var slug: String
    package var text: String
  }

  /// The event's name as given: a track event's, or `Identified` for an `identify` call
  /// (matched like `--events`).
  package var event: String
  package var list: String
  package var values: [Value]

  package init(event: String, list: String, values: [Value] = []) {
    self.event = event
    self.list = list
    self.values = values
  }

  /// Most lists one run writes (the scanner marks an event's entries in a 32-bit mask).
  package static let limit = 32

  /// Parses the option's value; the event name ends at the first `=`, the list at the first
  /// `:` after it, and each `ATTRIBUTE=VALUE` at a comma.
  package static func parse(_ text: String) -> Result<ListEntrySpec, ListEntrySpecError> {
    guard let equals = text.firstIndex(of: "=") else {
      return .failure(ListEntrySpecError(text, "needs EVENT NAME=LIST[:ATTRIBUTE=VALUE,…]"))
    }
    let event = text[..<equals].trimmingWhitespace()
    guard !event.isEmpty else { return .failure(ListEntrySpecError(text, "the event is empty")) }
    let rest = text[text.index(after: equals)...]
    let colon = rest.firstIndex(of: ":")
    let list = rest[..<(colon ?? rest.endIndex)].trimmingWhitespace()
    guard !list.isEmpty else { return .failure(ListEntrySpecError(text, "the list is empty")) }
    var values: [Value] = []
    if let colon {
      for part in rest[rest.index(after: colon)...].split(separator: ",") {
        let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingWhitespace() }
        guard pair.count == 2, !pair[0].isEmpty, !pair[1].isEmpty else {
          return .failure(
            ListEntrySpecError(text, "each entry value is ATTRIBUTE=VALUE, not '\(part)'"))
        }
        guard !values.contains(where: { $0.slug == pair[0] }) else {
          return .failure(ListEntrySpecError(text, "the attribute '\(pair[0])' is given twice"))
        }
        values.append(Value(slug: pair[0], text: pair[1]))
      }
    }
    return .success(ListEntrySpec(event: event, list: list, values: values))
  }

  /// The option as written, for messages.
  package var description: String {
    let values = self.values.map { "\($0.slug)=\($0.text)" }.joined(separator: ",")
    return "\(event)=\(list)" + (values.isEmpty ? "" : ":" + values)
  }
}

/// Why a `--list-entry` cannot be read.
package struct ListEntrySpecError: Error, Equatable, Sendable {
  package var message: String

  init(_ text: String, _ reason: String) {
    message = "--list-entry '\(text)': \(reason)"
  }
}
