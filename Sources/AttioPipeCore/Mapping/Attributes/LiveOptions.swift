import Synchronization

/// The select and status options last read from Attio, shared between the mapping (input
/// thread) and delivery (which re-reads them when Attio answers `value_not_found`), so that an
/// option found archived by one is no longer written by the other.
package final class LiveOptions: Sendable {
  private let titles = LockedValue<[String: [String]]>([:])
  private let changes = Atomic<Int>(0)

  package init() {}

  /// Bumped by every `set`: the mapping looks at it per event (one atomic load) and copies the
  /// options only when it moved.
  var generation: Int { changes.load(ordering: .acquiring) }

  package func set(_ options: [String], for slug: String) {
    titles.withLock { $0[slug] = options }
    changes.add(1, ordering: .releasing)
  }

  subscript(slug: String) -> [String]? {
    titles.withLock { $0[slug] }
  }
}
