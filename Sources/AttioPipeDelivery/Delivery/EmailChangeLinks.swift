/// The ties an email change makes between people's lanes (the rules are LaneTable's): which
/// lanes' batches name an email as their previous one, which lanes wait for another email's
/// lane, and which lanes are held while another lane's plan may write their record.
///
/// Kept apart from the lanes so that its bookkeeping, which the lanes only consult and
/// update, has rules of its own that hold after every operation (`invariantViolations`
/// lists any that do not; the tests check it after every step of random operations):
///
/// - naming is one relation kept both ways: a lane is among the lanes naming `previous`
///   exactly when `previous` is among the emails that lane named; no lane names itself;
/// - `heldBy[email]` is the number of batches holding `email`; an email held by none has no
///   entry (so a lane is held exactly when it has one);
/// - a batch holds at most one email, never its own lane's;
/// - no lane waits for itself;
/// - no entry of any table is empty (a finished tie leaves nothing behind).
///
/// Batches are named by their order (their oldest job's ledger number): unique among the
/// batches alive, and the same for a batch's whole life.
struct EmailChangeLinks: Sendable {
  /// The lanes whose batches name an email as their previous one, by that email.
  private var namedBy: [String: Set<String>] = [:]
  /// The previous emails each lane's batches named: `namedBy` read the other way, so that a
  /// dropped lane's names are found.
  private var named: [String: Set<String>] = [:]
  /// Lanes whose front batch waits for another email's lane, by that email, in the order they
  /// began waiting.
  private var waitingFor: [String: [String]] = [:]
  /// How many batches hold each email's lane: in-progress plans of other lanes that may
  /// write that person's record.
  private var heldBy: [String: Int] = [:]
  /// The email (and the holder's lane) each holding batch holds, by the batch's order.
  private var holds: [Int: (held: String, holder: String)] = [:]

  // MARK: - Naming

  /// A batch of `lane` names `previous` as the profile's email before a change.
  mutating func name(_ previous: String, by lane: String) {
    guard previous != lane, named[lane, default: []].insert(previous).inserted else { return }
    namedBy[previous, default: []].insert(lane)
  }

  /// The lanes whose batches name `email` as their previous one.
  func lanesNaming(_ email: String) -> Set<String> { namedBy[email] ?? [] }

  /// `lane` was dropped (nothing left to send): what its batches named is forgotten.
  mutating func forgetNames(of lane: String) {
    guard let previous = named.removeValue(forKey: lane) else { return }
    for email in previous {
      namedBy[email]?.remove(lane)
      if namedBy[email]?.isEmpty == true { namedBy[email] = nil }
    }
  }

  // MARK: - Waiting

  /// `lane`'s front batch waits for `email`'s lane: it looks again when that lane changes.
  mutating func wait(_ lane: String, for email: String) {
    waitingFor[email, default: []].append(lane)
  }

  /// The lanes that waited for `email`'s lane, in the order they began; they wait no more.
  mutating func removeWaiters(of email: String) -> [String] {
    waitingFor.removeValue(forKey: email) ?? []
  }

  /// Nothing more will be sent: no lane waits for another.
  mutating func removeAllWaiting() {
    waitingFor.removeAll()
  }

  // MARK: - Holding

  /// Whether a plan of another lane holds `email`'s lane.
  func isHeld(_ email: String) -> Bool { heldBy[email] != nil }

  /// Whether the batch of that order holds a lane.
  func isHolding(batch order: Int) -> Bool { holds[order] != nil }

  /// The batch of `order` in `holder`'s lane holds `email`'s lane until `releaseHold`.
  mutating func hold(_ email: String, by order: Int, of holder: String) {
    guard email != holder, holds[order] == nil else { return }
    holds[order] = (email, holder)
    heldBy[email, default: 0] += 1
  }

  /// The batch of `order` is done: the lane it held, if any, is held by one batch fewer.
  mutating func releaseHold(of order: Int) -> String? {
    guard let (email, _) = holds.removeValue(forKey: order) else { return nil }
    if let count = heldBy[email], count > 1 {
      heldBy[email] = count - 1
    } else {
      heldBy[email] = nil
    }
    return email
  }

  // MARK: - Invariants

  /// The rules above that do not hold now, in words; empty when all hold. For the tests.
  func invariantViolations() -> [String] {
    var violations: [String] = []
    for (previous, lanes) in namedBy {
      if lanes.isEmpty { violations.append("namedBy[\(previous)] is empty") }
      for lane in lanes where named[lane]?.contains(previous) != true {
        violations.append("\(lane) names \(previous) in namedBy only")
      }
      if lanes.contains(previous) { violations.append("\(previous) names itself") }
    }
    for (lane, emails) in named {
      if emails.isEmpty { violations.append("named[\(lane)] is empty") }
      for email in emails where namedBy[email]?.contains(lane) != true {
        violations.append("\(lane) names \(email) in named only")
      }
    }
    for (email, lanes) in waitingFor {
      if lanes.isEmpty { violations.append("waitingFor[\(email)] is empty") }
      if lanes.contains(email) { violations.append("\(email) waits for itself") }
    }
    var counted: [String: Int] = [:]
    for (order, hold) in holds {
      counted[hold.held, default: 0] += 1
      if hold.held == hold.holder { violations.append("batch \(order) holds its own lane") }
    }
    if counted != heldBy {
      violations.append("heldBy \(heldBy) is not the count of holds \(counted)")
    }
    return violations
  }
}
