/// Stage two of the pipeline: applies a scanned line to the identity state and maps the
/// person. Shared by every mode that reads events (`build`, `deliver`).
struct EventProcessor {
  struct Configuration: Sendable {
    var enabledEvents = EventNameSet(EventNameSet.defaultNames)
    var defaultRegion: DialingRegion?
    var identityCapacity = 1_000_000
    var identityTimeToLive: UInt32?
  }

  private let mapper: PersonMapper
  private(set) var identities: IdentityStore
  private(set) var evictions = 0

  /// `identities` is a store restored from `--state`; a new one otherwise.
  init(_ configuration: Configuration, identities: IdentityStore? = nil) {
    mapper = PersonMapper(defaultRegion: configuration.defaultRegion)
    self.identities =
      identities
      ?? IdentityStore(
        capacity: configuration.identityCapacity, timeToLive: configuration.identityTimeToLive)
    self.identities.now = UInt32(wallClock())
  }

  /// Advances the store's clock (the pipeline calls it every so many lines and when idle)
  /// and forgets profiles past their time to live.
  mutating func tick() {
    identities.now = UInt32(wallClock())
    evictions += identities.evictExpired()
  }

  mutating func process(_ scanned: ScannedLine, line: UnsafeBufferPointer<UInt8>) -> EventOutcome {
    switch scanned.kind {
    case .blank: return .blank
    case .invalid: return .invalid(scanned.error!)
    case .identify, .track, .alias, .other: break
    }
    var changes = TraitChanges()
    for trait in ProfileTrait.allCases {
      switch scanned.traits[trait] {
      case .absent, .wrongType: continue
      case .null: changes[trait] = .remove
      case let value: changes[trait] = .set(Self.text(of: value, in: line)!.trimmingWhitespace())
      }
    }
    // Static helpers: `identities` is mutated inside the closures, and any access to `self`
    // around them would copy the whole store on every event.
    let observation = Self.withIdentifier(scanned.anonymousId, in: line) { anonymousId in
      Self.withIdentifier(scanned.userId, in: line) { userId in
        Self.withIdentifier(scanned.previousId, in: line) { previousId in
          identities.observe(
            anonymousId: anonymousId, userId: userId, previousId: previousId, changes: changes)
        }
      }
    }
    evictions += observation.evicted
    guard scanned.isEnabled else { return .skipped(.notEnabled) }

    let profile = observation.profile.map { identities[$0] } ?? Profile(changes: changes)
    let leadSource = Self.text(of: scanned.leadSource, in: line)?.trimmingWhitespace()
    switch mapper.map(profile, leadSource: leadSource) {
    case .person(let values, let warnings): return .person(values, warnings: warnings)
    case .skipped(let reason): return .skipped(reason)
    }
  }

  /// A string decoded, or a number's literal text.
  static func text(of value: ScannedValue, in line: UnsafeBufferPointer<UInt8>) -> String? {
    switch value {
    case .string(let start, let end, let escaped):
      let slice = UnsafeBufferPointer(rebasing: line[Int(start)..<Int(end)])
      return escaped
        ? JSONStringDecoder.decode(slice) : String(decoding: slice, as: UTF8.self)
    case .number(let start, let end):
      return String(
        decoding: UnsafeBufferPointer(rebasing: line[Int(start)..<Int(end)]), as: UTF8.self)
    case .absent, .null, .wrongType:
      return nil
    }
  }

  /// Calls `body` with the bytes of an id (a string's, or a number's literal text). Ids are
  /// looked up straight from the line; only ids written with escapes (rare) are decoded first.
  private static func withIdentifier<Result>(
    _ value: ScannedValue, in line: UnsafeBufferPointer<UInt8>,
    _ body: (UnsafeBufferPointer<UInt8>?) -> Result
  ) -> Result {
    switch value {
    case .string(let start, let end, false), .number(let start, let end):
      return body(UnsafeBufferPointer(rebasing: line[Int(start)..<Int(end)]))
    case .string(let start, let end, true):
      var decoded = JSONStringDecoder.decode(
        UnsafeBufferPointer(rebasing: line[Int(start)..<Int(end)]))
      return decoded.withUTF8 { body($0) }
    case .absent, .null, .wrongType:
      return body(nil)
    }
  }
}
