import AttioPipeCore
import AttioPipeDelivery
import Dispatch
import Glibc

/// `--metrics-file FILE`: the run's counters in the Prometheus text exposition format, the file
/// node_exporter's textfile collector reads, so that an operator sees a long-running `deliver`
/// without parsing its stderr.
///
/// The file is rewritten whole (a temporary file beside it, then `rename(2)`, so a reader never
/// sees half of it) every `--state-interval` by a timer of its own, and once more at exit. The
/// timer does not wait for input: the reading thread publishes its counters before it blocks
/// on input and every few thousand lines, so an idle stream still gets fresh files, and
/// delivery's counters are read from the scheduler when the file is written.
final class MetricsFile: @unchecked Sendable {
  /// What the thread reading the input knows; published to the timer.
  struct Sample: Sendable {
    var statistics = RunStatistics()
    /// Profiles held (build, deliver); nil in `send`, which keeps none.
    var identities: Int?
    /// Successful `--state` saves; nil without `--state`.
    var stateSaves: Int?
  }

  /// Delivery's side, read on the timer's thread (the scheduler's accessors are thread-safe).
  struct DeliverySample: Sendable {
    var statistics: DeliveryScheduler.Statistics
    /// Events handed to delivery that have no result yet.
    var awaitingResult: Int
    /// People whose upserted values and record id delivery remembers (`--max-people`).
    var people = 0
    /// People forgotten for `--max-people`.
    var peopleEvicted = 0
    /// `--spool`: its counters (nil without one).
    var spool: Spool.Counters?
  }

  private let path: String
  private let temporaryPath: String
  private let mode: String
  private let startTime: Double
  private let delivery: (@Sendable () -> DeliverySample)?
  private let diagnostics: DiagnosticReporter
  private let published = LockedValue(Sample())
  /// Serialises writes (the timer's and the final one) and remembers a reported failure.
  private let writing = LockedValue(WriteState())
  private var timer: DispatchSourceTimer?

  private struct WriteState {
    var failureReported = false
    var finished = false
  }

