/// The people with work to send, one lane per normalised email.
///
/// A lane holds its batches in order and at most one in flight. A new job merges into the
/// last waiting batch while that batch is unsent (queued, held by the rate, or waiting to
/// retry), so newer values ride along and one request carries them. Because a lane never has
/// two requests in flight and a retry goes back to its front, a newer write never lands before
/// an older one.
///
/// Lanes whose front batch may go wait FIFO in `ready`, one queue for reads (merge mode's
/// finds) and one for writes, so that neither kind waits behind the other's rate; lanes whose
/// front batch waits for a time (a retry's backoff, a settling time) sit in `delayed` until
/// `promoteDue` moves them.
///
/// An email change ties two lanes: a batch of `new@` carrying `previousEmail` `old@` may write
/// `old@`'s record (merge mode adds `new@` to it), so it is that person's write too. It starts
/// only when `old@`'s lane has nothing in flight and no older batch waiting (else a brand-new
/// `old@` whose create has not landed is not found and a second person is created); `old@`'s
/// batches wait for an older such batch of `new@` (else a newer value written for `old@`
/// is overwritten by the older one `new@` carries); and while its plan runs `old@`'s lane is
/// held (else `old@`'s write, computed from what the record held before, could interleave
/// with it). Batches are ordered by their oldest job, so two lanes never wait for each other.
/// Those ties are kept in `links` (EmailChangeLinks.swift); the rules that use them are here.
///
/// The table owns its batches (values): the scheduler takes the one in flight out when its
/// answer comes (`release`) and gives it back (`requeue`) when it goes on.
///
/// A lane exists only while it has work (or a settling time to honour); what is remembered
/// about a person between writes lives in `memory`, bounded.
struct LaneTable {
  struct Lane {
    /// Boxed: lanes are the values of a dictionary sized for the most people with work at
    /// once (up to the 10 000 results outstanding), and a `DeliveryBatch` in every bucket made
    /// that dictionary 11 MB.
    private final class InFlight: Sendable {
      let batch: DeliveryBatch
      init(_ batch: DeliveryBatch) { self.batch = batch }
    }

    var waiting: [DeliveryBatch] = []
    private var inFlightBox: InFlight?
    var inFlight: DeliveryBatch? {
      get { inFlightBox?.batch }
      set { inFlightBox = newValue.map(InFlight.init) }
    }
    var isQueued = false
    /// After a timed-out attempt (which may still land): nothing for this person is sent
    /// before this.
    var settleUntil = 0.0

    /// Folds `job` into the last waiting batch; false when there is none or it cannot.
    mutating func mergeIntoLast(_ job: DeliveryJob) -> Bool {
      guard !waiting.isEmpty else { return false }
      return waiting[waiting.count - 1].merge(job)
    }
  }

  private var lanes: [String: Lane] = [:]
  /// A FIFO of lane emails that drops what it has handed out in blocks.
  private struct Queue {
    private var items: [String] = []
    private var head = 0

    var count: Int { items.count - head }
    var first: String? { head < items.count ? items[head] : nil }
    /// What is queued, first first.
    var contents: ArraySlice<String> { items[head...] }

    mutating func append(_ email: String) { items.append(email) }

    mutating func popFirst() -> String? {
      guard head < items.count else { return nil }
      let email = items[head]
      head += 1
      if head > 1024 && head * 2 > items.count {
        items.removeFirst(head)
        head = 0
      }
      return email
    }

    mutating func removeAll() {
      items.removeAll()
      head = 0
    }
  }

  private var readyReads = Queue()
  private var readyWrites = Queue()
  private var delayed: [(time: Double, email: String)] = []
  /// The ties email changes make between lanes: which lanes name an email as their previous
  /// one, which wait for another's, which are held by another's plan.
  private(set) var links = EmailChangeLinks()
  /// What was upserted per person, and their record ids: bounded, kept in `--state`.
  private(set) var memory: PersonMemory
  /// How new batches write (`--write-mode`).
  private let mode: WritePlan.Mode
  /// `--list-entry`, `--forward-only`.
  private let entryRules: ListEntryRules

