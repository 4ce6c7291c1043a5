/// What `build` and `deliver` share around stage two of the pipeline: the event processor and
/// its identity state (restored from and saved to `--state` when asked), and the accounting of
/// every line (statistics, diagnostics, progress, `--strict`).
struct EventSession {
  /// What the command does with a line once it is accounted for.
  enum Step {
    case next
    /// `--strict` met an invalid line.
    case stop
    /// An upsert to make.
    case person(PersonValues)
  }

  private(set) var processor: EventProcessor
  private let state: StateKeeper?
  private let diagnostics: DiagnosticReporter
  private let strict: Bool
  var progress: ProgressCounters?
  /// The delivery section to save with the identities (nil: keep what was loaded).
  private let deliverySnapshot: () -> [UInt8]?
  private var linesSinceMaintenance = 0

  /// The clock and the periodic save are looked at every so many lines, and when idle.
  private static let maintenanceInterval = 4096

  init(
    options: EventOptions, state: StateKeeper?, diagnostics: DiagnosticReporter,
    deliverySnapshot: @escaping () -> [UInt8]? = { nil }
  ) throws(PipelineError) {
    self.diagnostics = diagnostics
    if options.verbosity != .quiet {
      for warning in options.eventNameWarnings { diagnostics.error("warning: \(warning)") }
    }
    strict = options.strict
    let identities = state?.takeIdentities()
    processor = EventProcessor(options.processorConfiguration, identities: identities)
    self.state = state
    self.deliverySnapshot = deliverySnapshot
  }

  /// Processes one line and accounts for it: counts, diagnostics, progress.
  mutating func handle(_ line: EventPipeline.Line, into statistics: inout RunStatistics) -> Step {
    linesSinceMaintenance += 1
    if linesSinceMaintenance >= EventSession.maintenanceInterval { maintenance() }
    statistics.linesRead += 1
    progress?.countLine()
    switch processor.process(line.scanned, line: line.bytes) {
    case .blank:
      return .next
    case .invalid(let error):
      statistics.invalid[error.reason] += 1
      diagnostics.invalidLine(error, at: line.location)
      guard strict else { return .next }
      diagnostics.error("stopping at the first invalid line (--strict)")
      return .stop
    case .skipped(let reason):
      statistics.skipped[reason] += 1
      if diagnostics.wantsEventDetails {
        diagnostics.skipped(reason, at: line.location, messageId: Self.messageId(of: line))
      }
      return .next
    case .person(let person, let warnings):
      statistics.bodiesWritten += 1
      progress?.countBody()
      for warning in warnings {
        statistics.warnings[warning.reason] += 1
        if diagnostics.wantsEventDetails {
          diagnostics.warning(warning, at: line.location, messageId: Self.messageId(of: line))
        }
      }
      return .person(person)
    }
  }

  static func messageId(of line: EventPipeline.Line) -> String? {
    EventProcessor.text(of: line.scanned.messageId, in: line.bytes)
  }

  /// Advances the identity clock (time to live) and saves the state when it is due.
  mutating func maintenance() {
    linesSinceMaintenance = 0
    processor.tick()
    let identities = processor.identities
    state?.saveIfDue(
      identity: { .encoded { identities.encodeState(into: &$0) } }, delivery: deliverySnapshot)
  }

  /// Saves at exit; false (after saying why) when the file could not be written.
  func saveAtExit() -> Bool {
    guard let state else { return true }
    do {
      let identities = processor.identities
      try state.save(
        identity: .encoded { identities.encodeState(into: &$0) }, delivery: deliverySnapshot())
      return true
    } catch {
      diagnostics.error(error.message)
      return false
    }
  }

  var evictions: Int { processor.evictions }
}