  /// Writes the file once, so that a path that cannot be written is a startup error, then
  /// rewrites it every `interval` seconds.
  init(
    path: String, interval: Double, mode: String, diagnostics: DiagnosticReporter,
    delivery: (@Sendable () -> DeliverySample)? = nil
  ) throws(PipelineError) {
    self.path = path
    let slash = path.lastIndex(of: "/")
    let directory = slash.map { String(path[...$0]) } ?? ""
    let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
    // A dot file without the .prom suffix: the textfile collector ignores it.
    temporaryPath = "\(directory).\(name).\(getpid()).tmp"
    self.mode = mode
    self.startTime = wallClock()
    self.delivery = delivery
    self.diagnostics = diagnostics
    if let code = writeFile(running: true) { throw .cannotCreate(path: path, errno: code) }
    let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "attio-pipe.metrics"))
    let period = DispatchTimeInterval.nanoseconds(Int(interval * 1e9))
    timer.schedule(deadline: .now() + period, repeating: period, leeway: .milliseconds(100))
    timer.setEventHandler { [weak self] in self?.tick() }
    timer.resume()
    self.timer = timer
  }

  /// Hands the reading thread's counters to the timer. Cheap: a copy under a lock.
  func publish(_ sample: Sample) {
    published.withLock { $0 = sample }
  }

  /// The last write, with `attio_pipe_running 0`; the timer stops.
  func finish(_ sample: Sample) {
    timer?.cancel()
    publish(sample)
    writing.withLock { state in
      state.finished = true
      report(writeFile(running: false), &state)
    }
  }

  private func tick() {
    writing.withLock { state in
      guard !state.finished else { return }
      report(writeFile(running: true), &state)
    }
  }

  /// A failing write is said once (and again after it worked in between); the run goes on.
  private func report(_ failure: Int32?, _ state: inout WriteState) {
    guard let failure else {
      state.failureReported = false
      return
    }
    guard !state.failureReported else { return }
    state.failureReported = true
    diagnostics.error(
      "cannot write the metrics file \(path): \(String(cString: strerror(failure)))")
  }

  /// Writes the temporary file and renames it over `path`; the errno on failure.
  private func writeFile(running: Bool) -> Int32? {
    let text = MetricsFile.render(
      published.withLock { $0 }, delivery: delivery?(), mode: mode, startTime: startTime,
      running: running)
    let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { return errno }
    var failure: Int32?
    var bytes = Array(text.utf8)
    bytes.withUnsafeMutableBytes { buffer in
      var written = 0
      while written < buffer.count {
        let result = write(descriptor, buffer.baseAddress! + written, buffer.count - written)
        if result >= 0 {
          written += result
        } else if errno != EINTR {
          failure = errno
          return
        }
      }
    }
    close(descriptor)
    if failure == nil, rename(temporaryPath, path) != 0 { failure = errno }
    if failure != nil { unlink(temporaryPath) }
    return failure
  }

  /// The exposition text. Every reason and status is listed, zero or not, so that rates and
  /// alerts work from the first scrape.
  static func render(
    _ sample: Sample, delivery: DeliverySample?, mode: String, startTime: Double, running: Bool
  ) -> String {
    var text = ""
    func family(_ name: String, _ type: String, _ help: String, _ samples: [(String, Int)]) {
      text += "# HELP attio_pipe_\(name) \(help)\n# TYPE attio_pipe_\(name) \(type)\n"
      for (labels, value) in samples { text += "attio_pipe_\(name)\(labels) \(value)\n" }
    }
    func byReason<Reason: CountedReason>(_ counts: ReasonCounts<Reason>) -> [(String, Int)] {
      Reason.allCases.map { ("{reason=\"\($0.rawValue)\"}", counts[$0]) }
    }
    let statistics = sample.statistics
    family(
      "info", "gauge", "Version and mode of the running attio-pipe (always 1).",
      [("{version=\"\(Invocation.version)\",mode=\"\(mode)\"}", 1)])
    text +=
      "# HELP attio_pipe_start_time_seconds When the run started, in seconds since the epoch.\n"
    text += "# TYPE attio_pipe_start_time_seconds gauge\n"
    text += "attio_pipe_start_time_seconds \(Int(startTime))\n"
    family(
      "running", "gauge", "1 while the run goes on; 0 in the file written at exit.",
      [("", running ? 1 : 0)])
    family("lines_read_total", "counter", "Input lines read.", [("", statistics.linesRead)])
    family(
      "bodies_total", "counter",
      mode == "send"
        ? "Request bodies read and handed to delivery."
        : "Request bodies made (build: written to the output; deliver: handed to delivery).",
      [("", statistics.bodiesWritten ?? statistics.eligible)])
    if mode != "send" {
      family(
        "skipped_events_total", "counter", "Events that made no upsert, by reason.",
        byReason(statistics.skipped))
      family(
        "warnings_total", "counter", "Values left out of an upsert that was still made, by reason.",
        byReason(statistics.warnings))
    }
    family(
      "invalid_lines_total", "counter", "Input lines rejected as invalid, by reason.",
      byReason(statistics.invalid))
    if let identities = sample.identities {
      family("identities", "gauge", "Identity profiles held in memory.", [("", identities)])
      family(
        "identity_evictions_total", "counter",
        "Identity profiles dropped for --max-identities or --identity-ttl.",
        [("", statistics.evictions)])
    }
    if let saves = sample.stateSaves {
      family("state_saves_total", "counter", "Successful saves of the --state file.", [("", saves)])
    }
    if let delivery {
      let counts = delivery.statistics
      family(
        "eligible_events_total", "counter", "Events (or bodies) handed to delivery.",
        [("", counts.jobs)])
      family(
        "results_total", "counter", "Results written, by status.",
        [
          ("{status=\"upserted\"}", counts.upserted),
          ("{status=\"unchanged\"}", counts.unchanged),
          ("{status=\"duplicate\"}", counts.duplicate),
          ("{status=\"failed\"}", counts.failed),
          ("{status=\"not_sent\"}", counts.notSent),
          ("{status=\"in_doubt\"}", counts.inDoubt),
          ("{status=\"deferred\"}", counts.deferred),
        ])
      family(
        "actions_total", "counter", "Write plans ended, by how they changed Attio.",
        [
          ("{action=\"created\"}", counts.created),
          ("{action=\"updated\"}", counts.updated),
          ("{action=\"asserted\"}", counts.asserted),
        ])
      family(
        "writes_total", "counter",
        "Writes that changed a record, by object (a job's own and its linked writes: users, "
          + "workspaces, memberships).",
        AttioObject.allCases.map { ("{object=\"\($0.rawValue)\"}", counts.writes[$0] ?? 0) })
      family(
        "requests_total", "counter", "Requests sent to Attio, retries and 429s included.",
        [("", counts.requests)])
      family(
        "reads_total", "counter", "Merge mode's finds that Attio answered.", [("", counts.reads)])
      family(
        "retries_total", "counter", "Requests sent again after a retryable error or a 429.",
        [("", counts.retries)])
      family(
        "rate_limited_total", "counter", "429 answers from Attio.", [("", counts.rateLimited)])
      family(
        "events_awaiting_result", "gauge", "Events handed to delivery without a result yet.",
        [("", delivery.awaitingResult)])
      family(
        "delivery_people", "gauge",
        "People whose upserted values and record id delivery remembers.", [("", delivery.people)])
      family(
        "delivery_people_evictions_total", "counter", "People delivery forgot for --max-people.",
        [("", delivery.peopleEvicted)])
      if let spool = delivery.spool {
        family(
          "spool_lines_total", "counter", "Input lines this run wrote to the --spool.",
          [("", spool.linesSpooled)])
        family(
          "spool_line_bytes_total", "counter", "Bytes of the input lines this run spooled.",
          [("", spool.bytesSpooled)])
        family("spool_bytes", "gauge", "Bytes the spool holds on disk.", [("", spool.bytesOnDisk)])
        family(
          "spool_unfinished_events", "gauge", "Spooled events without a final result yet.",
          [("", spool.unfinished)])
        family(
          "spool_oldest_unfinished_seconds", "gauge",
          "Age of the oldest spooled event without a final result (0: none).",
          [("", Int(spool.oldestUnfinishedAge))])
        family(
          "spool_replayed_total", "counter",
          "Events an earlier run left without a final result, sent again at start.",
          [("", spool.replayed)])
      }
    }
    return text
  }
}