  init(
    memory: PersonMemory = PersonMemory(), mode: WritePlan.Mode = .assert,
    entryRules: ListEntryRules = ListEntryRules()
  ) {
    self.memory = memory
    self.mode = mode
    self.entryRules = entryRules
  }

  /// Queues `job` in its person's lane, merged into the last waiting batch when it can be.
  mutating func add(_ job: DeliveryJob) -> String {
    let email = job.request.email
    let mayMerge =
      lanes[email]?.waiting.last.map {
        !isTied(email, [job.request.previousEmail, $0.request.previousEmail], after: $0.order)
      } ?? false
    // In place: the lane's batches are not copied for each event.
    if !mayMerge || lanes[email]?.mergeIntoLast(job) != true {
      lanes[email, default: Lane()].waiting.append(
        DeliveryBatch(job, mode: mode, entryRules: entryRules))
    }
    if let previous = job.request.previousEmail { links.name(previous, by: email) }
    return email
  }

  /// Queues the lane for sending when it has nothing in flight and a batch waiting; a lane
  /// left with nothing to do is dropped. Lanes that waited for this one look again.
  mutating func makeReadyIfIdle(_ email: String, now: Double) {
    defer { wakeWaiters(of: email, now: now) }
    guard let lane = lanes[email], lane.inFlight == nil, !lane.isQueued, !links.isHeld(email)
    else { return }
    guard let front = lane.waiting.first else {
      if lane.settleUntil <= now { drop(email) }
      return
    }
    if let partner = mustWait(front, email: email) {
      links.wait(email, for: partner)
      return
    }
    lanes[email]?.isQueued = true
    let notBefore = max(front.notBefore, lane.settleUntil)
    if notBefore > now {
      delayed.append((notBefore, email))
    } else {
      enqueue(email, isRead: front.plan.isRead)
    }
  }

  /// The email whose lane `front` must wait for: its previous email's lane has a request in
  /// flight or an older batch waiting; or another lane's older batch names this email as its
  /// previous one.
  private func mustWait(_ front: DeliveryBatch, email: String) -> String? {
    if let partner = front.request.previousEmail, partner != email, let other = lanes[partner] {
      if other.inFlight != nil { return partner }
      if let theirs = other.waiting.first, theirs.order < front.order { return partner }
    }
    for naming in links.lanesNaming(email) where naming != email {
      guard let other = lanes[naming] else { continue }
      if let theirs = other.waiting.first, theirs.request.previousEmail == email,
        theirs.order < front.order
      {
        return naming
      }
    }
    return nil
  }

  /// Whether a batch of a lane tied to `email` by an email change (naming it, or named as
  /// `previous`) came after `order`: a newer job must then not merge into the batch of that
  /// order, or it would overtake the tied batch (a newer value written before an older one).
  private func isTied(_ email: String, _ previous: [String?], after order: Int) -> Bool {
    let tied = Array(links.lanesNaming(email)) + previous.compactMap { $0 }
    return tied.contains { other in
      guard other != email, let lane = lanes[other] else { return false }
      return lane.waiting.contains { $0.order > order } || (lane.inFlight?.order ?? -1) > order
    }
  }

  /// Forgets an idle lane, and that its batches named other emails.
  private mutating func drop(_ email: String) {
    guard lanes.removeValue(forKey: email) != nil else { return }
    links.forgetNames(of: email)
  }

  private mutating func wakeWaiters(of email: String, now: Double) {
    for waiter in links.removeWaiters(of: email) { makeReadyIfIdle(waiter, now: now) }
  }

  mutating func promoteDue(_ now: Double) {
    guard !delayed.isEmpty else { return }
    var stillDelayed: [(time: Double, email: String)] = []
    for entry in delayed {
      if entry.time <= now {
        enqueue(entry.email, isRead: lanes[entry.email]?.waiting.first?.plan.isRead ?? false)
      } else {
        stillDelayed.append(entry)
      }
    }
    delayed = stillDelayed
  }

  var earliestDelayed: Double? { delayed.map(\.time).min() }
  var delayedCount: Int { delayed.count }
  /// Lanes with work, for tests: idle ones are dropped.
  var laneCount: Int { lanes.count }

