/// What `build` and `deliver` share around stage two of the pipeline: the event processor and
/// its identity state, restored from and saved to `--state` when asked.
struct EventSession {
  private(set) var processor: EventProcessor
  private let state: StateKeeper?
  /// The delivery section to save with the identities (nil: keep what was loaded).
  private let deliverySnapshot: () -> [UInt8]?
  private var linesSinceMaintenance = 0

  /// The clock and the periodic save are looked at every so many lines, and when idle.
  private static let maintenanceInterval = 4096

  init(
    options: EventOptions, state: StateKeeper?,
    deliverySnapshot: @escaping () -> [UInt8]? = { nil }
  ) throws(PipelineError) {
    let identities: IdentityStore
    do {
      let configuration = options.processorConfiguration
      identities = try IdentityStore.decodeState(
        state?.takeIdentity() ?? [], capacity: configuration.identityCapacity,
        timeToLive: configuration.identityTimeToLive, now: UInt32(wallClock()))
    } catch .corrupt(let detail, _) {
      throw .state(.corrupt(detail, path: options.state?.path ?? ""))
    } catch {
      throw .state(error)
    }
    processor = EventProcessor(options.processorConfiguration, identities: identities)
    self.state = state
    self.deliverySnapshot = deliverySnapshot
  }

  mutating func process(_ line: EventPipeline.Line) -> EventOutcome {
    linesSinceMaintenance += 1
    if linesSinceMaintenance >= EventSession.maintenanceInterval { maintenance() }
    return processor.process(line.scanned, line: line.bytes)
  }

  /// Advances the identity clock (time to live) and saves the state when it is due.
  mutating func maintenance() {
    linesSinceMaintenance = 0
    processor.tick()
    let identities = processor.identities
    state?.saveIfDue(identity: { identities.encodeState() }, delivery: deliverySnapshot)
  }

  /// Saves at exit; false (after saying why) when the file could not be written.
  func saveAtExit(diagnostics: DiagnosticReporter) -> Bool {
    guard let state else { return true }
    do {
      try state.save(identity: processor.identities.encodeState(), delivery: deliverySnapshot())
      return true
    } catch {
      diagnostics.error(error.message)
      return false
    }
  }

  var evictions: Int { processor.evictions }
}
