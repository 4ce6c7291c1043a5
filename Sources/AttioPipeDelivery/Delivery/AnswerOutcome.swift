import AttioPipeCore

/// What the answer to a batch's request leads to, as `DeliveryBatch.complete` decides it: the
/// changes to the rest of the run, in the order the scheduler makes them, and where the batch
/// goes next. A value, so that every rule of what an answer means is unit-tested without
/// queues, threads, timers or a network; the scheduler only carries it out.
struct AnswerOutcome: Sendable, Equatable {
  enum Effect: Sendable, Equatable {
    /// A write timed out and may still land: nothing is sent for the person before `until`,
    /// and what was upserted for them is forgotten (so the newest values are asserted again).
    case settle(until: Double)
    /// A 429, for the summary.
    case countRateLimited
    /// A find Attio answered (merge mode's read), for the summary.
    case countRead
    /// A record id answered 404 (deleted, or merged away): neither of the batch's addresses
    /// keeps it.
    case forgetRecordId(String)
    /// The batch is written: its values are what Attio holds for the person, `recordId` is
    /// their record, and `wroteRecordOfPrevious` says the write added the email to the
    /// previous email's record.
    case recordWritten(recordId: String?, wroteRecordOfPrevious: Bool)
    /// The previous email's record, another person's (not merged): remembered for that email.
    case learnRecordId(String, email: String)
    /// A linked write (a user, a workspace, a membership) is done: delivery's memory keeps
    /// what it wrote, and its record id, under the record's key.
    case recordLinked(UpsertRequest, recordId: String?)
    /// A company's record, which people referencing its domain link to.
    case learnCompanyRecordId(String, domain: String)
    /// A 429: no request of that kind (reads, or writes) is sent before `until`.
    case pause(until: Double, reads: Bool)
    /// Every job of the batch gets its result.
    case resolve(Resolution)
    /// A 401/403: the key cannot work, nothing more is sent (this answer is reported).
    case refuse(AttioResponse)
  }

  /// One result for every job of the batch: what `ResultLedger.resolve` writes.
  struct Resolution: Sendable, Equatable {
    var status: DeliveryStatus
    var attempts: Int
    var response: AttioResponse?
    var recordId: String?
    var action: WritePlan.Action?
    var emailAdded: String?
    var duplicateRecordId: String?
    /// The linked writes done (`UpsertRequest.linked`), in order.
    var linked: [LinkedWriteOutcome] = []
    /// The object whose write failed, when it was a linked write (the job's own succeeded).
    var failedObject: String?

    init(
      _ status: DeliveryStatus, attempts: Int, response: AttioResponse?, recordId: String? = nil,
      action: WritePlan.Action? = nil, emailAdded: String? = nil, duplicateRecordId: String? = nil
    ) {
      self.status = status
      self.attempts = attempts
      self.response = response
      self.recordId = recordId
      self.action = action
      self.emailAdded = emailAdded
      self.duplicateRecordId = duplicateRecordId
    }
  }

  enum Next: Sendable, Equatable {
    /// Back to the front of its lane, to go again at its `notBefore`: a retry, the plan's
    /// next step, a find again. With `releasingHold`, the lane its plan held may go meanwhile
    /// (the batch holds it again when it is sent: a repaired request starts a new plan).
    case requeue(releasingHold: Bool)
    /// Resolved: nothing more is sent for it, and the lane its plan held may go.
    case done
    /// Attio refused an option the workspace no longer has (a 400 `value_not_found`): the
    /// scheduler asks for the request repaired (`--map`) and `DeliveryBatch.repair` says
    /// what follows.
    case repair
  }

  var effects: [Effect]
  var next: Next

  init(_ effects: [Effect] = [], _ next: Next) {
    self.effects = effects
    self.next = next
  }
}
