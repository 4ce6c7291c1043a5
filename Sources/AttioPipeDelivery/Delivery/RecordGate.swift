// Design: records before the writes that reference them.
//
// A reference by a matching attribute (a person's `company` by domain, a workspace's
// `company`, a user's `person` by email, a membership's user and workspace by id) is refused
// by Attio when no record matches (Documentation/AttioAPI.md, "Record references"). The
// events that make a record come before the writes that reference it, but delivery runs many
// requests at once, so order in the input is not order at Attio. The gate restores it with
// one rule, applied before a job reaches the lanes:
//
//   a job waits while an earlier job that writes a record it references is unresolved in
//   this run, and so does every later job of the same lane key (their order is kept).
//
// Only earlier jobs hold a job up, so the oldest unresolved job is never held and nothing can
// wait in a circle (a later job of the same lane writing the same record, say).
//
// Every job names the records it writes (`UpsertRequest.writtenKeys`: its own and its linked
// asserts) and those it references (`companyDomain`, `awaitedKeys`). When a job gets its
// result (upserted, unchanged, failed, not_sent, in_doubt), the jobs waiting on its records go
// on to their lanes in arrival order. They go even when the write failed: Attio then refuses
// the reference and the waiting job's result says why, with its request for replay (the
// failed result comes first, so a replay of the results in order sends the record first). A
// record written in an earlier run, or never written by this run, holds nothing up. Writes
// within one job (a company, then its workspace, its user and the membership) are in order
// already: the gate is for references across jobs. The lanes themselves are untouched: the
// gate only decides when a job is added to them.

/// Holds jobs whose referenced records' writes have no result yet. Touched only on the
/// scheduler's queue.
struct RecordGate {
  /// The ledger numbers of jobs without a result (ascending: jobs open in order), per key of
  /// a record they write.
  private var pending: [String: [Int]] = [:]
  /// Held jobs per lane key, oldest first.
  private var held: [String: [DeliveryJob]] = [:]
  /// Lane keys in the order their first job was held, so releases keep arrival order across
  /// records too.
  private var order: [String] = []

  var heldCount: Int { held.values.reduce(0) { $0 + $1.count } }

  /// A job entered delivery: jobs referencing the records it writes wait for its result.
  mutating func opened(_ job: DeliveryJob) {
    for key in job.request.writtenKeys { pending[key, default: []].append(job.ledgerNumber) }
  }

  /// Whether `job` may go to its lane now; false: it is held.
  mutating func admit(_ job: DeliveryJob) -> Bool {
    let key = job.request.email
    guard isBlocked(job) || held[key] != nil else { return true }
    if held[key] == nil { order.append(key) }
    held[key, default: []].append(job)
    return false
  }

  /// Whether an earlier job writes a record `job` references and has no result yet.
  private func isBlocked(_ job: DeliveryJob) -> Bool {
    func earlier(_ key: String) -> Bool {
      guard let first = pending[key]?.first else { return false }
      return first < job.ledgerNumber
    }
    if let domain = job.request.companyDomain, earlier(domain) { return true }
    return job.request.awaitedKeys.contains(where: earlier)
  }

  /// A job has its result: the jobs no longer waiting, in arrival order.
  mutating func resolved(_ job: DeliveryJob) -> [DeliveryJob] {
    var freed = false
    for key in job.request.writtenKeys {
      guard var numbers = pending[key], let index = numbers.firstIndex(of: job.ledgerNumber)
      else { continue }
      numbers.remove(at: index)
      pending[key] = numbers.isEmpty ? nil : numbers
      freed = freed || index == 0
    }
    guard freed, !order.isEmpty else { return [] }
    var released: [DeliveryJob] = []
    var stillHeld: [String] = []
    for key in order {
      var jobs = held[key] ?? []
      while let first = jobs.first, !isBlocked(first) {
        released.append(jobs.removeFirst())
      }
      if jobs.isEmpty {
        held[key] = nil
      } else {
        held[key] = jobs
        stillHeld.append(key)
      }
    }
    order = stillHeld
    return released
  }

  /// Every held job (nothing more will be sent), in arrival order.
  mutating func removeAll() -> [DeliveryJob] {
    let jobs = order.flatMap { held[$0] ?? [] }
    held = [:]
    order = []
    return jobs
  }
}