  private mutating func enqueue(_ email: String, isRead: Bool) {
    if isRead { readyReads.append(email) } else { readyWrites.append(email) }
  }

  /// Lanes whose front batch may go now, reads (merge mode's finds) or writes.
  func readyCount(reads: Bool) -> Int { reads ? readyReads.count : readyWrites.count }

  /// The next lane whose front batch, a read or a write, may go.
  mutating func popReady(reads: Bool) -> String? {
    reads ? readyReads.popFirst() : readyWrites.popFirst()
  }

  /// Takes the lane's front batch to send (it becomes the lane's in-flight batch), without the
  /// values older than what was written for the person. A batch that would change nothing this
  /// run has upserted is handed to `unchanged` instead (with `dedupe`), and the next one is
  /// taken. A batch whose previous email's lane got busy since
  /// it was queued goes back to waiting for it (nil).
  mutating func takeFront(
    of email: String, now: Double, dedupe: Bool, unchanged: (DeliveryBatch) -> Void
  ) -> DeliveryBatch? {
    // Lanes waiting for this one look again whatever happens (it may have just emptied).
    defer { wakeWaiters(of: email, now: now) }
    guard lanes[email] != nil else { return nil }
    lanes[email]?.isQueued = false
    // Held since it was queued: the hold's end queues it again.
    guard !links.isHeld(email) else { return nil }
    while var batch = lanes[email]?.waiting.first {
      if let partner = mustWait(batch, email: email) {
        links.wait(email, for: partner)
        return nil
      }
      lanes[email]?.waiting.removeFirst()
      // Values older than what was written for the person are not written (two devices).
      if batch.isAtStart { batch.dropOutdated(memory) }
      if dedupe && batch.isAtStart && writeChangesNothing(batch.request) {
        // The person needs nothing; their linked writes (a user, a membership) may.
        if batch.request.linked.isEmpty
          || batch.skipOwnWrite(
            recordId: memory.recordId(of: email),
            changesNothing: { writeChangesNothing($0) }) != nil
        {
          unchanged(batch)
          continue
        }
      }
      if !links.isHolding(batch: batch.order), let partner = batch.request.previousEmail {
        links.hold(partner, by: batch.order, of: email)
      }
      // A linked write reads and writes its own record (a user, a workspace), by its key.
      let isOwnWrite = batch.linkedIndex == nil
      batch.send(
        at: now, recordId: memory.recordId(of: batch.current.email),
        previousRecordId: isOwnWrite
          ? batch.request.previousEmail.flatMap { memory.recordId(of: $0) } : nil)
      lanes[email]?.inFlight = batch
      return batch
    }
    return nil
  }

  /// The lane's in-flight request ended (answered): its batch, taken out of the lane, to be
  /// handed back (`requeue`) if it goes on.
  mutating func release(_ email: String) -> DeliveryBatch? {
    guard let batch = lanes[email]?.inFlight else { return nil }
    lanes[email]?.inFlight = nil
    return batch
  }

  /// `batch` is done (resolved, not to be sent again): the previous email's lane it held for
  /// its whole plan, retries included, may go.
  mutating func releaseHold(of batch: DeliveryBatch, now: Double) {
    guard let partner = links.releaseHold(of: batch.order) else { return }
    makeReadyIfIdle(partner, now: now)
  }

  /// Whether a linked write (a user, a workspace, a membership) was written before with the
  /// same values.
  /// Whether `write` would change nothing, by what was written under its memory key (the
  /// record's for an assert; for an `add` or a list entry, what that write adds to it): the
  /// same check for a job's own write and its linked ones, and for a membership or an entry
  /// replayed on its own by `send`.
  mutating func writeChangesNothing(_ write: UpsertRequest) -> Bool {
    var keyed = write
    keyed.email = write.memoryKey
    return memory.changesNothing(keyed)
  }

  /// A linked write is done: what it wrote under its memory key, and its record id under
  /// the record's key.
  mutating func recordLinked(_ write: UpsertRequest, recordId: String?) {
    var keyed = write
    keyed.email = write.memoryKey
    memory.record(keyed)
    // An entry's id is not the person's record.
    if let recordId, write.operation != .entry {
      memory.learn(recordId: recordId, for: write.email)
    }
  }

