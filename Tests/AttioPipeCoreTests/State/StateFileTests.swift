import Foundation
import Testing

@testable import AttioPipeCore

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

  @Test func deliveredStateRoundTrips() throws {
    var delivered = DeliveredMessages(capacity: 2)
    delivered.insert("m1")
    delivered.insert("m2")
    delivered.insert("m3")  // m1 falls out
    let known = ["ada@example.com": ["job_title": Array(#"[{"value":"CTO"}]"#.utf8)]]
    let decoded = try DeliveredState.decode(DeliveredState.encode(known, delivered))
    #expect(decoded.known == known)
    #expect(decoded.delivered.all == ["m2", "m3"])
  }
}
