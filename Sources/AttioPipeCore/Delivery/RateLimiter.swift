/// Keeps sends under Attio's write limit as the server counts it: never more than `rate`
/// requests in any one-second window of arrivals.
///
/// The limiter remembers when the last `burst` requests were sent and lets the next one go
/// only when the oldest of them is a full window (plus `margin`) old. The margin absorbs
/// jitter between sending a request and its arrival (connection set-up, scheduling); at
/// 40 ms it costs 4% of the throughput at 25/s. Retries are sends like any other.
struct RateLimiter: Sendable {
  private let burst: Int
  private let window: Double
  private var sent: [Double] = []
  private var oldest = 0

  init(rate: Double, margin: Double = 0.04) {
    // A fractional rate below one becomes one request per 1/rate seconds.
    burst = max(1, Int(rate.rounded(.down)))
    window = Double(burst) / rate + margin
  }

  /// The earliest time at or after `now` when one more request may be sent.
  func nextAllowed(after now: Double) -> Double {
    guard sent.count == burst else { return now }
    return max(now, sent[oldest] + window)
  }

  mutating func recordSend(at time: Double) {
    if sent.count < burst {
      sent.append(time)
    } else {
      sent[oldest] = time
      oldest = (oldest + 1) % burst
    }
  }
}
