/// Where and how to deliver: the endpoint, the token and the sending rules, validated before
/// any input is read.
package struct DeliverySettings: Sendable {
  package var endpoint: AttioEndpoint
  package var token: APIToken
  package var scheduler = DeliveryScheduler.Options()
  /// How long queued and in-flight work may still run after SIGINT/SIGTERM.
  package var grace = 10.0
  /// How long queued and in-flight work may still run after the end of input; nil: until done.
  package var drainTimeout: Double?
  /// Said on stderr at start, once `--diagnostics` is in place (a key file others can read).
  package var warnings: [String] = []

  package init(
    endpoint: AttioEndpoint, token: APIToken, scheduler: DeliveryScheduler.Options = .init(),
    grace: Double = 10.0, drainTimeout: Double? = nil, warnings: [String] = []
  ) {
    self.endpoint = endpoint
    self.token = token
    self.scheduler = scheduler
    self.grace = grace
    self.drainTimeout = drainTimeout
    self.warnings = warnings
  }
}
