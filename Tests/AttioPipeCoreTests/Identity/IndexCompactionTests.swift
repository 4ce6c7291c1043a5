import TestSupport
import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// `IdentityStore.compactIndex` rebuilds the id index and rewrites every profile's id offsets
/// in place (`ProfileHeap.rewriteKeys`). In production it runs after a megabyte of evicted ids;
/// here the threshold is lowered so that a few thousand events of many visitors, evictions,
/// merges and re-identifications compact dozens of times, and every profile is compared with
/// a store that never compacts.
@Suite struct IndexCompactionTests {
  @Test func compactingChangesNoProfileAndNoLookUp() {
    var random = SeededRandom(seed: 2_024)
    let script = EventScript(&random, events: 6_000)
    var never = IdentityStore(capacity: 40, compactionThreshold: .max)
    var often = IdentityStore(capacity: 40, compactionThreshold: 0)
    var evicted = 0
    for (position, event) in script.events.enumerated() {
      never.now = event.time
      often.now = event.time
      let expected = event.observe(in: &never)
      let observed = event.observe(in: &often)
      #expect(observed.profile == expected.profile, "event \(position)")
      #expect(observed.evicted == expected.evicted, "event \(position)")
      evicted += observed.evicted
      if position % 150 == 0 || position == script.events.count - 1 {
        // Values, sequences, last-seen times and every id's bytes, profile by profile.
        #expect(
          firstDifference(often.encodeState(), never.encodeState()) == nil,
          "after event \(position)")
        expectConsistent(often, ids: script.ids)
      }
    }
    #expect(evicted > 2_000)
    #expect(never.compactions == 0)
    #expect(often.compactions > 20)
    expectConsistent(never, ids: script.ids)
  }

  /// Called directly on a store full of evictions' garbage; a copy taken before shares the
  /// profiles and must not see the rewrite. Both then take the same events alike.
  @Test func compactingDirectlyKeepsEveryProfileAndLeavesACopyAlone() {
    var random = SeededRandom(seed: 77)
    let script = EventScript(&random, events: 6_000)
    var store = IdentityStore(capacity: 60, compactionThreshold: .max)
    for event in script.events[..<3_000] {
      store.now = event.time
      _ = event.observe(in: &store)
    }
    let before = store.encodeState()
    let copy = store
    store.compactIndex()
    #expect(store.compactions == 1)
    #expect(firstDifference(store.encodeState(), before) == nil)
    #expect(firstDifference(copy.encodeState(), before) == nil)
    expectConsistent(store, ids: script.ids)
    expectConsistent(copy, ids: script.ids)

    var other = copy
    for event in script.events[3_000...] {
      store.now = event.time
      other.now = event.time
      let observed = event.observe(in: &store)
      let expected = event.observe(in: &other)
      #expect(observed.profile == expected.profile)
      #expect(observed.evicted == expected.evicted)
    }
    #expect(firstDifference(store.encodeState(), other.encodeState()) == nil)
    expectConsistent(store, ids: script.ids)
  }

  /// Every id the store knows names a profile that lists it, and every id a profile lists
  /// names that profile: an offset left stale by a rewrite reads another id's bytes (or none).
  private func expectConsistent(
    _ store: IdentityStore, ids: [EventScript.Key],
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    var profiles = 0
    var slot = store.oldestSlot
    while slot >= 0 {
      profiles += 1
      for key in store[slot].keys {
        var id: [UInt8] = []
        store.idBytes(of: key) { id = Array($0) }
        let named = id.withUnsafeBufferPointer { store.profile(key.namespace, $0) }
        #expect(
          named == slot, "\(String(decoding: id, as: UTF8.self))", sourceLocation: sourceLocation)
      }
      slot = store.newerSlot(than: slot)
    }
    #expect(profiles == store.count, sourceLocation: sourceLocation)
    for key in ids {
      guard let slot = key.id.withUnsafeBufferPointer({ store.profile(key.namespace, $0) }) else {
        continue
      }
      var listed = false
      for reference in store[slot].keys where reference.namespace == key.namespace {
        store.idBytes(of: reference) { listed = listed || Array($0) == key.id }
      }
      #expect(listed, "\(String(decoding: key.id, as: UTF8.self))", sourceLocation: sourceLocation)
    }
  }
}

