import Glibc

// The process's two clocks. Here, at the bottom, because every layer from Mapping up reads
// them; the delivery scheduler reads them through its injected DeliveryClock.

/// Seconds on the monotonic clock (CLOCK_MONOTONIC, as the signal handler records), for
/// intervals.
@Sendable package func monotonicSeconds() -> Double {
  var now = timespec()
  clock_gettime(CLOCK_MONOTONIC, &now)
  return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// Seconds since the epoch, for HTTP dates, the age of profiles and the metrics file.
package func wallClock() -> Double {
  var now = timespec()
  clock_gettime(CLOCK_REALTIME, &now)
  return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}
