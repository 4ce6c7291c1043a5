import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// Issue 9 §3: a profile remembers its previous email (normalised), newest change wins, kept
/// across joins and in the state file; every person outcome of such a profile carries it.
@Suite struct PreviousEmailTests {
  private func outcome(_ processor: inout EventProcessor, _ json: String) -> EventOutcome {
    var scanner = EventScanner(enabledEvents: EventNameSet(EventNameSet.defaultNames))
    let bytes = Array(json.utf8)
    return bytes.withUnsafeBufferPointer { processor.process(scanner.scan($0), line: $0) }
  }

  private func person(_ outcome: EventOutcome) -> (PersonValues, [EventWarning])? {
    guard case .person(let values, let warnings) = outcome else { return nil }
    return (values, warnings)
  }

  private func identify(_ id: String, _ email: String) -> String {
    #"{"type":"identify","anonymousId":"\#(id)","traits":{"email":"\#(email)"}}"#
  }

  @Test func laterEventsCarryThePreviousEmailButNotTheWarning() throws {
    var processor = EventProcessor(EventProcessor.Configuration())
    let first = try #require(person(outcome(&processor, identify("u", "old@example.com"))))
    #expect(first.0.previousEmail == nil)
    let changed = try #require(person(outcome(&processor, identify("u", " New@Example.com"))))
    #expect(changed.0.email == "new@example.com")
    #expect(changed.0.previousEmail == "old@example.com")
    #expect(changed.1.contains { $0.reason == .emailChanged })
    let signUp = try #require(
      person(
        outcome(&processor, #"{"type":"track","event":"Signed Up","anonymousId":"u"}"#)))
    #expect(signUp.0.email == "new@example.com")
    #expect(signUp.0.previousEmail == "old@example.com")
    #expect(!signUp.1.contains { $0.reason == .emailChanged })
    // The same address again, differently written: no change, the previous one stays.
    let again = try #require(person(outcome(&processor, identify("u", "NEW@example.com"))))
    #expect(again.0.previousEmail == "old@example.com")
    #expect(!again.1.contains { $0.reason == .emailChanged })
    // The newest change wins.
    let third = try #require(person(outcome(&processor, identify("u", "third@example.com"))))
    #expect(third.0.previousEmail == "new@example.com")
  }

  @Test func anInvalidOldEmailIsNotRemembered() throws {
    var processor = EventProcessor(EventProcessor.Configuration())
    _ = outcome(&processor, identify("u", "n/a"))
    let changed = try #require(person(outcome(&processor, identify("u", "ada@example.com"))))
    #expect(changed.0.previousEmail == nil)
  }

  @Test func aPreviousEmailEqualToTheCurrentOneIsNotCarried() throws {
    var processor = EventProcessor(EventProcessor.Configuration())
    // Visitor a: x then y (previous x). User u: x, set later than a's change.
    _ = outcome(&processor, identify("a", "x@example.com"))
    _ = outcome(&processor, identify("a", "y@example.com"))
    _ = outcome(&processor, #"{"type":"identify","userId":"u","traits":{"email":"x@example.com"}}"#)
    // Joined: the newest email (x, from u) wins, and a's previous email is x too.
    let joined = try #require(
      person(
        outcome(
          &processor, #"{"type":"track","event":"Signed Up","anonymousId":"a","userId":"u"}"#)))
    #expect(joined.0.email == "x@example.com")
    #expect(joined.0.previousEmail == nil)
  }

  @Test func thePreviousEmailIsKeptAcrossJoinsNewestWins() throws {
    var store = IdentityStore()
    func observe(_ anonymous: String?, _ user: String?, _ pairs: [(ProfileSlot, String)]) -> Int32?
    {
      var changes = TraitChanges()
      for (slot, text) in pairs { changes[slot] = .set(text) }
      func buffer<R>(_ text: String?, _ body: (UnsafeBufferPointer<UInt8>?) -> R) -> R {
        guard let text else { return body(nil) }
        return Array(text.utf8).withUnsafeBufferPointer { body($0) }
      }
      return buffer(anonymous) { a in
        buffer(user) { u in store.observe(anonymousId: a, userId: u, changes: changes).profile }
      }
    }
    _ = observe("a", nil, [(.email, "b@x.io"), (.previousEmail, "a@x.io")])
    _ = observe(nil, "u", [(.email, "d@x.io"), (.previousEmail, "c@x.io")])
    let joined = try #require(observe("a", "u", []))
    #expect(store[joined].value(.previousEmail).text == "c@x.io")
    #expect(store[joined][.email] == "d@x.io")
    // Saved and loaded with the rest of the profile.
    let restored = try IdentityStore.decodeState(
      store.encodeState(), capacity: 10, timeToLive: nil, now: 0)
    let slot = try #require(Array("u".utf8).withUnsafeBufferPointer { restored.profile(.user, $0) })
    #expect(restored[slot].value(.previousEmail) == store[joined].value(.previousEmail))
    #expect(restored.encodeState() == store.encodeState())
  }

  /// A version 2 identity section (seven traits per profile, no previous email) still loads.
  @Test func aVersion2SectionStillLoads() throws {
    var writer = StateWriter()
    writer.integer(UInt64(3))  // sequence
    writer.integer(UInt64(1))  // one profile
    writer.integer(UInt32(500))  // last seen
    for (trait, text) in zip(
      ProfileTrait.allCases, ["ada@example.com", "Ada", nil, nil, nil, "CTO", nil])
    {
      guard let text else {
        writer.integer(UInt8(trait == .lastName ? 1 : 0))
        if trait == .lastName { writer.integer(UInt64(2)) }
        continue
      }
      writer.integer(UInt8(2))
      writer.integer(UInt64(trait == .jobTitle ? 3 : 1))
      writer.data(Array(text.utf8))
    }
    writer.integer(UInt16(1))
    writer.integer(IdentityNamespace.user.rawValue)
    writer.data(Array("u1".utf8))
    var reader = StateReader(writer.bytes)
    reader.formatVersion = 2
    let store = try IdentitySection.decode(
      from: &reader, length: writer.bytes.count, capacity: 10, timeToLive: nil, now: 600
    ).store
    let slot = try #require(Array("u1".utf8).withUnsafeBufferPointer { store.profile(.user, $0) })
    #expect(store[slot][.email] == "ada@example.com")
    #expect(store[slot].value(.jobTitle) == Profile.Value(text: "CTO", sequence: 3))
    #expect(store[slot].value(.lastName) == Profile.Value(text: nil, sequence: 2))
    #expect(store[slot].value(.previousEmail) == .never)
  }
}
