/// The raw JSON text of each `--map` source's value for one event, by mapping index: what the
/// converter turns into attribute values. The one place mapped values enter the mapping.
///
/// Filled today from the triggering event only (`MappedValueExtractor`). A `traits.NAME`
/// value remembered in the person's profile (set by an earlier `identify`) is meant to be put
/// here too, for the sources the event itself does not give, before conversion.
package struct MappedValues: Sendable, Equatable {
  /// `nil`: the event does not give this source. Otherwise the value's JSON text exactly as it
  /// was in the line (`"Pro"`, `42`, `true`, `["a","b"]`, `null`).
  package var raw: [[UInt8]?]

  package init(count: Int) {
    raw = Array(repeating: nil, count: count)
  }

  package subscript(index: Int) -> [UInt8]? {
    get { raw[index] }
    set { raw[index] = newValue }
  }

  var isEmpty: Bool { raw.allSatisfy { $0 == nil } }
}
