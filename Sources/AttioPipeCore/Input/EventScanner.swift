/// Stage one of the pipeline: validates a line and resolves what it says (kind, eligibility,
/// which spelling of each field wins, which traits change) without touching any state, so it
/// can run on its own thread ahead of identity and mapping.
package struct EventScanner {
  private let enabledEvents: EventNameSet
  /// `--signal count:NAME`: the names of the counted track events, one set each, in the order
  /// of the count signals.
  private let countedEvents: [EventNameSet]
  /// `--list-entry`: the event of each option, in option order.
  private let entryEvents: [EventNameSet]
  /// Reused for every line; holds positions into the current line only.
  private var scanned = ScannedEvent()

  /// `readsTimestamp`: the event's `timestamp` is kept (`--signal`).
  package init(
    enabledEvents: EventNameSet, countedEvents: [EventNameSet] = [],
    entryEvents: [EventNameSet] = [], readsTimestamp: Bool = false
  ) {
    self.enabledEvents = enabledEvents
    self.countedEvents = countedEvents
    self.entryEvents = entryEvents
    scanned.readsTimestamp = readsTimestamp
  }

  package mutating func scan(_ line: UnsafeBufferPointer<UInt8>) -> ScannedLine {
    var result = ScannedLine()
    if Self.isBlank(line) { return result }
    var scanner = JSONScanner(line)
    do {
      try scanner.scanEvent(into: &scanned)
    } catch {
      result.kind = .invalid
      result.error = error
      return result
    }

    let hasEventName = scanned.event.isPresent
    // Older Segment-format payloads name the call in `action`; `type` wins when both are there.
    let type = scanned.type == .absent ? scanned.action : scanned.type
    switch Self.withBytes(of: type, in: line, { EventKind(type: $0, hasEventName: hasEventName) })
    {
    case .identify:
      result.kind = .identify
      result.isEnabled = enabledEvents.contains(folded: EventNameSet.identified)
      if !entryEvents.isEmpty {
        for (index, names) in entryEvents.enumerated()
        where names.contains(folded: EventNameSet.identified) {
          result.listEntries |= 1 << UInt32(index)
        }
      }
    case .track:
      result.kind = .track
      let enabledEvents = enabledEvents
      (result.isEnabled, result.isLeadGenerated) = Self.withBytes(of: scanned.event, in: line) {
        name in
        // "Identified" in --events means the identify call, never a track of that name.
        guard let name, enabledEvents.contains(name.span),
          !EventNameSet.isIdentifyName(name.span)
        else { return (false, false) }
        return (true, EventNameSet.matches(name.span, folded: EventNameSet.leadGenerated))
      }
      if !entryEvents.isEmpty {
        let entryEvents = entryEvents
        result.listEntries = Self.withBytes(of: scanned.event, in: line) { name in
          guard let name, !EventNameSet.isIdentifyName(name.span) else { return 0 }
          var mask: UInt32 = 0
          for (index, names) in entryEvents.enumerated() where names.contains(name.span) {
            mask |= 1 << UInt32(index)
          }
          return mask
        }
      }
      if !countedEvents.isEmpty {
        let countedEvents = countedEvents
        result.countedSignal = Self.withBytes(of: scanned.event, in: line) { name in
          guard let name, let found = countedEvents.firstIndex(where: { $0.contains(name.span) })
          else { return -1 }
          return Int8(found)
        }
      }
    case .alias:
      result.kind = .alias
      result.previousId = Self.identifier(scanned.previousIdSnake, scanned.previousId)
    case .other:
      result.kind = .other
    case .group:
      result.kind = .group
    }

    result.anonymousId = Self.identifier(scanned.anonymousIdSnake, scanned.anonymousId)
    result.userId = Self.identifier(scanned.userIdSnake, scanned.userId)
    result.messageId = Self.identifier(scanned.messageIdSnake, scanned.messageId)
    if case .string(let start, let end, false) = scanned.timestamp {
      result.timestampStart = start
      result.timestampEnd = end
    }
    if result.isLeadGenerated {
      if Self.isNonBlankText(scanned.leadSourceSnake, in: line) {
        result.leadSource = scanned.leadSourceSnake
      } else if Self.isNonBlankText(scanned.leadSource, in: line) {
        result.leadSource = scanned.leadSource
      }
    }
    // context.traits first; an identify's own traits win trait by trait. Only `identify` carries
    // person traits at the top level: a `group` call's `traits` describe a company.
    resolve(scanned.contextTraits, into: &result.traits, in: line)
    if result.kind == .identify { resolve(scanned.traits, into: &result.traits, in: line) }
    // An eligible track may carry the person in its `properties` (Segment's B2B SaaS spec):
    // the event's own values win over its context.traits, and are remembered like traits.
    if result.kind == .track && result.isEnabled {
      resolve(scanned.properties, into: &result.traits, in: line)
    }
    // A top-level `email` only when no trait gave one.
    if result.traits[.email] == .absent && Self.isNonBlankText(scanned.email, in: line) {
      result.traits[.email] = scanned.email
      result.emailFromEvent = true
    }
    return result
  }

  /// Resolves the spellings of each trait: the first present spelling wins; a blank string
  /// counts as absent; `null` removes.
  private func resolve(
    _ traits: ScannedTraits, into changes: inout PerTrait<ScannedValue>,
    in line: UnsafeBufferPointer<UInt8>
  ) {
    guard traits.isPresent else { return }
    for trait in ProfileTrait.allCases {
      /// Whether `spelling` gives the trait a value (or removes it), recorded in `changes`.
      func wins(_ spelling: TraitSpelling?) -> Bool {
        guard let spelling else { return false }
        let value = traits[spelling]
        switch value {
        case .absent, .wrongType: return false
        case .null: break
        case .string, .number: guard Self.isNonBlankText(value, in: line) else { return false }
        }
        changes[trait] = value
        return true
      }
      let spellings = trait.spellings
      _ = wins(spellings.0) || wins(spellings.1) || wins(spellings.2)
    }
  }

  /// Ids: the snake_case spelling wins when both are present; an empty id is absent.
  private static func identifier(_ snake: ScannedValue, _ camel: ScannedValue) -> ScannedValue {
    if let range = snake.range, !range.isEmpty { return snake }
    if let range = camel.range, !range.isEmpty { return camel }
    return .absent
  }

  /// A string with something other than white space in it, or a number.
  private static func isNonBlankText(_ value: ScannedValue, in line: UnsafeBufferPointer<UInt8>)
    -> Bool
  {
    switch value {
    case .number: return true
    case .string(let start, let end, let escaped):
      let bytes = UnsafeBufferPointer(rebasing: line[Int(start)..<Int(end)])
      if !escaped && bytes.allSatisfy({ $0 < 0x80 }) {
        return bytes.contains { !($0 == 0x20 || (0x09...0x0D).contains($0)) }
      }
      // Escapes or non-ASCII: decide on the decoded text (rare).
      return !JSONStringDecoder.decode(bytes.span).trimmingWhitespace().isEmpty
    case .absent, .null, .wrongType:
      return false
    }
  }

  /// Calls `body` with the bytes of a string value (nil when it is not a string); only
  /// strings with escapes (rare in names) are decoded first.
  static func withBytes<Result>(
    of value: ScannedValue, in line: UnsafeBufferPointer<UInt8>,
    _ body: (UnsafeBufferPointer<UInt8>?) -> Result
  ) -> Result {
    guard case .string(let start, let end, let escaped) = value else { return body(nil) }
    let slice = UnsafeBufferPointer(rebasing: line[Int(start)..<Int(end)])
    guard escaped else { return body(slice) }
    var decoded = JSONStringDecoder.decode(slice.span)
    return decoded.withUTF8 { body($0) }
  }

  /// Empty or only spaces, tabs and carriage returns: not an event, not an error.
  package static func isBlank(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
    line.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
  }
}

/// The calls of the Segment spec that the tool treats differently.
enum EventKind {
  case identify, track, alias, other, group

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
    } else if EventKind.equalsIgnoringCase(type, "group") {
      self = .group
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
