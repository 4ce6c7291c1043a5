/// One person's write and the jobs merged into it: what a lane queues and sends. Only ever
/// touched on the scheduler's queue.
final class DeliveryBatch: @unchecked Sendable {
  /// The merged values to write.
  var request: UpsertRequest
  var jobs: [DeliveryJob]
  var plan: WritePlan
  /// Requests sent for this batch, 429s and every step of its plan included.
  var attempts = 0
  /// The next request repeats one already sent (a retry, or merge mode's find again), rather
  /// than being the plan's next step: counted as a retry in the summary.
  var isRetry = false
  /// Attempts that count against `--max-attempts` (429s do not: Attio did not process them).
  var countedAttempts = 0
  var firstSent: Double?
  /// Not sent again before this (a retry's backoff).
  var notBefore = 0.0
  var lastResponse: AttioResponse?
  var task: TransportTask?
  var ticket: RateLimiter.Ticket?
  /// The ticket is the read pacer's (merge mode's find), not the write pacer's.
  var ticketIsRead = false
  /// Resolved while its request was in flight (a shutdown): its answer, if it comes, is
  /// ignored.
  var abandoned = false
  /// Its request was repaired once after a `value_not_found` (`--map` options).
  var repaired = false

  /// The previous email's lane this batch holds while its plan runs (an email change; see
  /// LaneTable).
  var heldPartner: String?

  /// The batch's place in the stream: its oldest job's ledger number.
  var order: Int { jobs.first?.ledgerNumber ?? 0 }

  init(_ job: DeliveryJob, mode: WritePlan.Mode = .assert) {
    // Companies are always asserted: their matching attribute (`domains`) is additive and
    // no find is needed to avoid deleting anything a company holds.
    plan = WritePlan(mode: job.request.object == .companies ? .assert : mode)
    request = job.request
    jobs = [job]
  }

  /// Folds a newer job into this unsent batch; false when it cannot ride along (another
  /// email list, or a plan already past its find).
  func merge(_ job: DeliveryJob) -> Bool {
    // Past its first step the plan's write was computed from the older values.
    guard plan.isAtStart, request.merge(job.request) else { return false }
    jobs.append(job)
    return true
  }
}
