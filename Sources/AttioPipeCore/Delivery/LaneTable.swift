/// The people with work to send, one lane per normalised email.
///
/// A lane holds its batches in order and at most one in flight. A new job merges into the
/// last waiting batch while that batch is unsent (queued, held by the rate, or waiting to
/// retry), so newer values ride along and one request carries them. Because a lane never has
/// two requests in flight and a retry goes back to its front, a newer write never lands before
/// an older one.
///
/// Lanes whose front batch may go wait FIFO in `ready`; lanes whose front batch waits for a
/// time (a retry's backoff, a settling time) sit in `delayed` until `promoteDue` moves them.
struct LaneTable {
  struct Lane {
    var waiting: [DeliveryBatch] = []
    var inFlight: DeliveryBatch?
    /// Attribute values this run (and the runs whose state it loaded) upserted.
    var known: [String: [UInt8]] = [:]
    var isQueued = false
    /// After a timed-out attempt (which may still land): nothing for this person is sent
    /// before this.
    var settleUntil = 0.0
    /// The next write is sent even when `known` says it changes nothing, so that it lands
    /// after the timed-out one and carries the newest values.
    var mustReassert = false
  }

  private var lanes: [String: Lane]
  private var ready: [String] = []
  private var readyHead = 0
  private var delayed: [(time: Double, email: String)] = []
  /// How new batches write (`--write-mode`).
  private let mode: WritePlan.Mode

  init(known: UpsertedValues = [:], mode: WritePlan.Mode = .assert) {
    lanes = known.mapValues { Lane(known: $0) }
    self.mode = mode
  }

  /// Queues `job` in its person's lane, merged into the last waiting batch when it can be.
  mutating func add(_ job: DeliveryJob) -> String {
    let email = job.request.email
    var lane = lanes[email] ?? Lane()
    if lane.waiting.last?.merge(job) != true {
      lane.waiting.append(DeliveryBatch(job, mode: mode))
    }
    lanes[email] = lane
    return email
  }

  /// Queues the lane for sending when it has nothing in flight and a batch waiting.
  mutating func makeReadyIfIdle(_ email: String, now: Double) {
    guard var lane = lanes[email], lane.inFlight == nil, !lane.isQueued,
      let front = lane.waiting.first
    else { return }
    lane.isQueued = true
    lanes[email] = lane
    let notBefore = max(front.notBefore, lane.settleUntil)
    if notBefore > now {
      delayed.append((notBefore, email))
    } else {
      ready.append(email)
    }
  }

  mutating func promoteDue(_ now: Double) {
    guard !delayed.isEmpty else { return }
    var stillDelayed: [(time: Double, email: String)] = []
    for entry in delayed {
      if entry.time <= now { ready.append(entry.email) } else { stillDelayed.append(entry) }
    }
    delayed = stillDelayed
  }

  var earliestDelayed: Double? { delayed.map(\.time).min() }
  var delayedCount: Int { delayed.count }
  var hasReady: Bool { readyHead < ready.count }

  /// The lane whose front batch goes next, left in place: whether it reads or writes decides
  /// which pace applies.
  var nextReady: String? { readyHead < ready.count ? ready[readyHead] : nil }

  /// Whether the next ready lane's front batch is a read (merge mode's find).
  var nextReadyIsRead: Bool {
    guard let email = nextReady else { return false }
    return lanes[email]?.waiting.first?.plan.isRead ?? false
  }

  /// The next lane whose front batch may go.
  mutating func popReady() -> String? {
    guard readyHead < ready.count else { return nil }
    let email = ready[readyHead]
    readyHead += 1
    if readyHead > 1024 && readyHead * 2 > ready.count {
      ready.removeFirst(readyHead)
      readyHead = 0
    }
    return email
  }

  /// Takes the lane's front batch to send (it becomes the lane's in-flight batch). A batch
  /// that would change nothing this run has upserted is handed to `unchanged` instead (with
  /// `dedupe`), and the next one is taken.
  mutating func takeFront(
    of email: String, dedupe: Bool, unchanged: (DeliveryBatch) -> Void
  ) -> DeliveryBatch? {
    guard var lane = lanes[email] else { return nil }
    lane.isQueued = false
    while !lane.waiting.isEmpty {
      let batch = lane.waiting.removeFirst()
      if dedupe && !lane.mustReassert && batch.plan.isAtStart
        && batch.request.changesNothing(in: lane.known)
      {
        lanes[email] = lane
        unchanged(batch)
        continue
      }
      lane.inFlight = batch
      lanes[email] = lane
      return batch
    }
    lanes[email] = lane
    return nil
  }

  /// The lane's in-flight request ended (answered, or given up).
  mutating func release(_ email: String) {
    lanes[email]?.inFlight = nil
  }

  /// A written batch: its values are what Attio now holds for the person.
  mutating func recordWritten(_ batch: DeliveryBatch, email: String, at now: Double) {
    batch.request.record(in: &lanes[email, default: Lane()].known)
    if now >= lanes[email]?.settleUntil ?? 0 { lanes[email]?.mustReassert = false }
  }

  /// A timed-out attempt may still land: hold the lane until `time`, then re-assert.
  mutating func settle(_ email: String, until time: Double) {
    lanes[email, default: Lane()].settleUntil = max(lanes[email]?.settleUntil ?? 0, time)
    lanes[email]?.mustReassert = true
  }

  /// Puts `batch` back at the front of its lane; newer batches waiting behind it ride along.
  mutating func requeue(_ batch: DeliveryBatch, email: String) {
    var lane = lanes[email] ?? Lane()
    lane.waiting.insert(batch, at: 0)
    while lane.waiting.count > 1, lane.waiting[0].plan.isAtStart,
      lane.waiting[0].request.merge(lane.waiting[1].request)
    {
      lane.waiting[0].jobs.append(contentsOf: lane.waiting[1].jobs)
      lane.waiting.remove(at: 1)
    }
    lanes[email] = lane
  }

  /// Empties every lane's queue (nothing more will be sent) and returns what was waiting.
  mutating func removeAllWaiting() -> [DeliveryBatch] {
    var removed: [DeliveryBatch] = []
    for (email, lane) in lanes where !lane.waiting.isEmpty || lane.isQueued {
      removed += lane.waiting
      lanes[email]?.waiting = []
      lanes[email]?.isQueued = false
    }
    ready.removeAll()
    readyHead = 0
    delayed.removeAll()
    return removed
  }

  var inFlightBatches: [DeliveryBatch] { lanes.values.compactMap(\.inFlight) }

  /// What has been upserted per email, for `--state`.
  var known: UpsertedValues {
    lanes.compactMapValues { $0.known.isEmpty ? nil : $0.known }
  }
}
