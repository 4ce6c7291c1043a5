import Dispatch
import Glibc
import Synchronization

// Design: the delivery scheduler.
//
// All state lives on one serial queue; jobs arrive from the input thread (`submit`), answers
// from URLSession (hopped onto the queue by `AttioClient`), and timers fire there too. No
// locks guard the state because nothing else touches it.
//
// Per person (normalised email) a `Lane` holds the batches waiting to be sent, in order, and
// at most one batch in flight. A batch is one request and the jobs merged into it: a new job
// merges into the last waiting batch of its lane while that batch is unsent (queued, held by
// the rate, or waiting to retry), so newer values ride along and one request carries them.
// Because a lane never has two requests in flight and a retry goes back to the front of its
// lane, a newer upsert never lands before an older one and a stale retry never overwrites a
// newer value.
//
// Lanes whose front batch may go are queued FIFO in `ready`; lanes waiting out a retry
// backoff sit in `delayed`. `pump()` sends from `ready` while the concurrency limit, the rate
// limiter and any 429 pause allow, and otherwise arms one timer for the earliest moment
// something can change (or waits for the answer the rate limiter needs: every answer pumps).
//
// Before a batch is sent its request is compared with what this run has already upserted for
// the person (`Lane.known`): when it would change nothing, its jobs are `unchanged` and no
// request is spent.
//
// Every job ends in exactly one result: `upserted`, `unchanged`, `failed` or `not_sent`.
// `outstanding` counts jobs without a result; the input thread is held back (`room`) while
// `capacity` jobs are outstanding, so memory does not grow with the stream, and `finish`
// waits for it to reach zero.

/// Sends upserts to Attio under its rate limit, one request in flight per person, and writes
/// one result per job.
final class DeliveryScheduler: @unchecked Sendable {
  struct Options: Sendable {
    var rate = 25.0
    var concurrency = 10
    var timeout = 30.0
    var maxAttempts = 8
    var maxRetryTime = 300.0
    var dedupe = true
    /// Jobs without a result before the input is held back.
    var capacity = 10_000
    var backoff = Backoff()
  }

  /// What the progress line shows.
  struct Progress: Sendable {
    var sent = 0
    var failed = 0
    var retrying = 0
    var queued = 0
  }

  /// Read by the progress line's timer, four times a second at most.
  var progress: Progress {
    queue.sync {
      Progress(
        sent: statistics.requests, failed: statistics.failed, retrying: delayed.count,
        queued: outstanding.load(ordering: .relaxed))
    }
  }

  /// Counters for the summary.
  struct Statistics: Sendable {
    var jobs = 0
    var upserted = 0
    var unchanged = 0
    var failed = 0
    var notSent = 0
    var requests = 0
    var retries = 0
    var rateLimited = 0
  }

  /// Only ever touched on the scheduler's queue (URLSession completions hop onto it).
  private final class Batch: @unchecked Sendable {
    var request: UpsertRequest
    var jobs: [DeliveryJob]
    /// Requests sent for this batch, 429s included.
    var attempts = 0
    /// Attempts that count against `maxAttempts` (429s do not: Attio did not process them).
    var countedAttempts = 0
    var firstSent: Double?
    var notBefore = 0.0
    var lastResponse: AttioResponse?
    var task: AttioClient.Task?
    var ticket: RateLimiter.Ticket?

    init(_ job: DeliveryJob) {
      request = job.request
      jobs = [job]
    }
  }

  private struct Lane {
    var waiting: [Batch] = []
    var inFlight: Batch?
    /// Attribute values this run has upserted for the person.
    var known: [String: [UInt8]] = [:]
    var isQueued = false
  }

  let queue = DispatchQueue(label: "attio-pipe.delivery")
  private let options: Options
  private let client: AttioClient
  private let results: ResultWriter
  private let diagnostics: DiagnosticReporter
  private let clock: @Sendable () -> Double

  private var lanes: [String: Lane] = [:]
  /// Message ids of events already upserted or unchanged, oldest first, for replays.
  private var delivered = DeliveredMessages()
  private var ready: [String] = []
  private var readyHead = 0
  private var delayed: [(time: Double, email: String)] = []
  private var inFlight = 0
  private var limiter: RateLimiter
  private var serverClock = ServerClock()
  private var pausedUntil = 0.0
  private var wakeAt = Double.infinity
  private var statistics = Statistics()
  /// Set by a 401/403: nothing more is sent.
  private var authenticationFailure: AttioError?
  private var aborted = false
  /// The reader of the results went away.
  private var outputClosed = false

