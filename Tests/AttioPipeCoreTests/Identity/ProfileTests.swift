import TestSupport
import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// The packed profile layout (Profile.swift): what `ProfileBuilder` writes, `ProfileHeap` keeps
/// and `ProfileRecords` walks comes back value for value and id for id, at the layout's edges
/// (one- and two-byte lengths, the 4096-byte cut, 6-byte sequences, 4-byte offsets) and with
/// ids before, between and after the values.
@Suite struct ProfileTests {
  @Test func whatTheBuilderWritesReadsBack() {
    var random = SeededRandom(seed: 21)
    var builder = ProfileBuilder()
    for _ in 0..<400 {
      let profile = RandomProfile(&random)
      builder.reset()
      profile.write(into: &builder)
      profile.expectRead(Profile(records: builder.bytes))
    }
  }

  @Test func aValueOverTheLimitIsCutAtACharacterBoundary() {
    // Characters of one to four bytes, so that the cut falls inside one for some lengths.
    for filler in ["a", "é", "€", "𝄞"] {
      for length in [4094, 4095, 4096, 4097, 4098, 4099, 4100, 6000] {
        var text = String(repeating: "x", count: length % 4)
        while text.utf8.count < length { text += filler }
        let profile = Profile(values: [(.jobTitle, Profile.Value(text: text, sequence: 1))])
        let kept = profile[.jobTitle] ?? ""
        if text.utf8.count <= ProfileBuilder.maximumValueLength {
          #expect(kept == text)
        } else {
          // Cut, and as long as whole characters allow: one more would not fit.
          #expect(text.hasPrefix(kept))
          #expect(kept.utf8.count <= ProfileBuilder.maximumValueLength)
          #expect(kept.utf8.count + filler.utf8.count > ProfileBuilder.maximumValueLength)
        }
      }
    }
  }

  @Test func theNewestValueOfASlotWinsAndTheFirstOfEqualAge() {
    let profile = Profile(values: [
      (.email, Profile.Value(text: "old@x.io", sequence: 3)),
      (.email, Profile.Value(text: "new@x.io", sequence: 5)),
      (.email, Profile.Value(text: "older@x.io", sequence: 4)),
      (.phone, Profile.Value(text: "+1", sequence: 2)),
      (.phone, Profile.Value(text: "+2", sequence: 2)),
      (.name, Profile.Value(text: "never", sequence: 0)),
      (.country, Profile.Value(text: nil, sequence: 9)),
    ])
    #expect(profile.value(.email) == Profile.Value(text: "new@x.io", sequence: 5))
    #expect(profile.value(.phone) == Profile.Value(text: "+1", sequence: 2))
    #expect(profile.value(.name) == .never)
    #expect(profile.value(.country) == Profile.Value(text: nil, sequence: 9))
  }

  /// Floor 0: the arena is compacted whenever it would grow with a quarter of it garbage, so
  /// blocks move under every kind of change (rewrites in place, moves, clears, copies).
  @Test(arguments: [0, 1 << 20])
  func theHeapKeepsEachSlotsBytesAndCopiesDeeply(compactionFloor: Int) {
    var random = SeededRandom(seed: 5)
    let heap = ProfileHeap(capacity: 2, compactionFloor: compactionFloor)
    var expected: [Int32: [UInt8]] = [:]
    for step in 0..<3000 {
      let slot = Int32(random.below(120))
      heap.reserve(Int(slot) + 1)
      var records: [UInt8]
      switch random.below(5) {
      case 0:
        heap.clear(slot)
        expected[slot] = nil
        continue
      case 1:
        // The same size again: rewritten in place.
        records = (0..<(expected[slot]?.count ?? 3)).map { _ in UInt8(random.below(256)) }
      default:
        records = (0..<random.pick([0, 1, 4, 100, 700])).map { _ in UInt8(random.below(256)) }
      }
      records.withUnsafeBytes { heap.store(slot, $0) }
      expected[slot] = records.isEmpty ? nil : records

      if step % 250 == 0 {
        let copy = heap.copy()
        let before = contents(of: copy)
        #expect(before == contents(of: heap))
        heap.clear(slot)
        [UInt8](repeating: 0xAB, count: 9).withUnsafeBytes { heap.store(Int32(0), $0) }
        #expect(contents(of: copy) == before, "a copy saw the original's change")
        heap.clear(slot)
        heap.clear(0)
        expected[slot] = nil
        expected[0] = nil
      }
    }
    for slot in 0..<Int32(heap.capacity) {
      #expect(Array(heap.view(slot).records) == (expected[slot] ?? []), "slot \(slot)")
    }
    #expect(heap.byteCount == expected.values.reduce(0) { $0 + $1.count })
    #expect((heap.compactions > 0) == (compactionFloor == 0))
    heap.compact()
    #expect(heap.garbageBytes == 0)
    for slot in 0..<Int32(heap.capacity) {
      #expect(Array(heap.view(slot).records) == (expected[slot] ?? []), "slot \(slot)")
    }
  }

