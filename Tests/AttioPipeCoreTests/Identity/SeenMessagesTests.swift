import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

@Suite struct SeenMessagesTests {
  @Test func theOldestAreForgottenFirst() {
    var seen = SeenMessages(capacity: 3)
    var inserted: [Bool] = []
    for hash in 1...6 { inserted.append(seen.insert(UInt64(min(hash, 5)))) }
    #expect(inserted == [true, true, true, true, true, false])
    #expect((1...5).map { seen.contains(UInt64($0)) } == [false, false, true, true, true])
    var order: [UInt64] = []
    seen.forEachOldestFirst { order.append($0) }
    #expect(order == [3, 4, 5])
  }

  /// The set agrees with Swift's own through many evictions (deletion by backward shift keeps
  /// every remembered hash reachable), hashes that collide in the table's low bits included.
  @Test func agreesWithASetThroughEvictions() {
    var seen = SeenMessages(capacity: 1_500)
    var model: [UInt64] = []
    var members: Set<UInt64> = []
    var generator = SplitMix(seed: 7)
    for round in 0..<60_000 {
      // Small values collide in the low bits; every third is a repeat of a recent one.
      let hash =
        round % 3 == 0 && !model.isEmpty
        ? model[model.count - 1 - Int(generator.next() % UInt64(min(model.count, 2_000)))]
        : (generator.next() % 4 == 0 ? generator.next() % 5_000 : generator.next())
      let inserted = seen.insert(hash)
      #expect(inserted == !members.contains(SeenMessagesTests.key(hash)))
      if inserted {
        model.append(SeenMessagesTests.key(hash))
        members.insert(SeenMessagesTests.key(hash))
        if members.count > 1_500 { members.remove(model[model.count - 1_501]) }
      }
    }
    #expect(seen.count == members.count)
    for hash in model.suffix(3_000) {
      #expect(seen.contains(hash) == members.contains(hash))
    }
  }

  private static func key(_ hash: UInt64) -> UInt64 { hash == 0 ? 1 : hash }

  /// What an `--omprog` save leaves out (events not done yet): the rest keeps its order and
  /// the original is untouched.
  @Test func removingLeavesTheOthersInOrder() {
    var seen = SeenMessages(capacity: 4)
    for hash in 1...6 { seen.insert(UInt64(hash)) }
    let kept = seen.removing([4, 1])
    var order: [UInt64] = []
    kept.forEachOldestFirst { order.append($0) }
    #expect(order == [3, 5, 6])
    #expect(!kept.contains(4) && kept.contains(3) && kept.count == 3)
    #expect(seen.contains(4) && seen.count == 4)
  }

  /// Saved in the state file: the hash must never change.
  @Test func theHashIsStable() {
    #expect(SeenMessages.hash("m1") == 0x5455_e9ed_ff2d_e8f3)
    #expect(SeenMessages.hash("") != SeenMessages.hash("m1"))
  }

  @Test func theIdentitySectionKeepsThemInOrder() throws {
    var seen = SeenMessages()
    for hash in [UInt64(9), 3, 7] { seen.insert(hash) }
    let bytes = IdentitySection.encode(IdentityStore(), seen)
    let decoded = try IdentitySection.decode(bytes)
    var order: [UInt64] = []
    decoded.seen.forEachOldestFirst { order.append($0) }
    #expect(order == [9, 3, 7])
    // A version 3 section is the store alone: read with no messages seen.
    let old = try IdentitySection.decode(IdentityStore().encodeState(), version: 3)
    #expect(old.seen.count == 0)
    #expect(throws: StateFileError.self) {
      try IdentitySection.decode(IdentityStore().encodeState(), version: 4)
    }
  }
}

/// A small deterministic generator for the tests.
private struct SplitMix {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9e37_79b9_7f4a_7c15
    var z = state
    z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
    z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
    return z ^ (z >> 31)
  }
}
