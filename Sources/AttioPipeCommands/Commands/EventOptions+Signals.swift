import AttioPipeCore

/// `--signal` set up for a run: the attributes checked against the people schema.
extension EventOptions {
  /// The signals with their attributes checked when a schema is at hand (`deliver` reads it
  /// from Attio; `build --schema FILE`); without one they are written as timestamps and
  /// numbers. A signal the workspace cannot take is a configuration error.
  func resolvingSignals(people schema: AttributeSchema?) throws(PipelineError) -> SignalSettings {
    guard !signals.isEmpty, let schema else { return signals }
    var resolved = signals
    let reserved = Set(PersonAttribute.allCases.map { slugs[$0] }).union(mappings.map(\.slug))
    do {
      try resolved.resolve(in: schema, reserved: reserved)
    } catch {
      throw .configuration(error.message)
    }
    return resolved
  }
}
