/// An endpoint or API key that delivery cannot work with, found before anything is read or
/// sent. Delivery's own error: the command line turns it into a usage error (exit 2).
package struct DeliveryConfigurationError: Error, Sendable, Equatable {
  package var message: String

  init(_ message: String) { self.message = message }
}
