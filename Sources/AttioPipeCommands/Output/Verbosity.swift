/// How much the tool says on stderr.
enum Verbosity: Sendable, Equatable {
  /// Fatal errors only.
  case quiet
  /// Invalid lines and the summary.
  case normal
  /// One NDJSON diagnostic per skipped event, warning and invalid line; the summary as JSON.
  case verbose
}
