import AttioPipeCore

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
    /// `--users`, `--workspaces`: product accounts written beside people and companies.
    var accounts = AccountSettings()
    /// `--map traits.NAME`: the trait sources profiles remember, in mapping order (the n-th in
    /// `ProfileSlot.mappedTrait(n)`).
    var rememberedTraits: [MappedSource] = []
    /// Recognise events seen before by their `messageId` (`--no-dedupe` turns it off; they
    /// are still remembered).
    var recogniseDuplicates = true
    /// `--signal`: figures kept per person from all their events (empty: none).
    var signals = SignalSettings()
  }

  private let mapper: PersonMapper
  private let userIdEmail: Bool
  private let companyMapper: CompanyMapper?
  private let accounts: AccountSettings
  private let signals: SignalSettings
  /// `!signals.isEmpty`, read per event.
  private let hasSignals: Bool
  /// `--signal`: reads the events' times.
  private var eventClock = EventClock()
  /// Finds `--map-user`'s sources in a line (nil without the option).
  private let userExtractor: MappedValueExtractor?
  /// Finds the remembered trait sources in a line (nil without `--map traits.NAME`).
  private let traitExtractor: MappedValueExtractor?
  /// What each remembered value starts with: its source's name and a NUL. Slots follow the
  /// order of the `--map` options, which may differ in the next run of the same `--state`;
  /// the name makes a value stored under another mapping unreadable rather than misread.
  private let traitPrefixes: [[UInt8]]
  private(set) var identities: IdentityStore
  /// The messageIds of the events that could change an identity or make an upsert, saved with
  /// the identities (see `process`).
  private(set) var seen: SeenMessages
  private let recogniseDuplicates: Bool
  /// Grows whenever the identities or the seen messages change (`--state` saves soon after the
  /// first change following a quiet spell).
  private(set) var changeCount = 0
  private(set) var evictions = 0
  /// Reused for every event's trait changes.
  private var changes = TraitChanges()
  /// Reused for every event's person: the values handed out last time come back here, and
  /// once the caller has let go of them their bytes' memory is written again.
  private var person = PersonValues()

  /// `identities` and `seen` are restored from `--state`; new ones otherwise.
  init(
    _ configuration: Configuration, identities: IdentityStore? = nil, seen: SeenMessages? = nil
  ) {
    mapper = PersonMapper(defaultRegion: configuration.defaultRegion)
    userIdEmail = configuration.userIdEmail
    companyMapper = configuration.companies.map(CompanyMapper.init)
    accounts = configuration.accounts
    signals = configuration.signals
    hasSignals = !configuration.signals.isEmpty
    userExtractor =
      configuration.accounts.mapper.userMappings.isEmpty
      ? nil
      : MappedValueExtractor(sources: configuration.accounts.mapper.userMappings.map(\.source))
    precondition(configuration.rememberedTraits.count <= ProfileSlot.mappedTraitLimit)
    traitExtractor =
      configuration.rememberedTraits.isEmpty
      ? nil : MappedValueExtractor(sources: configuration.rememberedTraits)
    traitPrefixes = configuration.rememberedTraits.map { Array($0.description.utf8) + [0] }
    self.identities =
      identities
      ?? IdentityStore(
        capacity: configuration.identityCapacity, timeToLive: configuration.identityTimeToLive)
    self.seen = seen ?? SeenMessages()
    recogniseDuplicates = configuration.recogniseDuplicates
    // Profiles a loaded state file held but that were dropped at once (expired, or beyond a
    // lowered --max-identities) are evictions of this run.
    evictions = self.identities.evictedOnLoad
    self.identities.now = UInt32(wallClock())
    if hasSignals { self.identities.configureSignals(signals.profileSignals) }
  }

  /// Advances the store's clock (the pipeline calls it every so many lines and when idle)
  /// and forgets profiles past their time to live.
  mutating func tick() {
    identities.now = UInt32(wallClock())
    let expired = identities.evictExpired()
    evictions += expired
    if expired > 0 { changeCount += 1 }
  }

  /// Kept out of line: numeric ids are rare and the common path stays small.
  @inline(never)
  private static func canonicalNumber(_ literal: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
    CanonicalNumber.canonical(literal.span)
  }

  /// Sets the store's clock (tests of the time to live).
  mutating func setClockForTesting(_ second: UInt32) {
    identities.now = second
  }

  mutating func process(_ scanned: ScannedLine, line: UnsafeBufferPointer<UInt8>) -> EventOutcome {
    switch scanned.kind {
    case .blank: return .blank
    case .invalid: return .invalid(scanned.error!)
    case .identify, .track, .alias, .group, .other: break
    }
    if scanned.followsWait { tick() }
    // The changes' buffers are reused from event to event (`self.changes`, kept warm).
    changes.removeAll()
    for trait in ProfileTrait.allCases {
      let value = scanned.traits[trait]
      switch value {
      case .absent, .wrongType: continue
      case .null: changes.remove(ProfileSlot(trait))
      case .string, .number:
        Self.appendTrimmed(value, in: line, as: ProfileSlot(trait), to: &changes)
      }
    }
    var eventTraits: MappedValues?
    if let traitExtractor {
      let found = traitExtractor.extract(from: line.span, isIdentify: scanned.kind == .identify)
      Self.rememberMappedTraits(found, prefixes: traitPrefixes, in: &changes)
      eventTraits = found
    }
    // `--companies`: a group call makes a company, and its person remembers the domain;
    // `--workspaces`: it makes a workspace too (after the identities have seen the event).
    var company: CompanyMapper.Outcome?
    var group: GroupEvent?
    // Tested before `group` wherever both are: an optional struct's `if let` copies it, and
    // most events are not group calls.
    let makesGroup = scanned.kind == .group && (companyMapper != nil || accounts.workspaces)
    if makesGroup {
      group = Self.groupEvent(
        of: line,
        mapped: (companyMapper?.settings.mappings.map(\.trait) ?? [])
          + accounts.mapper.workspaceMappings.map(\.trait))
    }
    if makesGroup, let group, let companyMapper {
      company = companyMapper.map(group)
      if case .company(let values, _) = company {
        var domain = values.domain
        domain.withUTF8 { changes.set(ProfileSlot(.companyDomain), UnsafeRawBufferPointer($0)) }
      }
    }
    // An event seen before is recognised here, before it changes anything: a rerun of input
    // already processed (the same file with the same --state, a restarted `tail -n +1 -F`)
    // changes no identity and makes no upsert, whatever became of the event the first time.
    // Only events that could do either are remembered (a trigger event, traits, an alias, a
    // company), so the bounded memory covers a long stretch of input; a page view comes
    // again as harmlessly as it came the first time.
    if scanned.isEnabled || !changes.isEmpty || makesGroup || scanned.previousId.isPresent
      || scanned.countedSignal >= 0,
      let hash = Self.messageHash(scanned.messageId, in: line)
    {
      if seen.insert(hash) {
        changeCount += 1
      } else if recogniseDuplicates {
        return duplicate(scanned, line: line, company: company, group: makesGroup ? group : nil)
      }
    }
    // `--workspaces`: a membership that must wait for its user is a change of the profile
    // (which makes one for a visitor who has none yet).
    var membershipsDropped = 0
    if makesGroup, accounts.workspaces, let group {
      membershipsDropped = waitingMembership(group, scanned, line: line)
    }
    var emailChange: (old: String, new: String?)?
    // `--signal`: events whose person must have a profile to keep their signals in.
    let needsProfile =
      hasSignals
      && (scanned.isEnabled || scanned.countedSignal >= 0 || signals.needsEveryVisitor)
    let observation: IdentityStore.Observation
    if let anonymousId = Self.plainIdentifier(scanned.anonymousId, in: line),
      let userId = Self.plainIdentifier(scanned.userId, in: line),
      let previousId = Self.plainIdentifier(scanned.previousId, in: line)
    {
      // Nearly every event: ids straight from the line, no closures (whose captures would
      // retain the changes' buffers on every event).
      observation = Self.observe(
        &identities, &changes, &emailChange, anonymousId, userId, previousId, needsProfile)
    } else {
      // Ids to decode or canonicalise first. The changes are moved out of `self` for the
      // closures (a swap, no copy) and back; `identities` is mutated inside them through
      // static helpers, as any access to `self` around them would copy the whole store.
      var moved = TraitChanges()
      swap(&moved, &changes)
      observation = Self.withIdentifier(scanned.anonymousId, in: line) { anonymousId in
        Self.withIdentifier(scanned.userId, in: line) { userId in
          Self.withIdentifier(scanned.previousId, in: line) { previousId in
            Self.observe(
              &identities, &moved, &emailChange, anonymousId, userId, previousId, needsProfile)
          }
        }
      }
      swap(&moved, &changes)
    }
    evictions += observation.evicted
    if observation.changed { changeCount += 1 }
    var eventTime: Int64 = 0
    if hasSignals, let profile = observation.profile {
      eventTime = signalTime(scanned, in: line)
      signals.record(
        &identities.signals, profile: profile, time: eventTime, counted: scanned.countedSignal)
      changeCount += 1
    }
    if makesGroup, accounts.workspaces, let group {
      return workspace(
        group, company: company, profile: observation.profile,
        eventUserId: Self.userId(scanned, in: line), membershipsDropped: membershipsDropped)
    }
    switch company {
    case .company(let values, let warnings): return .company(values, warnings: warnings)
    case .skipped(let reason): return .skipped(reason)
    case nil: break
    }
    guard scanned.isEnabled else {
      if hasSignals, let profile = observation.profile,
        signals.isDue(identities.signals, profile: profile, time: eventTime)
      {
        return signalsOnly(of: profile, at: eventTime, scanned, line: line)
      }
      return .skipped(.notEnabled)
    }
    let leadSource = Self.text(of: scanned.leadSource, in: line)?.trimmingWhitespace()
    let fallbackEmail = Self.fallbackEmail(scanned, in: line, enabled: userIdEmail)
    var values = PersonValues()
    swap(&values, &person)
    // A value longer than the profile keeps is written whole by its own event (rare: no copy
    // of the changes on the common path).
    let own = changes.hasLongValues ? changes : nil
    let hints = MappingHints(scanned, line: line)
    let result =
      if let slot = observation.profile {
        mapper.map(
          identities.view(slot), leadSource: leadSource, into: &values, own: own, hints: hints,
          fallbackEmail: fallbackEmail)
      } else {
        Profile(changes: changes).withView {
          mapper.map(
            $0, leadSource: leadSource, into: &values, own: own, hints: hints,
            fallbackEmail: fallbackEmail)
        }
      }
    // The event's own values, with no profile to hold them, are as new as anything seen.
    let eventSequence = identities.currentSequence
    switch result {
    case .person(var warnings):
      let view = observation.profile.map { identities.view($0) }
      if view == nil { Self.setSequences(of: &values, to: eventSequence) }
      if companyMapper != nil, let domain = view?.value(ProfileSlot(.companyDomain)) {
        if let bytes = domain.bytes {
          values.set(.companyDomain, bytes.assumingMemoryBound(to: UInt8.self).span)
          values.setSequence(domain.sequence, of: .companyDomain)
        }
      }
      if let eventTraits {
        values.rememberedTraits = traitPrefixes.indices.map { index in
          if let own = eventTraits[index] {
            return PersonValues.RememberedTrait(raw: own, sequence: eventSequence)
          }
          let prefix = traitPrefixes[index]
          guard let remembered = view?.value(.mappedTrait(index)),
            let bytes = remembered.bytes, bytes.starts(with: prefix)
          else { return nil }
          return PersonValues.RememberedTrait(
            raw: Array(bytes[prefix.count...]), sequence: remembered.sequence)
        }
      }
      if scanned.emailFromEvent {
        warnings.append(EventWarning(.emailFrom, [("email_from", "email")]))
      }
      if let emailChange, let new = emailChange.new, new == values.email {
        warnings.append(EventWarning(.emailChanged, [("old", emailChange.old), ("new", new)]))
      }
      if accounts.users {
        values.user = user(
          email: values.email, profile: observation.profile,
          eventUserId: Self.userId(scanned, in: line))
        if let userExtractor, values.user != nil {
          let found = userExtractor.extract(from: line.span, isIdentify: scanned.kind == .identify)
          let (mapped, mappedWarnings) = accounts.mapper.userAttributes(from: found)
          values.user?.mapped = mapped
          warnings += mappedWarnings
        }
      }
      if scanned.listEntries != 0 { values.listEntries = scanned.listEntries }
      if hasSignals, let profile = observation.profile {
        values.mapped += signals.attributes(
          identities.signals, profile: profile, sequence: identities.currentSequence)
        identities.signals.markWritten(profile, at: eventTime)
      }
      person = values
      return .person(values, warnings: warnings)
    case .skipped(let reason):
      person = values
      return .skipped(reason)
    }
  }

  /// An event seen before: nothing changes. What it would be now — its company, or its person
  /// as the identities know them now — when that would be eligible; `deliver` reports it
  /// `duplicate`. Kept out of line: rare.
  @inline(never)
  private func duplicate(
    _ scanned: ScannedLine, line: UnsafeBufferPointer<UInt8>, company: CompanyMapper.Outcome?,
    group: GroupEvent?
  ) -> EventOutcome {
    if let group, accounts.workspaces, let workspaceId = group.groupId {
      if case .company(let values, _) = company { return .duplicate(.company(values)) }
      return .duplicate(.workspace(WorkspaceValues(workspaceId: workspaceId, name: group.name)))
    }
    if let company {
      guard case .company(let values, _) = company else { return .duplicate(nil) }
      return .duplicate(.company(values))
    }
    guard scanned.isEnabled else { return .duplicate(nil) }
    let identities = self.identities
    let known = Self.withIdentifier(scanned.userId, in: line) { userId in
      Self.withIdentifier(scanned.anonymousId, in: line) { anonymousId in
        userId.flatMap { identities.profile(.user, $0) }
          ?? anonymousId.flatMap { identities.profile(.anonymous, $0) }
      }
    }
    let fallbackEmail = Self.fallbackEmail(scanned, in: line, enabled: userIdEmail)
    var values = PersonValues()
    let result =
      if let known {
        mapper.map(
          identities.view(known), leadSource: nil, into: &values, fallbackEmail: fallbackEmail)
      } else {
        Profile(changes: changes).withView {
          mapper.map($0, leadSource: nil, into: &values, fallbackEmail: fallbackEmail)
        }
      }
    guard case .person = result else { return .duplicate(nil) }
    return .duplicate(.person(values))
  }

  /// The messageId's hash (`SeenMessages`), from the line's bytes (decoded when they hold an
  /// escape); nil without a messageId, or an empty one.
  private static func messageHash(_ value: ScannedValue, in line: UnsafeBufferPointer<UInt8>)
    -> UInt64?
  {
    switch value {
    case .string(let start, let end, false), .number(let start, let end):
      guard end > start else { return nil }
      return SeenMessages.hash(
        UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: line[Int(start)..<Int(end)])))
    case .string(_, _, true):
      guard let text = text(of: value, in: line), !text.isEmpty else { return nil }
      return SeenMessages.hash(text)
    case .absent, .null, .wrongType:
      return nil
    }
  }

  /// A `userId` that is an email address, asked for only when the profile has no email.
  private static func fallbackEmail(
    _ scanned: ScannedLine, in line: UnsafeBufferPointer<UInt8>, enabled: Bool
  ) -> () -> (email: String, source: String)? {
    {
      guard enabled, case .string = scanned.userId,
        let userId = text(of: scanned.userId, in: line)?.trimmingWhitespace(),
        EmailAddress.normalize(userId) != nil
      else { return nil }
      return (userId, "userId")
    }
  }

  /// Every value of `values` made as new as `sequence` (values with no profile behind them).
  private static func setSequences(of values: inout PersonValues, to sequence: UInt64) {
    for field in [PersonValues.Field.fullName, .phone, .jobTitle] where values.has(field) {
      values.setSequence(sequence, of: field)
    }
  }

  /// `--map traits.NAME` values the event gives, as changes of their slots: `null` removes
  /// what was remembered, like a standard trait. A value longer than a profile keeps is not
  /// remembered (cut JSON would be no value at all); the event that carries it still writes it.
  @inline(never)
  private static func rememberMappedTraits(
    _ values: MappedValues, prefixes: [[UInt8]], in changes: inout TraitChanges
  ) {
    for index in values.raw.indices {
      guard let raw = values[index] else { continue }
      if raw.elementsEqual("null".utf8) {
        changes.remove(.mappedTrait(index))
      } else if prefixes[index].count + raw.count <= Profile.maximumTraitLength {
        let start = changes.withValueBuffer { bytes in
          let start = bytes.count
          bytes.append(contentsOf: prefixes[index])
          bytes.append(contentsOf: raw)
          return start
        }
        changes.commitValue(.mappedTrait(index), from: start)
      }
    }
  }

  /// Kept out of line: group calls are rare.
  @inline(never)
  private static func groupEvent(of line: UnsafeBufferPointer<UInt8>, mapped: [String])
    -> GroupEvent
  {
    GroupEvent(line: line.span, mapped: mapped)
  }

  /// The event's `userId` as the identities know it (decoded, numbers canonical); nil without.
  private static func userId(_ scanned: ScannedLine, in line: UnsafeBufferPointer<UInt8>)
    -> String?
  {
    guard scanned.userId.isPresent else { return nil }
    return withIdentifier(scanned.userId, in: line) { bytes in
      bytes.flatMap { $0.isEmpty ? nil : String(decoding: $0, as: UTF8.self) }
    }
  }

  /// `--users`: the users record a person's write is followed by, when the profile has a
  /// `userId` (the event's, else the one it learned last). Memberships that waited for the
  /// user (`--workspaces`) ride along and stop waiting. Kept out of line: off by default.
  @inline(never)
  private mutating func user(email: String, profile: Int32?, eventUserId: String?)
    -> UserValues?
  {
    guard let userId = eventUserId ?? profile.flatMap({ identities.userIds(of: $0).last }) else {
      return nil
    }
    var user = UserValues(userId: userId, email: email, linksPerson: true)
    if accounts.workspaces, let profile {
      user.workspaceIds = PendingMemberships.decode(
        identities.view(profile).value(.pendingWorkspaces).bytes)
      if !user.workspaceIds.isEmpty { setPendingMemberships([], of: profile) }
    }
    return user
  }

  /// `--workspaces`: a `group` call's workspace, after its company when it makes one. The
  /// calling user joins it now when the user can be written (a `userId` and an email known),
  /// else the membership waits in the profile for the user's next write. Kept out of line:
  /// group calls are rare.
  @inline(never)
  private mutating func workspace(
    _ group: GroupEvent, company: CompanyMapper.Outcome?, profile: Int32?, eventUserId: String?,
    membershipsDropped: Int
  ) -> EventOutcome {
    guard let workspaceId = group.groupId else {
      if case .company(let values, let warnings) = company {
        return .company(values, warnings: warnings)
      }
      return .skipped(.noGroupId)
    }
    var workspace = WorkspaceValues(workspaceId: workspaceId, name: group.name)
    if case .company(let values, _) = company { workspace.companyDomain = values.domain }
    var warnings: [EventWarning] = []
    if !accounts.mapper.workspaceMappings.isEmpty {
      (workspace.mapped, warnings) = accounts.mapper.workspaceAttributes(from: group)
    }
    if membershipsDropped > 0 {
      warnings.append(
        EventWarning(
          .membershipsDropped,
          [("workspace_id", workspaceId), ("dropped", String(membershipsDropped))]))
    }
    // The user can be written now: it joins at once, with what waited for it.
    if let profile, let (userId, email) = writableUser(of: profile, eventUserId: eventUserId) {
      let pending = PendingMemberships.decode(
        identities.view(profile).value(.pendingWorkspaces).bytes)
      var ids = pending.filter { $0 != workspaceId }
      ids.append(workspaceId)
      workspace.member = UserValues(
        userId: userId, email: email, linksPerson: false, workspaceIds: ids)
      if !pending.isEmpty { setPendingMemberships([], of: profile) }
    }
    if case .company(var values, let companyWarnings) = company {
      values.workspace = workspace
      return .company(values, warnings: companyWarnings + warnings)
    }
    return .workspace(workspace, warnings: warnings)
  }

  /// The user id and email of a profile whose user can be written (both known).
  private func writableUser(of profile: Int32, eventUserId: String?) -> (String, String)? {
    guard let userId = eventUserId ?? identities.userIds(of: profile).last,
      let email = identities.view(profile).value(.email).bytes.flatMap({
        EmailAddress.normalize($0.assumingMemoryBound(to: UInt8.self).span)
      })
    else { return nil }
    return (userId, email)
  }

  /// `--workspaces`, before the identities see a `group` call: when its user cannot be
  /// written yet (no `userId` or no email known), the membership waits in the profile, as a
  /// change of this event. Returns how many older waiting memberships it pushed out.
  private mutating func waitingMembership(
    _ group: GroupEvent, _ scanned: ScannedLine, line: UnsafeBufferPointer<UInt8>
  ) -> Int {
    guard let workspaceId = group.groupId, PendingMemberships.canHold(workspaceId) else {
      return 0
    }
    let identities = self.identities
    let known = Self.withIdentifier(scanned.userId, in: line) { userId in
      Self.withIdentifier(scanned.anonymousId, in: line) { anonymousId in
        userId.flatMap { identities.profile(.user, $0) }
          ?? anonymousId.flatMap { identities.profile(.anonymous, $0) }
      }
    }
    let eventUserId = Self.userId(scanned, in: line)
    if let known, writableUser(of: known, eventUserId: eventUserId) != nil { return 0 }
    let pending = PendingMemberships.decode(
      known.flatMap { identities.view($0).value(.pendingWorkspaces).bytes })
    let (ids, dropped) = PendingMemberships.adding(workspaceId, to: pending)
    if ids != pending {
      PendingMemberships.encode(ids).withUnsafeBytes { changes.set(.pendingWorkspaces, $0) }
    }
    return dropped
  }

  /// Sets (or empties) the memberships waiting in a profile.
  private mutating func setPendingMemberships(_ ids: [String], of profile: Int32) {
    var update = TraitChanges()
    if ids.isEmpty {
      update.remove(.pendingWorkspaces)
    } else {
      let bytes = PendingMemberships.encode(ids)
      bytes.withUnsafeBytes { update.set(.pendingWorkspaces, $0) }
    }
    identities.update(profile, changes: update)
    changeCount += 1
  }

  /// Records the event in the store; an event that sets an email first looks up what the
  /// person was known as, to remember the previous email and warn of the change.
  private static func observe(
    _ identities: inout IdentityStore, _ changes: inout TraitChanges,
    _ emailChange: inout (old: String, new: String?)?, _ anonymousId: IdentityStore.ID?,
    _ userId: IdentityStore.ID?, _ previousId: IdentityStore.ID?, _ needsProfile: Bool
  ) -> IdentityStore.Observation {
    if changes.isChanged(.email) {
      let known =
        userId.flatMap { identities.profile(.user, $0) }
        ?? anonymousId.flatMap { identities.profile(.anonymous, $0) }
      if let known {
        emailChange = Self.emailChange(from: identities.view(known), to: changes)
        if let old = emailChange?.old {
          var old = old
          old.withUTF8 { changes.set(.previousEmail, UnsafeRawBufferPointer($0)) }
        }
      }
    }
    return identities.observe(
      anonymousId: anonymousId, userId: userId, previousId: previousId, changes: changes,
      needsProfile: needsProfile)
  }

  // MARK: - Signals

  /// `--signal`: the person's signals written on their own (the email and the signals, with
  /// nothing else), for an event that makes no upsert. Kept out of line: at most one event per
  /// person per `--signal-interval`.
  @inline(never)
  private mutating func signalsOnly(
    of profile: Int32, at time: Int64, _ scanned: ScannedLine, line: UnsafeBufferPointer<UInt8>
  ) -> EventOutcome {
    let fallbackEmail = Self.fallbackEmail(scanned, in: line, enabled: userIdEmail)
    // The reused values, as for an eligible event.
    var values = PersonValues()
    swap(&values, &person)
    defer { person = values }
    guard
      case .person = mapper.mapEmail(
        identities.view(profile), into: &values, fallbackEmail: fallbackEmail)
    else { return .skipped(.notEnabled) }
    values.mapped = signals.attributes(
      identities.signals, profile: profile, sequence: identities.currentSequence)
    values.signalsOnly = true
    identities.signals.markWritten(profile, at: time)
    return .person(values, warnings: [])
  }

  /// When the event happened (`EventClock`), in milliseconds; the time it is read is the
  /// store's clock (refreshed every few thousand lines and after each wait: `tick`), which is
  /// as exact as a fallback needs, and costs no system call per event.
  private mutating func signalTime(_ scanned: ScannedLine, in line: UnsafeBufferPointer<UInt8>)
    -> Int64
  {
    let now = Int64(identities.now) * 1000
    guard scanned.timestampStart >= 0 else { return now }
    return eventClock.time(
      of: UnsafeBufferPointer(
        rebasing: line[Int(scanned.timestampStart)..<Int(scanned.timestampEnd)]),
      now: now)
  }

  /// An id's bytes when they can be used straight from the line (`.some(nil)`: no id); nil
  /// when it must be decoded or canonicalised first (`withIdentifier`).
  @inline(__always)
  private static func plainIdentifier(
    _ value: ScannedValue, in line: UnsafeBufferPointer<UInt8>
  ) -> UnsafeBufferPointer<UInt8>?? {
    switch value {
    case .string(let start, let end, false):
      .some(UnsafeBufferPointer(rebasing: line[Int(start)..<Int(end)]))
    case .absent, .null, .wrongType: .some(nil)
    case .string(_, _, true), .number: nil
    }
  }

  /// When an event sets an email that differs (normalised) from the one the profile holds, and
  /// the profile's was a valid address: the old one, and the new one (nil when invalid).
  private static func emailChange(from profile: ProfileView, to changes: TraitChanges)
    -> (old: String, new: String?)?
  {
    guard let oldBytes = profile.value(.email).bytes else { return nil }
    return changes.withValue(.email) { newBytes -> (old: String, new: String?)? in
      // The same bytes (most identify calls repeat the address): nothing to normalise.
      guard let newBytes, !newBytes.elementsEqual(oldBytes),
        let old = EmailAddress.normalize(oldBytes.assumingMemoryBound(to: UInt8.self).span)
      else { return nil }
      let new = EmailAddress.normalize(newBytes.assumingMemoryBound(to: UInt8.self).span)
      return new == old ? nil : (old, new)
    } ?? nil
  }

  /// Appends a string's (decoded, trimmed) or a number's bytes as the slot's new value.
  private static func appendTrimmed(
    _ value: ScannedValue, in line: UnsafeBufferPointer<UInt8>, as slot: ProfileSlot,
    to changes: inout TraitChanges
  ) {
    guard let range = value.range else { return }
    let slice = UnsafeBufferPointer(rebasing: line[range])
    let start = changes.withValueBuffer { bytes -> Int in
      let start = bytes.count
      if case .string(_, _, true) = value {
        JSONStringDecoder.decode(slice.span, into: &bytes)
      } else {
        bytes.append(contentsOf: slice)
      }
      trimWhitespace(&bytes, from: start)
      return start
    }
    changes.commitValue(slot, from: start)
  }

  /// Trims `bytes[start...]` as `trimmingWhitespace()` does: ASCII on bytes, in place; ends
  /// that are not ASCII go through the String version (rare).
  private static func trimWhitespace(_ bytes: inout [UInt8], from start: Int) {
    func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }
    var end = bytes.count
    var first = start
    while first < end && isSpace(bytes[first]) { first += 1 }
    while end > first && isSpace(bytes[end - 1]) { end -= 1 }
    if first < end && (bytes[first] >= 0x80 || bytes[end - 1] >= 0x80) {
      let trimmed = String(decoding: bytes[first..<end], as: UTF8.self).trimmingWhitespace()
      bytes.removeSubrange(start...)
      bytes.append(contentsOf: trimmed.utf8)
      return
    }
    if end < bytes.count { bytes.removeSubrange(end...) }
    if first > start { bytes.removeSubrange(start..<first) }
  }

  /// A string decoded, or a number's literal text.
  static func text(of value: ScannedValue, in line: UnsafeBufferPointer<UInt8>) -> String? {
    switch value {
    case .string(let start, let end, let escaped):
      let slice = UnsafeBufferPointer(rebasing: line[Int(start)..<Int(end)])
      return escaped
        ? JSONStringDecoder.decode(slice.span) : String(decoding: slice, as: UTF8.self)
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
        UnsafeBufferPointer(rebasing: line[Int(start)..<Int(end)]).span)
      return decoded.withUTF8 { body($0) }
    case .absent, .null, .wrongType:
      return body(nil)
    }
  }
}
