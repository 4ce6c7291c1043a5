import Foundation

/// A path in the temporary directory that no other test (or earlier run) uses; the caller
/// removes what it creates there.
public func temporaryPath(_ name: String) -> String {
  FileManager.default.temporaryDirectory
    .appendingPathComponent("attio-pipe-\(UUID().uuidString)-\(name)").path
}
