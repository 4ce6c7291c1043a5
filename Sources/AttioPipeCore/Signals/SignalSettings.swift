/// `--signal` and `--signal-interval` for a run, and the rules that turn a person's events
/// into signal values and decide when they are written.
///
/// When: a person's signals go with their next upsert whenever there is one (an eligible
/// event); otherwise an event of a person already written once sends them on their own (an
/// upsert of the email and the signals) when one differs from what was last written and
/// `interval` has passed since the last write, by the events' own clock. A person never
/// written waits for their first eligible event: signals alone do not bring anyone into Attio.
package struct SignalSettings: Equatable, Sendable {
  package var specs: [SignalSpec] = []
  /// Milliseconds between two signal-only writes of one person (`--signal-interval`, 1 h).
  package var interval: Int64 = 3_600_000
  /// Per spec: the attribute is a date (a timestamp otherwise), from the workspace schema.
  package var writesDate: [Bool] = []

  package init(specs: [SignalSpec] = [], interval: Int64 = 3_600_000) {
    self.specs = specs
    self.interval = interval
  }

  package var isEmpty: Bool { specs.isEmpty }

  /// The names of the counted track events, one set per count signal, in option order
  /// (`ScannedLine.countedSignal` is a position in this list).
  package var countedEvents: [EventNameSet] {
    specs.compactMap { spec in
      guard case .count(let event) = spec.kind else { return nil }
      return EventNameSet([event])
    }
  }

  /// A count signal's position in `specs`, by its position among the count signals.
  private var countSpecs: [Int] {
    specs.indices.filter { if case .count = specs[$0].kind { true } else { false } }
  }

  /// Every event of a visitor makes a profile (`first_seen` must see the first one).
  package var needsEveryVisitor: Bool { specs.contains { $0.kind == .firstSeen } }

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
    let countSpecs = counted >= 0 ? self.countSpecs : []
    for index in specs.indices {
      let old = signals.value(profile, index)
      let new: Int64
      switch specs[index].kind {
      case .lastSeen: new = max(old, time)
      case .firstSeen: new = old == 0 ? time : min(old, time)
      case .count:
        guard counted >= 0, countSpecs[Int(counted)] == index else { continue }
        new = old &+ 1
      }
      if new != old { signals.setValue(profile, index, new) }
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
      let text: String
      switch specs[index].kind {
      case .lastSeen, .firstSeen:
        let writesDate = index < writesDate.count && writesDate[index]
        text =
          "\""
          + (writesDate
            ? ISODateTime.dateText(milliseconds: value)
            : ISODateTime.utcText(milliseconds: value)) + "\""
      case .count:
        text = String(value)
      }
      attributes.append(
        MappedAttribute(slug: specs[index].slug, value: Array(text.utf8), sequence: sequence))
    }
    return attributes
  }

  /// When an event happened, in milliseconds since the epoch: its `timestamp` when it is an
  /// ISO 8601 time from 2000 up to a day after `now`; otherwise `now` (when it was read).
  package static func eventTime(_ timestamp: UnsafeBufferPointer<UInt8>?, now: Int64) -> Int64 {
    guard let timestamp, let parsed = ISODateTime(bytes: timestamp), parsed.time != nil else {
      return now
    }
    let time = parsed.millisecondsSinceEpoch
    return time >= earliestTime && time <= now + 86_400_000 ? time : now
  }

  /// 2000-01-01T00:00:00Z.
  private static let earliestTime: Int64 = 946_684_800_000
}
