extension Duration {
  /// Parses `250ms`, `30s`, `5m`, `1h`, `1.5` (seconds) or `2.5s`: what a user types for a
  /// timeout. Nil for anything else, negative values included.
  static func parsing(_ text: String) -> Duration? {
    let units: [(suffix: String, seconds: Double)] = [
      ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400),
    ]
    var number = Substring(text)
    var scale = 1.0
    for unit in units where text.hasSuffix(unit.suffix) {
      number = text.dropLast(unit.suffix.count)
      scale = unit.seconds
      break
    }
    guard let value = Double(number), value >= 0, value.isFinite else { return nil }
    return .milliseconds(Int64((value * scale * 1000).rounded()))
  }

  /// Seconds as a `Double`, for timers and URL request timeouts.
  var seconds: Double {
    Double(components.seconds) + Double(components.attoseconds) / 1e18
  }
}
