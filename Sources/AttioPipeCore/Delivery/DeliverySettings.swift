/// Where and how to deliver: the endpoint, the token and the sending rules, validated before
/// any input is read.
struct DeliverySettings: Sendable {
  var endpoint: AttioEndpoint
  var token: APIToken
  var scheduler = DeliveryScheduler.Options()
  /// How long queued and in-flight work may still run after SIGINT/SIGTERM.
  var grace = 10.0

  /// Collects the command line's delivery options; `settings` checks them together with the
  /// environment (`ATTIO_API_KEY`, `ATTIO_BASE_URL`).
  struct Builder {
    var apiKeyFile: String?
    var endpoint: String?
    var scheduler = DeliveryScheduler.Options()
    var grace = 10.0

    func settings(environment: [String: String]) throws(UsageError) -> DeliverySettings {
      let endpointText = endpoint ?? environment["ATTIO_BASE_URL"] ?? AttioEndpoint.defaultURL
      let endpoint = try AttioEndpoint(endpointText)
      let token = try APIToken.load(file: apiKeyFile, environment: environment)
      return DeliverySettings(endpoint: endpoint, token: token, scheduler: scheduler, grace: grace)
    }
  }
}
