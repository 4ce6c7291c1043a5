import Testing

@testable import AttioPipeCore

private func changes(_ pairs: [ProfileTrait: TraitChange]) -> TraitChanges {
  var changes = TraitChanges()
  for (trait, change) in pairs { changes[trait] = change }
  return changes
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
    let slot = try #require(store.profile(for: .anonymous("a")))
    #expect(store[slot][.email] == "e@x.io")
    #expect(store.count == 1)
  }

  @Test func namespacesAreSeparate() {
    var store = IdentityStore()
    _ = store.observe(anonymousId: "same", userId: nil, changes: changes([.name: .set("A")]))
    #expect(store.profile(for: .user("same")) == nil)
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
    #expect(store.profile(for: .anonymous("a")) == store.profile(for: .user("u")))
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
    let slot = try #require(store.profile(for: .user("u")))
    #expect(store[slot][.email] == "e@x.io")

    _ = store.observe(anonymousId: nil, userId: "u2", previousId: "u", changes: TraitChanges())
    #expect(store.profile(for: .user("u2")) == slot)
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
    #expect(store.profile(for: .anonymous("2")) == nil)
    #expect(store.profile(for: .anonymous("1")) != nil)
    #expect(store.profile(for: .anonymous("3")) != nil)
  }
}
