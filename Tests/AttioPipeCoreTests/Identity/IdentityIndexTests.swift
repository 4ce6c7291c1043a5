import Foundation
import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// Canonical UUIDs are stored packed (16 bytes); every id must still name exactly itself and
/// come back byte for byte.
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
  ]

  @Test func everyIdNamesItselfAndComesBackAsWritten() {
    var index = IdentityIndex(minimumCapacity: 4, seed: 7)
    var references: [IdentityKeyReference] = []
    for (position, id) in ids.enumerated() {
      let reference = Array(id.utf8).withUnsafeBufferPointer {
        index.set(.anonymous, $0, to: Int32(position))
      }
      references.append(reference)
    }
    for (position, id) in ids.enumerated() {
      let found = Array(id.utf8).withUnsafeBufferPointer { index.profile(.anonymous, $0) }
      #expect(found == Int32(position), "\(id)")
      #expect(Array(id.utf8).withUnsafeBufferPointer { index.profile(.user, $0) } == nil)
      let stored = index.withBytes(of: references[position]) { Array($0) }
      #expect(stored == Array(id.utf8))
    }
    // Packed: 2 + 16 bytes instead of 2 + 36.
    #expect(Array(ids[0].utf8).withUnsafeBufferPointer { IdentityIndex.packedUUID($0) } != nil)
    #expect(Array(ids[1].utf8).withUnsafeBufferPointer { IdentityIndex.packedUUID($0) } == nil)
    for reference in references { index.remove(reference) }
    #expect(index.count == 0)
    #expect(index.liveBytes == 0)
  }

  /// The eight-at-a-time hex reading accepts exactly `0-9a-f` in every position: each byte
  /// value is tried at each of the 32 digit positions of a valid UUID.
  @Test func packingAcceptsExactlyLowerCaseHexDigits() throws {
    let valid = Array("0123abcd-ef45-6789-abcd-ef0123456789".utf8)
    let packed = try #require(valid.withUnsafeBufferPointer { IdentityIndex.packedUUID($0) })
    #expect(packed.0 == 0x0123_abcd_ef45_6789)
    #expect(packed.1 == 0xabcd_ef01_2345_6789)
    let hex = Set("0123456789abcdef".utf8)
    for position in valid.indices where valid[position] != UInt8(ascii: "-") {
      for byte in UInt8.min...UInt8.max {
        var id = valid
        id[position] = byte
        let result = id.withUnsafeBufferPointer { IdentityIndex.packedUUID($0) }
        #expect((result != nil) == hex.contains(byte), "byte \(byte) at \(position)")
      }
    }
    var noDash = valid
    noDash[13] = UInt8(ascii: "0")
    #expect(noDash.withUnsafeBufferPointer { IdentityIndex.packedUUID($0) } == nil)
  }

  /// Random UUIDs come back from the index exactly as written, through the packed form.
  @Test func randomUUIDsRoundTrip() {
    var index = IdentityIndex(minimumCapacity: 4, seed: 11)
    var generator = SystemRandomNumberGenerator()
    for number in 0..<2000 {
      let text = Array(
        String(
          format: "%016llx%016llx", generator.next() as UInt64, generator.next() as UInt64
        ).utf8)
      var id = Array(text[0..<8]) + [0x2D] + Array(text[8..<12]) + [0x2D]
      id += Array(text[12..<16]) + [0x2D] + Array(text[16..<20]) + [0x2D] + Array(text[20..<32])
      let reference = id.withUnsafeBufferPointer { index.set(.user, $0, to: Int32(number)) }
      #expect(index.withBytes(of: reference) { Array($0) } == id)
      #expect(id.withUnsafeBufferPointer { index.profile(.user, $0) } == Int32(number))
    }
  }
}
