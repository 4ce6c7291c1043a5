import AttioPipeCore
import Dispatch
import Foundation

// Design: the delivery scheduler, and the parts it drives.
//
// All state lives on one serial queue (`queue`; every method that touches state asserts it
// with `dispatchPrecondition`): jobs arrive from the input thread (`submit`), answers from
// the transport (delivered on the queue), timers fire there. No locks guard the state
// because nothing else touches it. The parts, each with one job:
//
//   LaneTable       per-person queues: merge, in-flight, email changes tying two lanes
//                   (EmailChangeLinks); it owns the batches (DeliveryBatch)
//   DeliveryBatch   one person's merged write; `complete` says what an answer leads to
//                   (AnswerOutcome), a pure function the scheduler carries out
//   PersonMemory    per person, bounded: what was upserted (dedupe), the learned record id
//   RecordGate      holds a job until the records it references are written by the jobs
//                   that write them (a person's company; design in RecordGate.swift)
//   WritePlan       the request(s) that write one person: an assert, or find → update/create
//   ResponsePolicy  what an answer means: success, retry when, fail, stop everything
//   Pacer           when the next request may go: the rate window, 429 pauses (one for
//                   writes at --rate, one for merge mode's reads at --read-rate)
//   ResultLedger    exactly one result per job; back-pressure; the summary's counters
//   DeliveryTransport / DeliveryClock   the network and time, injected
//
// `pump()` sends from the ready lanes (writes before reads) while the concurrency limit and
// the pacers allow, and otherwise arms one timer for the earliest moment something can change
// (or waits for the answer the pacer needs: every answer pumps).
//
// Deadlines end the run early: a signal's `--grace` (or a second signal), the
// `--drain-timeout` after end of input, a short wait after a 401/403, a closed stdout. From
// the moment an attempt could no longer finish before the deadline (one `--timeout` before
// it) nothing more is started and what waits is `not_sent`; at the deadline a timer cancels
// what is still in flight and reports it `in_doubt` (sent, answer not seen).

