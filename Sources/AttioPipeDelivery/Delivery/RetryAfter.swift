import Foundation
import Glibc

/// How long Attio asks a client to wait after a 429.
///
/// Attio sends `Retry-After` as an HTTP date (usually the next second), and RFC 9110 also
/// allows delta-seconds: both are parsed. An HTTP date is read against the server's clock (see
/// `ServerClock`), so a skewed local clock neither shortens nor stretches the wait.
enum RetryAfter {
  /// Seconds to wait, or nil when the header is absent or unreadable.
  static func delay(retryAfter: String?, serverNow: Double) -> Double? {
    guard let value = retryAfter?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
      return nil
    }
    if let seconds = Double(value), seconds >= 0, seconds.isFinite { return seconds }
    guard let retryAt = parseHTTPDate(value) else { return nil }
    return max(0, retryAt - serverNow)
  }

  /// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), and the obsolete RFC 850
  /// (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime (`Sun Nov  6 08:49:37 1994`) forms, as
  /// seconds since the epoch.
  static func parseHTTPDate(_ text: String) -> Double? {
    let months = [
      "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ]
    let parts = text.lowercased().split(whereSeparator: { $0 == " " || $0 == "," || $0 == "-" })
    var day: Int?
    var month: Int?
    var year: Int?
    var clock: [Int]?
    for part in parts.dropFirst() {  // the weekday is not needed
      if let index = months.firstIndex(of: String(part)) {
        month = index
      } else if part.contains(":") {
        let fields = part.split(separator: ":").compactMap { Int($0) }
        if fields.count == 3 { clock = fields }
      } else if let number = Int(part) {
        // In all three forms the day comes before the year.
        if day == nil {
          day = number
        } else if year == nil {
          year = part.count == 2 ? (number < 70 ? 2000 + number : 1900 + number) : number
        }
      }
    }
    guard let day, let month, let year, let clock, (1...31).contains(day), clock[0] < 24,
      clock[1] < 60, clock[2] < 61
    else { return nil }
    var calendar = tm()
    calendar.tm_year = Int32(year - 1900)
    calendar.tm_mon = Int32(month)
    calendar.tm_mday = Int32(day)
    calendar.tm_hour = Int32(clock[0])
    calendar.tm_min = Int32(clock[1])
    calendar.tm_sec = Int32(clock[2])
    return Double(timegm(&calendar))
  }
}
