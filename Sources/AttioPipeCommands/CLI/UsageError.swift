/// A command line or configuration the tool cannot run with (exit status 2).
public struct UsageError: Error, Sendable, Equatable {
  var message: String

  init(_ message: String) { self.message = message }
}