  private let room: DispatchSemaphore
  private let outstanding = Atomic<Int>(0)
  private let allDone = DispatchSemaphore(value: 0)
  private let inputEnded = Atomic<Bool>(false)

  /// When set (by a signal), the moment after which whatever is left is reported `not_sent`.
  private let stopDeadline: @Sendable () -> Double?

  init(
    options: Options, client: (DispatchQueue) -> AttioClient, results: ResultWriter,
    diagnostics: DiagnosticReporter,
    known: UpsertedValues = [:],
    delivered: DeliveredMessages = DeliveredMessages(),
    stopDeadline: @escaping @Sendable () -> Double? = { nil },
    clock: @escaping @Sendable () -> Double = monotonicSeconds
  ) {
    self.options = options
    self.stopDeadline = stopDeadline
    self.client = client(queue)
    self.results = results
    self.diagnostics = diagnostics
    self.clock = clock
    limiter = RateLimiter(rate: options.rate)
    lanes = known.mapValues { Lane(known: $0) }
    self.delivered = delivered
    // Raised from zero: libdispatch traps when a semaphore is freed below its initial value.
    room = DispatchSemaphore(value: 0)
    for _ in 0..<options.capacity { room.signal() }
  }

  // MARK: - Input side (any thread)

  /// Hands over one job; blocks while `capacity` jobs are outstanding, which stops the input
  /// from being read (back-pressure). `send: false` reports it `not_sent` (unless it is a
  /// replay) without sending it: an event read after a stop signal.
  func submit(_ job: DeliveryJob, send: Bool = true) {
    waitWatchingTheDeadline(room)
    outstanding.add(1, ordering: .relaxed)
    queue.async { self.accept(job, send: send) }
  }

  /// Called once the input has ended: waits until every job has its result.
  func finish() {
    inputEnded.store(true, ordering: .relaxed)
    queue.async { self.checkDone() }
    waitWatchingTheDeadline(allDone)
  }

  /// Waits on `semaphore`, and once the stop deadline (a signal's grace period, or a second
  /// signal) has passed, stops sending so that the wait ends with every job `not_sent`.
  private func waitWatchingTheDeadline(_ semaphore: DispatchSemaphore) {
    while semaphore.wait(timeout: .now() + .milliseconds(50)) == .timedOut {
      if let deadline = stopDeadline(), clock() >= deadline {
        queue.sync { self.abort() }
      }
    }
  }

  /// What this run (and the runs whose state it loaded) upserted per email, for `--state`.
  var known: UpsertedValues {
    queue.sync { lanes.compactMapValues { $0.known.isEmpty ? nil : $0.known } }
  }

  var deliveredMessages: DeliveredMessages { queue.sync { delivered } }

  var summary: Statistics { queue.sync { statistics } }
  var authenticationError: AttioError? { queue.sync { authenticationFailure } }
  var isOutputClosed: Bool { queue.sync { outputClosed } }

  // MARK: - On the queue

  private func accept(_ job: DeliveryJob, send: Bool) {
    statistics.jobs += 1
    // A replayed event (same messageId as one delivered before, in this run or one whose
    // --state was loaded) has nothing new to send.
    if options.dedupe, let messageId = job.messageId, delivered.contains(messageId) {
      return finishJobs([job], .unchanged, attempts: 0, response: nil)
    }
    if !send || aborted || authenticationFailure != nil || outputClosed {
      return finishJobs([job], .notSent, attempts: 0, response: nil)
    }
    let email = job.request.email
    var lane = lanes[email] ?? Lane()
    if let last = lane.waiting.last, last.request.merge(job.request) {
      last.jobs.append(job)
    } else {
      lane.waiting.append(Batch(job))
    }
    lanes[email] = lane
    makeReadyIfIdle(email)
    pump()
  }

  private func makeReadyIfIdle(_ email: String) {
    guard var lane = lanes[email], lane.inFlight == nil, !lane.isQueued,
      let front = lane.waiting.first
    else { return }
    lane.isQueued = true
    lanes[email] = lane
    if front.notBefore > clock() {
      delayed.append((front.notBefore, email))
    } else {
      ready.append(email)
    }
  }

