// Design: companies before the people who reference them.
//
// A person's `company` is a record reference by domain, and Attio refuses it when no company
// holds that domain (Documentation/AttioAPI.md, "Companies"). The `group` call that makes the
// company comes before the person's upserts that carry the link, but delivery runs many
// requests at once, so order in the input is not order at Attio. The gate restores it with
// one rule, applied before a job reaches the lanes:
//
//   a person job waits while a company job for its domain is unresolved in this run,
//   and so does every later job of the same person (their order is kept).
//
// When a company job gets its result (upserted, unchanged, failed, not_sent, in_doubt), the
// jobs waiting on its domain go on to their lanes in arrival order. They go even when the
// company's write failed: Attio then refuses the reference and the person's result says why,
// with its request for replay (the company's failed result comes first, so a replay of the
// results in order sends the company first). A domain written in an earlier run, or never
// written by this run, holds nothing up. The lanes themselves are untouched: the gate only
// decides when a job is added to them.

/// Holds person jobs whose company's write has no result yet. Touched only on the
/// scheduler's queue.
struct CompanyGate {
  /// Company jobs without a result, per domain.
  private var pending: [String: Int] = [:]
  /// Held person jobs per email, oldest first.
  private var held: [String: [DeliveryJob]] = [:]
  /// Emails in the order their first job was held, so releases keep arrival order across
  /// people too.
  private var order: [String] = []

  var heldCount: Int { held.values.reduce(0) { $0 + $1.count } }

  /// A company job entered delivery: people referencing its domain wait for its result.
  mutating func companyOpened(_ domain: String) {
    pending[domain, default: 0] += 1
  }

  /// Whether `job` (a person's) may go to its lane now; false: it is held.
  mutating func admit(_ job: DeliveryJob) -> Bool {
    let email = job.request.email
    let blocked = job.request.companyDomain.map { pending[$0] != nil } ?? false
    guard blocked || held[email] != nil else { return true }
    if held[email] == nil { order.append(email) }
    held[email, default: []].append(job)
    return false
  }

  /// A company job has its result: the jobs no longer waiting, in arrival order.
  mutating func companyResolved(_ domain: String) -> [DeliveryJob] {
    guard let count = pending[domain] else { return [] }
    if count > 1 {
      pending[domain] = count - 1
      return []
    }
    pending[domain] = nil
    var released: [DeliveryJob] = []
    var stillHeld: [String] = []
    for email in order {
      var jobs = held[email] ?? []
      while let first = jobs.first,
        first.request.companyDomain.map({ pending[$0] == nil }) ?? true
      {
        released.append(jobs.removeFirst())
      }
      if jobs.isEmpty {
        held[email] = nil
      } else {
        held[email] = jobs
        stillHeld.append(email)
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
