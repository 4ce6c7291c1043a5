import Foundation

/// Paths of the checkout the tests run in.
public enum Repository {
  /// The repository root: this file is `Tests/TestSupport/Repository.swift`.
  public static let root = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  public static let fixtures = root.appendingPathComponent("fixtures")

  public static func path(_ relative: String) -> URL { root.appendingPathComponent(relative) }
}
