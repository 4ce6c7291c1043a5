import Foundation
import TestSupport
import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// Canonical UUIDs, numbers and lower-case hex ids are stored packed (`PackedID`); every id
/// must still name exactly itself and come back byte for byte.
@Suite struct IdentityIndexTests {
  private let ids = [
    "cd613e30-d8f1-4adf-91b7-584a2265b1f5",
    "CD613E30-D8F1-4ADF-91B7-584A2265B1F5",  // upper case: another id, stored as written
    "cd613e30d8f14adf91b7584a2265b1f5",
    "{cd613e30-d8f1-4adf-91b7-584a2265b1f5}",
    "cd613e30-d8f1-4adf-91b7-584a2265b1fg",  // not hex
    "00000000-0000-0000-0000-000000000000",
    "ffffffff-ffff-ffff-ffff-ffffffffffff",
    "usr_1e2f414c343c",
    "",
    "0", "7", "007", "100000423117", "9999999999999999999",  // decimal
    "18446744073709551615", "99999999999999999999",  // 20 digits: even, so hex
    "0c", "12", "c", "65a1f0c2e4b0a1b2c3d4e5f6", "65A1F0C2E4B0A1B2C3D4E5F6", "abc",  // hex, text
    "00000000000000000000000000000000", "ffffffffffffffffffffffffffffffff0",  // 32 and 33
    "+4915112345678", "12 34", "-1",
  ]

  /// Makes a profile for `id` alone (an event that carries only it) and returns its slot.
  private func add(
    _ id: [UInt8], _ namespace: IdentityNamespace, to store: inout IdentityStore
  ) -> Int32? {
    id.withUnsafeBufferPointer { id in
      store.observe(
        anonymousId: namespace == .anonymous ? id : nil, userId: namespace == .user ? id : nil,
        changes: TraitChanges(), needsProfile: true
      ).profile
    }
  }

  private func profile(
    _ id: [UInt8], _ namespace: IdentityNamespace, in store: IdentityStore
  ) -> Int32? {
    id.withUnsafeBufferPointer { store.profile(namespace, $0) }
  }

  @Test func everyIdNamesItselfAndComesBackAsWritten() throws {
    var store = IdentityStore(capacity: ids.count)
    var slots: [Int32] = []
    for id in ids { slots.append(try #require(add(Array(id.utf8), .anonymous, to: &store))) }
    #expect(Set(slots).count == ids.count)
    for (position, id) in ids.enumerated() {
      #expect(profile(Array(id.utf8), .anonymous, in: store) == slots[position], "\(id)")
      #expect(profile(Array(id.utf8), .user, in: store) == nil)
      let keys = store[slots[position]].keys
      #expect(keys.count == 1 && keys[0].0 == .anonymous && keys[0].1 == id, "\(id)")
    }
    // Packed: 2 + 16 bytes instead of 2 + 36.
    #expect(Array(ids[0].utf8).withUnsafeBufferPointer { PackedID.uuid($0) } != nil)
    #expect(Array(ids[1].utf8).withUnsafeBufferPointer { PackedID.uuid($0) } == nil)
    // As many other visitors again: every id above is forgotten, and nothing of them stays.
    for number in 0..<ids.count { _ = add(Array("other-\(number)".utf8), .user, to: &store) }
    for id in ids { #expect(profile(Array(id.utf8), .anonymous, in: store) == nil, "\(id)") }
    #expect(store.idCount == ids.count)
  }

  /// The eight-at-a-time hex reading accepts exactly `0-9a-f` in every position: each byte
  /// value is tried at each of the 32 digit positions of a valid UUID.
  @Test func packingAcceptsExactlyLowerCaseHexDigits() throws {
    let valid = Array("0123abcd-ef45-6789-abcd-ef0123456789".utf8)
    let packed = try #require(valid.withUnsafeBufferPointer { PackedID.uuid($0) })
    #expect(packed.0 == 0x0123_abcd_ef45_6789)
    #expect(packed.1 == 0xabcd_ef01_2345_6789)
    let hex = Set("0123456789abcdef".utf8)
    for position in valid.indices where valid[position] != UInt8(ascii: "-") {
      for byte in UInt8.min...UInt8.max {
        var id = valid
        id[position] = byte
        let result = id.withUnsafeBufferPointer { PackedID.uuid($0) }
        #expect((result != nil) == hex.contains(byte), "byte \(byte) at \(position)")
      }
    }
    var noDash = valid
    noDash[13] = UInt8(ascii: "0")
    #expect(noDash.withUnsafeBufferPointer { PackedID.uuid($0) } == nil)
  }

  /// What each shape costs in its profile: the header and the packed bytes.
  @Test(arguments: [
    ("cd613e30-d8f1-4adf-91b7-584a2265b1f5", 16), ("65a1f0c2e4b0a1b2c3d4e5f6", 12),
    ("100000423117", 5), ("0", 1), ("9999999999999999999", 8), ("ab", 1),
    ("65A1F0C2E4B0A1B2C3D4E5F6", 24), ("v4231-kq", 8),
  ])
  func eachShapeTakesItsPackedSize(id: String, stored: Int) throws {
    var store = IdentityStore()
    let slot = try #require(add(Array(id.utf8), .anonymous, to: &store))
    var sizes: [Int] = []
    store.view(slot).forEachKey { sizes.append($0.bytes.count) }
    #expect(sizes == [2 + stored])
  }

  /// Random numbers and hex ids of every length come back as written and name only
  /// themselves (a number and a hex id with the same packed bytes are different ids).
  @Test func randomNumbersAndHexIdsRoundTrip() throws {
    var store = IdentityStore()
    var random = SeededRandom(seed: 21)
    var written: [([UInt8], Int32)] = []
    for number in 0..<4000 {
      let length = 1 + random.below(34)
      let alphabet = Array((number % 2 == 0 ? "0123456789" : "0123456789abcdef").utf8)
      let id = (0..<length).map { _ in alphabet[random.below(alphabet.count)] }
      guard profile(id, .user, in: store) == nil else { continue }
      written.append((id, try #require(add(id, .user, to: &store))))
    }
    #expect(written.count > 3000)
    for (id, slot) in written {
      #expect(profile(id, .user, in: store) == slot)
      let keys = store[slot].keys
      #expect(keys.count == 1 && keys[0].1 == String(decoding: id, as: UTF8.self))
    }
  }

  /// Random UUIDs come back exactly as written, through the packed form.
  @Test func randomUUIDsRoundTrip() throws {
    var store = IdentityStore()
    var generator = SystemRandomNumberGenerator()
    for _ in 0..<2000 {
      let text = Array(
        String(
          format: "%016llx%016llx", generator.next() as UInt64, generator.next() as UInt64
        ).utf8)
      var id = Array(text[0..<8]) + [0x2D] + Array(text[8..<12]) + [0x2D]
      id += Array(text[12..<16]) + [0x2D] + Array(text[16..<20]) + [0x2D] + Array(text[20..<32])
      let slot = try #require(add(id, .user, to: &store))
      #expect(store[slot].keys.map(\.1) == [String(decoding: id, as: UTF8.self)])
      #expect(profile(id, .user, in: store) == slot)
    }
  }
}
