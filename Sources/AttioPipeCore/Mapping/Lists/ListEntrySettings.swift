/// `--list-entry` and `--forward-only` for a run: which events put a person in which lists,
/// with which entry values.
package struct ListEntrySettings: Equatable, Sendable {
  package var specs: [ListEntrySpec] = [] {
    didSet { values = specs.map { $0.values.map { Self.textValue($0) } } }
  }
  /// `--forward-only`: status attributes of the lists that only move forward, in the order
  /// the list's statuses are configured.
  package var forwardOnly: [String] = []
  /// Per spec, each entry value as JSON text for the body: typed by the list's schema when it
  /// is known (`resolve`), a JSON string otherwise (what status, select and text take).
  package private(set) var values: [[TypedValue]] = []

  /// An entry attribute's value as JSON text for the body.
  package struct TypedValue: Equatable, Sendable {
    package var slug: String
    package var json: [UInt8]
  }

  package init() {}

  package var isEmpty: Bool { specs.isEmpty }

  /// The events that make entries, one set per spec (`ScannedLine.listEntries`).
  package var eventNames: [EventNameSet] { specs.map { EventNameSet([$0.event]) } }

  /// The lists written, each once, in option order.
  package var lists: [String] {
    var lists: [String] = []
    for spec in specs where !lists.contains(spec.list) { lists.append(spec.list) }
    return lists
  }

  /// The event names to add to `--events`: an event that makes an entry upserts its person
  /// first (the entry's parent).
  package var triggerNames: [String] { specs.map(\.event) }

  /// Sets spec `index`'s values (typed against the list's schema).
  package mutating func setValues(_ typed: [TypedValue], of index: Int) {
    values[index] = typed
  }

  private static func textValue(_ value: ListEntrySpec.Value) -> TypedValue {
    var json: [UInt8] = []
    json.appendJSONString(value.text)
    return TypedValue(slug: value.slug, json: json)
  }
}