/// Sends upserts to Attio under its rate limit, one write in flight per person, and writes
/// one result per job.
package final class DeliveryScheduler: @unchecked Sendable {
  package struct Options: Sendable {
    package var rate = 25.0
    package var concurrency = 10
    package var timeout = 30.0
    package var maxAttempts = 8
    package var maxRetryTime = 300.0
    package var dedupe = true
    /// Jobs without a result before the input is held back.
    var capacity = 10_000
    var backoff = Backoff()
    /// `--settle-time`: how long a person's writes wait after a timed-out attempt.
    package var settleTime = 10.0
    /// `--write-mode`: find then update or create (merge), or Attio's assert.
    package var writeMode = WritePlan.Mode.merge
    /// `--list-entry`, `--forward-only`: how list entries are written.
    package var entryRules = ListEntryRules()
    /// `--read-rate`: merge mode's finds per second, paced apart from the writes.
    package var readRate = 100.0
    /// What merge mode's `PATCH` carries (the email slug comes with each request).
    package var phoneSlug = PersonAttribute.phoneNumbers.rawValue
    package var multiselect: Set<String> = []
    /// `--only-if-empty`: slugs written only to a record that has no value for them.
    package var onlyIfEmpty: Set<String> = []
    /// `--max-people`: people whose upserted values and record id are remembered.
    package var memoryCapacity = PersonMemory.defaultCapacity
    /// The first second is taken as used up (`RateLimiter`'s `fullAt`): the previous run of a
    /// restarted service may have sent at the full rate just before this one started. On for
    /// every run (`DeliverySettings.Builder`); off by default so that tests start at once.
    var startsWithFullWindow = false
    /// `--map`: after a 400 `value_not_found` (an option the workspace no longer has), the
    /// request with the options read again and the missing ones left out, to be sent once
    /// more; nil when nothing was left out (the write fails as it is). Runs on the
    /// scheduler's queue and may block it for one options read: a rare event.
    package var repairValueNotFound: (@Sendable (UpsertRequest) -> UpsertRequest?)?

    package init(startsWithFullWindow: Bool = false) {
      self.startsWithFullWindow = startsWithFullWindow
    }

    var policy: ResponsePolicy {
      ResponsePolicy(
        maxAttempts: maxAttempts, maxRetryTime: maxRetryTime, backoff: backoff,
        settleTime: settleTime)
    }
  }

  /// What the progress line shows.
  package struct Progress: Sendable {
    package var sent = 0
    package var failed = 0
    package var retrying = 0
    package var queued = 0
  }

  package typealias Statistics = ResultLedger.Statistics

  /// After a 401/403, how long requests already in flight may still bring their answer
  /// before they are reported `in_doubt`: short, so a supervisor sees exit 4 at once.
  static let inFlightWaitAfterRefusal = 0.5

  package let queue: DispatchQueue
  private let options: Options
  private let policy: ResponsePolicy
  private var planner: MergePlanner
  private let clock: any DeliveryClock
  private let random: @Sendable () -> Double
  private var transport: (any DeliveryTransport)!
  private let ledger: ResultLedger
  /// Told once, on the queue, when Attio refuses the key.
  private let onRefusal: @Sendable (AttioResponse) -> Void

  private var lanes: LaneTable
  /// Jobs that wait for a referenced record's write (see RecordGate.swift).
  private var gate = RecordGate()
  private var pacer: Pacer
  /// Merge mode's finds: Attio limits reads apart from writes.
  private var readPacer: Pacer
  private var inFlight = 0
  /// The cancel handle of each lane's request in flight, by the lane's email.
  private var tasks: [String: TransportTask] = [:]
  private var wakeTimer: DeliveryTimer?
  private var wakeAt = Double.infinity
  private var deadline: Double?
  private var deadlineTimer: DeliveryTimer?
  /// Nothing more is started: a 401/403, a deadline too close, a closed stdout.
  private var stopped = false
  /// The deadline passed: every job has its result or gets `not_sent` on arrival.
  private var aborted = false
  private var refusal: AttioResponse?

  package init(
    options: Options, transport: (DispatchQueue) -> any DeliveryTransport,
    write: @escaping (DeliveryResult) -> Bool,
    memory: PersonMemory? = nil,
    clock: any DeliveryClock = SystemDeliveryClock(),
    random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
    onRefusal: @escaping @Sendable (AttioResponse) -> Void = { _ in }
  ) {
    queue = DispatchQueue(label: "attio-pipe.delivery")
    self.options = options
    policy = options.policy
    planner = MergePlanner(
      emailSlug: PersonAttribute.emailAddresses.rawValue, phoneSlug: options.phoneSlug,
      multiselect: options.multiselect, onlyIfEmpty: options.onlyIfEmpty)
    self.clock = clock
    self.random = random
    self.onRefusal = onRefusal
    ledger = ResultLedger(capacity: options.capacity, write: write)
    lanes = LaneTable(
      memory: memory ?? PersonMemory(capacity: options.memoryCapacity), mode: options.writeMode,
      entryRules: options.entryRules)
    let fullAt = options.startsWithFullWindow ? clock.now() : nil
    pacer = Pacer(rate: options.rate, fullAt: fullAt)
    readPacer = Pacer(rate: options.readRate, fullAt: fullAt)
    self.transport = transport(queue)
  }

  // MARK: - Input side (any thread but the queue)

  /// Hands over one job; blocks while `capacity` jobs are without a result, which stops the
  /// input from being read (back-pressure). `send: false` reports it `not_sent` (unless it is
  /// a replay) without sending it: an event read after a stop signal.
  package func submit(_ job: DeliveryJob, send: Bool = true) {
    ledger.admit()
    queue.async { self.accept(job, send: send) }
  }

  /// The input has ended; with `drainTimeout`, what is left gets at most that long.
  package func endInput(drainTimeout: Double?) {
    queue.async { [self] in
      ledger.endInput()
      if let drainTimeout { stop(at: clock.now() + drainTimeout) }
    }
  }

  /// Waits until every job has its result (after `endInput`).
  package func waitUntilDone() {
    ledger.waitUntilAllResolved()
  }

  /// What this run (and the runs whose state it loaded) remembers per person, for `--state`:
  /// a copy (the scheduler's own goes on changing).
  package var stateSnapshot: PersonMemory {
    queue.sync { lanes.memory }
  }
  /// People forgotten for `--max-people` (loading the state included).
  package var memoryEvictions: Int { queue.sync { lanes.memory.evictions } }
  /// Lanes held (on the queue): only people with work have one.
  var laneCountForTests: Int { lanes.laneCount }
  package var memoryCounts: (count: Int, evictions: Int) {
    queue.sync { (lanes.memory.count, lanes.memory.evictions) }
  }
  package var summary: Statistics { queue.sync { ledger.statistics } }
  package var authenticationError: AttioError? { queue.sync { refusal?.error } }
  package var isOutputClosed: Bool { queue.sync { ledger.outputClosed } }

  /// Read by the progress line's timer, four times a second at most.
  package var progress: Progress {
    queue.sync {
      Progress(
        sent: ledger.statistics.requests, failed: ledger.statistics.failed,
        retrying: lanes.delayedCount, queued: ledger.unresolved)
    }
  }

  // MARK: - On the queue

  /// Whatever is still running must end by `time` (monotonic seconds): a signal's grace, a
  /// second signal (now), the drain timeout. The earliest deadline wins.
  package func stop(at time: Double) {
    dispatchPrecondition(condition: .onQueue(queue))
    guard !aborted, time < (deadline ?? .infinity) else { return }
    deadline = time
    deadlineTimer?.cancel()
    if time <= clock.now() { return abort() }
    deadlineTimer = clock.schedule(at: time, on: queue) { [self] in abort() }
    pump()
  }

  private func accept(_ job: DeliveryJob, send: Bool) {
    dispatchPrecondition(condition: .onQueue(queue))
    var job = job
    ledger.open(&job)
    gate.opened(job)
    // An event seen before (recognised by its messageId as it was read) has nothing to send.
    if job.isDuplicate { return resolve([job], .duplicate, attempts: 0, response: nil) }
    if !send || stopped || aborted {
      return resolve([job], .notSent, attempts: 0, response: nil)
    }
    // A job whose referenced records are still being written waits for them.
    if !gate.admit(job) { return }
    let email = lanes.add(job)
    lanes.makeReadyIfIdle(email, now: clock.now())
    pump()
  }

  /// Jobs the gate let go: to their lanes, or `not_sent` once nothing is started.
  private func admitReleased(_ jobs: [DeliveryJob]) {
    dispatchPrecondition(condition: .onQueue(queue))
    for job in jobs {
      if stopped || aborted {
        resolve([job], .notSent, attempts: 0, response: nil)
        continue
      }
      let email = lanes.add(job)
      lanes.makeReadyIfIdle(email, now: clock.now())
    }
    pump()
  }

  private func pump() {
    dispatchPrecondition(condition: .onQueue(queue))
    guard !aborted else { return }
    let now = clock.now()
    if !stopped, let deadline, now + options.timeout > deadline {
      // An attempt started now could not finish before the deadline: start none.
      stopStarting()
    }
    guard !stopped else { return }
    lanes.promoteDue(now)
    // Writes first: each is a started plan's last step (or an assert), and the write rate is
    // the limit that matters. Reads (new finds) go while their own rate allows, but only a
    // second's worth of writes ahead: a write is computed from a read, so a long queue of
    // reads answered long ago would write from stale values.
    let readAhead = max(options.concurrency, Int(options.rate.rounded(.up)))
    var writesHeld = false
    var readsHeld = false
    while inFlight < options.concurrency {
      let isRead: Bool
      if !writesHeld && lanes.readyCount(reads: false) > 0 {
        isRead = false
      } else if !readsHeld && lanes.readyCount(reads: true) > 0
        && lanes.readyCount(reads: false) < readAhead
      {
        isRead = true
      } else {
        break
      }
      // Nil: the request that places the rate window is unanswered; its answer pumps again.
      let allowed = (isRead ? readPacer : pacer).nextSend(after: now)
      if allowed == nil || allowed! > now {
        if let allowed { wake(at: allowed) }
        if isRead { readsHeld = true } else { writesHeld = true }
        continue
      }
      guard let email = lanes.popReady(reads: isRead) else { break }
      let batch = lanes.takeFront(of: email, now: now, dedupe: options.dedupe) { unchanged in
        resolve(unchanged.jobs, .unchanged, attempts: unchanged.attempts, response: nil)
      }
      if let batch {
        send(batch, email: email, at: now)
      } else {
        // Emptied by unchanged batches (the lane is dropped), or waiting for another lane.
        lanes.makeReadyIfIdle(email, now: now)
      }
    }
    if let next = lanes.earliestDelayed { wake(at: next) }
  }

  /// Sends the lane's batch that `takeFront` made its in-flight one.
  private func send(_ batch: DeliveryBatch, email: String, at now: Double) {
    let isRead = batch.plan.isRead
    let ticket = isRead ? readPacer.recordSend(at: now) : pacer.recordSend(at: now)
    inFlight += 1
    ledger.countRequest(retry: batch.isRetry)
    tasks[email] = transport.send(batch.plan.request(for: batch.current)) { [self] response in
      answered(email: email, ticket: ticket, isRead: isRead, response: response)
    }
  }

  private func answered(
    email: String, ticket: RateLimiter.Ticket, isRead: Bool, response: AttioResponse
  ) {
    dispatchPrecondition(condition: .onQueue(queue))
    inFlight -= 1
    if isRead {
      readPacer.recordAnswer(ticket, response, at: clock.now(), wallNow: clock.wallNow())
    } else {
      pacer.recordAnswer(ticket, response, at: clock.now(), wallNow: clock.wallNow())
    }
    tasks[email] = nil
    // No batch in flight: a deadline gave it up (it is `in_doubt`), the answer changes nothing.
    if let batch = lanes.release(email) { complete(batch, email: email, response: response) }
    pump()
  }

  /// What the answer means is the batch's to say (`DeliveryBatch.complete`); carrying it out
  /// is the scheduler's.
  private func complete(_ batch: DeliveryBatch, email: String, response: AttioResponse) {
    var batch = batch
    let now = clock.now()
    let context = DeliveryBatch.AnswerContext(
      now: now, serverNow: pacer.serverNow(wallNow: clock.wallNow()), policy: policy,
      planner: planner, mayRepair: options.repairValueNotFound != nil,
      changesNothing: { [self] in options.dedupe && lanes.writeChangesNothing($0) })
    let outcome = batch.complete(response, context, random: random)
    carryOut(outcome, batch, email: email, now: now)
  }

  private func carryOut(
    _ outcome: AnswerOutcome, _ batch: DeliveryBatch, email: String, now: Double
  ) {
    for effect in outcome.effects {
      switch effect {
      case .settle(let time): lanes.settle(email, until: time)
      case .countRateLimited: ledger.countRateLimited()
      case .countRead: ledger.countRead()
      case .forgetRecordId(let recordId): lanes.forget(recordId: recordId, for: batch)
      case .recordWritten(let recordId, let wroteRecordOfPrevious):
        lanes.recordWritten(
          batch, email: email, recordId: recordId, wroteRecordOfPrevious: wroteRecordOfPrevious)
      case .learnRecordId(let recordId, let address): lanes.learn(recordId: recordId, for: address)
      case .recordLinked(let request, let recordId):
        lanes.recordLinked(request, recordId: recordId)
      case .learnCompanyRecordId(let recordId, let domain):
        planner.companyRecordIds[domain] = recordId
      case .pause(let time, let reads):
        if reads { readPacer.pause(until: time) } else { pacer.pause(until: time) }
      case .resolve(let result):
        resolve(
          batch.jobs, result.status, attempts: result.attempts, response: result.response,
          recordId: result.recordId, action: result.action, emailAdded: result.emailAdded,
          duplicateRecordId: result.duplicateRecordId, linked: result.linked,
          failedObject: result.failedObject)
      case .refuse(let response): refuse(response)
      }
    }
    switch outcome.next {
    case .repair:
      // The one step that is not the batch's own: `--map` reads the options again (this may
      // block the queue for one read; a rare event).
      var batch = batch
      let after = batch.repair(to: options.repairValueNotFound?(batch.request), now: now)
      carryOut(after, batch, email: email, now: now)
    case .requeue(let releasingHold):
      lanes.requeue(batch, email: email)
      lanes.makeReadyIfIdle(email, now: now)
      if releasingHold { lanes.releaseHold(of: batch, now: now) }
    case .done:
      lanes.makeReadyIfIdle(email, now: now)
      lanes.releaseHold(of: batch, now: now)
    }
  }

  /// A 401 or 403: the key cannot work, so nothing more is sent; what waits is `not_sent`,
  /// and what is in flight gets a moment to answer before it is `in_doubt`.
  private func refuse(_ response: AttioResponse) {
    guard refusal == nil else { return }
    refusal = response
    stopStarting()
    onRefusal(response)
    stop(at: clock.now() + DeliveryScheduler.inFlightWaitAfterRefusal)
  }

  /// Nothing more is started: every waiting job is `not_sent`, now and on arrival.
  private func stopStarting() {
    stopped = true
    wakeTimer?.cancel()
    wakeAt = .infinity
    for batch in lanes.removeAllWaiting() {
      resolve(batch.jobs, .notSent, attempts: batch.attempts, response: batch.lastResponse)
    }
    for job in gate.removeAll() {
      resolve([job], .notSent, attempts: 0, response: nil)
    }
  }

  /// The deadline passed: what is in flight is cancelled and `in_doubt` (it may have been
  /// applied), what waits is `not_sent`.
  private func abort() {
    dispatchPrecondition(condition: .onQueue(queue))
    guard !aborted else { return }
    aborted = true
    deadlineTimer?.cancel()
    stopStarting()
    for (email, batch) in lanes.removeAllInFlight() {
      // Its answer, if it comes, finds no batch in flight and changes nothing.
      tasks.removeValue(forKey: email)?.cancel()
      resolve(batch.jobs, .inDoubt, attempts: batch.attempts, response: nil)
    }
  }

  private func resolve(
    _ jobs: [DeliveryJob], _ status: DeliveryStatus, attempts: Int, response: AttioResponse?,
    recordId: String? = nil, action: WritePlan.Action? = nil, emailAdded: String? = nil,
    duplicateRecordId: String? = nil, linked: [LinkedWriteOutcome] = [],
    failedObject: String? = nil
  ) {
    let readerThere = ledger.resolve(
      jobs, status, attempts: attempts, response: response, recordId: recordId, action: action,
      emailAdded: emailAdded, duplicateRecordId: duplicateRecordId, linked: linked,
      failedObject: failedObject)
    // A job's result lets the jobs waiting for its records go; later, on the queue, since
    // this may run inside a lane operation.
    var released: [DeliveryJob] = []
    for job in jobs { released += gate.resolved(job) }
    if !released.isEmpty {
      let jobs = released
      queue.async { [self] in admitReleased(jobs) }
    }
    if !readerThere && !aborted {
      // The reader of the results went away: stop quietly, nothing more is sent.
      queue.async { [self] in stop(at: -.infinity) }
    }
  }

  /// Arms one timer for the earliest moment sending can resume.
  private func wake(at time: Double) {
    guard time < wakeAt else { return }
    wakeTimer?.cancel()
    wakeAt = time
    wakeTimer = clock.schedule(at: time, on: queue) { [self] in
      wakeAt = .infinity
      wakeTimer = nil
      pump()
    }
  }
}
