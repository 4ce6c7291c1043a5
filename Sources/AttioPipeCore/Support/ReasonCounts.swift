/// A reason code that can be counted in a fixed-size table (no hashing on the per-event path).
package protocol CountedReason: CaseIterable, RawRepresentable<String>, Hashable, Sendable {
  /// Position in `allCases`.
  var ordinal: Int { get }
}

/// Counts per reason, in the order the reasons are declared.
package struct ReasonCounts<Reason: CountedReason>: Sendable, Equatable {
  private var counts = [Int](repeating: 0, count: Reason.allCases.count)

  package init() {}

  package subscript(reason: Reason) -> Int {
    get { counts[reason.ordinal] }
    set { counts[reason.ordinal] = newValue }
  }

  package var total: Int { counts.reduce(0, +) }

  /// The reasons counted at least once, with their counts, in declaration order.
  package var nonZero: [(reason: Reason, count: Int)] {
    Reason.allCases.compactMap { reason in
      counts[reason.ordinal] > 0 ? (reason, counts[reason.ordinal]) : nil
    }
  }
}
