/// One HTTP request to Attio, without the credentials (the transport adds them).
package struct TransportRequest: Sendable, Equatable {
  var method: String
  /// The path and query after the endpoint's base URL, e.g. `/v2/self`.
  var path: String
  var body: [UInt8]?

  package init(method: String, path: String, body: [UInt8]?) {
    self.method = method
    self.path = path
    self.body = body
  }
}

/// A request in flight, which a shutdown cancels.
package struct TransportTask: Sendable {
  private let cancelAction: @Sendable () -> Void

  init(cancel: @escaping @Sendable () -> Void) { cancelAction = cancel }

  func cancel() { cancelAction() }
}

/// How delivery reaches Attio. The scheduler owns no sockets: production uses
/// `CurlTransport`; tests answer requests by hand, at the moments they choose.
package protocol DeliveryTransport: Sendable {
  /// Sends `request`; `completion` runs exactly once, on the queue the transport was made
  /// for (the scheduler's), with the answer or the failure.
  @discardableResult
  func send(
    _ request: TransportRequest, completion: @escaping @Sendable (AttioResponse) -> Void
  ) -> TransportTask

  /// Cancels whatever is still in flight; nothing is sent afterwards.
  func shutdown()
}
