import Foundation
import Testing

@testable import AttioPipeDelivery

/// Merge mode with learned record ids (earlier in the run, or from `--state`), the bounded
/// per-person memory, and an email change tying two people's lanes.
@Suite struct LearnedRecordTests {
  private func mergeOptions(capacity: Int = 100) -> DeliveryScheduler.Options {
    .merge(capacity: capacity)
  }

  private func found(_ email: String, title: String?, id: String) -> String {
    PersonRecordAnswers.found(email, title: title, id: id)
  }

  private func fetched(_ email: String, title: String?, id: String) -> String {
    PersonRecordAnswers.fetched(email, title: title, id: id)
  }

  private let nobody = PersonRecordAnswers.nobody
  private let notFound = #"{"type":"invalid_request_error","code":"not_found"}"#

  private func text(_ body: [UInt8]?) -> String { String(decoding: body ?? [], as: UTF8.self) }

  private func submit(
    _ harness: SchedulerHarness, _ email: String, previous: String? = nil, title: String? = nil
  ) {
    harness.submit(email, title: title, previous: previous)
  }

  @Test func anIdKeptInTheStateIsReadByIdAndTheWriteComputedFromTheRecord() async throws {
    var memory = PersonMemory(capacity: 10)
    memory.learn(recordId: "0000000a-0000-4000-8000-00000000000a", for: "a@example.com")
    let harness = SchedulerHarness(options: mergeOptions(), memory: memory)
    submit(harness, "a@example.com", title: "CTO")
    let get = harness.transport.requests[0]
    #expect(get.method == "GET")
    #expect(get.path == "/v2/objects/people/records/0000000a-0000-4000-8000-00000000000a")
    harness.transport.answer(
      0, status: 200,
      body: fetched("a@example.com", title: "CEO", id: "0000000a-0000-4000-8000-00000000000a"))
    let patch = harness.transport.requests[1]
    #expect(patch.method == "PATCH")
    #expect(text(patch.body) == #"{"data":{"values":{"job_title":[{"value":"CTO"}]}}}"#)
    harness.transport.answer(
      1, status: 200, body: #"{"data":{"id":{"record_id":"0000000a-0000-4000-8000-00000000000a"}}}"#
    )
    #expect(harness.results.map(\.action) == [.updated])
    #expect(harness.scheduler.summary.reads == 1)
  }