  /// Profiles of 32 KiB and more take a 4-byte length (2 bytes below): both kinds side by
  /// side, rewritten across the boundary in place and moved, survive a compaction.
  @Test func largeAndSmallProfilesKeepTheirLengthsAcrossRewritesAndCompaction() {
    let heap = ProfileHeap(capacity: 4, compactionFloor: 0)
    func records(_ count: Int, _ fill: UInt8) -> [UInt8] {
      (0..<count).map { UInt8(truncatingIfNeeded: $0) &+ fill }
    }
    let cases: [(Int32, [UInt8])] = [
      (0, records(0x7FFF, 1)), (1, records(0x8000, 2)), (2, records(70_000, 3)), (3, records(5, 4)),
    ]
    for (slot, bytes) in cases { bytes.withUnsafeBytes { heap.store(slot, $0) } }
    // Across the boundary both ways: in place (shorter) and moved (longer).
    let shrunk = records(100, 9)
    shrunk.withUnsafeBytes { heap.store(2, $0) }
    let grown = records(40_000, 7)
    grown.withUnsafeBytes { heap.store(3, $0) }
    heap.clear(0)
    heap.compact()
    #expect(heap.view(0).records.isEmpty)
    #expect(Array(heap.view(1).records) == cases[1].1)
    #expect(Array(heap.view(2).records) == shrunk)
    #expect(Array(heap.view(3).records) == grown)
    #expect(heap.byteCount == 0x8000 + 100 + 40_000)
  }

  @Test func storeBuiltStoresTheBuildersProfileAndResetsIt() {
    var random = SeededRandom(seed: 8)
    let heap = ProfileHeap()
    var profiles: [Int32: RandomProfile] = [:]
    for _ in 0..<300 {
      let slot = Int32(random.below(40))
      let profile = RandomProfile(&random)
      heap.builder.reset()
      profile.write(into: &heap.builder)
      heap.storeBuilt(slot)
      #expect(heap.builder.bytes.isEmpty)
      profiles[slot] = profile
    }
    for (slot, profile) in profiles {
      profile.expectRead(Profile(records: Array(heap.view(slot).records)))
    }
  }

  private func contents(of heap: ProfileHeap) -> [[UInt8]] {
    (0..<Int32(heap.capacity)).map { Array(heap.view($0).records) }
  }
}

/// A random profile and what reading it must give: values of every length class (raw bytes up
/// to the limit, including the layout's tag bytes 0x80, 0xC0 and 0xFF; UTF-8 text beyond it),
/// removals, ignored sequence 0, repeated slots, the largest sequence; ids of every shape
/// (packed or not, up to the longest kept).
private struct RandomProfile {
  struct Add {
    var slot: ProfileSlot
    var sequence: UInt64
    var bytes: [UInt8]?
  }

  static let slots: [ProfileSlot] =
    [.email, .firstName, .lastName, .name, .phone, .jobTitle, .country, .previousEmail]
    + [ProfileSlot.mappedTrait(0), .mappedTrait(1), ProfileSlot(rawValue: ProfileSlot.limit - 1)]
  static let lengths = [0, 1, 2, 0x7F, 0x80, 0xC0, 0xFF, 0x100, 0x3FF, 4095, 4096]
  static let longLengths = [4097, 4100, 6000]

  var adds: [Add] = []
  struct Key: Equatable {
    var namespace: IdentityNamespace
    var text: String
  }

  static let ids = [
    "cd613e30-d8f1-4adf-91b7-584a2265b1f5", "100000423117", "0042", "65a1f0c2e4b0", "",
    "usr_1e2f414c343c", String(repeating: "é", count: 512),
  ]

  var keys: [Key] = []
  /// Ids written before the values (the layout allows any order).
  var keysFirst = 0

