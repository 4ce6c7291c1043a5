// Design: profiles live in a `ProfileHeap`, addressed by slot; an `IdentityIndex` maps every id to
// the slot of its profile. Linking two ids that already have different profiles merges the
// smaller profile (by number of ids) into the larger, re-pointing the smaller one's ids, so a
// chain of merges costs O(n log n) in all. Two parallel arrays of slot numbers thread the
// profiles into a least-recently-seen list (kept apart from the profiles for cache locality),
// so marking a profile seen and evicting beyond `capacity` are O(1). Slots of evicted or merged
// profiles are reused through a free list.
//
// Nothing is stored for an event that neither brings traits nor links two ids: the page views
// of anonymous visitors, the bulk of any stream, cost one hash look-up and no memory.

/// Remembers what `identify` and `context.traits` said about each visitor and user.
package struct IdentityStore: Sendable {
  /// What happened to the profiles while observing one event.
  package struct Observation: Sendable {
    /// The profile the event belongs to, if it has one.
    package var profile: Int32?
    /// Profiles dropped to stay within capacity.
    package var evicted = 0
    /// A profile was made, joined or given new values or ids (what `--state` must save).
    package var changed = false
  }

  package typealias ID = UnsafeBufferPointer<UInt8>

  private var heap = ProfileHeap()
  private var newer: [Int32] = []
  private var older: [Int32] = []
  /// Wall-clock second each profile was last seen, for `timeToLive`.
  private var lastSeen: [UInt32] = []
  private var freeSlots: [Int32] = []
  private var index = IdentityIndex()
  private var newest: Int32 = -1
  private var oldest: Int32 = -1
  private var sequence: UInt64 = 0
  /// `--signal`: each profile's signals, beside the profiles (empty without the option).
  package var signals = ProfileSignals()

  /// The most profiles kept; beyond it the least recently seen is forgotten.
  let capacity: Int
  /// Profiles not seen for this many seconds are forgotten; nil keeps them.
  let timeToLive: UInt32?
  package private(set) var count = 0
  /// Profiles a state file held that were dropped as it was loaded (expired, or beyond
  /// capacity).
  package var evictedOnLoad = 0
  /// The wall-clock second events are being seen at; the pipeline refreshes it.
  package var now: UInt32 = 0

  package init(capacity: Int = 1_000_000, timeToLive: UInt32? = nil) {
    precondition(capacity > 0)
    self.capacity = capacity
    self.timeToLive = timeToLive
  }

  /// A profile, copied out with every value in place (tests, the state file).
  subscript(profile: Int32) -> Profile {
    let view = heap.view(profile)
    var builder = ProfileBuilder()
    builder.add(valuesOf: view)
    builder.finishValues()
    builder.addKeys(of: view)
    return Profile(records: builder.bytes)
  }

  /// A profile read in place: valid until the store next changes.
  @inline(__always)
  package func view(_ profile: Int32) -> ProfileView { heap.view(profile) }

  /// Bytes held by the profiles' records.
  var profileBytes: Int { heap.byteCount }
  /// Ids in the index (tests check that none is left behind).
  var idCount: Int { index.count }

  /// The ids of one event, each with the profile it names now. Inline: built per event.
  private struct EventKeys {
    /// `hash`: the index's, for adding the id when it is new.
    typealias Key = (namespace: IdentityNamespace, id: ID, known: Int32?, hash: UInt32)
    private var keys = InlineFour<Key>()
    var count: Int { keys.count }

    mutating func append(_ key: Key) { keys.append(key) }

    subscript(index: Int) -> Key { keys[index] }

    var allKnown: Bool { (0..<count).allSatisfy { self[$0].known != nil } }

    /// The distinct profiles the keys name, at most four.
    var profiles: EventProfiles {
      var found = EventProfiles()
      for index in 0..<count {
        if let slot = self[index].known { found.insert(slot) }
      }
      return found
    }
  }

  /// Distinct profile slots, at most four, inline.
  private struct EventProfiles {
    private var slots = InlineFour<Int32>()
    var count: Int { slots.count }

    subscript(index: Int) -> Int32 { slots[index] }

    mutating func insert(_ slot: Int32) {
      for index in 0..<count where self[index] == slot { return }
      slots.append(slot)
    }
  }

  /// Records one event: links its ids into one profile and applies its trait changes.
  /// `previousId` is an `alias` call's earlier id; it may be a user id or an anonymous id, so it
  /// links whichever of the two is known, and both when neither is (analytics.js aliases the
  /// browser's anonymous id, which is often not yet known because page views store nothing).
  /// `needsProfile`: the event makes a profile even when it brings no traits (`--signal`: a
  /// counted event, or any first event under `first_seen`).
  package mutating func observe(
    anonymousId: ID?, userId: ID?, previousId: ID? = nil, changes: TraitChanges,
    needsProfile: Bool = false
  ) -> Observation {
    // Ids beyond the index's limit are not remembered: no real id is that long.
    let limit = IdentityIndex.maximumIdLength
    let anonymousId = anonymousId.flatMap { $0.count <= limit ? $0 : nil }
    let userId = userId.flatMap { $0.count <= limit ? $0 : nil }
    let previousId = previousId.flatMap { $0.count <= limit ? $0 : nil }
    // Fast path, most events: one id, nothing to link or change.
    if previousId == nil && changes.isEmpty && (anonymousId == nil || userId == nil) {
      let found =
        if let anonymousId { index.profile(.anonymous, anonymousId, in: heap) } else {
          userId.flatMap { index.profile(.user, $0, in: heap) }
        }
      if let slot = found {
        markSeen(slot)
        return Observation(profile: slot)
      }
      if !needsProfile || (anonymousId == nil && userId == nil) {
        return Observation(profile: nil)
      }
    }

    // Each id is looked up once; `known` holds what it names now.
    var keys = EventKeys()
    if let anonymousId {
      let found = index.lookUp(.anonymous, anonymousId, in: heap)
      keys.append((.anonymous, anonymousId, found.profile, found.hash))
    }
    if let userId {
      let found = index.lookUp(.user, userId, in: heap)
      keys.append((.user, userId, found.profile, found.hash))
    }
    if let previousId {
      let asUser = index.lookUp(.user, previousId, in: heap)
      let asAnonymous = index.lookUp(.anonymous, previousId, in: heap)
      if asUser.profile != nil || asAnonymous.profile == nil {
        keys.append((.user, previousId, asUser.profile, asUser.hash))
      }
      if asAnonymous.profile != nil || asUser.profile == nil {
        keys.append((.anonymous, previousId, asAnonymous.profile, asAnonymous.hash))
      }
    }
    let found = keys.profiles
    // Common: a signed-in visitor's page view, both ids already linked, nothing to change.
    if changes.isEmpty && found.count == 1 && keys.allKnown {
      markSeen(found[0])
      return Observation(profile: found[0])
    }
    let needsProfile = needsProfile || !changes.isEmpty || keys.count > 1
    guard found.count > 0 || (needsProfile && keys.count > 0) else {
      return Observation(profile: nil)
    }

    makeHeapUnique()
    var observation = Observation(changed: true)
    let slot = found.count == 0 ? allocate() : merge(found)
    // Ids new to the store join the profile; known ones were re-pointed by `merge`.
    var added = AddedKeys()
    for position in 0..<keys.count where keys[position].known == nil {
      let key = keys[position]
      // An id listed twice (an alias's previous id that is also the user id) is added once.
      guard
        !(0..<added.count).contains(where: {
          added[$0].namespace == key.namespace && added[$0].id.elementsEqual(key.id)
        })
      else { continue }
      index.insert(hash: key.hash, to: slot)
      added.append((key.namespace, key.id))
    }
    if !changes.isEmpty || added.count > 0 {
      if !changes.isEmpty { sequence += 1 }
      rewrite(slot, changes: changes, sequence: sequence, adding: added)
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

  /// Up to four ids added by one event, inline.
  private typealias AddedKeys = InlineFour<(namespace: IdentityNamespace, id: ID)>

  /// Applies `changes` to one profile outside of an event's observation (`--workspaces`: a
  /// membership that waited is written, or starts waiting), as new as a trait change.
  package mutating func update(_ profile: Int32, changes: TraitChanges) {
    guard !changes.isEmpty else { return }
    makeHeapUnique()
    sequence += 1
    rewrite(profile, changes: changes, sequence: sequence, adding: AddedKeys())
  }

  /// Starts keeping `signals` (`--signal`), with what a loaded state file remembered of them
  /// (each profile's `ProfileSlot.signals` value).
  package mutating func configureSignals(_ signals: ProfileSignals) {
    self.signals = signals
    guard !signals.isEmpty else { return }
    self.signals.reserve(newer.count)
    var slot = oldest
    while slot >= 0 {
      if let bytes = heap.view(slot).value(.signals).bytes {
        self.signals.restore(slot, from: String(decoding: bytes, as: UTF8.self))
      }
      slot = newer[Int(slot)]
    }
  }

  /// The `userId`s a profile is known by, in the order it learned them (usually one).
  package func userIds(of profile: Int32) -> [String] {
    var ids: [String] = []
    heap.view(profile).forEachKey { key in
      guard key.namespace == .user else { return }
      ids.append(key.text)
    }
    return ids
  }

  /// Rewrites a profile with the event's changes and the ids it added.
  private mutating func rewrite(
    _ slot: Int32, changes: TraitChanges, sequence: UInt64, adding added: AddedKeys
  ) {
    let view = heap.view(slot)
    heap.builder.reset()
    changes.addValues(to: &heap.builder, sequence: sequence) { builder in
      builder.add(valuesOf: view)
      builder.finishValues()
      builder.addKeys(of: view)
      for position in 0..<added.count {
        builder.addKey(added[position].namespace, added[position].id)
      }
    }
    heap.storeBuilt(slot)
  }

  /// Forgets profiles not seen for `timeToLive` seconds; returns how many. They are the
  /// oldest in the least-recently-seen list, so this stops at the first one still fresh.
  package mutating func evictExpired() -> Int {
    guard let timeToLive, now > timeToLive else { return 0 }
    let cutoff = now - timeToLive
    var evicted = 0
    while oldest >= 0 && lastSeen[Int(oldest)] < cutoff {
      evictOldest()
      evicted += 1
    }
    return evicted
  }

  /// The profile an id names, without touching recency.
  package func profile(_ namespace: IdentityNamespace, _ id: ID) -> Int32? {
    index.profile(namespace, id, in: heap)
  }

  // MARK: - State file support

  var oldestSlot: Int32 { oldest }
  func newerSlot(than slot: Int32) -> Int32 { newer[Int(slot)] }
  func lastSeenTime(of slot: Int32) -> UInt32 { lastSeen[Int(slot)] }
  package var currentSequence: UInt64 { sequence }

  /// Adds a saved profile as the newest one. Ids already present (a damaged file naming an id
  /// twice) stay with their first profile.
  mutating func restore(
    values: [(ProfileSlot, Profile.Value)], keys: [(IdentityNamespace, [UInt8])],
    lastSeen time: UInt32
  ) {
    makeHeapUnique()
    let slot = allocate()
    var kept: [(namespace: IdentityNamespace, id: [UInt8], hash: UInt32)] = []
    for (namespace, id) in keys
    where !kept.contains(where: { $0.namespace == namespace && $0.id == id }) {
      let found = id.withUnsafeBufferPointer { index.lookUp(namespace, $0, in: heap) }
      if found.profile == nil { kept.append((namespace, id, found.hash)) }
    }
    // Through the heap's builder, so that shared values are pooled as the events that set
    // them first were: a restart keeps the memory a long run had.
    heap.builder.reset()
    heap.builder.addValues(values)
    for key in kept { key.id.withUnsafeBufferPointer { heap.builder.addKey(key.namespace, $0) } }
    heap.storeBuilt(slot)
    for key in kept { index.insert(hash: key.hash, to: slot) }
    markSeen(slot)
    lastSeen[Int(slot)] = time
  }

  mutating func restoreSequence(_ value: UInt64) {
    sequence = max(sequence, value)
  }

  /// Returns how many profiles were dropped.
  mutating func trimToCapacity() -> Int {
    var evicted = 0
    while count > capacity {
      evictOldest()
      evicted += 1
    }
    return evicted
  }

  // MARK: - Merging

  /// Folds all `slots` into the one with the most ids and returns it.
  private mutating func merge(_ slots: EventProfiles) -> Int32 {
    guard slots.count > 1 else { return slots[0] }
    var survivor = slots[0]
    for position in 1..<slots.count
    where heap.view(slots[position]).keyCount > heap.view(survivor).keyCount {
      survivor = slots[position]
    }
    for position in 0..<slots.count where slots[position] != survivor {
      let absorbed = slots[position]
      let absorbedView = heap.view(absorbed)
      absorbedView.forEachKey { index.repoint($0, from: absorbed, to: survivor) }
      let survivorView = heap.view(survivor)
      heap.builder.reset()
      heap.builder.add(valuesOf: survivorView)
      heap.builder.add(valuesOf: absorbedView)
      heap.builder.finishValues()
      heap.builder.addKeys(of: survivorView)
      heap.builder.addKeys(of: absorbedView)
      heap.storeBuilt(survivor)
      signals.absorb(absorbed, into: survivor)
      release(absorbed)
    }
    return survivor
  }

  // MARK: - Slots and recency

  /// Copies the profiles first if another copy of the store shares them.
  private mutating func makeHeapUnique() {
    if !isKnownUniquelyReferenced(&heap) { heap = heap.copy() }
  }

  private mutating func allocate() -> Int32 {
    count += 1
    if let slot = freeSlots.popLast() {
      heap.clear(slot)
      signals.clear(slot)
      return slot
    }
    newer.append(-1)
    older.append(-1)
    lastSeen.append(now)
    heap.reserve(newer.count)
    signals.reserve(newer.count)
    return Int32(newer.count - 1)
  }

  private mutating func release(_ slot: Int32) {
    unlink(slot)
    heap.clear(slot)
    signals.clear(slot)
    freeSlots.append(slot)
    count -= 1
  }

  private mutating func evictOldest() {
    makeHeapUnique()
    let slot = oldest
    heap.view(slot).forEachKey { index.remove($0, of: slot) }
    release(slot)
  }

  private mutating func markSeen(_ slot: Int32) {
    lastSeen[Int(slot)] = now
    guard newest != slot else { return }
    unlink(slot)
    older[Int(slot)] = newest
    newer[Int(slot)] = -1
    if newest >= 0 { newer[Int(newest)] = slot }
    newest = slot
    if oldest < 0 { oldest = slot }
  }

  private mutating func unlink(_ slot: Int32) {
    let newerSlot = newer[Int(slot)]
    let olderSlot = older[Int(slot)]
    guard newerSlot >= 0 || olderSlot >= 0 || newest == slot else { return }
    if newerSlot >= 0 { older[Int(newerSlot)] = olderSlot } else { newest = olderSlot }
    if olderSlot >= 0 { newer[Int(olderSlot)] = newerSlot } else { oldest = newerSlot }
    newer[Int(slot)] = -1
    older[Int(slot)] = -1
  }
}
