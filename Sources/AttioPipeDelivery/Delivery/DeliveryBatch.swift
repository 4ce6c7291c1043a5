import AttioPipeCore
import Foundation

/// One person's write and the jobs merged into it: what a lane queues and sends.
///
/// A value with one owner, its lane (`LaneTable`, where it waits or is in flight): the
/// scheduler takes the in-flight batch out only to apply its answer, then hands it back
/// (`requeue`) or resolves it. Its fields change only through its own methods, one per
/// transition: merged into, sent, answered (`complete`, a pure function of the answer and
/// this state), repaired. What belongs to a request rather than to the batch (its rate
/// ticket, its cancel handle) stays with the scheduler, and the lane its plan holds with
/// `EmailChangeLinks`.
struct DeliveryBatch: Sendable {
  /// The merged values to write.
  private(set) var request: UpsertRequest
  private(set) var jobs: [DeliveryJob]
  private(set) var plan: WritePlan
  /// Requests sent for this batch, 429s and every step of its plan included.
  private(set) var attempts = 0
  /// The next request repeats one already sent (a retry, or merge mode's find again), rather
  /// than being the plan's next step: counted as a retry in the summary.
  private(set) var isRetry = false
  /// Attempts that count against `--max-attempts` (429s do not: Attio did not process them).
  private(set) var countedAttempts = 0
  private(set) var firstSent: Double?
  /// Not sent again before this (a retry's backoff).
  private(set) var notBefore = 0.0
  /// The answer to the last attempt: what a `not_sent` result reports if nothing more goes.
  private(set) var lastResponse: AttioResponse?
  /// Its request was repaired once after a `value_not_found` (`--map` options).
  private(set) var repaired = false
  /// The write the plan is on: nil for the request's own, else an index into
  /// `request.linked` (a person's user, a group call's workspace, user and membership).
  private(set) var linkedIndex: Int?
  /// The request's own write's outcome, kept while its linked writes go.
  private var ownResolution: AnswerOutcome.Resolution?
  /// The linked writes done so far.
  private var linkedOutcomes: [LinkedWriteOutcome] = []

  /// The write the plan is on.
  var current: UpsertRequest { linkedIndex.map { request.linked[$0] } ?? request }

  /// Whether nothing of the batch has been written: only then may newer values merge into it,
  /// or may it be found unchanged as a whole.
  var isAtStart: Bool { linkedIndex == nil && plan.isAtStart }

  /// The batch's place in the stream: its oldest job's ledger number.
  var order: Int { jobs.first?.ledgerNumber ?? 0 }

  init(
    _ job: DeliveryJob, mode: WritePlan.Mode = .assert,
    entryRules: ListEntryRules = ListEntryRules()
  ) {
    // Companies are always asserted: their matching attribute (`domains`) is additive and
    // no find is needed to avoid deleting anything a company holds.
    plan = WritePlan(for: job.request, mode: mode, entryRules: entryRules)
    request = job.request
    jobs = [job]
  }

  /// Folds a newer job into this unsent batch; false when it cannot ride along (another
  /// email list, or a plan already past its find).
  /// Leaves out the values older than what was written for the person (two devices of one
  /// person, see `PersonMemory.removeOutdated`).
  mutating func dropOutdated(_ memory: PersonMemory) {
    _ = memory.removeOutdated(from: &request)
  }

  mutating func merge(_ job: DeliveryJob) -> Bool {
    // Past its first step the plan's write was computed from the older values.
    guard isAtStart, request.merge(job.request) else { return false }
    jobs.append(job)
    return true
  }

  /// Folds the batch waiting behind this one into it (this one is back at its lane's front
  /// with its plan at the start); false when the values cannot be merged.
  mutating func absorb(_ later: DeliveryBatch) -> Bool {
    guard request.merge(later.request) else { return false }
    jobs.append(contentsOf: later.jobs)
    return true
  }

  /// The batch's request goes now, with the record ids learned for the email and the
  /// previous email (the find reads that record by id).
  mutating func send(at now: Double, recordId: String?, previousRecordId: String?) {
    if plan.isAdd, let recordId {
      plan.addToKnownRecord(recordId, of: current)
    } else {
      plan.useLearned(recordId: recordId, previousRecordId: previousRecordId)
    }
    attempts += 1
    if firstSent == nil { firstSent = now }
  }

