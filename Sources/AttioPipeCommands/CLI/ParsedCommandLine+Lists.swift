import AttioPipeCore

extension ParsedCommandLine {
  /// `--list-entry` and `--forward-only`, checked: at most 32 lists' options, and
  /// `--forward-only` only with entries to write.
  func checkListEntries(_ settings: ListEntrySettings) throws(UsageError) {
    if settings.specs.count > ListEntrySpec.limit {
      throw UsageError("--list-entry: at most \(ListEntrySpec.limit) options")
    }
    if let first = settings.forwardOnly.first, settings.isEmpty {
      throw UsageError("--forward-only \(first) needs --list-entry")
    }
    for slug in settings.forwardOnly where slug.isEmpty {
      throw UsageError("--forward-only needs an attribute slug")
    }
  }
}
