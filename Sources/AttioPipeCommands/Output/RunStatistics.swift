import AttioPipeCore

/// Counts for the end-of-run summary.
struct RunStatistics: Sendable, Equatable {
  var linesRead = 0
  /// `build`: request bodies that reached stdout (not those lost when its reader went away);
  /// nil for the delivery modes, whose summary counts results instead.
  var bodiesWritten: Int? = 0
  /// Eligible events (a body made), or bodies read by `send`: what delivery was handed.
  var eligible = 0
  var skipped = ReasonCounts<SkipReason>()
  var invalid = ReasonCounts<InvalidLineReason>()
  var warnings = ReasonCounts<MappingWarning>()
  var evictions = 0

  /// `lines read: 12, bodies written: 3, skipped: 8 (not_enabled 6, no_email 2), invalid: 1 (...)`
  var summary: String {
    var parts = ["lines read: \(linesRead)"]
    if let bodiesWritten { parts.append("bodies written: \(bodiesWritten)") }
    parts.append("skipped: \(skipped.total)" + breakdown(skipped))
    parts.append("invalid: \(invalid.total)" + breakdown(invalid))
    if warnings.total > 0 { parts.append("warnings: \(warnings.total)" + breakdown(warnings)) }
    if evictions > 0 { parts.append("identities evicted: \(evictions)") }
    return parts.joined(separator: ", ")
  }

  private func breakdown<Reason>(_ counts: ReasonCounts<Reason>) -> String {
    let listed = counts.nonZero.map { "\($0.reason.rawValue) \($0.count)" }
    return listed.isEmpty ? "" : " (" + listed.joined(separator: ", ") + ")"
  }
}
