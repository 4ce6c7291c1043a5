/// Stage two of the pipeline: applies a scanned line to the identity state and maps the
/// person. Shared by every mode that reads events (`build`, `deliver`).
struct EventProcessor {
  struct Configuration: Sendable {
    var enabledEvents = EventNameSet(EventNameSet.defaultNames)
    var defaultRegion: DialingRegion?
    var identityCapacity = 1_000_000
    var identityTimeToLive: UInt32?
    /// Use a `userId` that is an email address when nothing else gives an email
    /// (`--no-userid-email` turns it off).
    var userIdEmail = true
    /// `--companies`: `group` calls make companies and link their people (nil: off).
    var companies: CompanySettings?
  }

  private let mapper: PersonMapper
  private let userIdEmail: Bool
  private let companyMapper: CompanyMapper?
  private(set) var identities: IdentityStore
  private(set) var evictions = 0

  /// `identities` is a store restored from `--state`; a new one otherwise.
  init(_ configuration: Configuration, identities: IdentityStore? = nil) {
    mapper = PersonMapper(defaultRegion: configuration.defaultRegion)
    userIdEmail = configuration.userIdEmail
    companyMapper = configuration.companies.map(CompanyMapper.init)
    self.identities =
      identities
      ?? IdentityStore(
        capacity: configuration.identityCapacity, timeToLive: configuration.identityTimeToLive)
    // Profiles a loaded state file held but that were dropped at once (expired, or beyond a
    // lowered --max-identities) are evictions of this run.
    evictions = self.identities.evictedOnLoad
    self.identities.now = UInt32(wallClock())
  }

  /// Advances the store's clock (the pipeline calls it every so many lines and when idle)
  /// and forgets profiles past their time to live.
  mutating func tick() {
    identities.now = UInt32(wallClock())
    evictions += identities.evictExpired()
  }

  /// Kept out of line: numeric ids are rare and the common path stays small.
  @inline(never)
  private static func canonicalNumber(_ literal: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
    CanonicalNumber.canonical(literal)
  }

  /// Sets the store's clock (tests of the time to live).
  mutating func setClockForTesting(_ second: UInt32) {
    identities.now = second
  }

  mutating func process(_ scanned: ScannedLine, line: UnsafeBufferPointer<UInt8>) -> EventOutcome {
    switch scanned.kind {
    case .blank: return .blank
    case .invalid: return .invalid(scanned.error!)
    case .identify, .track, .alias, .other, .group: break
    }
    if scanned.followsWait { tick() }
    var changes = TraitChanges()
    for trait in ProfileTrait.allCases {
      switch scanned.traits[trait] {
      case .absent, .wrongType: continue
      case .null: changes[trait] = .remove
      case let value: changes[trait] = .set(Self.text(of: value, in: line)!.trimmingWhitespace())
      }
    }
    // `--companies`: a group call makes a company, and its person remembers the domain.
    var company: CompanyMapper.Outcome?
    if scanned.kind == .group, let companyMapper {
      company = Self.company(of: line, companyMapper)
      if case .company(let values, _) = company { changes[.companyDomain] = .set(values.domain) }
    }
    // Static helpers: `identities` is mutated inside the closures, and any access to `self`
    // around them would copy the whole store on every event.
    var previousEmail: String?
    let observation = Self.withIdentifier(scanned.anonymousId, in: line) { anonymousId in
      Self.withIdentifier(scanned.userId, in: line) { userId in
        Self.withIdentifier(scanned.previousId, in: line) { previousId in
          if case .set = changes[.email] {
            // Rare (an event that sets an email): what the person was known as before.
            let known =
              userId.flatMap { identities.profile(.user, $0) }
              ?? anonymousId.flatMap { identities.profile(.anonymous, $0) }
            previousEmail = known.flatMap { identities[$0][.email] }
          }
          return identities.observe(
            anonymousId: anonymousId, userId: userId, previousId: previousId, changes: changes)
        }
      }
    }
    evictions += observation.evicted
    switch company {
    case .company(let values, let warnings): return .company(values, warnings: warnings)
    case .skipped(let reason): return .skipped(reason)
    case nil: break
    }
    guard scanned.isEnabled else { return .skipped(.notEnabled) }
    let profile = observation.profile.map { identities[$0] } ?? Profile(changes: changes)
    let leadSource = Self.text(of: scanned.leadSource, in: line)?.trimmingWhitespace()
    let userIdEmail = self.userIdEmail
    let outcome = mapper.map(profile, leadSource: leadSource) {
      guard userIdEmail, case .string = scanned.userId,
        let userId = Self.text(of: scanned.userId, in: line)?.trimmingWhitespace(),
        EmailAddress.normalize(userId) != nil
      else { return nil }
      return (userId, "userId")
    }
    switch outcome {
    case .person(var values, var warnings):
      if companyMapper != nil { values.companyDomain = profile[.companyDomain] }
      if scanned.emailFromEvent {
        warnings.append(EventWarning(.emailFrom, [("email_from", "email")]))
      }
      if let previousEmail, case .set(let newEmail) = changes[.email],
        let old = EmailAddress.normalize(previousEmail), old != values.email,
        EmailAddress.normalize(newEmail) == values.email
      {
        warnings.append(EventWarning(.emailChanged, [("old", old), ("new", values.email)]))
      }
      return .person(values, warnings: warnings)
    case .skipped(let reason): return .skipped(reason)
    }
  }

  /// Kept out of line: group calls are rare.
  @inline(never)
  private static func company(of line: UnsafeBufferPointer<UInt8>, _ mapper: CompanyMapper)
    -> CompanyMapper.Outcome
  {
    mapper.map(GroupEvent(line: line, mapped: mapper.settings.mappings.map(\.trait)))
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
  @inline(__always)
  private static func withIdentifier<Result>(
    _ value: ScannedValue, in line: UnsafeBufferPointer<UInt8>,
    _ body: (UnsafeBufferPointer<UInt8>?) -> Result
  ) -> Result {
    switch value {
    case .string(let start, let end, false):
      return body(UnsafeBufferPointer(rebasing: line[Int(start)..<Int(end)]))
    case .number(let start, let end):
      // `42.0`, `4.2e1` and `42` are one id: numbers are looked up in canonical form.
      let literal = UnsafeBufferPointer(rebasing: line[Int(start)..<Int(end)])
      guard let canonical = canonicalNumber(literal) else { return body(literal) }
      return canonical.withUnsafeBufferPointer { body($0) }
    case .string(let start, let end, true):
      var decoded = JSONStringDecoder.decode(
        UnsafeBufferPointer(rebasing: line[Int(start)..<Int(end)]))
      return decoded.withUTF8 { body($0) }
    case .absent, .null, .wrongType:
      return body(nil)
    }
  }
}
