/// One `--signal`: a figure kept per person from all of their events, and the person
/// attribute it is written to.
///
/// - `last_seen=SLUG`: the time of the person's latest event of any type; never moves back.
/// - `first_seen=SLUG`: the time of their earliest event; never moves forward.
/// - `count:EVENT NAME=SLUG`: how many times they did that track event (names matched like
///   `--events`), each `messageId` counted once.
package struct SignalSpec: Equatable, Sendable {
  package enum Kind: Equatable, Sendable {
    case lastSeen
    case firstSeen
    case count(event: String)
  }

  package var kind: Kind
  package var slug: String

  package init(kind: Kind, slug: String) {
    self.kind = kind
    self.slug = slug
  }

  /// Parses `last_seen=SLUG`, `first_seen=SLUG` or `count:EVENT NAME=SLUG` (the event name may
  /// itself hold `=`: the slug is after the last one). Nil with the reason otherwise.
  package static func parse(_ text: String) -> Result<SignalSpec, SignalSpecError> {
    guard let equals = text.lastIndex(of: "=") else {
      return .failure(SignalSpecError(text, "needs NAME=SLUG"))
    }
    let name = text[..<equals].trimmingWhitespace()
    let slug = text[text.index(after: equals)...].trimmingWhitespace()
    guard !slug.isEmpty else { return .failure(SignalSpecError(text, "the slug is empty")) }
    switch name {
    case "last_seen": return .success(SignalSpec(kind: .lastSeen, slug: slug))
    case "first_seen": return .success(SignalSpec(kind: .firstSeen, slug: slug))
    default:
      guard name.hasPrefix("count:") else {
        return .failure(
          SignalSpecError(text, "the signal is last_seen, first_seen or count:EVENT NAME"))
      }
      let event = String(name.dropFirst("count:".count)).trimmingWhitespace()
      guard !event.isEmpty else {
        return .failure(SignalSpecError(text, "count: needs the name of a track event"))
      }
      return .success(SignalSpec(kind: .count(event: event), slug: slug))
    }
  }

  /// How two profiles' values combine when they turn out to be one person.
  var rule: ProfileSignals.Rule {
    switch kind {
    case .lastSeen: .latest
    case .firstSeen: .earliest
    case .count: .sum
    }
  }

  /// What names the signal in the state file, so that a saved value finds its signal again
  /// whatever the order of the options (and is dropped when its signal is no longer asked
  /// for): FNV-1a (32-bit) of `last_seen`, `first_seen` or `count:` and the folded event name.
  package var stateKey: UInt32 {
    let text: [UInt8] =
      switch kind {
      case .lastSeen: Array("last_seen".utf8)
      case .firstSeen: Array("first_seen".utf8)
      case .count(let event): Array("count:".utf8) + EventNameSet.folded(event)
      }
    var hash: UInt32 = 0x811c_9dc5
    for byte in text {
      hash ^= UInt32(byte)
      hash &*= 0x0100_0193
    }
    return hash
  }

  /// The option as written, for messages.
  package var description: String {
    switch kind {
    case .lastSeen: "last_seen=\(slug)"
    case .firstSeen: "first_seen=\(slug)"
    case .count(let event): "count:\(event)=\(slug)"
    }
  }

  /// The attribute types the signal can be written to.
  package var acceptedTypes: [String] {
    switch kind {
    case .lastSeen, .firstSeen: ["timestamp", "date"]
    case .count: ["number"]
    }
  }
}

/// Why a `--signal` cannot be read.
package struct SignalSpecError: Error, Equatable, Sendable {
  package var message: String

  init(_ text: String, _ reason: String) {
    message = "--signal '\(text)': \(reason)"
  }
}
