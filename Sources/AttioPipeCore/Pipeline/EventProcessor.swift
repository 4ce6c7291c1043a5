/// Turns one input line into an outcome: scans it, updates identity, decides eligibility and
/// maps the person. Shared by every mode that reads events (`build`, `deliver`).
struct EventProcessor {
  struct Configuration: Sendable {
    var enabledEvents = EventNameSet(EventNameSet.defaultNames)
    var defaultRegion: DialingRegion?
    var identityCapacity = 1_000_000
  }

  private let enabledEvents: EventNameSet
  private let mapper: PersonMapper
  private(set) var identities: IdentityStore
  /// Reused for every line; holds positions into the current line only.
  private var scanned = ScannedEvent()
  private var line = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
  private(set) var evictions = 0

  init(_ configuration: Configuration) {
    enabledEvents = configuration.enabledEvents
    mapper = PersonMapper(defaultRegion: configuration.defaultRegion)
    identities = IdentityStore(capacity: configuration.identityCapacity)
  }

  /// The `messageId` of the line last processed, decoded on demand (diagnostics, results).
  var messageId: String? {
    text(of: scanned.messageIdSnake) ?? text(of: scanned.messageId)
  }

  mutating func process(_ line: UnsafeBufferPointer<UInt8>) -> EventOutcome {
    self.line = line
    if isBlank(line) { return .blank }
    var scanner = JSONScanner(line)
    do {
      try scanner.scanEvent(into: &scanned)
    } catch {
      scanned.reset()
      return .invalid(error)
    }

    let hasEventName = scanned.event.isPresent
    let kind = withBytes(of: scanned.type) { EventKind(type: $0, hasEventName: hasEventName) }
    var changes = traitChanges(scanned.contextTraits)
    if kind == .identify {
      // Only `identify` carries person traits at the top level: a `group` call's `traits`
      // describe a company and must not touch the person.
      changes.merge(traitChanges(scanned.traits))
    }
    let previous = kind == .alias ? scanned.previousIdSnake : .absent
    let previousCamel = kind == .alias ? scanned.previousId : .absent
    // Static helpers and a local copy of the line: `identities` is mutated inside the closures,
    // and any access to `self` around them would copy the whole store on every event.
    let line = self.line
    let (anonymous, anonymousCamel) = (scanned.anonymousIdSnake, scanned.anonymousId)
    let (user, userCamel) = (scanned.userIdSnake, scanned.userId)
    let observation = Self.withIdentifier(anonymous, anonymousCamel, in: line) { anonymousId in
      Self.withIdentifier(user, userCamel, in: line) { userId in
        Self.withIdentifier(previous, previousCamel, in: line) { previousId in
          identities.observe(
            anonymousId: anonymousId, userId: userId, previousId: previousId, changes: changes)
        }
      }
    }
    evictions += observation.evicted

    let isLeadGenerated: Bool
    switch kind {
    case .identify:
      guard enabledEvents.contains(folded: EventNameSet.identified) else {
        return .skipped(.notEnabled)
      }
      isLeadGenerated = false
    case .track:
      let enabledEvents = enabledEvents
      let (isEnabled, isLead) = withBytes(of: scanned.event) { name in
        guard let name, enabledEvents.contains(name) else { return (false, false) }
        return (true, EventNameSet.matches(name, folded: EventNameSet.leadGenerated))
      }
      guard isEnabled else { return .skipped(.notEnabled) }
      isLeadGenerated = isLead
    case .alias, .other:
      return .skipped(.notEnabled)
    }

    let profile = observation.profile.map { identities[$0] } ?? Profile(changes: changes)
    let leadSource =
      isLeadGenerated
      ? trimmedText(scanned.leadSourceSnake) ?? trimmedText(scanned.leadSource) : nil
    switch mapper.map(profile, leadSource: leadSource) {
    case .person(let values, let warnings): return .person(values, warnings: warnings)
    case .skipped(let reason): return .skipped(reason)
    }
  }

  // MARK: - Reading scanned values

  /// Resolves the spellings of each trait: the first present spelling wins; a blank string
  /// counts as absent, `null` removes.
  private func traitChanges(_ traits: ScannedTraits) -> TraitChanges {
    var changes = TraitChanges()
    guard traits.isPresent else { return changes }
    for trait in ProfileTrait.allCases {
      for spelling in trait.spellings {
        let value = traits[spelling]
        if value == .null {
          changes[trait] = .remove
          break
        }
        if let text = trimmedText(value) {
          changes[trait] = .set(text)
          break
        }
      }
    }
    return changes
  }