/// A seeded stream of identity events over a few hundred visitors: identifies with traits
/// (short and long values, removals, mapped-trait slots), signed-in tracks, anonymous page
/// views, aliases, links of two ids that may each have a profile (merges), and visitors coming
/// back after their profile was evicted. Ids: packed UUIDs, upper-case UUIDs, short, and long.
private struct EventScript {
  struct Key: Hashable {
    var namespace: IdentityNamespace
    var id: [UInt8]
  }

  struct Event {
    var anonymousId: [UInt8]?
    var userId: [UInt8]?
    var previousId: [UInt8]?
    var changes: [(ProfileSlot, String?)]
    var time: UInt32

    func observe(in store: inout IdentityStore) -> IdentityStore.Observation {
      var traitChanges = TraitChanges()
      for (slot, value) in changes { traitChanges[slot] = value.map { .set($0) } ?? .remove }
      return withBytes(anonymousId) { anonymousId in
        withBytes(userId) { userId in
          withBytes(previousId) { previousId in
            store.observe(
              anonymousId: anonymousId, userId: userId, previousId: previousId,
              changes: traitChanges)
          }
        }
      }
    }

    private func withBytes<Result>(
      _ bytes: [UInt8]?, _ body: (UnsafeBufferPointer<UInt8>?) -> Result
    ) -> Result {
      guard let bytes else { return body(nil) }
      return bytes.withUnsafeBufferPointer { body($0) }
    }
  }

  private(set) var events: [Event] = []
  /// Every id the events name, in both namespaces where an alias may have put it.
  private(set) var ids: [Key] = []

  init(_ random: inout SeededRandom, events count: Int) {
    let visitors = 400
    func hex(_ digits: Int) -> String {
      (0..<digits).map { _ in String(random.below(16), radix: 16) }.joined()
    }
    let anonymous: [[UInt8]] = (0..<visitors).map { visitor in
      switch visitor % 4 {
      case 0: Array("\(hex(8))-\(hex(4))-\(hex(4))-\(hex(4))-\(hex(12))".utf8)
      case 1: Array("\(hex(8))-\(hex(4))-\(hex(4))-\(hex(4))-\(hex(12))".uppercased().utf8)
      case 2: Array("anon-\(visitor)".utf8)
      default: Array(("anon-\(visitor)-" + String(repeating: "z", count: 150 + visitor)).utf8)
      }
    }
    let users: [[UInt8]] = (0..<visitors).map { Array("user-\($0)@example.com".utf8) }
    let slots: [ProfileSlot] =
      [
        .email, .firstName, .name, .phone, .jobTitle, .previousEmail, .mappedTrait(0),
        .mappedTrait(3),
      ]
    var time: UInt32 = 1_000
    for _ in 0..<count {
      time += UInt32(random.below(3))
      let visitor = random.below(visitors)
      var changes: [(ProfileSlot, String?)] = []
      if random.chance(45) {
        for _ in 0..<(1 + random.below(4)) {
          let slot = random.pick(slots)
          let value =
            random.chance(15)
            ? nil
            : "v\(random.below(1000))"
              + String(repeating: "é", count: random.pick([0, 3, 70, 200]))
          changes.append((slot, value))
        }
      }
      var event = Event(changes: changes, time: time)
      switch random.below(10) {
      case 0, 1, 2:  // identify, signed in or not
        event.anonymousId = anonymous[visitor]
        if random.chance(50) { event.userId = users[visitor] }
      case 3, 4:  // a signed-in track
        event.userId = users[visitor]
      case 5, 6:  // an anonymous page view
        event.anonymousId = anonymous[visitor]
        if random.chance(70) { event.changes = [] }
      case 7:  // alias: the user id takes over the browser's id or an older user id
        event.userId = users[visitor]
        event.previousId = random.chance(50) ? anonymous[visitor] : users[random.below(visitors)]
      case 8:  // link the visitor's two ids: merges when both have profiles
        event.anonymousId = anonymous[visitor]
        event.userId = users[visitor]
      default:  // a shared device: another visitor's browser signs in as this one
        event.anonymousId = anonymous[random.below(visitors)]
        event.userId = users[visitor]
      }
      events.append(event)
    }
    for id in anonymous + users {
      ids.append(Key(namespace: .anonymous, id: id))
      ids.append(Key(namespace: .user, id: id))
    }
  }
}
