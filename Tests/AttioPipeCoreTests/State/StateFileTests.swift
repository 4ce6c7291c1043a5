import Foundation
import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

@Suite struct StateFileTests {
  private func temporaryPath() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("state-\(UUID()).bin").path
  }

  private func store(_ events: [(String?, String?, [ProfileTrait: String])]) -> IdentityStore {
    var store = IdentityStore(capacity: 100, timeToLive: nil)
    store.now = 1_000
    for (anonymous, user, traits) in events {
      var changes = TraitChanges()
      for (trait, value) in traits { changes[trait] = .set(value) }
      let a = anonymous.map { Array($0.utf8) }
      let u = user.map { Array($0.utf8) }
      func buffer(_ bytes: [UInt8]?, _ body: (UnsafeBufferPointer<UInt8>?) -> Void) {
        guard let bytes else { return body(nil) }
        bytes.withUnsafeBufferPointer { body($0) }
      }
      buffer(a) { a in
        buffer(u) { u in _ = store.observe(anonymousId: a, userId: u, changes: changes) }
      }
    }
    return store
  }

  @Test func identityStateRoundTrips() throws {
    let original = store([
      ("a1", "u1", [.email: "ada@example.com", .name: "Ada Lovelace"]),
      ("a2", nil, [.email: "grace@example.com", .jobTitle: "Admiral"]),
      ("a1", nil, [.phone: "+15558675309"]),
    ])
    let bytes = original.encodeState()
    let restored = try IdentityStore.decodeState(bytes, capacity: 100, timeToLive: nil, now: 2_000)
    #expect(restored.count == 2)
    #expect(restored.encodeState() == bytes)
    let slot = try #require(
      Array("u1".utf8).withUnsafeBufferPointer { restored.profile(.user, $0) })
    #expect(restored[slot][.phone] == "+15558675309")
    #expect(restored[slot][.email] == "ada@example.com")
  }

  @Test func fileRoundTripsAtomicallyWithPrivateMode() throws {
    let path = temporaryPath()
    defer { try? FileManager.default.removeItem(atPath: path) }
    let file = StateFile(path: path)
    #expect(try file.load() == StateFile.Contents())  // a missing file is an empty state
    let contents = StateFile.Contents(identity: [1, 2, 3], delivery: Array("x".utf8))
    try file.save(contents)
    #expect(try file.load() == contents)
    let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
    #expect(mode == 0o600)
    let leftovers = try FileManager.default.contentsOfDirectory(
      atPath: (path as NSString).deletingLastPathComponent
    )
    .filter { $0.hasPrefix((path as NSString).lastPathComponent + ".tmp") }
    #expect(leftovers.isEmpty)
  }

  @Test func damagedFilesAreErrorsNeverCrashes() throws {
    let path = temporaryPath()
    defer { try? FileManager.default.removeItem(atPath: path) }
    let file = StateFile(path: path)
    try file.save(
      StateFile.Contents(identity: store([("a", "u", [.email: "e@x.io"])]).encodeState()))
    let good = try Data(contentsOf: URL(fileURLWithPath: path))
    // Every truncation and a flip of every byte is refused with an error.
    for length in stride(from: 0, to: good.count, by: 3) {
      try good.prefix(length).write(to: URL(fileURLWithPath: path))
      #expect(throws: StateFileError.self) { try file.load() }
    }
    for index in 0..<good.count {
      var damaged = good
      damaged[index] ^= 0x20
      try damaged.write(to: URL(fileURLWithPath: path))
      #expect(throws: StateFileError.self) { try file.load() }
    }
  }

  @Test func anotherFormatOrVersionIsRefused() throws {
    let path = temporaryPath()
    defer { try? FileManager.default.removeItem(atPath: path) }
    try Data("{\"not\":\"state\"}".utf8).write(to: URL(fileURLWithPath: path))
    #expect(throws: StateFileError.notAStateFile(path: path)) { try StateFile(path: path).load() }
    var future = StateFile.magic
    future += [9, 0, 0, 0]
    try Data(future).write(to: URL(fileURLWithPath: path))
    #expect(throws: StateFileError.unsupportedVersion(path: path, version: 9)) {
      try StateFile(path: path).load()
    }
  }

  @Test func profilesPastTheirTimeToLiveAreForgotten() {
    var store = IdentityStore(capacity: 100, timeToLive: 60)
    store.now = 1_000
    var changes = TraitChanges()
    changes[.email] = .set("old@x.io")
    _ = Array("old".utf8).withUnsafeBufferPointer {
      store.observe(anonymousId: $0, userId: nil, changes: changes)
    }
    store.now = 1_050
    changes[.email] = .set("new@x.io")
    _ = Array("new".utf8).withUnsafeBufferPointer {
      store.observe(anonymousId: $0, userId: nil, changes: changes)
    }
    store.now = 1_070
    #expect(store.evictExpired() == 1)
    #expect(store.count == 1)
    #expect(Array("old".utf8).withUnsafeBufferPointer { store.profile(.anonymous, $0) } == nil)
    #expect(Array("new".utf8).withUnsafeBufferPointer { store.profile(.anonymous, $0) } != nil)
  }

  @Test func deliveredStateRoundTripsPeopleInTheirOrderWithRecordIds() throws {
    var memory = PersonMemory(capacity: 10)
    let ada = request("ada@example.com", title: "CTO")
    memory.record(ada)
    memory.learn(recordId: "00000ada-0000-4000-8000-000000000ada", for: "ada@example.com")
    memory.record(request("bob@example.com", title: "CFO"))
    _ = memory.recordId(of: "ada@example.com")  // ada is now the most recent
    let decoded = try DeliveredState.decode(DeliveredState.encode(memory))
    #expect(decoded.messages.isEmpty)
    var restored = decoded.memory
    #expect(restored.count == 2)
    let answer1 = restored.changesNothing(ada)
    #expect(answer1)
    let answer2 = restored.changesNothing(request("ada@example.com", title: "CEO"))
    #expect(!answer2)
    let answer3 = restored.recordId(of: "ada@example.com")
    #expect(answer3 == "00000ada-0000-4000-8000-000000000ada")
    let answer4 = restored.recordId(of: "bob@example.com")
    #expect(answer4 == nil)
    // Loaded into a smaller memory, the least recently used (bob) is dropped and counted.
    let smaller = try DeliveredState.decode(DeliveredState.encode(memory), capacity: 1)
    #expect(smaller.memory.evictions == 1)
    var kept = smaller.memory
    let answer5 = kept.recordId(of: "ada@example.com")
    #expect(answer5 == "00000ada-0000-4000-8000-000000000ada")
    let answer6 = kept.changesNothing(request("bob@example.com", title: "CFO"))
    #expect(!answer6)
  }

  /// Versions 1 and 2 kept the values themselves: they are read (hashed), without record ids.
  @Test func aVersion2DeliverySectionIsRead() throws {
    var writer = StateWriter()
    writer.integer(UInt64(1))
    writer.data("ada@example.com".utf8)
    writer.integer(UInt32(2))
    writer.data("email_addresses".utf8)
    writer.data(#"[{"email_address":"ada@example.com"}]"#.utf8)
    writer.data("job_title".utf8)
    writer.data(#"[{"value":"CTO"}]"#.utf8)
    writer.integer(UInt64(1))
    writer.data("m1".utf8)
    let decoded = try DeliveredState.decode(writer.bytes, version: 2)
    var memory = decoded.memory
    let answer7 = memory.changesNothing(request("ada@example.com", title: "CTO"))
    #expect(answer7)
    let answer8 = memory.changesNothing(request("ada@example.com", title: "CEO"))
    #expect(!answer8)
    let answer9 = memory.recordId(of: "ada@example.com")
    #expect(answer9 == nil)
    #expect(decoded.messages == ["m1"])
    // Read as version 3, the same bytes are not a valid section.
    #expect(throws: StateFileError.self) { try DeliveredState.decode(writer.bytes, version: 3) }
  }

  private func request(_ email: String, title: String) -> UpsertRequest {
    UpsertRequest(
      email: email, emailSlug: "email_addresses",
      attributes: [
        .init(slug: "email_addresses", value: Array(#"[{"email_address":"\#(email)"}]"#.utf8)),
        .init(slug: "job_title", value: Array(#"[{"value":"\#(title)"}]"#.utf8)),
      ])
  }
}
