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
//   PersonMemory    per person, bounded: what was upserted (dedupe), the learned record id
//   CompanyGate     holds a person's writes until the company they reference is written
//                   (companies come from `group` calls; design in CompanyGate.swift)
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
    /// `--settle-time`: how long a person's writes wait after a timed-out attempt.
    var settleTime = 10.0
    /// `--write-mode`: find then update or create (merge), or Attio's assert.
    var writeMode = WritePlan.Mode.merge
    /// `--read-rate`: merge mode's finds per second, paced apart from the writes.
    var readRate = 100.0
    /// What merge mode's `PATCH` carries (the email slug comes with each request).
    var phoneSlug = PersonAttribute.phoneNumbers.rawValue
    var multiselect: Set<String> = []
    /// `--only-if-empty`: slugs written only to a record that has no value for them.
    var onlyIfEmpty: Set<String> = []
    /// `--max-people`: people whose upserted values and record id are remembered.
    var memoryCapacity = PersonMemory.defaultCapacity
    /// `--map`: after a 400 `value_not_found` (an option the workspace no longer has), the
    /// request with the options read again and the missing ones left out, to be sent once
    /// more; nil when nothing was left out (the write fails as it is). Runs on the
    /// scheduler's queue and may block it for one options read: a rare event.
    var repairValueNotFound: (@Sendable (UpsertRequest) -> UpsertRequest?)?

    var policy: ResponsePolicy {
      ResponsePolicy(
        maxAttempts: maxAttempts, maxRetryTime: maxRetryTime, backoff: backoff,
        settleTime: settleTime)
    }
  }

  /// What the progress line shows.
  struct Progress: Sendable {
    var sent = 0
    var failed = 0
    var retrying = 0
    var queued = 0
  }

  typealias Statistics = ResultLedger.Statistics

  /// After a 401/403, how long requests already in flight may still bring their answer
  /// before they are reported `in_doubt`: short, so a supervisor sees exit 4 at once.
  static let inFlightWaitAfterRefusal = 0.5

  let queue: DispatchQueue
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
  /// Person writes that wait for their company's write (see CompanyGate.swift).
  private var companies = CompanyGate()
  private var pacer: Pacer
  /// Merge mode's finds: Attio limits reads apart from writes.
  private var readPacer: Pacer
  private var inFlight = 0
  private var wakeTimer: DeliveryTimer?
  private var wakeAt = Double.infinity
  private var deadline: Double?
  private var deadlineTimer: DeliveryTimer?
  /// Nothing more is started: a 401/403, a deadline too close, a closed stdout.
  private var stopped = false
  /// The deadline passed: every job has its result or gets `not_sent` on arrival.
  private var aborted = false
  private var refusal: AttioResponse?

  init(
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
      memory: memory ?? PersonMemory(capacity: options.memoryCapacity), mode: options.writeMode)
    pacer = Pacer(rate: options.rate)
    readPacer = Pacer(rate: options.readRate)
    self.transport = transport(queue)
  }

  // MARK: - Input side (any thread but the queue)

  /// Hands over one job; blocks while `capacity` jobs are without a result, which stops the
  /// input from being read (back-pressure). `send: false` reports it `not_sent` (unless it is
  /// a replay) without sending it: an event read after a stop signal.
  func submit(_ job: DeliveryJob, send: Bool = true) {
    ledger.admit()
    queue.async { self.accept(job, send: send) }
  }

  /// The input has ended; with `drainTimeout`, what is left gets at most that long.
  func endInput(drainTimeout: Double?) {
    queue.async { [self] in
      ledger.endInput()
      if let drainTimeout { stop(at: clock.now() + drainTimeout) }
    }
  }

  /// Waits until every job has its result (after `endInput`).
  func waitUntilDone() {
    ledger.waitUntilAllResolved()
  }

  /// What this run (and the runs whose state it loaded) remembers per person, for `--state`:
  /// a copy (the scheduler's own goes on changing).
  var stateSnapshot: PersonMemory {
    queue.sync { lanes.memory }
  }
  /// People forgotten for `--max-people` (loading the state included).
  var memoryEvictions: Int { queue.sync { lanes.memory.evictions } }
  /// Lanes held (on the queue): only people with work have one.
  var laneCountForTests: Int { lanes.laneCount }
  var memoryCounts: (count: Int, evictions: Int) {
    queue.sync { (lanes.memory.count, lanes.memory.evictions) }
  }
  var summary: Statistics { queue.sync { ledger.statistics } }
  var authenticationError: AttioError? { queue.sync { refusal?.error } }
  var isOutputClosed: Bool { queue.sync { ledger.outputClosed } }

  /// Read by the progress line's timer, four times a second at most.
  var progress: Progress {
    queue.sync {
      Progress(
        sent: ledger.statistics.requests, failed: ledger.statistics.failed,
        retrying: lanes.delayedCount, queued: ledger.unresolved)
    }
  }

  // MARK: - On the queue

  /// Whatever is still running must end by `time` (monotonic seconds): a signal's grace, a
  /// second signal (now), the drain timeout. The earliest deadline wins.
  func stop(at time: Double) {
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
    if job.request.object == .companies { companies.companyOpened(job.request.email) }
    // An event seen before (recognised by its messageId as it was read) has nothing to send.
    if job.isDuplicate { return resolve([job], .duplicate, attempts: 0, response: nil) }
    if !send || stopped || aborted {
      return resolve([job], .notSent, attempts: 0, response: nil)
    }
    // A person whose company is still being written waits for it (company first).
    if job.request.object == .people, !companies.admit(job) { return }
    let email = lanes.add(job)
    lanes.makeReadyIfIdle(email, now: clock.now())
    pump()
  }

  /// Jobs the company gate let go: to their lanes, or `not_sent` once nothing is started.
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

  private func send(_ batch: DeliveryBatch, email: String, at now: Double) {
    batch.ticketIsRead = batch.plan.isRead
    batch.ticket =
      batch.ticketIsRead ? readPacer.recordSend(at: now) : pacer.recordSend(at: now)
    inFlight += 1
    batch.attempts += 1
    ledger.countRequest(retry: batch.isRetry)
    if batch.firstSent == nil { batch.firstSent = now }
    batch.task = transport.send(batch.plan.request(for: batch.request)) { [self] response in
      answered(batch, email: email, response: response)
    }
  }

  private func answered(_ batch: DeliveryBatch, email: String, response: AttioResponse) {
    dispatchPrecondition(condition: .onQueue(queue))
    inFlight -= 1
    if let ticket = batch.ticket {
      if batch.ticketIsRead {
        readPacer.recordAnswer(ticket, response, at: clock.now(), wallNow: clock.wallNow())
      } else {
        pacer.recordAnswer(ticket, response, at: clock.now(), wallNow: clock.wallNow())
      }
    }
    batch.task = nil
    if !batch.abandoned { complete(batch, email: email, response: response) }
    pump()
  }

  private func complete(_ batch: DeliveryBatch, email: String, response: AttioResponse) {
    var response = response
    // A read that timed out changes nothing if it lands later: no settling time, a plain retry.
    if batch.plan.isRead { response.timedOut = false }
    lanes.release(email)
    batch.lastResponse = response
    let now = clock.now()
    if response.timedOut {
      // The attempt may still land at any moment: hold the person's writes for the settling
      // time, then assert the newest values once more (see ResponsePolicy).
      lanes.settle(email, until: now + options.settleTime)
    }
    if response.status == 429 { ledger.countRateLimited() }
    let recordInUse = batch.plan.recordIdInUse
    if batch.plan.findAgain(after: response) {
      // Another writer created the person, or the record went away (a learned id too): find
      // it again at once.
      if response.status == 404, let recordInUse { lanes.forget(recordId: recordInUse, for: batch) }
      batch.notBefore = now
      batch.isRetry = true
      lanes.requeue(batch, email: email)
      return lanes.makeReadyIfIdle(email, now: now)
    }
    var continuing = false
    let decision = policy.decide(
      response, attempts: batch.attempts, countedAttempts: batch.countedAttempts,
      firstSent: batch.firstSent ?? now, now: now,
      serverNow: pacer.serverNow(wallNow: clock.wallNow()), random: random)
    switch decision {
    case .success:
      if batch.plan.isRead { ledger.countRead() }
      switch batch.plan.advance(after: response, for: batch.request, planner: planner) {
      case .done(let action, let recordId):
        lanes.recordWritten(
          batch, email: email, recordId: recordId,
          wroteRecordOfPrevious: batch.plan.emailAdded != nil)
        if let duplicate = batch.plan.duplicateRecordId, let previous = batch.request.previousEmail
        {
          lanes.learn(recordId: duplicate, for: previous)
        }
        if batch.request.object == .companies, let recordId {
          planner.companyRecordIds[batch.request.email] = recordId
        }
        resolve(
          batch.jobs, action == .unchanged ? .unchanged : .upserted, attempts: batch.attempts,
          response: response, recordId: recordId, action: action,
          emailAdded: batch.plan.emailAdded, duplicateRecordId: batch.plan.duplicateRecordId)
      case nil:
        var unreadable = response
        unreadable.status = 502
        unreadable.body = Data(
          (#"{"type":"attio_pipe_error","code":"unreadable_record","#
            + #""message":"the records query answer could not be read; nothing was written"}"#)
            .utf8)
        resolve(batch.jobs, .failed, attempts: batch.attempts, response: unreadable)
      case .next:
        // The plan's next step goes at once, still ahead of every newer write for the person.
        batch.notBefore = now
        batch.isRetry = false
        lanes.requeue(batch, email: email)
        continuing = true
      }
    case .retry(let time, let counted, let pauseAll, _):
      if counted { batch.countedAttempts += 1 }
      batch.isRetry = true
      // A 429: Attio did not process the request; everyone waits.
      if pauseAll {
        if batch.plan.isRead { readPacer.pause(until: time) } else { pacer.pause(until: time) }
      }
      batch.notBefore = time
      batch.plan.restart()
      lanes.requeue(batch, email: email)
      continuing = true
    case .fail:
      if let repaired = repaired(batch, after: response) {
        batch.request = repaired
        batch.notBefore = now
        batch.isRetry = true
        batch.plan.restart()
        lanes.requeue(batch, email: email)
      } else {
        resolve(batch.jobs, .failed, attempts: batch.attempts, response: response)
      }
    case .stopAll:
      resolve(batch.jobs, .failed, attempts: batch.attempts, response: response)
      refuse(response)
    case .abandoned:
      resolve(batch.jobs, .inDoubt, attempts: batch.attempts, response: nil)
    }
    lanes.makeReadyIfIdle(email, now: now)
    if !continuing { lanes.releaseHold(of: batch, now: now) }
  }

  /// The request of a batch Attio refused for an option it does not have, repaired once.
  private func repaired(_ batch: DeliveryBatch, after response: AttioResponse) -> UpsertRequest? {
    guard response.status == 400, response.error?.code == "value_not_found", !batch.repaired,
      let repair = options.repairValueNotFound
    else { return nil }
    batch.repaired = true
    return repair(batch.request)
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
    for job in companies.removeAll() {
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
    for batch in lanes.inFlightBatches {
      batch.abandoned = true
      batch.task?.cancel()
      lanes.release(batch.request.email)
      resolve(batch.jobs, .inDoubt, attempts: batch.attempts, response: nil)
    }
  }

  private func resolve(
    _ jobs: [DeliveryJob], _ status: DeliveryStatus, attempts: Int, response: AttioResponse?,
    recordId: String? = nil, action: WritePlan.Action? = nil, emailAdded: String? = nil,
    duplicateRecordId: String? = nil
  ) {
    let readerThere = ledger.resolve(
      jobs, status, attempts: attempts, response: response, recordId: recordId, action: action,
      emailAdded: emailAdded, duplicateRecordId: duplicateRecordId)
    // A company's result lets the people waiting for it go; later, on the queue, since this
    // may run inside a lane operation.
    var released: [DeliveryJob] = []
    for job in jobs where job.request.object == .companies {
      released += companies.companyResolved(job.request.email)
    }
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
