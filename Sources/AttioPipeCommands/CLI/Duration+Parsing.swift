extension Duration {
  /// The units a duration may be written in, longest names first so `ms` is not read as `m`.
  static let parsingUnits: [(suffix: String, seconds: Double)] = [
    ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400),
  ]

  /// Parses what a user types for a timeout or an interval: `250ms`, `30s`, `5m`, `1h`, `90d`,
  /// compounds such as `2m30s` or `1h30m`, fractions (`2.5s`), or a plain number of seconds
  /// (`1.5`). Nil for anything else, negative values and a unit given twice included.
  static func parsing(_ text: String) -> Duration? {
    if let plain = Double(text) {
      guard plain >= 0, plain.isFinite, plain < 1e15 else { return nil }
      return .milliseconds(Int64((plain * 1000).rounded()))
    }
    var rest = Substring(text)
    var total = 0.0
    var usedUnits: Set<String> = []
    while !rest.isEmpty {
      let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
      guard !number.isEmpty, let value = Double(number), value.isFinite else { return nil }
      rest = rest.dropFirst(number.count)
      guard let unit = parsingUnits.first(where: { rest.hasPrefix($0.suffix) }),
        usedUnits.insert(unit.suffix).inserted
      else { return nil }
      rest = rest.dropFirst(unit.suffix.count)
      total += value * unit.seconds
    }
    guard !text.isEmpty, total.isFinite, total < 1e15 else { return nil }
    return .milliseconds(Int64((total * 1000).rounded()))
  }

  /// Seconds as a `Double`, for timers and URL request timeouts.
  var seconds: Double {
    Double(components.seconds) + Double(components.attoseconds) / 1e18
  }
}
