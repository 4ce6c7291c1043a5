import AttioPipeCore
import AttioPipeDelivery
import Dispatch
import Glibc

/// What `deliver` and `send` share: the scheduler and its results, signals, and the end of
/// the run (waiting for every result, the summary, the report).
final class DeliverySession: @unchecked Sendable {
  let diagnostics: DiagnosticReporter
  private let scheduler: DeliveryScheduler
  private let results: ResultWriter
  private let drainTimeout: Double?
  private let grace: Double
  /// Wakes on the scheduler's queue at each stop signal and sets the deadline.
  private var signalSource: DispatchSourceRead?
  /// `--spool`: results are recorded there before they are written.
  let spool: Spool?
  private let spoolResults: SpoolResults?

  /// `state` holds what earlier runs upserted (`--state`), so `unchanged` holds across runs.
  /// `onResult` sees every result once it is written (`--omprog`'s confirmations).
  init(
    settings: DeliverySettings, diagnostics: DiagnosticReporter, state: StateKeeper?,
    spool: Spool? = nil, onResult: (@Sendable (DeliveryResult) -> Void)? = nil
  ) throws(PipelineError) {
    self.diagnostics = diagnostics
    self.spool = spool
    drainTimeout = settings.drainTimeout
    grace = settings.grace
    var saved: (memory: PersonMemory, messages: [String])
    do {
      // The keeper has already brought an older section to the current layout.
      saved = try DeliveredState.decode(
        state?.takeDelivery() ?? [], capacity: settings.scheduler.memoryCapacity)
    } catch .corrupt(let detail, _) {
      throw .state(.corrupt(detail, path: "(delivery section)"))
    } catch {
      throw .state(error)
    }
    // The spool's jobs may have results newer than the saved memory (a crash after them, before
    // the next save): what it says was upserted for their people is not trusted (the record
    // ids are). Else a value brought back after the crash would be taken for unchanged.
    for email in spool?.recovery.emailsWithJobs ?? [] { saved.memory.forgetValues(of: email) }
    let results = ResultWriter()
    self.results = results
    let spoolResults = spool.map { spool in
      SpoolResults(
        spool: spool, write: { results.write(contentsOf: $0) },
        failed: { diagnostics.error($0) })
    }
    self.spoolResults = spoolResults
    scheduler = DeliveryScheduler(
      options: settings.scheduler,
      transport: { queue in
        CurlTransport(
          endpoint: settings.endpoint, token: settings.token, timeout: settings.scheduler.timeout,
          userAgent: "attio-pipe/\(Invocation.version)", callbackQueue: queue,
          concurrency: settings.scheduler.concurrency)
      },
      write: { result in
        let written = spoolResults?.submit(result) ?? results.write(result)
        onResult?(result)
        return written
      }, memory: saved.memory,
      onRefusal: { response in
        DeliverySession.reportRefusal(response, diagnostics: diagnostics)
        // Reading on would only report not_sent forever (a `tail -F` never ends).
        SignalMonitor.stopInput()
      })
    watchSignals(grace: settings.grace)
  }

