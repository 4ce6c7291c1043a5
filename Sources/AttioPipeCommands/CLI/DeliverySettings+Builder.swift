import AttioPipeDelivery

extension DeliverySettings {
  /// Collects the command line's delivery options; `settings` checks them together with the
  /// environment (`ATTIO_API_KEY`, `ATTIO_BASE_URL`) and turns delivery's configuration
  /// errors into usage errors.
  struct Builder {
    var apiKeyFile: String?
    var endpoint: String?
    /// A run of the tool starts with the rate's first second taken as used (a restart must
    /// not add a second's worth of requests to what the previous run just sent).
    var scheduler = DeliveryScheduler.Options(startsWithFullWindow: true)
    var grace = 10.0
    var drainTimeout: Double?

    func settings(environment: [String: String]) throws(UsageError) -> DeliverySettings {
      let endpointText = endpoint ?? environment["ATTIO_BASE_URL"] ?? AttioEndpoint.defaultURL
      // Loads libcurl: only the modes that reach Attio come here.
      if let reason = CurlTransport.unavailableReason { throw UsageError(reason) }
      do {
        let endpoint = try AttioEndpoint(endpointText)
        let token = try APIToken.load(file: apiKeyFile, environment: environment)
        return DeliverySettings(
          endpoint: endpoint, token: token, scheduler: scheduler, grace: grace,
          drainTimeout: drainTimeout,
          warnings: apiKeyFile.flatMap { APIToken.permissionWarning(file: $0) }.map { [$0] } ?? [])
      } catch {
        throw UsageError(error.message)
      }
    }
  }
}
