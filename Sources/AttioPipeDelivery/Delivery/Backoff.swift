/// Exponential backoff with full jitter (a uniformly random wait between zero and the
/// exponential bound), so that clients retrying together do not stay in step.
struct Backoff: Sendable {
  var base = 0.5
  var cap = 30.0

  /// The wait before retry number `attempt` (1 for the first retry).
  func delay(attempt: Int, random: () -> Double = { Double.random(in: 0..<1) }) -> Double {
    let bound = min(cap, base * Double(1 << min(max(attempt - 1, 0), 20)))
    return bound * random()
  }
}
