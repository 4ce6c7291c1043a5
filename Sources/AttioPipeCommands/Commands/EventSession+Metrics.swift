import AttioPipeCore

extension EventSession {
  /// Lines between two hand-overs of the counters to `--metrics-file`'s timer (it also gets
  /// them before every wait for input).
  static let metricsInterval = 4096

  /// The counters of the reading thread, for `--metrics-file`.
  func metricsSample(_ statistics: RunStatistics, state: StateKeeper?) -> MetricsFile.Sample {
    var statistics = statistics
    statistics.evictions = evictions
    return MetricsFile.Sample(
      statistics: statistics, identities: processor.identities.count, stateSaves: state?.saves)
  }
}
