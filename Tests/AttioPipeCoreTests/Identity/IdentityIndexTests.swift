import Testing

@testable import AttioPipeCore

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
}
