import AttioPipeCore
import CCurl
import Dispatch
import Foundation
import Synchronization

// Why libcurl's easy interface and not URLSession: on Linux, swift-corelibs-foundation's
// URLSession drives libcurl's multi interface from libdispatch sources and, while a request
// waits for its answer, wakes thousands of times a second (measured: about 1.2 s of system
// CPU for one 2 s request, in a ten-line program). `curl_easy_perform` waits in poll(2)
// until the socket or its timeout is ready. Requests run on a fixed pool of threads
// (`WorkerPool`, as many as `--concurrency`, the most the scheduler has in flight), and
// handles are kept between requests so their connections (and TLS sessions) are reused.
//
// Why not libcurl's multi interface (one thread driving every transfer): it would save the
// idle threads (at most `--concurrency`, ten by default, each waiting in poll(2)), but it
// needs an event loop of its own beside the scheduler's queue, a wake-up for new requests
// and cancels, and many more hand-declared libcurl functions (Sources/CCurl), for no gain
// in throughput: the rate limit, not the threads, bounds delivery.

/// Sends requests to Attio with libcurl. Every completion is delivered on `callbackQueue`,
/// the delivery scheduler's queue.
package final class CurlTransport: DeliveryTransport {
  private let endpoint: AttioEndpoint
  /// The endpoint is plain `http://`: requests never go through a proxy (see
  /// Documentation/Delivery.md, "Proxies").
  private let directOnly: Bool
  private let token: APIToken
  /// Every answer's body passes through it: a server that echoes the request's headers must
  /// not put the key in results, diagnostics or `check`'s output.
  private let redactor: TokenRedactor
  private let timeout: Double
  private let userAgent: String
  private let callbackQueue: DispatchQueue
  /// The threads that wait for the transfers.
  private let workers: WorkerPool
  /// Idle easy handles, with their open connections.
  private let idle = LockedValue<[Handle]>([])
  private let isShutDown = Atomic<Bool>(false)

  private static let globalInit: Void = {
    if ccurl_load_error() == nil { _ = ccurl_global_init(Int(CURL_GLOBAL_DEFAULT)) }
  }()

  /// Why libcurl cannot be used (it is loaded on the first ask, not at start: `build` never
  /// maps it); nil when it can. Commands that send ask before they start.
  package static var unavailableReason: String? {
    ccurl_load_error().map { "cannot load libcurl (needed to reach Attio): \(String(cString: $0))" }
  }

  /// `userAgent` is the caller's (`attio-pipe/VERSION`): delivery does not know the CLI.
  /// `concurrency`: the most requests the caller has in flight at once (one thread each).
  package init(
    endpoint: AttioEndpoint, token: APIToken, timeout: Double, userAgent: String,
    callbackQueue: DispatchQueue,
    concurrency: Int = 1
  ) {
    // The settings checked `unavailableReason` (a usage error): the calls below would jump
    // through pointers that were never resolved.
    precondition(ccurl_load_error() == nil, "CurlTransport without libcurl loaded")
    CurlTransport.globalInit
    self.endpoint = endpoint
    directOnly = endpoint.baseURL.scheme?.lowercased() == "http"
    self.token = token
    redactor = token.redactor
    self.timeout = timeout
    self.userAgent = userAgent
    self.callbackQueue = callbackQueue
    workers = WorkerPool(size: concurrency, name: "attio-pipe.curl")
  }

  deinit { workers.close() }

  @discardableResult
  package func send(
    _ request: TransportRequest, completion: @escaping @Sendable (AttioResponse) -> Void
  ) -> TransportTask {
    let exchange = Exchange(request: request)
    let url = endpoint.url(request.path).absoluteString
    let headers =
      [
        "Authorization: \(token.authorizationHeader)",
        "Accept: application/json", "User-Agent: \(userAgent)",
        // No "100 Continue" round trip before a body.
        "Expect:",
      ] + (request.body == nil ? [] : ["Content-Type: application/json"])
    workers.run { [self] in
      let response =
        isShutDown.load(ordering: .relaxed)
        ? AttioResponse(transportError: "cancelled", wasCancelled: true)
        : perform(exchange, url: url, headers: headers)
      callbackQueue.async { completion(response) }
    }
    return TransportTask { exchange.cancel() }
  }

  package func shutdown() {
    isShutDown.store(true, ordering: .relaxed)
  }

  private func perform(_ exchange: Exchange, url: String, headers: [String]) -> AttioResponse {
    let handle = idle.withLock { $0.popLast() } ?? Handle()
    guard let curl = handle.curl else {
      return AttioResponse(transportError: "transport error (no curl handle)")
    }
    ccurl_easy_reset(curl)
    var list: UnsafeMutablePointer<curl_slist>?
    for header in headers { list = ccurl_slist_append(list, header) }
    defer { ccurl_slist_free_all(list) }
    let body = exchange.request.body ?? []
    let context = Unmanaged.passUnretained(exchange).toOpaque()
    let started = monotonicSeconds()
    let code: CURLcode = url.withCString { urlText in
      exchange.request.method.withCString { method in
        body.withUnsafeBytes { bodyBytes in
          ccurl_setopt_pointer(curl, CURLOPT_URL, urlText)
          ccurl_setopt_pointer(curl, CURLOPT_CUSTOMREQUEST, method)
          if exchange.request.body != nil {
            ccurl_setopt_size(curl, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bodyBytes.count))
            ccurl_setopt_pointer(
              curl, CURLOPT_POSTFIELDS, bodyBytes.baseAddress ?? UnsafeRawPointer(urlText))
          } else {
            ccurl_setopt_long(curl, CURLOPT_HTTPGET, 1)
          }
          ccurl_setopt_pointer(curl, CURLOPT_HTTPHEADER, list)
          ccurl_setopt_long(curl, CURLOPT_TIMEOUT_MS, max(1, Int(timeout * 1000)))
          ccurl_setopt_long(curl, CURLOPT_NOSIGNAL, 1)
          if directOnly {
            // Plain http:// (a loopback mock or relay): never through a proxy, which would
            // see the Authorization header in clear text. "" turns off the proxy variables.
            _ = "".withCString { ccurl_setopt_pointer(curl, CURLOPT_PROXY, $0) }
          }
          ccurl_setopt_data_callback(curl, CURLOPT_WRITEFUNCTION, curlWrite)
          ccurl_setopt_pointer(curl, CURLOPT_WRITEDATA, context)
          ccurl_setopt_data_callback(curl, CURLOPT_HEADERFUNCTION, curlHeader)
          ccurl_setopt_pointer(curl, CURLOPT_HEADERDATA, context)
          // Called at least once a second while waiting: how a cancel reaches the transfer.
          ccurl_setopt_long(curl, CURLOPT_NOPROGRESS, 0)
          ccurl_setopt_progress_callback(curl, CURLOPT_XFERINFOFUNCTION, curlProgress)
          ccurl_setopt_pointer(curl, CURLOPT_XFERINFODATA, context)
          return ccurl_easy_perform(curl)
        }
      }
    }
    var response = AttioResponse(body: Data(redactor.redact(exchange.body)))
    if code == CURLE_WRITE_ERROR && exchange.bodyTooLarge {
      // Cut off by `curlWrite` past the cap: the status line was read; the connection, in
      // the middle of the body, is dropped with the handle.
      var status = 0
      ccurl_getinfo_long(curl, CURLINFO_RESPONSE_CODE, &status)
      response.status = status > 0 ? status : nil
      response.bodyTooLarge = true
    } else if code == CURLE_OK {
      var status = 0
      ccurl_getinfo_long(curl, CURLINFO_RESPONSE_CODE, &status)
      response.status = status
      response.retryAfter = exchange.header("retry-after")
      response.date = exchange.header("date")
      var pretransfer: curl_off_t = 0
      var firstByte: curl_off_t = 0
      if ccurl_getinfo_off_t(curl, CURLINFO_PRETRANSFER_TIME_T, &pretransfer) == CURLE_OK,
        ccurl_getinfo_off_t(curl, CURLINFO_STARTTRANSFER_TIME_T, &firstByte) == CURLE_OK,
        firstByte >= pretransfer, firstByte > 0
      {
        response.wire = AttioResponse.WireTiming(
          sent: started + Double(pretransfer) / 1e6, firstByte: started + Double(firstByte) / 1e6)
      }
      idle.withLock { $0.append(handle) }
    } else {
      // A failed handle may hold a broken connection: it is dropped (its deinit cleans up).
      response.transportError = CurlTransport.describe(code)
      response.wasCancelled = code == CURLE_ABORTED_BY_CALLBACK
      response.timedOut = code == CURLE_OPERATION_TIMEDOUT
    }
    return response
  }

  /// A transport error in a few words, never with the request (which carries the token).
  private static func describe(_ code: CURLcode) -> String {
    switch code {
    case CURLE_OPERATION_TIMEDOUT: "timed out"
    case CURLE_COULDNT_CONNECT: "connection refused"
    case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: "host not found"
    case CURLE_GOT_NOTHING, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_PARTIAL_FILE:
      "connection lost"
    case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM,
      CURLE_SSL_CACERT_BADFILE:
      "TLS failure"
    case CURLE_ABORTED_BY_CALLBACK: "cancelled"
    case CURLE_WEIRD_SERVER_REPLY: "bad server response"
    default: "transport error \(code.rawValue)"
    }
  }

  /// One easy handle; freed with its connections when dropped.
  private final class Handle: @unchecked Sendable {
    let curl: UnsafeMutableRawPointer?

    init() { curl = ccurl_easy_init() }

    deinit { if let curl { ccurl_easy_cleanup(curl) } }
  }
}