  /// A written batch: its values are what Attio now holds for the person, and `recordId` is
  /// their record. When the write added the email to the previous email's record, what was
  /// upserted for that address no longer describes the record.
  mutating func recordWritten(
    _ batch: DeliveryBatch, email: String, recordId: String?, wroteRecordOfPrevious: Bool
  ) {
    // A membership or a list entry replayed by `send` on its own: remembered as a linked one.
    guard batch.request.operation == .assert else {
      return recordLinked(batch.request, recordId: recordId)
    }
    memory.record(batch.request)
    if let recordId { memory.learn(recordId: recordId, for: email) }
    if let previous = batch.request.previousEmail, previous != email, wroteRecordOfPrevious {
      memory.forgetValues(of: previous)
      if let recordId { memory.learn(recordId: recordId, for: previous) }
    }
  }

  /// The previous email's record, found to be another person's (not merged).
  mutating func learn(recordId: String, for email: String) {
    memory.learn(recordId: recordId, for: email)
  }

  /// `recordId` answered 404 (deleted, or merged away): neither address keeps it.
  mutating func forget(recordId: String, for batch: DeliveryBatch) {
    guard batch.linkedIndex == nil else {
      return memory.forget(recordId: recordId, for: [batch.current.email])
    }
    memory.forget(
      recordId: recordId,
      for: [batch.request.email] + (batch.request.previousEmail.map { [$0] } ?? []))
  }

  /// A timed-out attempt may still land: hold the lane until `time`, then write the newest
  /// values once more even if this run upserted exactly them (what was upserted is forgotten).
  mutating func settle(_ email: String, until time: Double) {
    lanes[email, default: Lane()].settleUntil = max(lanes[email]?.settleUntil ?? 0, time)
    memory.forgetValues(of: email)
  }

  /// Puts `batch` back at the front of its lane; newer batches waiting behind it ride along.
  mutating func requeue(_ batch: DeliveryBatch, email: String) {
    var lane = lanes[email] ?? Lane()
    lane.waiting.insert(batch, at: 0)
    while lane.waiting.count > 1, lane.waiting[0].plan.isAtStart,
      !isTied(
        email,
        [lane.waiting[0].request.previousEmail, lane.waiting[1].request.previousEmail],
        after: lane.waiting[0].order)
    {
      let later = lane.waiting[1]
      guard lane.waiting[0].absorb(later) else { break }
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
    readyReads.removeAll()
    readyWrites.removeAll()
    delayed.removeAll()
    links.removeAllWaiting()
    return removed
  }

  /// Takes every in-flight batch out of its lane (a deadline gives them up), with the lane's
  /// email.
  mutating func removeAllInFlight() -> [(email: String, batch: DeliveryBatch)] {
    var removed: [(email: String, batch: DeliveryBatch)] = []
    for (email, lane) in lanes {
      guard let batch = lane.inFlight else { continue }
      removed.append((email, batch))
      lanes[email]?.inFlight = nil
    }
    return removed
  }

  /// The rules of the table that do not hold now, in words (the links' among them); empty
  /// when all hold. For the tests, which check it after every operation.
  func invariantViolations() -> [String] {
    var violations = links.invariantViolations()
    var queued: [String: Int] = [:]
    for email in readyReads.contents { queued[email, default: 0] += 1 }
    for email in readyWrites.contents { queued[email, default: 0] += 1 }
    for entry in delayed { queued[entry.email, default: 0] += 1 }
    for (email, count) in queued where count > 1 || lanes[email]?.isQueued != true {
      violations.append(
        "\(email) is queued \(count) times (isQueued: \(lanes[email]?.isQueued ?? false))")
    }
    for (email, lane) in lanes {
      if lane.isQueued && queued[email] == nil {
        violations.append("\(email) is marked queued but is in no queue")
      }
      if links.isHeld(email) && lane.inFlight != nil {
        violations.append("\(email) is held but has a batch in flight")
      }
      if let batch = lane.inFlight, let front = lane.waiting.first, front.order < batch.order {
        violations.append("\(email) sends a batch while an older one waits")
      }
    }
    return violations
  }
}