  private func pump() {
    guard !aborted else { return }
    let now = clock()
    promoteDueDelayed(now)
    while inFlight < options.concurrency, readyHead < ready.count {
      if pausedUntil > now { return wake(at: pausedUntil) }
      // Nil: the request that places the window is unanswered; its answer pumps again.
      guard let allowed = limiter.nextAllowed(after: now) else { return }
      if allowed > now { return wake(at: allowed) }
      let email = ready[readyHead]
      readyHead += 1
      if readyHead > 1024 && readyHead * 2 > ready.count {
        ready.removeFirst(readyHead)
        readyHead = 0
      }
      send(nextBatch(of: email), email: email, at: now)
    }
    if let next = delayed.map(\.time).min() { wake(at: next) }
  }

  /// Takes the lane's front batch; resolves it as `unchanged` (and takes the next) when it
  /// would change nothing this run has already upserted.
  private func nextBatch(of email: String) -> Batch? {
    guard var lane = lanes[email] else { return nil }
    lane.isQueued = false
    while !lane.waiting.isEmpty {
      let batch = lane.waiting.removeFirst()
      if options.dedupe && batch.request.changesNothing(in: lane.known) {
        lanes[email] = lane
        finishJobs(batch.jobs, .unchanged, attempts: batch.attempts, response: nil)
        continue
      }
      lane.inFlight = batch
      lanes[email] = lane
      return batch
    }
    lanes[email] = lane
    return nil
  }

  private func send(_ batch: Batch?, email: String, at now: Double) {
    guard let batch else { return }
    if authenticationFailure != nil {
      lanes[email]?.inFlight = nil
      return finishJobs(batch.jobs, .notSent, attempts: batch.attempts, response: nil)
    }
    batch.ticket = limiter.recordSend(at: now)
    inFlight += 1
    batch.attempts += 1
    statistics.requests += 1
    if batch.attempts > 1 { statistics.retries += 1 }
    if batch.firstSent == nil { batch.firstSent = now }
    batch.task = client.assertPerson(body: batch.request.body) { [self] response in
      inFlight -= 1
      if let ticket = batch.ticket { limiter.recordAnswer(ticket, at: clock()) }
      serverClock.observe(date: response.date, receivedAt: wallClock())
      batch.task = nil
      complete(batch, email: email, response: response)
      pump()
    }
  }

  private func complete(_ batch: Batch, email: String, response: AttioResponse) {
    lanes[email]?.inFlight = nil
    batch.lastResponse = response
    guard !aborted else {
      return finishJobs(batch.jobs, .notSent, attempts: batch.attempts, response: nil)
    }
    let now = clock()
    switch response.status {
    case .some(200..<300):
      batch.request.record(in: &lanes[email, default: Lane()].known)
      finishJobs(
        batch.jobs, .upserted, attempts: batch.attempts, response: response,
        recordId: response.recordId)
    case .some(401), .some(403):
      finishJobs(batch.jobs, .failed, attempts: batch.attempts, response: response)
      stopSending(response)
    case .some(429):
      statistics.rateLimited += 1
      let wait =
        RetryAfter.delay(retryAfter: response.retryAfter, serverNow: serverClock.now(wallClock()))
        ?? options.backoff.delay(attempt: batch.attempts)
      // Attio did not process the request: everyone waits, and the attempt is not counted.
      pausedUntil = max(pausedUntil, now + wait)
      retry(batch, email: email, after: wait, now: now)
    case .some(408), .some(409), .some(500), .some(502), .some(503), .some(504), nil:
      if response.wasCancelled {
        return finishJobs(batch.jobs, .notSent, attempts: batch.attempts, response: nil)
      }
      batch.countedAttempts += 1
      guard batch.countedAttempts < options.maxAttempts else {
        return giveUp(batch, email: email)
      }
      retry(
        batch, email: email, after: options.backoff.delay(attempt: batch.countedAttempts), now: now)
    default:
      finishJobs(batch.jobs, .failed, attempts: batch.attempts, response: response)
    }
    makeReadyIfIdle(email)
  }

