/// What one input line amounted to.
enum EventOutcome: Equatable {
  /// An empty or whitespace-only line: not an event, not an error.
  case blank
  case invalid(JSONScanError)
  case skipped(SkipReason)
  /// An upsert to make.
  case person(PersonValues, warnings: [EventWarning])
  /// A company assert to make (a `group` call under `--companies`).
  case company(CompanyValues, warnings: [EventWarning])
}
