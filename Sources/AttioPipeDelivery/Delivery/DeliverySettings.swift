/// Where and how to deliver: the endpoint, the token and the sending rules, validated before
/// any input is read.
struct DeliverySettings: Sendable {
  var endpoint: AttioEndpoint
  var token: APIToken
  var scheduler = DeliveryScheduler.Options()
  /// How long queued and in-flight work may still run after SIGINT/SIGTERM.
  var grace = 10.0
  /// How long queued and in-flight work may still run after the end of input; nil: until done.
  var drainTimeout: Double?
  /// Said on stderr at start, once `--diagnostics` is in place (a key file others can read).
  var warnings: [String] = []
}
