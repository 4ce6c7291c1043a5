import AttioPipeDelivery

extension DeliverySession {
  /// Delivery's counters for `--metrics-file`, read on its timer's thread.
  var metricsSample: MetricsFile.DeliverySample {
    let people = memoryCounts
    return MetricsFile.DeliverySample(
      statistics: statistics, awaitingResult: progress.queued, people: people.count,
      peopleEvicted: people.evictions, spool: spool?.statistics)
  }
}
