/// A warning about one event, with what a user needs to trace it (the raw value, the old and
/// new email, where the email came from). Built only when something is wrong, so the details
/// may allocate.
package struct EventWarning: Equatable, Sendable {
  package struct Detail: Equatable, Sendable {
    package var key: String
    package var value: String
  }

  package var reason: MappingWarning
  package var details: [Detail] = []

  package init(_ reason: MappingWarning, _ details: [(String, String)] = []) {
    self.reason = reason
    self.details = details.map { Detail(key: $0.0, value: $0.1) }
  }
}
