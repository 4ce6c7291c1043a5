import Foundation

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// Sends requests to Attio with URLSession (connection reuse and TLS come with it). Every
/// completion is delivered on `callbackQueue`, the delivery scheduler's queue, so the
/// scheduler's state is only ever touched from there.
final class AttioClient: Sendable {
  private let endpoint: AttioEndpoint
  private let token: APIToken
  private let session: URLSession
  private let timeout: Double
  private let callbackQueue: DispatchQueue

  init(
    endpoint: AttioEndpoint, token: APIToken, timeout: Double, connections: Int,
    callbackQueue: DispatchQueue
  ) {
    self.endpoint = endpoint
    self.token = token
    self.timeout = timeout
    self.callbackQueue = callbackQueue
    let configuration = URLSessionConfiguration.ephemeral
    configuration.httpMaximumConnectionsPerHost = max(1, connections)
    configuration.timeoutIntervalForRequest = timeout
    configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
    configuration.httpAdditionalHeaders = ["User-Agent": "attio-pipe/\(Invocation.version)"]
    session = URLSession(configuration: configuration)
  }

  /// A request in flight, which a forced shutdown cancels.
  struct Task: @unchecked Sendable {
    fileprivate let task: URLSessionDataTask
    func cancel() { task.cancel() }
  }

  /// `PUT /v2/objects/people/records?matching_attribute=email_addresses`.
  @discardableResult
  func assertPerson(
    body: [UInt8], completion: @escaping @Sendable (AttioResponse) -> Void
  ) -> Task {
    var request = makeRequest(AttioEndpoint.assertPersonPath, method: "PUT")
    request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    request.httpBody = Data(body)
    return send(request, completion: completion)
  }

  /// A read-only `GET` (the `check` command).
  @discardableResult
  func get(_ path: String, completion: @escaping @Sendable (AttioResponse) -> Void) -> Task {
    send(makeRequest(path, method: "GET"), completion: completion)
  }

  private func makeRequest(_ path: String, method: String) -> URLRequest {
    var request = URLRequest(url: endpoint.url(path))
    request.httpMethod = method
    request.timeoutInterval = timeout
    request.setValue(token.authorizationHeader, forHTTPHeaderField: "Authorization")
    request.setValue("application/json", forHTTPHeaderField: "Accept")
    return request
  }

  private func send(
    _ request: URLRequest, completion: @escaping @Sendable (AttioResponse) -> Void
  ) -> Task {
    let callbackQueue = self.callbackQueue
    let task = session.dataTask(with: request) { data, response, error in
      var answer = AttioResponse(body: data ?? Data())
      if let http = response as? HTTPURLResponse, error == nil {
        answer.status = http.statusCode
        answer.retryAfter = http.value(forHTTPHeaderField: "Retry-After")
        answer.date = http.value(forHTTPHeaderField: "Date")
      } else {
        answer.transportError = AttioClient.describe(error)
        answer.wasCancelled = (error as? URLError)?.code == .cancelled
      }
      let finished = answer
      callbackQueue.async { completion(finished) }
    }
    task.resume()
    return Task(task: task)
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
