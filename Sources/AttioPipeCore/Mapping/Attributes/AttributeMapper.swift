/// Applies `--map` to one eligible event: finds each source's value, converts it by its
/// attribute's type, and adds it to the person's values; what cannot be converted is left out
/// with an `invalid_value` warning naming the source, the slug and the reason.
///
/// An unknown select or status option may be one an admin added since the options were read:
/// with `refreshOptions` (deliver), the options of that attribute are read again, at most
/// once per `refreshInterval` per attribute, and the value converted again.
package struct AttributeMapper: Sendable {
  package let mappings: [AttributeMapping]
  /// By mapping index.
  package private(set) var attributes: [AttributeSchema.Attribute]
  let converter: AttributeValueConverter
  private let extractor: MappedValueExtractor
  /// Reads the current options of an attribute from Attio; nil when they could not be read.
  package var refreshOptions: (@Sendable (AttributeSchema.Attribute) -> [String]?)?
  var refreshInterval = 10.0
  var clock: @Sendable () -> Double = { monotonicSeconds() }
  private var lastRefresh: [Double?]
  /// Options delivery read again (deliver); copied in when they change.
  package var liveOptions: LiveOptions?
  private var seenGeneration = 0

  package init(
    mappings: [AttributeMapping], attributes: [AttributeSchema.Attribute],
    converter: AttributeValueConverter
  ) {
    precondition(mappings.count == attributes.count)
    self.mappings = mappings
    self.attributes = attributes
    self.converter = converter
    extractor = MappedValueExtractor(sources: mappings.map(\.source))
    traitSourceIndices = mappings.indices.filter { mappings[$0].source.root == .traits }
    hasEventSources = traitSourceIndices.count < mappings.count
    lastRefresh = Array(repeating: nil, count: mappings.count)
  }

  /// The sources' values in `line` (validated), converted into `person`.
  mutating func apply(
    line: Span<UInt8>, isIdentify: Bool, to person: inout PersonValues,
    warnings: inout [EventWarning]
  ) {
    apply(values(in: line, isIdentify: isIdentify), to: &person, warnings: &warnings)
  }

  /// The raw values the event itself gives (an `identify`'s top-level `traits` are read only
  /// when `isIdentify`).
  package func values(in line: Span<UInt8>, isIdentify: Bool) -> MappedValues {
    extractor.extract(from: line, isIdentify: isIdentify)
  }

  /// The indices of the `traits.NAME` sources: the values a profile remembers.
  package let traitSourceIndices: [Int]
  /// Whether any source is read from the event alone (`properties.NAME`, `context.PATH`).
  package let hasEventSources: Bool

  /// `values` converted into `person`: the entry point for values from anywhere (the event
  /// today; remembered traits once profiles keep them).
  package mutating func apply(
    _ values: MappedValues, to person: inout PersonValues, warnings: inout [EventWarning]
  ) {
    if let liveOptions, liveOptions.generation != seenGeneration { adoptLiveOptions(liveOptions) }
    for index in mappings.indices {
      guard let raw = values[index] else { continue }
      var outcome = converter.convert(raw, to: attributes[index])
      if case .failure = outcome, attributes[index].hasOptions, refreshDue(index) {
        outcome = converter.convert(raw, to: attributes[index])
      }
      switch outcome {
      case .absent: continue
      case .value(let value):
        person.mapped.append(MappedAttribute(slug: attributes[index].slug, value: value))
      case .failure(let reason, let partial):
        if let partial {
          person.mapped.append(MappedAttribute(slug: attributes[index].slug, value: partial))
        }
        warnings.append(
          EventWarning(
            .invalidValue,
            [
              ("source", mappings[index].source.description), ("slug", attributes[index].slug),
              ("value", Self.shown(raw)), ("detail", reason),
            ]))
      }
    }
  }

  /// Reads the attribute's options again when allowed; true when they were read.
  private mutating func refreshDue(_ index: Int) -> Bool {
    guard let refreshOptions else { return false }
    let now = clock()
    if let last = lastRefresh[index], now - last < refreshInterval { return false }
    lastRefresh[index] = now
    guard let options = refreshOptions(attributes[index]) else { return false }
    attributes[index].options = options
    liveOptions?.set(options, for: attributes[index].slug)
    return true
  }

  private mutating func adoptLiveOptions(_ live: LiveOptions) {
    seenGeneration = live.generation
    for index in attributes.indices where attributes[index].hasOptions {
      if let options = live[attributes[index].slug] { attributes[index].options = options }
    }
  }

  /// The raw value for a diagnostic, cut short.
  static func shown(_ raw: [UInt8]) -> String {
    let limit = 200
    guard raw.count > limit else { return String(decoding: raw, as: UTF8.self) }
    return String(decoding: raw.prefix(limit), as: UTF8.self) + "…"
  }

  /// The slugs of multiselect attributes: merge mode only adds to those.
  package var multiselectSlugs: Set<String> {
    Set(attributes.filter(\.isMultiselect).map(\.slug))
  }
}
