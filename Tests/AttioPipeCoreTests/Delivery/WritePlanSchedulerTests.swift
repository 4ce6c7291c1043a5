import Foundation
import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// Merge mode's plan steps driven through the scheduler with the fake clock and transport:
/// find → update or create, the find again after a conflict or a 404, the person exclusive
/// for the whole plan, reads paced apart from writes.
@Suite struct WritePlanSchedulerTests {
  private func mergeOptions(readRate: Double = 100) -> DeliveryScheduler.Options {
    .merge(readRate: readRate)
  }

  /// A query answer holding one person with `title`, or none.
  private func found(
    _ email: String, title: String?, id: String = "0000000a-0000-4000-8000-00000000000a"
  ) -> String {
    PersonRecordAnswers.found(email, title: title, id: id)
  }

  private let nobody = PersonRecordAnswers.nobody

  private func text(_ body: [UInt8]?) -> String { String(decoding: body ?? [], as: UTF8.self) }

  @Test func aFoundPersonGetsAPatchOfWhatDiffersAndStaysExclusiveUntilItIsDone() async throws {
    let harness = SchedulerHarness(options: mergeOptions())
    harness.submit("a@example.com", title: "CTO")
    #expect(harness.transport.requests.map(\.method) == ["POST"])
    #expect(harness.transport.requests[0].path == "/v2/objects/people/records/query")
    #expect(
      text(harness.transport.requests[0].body)
        == #"{"filter":{"email_addresses":"a@example.com"},"limit":1}"#)
    // A newer event for the person waits behind the whole plan, not just the find.
    harness.submit("a@example.com", title: "CFO")
    harness.transport.answer(0, status: 200, body: found("a@example.com", title: "CEO"))
    #expect(harness.transport.requests.count == 2)
    let patch = harness.transport.requests[1]
    #expect(patch.method == "PATCH")
    #expect(patch.path == "/v2/objects/people/records/0000000a-0000-4000-8000-00000000000a")
    // Only what differs: the address the record holds is not sent again.
    #expect(text(patch.body) == #"{"data":{"values":{"job_title":[{"value":"CTO"}]}}}"#)
    #expect(harness.results.isEmpty)
    harness.transport.answer(
      1, status: 200, body: #"{"data":{"id":{"record_id":"0000000a-0000-4000-8000-00000000000a"}}}"#
    )
    let first = try #require(harness.results.first)
    #expect(first.status == .upserted)
    #expect(first.action == .updated)
    #expect(first.recordId == "0000000a-0000-4000-8000-00000000000a")
    #expect(first.attempts == 2)
    // The plan's second step is not a retry.
    #expect(harness.scheduler.summary.retries == 0)
    #expect(harness.scheduler.summary.reads == 1)
    // Only now the newer event starts its own plan, with a find: a GET of the record learned
    // (a read too), so the write is computed from what the record holds now.
    #expect(harness.transport.requests.count == 3)
    #expect(harness.transport.requests[2].method == "GET")
    #expect(
      harness.transport.requests[2].path
        == "/v2/objects/people/records/0000000a-0000-4000-8000-00000000000a")
  }

  @Test func aRecordHoldingEverythingIsUnchangedWithoutAWrite() async throws {
    let harness = SchedulerHarness(options: mergeOptions())
    harness.submit("a@example.com", title: "CTO")
    harness.transport.answer(0, status: 200, body: found("A@Example.com", title: "CTO"))
    #expect(harness.transport.requests.count == 1)
    let result = try #require(harness.results.first)
    #expect(result.status == .unchanged)
    #expect(result.action == .unchanged)
    #expect(result.recordId == "0000000a-0000-4000-8000-00000000000a")
  }

  @Test func nobodyFoundIsCreatedAndADuplicateRefusalFindsAgainOnce() async throws {
    let harness = SchedulerHarness(options: mergeOptions())
    harness.submit("a@example.com", title: "CTO")
    harness.transport.answer(0, status: 200, body: nobody)
    let create = harness.transport.requests[1]
    #expect(create.method == "POST")
    #expect(create.path == "/v2/objects/people/records")
    #expect(
      text(create.body)
        == #"{"data":{"values":{"email_addresses":[{"email_address":"a@example.com"}],"#
        + #""job_title":[{"value":"CTO"}]}}}"#)
    harness.transport.answer(
      1, status: 400, body: #"{"type":"invalid_request_error","code":"uniqueness_conflict"}"#)
    #expect(harness.transport.requests[2].path == "/v2/objects/people/records/query")
    harness.transport.answer(2, status: 200, body: found("a@example.com", title: nil))
    #expect(harness.transport.requests[3].method == "PATCH")
    harness.transport.answer(3, status: 200)
    #expect(harness.results.map(\.action) == [.updated])
    #expect(harness.results.first?.status == .upserted)
    // The find again is the one retry: query, create, query, patch.
    #expect(harness.scheduler.summary.requests == 4)
    #expect(harness.scheduler.summary.retries == 1)
  }

  /// Once per plan: a second refusal is Attio's answer, not a reason to loop (a 409 is then
  /// retried like any 409, with backoff; a `uniqueness_conflict` fails).
  @Test func aSecondDuplicateRefusalFails() async throws {
    let conflict = #"{"type":"invalid_request_error","code":"uniqueness_conflict"}"#
    let harness = SchedulerHarness(options: mergeOptions())
    harness.submit("a@example.com")
    harness.transport.answer(0, status: 200, body: nobody)
    harness.transport.answer(1, status: 409)
    harness.transport.answer(2, status: 200, body: nobody)
    harness.transport.answer(3, status: 400, body: conflict)
    #expect(harness.transport.requests.count == 4)
    #expect(harness.results.map(\.status) == [.failed])
    #expect(harness.results.first?.error?.code == "uniqueness_conflict")
  }

  @Test func aPatchOfARecordGoneFindsAgain() async throws {
    let harness = SchedulerHarness(options: mergeOptions())
    harness.submit("a@example.com", title: "CTO")
    harness.transport.answer(0, status: 200, body: found("a@example.com", title: "CEO"))
    harness.transport.answer(1, status: 404)
    #expect(harness.transport.requests[2].path == "/v2/objects/people/records/query")
    harness.transport.answer(2, status: 200, body: nobody)
    #expect(harness.transport.requests[3].path == "/v2/objects/people/records")
    harness.transport.answer(
      3, status: 200, body: #"{"data":{"id":{"record_id":"0000000e-0000-4000-8000-00000000000e"}}}"#
    )
    #expect(harness.results.map(\.action) == [.created])
    #expect(harness.results.first?.recordId == "0000000e-0000-4000-8000-00000000000e")
  }

  @Test func anUnreadableFindAnswerFailsRatherThanWriteBlind() async throws {
    let harness = SchedulerHarness(options: mergeOptions())
    harness.submit("a@example.com")
    harness.transport.answer(0, status: 200, body: "<html>")
    #expect(harness.transport.requests.count == 1)
    #expect(harness.results.map(\.status) == [.failed])
    #expect(harness.results.first?.error?.code == "unreadable_record")
  }

  @Test func aRateLimitedReadPausesOnlyTheReads() async throws {
    let harness = SchedulerHarness(options: mergeOptions())
    harness.submit("a@example.com")
    harness.submit("b@example.com")
    #expect(harness.transport.requests.count == 2)
    harness.transport.answer(1, status: 429, headers: ["Retry-After": "5"])
    // The write of a, a different kind, goes at once.
    harness.transport.answer(0, status: 200, body: nobody)
    #expect(harness.transport.requests.count == 3)
    #expect(harness.transport.requests[2].path == "/v2/objects/people/records")
    // Another person's find waits out the pause.
    harness.submit("c@example.com")
    harness.clock.advance(by: 4.9)
    #expect(harness.transport.requests.count == 3)
    harness.clock.advance(by: 0.2)
    #expect(harness.transport.requests.count == 5)
    #expect(
      harness.transport.requests[3...].allSatisfy {
        $0.path == "/v2/objects/people/records/query"
      })
  }

  @Test func assertModeSendsOnePutAndReportsAsserted() async throws {
    let harness = SchedulerHarness(options: .assertMode)
    harness.submit("a@example.com")
    #expect(harness.transport.requests.map(\.method) == ["PUT"])
    harness.transport.answer(0, status: 200)
    #expect(harness.results.map(\.action) == [.asserted])
  }

  @Test func aChangedEmailIsAddedToThePreviousEmailsRecordInsteadOfCreatingAPerson() async throws {
    let harness = SchedulerHarness(options: mergeOptions())
    var request = UpsertRequest(
      email: "new@example.com", emailSlug: "email_addresses",
      attributes: [
        UpsertRequest.Attribute(
          slug: "email_addresses", value: Array(#"[{"email_address":"new@example.com"}]"#.utf8))
      ])
    request.previousEmail = "old@example.com"
    harness.scheduler.submit(
      DeliveryJob(location: InputLocation(file: nil, line: 1), messageId: nil, request: request))
    harness.settle()
    harness.transport.answer(0, status: 200, body: nobody)
    #expect(text(harness.transport.requests[1].body).contains(#""old@example.com""#))
    harness.transport.answer(1, status: 200, body: found("old@example.com", title: nil))
    let patch = harness.transport.requests[2]
    #expect(patch.path == "/v2/objects/people/records/0000000a-0000-4000-8000-00000000000a")
    #expect(
      text(patch.body)
        == #"{"data":{"values":{"email_addresses":[{"email_address":"new@example.com"}]}}}"#)
    harness.transport.answer(
      2, status: 200, body: #"{"data":{"id":{"record_id":"0000000a-0000-4000-8000-00000000000a"}}}"#
    )
    let result = try #require(harness.results.first)
    #expect(result.action == .updated)
    #expect(result.emailAdded == "new@example.com")
    #expect(result.recordId == "0000000a-0000-4000-8000-00000000000a")
  }

  @Test func aChangedEmailWithItsOwnRecordIsUpdatedAndTheDuplicateReported() async throws {
    let harness = SchedulerHarness(options: mergeOptions())
    var request = UpsertRequest(
      email: "new@example.com", emailSlug: "email_addresses",
      attributes: [
        UpsertRequest.Attribute(
          slug: "email_addresses", value: Array(#"[{"email_address":"new@example.com"}]"#.utf8)),
        UpsertRequest.Attribute(slug: "job_title", value: Array(#"[{"value":"CTO"}]"#.utf8)),
      ])
    request.previousEmail = "old@example.com"
    harness.scheduler.submit(
      DeliveryJob(location: InputLocation(file: nil, line: 1), messageId: nil, request: request))
    harness.settle()
    harness.transport.answer(
      0, status: 200,
      body: found("new@example.com", title: nil, id: "0000000e-0000-4000-8000-00000000000e"))
    // The duplicate check reads the previous email's record before the write.
    #expect(text(harness.transport.requests[1].body).contains(#""old@example.com""#))
    harness.transport.answer(
      1, status: 200,
      body: found("old@example.com", title: nil, id: "0000000d-0000-4000-8000-00000000000d"))
    #expect(
      harness.transport.requests[2].path
        == "/v2/objects/people/records/0000000e-0000-4000-8000-00000000000e")
    harness.transport.answer(
      2, status: 200, body: #"{"data":{"id":{"record_id":"0000000e-0000-4000-8000-00000000000e"}}}"#
    )
    let result = try #require(harness.results.first)
    #expect(result.action == .updated)
    #expect(result.recordId == "0000000e-0000-4000-8000-00000000000e")
    #expect(result.duplicateRecordId == "0000000d-0000-4000-8000-00000000000d")
    #expect(result.emailAdded == nil)
    #expect(harness.scheduler.summary.reads == 2)
  }

  @Test func aTimedOutFindIsRetriedWithoutTheSettlingTime() async throws {
    let harness = SchedulerHarness(options: mergeOptions())
    harness.submit("a@example.com")
    harness.transport.timeOut(0)
    // The backoff (0.25 s with the jitter pinned), not --settle-time (10 s): a read that
    // lands late writes nothing.
    harness.clock.advance(by: 0.3)
    try #require(harness.transport.requests.count == 2)
    #expect(harness.transport.requests[1].path == "/v2/objects/people/records/query")
  }
}
