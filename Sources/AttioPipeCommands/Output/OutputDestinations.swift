import AttioPipeCore

/// Where a run writes besides stdout and stderr: `--output`, `--diagnostics` and
/// `--metrics-file`, for supervisors that cannot redirect (omprog) or should not have to.
struct OutputDestinations: Sendable, Equatable {
  /// Results (delivery) or bodies (build) are appended here instead of stdout.
  var output: String?
  /// What stderr would carry is appended here.
  var diagnostics: String?
  /// Prometheus text-format counters, rewritten every `metricsInterval` seconds and at exit.
  var metrics: String?
  /// `--state-interval`.
  var metricsInterval = 30.0

  /// Puts `--output` and `--diagnostics` in place of stdout and stderr.
  func install() throws(PipelineError) {
    try OutputFiles.install(output: output, diagnostics: diagnostics)
  }

  /// The metrics file of a run in `mode`, or nil without `--metrics-file`.
  func openMetrics(
    mode: String, diagnostics reporter: DiagnosticReporter,
    delivery: (@Sendable () -> MetricsFile.DeliverySample)? = nil
  ) throws(PipelineError) -> MetricsFile? {
    guard let metrics else { return nil }
    return try MetricsFile(
      path: metrics, interval: metricsInterval, mode: mode, diagnostics: reporter,
      delivery: delivery)
  }
}
