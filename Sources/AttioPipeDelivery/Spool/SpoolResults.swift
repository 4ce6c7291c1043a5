import AttioPipeCore
import Dispatch

/// The results of a run with `--spool`: each final result is written, and then at once its
/// `done` record, which lets the spool forget the event. A process that dies between the two
/// `write(2)` calls reports that event again in the next run (it is sent again safely); no
/// order loses nothing, and this one can never leave an event without any result.
///
/// Results arrive one by one on the scheduler's queue; they are committed in groups on a queue
/// of their own (one `fdatasync` for all that arrived while the previous commit ran), so the
/// scheduler never waits for the disk.
package final class SpoolResults: @unchecked Sendable {
  private let spool: Spool
  private let write: ([DeliveryResult]) -> Bool
  private let failed: @Sendable (String) -> Void
  private let committer = DispatchQueue(label: "attio-pipe.spool-results")
  private struct Pending {
    var results: [DeliveryResult] = []
    var isScheduled = false
    var outputClosed = false
    var reportedFailure = false
  }
  private let pending = LockedValue(Pending())

  /// `write` writes results (with one `write(2)`, so that a crash after the commit cuts as
  /// little as can be) and says whether their reader is still there; `failed` reports a spool
  /// that cannot be written (once).
  package init(
    spool: Spool, write: @escaping ([DeliveryResult]) -> Bool,
    failed: @escaping @Sendable (String) -> Void
  ) {
    self.spool = spool
    self.write = write
    self.failed = failed
  }

  /// Takes one result (on the scheduler's queue); false once the reader of the results is gone.
  package func submit(_ result: DeliveryResult) -> Bool {
    let schedule = pending.withLock { state in
      state.results.append(result)
      defer { state.isScheduled = true }
      return !state.isScheduled
    }
    if schedule { committer.async { self.commitAndWrite() } }
    return !pending.withLock { $0.outputClosed }
  }

  private func commitAndWrite() {
    let results = pending.withLock { state in
      defer {
        state.results.removeAll(keepingCapacity: true)
        state.isScheduled = false
      }
      return state.results
    }
    // The results first, then at once (one more write(2)) their `done` records: a process
    // that dies between the two reports an event once more in the next run, never not at all.
    // The other order would lose the result of an event whose `done` the kernel already had
    // while `fdatasync` ran.
    // Both writes happen under the spool's lock, next to each other (a slow reader of the
    // results then holds up the spool's other writers, which is back-pressure anyway).
    let done = results.compactMap { $0.status.isFinal ? $0.job.spoolSequence : nil }
    spool.recordDone(done) {
      if !pending.withLock({ $0.outputClosed }) && !write(results) {
        pending.withLock { $0.outputClosed = true }
      }
    }
    do {
      try spool.commit()
    } catch {
      let report = pending.withLock { state in
        defer { state.reportedFailure = true }
        return !state.reportedFailure
      }
      if report { failed(error.message) }
    }
  }

  /// Waits until every result taken so far is written.
  package func flush() {
    committer.sync {}
    // A commit scheduled by the last submit runs before this returns.
    committer.sync {}
  }

  package var hasFailed: Bool { pending.withLock { $0.reportedFailure } }
}
