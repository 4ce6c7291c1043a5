/// When the next request may go: Attio's write rate (`RateLimiter`), and a pause for
/// everyone after a 429 until its `Retry-After`, read against Attio's clock (`ServerClock`).
struct Pacer: Sendable {
  private var limiter: RateLimiter
  private var serverClock = ServerClock()
  /// Nothing is sent before this (monotonic seconds).
  private(set) var pausedUntil = 0.0

  /// `fullAt`: start as if a whole window of requests had just arrived (`RateLimiter`).
  init(rate: Double, fullAt: Double? = nil) {
    limiter = RateLimiter(rate: rate, fullAt: fullAt)
  }

  /// The earliest moment at or after `now` when one more request may go, or nil while that
  /// depends on an answer still awaited (every answer asks again).
  func nextSend(after now: Double) -> Double? {
    if pausedUntil > now { return pausedUntil }
    return limiter.nextAllowed(after: now)
  }

  mutating func recordSend(at now: Double) -> RateLimiter.Ticket {
    limiter.recordSend(at: now)
  }

  /// The answer (or failure) of a request came: it places the rate window and tells Attio's
  /// time.
  mutating func recordAnswer(
    _ ticket: RateLimiter.Ticket, _ response: AttioResponse, at now: Double, wallNow: Double
  ) {
    limiter.recordAnswer(ticket, at: now, wire: response.wire)
    serverClock.observe(date: response.date, receivedAt: wallNow)
  }

  /// Attio's clock now, for an HTTP-date `Retry-After`.
  func serverNow(wallNow: Double) -> Double { serverClock.now(wallNow) }

  /// A 429: nobody sends before `time`.
  mutating func pause(until time: Double) {
    pausedUntil = max(pausedUntil, time)
  }
}