/// One request's state, shared with libcurl's callbacks on the transfer's thread (and with a
/// cancel from the scheduler's queue: the flag is atomic).
private final class Exchange: @unchecked Sendable {
  let request: TransportRequest
  var body: [UInt8] = []
  /// The body passed `AttioResponse.maximumBodyBytes`: what came is dropped and the transfer
  /// stopped.
  var bodyTooLarge = false
  var headers: [(name: String, value: String)] = []
  private let cancelled = Atomic<Bool>(false)

  init(request: TransportRequest) { self.request = request }

  var isCancelled: Bool { cancelled.load(ordering: .relaxed) }
  func cancel() { cancelled.store(true, ordering: .relaxed) }

  func header(_ name: String) -> String? {
    headers.last { $0.name == name }?.value
  }
}

private let curlWrite: ccurl_data_callback = { data, size, count, context in
  guard let data, let context else { return 0 }
  let exchange = Unmanaged<Exchange>.fromOpaque(context).takeUnretainedValue()
  let length = size * count
  guard exchange.body.count + length <= AttioResponse.maximumBodyBytes else {
    // Not read further: returning less than `length` stops the transfer (CURLE_WRITE_ERROR).
    exchange.bodyTooLarge = true
    exchange.body = []
    return 0
  }
  data.withMemoryRebound(to: UInt8.self, capacity: length) {
    exchange.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: length))
  }
  return length
}

private let curlHeader: ccurl_data_callback = { data, size, count, context in
  guard let data, let context else { return 0 }
  let exchange = Unmanaged<Exchange>.fromOpaque(context).takeUnretainedValue()
  let length = size * count
  let line = data.withMemoryRebound(to: UInt8.self, capacity: length) {
    String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
  }
  if line.hasPrefix("HTTP/") {
    exchange.headers = []  // a new response (after a 100 Continue): its own headers
  } else if let colon = line.firstIndex(of: ":") {
    exchange.headers.append(
      (
        line[..<colon].lowercased(),
        line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
      ))
  }
  return length
}

private let curlProgress: ccurl_progress_callback = { context, _, _, _, _ in
  guard let context else { return 0 }
  return Unmanaged<Exchange>.fromOpaque(context).takeUnretainedValue().isCancelled ? 1 : 0
}
