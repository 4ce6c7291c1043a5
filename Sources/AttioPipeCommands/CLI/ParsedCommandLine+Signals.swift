import AttioPipeCore

extension ParsedCommandLine {
  /// `--signal` and `--signal-interval`, checked: each signal once, each slug written once
  /// (by one signal, not also by `--map` or the standard mapping).
  func checkSignals(_ options: inout EventOptions) throws(UsageError) {
    let specs = options.signals.specs
    if specs.count > SignalSettings.limit {
      throw UsageError("--signal: at most \(SignalSettings.limit) signals")
    }
    if let signalInterval {
      guard !specs.isEmpty else { throw UsageError("--signal-interval needs --signal") }
      options.signals.interval = Int64((signalInterval * 1000).rounded())
    }
    let standard = Set(PersonAttribute.allCases.map { options.slugs[$0] })
    let mapped = Set(options.mappings.map(\.slug))
    var slugs: Set<String> = []
    for (position, spec) in specs.enumerated() {
      let label = "--signal \(spec.description)"
      if specs[..<position].contains(where: { $0.stateKey == spec.stateKey }) {
        throw UsageError("\(label): this signal is given twice")
      }
      guard slugs.insert(spec.slug).inserted else {
        throw UsageError("\(label): the slug '\(spec.slug)' is written by another --signal")
      }
      if standard.contains(spec.slug) {
        throw UsageError("\(label): '\(spec.slug)' is written by the standard mapping")
      }
      if mapped.contains(spec.slug) {
        throw UsageError("\(label): '\(spec.slug)' is written by --map too")
      }
    }
  }
}
