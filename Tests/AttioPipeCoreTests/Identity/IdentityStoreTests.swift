import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

private func changes(_ pairs: [ProfileTrait: TraitChange]) -> TraitChanges {
  var changes = TraitChanges()
  for (trait, change) in pairs { changes[trait] = change }
  return changes
}

/// String conveniences for the tests; the store itself works on the bytes of the input line.
extension IdentityStore {
  fileprivate mutating func observe(
    anonymousId: String?, userId: String?, previousId: String? = nil, changes: TraitChanges
  ) -> Observation {
    func bytes(_ text: String?) -> [UInt8]? { text.map { Array($0.utf8) } }
    let anonymous = bytes(anonymousId)
    let user = bytes(userId)
    let previous = bytes(previousId)
    return withBuffer(anonymous) { anonymousId in
      withBuffer(user) { userId in
        withBuffer(previous) { previousId in
          observe(
            anonymousId: anonymousId, userId: userId, previousId: previousId, changes: changes)
        }
      }
    }
  }

  fileprivate func profile(for key: (IdentityNamespace, String)) -> Int32? {
    Array(key.1.utf8).withUnsafeBufferPointer { profile(key.0, $0) }
  }
}

private func withBuffer<Result>(
  _ bytes: [UInt8]?, _ body: (UnsafeBufferPointer<UInt8>?) -> Result
) -> Result {
  guard let bytes else { return body(nil) }
  return bytes.withUnsafeBufferPointer { body($0) }
}

@Suite struct IdentityStoreTests {
  @Test func storesNothingForAnonymousPageViews() {
    var store = IdentityStore()
    let observation = store.observe(anonymousId: "a", userId: nil, changes: TraitChanges())
    #expect(observation.profile == nil)
    #expect(store.count == 0)
  }

  @Test func mergesTraitsNewValuesOverwriting() throws {
    var store = IdentityStore()
    _ = store.observe(
      anonymousId: "a", userId: nil,
      changes: changes([.email: .set("x@example.com"), .jobTitle: .set("CTO")]))
    let slot = try #require(
      store.observe(
        anonymousId: "a", userId: nil, changes: changes([.email: .set("y@example.com")])
      ).profile)
    #expect(store[slot][.email] == "y@example.com")
    #expect(store[slot][.jobTitle] == "CTO")
  }

  @Test func nullRemovesATrait() throws {
    var store = IdentityStore()
    _ = store.observe(anonymousId: "a", userId: nil, changes: changes([.phone: .set("+1")]))
    let slot = try #require(
      store.observe(anonymousId: "a", userId: nil, changes: changes([.phone: .remove])).profile)
    #expect(store[slot][.phone] == nil)
  }

  @Test func anEventWithBothIdsLinksThem() throws {
    var store = IdentityStore()
    _ = store.observe(anonymousId: "a", userId: "u", changes: TraitChanges())
    _ = store.observe(anonymousId: nil, userId: "u", changes: changes([.email: .set("e@x.io")]))
    let slot = try #require(store.profile(for: (.anonymous, "a")))
    #expect(store[slot][.email] == "e@x.io")
    #expect(store.count == 1)
  }

  @Test func namespacesAreSeparate() {
    var store = IdentityStore()
    _ = store.observe(anonymousId: "same", userId: nil, changes: changes([.name: .set("A")]))
    #expect(store.profile(for: (.user, "same")) == nil)
  }

  @Test func joiningTwoKnownProfilesKeepsTheMoreRecentValueOfEachTrait() throws {
    var store = IdentityStore()
    _ = store.observe(anonymousId: "a", userId: nil, changes: changes([.email: .set("old@x.io")]))
    _ = store.observe(
      anonymousId: nil, userId: "u",
      changes: changes([.email: .set("new@x.io"), .jobTitle: .set("Dev")]))
    _ = store.observe(anonymousId: "a", userId: nil, changes: changes([.name: .set("Ada L")]))
    let slot = try #require(
      store.observe(anonymousId: "a", userId: "u", changes: TraitChanges()).profile)
    #expect(store[slot][.email] == "new@x.io")
    #expect(store[slot][.jobTitle] == "Dev")
    #expect(store[slot][.name] == "Ada L")
    #expect(store.count == 1)
    #expect(store.profile(for: (.anonymous, "a")) == store.profile(for: (.user, "u")))
  }

  @Test func aRemovalIsARecentValueToo() throws {
    var store = IdentityStore()
    _ = store.observe(anonymousId: nil, userId: "u", changes: changes([.phone: .set("+44")]))
    _ = store.observe(anonymousId: "a", userId: nil, changes: changes([.phone: .remove]))
    let slot = try #require(
      store.observe(anonymousId: "a", userId: "u", changes: TraitChanges()).profile)
    #expect(store[slot][.phone] == nil)
  }

  @Test func aliasLinksThePreviousIdOfEitherNamespace() throws {
    var store = IdentityStore()
    _ = store.observe(anonymousId: "anon", userId: nil, changes: changes([.email: .set("e@x.io")]))
    _ = store.observe(anonymousId: nil, userId: "u", previousId: "anon", changes: TraitChanges())
    let slot = try #require(store.profile(for: (.user, "u")))
    #expect(store[slot][.email] == "e@x.io")

    _ = store.observe(anonymousId: nil, userId: "u2", previousId: "u", changes: TraitChanges())
    #expect(store.profile(for: (.user, "u2")) == slot)
    #expect(store.profile(for: (.anonymous, "u")) == nil)
  }

  @Test func aliasOfAnUnknownIdLinksBothNamespaces() throws {
    var store = IdentityStore()
    _ = store.observe(anonymousId: nil, userId: "u", previousId: "browser", changes: TraitChanges())
    _ = store.observe(anonymousId: nil, userId: "u", changes: changes([.email: .set("e@x.io")]))
    let slot = try #require(store.profile(for: (.anonymous, "browser")))
    #expect(store.profile(for: (.user, "browser")) == slot)
    #expect(store[slot][.email] == "e@x.io")
  }

  @Test func evictionsAtScaleKeepTheIndexConsistent() {
    var store = IdentityStore(capacity: 1000)
    let some = changes([.email: .set("e@x.io")])
    var evicted = 0
    for visitor in 0..<50_000 {
      let id = "visitor-\(visitor)-" + String(repeating: "x", count: visitor % 40)
      evicted += store.observe(anonymousId: id, userId: "user-\(visitor)", changes: some).evicted
    }
    #expect(evicted == 49_000)
    #expect(store.count == 1000)
    #expect(store.profile(for: (.anonymous, "visitor-0-")) == nil)
    for visitor in 49_000..<50_000 {
      let id = "visitor-\(visitor)-" + String(repeating: "x", count: visitor % 40)
      let slot = store.profile(for: (.anonymous, id))
      #expect(slot != nil && slot == store.profile(for: (.user, "user-\(visitor)")))
    }
  }

  @Test func evictsTheLeastRecentlySeenBeyondCapacity() {
    var store = IdentityStore(capacity: 2)
    let some = changes([.email: .set("e@x.io")])
    _ = store.observe(anonymousId: "1", userId: nil, changes: some)
    _ = store.observe(anonymousId: "2", userId: nil, changes: some)
    _ = store.observe(anonymousId: "1", userId: nil, changes: TraitChanges())  // 1 is fresh again
    let observation = store.observe(anonymousId: "3", userId: nil, changes: some)
    #expect(observation.evicted == 1)
    #expect(store.count == 2)
    #expect(store.profile(for: (.anonymous, "2")) == nil)
    #expect(store.profile(for: (.anonymous, "1")) != nil)
    #expect(store.profile(for: (.anonymous, "3")) != nil)
  }
}