  /// Puts the batch back at the front of its lane, to be sent after `wait` (unless that would
  /// pass `maxRetryTime`).
  private func retry(_ batch: Batch, email: String, after wait: Double, now: Double) {
    if now + wait - (batch.firstSent ?? now) > options.maxRetryTime {
      return giveUp(batch, email: email)
    }
    batch.notBefore = now + wait
    lanes[email, default: Lane()].waiting.insert(batch, at: 0)
    // Newer jobs waiting behind it ride along with the retry.
    var lane = lanes[email]!
    while lane.waiting.count > 1, lane.waiting[0].request.merge(lane.waiting[1].request) {
      lane.waiting[0].jobs.append(contentsOf: lane.waiting[1].jobs)
      lane.waiting.remove(at: 1)
    }
    lanes[email] = lane
  }

  private func giveUp(_ batch: Batch, email: String) {
    finishJobs(batch.jobs, .failed, attempts: batch.attempts, response: batch.lastResponse)
    makeReadyIfIdle(email)
  }

  /// A 401 or 403: the token cannot work, so every job still waiting is `not_sent`, now and
  /// for the rest of the input.
  private func stopSending(_ response: AttioResponse) {
    guard authenticationFailure == nil else { return }
    authenticationFailure = response.error
    let scopes =
      response.status == 403
      ? " The API key needs both scopes record_permission:read-write and "
        + "object_configuration:read." : ""
    diagnostics.error(
      "Attio refused the API key (HTTP \(response.status ?? 0): \(response.error?.message ?? "")); "
        + "nothing more will be sent and the remaining events are reported not_sent.\(scopes)")
    dropWaitingJobs()
  }

  private func abort() {
    guard !aborted else { return }
    aborted = true
    for lane in lanes.values { lane.inFlight?.task?.cancel() }
    dropWaitingJobs()
    checkDone()
  }

  private func dropWaitingJobs() {
    for (email, lane) in lanes {
      for batch in lane.waiting {
        finishJobs(batch.jobs, .notSent, attempts: batch.attempts, response: batch.lastResponse)
      }
      lanes[email]?.waiting = []
      lanes[email]?.isQueued = false
    }
    ready.removeAll()
    readyHead = 0
    delayed.removeAll()
  }

  private func finishJobs(
    _ jobs: [DeliveryJob], _ status: DeliveryStatus, attempts: Int, response: AttioResponse?,
    recordId: String? = nil
  ) {
    let error = status == .failed ? response?.error : nil
    for job in jobs {
      if status == .upserted || status == .unchanged, let messageId = job.messageId {
        delivered.insert(messageId)
      }
      switch status {
      case .upserted: statistics.upserted += 1
      case .unchanged: statistics.unchanged += 1
      case .failed: statistics.failed += 1
      case .notSent: statistics.notSent += 1
      }
      let result = DeliveryResult(
        job: job, status: status, httpStatus: status == .notSent ? nil : response?.status,
        recordId: recordId, attempts: attempts, error: error)
      if !results.write(result) && !outputClosed {
        // The reader of the results went away: stop quietly, nothing more is sent.
        outputClosed = true
        queue.async { self.abort() }
      }
      outstanding.subtract(1, ordering: .relaxed)
      room.signal()
    }
    checkDone()
  }

  private func checkDone() {
    if inputEnded.load(ordering: .relaxed) && outstanding.load(ordering: .relaxed) == 0 {
      allDone.signal()
    }
  }

  // MARK: - Time

  private func promoteDueDelayed(_ now: Double) {
    guard !delayed.isEmpty else { return }
    var stillDelayed: [(time: Double, email: String)] = []
    for entry in delayed {
      if entry.time <= now { ready.append(entry.email) } else { stillDelayed.append(entry) }
    }
    delayed = stillDelayed
  }

  /// Arms one timer for the earliest moment sending can resume.
  private func wake(at time: Double) {
    guard time < wakeAt else { return }
    wakeAt = time
    let delay = max(0, time - clock())
    queue.asyncAfter(deadline: .now() + .nanoseconds(Int(delay * 1e9) + 1)) { [self] in
      if wakeAt <= clock() { wakeAt = .infinity }
      pump()
    }
  }
}

/// Seconds on the monotonic clock (CLOCK_MONOTONIC, as the signal handler records), for
/// intervals.
@Sendable func monotonicSeconds() -> Double {
  var now = timespec()
  clock_gettime(CLOCK_MONOTONIC, &now)
  return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// Seconds since the epoch, for HTTP dates.
func wallClock() -> Double {
  var now = timespec()
  clock_gettime(CLOCK_REALTIME, &now)
  return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}
