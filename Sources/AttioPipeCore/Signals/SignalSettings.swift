/// `--signal` and `--signal-interval` for a run, and the rules that turn a person's events
/// into signal values and decide when they are written.
///
/// When: a person's signals go with their next upsert whenever there is one (an eligible
/// event); otherwise an event of a person already written once sends them on their own (an
/// upsert of the email and the signals) when one differs from what was last written and
/// `interval` has passed since the last write, by the events' own clock. A person never
/// written waits for their first eligible event: signals alone do not bring anyone into Attio.
package struct SignalSettings: Equatable, Sendable {
  package var specs: [SignalSpec] = [] {
    didSet { compile() }
  }
  /// Milliseconds between two signal-only writes of one person (`--signal-interval`, 1 h).
  package var interval: Int64 = 3_600_000
  /// Per spec: the attribute is a date (a timestamp otherwise), from the workspace schema.
  package var writesDate: [Bool] = []

  /// What kind each signal is, without its payload: the per-event loop reads these rather than
  /// `specs`, whose Strings it would retain and release at every event.
  private var kinds: [KindCode] = []
  /// A count signal's position in `specs`, by its position among the count signals.
  private var countSpecs: [Int] = []

  private enum KindCode: UInt8, Sendable {
    case lastSeen, firstSeen, count
  }

  package init(specs: [SignalSpec] = [], interval: Int64 = 3_600_000) {
    self.specs = specs
    self.interval = interval
    compile()
  }

  private mutating func compile() {
    kinds = specs.map { spec in
      switch spec.kind {
      case .lastSeen: .lastSeen
      case .firstSeen: .firstSeen
      case .count: .count
      }
    }
    countSpecs = kinds.indices.filter { kinds[$0] == .count }
    needsEveryVisitor = kinds.contains(.firstSeen)
  }

  package var isEmpty: Bool { specs.isEmpty }

  /// Most signals one run keeps: their state text stays well within a profile value's 4 KiB,
  /// and a count's position fits the scanner's byte.
  package static let limit = 16

  /// The names of the counted track events, one set per count signal, in option order
  /// (`ScannedLine.countedSignal` is a position in this list).
  package var countedEvents: [EventNameSet] {
    specs.compactMap { spec in
      guard case .count(let event) = spec.kind else { return nil }
      return EventNameSet([event])
    }
  }

  /// Every event of a visitor makes a profile (`first_seen` must see the first one).
  package private(set) var needsEveryVisitor = false

  /// The per-profile table the identity store keeps for these signals.
  package var profileSignals: ProfileSignals {
    ProfileSignals(rules: specs.map(\.rule), keys: specs.map(\.stateKey))
  }

  // MARK: - Per event

  /// Applies one event of `profile` at `time` (milliseconds since the epoch): the times move,
  /// a counted event adds one (`counted`: its position among the count signals, -1 for none).
  package func record(
    _ signals: inout ProfileSignals, profile: Int32, time: Int64, counted: Int8
  ) {
    signals.updateValues(of: profile) { values in
      for index in kinds.indices {
        switch kinds[index] {
        case .lastSeen:
          if time > values[index] { values[index] = time }
        case .firstSeen:
          if values[index] == 0 || time < values[index] { values[index] = time }
        case .count:
          continue
        }
      }
      if counted >= 0 { values[countSpecs[Int(counted)]] &+= 1 }
    }
  }

  /// Whether `profile`'s signals are to be written on their own at `time`.
  package func isDue(_ signals: ProfileSignals, profile: Int32, time: Int64) -> Bool {
    let last = signals.lastWrite(profile)
    return last != 0 && time - last >= interval && signals.hasUnwritten(profile)
  }

  /// The signals of `profile` as attributes of the person's upsert (those with a value),
  /// `sequence` saying how new they are.
  package func attributes(
    _ signals: ProfileSignals, profile: Int32, sequence: UInt64
  ) -> [MappedAttribute] {
    var attributes: [MappedAttribute] = []
    for index in specs.indices {
      let value = signals.value(profile, index)
      guard value != 0 else { continue }
      var text: [UInt8] = []
      switch kinds[index] {
      case .lastSeen, .firstSeen:
        text.reserveCapacity(26)
        text.append(UInt8(ascii: "\""))
        ISODateTime.appendUTC(
          milliseconds: value, dateOnly: index < writesDate.count && writesDate[index],
          to: &text)
        text.append(UInt8(ascii: "\""))
      case .count:
        text.append(contentsOf: String(value).utf8)
      }
      attributes.append(MappedAttribute(slug: specs[index].slug, value: text, sequence: sequence))
    }
    return attributes
  }

}