  /// What `complete` needs besides the answer and the batch: the time, Attio's clock, the
  /// rules, and whether a refused option may be repaired.
  struct AnswerContext {
    var now: Double
    /// Attio's clock now, for an HTTP-date `Retry-After`.
    var serverNow: Double
    var policy: ResponsePolicy
    var planner: MergePlanner
    /// `--map` can repair a request refused for an option the workspace no longer has.
    var mayRepair = false
    /// Whether delivery's memory says a linked write would change nothing (written before
    /// with the same values): it is then not sent.
    var changesNothing: (UpsertRequest) -> Bool = { _ in false }
  }

  /// The answer to the batch's request came: the batch moves on (its plan, its attempts, when
  /// it may go again) and the outcome says what that does to the run. No side effect beyond
  /// the batch itself; `random` is the backoff's jitter.
  mutating func complete(
    _ answer: AttioResponse, _ context: AnswerContext, random: () -> Double
  ) -> AnswerOutcome {
    let now = context.now
    var response = answer
    // A read that timed out changes nothing if it lands later: no settling time, a plain retry.
    if plan.isRead { response.timedOut = false }
    lastResponse = response
    var effects: [AnswerOutcome.Effect] = []
    if response.timedOut {
      // The attempt may still land at any moment: hold the person's writes for the settling
      // time, then assert the newest values once more (see ResponsePolicy).
      effects.append(.settle(until: now + context.policy.settleTime))
    }
    if response.status == 429 { effects.append(.countRateLimited) }
    let recordInUse = plan.recordIdInUse
    if plan.findAgain(after: response) {
      // Another writer created the person, or the record went away (a learned id too): find
      // it again at once.
      if response.status == 404, let recordInUse { effects.append(.forgetRecordId(recordInUse)) }
      notBefore = now
      isRetry = true
      return AnswerOutcome(effects, .requeue(releasingHold: false))
    }
    let decision = context.policy.decide(
      response, attempts: attempts, countedAttempts: countedAttempts,
      firstSent: firstSent ?? now, now: now, serverNow: context.serverNow, random: random)
    switch decision {
    case .success:
      if plan.isRead { effects.append(.countRead) }
      switch plan.advance(after: response, for: current, planner: context.planner) {
      case .done(let action, let recordId) where linkedIndex != nil:
        effects.append(.recordLinked(current, recordId: recordId))
        linkedOutcomes.append(LinkedWriteOutcome(current, action: action, recordId: recordId))
        return nextLinked(effects, now: now, context: context)
      case .missing:
        var missing = response
        missing.status = 404
        missing.body = Data(
          (#"{"type":"attio_pipe_error","code":"record_not_found","message":"no "#
            + "\(current.object.rawValue) record has \(current.emailSlug) "
            + "\(current.matchValue.debugDescription.dropFirst().dropLast()): its own write "
            + #"failed or was never made; nothing was added"}"#).utf8)
        effects.append(.resolve(failure(attempts: attempts, response: missing)))
        return AnswerOutcome(effects, .done)
      case .done(let action, let recordId):
        effects.append(
          .recordWritten(recordId: recordId, wroteRecordOfPrevious: plan.emailAdded != nil))
        if let duplicate = plan.duplicateRecordId, let previous = request.previousEmail {
          effects.append(.learnRecordId(duplicate, email: previous))
        }
        if request.object == .companies, let recordId {
          effects.append(.learnCompanyRecordId(recordId, domain: request.email))
        }
        let resolution = AnswerOutcome.Resolution(
          action == .unchanged ? .unchanged : .upserted, attempts: attempts,
          response: response, recordId: recordId, action: action,
          emailAdded: plan.emailAdded, duplicateRecordId: plan.duplicateRecordId)
        guard !request.linked.isEmpty else {
          effects.append(.resolve(resolution))
          return AnswerOutcome(effects, .done)
        }
        ownResolution = resolution
        return nextLinked(effects, now: now, context: context)
      case nil:
        var unreadable = response
        unreadable.status = 502
        unreadable.body = Data(
          (#"{"type":"attio_pipe_error","code":"unreadable_record","#
            + #""message":"the records query answer could not be read; nothing was written"}"#)
            .utf8)
        effects.append(.resolve(failure(attempts: attempts, response: unreadable)))
        return AnswerOutcome(effects, .done)
      case .next:
        // The plan's next step goes at once, still ahead of every newer write for the person.
        notBefore = now
        isRetry = false
        return AnswerOutcome(effects, .requeue(releasingHold: false))
      }
    case .retry(let time, let counted, let pauseAll, _):
      if counted { countedAttempts += 1 }
      isRetry = true
      // A 429: Attio did not process the request; everyone waits.
      if pauseAll { effects.append(.pause(until: time, reads: plan.isRead)) }
      notBefore = time
      plan.restart()
      return AnswerOutcome(effects, .requeue(releasingHold: false))
    case .fail:
      if response.status == 400, response.error?.code == "value_not_found", !repaired,
        context.mayRepair, linkedIndex == nil
      {
        repaired = true
        return AnswerOutcome(effects, .repair)
      }
      effects.append(.resolve(failure(attempts: attempts, response: response)))
      return AnswerOutcome(effects, .done)
    case .stopAll:
      effects.append(.resolve(failure(attempts: attempts, response: response)))
      effects.append(.refuse(response))
      return AnswerOutcome(effects, .done)
    case .abandoned:
      effects.append(
        .resolve(AnswerOutcome.Resolution(.inDoubt, attempts: attempts, response: nil)))
      return AnswerOutcome(effects, .done)
    }
  }

  /// The jobs' result when the current write failed: after the job's own write, a linked
  /// write's failure names its object and keeps what was written before it.
  private func failure(attempts: Int, response: AttioResponse?) -> AnswerOutcome.Resolution {
    var resolution = AnswerOutcome.Resolution(.failed, attempts: attempts, response: response)
    if linkedIndex != nil, let own = ownResolution {
      resolution.recordId = own.recordId
      resolution.action = own.action
      resolution.linked = linkedOutcomes
      resolution.failedObject =
        current.operation == .entry ? "list_entries" : current.object.rawValue
    }
    return resolution
  }

  /// The job's own write is done, or a linked one: the next linked write that changes
  /// something goes at once in the same lane (its record may be the one just written); the
  /// jobs are resolved when none is left.
  private mutating func nextLinked(
    _ effects: [AnswerOutcome.Effect], now: Double, context: AnswerContext
  ) -> AnswerOutcome {
    var effects = effects
    if let ready = startNextLinked(changesNothing: context.changesNothing) {
      effects.append(.resolve(ready))
      return AnswerOutcome(effects, .done)
    }
    notBefore = now
    isRetry = false
    return AnswerOutcome(effects, .requeue(releasingHold: false))
  }

  /// Moves the plan to the next linked write that changes something; the jobs' resolution
  /// when there is none.
  private mutating func startNextLinked(changesNothing: (UpsertRequest) -> Bool)
    -> AnswerOutcome.Resolution?
  {
    var next = (linkedIndex ?? -1) + 1
    while next < request.linked.count {
      let write = request.linked[next]
      // Delivery's memory learns what a linked write wrote only after this runs: a write to
      // the same record earlier in this batch (a list entry's Trial, Customer, Trial) may have
      // changed it since, so it is not skipped.
      let followsItsRecord = request.linked[..<next].contains { $0.memoryKey == write.memoryKey }
      guard !followsItsRecord, changesNothing(write) else {
        linkedIndex = next
        plan = WritePlan(for: write, mode: plan.mode, entryRules: plan.entryRules)
        return nil
      }
      linkedOutcomes.append(LinkedWriteOutcome(write, action: .unchanged, recordId: nil))
      next += 1
    }
    var resolution =
      ownResolution
      ?? AnswerOutcome.Resolution(.unchanged, attempts: attempts, response: nil)
    resolution.linked = linkedOutcomes
    if resolution.status == .unchanged,
      linkedOutcomes.contains(where: { $0.action != .unchanged })
    {
      resolution.status = .upserted
    }
    return resolution
  }

  /// The job's own write changes nothing (delivery's memory says so): its linked writes may
  /// still, and go next. The jobs' resolution when nothing at all is left to write.
  mutating func skipOwnWrite(recordId: String?, changesNothing: (UpsertRequest) -> Bool)
    -> AnswerOutcome.Resolution?
  {
    ownResolution = AnswerOutcome.Resolution(
      .unchanged, attempts: attempts, response: nil, recordId: recordId, action: .unchanged)
    return startNextLinked(changesNothing: changesNothing)
  }

  /// After `complete` asked for a repair: `repaired` is the request with the options read
  /// again and the missing ones left out (sent once more, as a new plan), or nil when nothing
  /// was left out (the write fails with Attio's refusal).
  mutating func repair(to repaired: UpsertRequest?, now: Double) -> AnswerOutcome {
    guard let repaired else {
      return AnswerOutcome(
        [.resolve(AnswerOutcome.Resolution(.failed, attempts: attempts, response: lastResponse))],
        .done)
    }
    request = repaired
    notBefore = now
    isRetry = true
    plan.restart()
    return AnswerOutcome([], .requeue(releasingHold: true))
  }
}
