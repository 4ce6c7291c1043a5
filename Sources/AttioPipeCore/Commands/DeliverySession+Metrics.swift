extension DeliverySession {
  /// Delivery's counters for `--metrics-file`, read on its timer's thread.
  var metricsSample: MetricsFile.DeliverySample {
    MetricsFile.DeliverySample(statistics: statistics, awaitingResult: progress.queued)
  }
}
