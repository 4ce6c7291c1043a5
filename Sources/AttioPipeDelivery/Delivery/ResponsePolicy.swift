/// What an answer means for the request that got it: a pure function of the answer, the
/// request's attempts and the clocks, so every rule is unit-tested without a network.
struct ResponsePolicy: Sendable {
  var maxAttempts = 8
  var maxRetryTime = 300.0
  var backoff = Backoff()
  /// How long a person's lane stays busy after a timed-out attempt (see `Decision.retry`).
  var settleTime = 10.0

  enum Decision: Sendable, Equatable {
    /// 2xx: applied.
    case success
    /// Send again at `at`. `counted`: the attempt counts against `maxAttempts` (a 429 does
    /// not: Attio did not process it). `pauseAll`: nothing at all is sent before `at` (429).
    /// `reassert`: the attempt timed out and may still land, so the lane waits out the
    /// settling time and then asserts its newest values even when this run already upserted
    /// them, so that the last write to land carries them.
    case retry(at: Double, counted: Bool, pauseAll: Bool, reassert: Bool)
    /// Give up: `failed` with this answer (another 4xx, an answer too large to read, or the
    /// retry budget is spent).
    case fail
    /// 401/403: the key cannot work; nothing more is sent.
    case stopAll
    /// Cancelled here (a shutdown) while in flight: sent, answer not seen.
    case abandoned
  }

  /// `attempts` counts every attempt so far, this one included; `countedAttempts` those that
  /// counted before this one; `firstSent` is when the first attempt went out; `serverNow` is
  /// Attio's clock (for an HTTP-date Retry-After); `random` is the backoff's jitter.
  func decide(
    _ response: AttioResponse, attempts: Int, countedAttempts: Int, firstSent: Double,
    now: Double, serverNow: Double, random: () -> Double = { Double.random(in: 0..<1) }
  ) -> Decision {
    // An answer too large to read says nothing that could be acted on, and asking again would
    // most likely bring the same (a refused key still stops everything).
    if response.bodyTooLarge && response.status != 401 && response.status != 403 { return .fail }
    switch response.status {
    case .some(200..<300):
      return .success
    case .some(401), .some(403):
      return .stopAll
    case .some(429):
      let wait =
        RetryAfter.delay(retryAfter: response.retryAfter, serverNow: serverNow)
        ?? backoff.delay(attempt: attempts, random: random)
      guard now + wait - firstSent <= maxRetryTime else { return .fail }
      return .retry(at: now + wait, counted: false, pauseAll: true, reassert: false)
    case .some(408), .some(409), .some(500), .some(502), .some(503), .some(504), nil:
      if response.wasCancelled { return .abandoned }
      let counted = countedAttempts + 1
      guard counted < maxAttempts else { return .fail }
      var wait = backoff.delay(attempt: counted, random: random)
      if response.timedOut { wait = max(wait, settleTime) }
      guard now + wait - firstSent <= maxRetryTime else { return .fail }
      return .retry(at: now + wait, counted: true, pauseAll: false, reassert: response.timedOut)
    default:
      return .fail
    }
  }
}
