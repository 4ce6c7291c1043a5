// Design: profiles live in one array, addressed by index; a dictionary maps every id to the
// index of its profile. Linking two ids that already have different profiles merges the
// smaller profile (by number of ids) into the larger, re-pointing the smaller one's ids, so a
// chain of merges costs O(n log n) in all. A doubly linked list threaded through the profiles
// (by index) keeps them in least-recently-seen order, so that eviction beyond `capacity` is
// O(1). Slots of evicted or merged profiles are reused through a free list.
//
// Nothing is stored for an event that neither brings traits nor links two ids: the page views
// of anonymous visitors, the bulk of any stream, cost a dictionary look-up and no memory.

/// Remembers what `identify` and `context.traits` said about each visitor and user.
struct IdentityStore: Sendable {
  /// What happened to the profiles while observing one event.
  struct Observation: Sendable {
    /// The profile the event belongs to, if it has one.
    var profile: Int32?
    /// Profiles dropped to stay within capacity.
    var evicted = 0
  }

  private var profiles: [Profile] = []
  private var freeSlots: [Int32] = []
  private var index: [IdentityKey: Int32] = [:]
  private var newest: Int32 = -1
  private var oldest: Int32 = -1
  private var sequence: UInt64 = 0

  /// The most profiles kept; beyond it the least recently seen is forgotten.
  let capacity: Int
  private(set) var count = 0

  init(capacity: Int = 1_000_000) {
    precondition(capacity > 0)
    self.capacity = capacity
  }

  subscript(profile: Int32) -> Profile { profiles[Int(profile)] }

  /// Records one event: links its ids into one profile and applies its trait changes.
  /// `previousId` is an `alias` call's earlier id; it may be a user id or an anonymous id, so it
  /// links whichever of the two is known, and both when neither is (analytics.js aliases the
  /// browser's anonymous id, which is often not yet known because page views store nothing).
  mutating func observe(
    anonymousId: String?, userId: String?, previousId: String? = nil, changes: TraitChanges
  ) -> Observation {
    let anonymousKey = anonymousId.map(IdentityKey.anonymous)
    let userKey = userId.map(IdentityKey.user)
    // Fast path, most events: one id, nothing to link or change.
    if previousId == nil && changes.isEmpty && (anonymousKey == nil || userKey == nil) {
      guard let key = anonymousKey ?? userKey, let slot = index[key] else {
        return Observation(profile: nil)
      }
      markSeen(slot)
      return Observation(profile: slot)
    }

    var keys: [IdentityKey] = []
    if let anonymousKey { keys.append(anonymousKey) }
    if let userKey { keys.append(userKey) }
    if let previousId {
      let aliases = [IdentityKey.user(previousId), .anonymous(previousId)]
      let known = aliases.filter { index[$0] != nil }
      keys.append(contentsOf: known.isEmpty ? aliases : known)
    }
    var found: [Int32] = []
    for key in keys {
      if let slot = index[key], !found.contains(slot) { found.append(slot) }
    }
    let needsProfile = !changes.isEmpty || keys.count > 1
    guard !found.isEmpty || (needsProfile && !keys.isEmpty) else {
      return Observation(profile: nil)
    }

    var observation = Observation()
    let slot = found.isEmpty ? allocate() : merge(found)
    for key in keys where index[key] != slot {
      index[key] = slot
      profiles[Int(slot)].keys.append(key)
    }
    if !changes.isEmpty {
      sequence += 1
      profiles[Int(slot)].apply(changes, sequence: sequence)
    }
    markSeen(slot)
    while count > capacity {
      evictOldest()
      observation.evicted += 1
    }
    // The event's own profile is the newest, so it is never the one evicted.
    observation.profile = slot
    return observation
  }

  /// The profile an id names, without touching recency.
  func profile(for key: IdentityKey) -> Int32? { index[key] }

  // MARK: - Merging

  /// Folds all `slots` into the one with the most ids and returns it.
  private mutating func merge(_ slots: [Int32]) -> Int32 {
    guard slots.count > 1 else { return slots[0] }
    let survivor = slots.max { profiles[Int($0)].keys.count < profiles[Int($1)].keys.count }!
    for slot in slots where slot != survivor {
      let absorbed = profiles[Int(slot)]
      profiles[Int(survivor)].absorbTraits(of: absorbed)
      for key in absorbed.keys { index[key] = survivor }
      profiles[Int(survivor)].keys.append(contentsOf: absorbed.keys)
      release(slot)
    }
    return survivor
  }

  // MARK: - Slots and recency

  private mutating func allocate() -> Int32 {
    count += 1
    if let slot = freeSlots.popLast() {
      profiles[Int(slot)] = Profile()
      return slot
    }
    profiles.append(Profile())
    return Int32(profiles.count - 1)
  }

  private mutating func release(_ slot: Int32) {
    unlink(slot)
    profiles[Int(slot)] = Profile()
    freeSlots.append(slot)
    count -= 1
  }

  private mutating func evictOldest() {
    let slot = oldest
    for key in profiles[Int(slot)].keys { index[key] = nil }
    release(slot)
  }

  private mutating func markSeen(_ slot: Int32) {
    guard newest != slot else { return }
    unlink(slot)
    profiles[Int(slot)].older = newest
    profiles[Int(slot)].newer = -1
    if newest >= 0 { profiles[Int(newest)].newer = slot }
    newest = slot
    if oldest < 0 { oldest = slot }
  }

  private mutating func unlink(_ slot: Int32) {
    let newer = profiles[Int(slot)].newer
    let older = profiles[Int(slot)].older
    let isLinked = newer >= 0 || older >= 0 || newest == slot
    guard isLinked else { return }
    if newer >= 0 { profiles[Int(newer)].older = older } else { newest = older }
    if older >= 0 { profiles[Int(older)].newer = newer } else { oldest = newer }
    profiles[Int(slot)].newer = -1
    profiles[Int(slot)].older = -1
  }
}