  init(_ random: inout SeededRandom) {
    for _ in 0..<random.below(12) {
      let slot = random.pick(Self.slots)
      let sequence =
        random.chance(5) ? ProfileBuilder.maximumSequence : UInt64(random.below(6))
      var bytes: [UInt8]?
      if random.chance(85) {
        if random.chance(90) {
          bytes = (0..<random.pick(Self.lengths)).map { _ in
            random.pick([0x80, 0xC0, 0xFF, 0x00, UInt8(random.below(256))])
          }
        } else {
          let filler = random.pick(["a", "é", "€", "𝄞"])
          let length = random.pick(Self.longLengths)
          var text = ""
          while text.utf8.count < length { text += filler }
          bytes = Array(text.utf8)
        }
      }
      adds.append(Add(slot: slot, sequence: sequence, bytes: bytes))
    }
    for _ in 0..<random.below(5) {
      keys.append(
        Key(namespace: random.chance(50) ? .anonymous : .user, text: random.pick(Self.ids)))
    }
    keysFirst = random.below(keys.count + 1)
  }

  /// The builder's rule, stated apart from it: per slot the add with the highest sequence,
  /// the first of equal ones, none at sequence 0; values cut to whole characters within 4096.
  var expectedValues: [ProfileSlot: (sequence: UInt64, bytes: [UInt8]?)] {
    var values: [ProfileSlot: (sequence: UInt64, bytes: [UInt8]?)] = [:]
    for add in adds where add.sequence > 0 {
      if let present = values[add.slot], present.sequence >= add.sequence { continue }
      values[add.slot] = (add.sequence, add.bytes.map(Self.cut))
    }
    return values
  }

  private static func cut(_ bytes: [UInt8]) -> [UInt8] {
    guard bytes.count > ProfileBuilder.maximumValueLength else { return bytes }
    var kept: [UInt8] = []
    for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars {
      let encoded = Array(String(scalar).utf8)
      guard kept.count + encoded.count <= ProfileBuilder.maximumValueLength else { break }
      kept += encoded
    }
    return kept
  }

  func write(into builder: inout ProfileBuilder) {
    for key in keys[..<keysFirst] { add(key, to: &builder) }
    // One buffer for every value: the builder holds their pointers until finishValues().
    var storage: [UInt8] = []
    var ranges: [Range<Int>?] = []
    for add in adds {
      ranges.append(
        add.bytes.map { bytes in
          storage += bytes
          return storage.count - bytes.count..<storage.count
        })
    }
    storage.withUnsafeBytes { all in
      for (add, range) in zip(adds, ranges) {
        builder.add(
          add.slot, sequence: add.sequence,
          bytes: range.map { UnsafeRawBufferPointer(rebasing: all[$0]) })
      }
      builder.finishValues()
    }
    for key in keys[keysFirst...] { add(key, to: &builder) }
  }

  private func add(_ key: Key, to builder: inout ProfileBuilder) {
    Array(key.text.utf8).withUnsafeBufferPointer { builder.addKey(key.namespace, $0) }
  }

  func expectRead(_ profile: Profile, sourceLocation: SourceLocation = #_sourceLocation) {
    let expected = expectedValues
    #expect(
      profile.keys.map { Key(namespace: $0.0, text: $0.1) } == keys, sourceLocation: sourceLocation)
    profile.withView { view in
      var seen: [ProfileSlot] = []
      var previous: UInt64 = 0
      view.forEachValue { slot, value in
        seen.append(slot)
        #expect(value.sequence >= previous, "groups oldest first", sourceLocation: sourceLocation)
        previous = value.sequence
      }
      #expect(seen.count == Set(seen).count, "a slot written twice", sourceLocation: sourceLocation)
      #expect(Set(seen) == Set(expected.keys), sourceLocation: sourceLocation)
      let fixed = view.fixedValues()
      for slot in Self.slots {
        let value = view.value(slot)
        #expect(value.sequence == expected[slot]?.sequence ?? 0, sourceLocation: sourceLocation)
        #expect(
          value.bytes.map { Array($0) } == expected[slot]?.bytes, "slot \(slot.rawValue)",
          sourceLocation: sourceLocation)
        if slot.rawValue < 9 {
          #expect(fixed[slot].sequence == value.sequence, sourceLocation: sourceLocation)
          #expect(
            fixed[slot].bytes.map { Array($0) } == value.bytes.map { Array($0) },
            sourceLocation: sourceLocation)
        }
      }
    }
  }
}
