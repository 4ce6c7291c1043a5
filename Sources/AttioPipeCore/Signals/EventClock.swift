/// When events happened, for `--signal`: each event's `timestamp` when it is sane, otherwise
/// the time it was read.
///
/// Read once per event of a run with signals, so the common shape (`2026-12-01T09:30:00Z`,
/// with or without a fraction) is read from the bytes, and the part up to the hour, which a
/// time-ordered stream repeats for thousands of events, is converted once: the next event with
/// the same thirteen bytes only adds its minutes, seconds and fraction. Anything else goes to
/// the full ISO 8601 parser (`ISODateTime`).
package struct EventClock: Sendable {
  /// The first thirteen bytes of the last timestamp read (`2026-12-01T09`), as two words.
  private var hourPrefix: (UInt64, UInt64) = (0, 0)
  /// That hour's start, in milliseconds since the epoch; nil: no prefix cached.
  private var hourStart: Int64?

  package init() {}

  /// The event's time in milliseconds since the epoch: its `timestamp` when it is a time from
  /// 2000 up to a day after `now` (milliseconds, when it is read), else `now`.
  package mutating func time(of timestamp: UnsafeBufferPointer<UInt8>?, now: Int64) -> Int64 {
    guard let timestamp else { return now }
    let time: Int64
    if let fast = fastTime(timestamp) {
      time = fast
    } else if let parsed = ISODateTime(bytes: timestamp), parsed.time != nil {
      time = parsed.millisecondsSinceEpoch
    } else {
      return now
    }
    return time >= Self.earliestTime && time <= now + 86_400_000 ? time : now
  }

  /// 2000-01-01T00:00:00Z.
  private static let earliestTime: Int64 = 946_684_800_000

  /// `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, or nil.
  private mutating func fastTime(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
    let count = bytes.count
    guard count >= 20, bytes[count - 1] == UInt8(ascii: "Z"), bytes[13] == UInt8(ascii: ":"),
      bytes[16] == UInt8(ascii: ":")
    else { return nil }
    let raw = UnsafeRawPointer(bytes.baseAddress!)
    let prefix = (
      raw.loadUnaligned(as: UInt64.self),
      raw.loadUnaligned(fromByteOffset: 5, as: UInt64.self)
    )
    let start: Int64
    if let hourStart, prefix == hourPrefix {
      start = hourStart
    } else {
      guard let computed = Self.hourStart(bytes) else { return nil }
      hourPrefix = prefix
      hourStart = computed
      start = computed
    }
    let minuteTens = bytes[14] &- 0x30
    let minuteOnes = bytes[15] &- 0x30
    let secondTens = bytes[17] &- 0x30
    let secondOnes = bytes[18] &- 0x30
    guard minuteTens < 6, minuteOnes < 10, secondTens < 6, secondOnes < 10 else { return nil }
    var milliseconds =
      (Int64(minuteTens) * 10 + Int64(minuteOnes)) * 60_000
      + (Int64(secondTens) * 10 + Int64(secondOnes)) * 1000
    if count > 20 {
      guard bytes[19] == UInt8(ascii: "."), count > 21 else { return nil }
      var scale: Int64 = 100
      for index in 20..<count - 1 {
        let digit = bytes[index] &- 0x30
        guard digit < 10 else { return nil }
        milliseconds += Int64(digit) * scale
        scale /= 10
      }
    } else if bytes[19] != UInt8(ascii: "Z") {
      return nil
    }
    return start + milliseconds
  }

  /// The start of the hour `YYYY-MM-DDTHH` names, or nil.
  private static func hourStart(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
    guard bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
      bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t")
    else { return nil }
    var fields = (0, 0, 0, 0)
    var value = 0
    for index in 0..<13 where index != 4 && index != 7 && index != 10 {
      let digit = bytes[index] &- 0x30
      guard digit < 10 else { return nil }
      value = value * 10 + Int(digit)
      switch index {
      case 3: (fields.0, value) = (value, 0)
      case 6: (fields.1, value) = (value, 0)
      case 9: (fields.2, value) = (value, 0)
      case 12: fields.3 = value
      default: break
      }
    }
    let (year, month, day, hour) = fields
    guard (1...12).contains(month), day >= 1, day <= ISODateTime.daysIn(month: month, year: year),
      hour < 24
    else { return nil }
    return Int64(ISODateTime.daysFromCivil(year, month, day) * 24 + hour) * 3_600_000
  }
}
