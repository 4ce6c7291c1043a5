/// An endpoint or API key that delivery cannot work with, found before anything is read or
/// sent. Delivery's own error: the command line turns it into a usage error (exit 2).
struct DeliveryConfigurationError: Error, Sendable, Equatable {
  var message: String

  init(_ message: String) { self.message = message }
}
