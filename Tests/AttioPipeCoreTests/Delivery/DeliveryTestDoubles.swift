import Dispatch
import Foundation

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// A clock that stands still until the test advances it, then fires the timers that came
/// due, in time order, on the scheduler's queue (the way swift-nio's EmbeddedEventLoop runs
/// scheduled tasks only when told).
final class FakeDeliveryClock: DeliveryClock, @unchecked Sendable {
  private struct Timer {
    var time: Double
    var sequence: Int
    var queue: DispatchQueue
    var action: @Sendable () -> Void
    var cancelled: Box
  }

  final class Box: @unchecked Sendable { var cancelled = false }

  private let lock = NSLock()
  private var current: Double
  private var timers: [Timer] = []
  private var sequence = 0

  init(start: Double = 1000) { current = start }

  func now() -> Double { lock.withLock { current } }
  func wallNow() -> Double { 1_800_000_000 + now() }

  func schedule(
    at time: Double, on queue: DispatchQueue, _ action: @escaping @Sendable () -> Void
  ) -> DeliveryTimer {
    let box = Box()
    lock.withLock {
      sequence += 1
      timers.append(
        Timer(time: time, sequence: sequence, queue: queue, action: action, cancelled: box))
    }
    return DeliveryTimer { box.cancelled = true }
  }

  /// Moves time forward by `seconds`, firing every timer due on the way, each at its time.
  func advance(by seconds: Double) {
    let target = now() + seconds
    while true {
      let next: Timer? = lock.withLock {
        let due = timers.filter { $0.time <= target && !$0.cancelled.cancelled }
          .min { ($0.time, $0.sequence) < ($1.time, $1.sequence) }
        if let due {
          timers.removeAll { $0.sequence == due.sequence }
          current = max(current, due.time)
        }
        return due
      }
      guard let next else { break }
      next.queue.sync {
        if !next.cancelled.cancelled { next.action() }
      }
    }
    lock.withLock { current = target }
  }
}

/// A transport that records requests and answers them only when the test says so.
final class FakeTransport: DeliveryTransport, @unchecked Sendable {
  struct Sent {
    var request: TransportRequest
    var completion: @Sendable (AttioResponse) -> Void
    var answered = false
    var cancelled = false
  }

  private let lock = NSLock()
  private var sent: [Sent] = []
  let queue: DispatchQueue

  init(queue: DispatchQueue) { self.queue = queue }

  func send(
    _ request: TransportRequest, completion: @escaping @Sendable (AttioResponse) -> Void
  ) -> TransportTask {
    let index = lock.withLock {
      sent.append(Sent(request: request, completion: completion))
      return sent.count - 1
    }
    return TransportTask { [self] in
      lock.withLock { sent[index].cancelled = true }
    }
  }

  func shutdown() {}

  var requests: [TransportRequest] { lock.withLock { sent.map(\.request) } }

  /// Indexes of the requests still waiting for an answer (cancelled ones included).
  var unanswered: [Int] { lock.withLock { sent.indices.filter { !sent[$0].answered } } }

  func isCancelled(_ index: Int) -> Bool { lock.withLock { sent[index].cancelled } }

  /// The email of request `index` (the value of its first `email_address`).
  func email(_ index: Int) -> String? {
    guard let body = requests[index].body,
      let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
      let values = (object["data"] as? [String: Any])?["values"] as? [String: Any]
    else { return nil }
    for value in values.values {
      if let first = (value as? [[String: Any]])?.first?["email_address"] as? String {
        return first
      }
    }
    return nil
  }

  /// Answers request `index` on the scheduler's queue, as URLSession's completion would.
  func answer(_ index: Int, _ response: AttioResponse) {
    let completion = lock.withLock {
      precondition(!sent[index].answered, "request \(index) answered twice")
      sent[index].answered = true
      return sent[index].completion
    }
    queue.sync { completion(response) }
  }

  func answer(_ index: Int, status: Int, headers: [String: String] = [:], body: String? = nil) {
    var response = AttioResponse(
      body: Data(
        (body
          ?? (status < 300
            ? #"{"data":{"id":{"record_id":"00000000-0000-4000-8000-\#(String(format: "%012d", index))"}}}"#
            : "{}"))
          .utf8))
    response.status = status
    response.retryAfter = headers["Retry-After"]
    response.date = headers["Date"]
    answer(index, response)
  }

