/// A warning about one event, with what a user needs to trace it (the raw value, the old and
/// new email, where the email came from). Built only when something is wrong, so the details
/// may allocate.
struct EventWarning: Equatable, Sendable {
  struct Detail: Equatable, Sendable {
    var key: String
    var value: String
  }

  var reason: MappingWarning
  var details: [Detail] = []

  init(_ reason: MappingWarning, _ details: [(String, String)] = []) {
    self.reason = reason
    self.details = details.map { Detail(key: $0.0, value: $0.1) }
  }
}
