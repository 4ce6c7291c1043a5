import AttioPipeCore
import Dispatch
import Synchronization

/// Every job gets exactly one result: the ledger hands out a number per job, takes each
/// number back exactly once with its status (a second result for one job is a bug and
/// traps), and counts the statuses (per job) and the actions (per write plan) for the summary.
///
/// It is also the back-pressure: the input side is held in `admit` while `capacity` jobs are
/// without a result, and `waitUntilAllResolved` returns once the input has ended and no job
/// is left. Both are semaphore waits, woken by results: nothing polls.
package final class ResultLedger: @unchecked Sendable {
  /// Counters for the summary.
  package struct Statistics: Sendable, Equatable {
    package var jobs = 0
    package var upserted = 0
    package var unchanged = 0
    /// Events seen before (by messageId): nothing sent.
    package var duplicate = 0
    package var failed = 0
    package var notSent = 0
    package var inDoubt = 0
    /// `--spool`: left in the spool for the next run (not sent, or not confirmed).
    package var deferred = 0
    package var requests = 0
    package var retries = 0
    package var rateLimited = 0
    /// Write plans ended, by action: one per plan, however many events were merged into it
    /// (each of those events is counted in `upserted`).
    package var created = 0
    package var updated = 0
    package var asserted = 0
    /// Finds that Attio answered (merge mode's reads).
    package var reads = 0
    /// Writes that changed a record (created, updated, asserted), per object: the jobs' own
    /// and their linked writes (`attio_pipe_writes_total{object}`).
    package var writes: [AttioObject: Int] = [:]
    /// List entries asserted or moved forward (`--list-entry`).
    package var listEntries = 0
  }

  /// Only touched on the scheduler's queue.
  private(set) var statistics = Statistics()
  private var open: Set<Int> = []
  private var nextNumber = 0
  private let write: (DeliveryResult) -> Bool
  /// The reader of the results went away.
  private(set) var outputClosed = false

  private let room: DispatchSemaphore
  private let outstanding = Atomic<Int>(0)
  private let inputEnded = Atomic<Bool>(false)
  private let allResolved = DispatchSemaphore(value: 0)

  /// `write` writes one result and says whether its reader is still there.
  init(capacity: Int, write: @escaping (DeliveryResult) -> Bool) {
    self.write = write
    // Raised from zero: libdispatch traps when a semaphore is freed below its initial value.
    room = DispatchSemaphore(value: 0)
    for _ in 0..<capacity { room.signal() }
  }

  // MARK: - Input side (any thread)

  /// Waits for room for one more job (back-pressure).
  func admit() {
    room.wait()
    outstanding.add(1, ordering: .relaxed)
  }

  /// Jobs without a result, for the progress line.
  var unresolved: Int { outstanding.load(ordering: .relaxed) }

  /// Waits until the input has ended (`endInput`) and every job has its result.
  func waitUntilAllResolved() {
    allResolved.wait()
  }

  // MARK: - On the scheduler's queue

  /// Numbers a job that `admit` let in.
  func open(_ job: inout DeliveryJob) {
    job.ledgerNumber = nextNumber
    open.insert(nextNumber)
    nextNumber += 1
    statistics.jobs += 1
  }

  func endInput() {
    inputEnded.store(true, ordering: .relaxed)
    checkAllResolved()
  }

  func countRequest(retry: Bool) {
    statistics.requests += 1
    if retry { statistics.retries += 1 }
  }

  func countRateLimited() { statistics.rateLimited += 1 }

  func countRead() { statistics.reads += 1 }

  /// Writes the one result of each of `jobs`, which are one write plan's (or one job) when
  /// `action` is given. False once the reader of the results is gone.
  @discardableResult
  func resolve(
    _ jobs: [DeliveryJob], _ status: DeliveryStatus, attempts: Int, response: AttioResponse?,
    recordId: String? = nil, action: WritePlan.Action? = nil, emailAdded: String? = nil,
    duplicateRecordId: String? = nil, linked: [LinkedWriteOutcome] = [],
    failedObject: String? = nil
  ) -> Bool {
    let error = status == .failed ? response?.error : nil
    // The plan is counted once, however many events rode along in it.
    if !jobs.isEmpty {
      switch action {
      case .created: statistics.created += 1
      case .updated: statistics.updated += 1
      case .asserted: statistics.asserted += 1
      case .unchanged, nil: break
      }
      if let request = jobs.first?.request, let action, action != .unchanged {
        if request.operation == .entry {
          statistics.listEntries += 1
        } else {
          statistics.writes[request.object, default: 0] += 1
        }
      }
      for write in linked where write.action != .unchanged {
        if write.list != nil {
          statistics.listEntries += 1
        } else {
          statistics.writes[write.object, default: 0] += 1
        }
      }
    }
    for job in jobs {
      precondition(open.remove(job.ledgerNumber) != nil, "a second result for one job")
      // A spooled event that did not reach a final result stays in the spool: the next run
      // sends it, so here it is deferred rather than lost.
      let status = job.spoolSequence != nil && !status.isFinal ? .deferred : status
      switch status {
      case .upserted: statistics.upserted += 1
      case .unchanged: statistics.unchanged += 1
      case .duplicate: statistics.duplicate += 1
      case .failed: statistics.failed += 1
      case .notSent: statistics.notSent += 1
      case .inDoubt: statistics.inDoubt += 1
      case .deferred: statistics.deferred += 1
      }
      let result = DeliveryResult(
        job: job, status: status,
        httpStatus: status.isFinal ? response?.status : nil,
        recordId: recordId, action: action, emailAdded: emailAdded,
        duplicateRecordId: duplicateRecordId, attempts: attempts,
        error: error, linked: linked, failedObject: failedObject)
      if !outputClosed && !write(result) { outputClosed = true }
      outstanding.subtract(1, ordering: .relaxed)
      room.signal()
    }
    checkAllResolved()
    return !outputClosed
  }

  private func checkAllResolved() {
    if inputEnded.load(ordering: .relaxed) && outstanding.load(ordering: .relaxed) == 0 {
      allResolved.signal()
    }
  }
}
