/// `--state FILE` for a run: loads the file at start, saves it every `--state-interval`
/// seconds and at exit. Sections a mode does not own (delivery's for `build`, identity's for
/// `send`) are written back as they were loaded.
final class StateKeeper {
  struct Options: Sendable, Equatable {
    var path: String
    var interval = 30.0
    /// `--reset-state`: start over, ignoring (and then replacing) what the file holds.
    var reset = false
  }

  private let file: StateFile
  private let interval: Double
  private var nextSave: Double
  private(set) var loaded: StateFile.Contents
  private let diagnostics: DiagnosticReporter

  init(_ options: Options, diagnostics: DiagnosticReporter) throws(StateFileError) {
    file = StateFile(path: options.path)
    interval = options.interval
    nextSave = monotonicSeconds() + options.interval
    self.diagnostics = diagnostics
    loaded = options.reset ? StateFile.Contents() : try file.load()
  }

  /// The keeper for `options`, or nil without `--state`; a file that cannot be used is a
  /// startup error.
  static func open(_ options: Options?, diagnostics: DiagnosticReporter) throws(PipelineError)
    -> StateKeeper?
  {
    guard let options else { return nil }
    do {
      return try StateKeeper(options, diagnostics: diagnostics)
    } catch {
      throw .state(error)
    }
  }

  /// Saves when the interval has passed. A failed periodic save is reported and retried at
  /// the next interval; the run goes on.
  func saveIfDue(identity: () -> StateFile.Section?, delivery: () -> [UInt8]?) {
    guard monotonicSeconds() >= nextSave else { return }
    do {
      try save(identity: identity(), delivery: delivery())
    } catch {
      diagnostics.error(error.message)
    }
    nextSave = monotonicSeconds() + interval
  }

  /// Hands over the loaded identity section and forgets it: the identity store is saved whole
  /// each time, so keeping the loaded bytes would only hold memory (hundreds of MB at a
  /// million profiles).
  func takeIdentity() -> [UInt8] {
    defer { loaded.identity = [] }
    return loaded.identity
  }

  /// Saves now (at exit); nil sections keep what was loaded.
  func save(identity: StateFile.Section?, delivery: [UInt8]?) throws(StateFileError) {
    if let delivery { loaded.delivery = delivery }
    try file.save(identity: identity ?? .bytes(loaded.identity), delivery: .bytes(loaded.delivery))
  }
}
