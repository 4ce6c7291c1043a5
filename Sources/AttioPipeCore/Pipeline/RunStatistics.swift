/// Counts for the end-of-run summary.
public struct RunStatistics: Sendable, Equatable {
  public var linesRead = 0
  public var bodiesWritten = 0
  public var skipped: [SkipReason: Int] = [:]
  public var invalid: [InvalidLineReason: Int] = [:]
  public var warnings: [MappingWarning: Int] = [:]
  public var evictions = 0

  public var skippedTotal: Int { skipped.values.reduce(0, +) }
  public var invalidTotal: Int { invalid.values.reduce(0, +) }

  /// `lines read: 12, bodies written: 3, skipped: 8 (not_enabled 6, no_email 2), invalid: 1 (...)`
  public var summary: String {
    var parts = ["lines read: \(linesRead)", "bodies written: \(bodiesWritten)"]
    parts.append("skipped: \(skippedTotal)" + breakdown(skipped, SkipReason.allCases))
    parts.append("invalid: \(invalidTotal)" + breakdown(invalid, InvalidLineReason.allCases))
    let warningTotal = warnings.values.reduce(0, +)
    if warningTotal > 0 {
      parts.append("warnings: \(warningTotal)" + breakdown(warnings, MappingWarning.allCases))
    }
    if evictions > 0 { parts.append("identities evicted: \(evictions)") }
    return parts.joined(separator: ", ")
  }

  private func breakdown<Reason: RawRepresentable<String>>(
    _ counts: [Reason: Int], _ order: [Reason]
  ) -> String {
    let listed = order.compactMap { reason in counts[reason].map { "\(reason.rawValue) \($0)" } }
    return listed.isEmpty ? "" : " (" + listed.joined(separator: ", ") + ")"
  }
}
