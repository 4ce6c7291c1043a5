/// A reason code that can be counted in a fixed-size table (no hashing on the per-event path).
@usableFromInline
package protocol CountedReason: CaseIterable, RawRepresentable<String>, Hashable, Sendable {
  /// Position in `allCases`.
  var ordinal: Int { get }
}

/// Counts per reason, in the order the reasons are declared.
///
/// Its per-event members are `@inlinable` for the event processor in AttioPipeCommands, so
/// what they touch is `@usableFromInline` rather than private (see Package.swift).
@usableFromInline
package struct ReasonCounts<Reason: CountedReason>: Sendable, Equatable {
  @usableFromInline var counts = [Int](repeating: 0, count: Reason.allCases.count)

  package init() {}

  @inlinable
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
