/// ISO 8601 dates and date-times as events carry them (`2026-12-01`,
/// `2026-12-01T09:30:00.123+02:00`, `2026-12-01 09:30Z`), parsed by hand: dates are converted
/// per event, where Foundation's formatters would cost more than the rest of the mapping.
struct ISODateTime: Equatable, Sendable {
  var year: Int
  var month: Int
  var day: Int
  /// Nil for a bare date.
  var time: Time?

  struct Time: Equatable, Sendable {
    var hour: Int
    var minute: Int
    var second: Int
    /// The fraction's digits as written (at most nine kept), without the dot.
    var fraction: String
    /// Minutes east of UTC; nil when no zone was given.
    var offset: Int?
  }

  /// Nil when `text` is not an ISO 8601 date or date-time (or names a day that does not exist).
  init?(_ text: String) {
    var text = text
    guard let parsed = text.withUTF8({ ISODateTime(bytes: $0) }) else { return nil }
    self = parsed
  }

  /// The same from bytes (an event's `timestamp`, read where it lies in the line: no copy, and
  /// no allocation for a fraction of up to nine digits, which a String keeps inline).
  init?(bytes: UnsafeBufferPointer<UInt8>) {
    var index = 0
    func digits(_ count: Int) -> Int? {
      guard index + count <= bytes.count else { return nil }
      var value = 0
      for byte in bytes[index..<index + count] {
        guard (0x30...0x39).contains(byte) else { return nil }
        value = value * 10 + Int(byte - 0x30)
      }
      index += count
      return value
    }
    func expect(_ character: Character) -> Bool {
      guard index < bytes.count, bytes[index] == character.asciiValue! else { return false }
      index += 1
      return true
    }
    guard let year = digits(4), expect("-"), let month = digits(2), expect("-"),
      let day = digits(2), (1...12).contains(month),
      (1...ISODateTime.daysIn(month: month, year: year)).contains(day)
    else { return nil }
    self.year = year
    self.month = month
    self.day = day
    guard index < bytes.count else { return }
    guard expect("T") || expect("t") || expect(" "), let hour = digits(2), expect(":"),
      let minute = digits(2), hour < 24, minute < 60
    else { return nil }
    var second = 0
    var fraction = ""
    if expect(":") {
      guard let value = digits(2), value < 60 else { return nil }
      second = value
      if expect(".") || expect(",") {
        let start = index
        while index < bytes.count, (0x30...0x39).contains(bytes[index]) { index += 1 }
        guard index > start else { return nil }
        fraction = String(decoding: bytes[start..<min(index, start + 9)], as: UTF8.self)
      }
    }
    var offset: Int?
    if expect("Z") || expect("z") {
      offset = 0
    } else if index < bytes.count,
      bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")
    {
      let sign = bytes[index] == UInt8(ascii: "-") ? -1 : 1
      index += 1
      guard let hours = digits(2), hours < 24 else { return nil }
      var minutes = 0
      if index < bytes.count {
        _ = expect(":")
        guard let value = digits(2), value < 60 else { return nil }
        minutes = value
      }
      offset = sign * (hours * 60 + minutes)
    }
    guard index == bytes.count else { return nil }
    time = Time(hour: hour, minute: minute, second: second, fraction: fraction, offset: offset)
  }

  /// Milliseconds since 1970-01-01T00:00:00Z. A time without a zone is taken as UTC (the
  /// Segment spec's timestamps always carry one), a bare date as its midnight.
  var millisecondsSinceEpoch: Int64 {
    var minutes = ISODateTime.daysFromCivil(year, month, day) * 1440
    var milliseconds = 0
    if let time {
      minutes += time.hour * 60 + time.minute - (time.offset ?? 0)
      milliseconds = time.second * 1000
      var scale = 100
      for byte in time.fraction.utf8.prefix(3) {
        milliseconds += Int(byte - 0x30) * scale
        scale /= 10
      }
    }
    return Int64(minutes) * 60_000 + Int64(milliseconds)
  }

  /// `milliseconds` since the epoch as Attio's timestamps are written,
  /// `2026-12-01T07:30:00.123Z`.
  static func utcText(milliseconds: Int64) -> String {
    var bytes: [UInt8] = []
    appendUTC(milliseconds: milliseconds, dateOnly: false, to: &bytes)
    return String(decoding: bytes, as: UTF8.self)
  }

