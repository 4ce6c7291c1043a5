import AttioPipeCore

/// `--omprog` without `--spool`: when a batch rsyslog handed over is done, so that its COMMIT
/// is answered `OK` only then. A line is done once the pipeline has processed it and, if it
/// made an upsert, once that has its result; a result that is not final (`not_sent`,
/// `in_doubt`: a stop; `failed` by a refused key, which a corrected key would deliver) makes
/// the answer an error, so rsyslog sends the batch again later (with `--spool` the spool owns a
/// line as soon as it is durable, and this is not used).
///
/// rsyslog hands such a batch over again, to this process or (after a stop or a crash) to
/// the next one, which must then deliver those events rather than take them for `duplicate`:
/// `unconfirmedMessages` names them, and a `--state` save leaves them out of the messageIds
/// seen.
///
/// With `--state`, a batch is also not confirmed before the identities it changed are saved:
/// once rsyslog forgets a batch, what its identify calls taught lives only in this process
/// until the next save, and a `kill -9` in between would leave the visitor's next event (a
/// `Signed Up` in the following batch) without the email it needs. While a confirmation
/// waits for that, it asks for a save (`isSaveRequested`), which the pipeline makes at once
/// when it is idle (it is: rsyslog sends nothing while the COMMIT waits), or skips when
/// nothing changed since the last one.
final class OmprogAcknowledger: @unchecked Sendable {
  private let lock = ConditionLock()
  /// `--state`: confirmations wait for a save that includes the batch.
  private let waitsForSave: Bool
  /// Every line through this number is in a saved state.
  private var savedThrough = 0
  private var saveRequested = false
  /// Input lines processed so far (every line through this number).
  private var processedThrough = 0
  /// Lines whose upsert has no result yet.
  private var outstanding: [Int: Int] = [:]
  /// Lines whose upsert ended without a final result, not yet reported in an answer.
  private var unconfirmed: [Int] = []
  /// The messageId hashes (`SeenMessages.hash`) of lines whose upsert has no result yet, and
  /// of those whose upsert ended without a final result.
  private var pendingMessages: [Int: UInt64] = [:]
  private var undeliveredMessages: Set<UInt64> = []
  private var isFinished = false

  init(waitsForSave: Bool = false) {
    self.waitsForSave = waitsForSave
  }

  /// The last input line processed (read by the pipeline's thread, which sets it).
  var lineProcessed: Int { lock.withLock { processedThrough } }

  /// A confirmation waits for a save.
  var isSaveRequested: Bool { lock.withLock { saveRequested } }

  /// The identities through input line `line` are saved.
  func identitySaved(through line: Int) {
    lock.withLock {
      savedThrough = max(savedThrough, line)
      if savedThrough >= processedThrough { saveRequested = false }
      lock.broadcast()
    }
  }

  /// The pipeline processed input line `line`; `submitted`: it made an upsert, for the event
  /// whose messageId has the hash `message` (nil without one).
  func processed(line: Int, submitted: Bool, message: UInt64? = nil) {
    lock.withLock {
      processedThrough = max(processedThrough, line)
      if submitted {
        outstanding[line, default: 0] += 1
        if let message { pendingMessages[line] = message }
      }
      lock.broadcast()
    }
  }

  /// The upsert of input line `line` has its result.
  func resolved(line: Int, final: Bool) {
    lock.withLock {
      if let count = outstanding[line] {
        outstanding[line] = count > 1 ? count - 1 : nil
      }
      if !final {
        unconfirmed.append(line)
        if let message = pendingMessages[line] { undeliveredMessages.insert(message) }
      }
      if outstanding[line] == nil { pendingMessages[line] = nil }
      lock.broadcast()
    }
  }

  /// The messageId hashes of the events rsyslog may hand over again that are not done: their
  /// upsert has no result yet, or ended without a final one.
  var unconfirmedMessages: Set<UInt64> {
    lock.withLock { undeliveredMessages.union(pendingMessages.values) }
  }

  /// The pipeline has stopped: nothing more will be processed.
  func finish() {
    lock.withLock {
      isFinished = true
      lock.broadcast()
    }
  }

  /// Waits until every line through `line` is done; nil when all ended well, else the answer's
  /// error text.
  func confirm(through line: Int, keepAlive: () -> Void, interval: Double = 1) -> String? {
    lock.withLock {
      var lastSign = monotonicSeconds()
      while !(processedThrough >= line && !outstanding.keys.contains(where: { $0 <= line })
        && (!waitsForSave || savedThrough >= line))
      {
        if isFinished {
          return "attio-pipe stopped before the batch was delivered; send it again"
        }
        if waitsForSave && processedThrough >= line && savedThrough < line {
          saveRequested = true
        }
        lock.wait(seconds: interval)
        // Woken by every processed line and result: a dot only once per interval.
        if monotonicSeconds() - lastSign >= interval {
          keepAlive()
          lastSign = monotonicSeconds()
        }
      }
      let failed = unconfirmed.filter { $0 <= line }.count
      unconfirmed.removeAll { $0 <= line }
      guard failed == 0 else {
        return "attio-pipe could not deliver \(failed) events of the batch (not sent or not "
          + "confirmed by Attio); send it again"
      }
      return nil
    }
  }
}
