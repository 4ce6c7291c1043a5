import AttioPipeCore

/// One eligible event (or one body, for `send`) waiting for its result.
package struct DeliveryJob: Sendable {
  package var location: InputLocation
  package var messageId: String?
  /// The event's own request: what its result carries for replay, even when it was merged
  /// into a larger one.
  package var request: UpsertRequest
  /// The ledger's number for the job, set when the scheduler accepts it.
  var ledgerNumber = -1
  /// The event's line in the spool (`--spool`): its final result is recorded there.
  package var spoolSequence: UInt64?
  /// An event seen before (by `messageId`): nothing is sent, its result is `duplicate`.
  package var isDuplicate = false

  package init(location: InputLocation, messageId: String?, request: UpsertRequest) {
    self.location = location
    self.messageId = messageId
    self.request = request
  }
}

/// How one job ended. The raw values are the `status` of result lines.
package enum DeliveryStatus: String, Sendable {
  case upserted
  /// No write needed: this run had already upserted exactly these values for the person, or
  /// (merge mode) the record Attio holds already has every value.
  case unchanged
  /// An event seen before (its `messageId`; a rerun of the same input with the same
  /// `--state`, or a source that sent it twice): nothing was sent, whatever became of it the
  /// first time.
  case duplicate
  case failed
  /// Never sent: a 401/403 stopped sending, a signal's `--grace` or the `--drain-timeout`
  /// ran out before it could go, or the reader of the results went away.
  case notSent = "not_sent"
  /// Sent, but the answer was not seen: its request was still in flight when a deadline
  /// (`--grace`, a second signal, `--drain-timeout`, a 401/403) abandoned it. Attio may have
  /// applied it.
  case inDoubt = "in_doubt"
  /// `--spool`: not sent or not confirmed in this run (a stop, a refused key, a deadline); the
  /// spool keeps it and the next run with the same spool sends it.
  case deferred

  /// Whether the event is done with: delivered, or failed for good.
  package var isFinal: Bool {
    switch self {
    case .upserted, .unchanged, .duplicate, .failed: true
    case .notSent, .inDoubt, .deferred: false
    }
  }
}

/// The result line of one job.
package struct DeliveryResult: Sendable {
  package var job: DeliveryJob
  package var status: DeliveryStatus
  package var httpStatus: Int?
  package var recordId: String?
  /// How the write changed Attio; nil when no write plan ended (not sent, failed, a
  /// duplicate, a write skipped as unchanged).
  package var action: WritePlan.Action?
  /// Merge mode added this (changed) email to the record of the profile's previous one.
  package var emailAdded: String?
  /// The previous email's record, another person than `recordId` (not merged: a warning).
  package var duplicateRecordId: String?
  package var attempts: Int
  package var error: AttioError?
  /// The linked writes done for the job (a user, a workspace, a membership), in order.
  package var linked: [LinkedWriteOutcome] = []
  /// When a linked write failed: its object (the result's `failed_object`).
  package var failedObject: String?
}
