import Foundation

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// Sends requests to Attio with URLSession (connection reuse and TLS come with it). Every
/// completion is delivered on `callbackQueue`, the delivery scheduler's queue, so the
/// scheduler's state is only ever touched from there.
final class URLSessionTransport: DeliveryTransport {
  private let endpoint: AttioEndpoint
  private let token: APIToken
  private let session: URLSession
  private let timeout: Double
  private let callbackQueue: DispatchQueue

  /// `userAgent` is the caller's (`attio-pipe/VERSION`): delivery does not know the CLI.
  init(
    endpoint: AttioEndpoint, token: APIToken, timeout: Double, connections: Int,
    userAgent: String, callbackQueue: DispatchQueue
  ) {
    self.endpoint = endpoint
    self.token = token
    self.timeout = timeout
    self.callbackQueue = callbackQueue
    let configuration = URLSessionConfiguration.ephemeral
    configuration.httpMaximumConnectionsPerHost = max(1, connections)
    configuration.timeoutIntervalForRequest = timeout
    configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
    configuration.httpAdditionalHeaders = ["User-Agent": userAgent]
    session = URLSession(configuration: configuration)
  }

  @discardableResult
  func send(
    _ request: TransportRequest, completion: @escaping @Sendable (AttioResponse) -> Void
  ) -> TransportTask {
    var urlRequest = URLRequest(url: endpoint.url(request.path))
    urlRequest.httpMethod = request.method
    urlRequest.timeoutInterval = timeout
    urlRequest.setValue(token.authorizationHeader, forHTTPHeaderField: "Authorization")
    urlRequest.setValue("application/json", forHTTPHeaderField: "Accept")
    if let body = request.body {
      urlRequest.setValue("application/json", forHTTPHeaderField: "Content-Type")
      urlRequest.httpBody = Data(body)
    }
    let callbackQueue = self.callbackQueue
    let task = session.dataTask(with: urlRequest) { data, response, error in
      var answer = AttioResponse(body: data ?? Data())
      if let http = response as? HTTPURLResponse, error == nil {
        answer.status = http.statusCode
        answer.retryAfter = http.value(forHTTPHeaderField: "Retry-After")
        answer.date = http.value(forHTTPHeaderField: "Date")
      } else {
        let code = (error as? URLError)?.code
        answer.transportError = URLSessionTransport.describe(error)
        answer.wasCancelled = code == .cancelled
        answer.timedOut = code == .timedOut
      }
      let finished = answer
      callbackQueue.async { completion(finished) }
    }
    task.resume()
    nonisolated(unsafe) let unsafeTask = task
    return TransportTask { unsafeTask.cancel() }
  }

  /// A transport error in a few words. URLError's own description can include the request,
  /// so only its code is used.
  private static func describe(_ error: (any Error)?) -> String {
    guard let error = error as? URLError else { return "no response" }
    switch error.code {
    case .timedOut: return "timed out"
    case .cannotConnectToHost: return "connection refused"
    case .networkConnectionLost: return "connection lost"
    case .cannotFindHost, .dnsLookupFailed: return "host not found"
    case .notConnectedToInternet: return "not connected"
    case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate:
      return "TLS failure"
    case .cancelled: return "cancelled"
    case .badServerResponse: return "bad server response"
    default: return "transport error \(error.code.rawValue)"
    }
  }

  func shutdown() {
    session.invalidateAndCancel()
  }
}
