import Foundation

/// What Attio answered to one request, or how the request failed to get an answer.
package struct AttioResponse: Sendable, Equatable {
  /// The HTTP status; nil for a transport failure (refused, reset, timed out).
  package var status: Int?
  var retryAfter: String?
  var date: String?
  package var body: Data = Data()
  /// A transport failure, described without the request (which carries the token).
  package var transportError: String?
  /// The answer's body was larger than `maximumBodyBytes`: it was not read (the body is
  /// empty), and the request fails at once with `response_too_large`.
  var bodyTooLarge = false
  /// The request was cancelled here (a forced shutdown), not failed by the network.
  var wasCancelled = false
  /// The attempt ran out of `--timeout`: it may still reach Attio and be applied later.
  var timedOut = false
  /// When the request went on the wire and when the answer's first byte came back, as the
  /// transport measured them (nil where it cannot tell): the rate limiter places Attio's
  /// arrival between the two, unaffected by how long the request waited for a thread here.
  var wire: WireTiming?

  struct WireTiming: Sendable, Equatable {
    /// On `monotonicSeconds`.
    var sent: Double
    var firstByte: Double
  }

  /// The most of an answer's body that is read. Attio's answers are a few KiB (a records
  /// query is limited to one record); more is a broken or hostile server, whose answer must
  /// not take the process's memory (ten 100 MiB answers took 2 GB).
  static let maximumBodyBytes = 4 << 20

  /// Attio's error fields, or a synthesised error for a transport failure or an error body
  /// that is not Attio's JSON.
  package var error: AttioError? {
    if bodyTooLarge {
      return AttioError(
        type: "response_error", code: "response_too_large",
        message:
          "the answer (HTTP \(status.map(String.init) ?? "?")) was larger than "
          + "\(Self.maximumBodyBytes >> 20) MiB and was not read; the request is not retried")
    }
    if let transportError {
      return AttioError(type: "transport_error", code: "connection_failed", message: transportError)
    }
    guard let status, !(200..<300).contains(status) else { return nil }
    let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
    return AttioError(
      type: object?["type"] as? String ?? "http_error",
      code: object?["code"] as? String ?? "http_\(status)",
      message: object?["message"] as? String ?? "HTTP \(status) without an Attio error body")
  }

  /// `data.id.record_id` of a successful assert; nil when it is not a UUID (it would be
  /// remembered and put into a later request's path).
  var recordId: String? {
    let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
    let data = object?["data"] as? [String: Any]
    guard let id = (data?["id"] as? [String: Any])?["record_id"] as? String,
      RecordID.isCanonical(id)
    else { return nil }
    return id
  }
}

/// Attio's error body: `{"status_code", "type", "code", "message"}`.
package struct AttioError: Sendable, Equatable {
  package var type: String
  package var code: String
  package var message: String
}
