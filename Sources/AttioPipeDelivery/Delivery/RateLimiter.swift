/// Keeps sends under Attio's write limit as the server counts it: never more than `rate`
/// requests in any one-second window of arrivals.
///
/// A request's arrival is not seen, only its send and its answer. The limiter keeps the last
/// `burst` requests and lets the next one go only when the oldest of them is known to have
/// arrived a full window (plus `margin`) ago. Its arrival is estimated from its answer: the
/// answer time less the fastest round trip seen lately, so a request that was held up on the
/// way (a new connection, a busy server) counts as arriving late, and the next window waits for
/// it. Where the transport measured the wire (when the request was sent, when the answer's
/// first byte came), both the answer time and the round trips are taken from there: on a busy
/// machine a request may wait for a thread before it is sent and its answer may wait before it
/// is seen, and round trips measured around those waits made arrivals look earlier than they
/// were, so a window held more than `rate` requests as Attio counts them. While that request is still unanswered the window cannot be placed safely, so nothing
/// more is sent until it is (at a normal round trip it has long been answered by then). With
/// quick, steady answers this reaches about 98% of the limit at 25/s; delays eat into the
/// rate rather than provoking 429s.
struct RateLimiter: Sendable {
  /// Identifies a request sent, to report its answer.
  struct Ticket: Sendable, Equatable {
    fileprivate let sequence: Int
  }

  /// 16 bytes: at `--rate 100000` the ring holds a hundred thousand. The request's sequence
  /// number is its place: sequence `s` sits at `s % burst` until `s + burst` is sent.
  private struct Sent {
    var sentAt: Double
    /// Estimated arrival once answered; NaN until then.
    var arrival = Double.nan
  }

  private let burst: Int
  private let window: Double
  private let margin: Double
  /// The last `burst` requests sent, filled as they are (a limiter that never sends `burst`
  /// requests, such as merge mode's reads in assert mode, never holds `burst` places).
  private var ring: [Sent] = []
  /// When set, the places of `ring` not yet filled are requests that arrived at this time.
  private let fullAt: Double?
  private var nextSequence = 0
  /// Recent round trips; their minimum is the baseline of a request that was not held up.
  private var roundTrips: [Double] = []
  private var roundTripIndex = 0

  /// `fullAt`: the window is taken as full, every request of it arrived at that moment, so
  /// the first request goes one window (plus the margin) later. A run starts so: it cannot
  /// see what its previous run (restarted a moment ago) or another process with the same key
  /// sent just before, and an empty window let `rate` more requests into Attio's second.
  init(rate: Double, margin: Double = 0.02, fullAt: Double? = nil) {
    // A fractional rate below one becomes one request per 1/rate seconds.
    burst = max(1, Int(rate.rounded(.down)))
    window = Double(burst) / rate
    self.margin = margin
    self.fullAt = fullAt
  }

  /// The earliest time at or after `now` when one more request may be sent, or nil while the
  /// request that decides it is unanswered (try again after the next answer).
  func nextAllowed(after now: Double) -> Double? {
    guard ring.count == burst else {
      // The place the next request takes is still the full window's.
      return fullAt.map { max(now, $0 + window + margin) } ?? now
    }
    let arrival = ring[nextSequence % burst].arrival
    guard !arrival.isNaN else { return nil }
    return max(now, arrival + window + margin)
  }

  mutating func recordSend(at time: Double) -> Ticket {
    let sent = Sent(sentAt: time)
    if ring.count < burst { ring.append(sent) } else { ring[nextSequence % burst] = sent }
    nextSequence += 1
    return Ticket(sequence: nextSequence - 1)
  }

  /// The request's answer (or its failure) came at `time`; `wire`, when the transport measured
  /// it, says when the request really left and when the answer really began.
  mutating func recordAnswer(
    _ ticket: Ticket, at time: Double, wire: AttioResponse.WireTiming? = nil
  ) {
    // A ticket older than the ring's last `burst` sends: its place was taken since.
    guard ticket.sequence >= 0, nextSequence - ticket.sequence <= burst else { return }
    let slot = ticket.sequence % burst
    if let wire {
      let roundTrip = max(0, wire.firstByte - wire.sent)
      remember(roundTrip)
      let baseline = roundTrips.min() ?? 0
      ring[slot].arrival = min(wire.firstByte, max(wire.sent, wire.firstByte - baseline))
      return
    }
    let roundTrip = max(0, time - ring[slot].sentAt)
    remember(roundTrip)
    let baseline = roundTrips.min() ?? 0
    ring[slot].arrival = min(time, max(ring[slot].sentAt, time - baseline))
  }

  private mutating func remember(_ roundTrip: Double) {
    if roundTrips.count < 32 {
      roundTrips.append(roundTrip)
    } else {
      roundTrips[roundTripIndex] = roundTrip
      roundTripIndex = (roundTripIndex + 1) % roundTrips.count
    }
  }
}