  /// Calls `body` with the bytes of an id (a string's, or a number's literal text): the
  /// snake_case spelling wins when both are present; empty means absent. Ids are looked up
  /// straight from the line; only ids written with escapes (rare) are decoded first.
  private static func withIdentifier<Result>(
    _ snake: ScannedValue, _ camel: ScannedValue, in line: UnsafeBufferPointer<UInt8>,
    _ body: (UnsafeBufferPointer<UInt8>?) -> Result
  ) -> Result {
    let value = isNonEmptyIdentifier(snake) ? snake : camel
    switch value {
    case .string(let start, let end, false), .number(let start, let end):
      return body(start < end ? UnsafeBufferPointer(rebasing: line[start..<end]) : nil)
    case .string(let start, let end, true):
      var decoded = JSONStringDecoder.decode(UnsafeBufferPointer(rebasing: line[start..<end]))
      return decoded.isEmpty ? body(nil) : decoded.withUTF8 { body($0) }
    case .absent, .null, .wrongType:
      return body(nil)
    }
  }

  private static func isNonEmptyIdentifier(_ value: ScannedValue) -> Bool {
    switch value {
    case .string(let start, let end, _), .number(let start, let end): start < end
    case .absent, .null, .wrongType: false
    }
  }

  private func trimmedText(_ value: ScannedValue) -> String? {
    guard let text = text(of: value) else { return nil }
    let trimmed = text.trimmingWhitespace()
    return trimmed.isEmpty ? nil : trimmed
  }

  /// A string decoded, or a number's literal text.
  private func text(of value: ScannedValue) -> String? {
    switch value {
    case .string(let start, let end, let escaped):
      let slice = UnsafeBufferPointer(rebasing: line[start..<end])
      return escaped
        ? JSONStringDecoder.decode(slice) : String(decoding: slice, as: UTF8.self)
    case .number(let start, let end):
      return String(decoding: UnsafeBufferPointer(rebasing: line[start..<end]), as: UTF8.self)
    case .absent, .null, .wrongType:
      return nil
    }
  }

  /// Calls `body` with the bytes of a string value (nil when it is not a string). Names with
  /// escapes are rare; only they are decoded first.
  private func withBytes<Result>(
    of value: ScannedValue, _ body: (UnsafeBufferPointer<UInt8>?) -> Result
  ) -> Result {
    guard case .string(let start, let end, let escaped) = value else { return body(nil) }
    let slice = UnsafeBufferPointer(rebasing: line[start..<end])
    guard escaped else { return body(slice) }
    var decoded = JSONStringDecoder.decode(slice)
    return decoded.withUTF8 { body($0) }
  }

  private func isBlank(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
    for byte in line {
      switch byte {
      case 0x20, 0x09, 0x0D: continue
      default: return false
      }
    }
    return true
  }
}

/// The calls of the Segment spec that the tool treats differently.
enum EventKind {
  case identify, track, alias, other

  /// An event without a `type` but with an `event` name is taken as a track.
  init(type: UnsafeBufferPointer<UInt8>?, hasEventName: Bool) {
    guard let type else {
      self = hasEventName ? .track : .other
      return
    }
    if EventKind.equalsIgnoringCase(type, "identify") {
      self = .identify
    } else if EventKind.equalsIgnoringCase(type, "track") {
      self = .track
    } else if EventKind.equalsIgnoringCase(type, "alias") {
      self = .alias
    } else {
      self = .other
    }
  }

  private static func equalsIgnoringCase(
    _ bytes: UnsafeBufferPointer<UInt8>, _ word: StaticString
  ) -> Bool {
    guard bytes.count == word.utf8CodeUnitCount else { return false }
    for index in 0..<bytes.count where bytes[index] | 0x20 != word.utf8Start[index] {
      return false
    }
    return true
  }
}

extension EventProcessor {
  /// An input line as the reader delivers it: over-long lines are invalid without a look.
  mutating func process(_ line: InputLine, maximumLineLength: Int) -> EventOutcome {
    switch line {
    case .text(let bytes):
      return process(bytes)
    case .tooLong(let length):
      return .invalid(
        JSONScanError(.lineTooLong, at: min(length, maximumLineLength), "line too long"))
    }
  }
}
