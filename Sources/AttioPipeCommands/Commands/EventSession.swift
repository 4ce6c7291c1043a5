import AttioPipeCore
import AttioPipeDelivery

/// What `build` and `deliver` share around stage two of the pipeline: the event processor and
/// its identity state (restored from and saved to `--state` when asked), and the accounting of
/// every event through the command front end.
struct EventSession {
  /// What the command does with a line once it is accounted for.
  enum Step {
    case next
    /// `--strict` met an invalid line.
    case stop
    /// An upsert to make; `previousEmail` when the profile's email was changed by this or an
    /// earlier event (merge mode then finds the person by it before creating a second one).
    case person(PersonValues, previousEmail: String?)
    /// A company assert to make (`--companies`).
    case company(CompanyValues)
    /// A workspace assert to make (`--workspaces`, a `group` call that makes no company).
    case workspace(WorkspaceValues)
    /// An eligible event seen before (`reportsDuplicates`): nothing to send, a `duplicate`
    /// result to write for the person's email (or the company's domain).
    case duplicate(key: String, object: AttioObject)
  }

  private(set) var processor: EventProcessor
  private let frontEnd: CommandFrontEnd
  /// The delivery section to save with the identities (nil: keep what was loaded).
  private let deliverySnapshot: () -> StateFile.Section?
  private var linesSinceMaintenance = 0
  /// The processor's `changeCount` when `--state` was last told of a change.
  private var changesNoted = 0
  /// `--map`: adds the mapped attributes to each person (nil without `--map`).
  var attributeMapper: AttributeMapper?
  /// `--spool`: the spool, and the first of its lines not processed yet (where the identities
  /// stand: saved with them in `--state`).
  var spool: Spool?
  var spoolPosition: UInt64 = 0
  /// When a save was last made early because the spool was full (at most one a second).
  private var lastSaveForRoom = 0.0
  /// `deliver`: an eligible event seen before is a `duplicate` result; otherwise (`build`) it
  /// is skipped like any other duplicate.
  var reportsDuplicates = false
  /// `--omprog` without `--spool`: the messageIds (hashes) of events that rsyslog may hand
  /// over again and that are not done, which a `--state` save must not remember as seen (the
  /// next run would take them for duplicates and never send them).
  var unsavedMessages: (() -> Set<UInt64>)?
  /// `--omprog` without `--spool`, with `--state`: confirmations that wait for a save.
  var acknowledger: OmprogAcknowledger?
  /// The processor's `changeCount` at the last save (a confirmation needs no save when it is
  /// unchanged).
  private var changesSaved = 0
  /// When a save a confirmation asked for last failed: retried once a second, not at every
  /// look (the batch stays unconfirmed meanwhile, and rsyslog keeps it).
  private var requestedSaveFailed = -Double.infinity

  /// The clock and the periodic save are looked at every so many lines, and when idle.
  private static let maintenanceInterval = 4096

  /// `companies`: the `--companies` settings with `--map-company` resolved against the
  /// workspace schema (the options' own when nil).
  init(
    frontEnd: CommandFrontEnd, companies: CompanySettings? = nil, accounts: AccountSettings? = nil,
    signals: SignalSettings? = nil, deliverySnapshot: @escaping () -> StateFile.Section? = { nil }
  ) {
    self.frontEnd = frontEnd
    let options = frontEnd.options
    for warning in options.eventNameWarnings { frontEnd.diagnostics.runWarning(warning) }
    var configuration = options.processorConfiguration
    if let companies { configuration.companies = companies }
    if let accounts { configuration.accounts = accounts }
    if let signals { configuration.signals = signals }
    processor = EventProcessor(
      configuration, identities: frontEnd.state?.takeIdentities(),
      seen: frontEnd.state?.takeSeenMessages())
    self.deliverySnapshot = deliverySnapshot
  }

