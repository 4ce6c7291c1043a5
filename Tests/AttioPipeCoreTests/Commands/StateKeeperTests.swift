import Foundation
import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// Older state files are read and written back in the current format, by every mode.
@Suite struct StateKeeperTests {
  private func temporaryPath() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("keeper-\(UUID()).bin").path
  }

  /// A version 2 file, written byte by byte: no profiles, one person delivered.
  private func version2File(at path: String) throws {
    var delivery = StateWriter()
    delivery.integer(UInt64(1))
    delivery.data("ada@example.com".utf8)
    delivery.integer(UInt32(1))
    delivery.data("job_title".utf8)
    delivery.data(#"[{"value":"CTO"}]"#.utf8)
    delivery.integer(UInt64(1))
    delivery.data("m1".utf8)
    var file = StateWriter()
    file.raw(StateFile.magic)
    file.integer(UInt32(2))
    file.data([UInt8]())
    file.data(delivery.bytes)
    let checksum = StateFile.checksum(file.bytes)
    file.integer(checksum)
    try Data(file.bytes).write(to: URL(fileURLWithPath: path))
  }

  @Test func aVersion2FileIsReadAndSavedAsTheCurrentVersionByAModeThatDoesNotOwnDelivery() throws {
    let path = temporaryPath()
    defer { try? FileManager.default.removeItem(atPath: path) }
    try version2File(at: path)
    let diagnostics = DiagnosticReporter(verbosity: .quiet)
    // `build` keeps the delivery section as loaded: it must be in the current layout.
    let keeper = try StateKeeper(
      .init(path: path), diagnostics: diagnostics,
      identity: .init(capacity: 10, timeToLive: nil))
    // The messageIds the old delivery section kept are messages seen.
    let seen = try #require(keeper.takeSeenMessages())
    #expect(seen.contains(SeenMessages.hash("m1")))
    try keeper.save(
      identity: .bytes(IdentitySection.encode(IdentityStore(), seen)), delivery: nil)
    let saved = try Data(contentsOf: URL(fileURLWithPath: path))
    #expect(
      Array(saved[StateFile.magic.count..<StateFile.magic.count + 4])
        == [UInt8(StateFile.version), 0, 0, 0])
    let reloaded = try StateKeeper(.init(path: path), diagnostics: diagnostics, identity: nil)
    var memory = try DeliveredState.decode(reloaded.takeDelivery()).memory
    let request = UpsertRequest(
      email: "ada@example.com", emailSlug: "email_addresses",
      attributes: [.init(slug: "job_title", value: Array(#"[{"value":"CTO"}]"#.utf8))])
    let unchanged = memory.changesNothing(request)
    #expect(unchanged)
  }

  /// `send` does not own the identity section, but writes it back in the current layout, with
  /// the old delivery section's messageIds as messages seen.
  @Test func aModeThatDoesNotOwnIdentitiesWritesTheSeenMessagesBack() throws {
    let path = temporaryPath()
    defer { try? FileManager.default.removeItem(atPath: path) }
    try version2File(at: path)
    let diagnostics = DiagnosticReporter(verbosity: .quiet)
    let keeper = try StateKeeper(.init(path: path), diagnostics: diagnostics, identity: nil)
    try keeper.save(identity: nil, delivery: nil)
    let reloaded = try StateKeeper(
      .init(path: path), diagnostics: diagnostics,
      identity: .init(capacity: 10, timeToLive: nil))
    let seen = try #require(reloaded.takeSeenMessages())
    #expect(seen.contains(SeenMessages.hash("m1")))
  }
}
