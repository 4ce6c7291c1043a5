import TestSupport
import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// The id index keeps no bytes of its own: it confirms a hash against the ids of the profile
/// an entry names, and moves or drops a profile's ids by their hash and that profile. A few
/// thousand events of many visitors, with evictions, merges, aliases and re-identifications,
/// must leave every id naming the profile that lists it, no entry behind, and a state file
/// that reads back to the same store.
@Suite struct IdentityConsistencyTests {
  @Test(arguments: [2_024, 77] as [UInt64])
  func everyIdNamesTheProfileThatListsIt(seed: UInt64) throws {
    var random = SeededRandom(seed: seed)
    let script = EventScript(&random, events: 6_000)
    var store = IdentityStore(capacity: 40)
    var copy: (store: IdentityStore, state: [UInt8])?
    var evicted = 0
    var merged = 0
    for (position, event) in script.events.enumerated() {
      store.now = event.time
      let before = store.count
      let observed = event.observe(in: &store)
      evicted += observed.evicted
      if store.count + observed.evicted < before { merged += 1 }
      if position == 2_000 { copy = (store, store.encodeState()) }
      if position % 150 == 0 || position == script.events.count - 1 {
        expectConsistent(store, ids: script.ids)
      }
    }
    #expect(evicted > 2_000)
    #expect(merged > 5)
    // A copy taken on the way shares the profiles until one changes: it saw nothing since.
    let (kept, state) = try #require(copy)
    #expect(firstDifference(kept.encodeState(), state) == nil)
    expectConsistent(kept, ids: script.ids)
    // The state file reads back to a store that writes the same file.
    let state2 = store.encodeState()
    let restored = try IdentityStore.decodeState(
      state2, capacity: 40, timeToLive: nil, now: store.now)
    #expect(firstDifference(restored.encodeState(), state2) == nil)
    expectConsistent(restored, ids: script.ids)
  }

  /// Every id the store knows names a profile that lists it, every id a profile lists names
  /// that profile, and the index holds no entry beyond them (an id dropped or moved by the
  /// wrong hash would stay behind).
  private func expectConsistent(
    _ store: IdentityStore, ids: [EventScript.Key],
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    var profiles = 0
    var listedIds = 0
    var slot = store.oldestSlot
    while slot >= 0 {
      profiles += 1
      for (namespace, text) in store[slot].keys {
        listedIds += 1
        let named = Array(text.utf8).withUnsafeBufferPointer { store.profile(namespace, $0) }
        #expect(named == slot, "\(text)", sourceLocation: sourceLocation)
      }
      slot = store.newerSlot(than: slot)
    }
    #expect(profiles == store.count, sourceLocation: sourceLocation)
    #expect(listedIds == store.idCount, sourceLocation: sourceLocation)
    for key in ids {
      guard let slot = key.id.withUnsafeBufferPointer({ store.profile(key.namespace, $0) }) else {
        continue
      }
      let text = String(decoding: key.id, as: UTF8.self)
      let listed = store[slot].keys.contains { $0.0 == key.namespace && $0.1 == text }
      #expect(listed, "\(text)", sourceLocation: sourceLocation)
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
