/// Attio's clock as seen through the `Date` headers of its answers, so that an HTTP-date
/// `Retry-After` is read against the server's time, not a local clock that may be skewed.
///
/// `Date` has one-second resolution and is stamped before the answer travels back, so each
/// answer gives a lower bound of the offset between the clocks; the largest bound seen is the
/// estimate. Reading `Retry-After` against it waits at least as long as asked, and not a
/// second more than needed.
struct ServerClock: Sendable {
  private var offset: Double?

  mutating func observe(date: String?, receivedAt localTime: Double) {
    guard let date, let serverTime = RetryAfter.parseHTTPDate(date) else { return }
    let bound = serverTime - localTime
    offset = max(offset ?? bound, bound)
  }

  /// The server's time now, by the local clock; the local clock when no `Date` was seen.
  func now(_ localTime: Double) -> Double {
    localTime + (offset ?? 0)
  }
}
