/// One eligible event (or one body, for `send`) waiting for its result.
struct DeliveryJob: Sendable {
  var location: InputLocation
  var messageId: String?
  /// The event's own request: what its result carries for replay, even when it was merged
  /// into a larger one.
  var request: UpsertRequest
}

/// How one job ended. The raw values are the `status` of result lines.
public enum DeliveryStatus: String, Sendable {
  case upserted
  /// Not sent: this run had already upserted exactly these values for the person.
  case unchanged
  case failed
  /// Never sent (or its answer never came): a 401/403 stopped sending, or a signal, or the
  /// reader of the results went away.
  case notSent = "not_sent"
}

/// The result line of one job.
struct DeliveryResult: Sendable {
  var job: DeliveryJob
  var status: DeliveryStatus
  var httpStatus: Int?
  var recordId: String?
  var attempts: Int
  var error: AttioError?
}