  func timeOut(_ index: Int) {
    var response = AttioResponse(transportError: "timed out")
    response.timedOut = true
    answer(index, response)
  }
}

/// A scheduler wired to a fake clock and a fake transport, with its results collected.
final class SchedulerHarness: @unchecked Sendable {
  let clock = FakeDeliveryClock()
  private(set) var transport: FakeTransport!
  private(set) var scheduler: DeliveryScheduler!
  private let lock = NSLock()
  private var collected: [DeliveryResult] = []
  private(set) var refusals = 0
  private var line = 0

  init(
    options: DeliveryScheduler.Options = .assertMode,
    memory: PersonMemory? = nil
  ) {
    scheduler = DeliveryScheduler(
      options: options,
      transport: { queue in
        let transport = FakeTransport(queue: queue)
        self.transport = transport
        return transport
      },
      write: { [self] result in
        lock.withLock { collected.append(result) }
        return true
      },
      memory: memory, clock: clock, random: { 0.5 },
      onRefusal: { [self] _ in lock.withLock { refusals += 1 } })
  }

  var results: [DeliveryResult] { lock.withLock { collected } }

  func statuses(_ email: String) -> [DeliveryStatus] {
    results.filter { $0.job.request.email == email }.map(\.status)
  }

  /// Submits one job and lets the scheduler take it. `sequence`: how new the title is;
  /// `duplicate`: an event seen before.
  @discardableResult
  func submit(
    _ email: String, title: String? = nil, messageId: String? = nil, previous: String? = nil,
    sequence: UInt64 = 0, duplicate: Bool = false
  ) -> Int {
    line += 1
    var attributes = [
      UpsertRequest.Attribute(
        slug: "email_addresses", value: Array(#"[{"email_address":"\#(email)"}]"#.utf8))
    ]
    if let title {
      attributes.append(
        UpsertRequest.Attribute(
          slug: "job_title", value: Array(#"[{"value":"\#(title)"}]"#.utf8), sequence: sequence))
    }
    var request = UpsertRequest(email: email, emailSlug: "email_addresses", attributes: attributes)
    request.previousEmail = previous
    var job = DeliveryJob(
      location: InputLocation(file: nil, line: line), messageId: messageId, request: request)
    job.isDuplicate = duplicate
    scheduler.submit(job)
    settle()
    return line
  }

  /// Lets everything queued on the scheduler's queue run.
  func settle() { scheduler.queue.sync {} }

  func stop(at time: Double) {
    scheduler.queue.sync { scheduler.stop(at: time) }
  }

  /// The job title a request sets, as text.
  func title(of index: Int) -> String? {
    guard let body = transport.requests[index].body else { return nil }
    let text = String(decoding: body, as: UTF8.self)
    guard let range = text.range(of: #""job_title":[{"value":""#) else { return nil }
    return String(text[range.upperBound...].prefix { $0 != "\"" })
  }
}

extension DeliveryScheduler.Options {
  /// Today's single assert per upsert: what the tests written before merge mode describe.
  static var assertMode: DeliveryScheduler.Options {
    var options = DeliveryScheduler.Options()
    options.writeMode = .assert
    return options
  }

  /// Merge mode, reads paced at `readRate`, at most `capacity` people remembered.
  static func merge(
    readRate: Double = 100, capacity: Int = PersonMemory.defaultCapacity
  ) -> DeliveryScheduler.Options {
    var options = DeliveryScheduler.Options()
    options.writeMode = .merge
    options.readRate = readRate
    options.memoryCapacity = capacity
    return options
  }
}

/// Attio's answers about people records, as the fake transport returns them.
enum PersonRecordAnswers {
  /// One person record with `email` and, when given, a job title.
  static func record(_ email: String, title: String?, id: String) -> String {
    let titleValue = title.map { #","job_title":[{"active_until":null,"value":"\#($0)"}]"# } ?? ""
    return #"{"id":{"record_id":"\#(id)"},"values":{"email_addresses":"#
      + #"[{"active_until":null,"email_address":"\#(email)"}]\#(titleValue)}}"#
  }

  /// A query answer holding that one person.
  static func found(_ email: String, title: String?, id: String) -> String {
    #"{"data":[\#(record(email, title: title, id: id))]}"#
  }

  /// A GET-by-id answer.
  static func fetched(_ email: String, title: String?, id: String) -> String {
    #"{"data":\#(record(email, title: title, id: id))}"#
  }

  /// A query answer holding nobody.
  static let nobody = #"{"data":[]}"#
}