  /// Processes one line and accounts for it: counts, diagnostics, progress.
  mutating func handle(_ line: EventPipeline.Line) -> Step {
    linesSinceMaintenance += 1
    if linesSinceMaintenance >= EventSession.maintenanceInterval { maintenance() }
    // After the maintenance: a save there must not include this line yet.
    defer { if spool != nil { spoolPosition = line.sequence + 1 } }
    frontEnd.countLine()
    // Read where needed, not per line: reading a class reference out of another retains it.
    var diagnostics: DiagnosticReporter { frontEnd.diagnostics }
    let outcome = processor.process(line.scanned, line: line.bytes)
    if processor.changeCount != changesNoted {
      changesNoted = processor.changeCount
      frontEnd.state?.noteChange()
    }
    switch outcome {
    case .blank:
      return .next
    case .invalid(let error):
      return frontEnd.invalidLine(error, at: frontEnd.location(of: line)) ? .next : .stop
    case .skipped(let reason):
      frontEnd.countSkipped(reason)
      if diagnostics.wantsEventDetails {
        diagnostics.skipped(
          reason, at: frontEnd.location(of: line), messageId: Self.messageId(of: line))
      }
      return .next
    case .person(var person, var warnings):
      if attributeMapper != nil && !person.signalsOnly {
        // `traits.NAME` sources come from the processor (the event's value, else the
        // profile's); only the other sources need a walk over the line here.
        var values =
          attributeMapper!.hasEventSources
          ? attributeMapper!.values(in: line.bytes.span, isIdentify: line.scanned.kind == .identify)
          : MappedValues(count: attributeMapper!.mappings.count)
        for (remembered, index) in zip(person.rememberedTraits, attributeMapper!.traitSourceIndices)
        {
          values[index] = remembered?.raw
        }
        attributeMapper!.apply(values, to: &person, warnings: &warnings)
        Self.setSequences(of: &person, attributeMapper!)
        person.rememberedTraits = []
      }
      countEligible(line, warnings: warnings)
      return .person(person, previousEmail: person.previousEmail)
    case .company(let company, let warnings):
      countEligible(line, warnings: warnings)
      return .company(company)
    case .workspace(let workspace, let warnings):
      countEligible(line, warnings: warnings)
      return .workspace(workspace)
    case .duplicate(let eligible):
      if reportsDuplicates, let eligible {
        countEligible(line, warnings: [])
        switch eligible {
        case .person(let person): return .duplicate(key: person.email, object: .people)
        case .company(let company): return .duplicate(key: company.domain, object: .companies)
        case .workspace(let workspace):
          return .duplicate(key: workspace.workspaceId, object: .workspaces)
        }
      }
      frontEnd.countSkipped(.duplicate)
      if diagnostics.wantsEventDetails {
        diagnostics.skipped(
          .duplicate, at: frontEnd.location(of: line), messageId: Self.messageId(of: line))
      }
      return .next
    }
  }

  /// The mapped attributes from `traits.NAME` sources are as new as the values they came from.
  private static func setSequences(of person: inout PersonValues, _ mapper: AttributeMapper) {
    for (remembered, index) in zip(person.rememberedTraits, mapper.traitSourceIndices) {
      guard let remembered else { continue }
      let slug = mapper.attributes[index].slug
      for position in person.mapped.indices where person.mapped[position].slug == slug {
        person.mapped[position].sequence = remembered.sequence
      }
    }
  }

  /// Counts an eligible event and its warnings, and reports them when asked.
  private func countEligible(_ line: EventPipeline.Line, warnings: [EventWarning]) {
    frontEnd.countEligible()
    for warning in warnings {
      frontEnd.countWarning(warning.reason)
      let diagnostics = frontEnd.diagnostics
      if diagnostics.wantsEventDetails {
        diagnostics.warning(
          warning, at: frontEnd.location(of: line), messageId: Self.messageId(of: line))
      }
    }
  }

  static func messageId(of line: EventPipeline.Line) -> String? {
    EventProcessor.text(of: line.scanned.messageId, in: line.bytes)
  }

