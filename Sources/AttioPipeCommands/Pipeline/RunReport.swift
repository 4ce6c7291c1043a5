import AttioPipeCore

/// How a run ended, for the executable to turn into an exit status.
public struct RunReport: Sendable, Equatable {
  var statistics = RunStatistics()
  /// A SIGINT or SIGTERM stopped the run.
  public var interrupted = false
  /// stdout's reader went away; the run stopped quietly.
  var outputClosed = false
  /// Delivery: events whose upsert failed, or that were never sent.
  public var failed = 0
  public var notSent = 0
  /// Delivery: Attio refused the token (401) or its scopes (403).
  public var authenticationFailed = false
  /// `--state`: the file could not be written at exit.
  public var stateSaveFailed = false
  /// `check`: the workspace does not fit the mapping (a missing, archived or read-only slug).
  public var configurationFailed = false

  public var invalidLines: Int { statistics.invalid.total }
}
