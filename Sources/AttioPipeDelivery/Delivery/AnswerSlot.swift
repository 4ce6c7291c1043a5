import Foundation

/// The one answer of a request, handed from the transport's queue to a thread that waits for
/// it: `check` and the schema reader ask one question at a time, before or beside the stream,
/// where blocking is what they want.
package final class AnswerSlot: @unchecked Sendable {
  private let lock = NSLock()
  private let done = DispatchSemaphore(value: 0)
  private var response = AttioResponse(transportError: "no response")

  package init() {}

  package func set(_ value: AttioResponse) {
    lock.withLock { response = value }
    done.signal()
  }

  package func wait() -> AttioResponse {
    done.wait()
    return lock.withLock { response }
  }
}
