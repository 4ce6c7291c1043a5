@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// Whole-file reads and writes of a state file, for tests: the tool itself streams sections
/// (`load(identity:)`, `save(identity:delivery:)`).
extension StateFile {
  /// The saved contents; empty sections when the file does not exist yet.
  func load() throws(StateFileError) -> Contents {
    var identity: [UInt8] = []
    let delivery = try load { reader, length throws(StateFileError) in
      identity = Array(try reader.raw(count: length))
    }
    return Contents(identity: identity, delivery: delivery.delivery)
  }

  /// Writes both sections at once.
  func save(_ contents: Contents) throws(StateFileError) {
    try save(identity: .bytes(contents.identity), delivery: .bytes(contents.delivery))
  }

}