  /// A line the spool hands over again after a restart, processed before: it only rebuilds
  /// identity (no result, no diagnostics, no count).
  mutating func replay(_ line: EventPipeline.Line) {
    linesSinceMaintenance += 1
    if linesSinceMaintenance >= EventSession.maintenanceInterval { maintenance() }
    _ = processor.process(line.scanned, line: line.bytes)
    spoolPosition = line.sequence + 1
  }

  /// Advances the identity clock (time to live) and saves the state when it is due.
  mutating func maintenance() {
    linesSinceMaintenance = 0
    processor.tick()
    if processor.changeCount != changesNoted {
      changesNoted = processor.changeCount
      frontEnd.state?.noteChange()
    }
    let identities = processor.identities
    let seen = processor.seen
    guard let spool else {
      let unsaved = unsavedMessages
      // What a save now includes (the pipeline's thread sets both).
      let line = acknowledger?.lineProcessed ?? 0
      let changes = processor.changeCount
      var requested = acknowledger?.isSaveRequested ?? false
      if requested && changes == changesSaved {
        acknowledger?.identitySaved(through: line)
        return
      }
      if requested && monotonicSeconds() - requestedSaveFailed < 1 { requested = false }
      let saved =
        frontEnd.state?.saveIfDue(
          identity: {
            let saved = unsaved.map { seen.removing($0()) } ?? seen
            return .encoded { IdentitySection.encode(identities, saved, into: &$0) }
          },
          delivery: deliverySnapshot, now: requested) ?? false
      if saved {
        changesSaved = changes
        acknowledger?.identitySaved(through: line)
      } else if requested {
        requestedSaveFailed = monotonicSeconds()
      }
      return
    }
    let position = spoolPosition
    guard let state = frontEnd.state else {
      // Without --state nothing rebuilds identity from the spool's older lines but a restart.
      spool.release(upTo: position)
      return
    }
    // The input waits for room: a save releases lines now rather than at the interval (at
    // most once a second: a save of many profiles takes a while).
    let forRoom = spool.wantsRelease && monotonicSeconds() - lastSaveForRoom >= 1
    guard state.isSaveDue || forRoom else { return }
    if forRoom { lastSaveForRoom = monotonicSeconds() }
    // The jobs of the lines the saved identities include must be durable first: a restart
    // sends them from the spool and does not process those lines again.
    do {
      try spool.commit()
    } catch {
      frontEnd.diagnostics.error(error.message)
      return
    }
    let mark = StateFile.SpoolMark(spoolId: spool.spoolId, position: position)
    let settled = spool.settledSegments()
    if state.saveIfDue(
      identity: { .encoded { IdentitySection.encode(identities, seen, into: &$0) } },
      delivery: deliverySnapshot, spool: { mark }, now: true)
    {
      spool.release(upTo: position, settled: settled)
    }
  }

  /// Saves at exit; false (after saying why) when the file could not be written.
  func saveAtExit() -> Bool {
    guard let state = frontEnd.state else {
      if let spool {
        spool.release(upTo: spoolPosition)
        return (try? spool.commit()) != nil
      }
      return true
    }
    do {
      let identities = processor.identities
      var seen = processor.seen
      if let unsavedMessages { seen = seen.removing(unsavedMessages()) }
      var mark: StateFile.SpoolMark?
      var settled: Set<UInt64>?
      if let spool {
        do {
          try spool.commit()
        } catch {
          frontEnd.diagnostics.error(error.message)
          return false
        }
        mark = StateFile.SpoolMark(spoolId: spool.spoolId, position: spoolPosition)
        // The segment being written is sealed, so that it goes too when all is done: else its
        // job records would make the next start distrust the memory saved now for their people.
        spool.housekeep(rotating: true)
        settled = spool.settledSegments()
      }
      try state.save(
        identity: .encoded { IdentitySection.encode(identities, seen, into: &$0) },
        delivery: deliverySnapshot(), spool: mark)
      if let spool, let mark { spool.release(upTo: mark.position, settled: settled) }
      return true
    } catch {
      frontEnd.diagnostics.error(error.message)
      return false
    }
  }

  var evictions: Int { processor.evictions }
}