  @Test func aLearnedIdAnswered404IsForgottenAndTheEmailQueriedOnce() async throws {
    var memory = PersonMemory(capacity: 10)
    memory.learn(recordId: "000000c0-0000-4000-8000-0000000000c0", for: "a@example.com")
    let harness = SchedulerHarness(options: mergeOptions(), memory: memory)
    submit(harness, "a@example.com", title: "CTO")
    harness.transport.answer(0, status: 404, body: notFound)
    let query = harness.transport.requests[1]
    #expect(query.path == "/v2/objects/people/records/query")
    harness.transport.answer(
      1, status: 200,
      body: found("a@example.com", title: nil, id: "0000000b-0000-4000-8000-00000000000b"))
    #expect(
      harness.transport.requests[2].path
        == "/v2/objects/people/records/0000000b-0000-4000-8000-00000000000b")
    harness.transport.answer(
      2, status: 200, body: #"{"data":{"id":{"record_id":"0000000b-0000-4000-8000-00000000000b"}}}"#
    )
    #expect(harness.results.map(\.recordId) == ["0000000b-0000-4000-8000-00000000000b"])
    // The new id replaced the one gone.
    var saved = harness.scheduler.stateSnapshot
    let learned = saved.recordId(of: "a@example.com")
    #expect(learned == "0000000b-0000-4000-8000-00000000000b")
  }

  @Test func aCreatedPersonsIdIsUsedLaterInTheSameRun() async throws {
    let harness = SchedulerHarness(options: mergeOptions())
    submit(harness, "a@example.com", title: "CTO")
    harness.transport.answer(0, status: 200, body: nobody)
    #expect(harness.transport.requests[1].path == "/v2/objects/people/records")
    harness.transport.answer(
      1, status: 200, body: #"{"data":{"id":{"record_id":"0000000e-0000-4000-8000-00000000000e"}}}"#
    )
    submit(harness, "a@example.com", title: "CEO")
    #expect(harness.transport.requests[2].method == "GET")
    #expect(
      harness.transport.requests[2].path
        == "/v2/objects/people/records/0000000e-0000-4000-8000-00000000000e")
  }

  @Test func theMemoryIsBoundedAndIdleLanesAreDropped() async throws {
    let harness = SchedulerHarness(options: mergeOptions(capacity: 2))
    for (index, email) in ["a@example.com", "b@example.com", "c@example.com"].enumerated() {
      submit(harness, email, title: "CTO")
      harness.transport.answer(index * 2, status: 200, body: nobody)
      harness.transport.answer(
        index * 2 + 1, status: 200,
        body: #"{"data":{"id":{"record_id":"00000000-0000-4000-8000-00000000000\#(index)"}}}"#)
    }
    #expect(harness.results.count == 3)
    #expect(harness.scheduler.memoryCounts.count == 2)
    #expect(harness.scheduler.memoryCounts.evictions == 1)
    #expect(harness.scheduler.queue.sync { harness.scheduler.laneCountForTests } == 0)
    // a was forgotten: its unchanged write is sent again (found by a query), c's is not.
    submit(harness, "c@example.com", title: "CTO")
    #expect(harness.results.last?.status == .unchanged)
    submit(harness, "a@example.com", title: "CTO")
    #expect(harness.transport.requests.last?.path == "/v2/objects/people/records/query")
  }

  /// old@ is brand new: its create is in flight when the email changes to new@. new@'s plan
  /// waits for it, so the find of old@ sees the record and new@ is added to it.
  @Test func anEmailChangeWaitsForThePreviousEmailsWriteInFlight() async throws {
    let harness = SchedulerHarness(options: mergeOptions())
    submit(harness, "old@example.com", title: "CTO")
    harness.transport.answer(0, status: 200, body: nobody)
    #expect(harness.transport.requests[1].path == "/v2/objects/people/records")
    submit(harness, "new@example.com", previous: "old@example.com")
    // Nothing for new@ while old@'s create is unanswered.
    #expect(harness.transport.requests.count == 2)
    harness.transport.answer(
      1, status: 200, body: #"{"data":{"id":{"record_id":"0000000d-0000-4000-8000-00000000000d"}}}"#
    )
    #expect(harness.transport.requests.count == 3)
    #expect(text(harness.transport.requests[2].body).contains(#""new@example.com""#))
    harness.transport.answer(2, status: 200, body: nobody)
    // The previous email's record, learned from the create, is read by id.
    #expect(
      harness.transport.requests[3].path
        == "/v2/objects/people/records/0000000d-0000-4000-8000-00000000000d")
    harness.transport.answer(
      3, status: 200,
      body: fetched("old@example.com", title: "CTO", id: "0000000d-0000-4000-8000-00000000000d"))
    #expect(harness.transport.requests[4].method == "PATCH")
    #expect(
      harness.transport.requests[4].path
        == "/v2/objects/people/records/0000000d-0000-4000-8000-00000000000d")
    harness.transport.answer(
      4, status: 200, body: #"{"data":{"id":{"record_id":"0000000d-0000-4000-8000-00000000000d"}}}"#
    )
    #expect(harness.results.map(\.action) == [.created, .updated])
    #expect(harness.results.last?.emailAdded == "new@example.com")
  }

  /// While new@'s plan (which may write old@'s record) runs, old@'s own newer write waits:
  /// it is computed from the record after new@'s `PATCH`, not before.
  @Test func thePreviousEmailsLaneIsHeldForTheWholePlan() async throws {
    let harness = SchedulerHarness(options: mergeOptions())
    submit(harness, "new@example.com", previous: "old@example.com", title: "CEO")
    #expect(harness.transport.requests.count == 1)
    submit(harness, "old@example.com", title: "Intern")
    #expect(harness.transport.requests.count == 1)
    harness.transport.answer(0, status: 200, body: nobody)
    #expect(harness.transport.requests.count == 2)  // the find of old@, not old@'s own plan
    harness.transport.answer(
      1, status: 200,
      body: found("old@example.com", title: nil, id: "0000000d-0000-4000-8000-00000000000d"))
    #expect(harness.transport.requests.count == 3)
    #expect(harness.transport.requests[2].method == "PATCH")
    harness.transport.answer(
      2, status: 200, body: #"{"data":{"id":{"record_id":"0000000d-0000-4000-8000-00000000000d"}}}"#
    )
    // Now old@'s write goes, by the id the email change taught.
    #expect(harness.transport.requests.count == 4)
    #expect(harness.transport.requests[3].method == "GET")
    #expect(
      harness.transport.requests[3].path
        == "/v2/objects/people/records/0000000d-0000-4000-8000-00000000000d")
  }

  /// A previous email whose learned record is the one found needs no duplicate check.
  @Test func noDuplicateCheckWhenThePreviousEmailsRecordIsTheOneFound() async throws {
    var memory = PersonMemory(capacity: 10)
    memory.learn(recordId: "0000000a-0000-4000-8000-00000000000a", for: "new@example.com")
    memory.learn(recordId: "0000000a-0000-4000-8000-00000000000a", for: "old@example.com")
    let harness = SchedulerHarness(options: mergeOptions(), memory: memory)
    submit(harness, "new@example.com", previous: "old@example.com", title: "CTO")
    harness.transport.answer(
      0, status: 200,
      body: fetched("new@example.com", title: nil, id: "0000000a-0000-4000-8000-00000000000a"))
    #expect(harness.transport.requests[1].method == "PATCH")
    harness.transport.answer(
      1, status: 200, body: #"{"data":{"id":{"record_id":"0000000a-0000-4000-8000-00000000000a"}}}"#
    )
    #expect(harness.scheduler.summary.reads == 1)
    #expect(harness.results.first?.duplicateRecordId == nil)
  }

  /// A started plan's write goes before new finds: the writes, limited to --rate, never wait
  /// behind a queue of reads.
  @Test func aWriteGoesBeforeTheFindsQueuedAheadOfIt() async throws {
    var options = mergeOptions()
    options.concurrency = 2
    let harness = SchedulerHarness(options: options)
    for email in ["a@example.com", "b@example.com", "c@example.com", "d@example.com"] {
      submit(harness, email, title: "CTO")
    }
    #expect(harness.transport.requests.count == 2)
    harness.transport.answer(
      0, status: 200,
      body: found("a@example.com", title: nil, id: "0000000a-0000-4000-8000-00000000000a"))
    #expect(harness.transport.requests.count == 3)
    #expect(harness.transport.requests[2].method == "PATCH")
  }

  /// A newer job of old@ does not merge into old@'s waiting batch over new@'s batch queued in
  /// between (which names old@): it would write Founder before new@'s older CTO lands.
  @Test func aJobDoesNotMergeOverATiedBatchQueuedBetween() async throws {
    var options = mergeOptions()
    options.concurrency = 1
    let harness = SchedulerHarness(options: options)
    submit(harness, "x@example.com")
    submit(harness, "old@example.com", title: "CTO")
    submit(harness, "new@example.com", previous: "old@example.com", title: "CTO")
    submit(harness, "old@example.com", title: "Founder")
    harness.transport.answer(0, status: 200, body: nobody)
    harness.transport.answer(
      1, status: 200, body: #"{"data":{"id":{"record_id":"000000ff-0000-4000-8000-0000000000ff"}}}"#
    )
    harness.transport.answer(2, status: 200, body: nobody)
    let create = text(harness.transport.requests[3].body)
    #expect(harness.transport.requests[3].path == "/v2/objects/people/records")
    #expect(create.contains("CTO") && !create.contains("Founder"), "\(create)")
  }
}