/// Issue 7.10: profiles dropped as a state file is loaded are evictions too.
@Suite struct LoadEvictionTests {
  @Test func expiredAndExcessProfilesAreCountedWhenLoaded() throws {
    var store = IdentityStore(capacity: 100, timeToLive: nil)
    for (visitor, time) in [("old", UInt32(1_000)), ("mid", 5_000), ("new", 9_000)] {
      store.now = time
      var changes = TraitChanges()
      changes[.email] = .set("\(visitor)@example.com")
      _ = Array(visitor.utf8).withUnsafeBufferPointer {
        store.observe(anonymousId: $0, userId: nil, changes: changes)
      }
    }
    let bytes = store.encodeState()
    // TTL 3 000 s at 10 000 drops "old" and "mid"; capacity 2 alone would drop "old".
    let expired = try IdentityStore.decodeState(
      bytes, capacity: 100, timeToLive: 3_000, now: 10_000)
    #expect(expired.count == 1)
    #expect(expired.evictedOnLoad == 2)
    let trimmed = try IdentityStore.decodeState(bytes, capacity: 2, timeToLive: nil, now: 10_000)
    #expect(trimmed.evictedOnLoad == 1)
    let processor = EventProcessor(EventProcessor.Configuration(), identities: trimmed)
    #expect(processor.evictions == 1)
  }

  /// The clock is read again for the first line after a wait, so a profile that expired while
  /// the input was idle is not used.
  @Test func theFirstLineAfterAWaitSeesAnExpiredProfileGone() {
    var configuration = EventProcessor.Configuration()
    configuration.identityTimeToLive = 60
    var processor = EventProcessor(configuration)
    let identify = Array(#"{"type":"identify","anonymousId":"a","traits":{"email":"a@b.io"}}"#.utf8)
    let track = Array(#"{"type":"track","event":"Signed Up","anonymousId":"a"}"#.utf8)
    var scanner = EventScanner(enabledEvents: EventNameSet(EventNameSet.defaultNames))
    _ = identify.withUnsafeBufferPointer { processor.process(scanner.scan($0), line: $0) }
    // Pretend the profile was last seen two hours ago: move the store's clock back.
    processor.setClockForTesting(UInt32(wallClock()) - 7_200)
    _ = identify.withUnsafeBufferPointer { processor.process(scanner.scan($0), line: $0) }
    let outcome = track.withUnsafeBufferPointer { line -> EventOutcome in
      var scanned = scanner.scan(line)
      scanned.followsWait = true
      return processor.process(scanned, line: line)
    }
    #expect(outcome == .skipped(.noEmail))
    #expect(processor.evictions == 1)
  }
}