  /// A stop signal sets the scheduler's deadline: `grace` after the first, now after a
  /// second. Event-driven: the signal handler writes to a pipe a dispatch source watches.
  private func watchSignals(grace: Double) {
    guard let descriptor = SignalMonitor.makeObserverDescriptor() else { return }
    let scheduler = self.scheduler
    let source = DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: scheduler.queue)
    source.setEventHandler {
      var buffer = [UInt8](repeating: 0, count: 64)
      while read(descriptor, &buffer, buffer.count) > 0 {}
      if let deadline = SignalMonitor.stopDeadline(grace: grace) { scheduler.stop(at: deadline) }
    }
    source.resume()
    signalSource = source
    // A signal that came before the pipe existed wrote nothing to it.
    scheduler.queue.async {
      if let deadline = SignalMonitor.stopDeadline(grace: grace) { scheduler.stop(at: deadline) }
    }
  }

  private static func reportRefusal(_ response: AttioResponse, diagnostics: DiagnosticReporter) {
    let scopes =
      response.status == 403
      ? " The API key needs both scopes record_permission:read-write and "
        + "object_configuration:read." : ""
    diagnostics.error(
      "Attio refused the API key (HTTP \(response.status ?? 0): \(response.error?.message ?? "")); "
        + "nothing more will be sent or read and the remaining events are reported not_sent "
        + "(in_doubt if in flight).\(scopes)")
  }

  /// Queues one job; blocks while the scheduler is full (so reading pauses). `send: false`
  /// (an event read after a stop signal) reports it `not_sent` without sending it.
  func submit(_ job: DeliveryJob, send: Bool = true) {
    scheduler.submit(job, send: send)
  }

  /// Queues the job of an eligible line; with `--spool`, records it there first (the job is
  /// what a restart sends, without processing the line again).
  func submit(spooled job: DeliveryJob, line: EventPipeline.Line) {
    submit(spooled: job, sequence: line.sequence, afterStop: line.afterStop)
  }

  /// `send`'s form: the line's spool sequence number, and whether it was read after a stop.
  func submit(spooled job: DeliveryJob, sequence: UInt64, afterStop: Bool) {
    var job = job
    if let spool {
      job.spoolSequence = sequence
      spool.appendJob(job, sequence: sequence)
    }
    // With the spool, nothing new starts after a stop signal: the spool keeps it (deferred).
    scheduler.submit(job, send: !afterStop && !(spool != nil && SignalMonitor.isInterrupted))
  }

  /// The delivery section of the state file: what is remembered per person. Encoded from a
  /// copy, streamed (a million people are tens of MB).
  func stateSnapshot() -> StateFile.Section {
    let memory = scheduler.stateSnapshot
    return .encoded { DeliveredState.encode(memory, into: &$0) }
  }

  /// Whether reading should stop early: stdout is gone, so results could not be written.
  var outputClosed: Bool { scheduler.isOutputClosed }

  /// Why results could not be written, other than their reader going away (a full disk):
  /// the command ends with it once the run is wound up. Read after `finish`.
  var outputFailure: PipelineError? { results.failure }

  var progress: DeliveryScheduler.Progress { scheduler.progress }

  /// People remembered and forgotten (`--max-people`), for `--metrics-file`.
  var memoryCounts: (count: Int, evictions: Int) { scheduler.memoryCounts }

  /// The counters so far, for `--metrics-file` (any thread).
  var statistics: DeliveryScheduler.Statistics { scheduler.summary }

  /// The summary's spool counts (`--spool` only): events deferred to the next run, lines
  /// spooled by this run, jobs replayed from an earlier one.
  private func spoolCounts(_ summary: DeliveryScheduler.Statistics) -> [(String, Int)] {
    guard let counters = spool?.statistics else { return [] }
    return [
      ("deferred", summary.deferred), ("spooled", counters.linesSpooled),
      ("replayed", counters.replayed),
    ]
  }

  /// Waits for every result, prints the summary and completes the report.
  func finish(_ report: inout RunReport, frontEnd: CommandFrontEnd, evictions: Int = 0) {
    // Reading also ends at a stop signal: make sure the scheduler has its deadline even if
    // the signal's wake-up has not reached it yet (the dispatch source is for signals that
    // come while the input is still being read, or held back).
    let scheduler = self.scheduler
    let grace = self.grace
    scheduler.queue.async {
      if let deadline = SignalMonitor.stopDeadline(grace: grace) { scheduler.stop(at: deadline) }
    }
    scheduler.endInput(drainTimeout: drainTimeout)
    scheduler.waitUntilDone()
    spoolResults?.flush()
    signalSource?.cancel()
    let summary = scheduler.summary
    let forgotten = scheduler.memoryEvictions
    report.failed = summary.failed
    if spoolResults?.hasFailed == true { report.configurationFailed = true }
    // In doubt counts like not sent for the exit status (1): the run did not confirm it.
    report.notSent = summary.notSent + summary.inDoubt
    report.authenticationFailed = scheduler.authenticationError != nil
    report.interrupted = SignalMonitor.isInterrupted
    report.outputClosed = scheduler.isOutputClosed
    report.statistics = frontEnd.finish(
      evictions: evictions, bodies: nil,
      extra: [
        ("eligible", summary.jobs), ("upserted", summary.upserted),
        ("unchanged", summary.unchanged), ("duplicate", summary.duplicate),
        ("failed", summary.failed),
        ("not_sent", summary.notSent), ("in_doubt", summary.inDoubt),
      ] + spoolCounts(summary) + [
        ("requests", summary.requests), ("retries", summary.retries),
        ("rate_limited", summary.rateLimited), ("created", summary.created),
        ("updated", summary.updated), ("asserted", summary.asserted), ("reads", summary.reads),
      ] + accountWrites(summary) + (forgotten > 0 ? [("people_evicted", forgotten)] : []))
  }

  /// `--users`, `--workspaces`: the writes of each of those objects (said only when made).
  private func accountWrites(_ summary: DeliveryScheduler.Statistics) -> [(String, Int)] {
    [AttioObject.users, .workspaces].compactMap { object in
      summary.writes[object].map { ("\(object.rawValue)_written", $0) }
    } + (summary.listEntries > 0 ? [("list_entries_written", summary.listEntries)] : [])
  }
}
