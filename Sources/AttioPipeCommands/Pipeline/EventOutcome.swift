import AttioPipeCore

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
  /// A workspace assert to make (a `group` call under `--workspaces` that makes no company).
  case workspace(WorkspaceValues, warnings: [EventWarning])
  /// An event seen before (by `messageId`): it changed nothing and makes no upsert. What it
  /// would be now when it would be eligible (`deliver` reports it `duplicate`); nil otherwise.
  case duplicate(Eligible?)

  /// What an eligible event is for.
  enum Eligible: Equatable {
    case person(PersonValues)
    case company(CompanyValues)
    case workspace(WorkspaceValues)
  }
}
