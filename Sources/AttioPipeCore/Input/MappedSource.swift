/// Where `--map SOURCE=SLUG` takes a value from: a person trait (`traits.plan`), a property of
/// the triggering event (`properties.plan`) or a path in its `context`
/// (`context.campaign.source`). Keys are matched exactly (case included); a path walks nested
/// objects.
package struct MappedSource: Sendable, Hashable, CustomStringConvertible {
  package enum Root: String, Sendable, Hashable {
    /// `identify` traits over `context.traits`.
    case traits
    /// The triggering event's `properties`.
    case properties
    /// The triggering event's `context`.
    case context
  }

  package var root: Root
  /// The keys below the root, outermost first; never empty.
  var path: [String]

  /// Parses `traits.NAME`, `properties.NAME` or `context.PATH`; nil for anything else.
  package init?(_ text: String) {
    let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    guard parts.count >= 2, let root = Root(rawValue: parts[0]),
      parts.dropFirst().allSatisfy({ !$0.isEmpty })
    else { return nil }
    self.root = root
    self.path = Array(parts.dropFirst())
  }

  package var description: String { ([root.rawValue] + path).joined(separator: ".") }
}
