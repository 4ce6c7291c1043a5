import AttioPipeCore
import AttioPipeDelivery

/// What `build`, `deliver` and `send` share before and around their loop over the input: the
/// input files (checked before anything is read), the diagnostics, `--state` (opened, its
/// directory checked, before anything is read), the accounting of every line (statistics,
/// invalid lines, `--strict`, the progress line) and the summary at the end.
///
/// Used on the input thread only.
final class CommandFrontEnd {
  let options: EventOptions
  let inputs: InputFiles
  let diagnostics: DiagnosticReporter
  let state: StateKeeper?
  /// Where the pipeline's lines come from (the spool's tail with `--spool`): it names them.
  var lineSource: any LineSource
  private(set) var statistics = RunStatistics()
  private var progress: ProgressCounters?
  private var progressLine: ProgressLine?

  /// `ownsIdentities`: the mode rebuilds the identity profiles from `--state` (`build`,
  /// `deliver`); otherwise their section is kept as loaded (`send`).
  init(_ options: EventOptions, ownsIdentities: Bool) throws(PipelineError) {
    self.options = options
    inputs = InputFiles(paths: options.inputs, maximumLineLength: options.maximumLineLength)
    lineSource = inputs
    try inputs.checkReadable()
    diagnostics = DiagnosticReporter(verbosity: options.verbosity)
    state = try StateKeeper.open(
      options.state, diagnostics: diagnostics,
      identity: ownsIdentities ? options.identityRestore : nil)
  }

  /// Starts the live status line when it is wanted; `delivery` adds the scheduler's counts.
  func startProgress(delivery: (@Sendable () -> DeliveryScheduler.Progress)? = nil) {
    (progress, progressLine) = ProgressCounters.start(
      wanted: ProgressLine.isWanted(options.progress, verbosity: options.verbosity),
      diagnostics: diagnostics, delivery: delivery)
  }

  /// How often a run woken by nothing still looks at the clock: only `--state` needs it (the
  /// periodic save), twice per interval and at least once a second.
  var idleInterval: Double? {
    options.state.map { min($0.interval / 2, 1) }
  }

  func countLine() {
    statistics.linesRead += 1
    progress?.countLine()
  }

  /// An eligible event, or a body for `send`.
  func countEligible() {
    statistics.eligible += 1
    progress?.countBody()
  }

  /// Where a line was read, for diagnostics and delivery results: made only when one is
  /// written, as it holds the file's name.
  func location(of line: EventPipeline.Line) -> InputLocation {
    InputLocation(file: lineSource.displayName(line.input), line: line.lineNumber)
  }

  /// Reports and counts an invalid line; false when `--strict` ends the run there.
  func invalidLine(_ error: JSONScanError, at location: InputLocation) -> Bool {
    statistics.invalid[error.reason] += 1
    diagnostics.invalidLine(error, at: location)
    guard options.strict else { return true }
    diagnostics.error("stopping at the first invalid line (--strict)")
    return false
  }

  func countSkipped(_ reason: SkipReason) {
    statistics.skipped[reason] += 1
  }

  func countWarning(_ warning: MappingWarning) {
    statistics.warnings[warning] += 1
  }

  /// Ends the run's accounting: the progress line goes, the summary is printed. `bodies` is
  /// how many request bodies reached stdout (`build`); nil for the delivery modes, whose
  /// `extra` counts say what became of each event.
  func finish(evictions: Int, bodies: Int?, extra: [(String, Int)] = []) -> RunStatistics {
    progressLine?.finish()
    progressLine = nil
    statistics.evictions = evictions
    statistics.bodiesWritten = bodies
    diagnostics.summary(statistics, extra: extra)
    return statistics
  }
}
