/// What `deliver` and `send` share: the scheduler and its results, signals, and the end of
/// the run (waiting for every result, the summary, the report).
final class DeliverySession: @unchecked Sendable {
  let diagnostics: DiagnosticReporter
  private let scheduler: DeliveryScheduler

  /// `state` holds what earlier runs upserted (`--state`), so `unchanged` holds across runs.
  init(settings: DeliverySettings, diagnostics: DiagnosticReporter, state: StateKeeper?)
    throws(PipelineError)
  {
    self.diagnostics = diagnostics
    let saved: (known: UpsertedValues, delivered: DeliveredMessages)
    do {
      saved = try DeliveredState.decode(state?.loaded.delivery ?? [])
    } catch .corrupt(let detail, _) {
      throw .state(.corrupt(detail, path: "(delivery section)"))
    } catch {
      throw .state(error)
    }
    let grace = settings.grace
    scheduler = DeliveryScheduler(
      options: settings.scheduler,
      client: { queue in
        AttioClient(
          endpoint: settings.endpoint, token: settings.token, timeout: settings.scheduler.timeout,
          connections: settings.scheduler.concurrency, callbackQueue: queue)
      },
      results: ResultWriter(), diagnostics: diagnostics, known: saved.known,
      delivered: saved.delivered,
      stopDeadline: { SignalMonitor.stopDeadline(grace: grace) })
  }

  /// Queues one job; blocks while the scheduler is full (so reading pauses). `send: false`
  /// (an event read after a stop signal) reports it `not_sent` without sending it.
  func submit(_ job: DeliveryJob, send: Bool = true) {
    scheduler.submit(job, send: send)
  }

  /// The delivery section of the state file: what has been upserted per email.
  func stateSnapshot() -> [UInt8] {
    DeliveredState.encode(scheduler.known, scheduler.deliveredMessages)
  }

  /// Whether reading should stop early: stdout is gone, so results could not be written.
  var outputClosed: Bool { scheduler.isOutputClosed }

  var progress: DeliveryScheduler.Progress { scheduler.progress }

  /// Waits for every result, prints the summary and completes the report.
  func finish(_ report: inout RunReport, frontEnd: CommandFrontEnd, evictions: Int = 0) {
    scheduler.finish()
    let summary = scheduler.summary
    report.failed = summary.failed
    report.notSent = summary.notSent
    report.authenticationFailed = scheduler.authenticationError != nil
    report.interrupted = SignalMonitor.isInterrupted
    report.outputClosed = scheduler.isOutputClosed
    report.statistics = frontEnd.finish(
      evictions: evictions, bodies: nil,
      extra: [
        ("eligible", summary.jobs), ("upserted", summary.upserted),
        ("unchanged", summary.unchanged), ("failed", summary.failed),
        ("not_sent", summary.notSent), ("requests", summary.requests),
        ("retries", summary.retries), ("rate_limited", summary.rateLimited),
      ])
  }
}