  /// Appends `milliseconds` since the epoch as `2026-12-01T07:30:00.123Z`, or only its UTC
  /// day `2026-12-01`: bytes, no String (a `--signal` write of each person's times).
  static func appendUTC(milliseconds: Int64, dateOnly: Bool, to bytes: inout [UInt8]) {
    let (days, inDay) = Int(milliseconds).floorDividedWithRemainder(by: 86_400_000)
    let (y, m, d) = civil(fromDays: days)
    func digits(_ value: Int, _ width: Int) {
      if width == 4 {
        digits(value / 100, 2)
        digits(value % 100, 2)
      } else if width == 3 {
        bytes.append(UInt8(truncatingIfNeeded: 0x30 + value / 100))
        digits(value % 100, 2)
      } else {
        bytes.append(UInt8(truncatingIfNeeded: 0x30 + value / 10))
        bytes.append(UInt8(truncatingIfNeeded: 0x30 + value % 10))
      }
    }
    digits(y, 4)
    bytes.append(UInt8(ascii: "-"))
    digits(m, 2)
    bytes.append(UInt8(ascii: "-"))
    digits(d, 2)
    guard !dateOnly else { return }
    let seconds = inDay / 1000
    bytes.append(UInt8(ascii: "T"))
    digits(seconds / 3600, 2)
    bytes.append(UInt8(ascii: ":"))
    digits(seconds / 60 % 60, 2)
    bytes.append(UInt8(ascii: ":"))
    digits(seconds % 60, 2)
    bytes.append(UInt8(ascii: "."))
    digits(inDay % 1000, 3)
    bytes.append(UInt8(ascii: "Z"))
  }

  /// The UTC day of `milliseconds` since the epoch, `2026-12-01` (a date attribute).
  static func dateText(milliseconds: Int64) -> String {
    var bytes: [UInt8] = []
    appendUTC(milliseconds: milliseconds, dateOnly: true, to: &bytes)
    return String(decoding: bytes, as: UTF8.self)
  }

  /// `2026-12-01`.
  var dateText: String {
    pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
  }

  /// The same moment in UTC, `2026-12-01T07:30:00.123Z` (fraction as written, or none); nil for
  /// a bare date or a time without a zone.
  var utcText: String? {
    guard let time, let offset = time.offset else { return nil }
    let minutes =
      ISODateTime.daysFromCivil(year, month, day) * 1440 + time.hour * 60 + time.minute - offset
    let days = minutes.floorDivided(by: 1440)
    let inDay = minutes - days * 1440
    let (y, m, d) = ISODateTime.civil(fromDays: days)
    var text = pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2) + "T"
    text += pad(inDay / 60, 2) + ":" + pad(inDay % 60, 2) + ":" + pad(time.second, 2)
    if !time.fraction.isEmpty { text += "." + time.fraction }
    return text + "Z"
  }

  private func pad(_ value: Int, _ width: Int) -> String { Self.pad(value, width) }

  private static func pad(_ value: Int, _ width: Int) -> String {
    let text = String(value)
    return String(repeating: "0", count: max(0, width - text.count)) + text
  }

  static func daysIn(month: Int, year: Int) -> Int {
    switch month {
    case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
    case 4, 6, 9, 11: 30
    default: 31
    }
  }

  /// Days since 1970-01-01 (Howard Hinnant's algorithm).
  static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let era = y.floorDivided(by: 400)
    let yoe = y - era * 400
    let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
  }

  static func civil(fromDays days: Int) -> (Int, Int, Int) {
    let z = days + 719_468
    let era = z.floorDivided(by: 146_097)
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let day = doy - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
  }
}

extension Int {
  fileprivate func floorDivided(by divisor: Int) -> Int {
    let quotient = self / divisor
    return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
  }

  /// The floor quotient and the remainder that goes with it (never negative for a positive
  /// divisor).
  fileprivate func floorDividedWithRemainder(by divisor: Int) -> (Int, Int) {
    let quotient = floorDivided(by: divisor)
    return (quotient, self - quotient * divisor)
  }
}
