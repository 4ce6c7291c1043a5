import Foundation
import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// `--users` and `--workspaces` in delivery, as values: a job's linked writes
/// (`DeliveryBatch`), the gate that orders jobs by the records they reference (`RecordGate`),
/// the requests themselves (`UpsertRequest`), the spool's copy of a job and `send`'s parser.
@Suite struct LinkedWriteTests {
  private let now = 100.0
  private let recordA = "0000000a-0000-4000-8000-00000000000a"
  private let recordB = "0000000b-0000-4000-8000-00000000000b"

  private func person(_ email: String = "ada@example.com", user: UserValues? = nil)
    -> UpsertRequest
  {
    var request = UpsertRequest(
      email: email, emailSlug: "email_addresses",
      attributes: [
        UpsertRequest.Attribute(
          slug: "email_addresses", value: Array(#"[{"email_address":"\#(email)"}]"#.utf8))
      ])
    if let user { request.linked = AccountRequestEncoder.requests(of: user) }
    return request
  }

  private func job(_ request: UpsertRequest, number: Int = 0) -> DeliveryJob {
    var job = DeliveryJob(
      location: InputLocation(file: nil, line: number + 1), messageId: nil, request: request)
    job.ledgerNumber = number
    return job
  }

  private func answer(_ status: Int, recordId: String? = nil) -> AttioResponse {
    let body = recordId.map { #"{"data":{"id":{"record_id":"\#($0)"}}}"# } ?? "{}"
    var response = AttioResponse(body: Data(body.utf8))
    response.status = status
    if status >= 400 {
      response.body = Data(
        #"{"status_code":400,"type":"invalid_request_error","code":"value_not_found","message":"no"}"#
          .utf8)
    }
    return response
  }

  private func context(changesNothing: @escaping (UpsertRequest) -> Bool = { _ in false })
    -> DeliveryBatch.AnswerContext
  {
    DeliveryBatch.AnswerContext(
      now: now, serverNow: 1_800_000_000, policy: ResponsePolicy(),
      planner: MergePlanner(
        emailSlug: "email_addresses", phoneSlug: "phone_numbers", multiselect: [],
        onlyIfEmpty: []),
      changesNothing: changesNothing)
  }

  private func resolution(_ outcome: AnswerOutcome) -> AnswerOutcome.Resolution? {
    for case .resolve(let resolution) in outcome.effects { return resolution }
    return nil
  }

  private let ada = UserValues(
    userId: "u-1", email: "ada@example.com", linksPerson: true, workspaceIds: ["ws-1"])

  @Test func theLinkedWritesFollowTheJobsOwnInOrderAndTheResultListsThem() {
    var batch = DeliveryBatch(job(person(user: ada)))
    batch.send(at: now, recordId: nil, previousRecordId: nil)
    // The person is asserted: the user's assert goes next, in the same lane.
    var outcome = batch.complete(answer(200, recordId: recordA), context(), random: { 0 })
    #expect(outcome.next == .requeue(releasingHold: false))
    #expect(batch.current.object == .users)
    #expect(batch.plan.request(for: batch.current).path.hasPrefix("/v2/objects/users/records?"))
    batch.send(at: now, recordId: nil, previousRecordId: nil)
    outcome = batch.complete(answer(200, recordId: recordB), context(), random: { 0 })
    #expect(outcome.effects.contains(.recordLinked(batch.request.linked[0], recordId: recordB)))
    // The membership: a PATCH of the user just written (its id is known), no find.
    #expect(batch.current.operation == .add)
    batch.send(at: now, recordId: recordB, previousRecordId: nil)
    let patch = batch.plan.request(for: batch.current)
    #expect(patch.method == "PATCH")
    #expect(patch.path == "/v2/objects/users/records/\(recordB)")
    let body = String(decoding: patch.body ?? [], as: UTF8.self)
    #expect(body.contains(#""workspace":[{"target_object":"workspaces","workspace_id""#))
    #expect(!body.contains("user_id"))
    outcome = batch.complete(answer(200, recordId: recordB), context(), random: { 0 })
    #expect(outcome.next == .done)
    let result = try! #require(resolution(outcome))
    #expect(result.status == .upserted)
    #expect(result.recordId == recordA)
    #expect(result.linked.map(\.object) == [.users, .users])
    #expect(result.linked.map(\.action) == [.asserted, .updated])
  }

  @Test func aLinkedWriteThatChangesNothingIsNotSent() {
    var batch = DeliveryBatch(job(person(user: ada)))
    batch.send(at: now, recordId: nil, previousRecordId: nil)
    let unchanged = context { $0.operation == .assert && $0.object == .users }
    _ = batch.complete(answer(200, recordId: recordA), unchanged, random: { 0 })
    // The user's assert was skipped: the membership is next.
    #expect(batch.current.operation == .add)
  }

  @Test func aFailedLinkedWriteFailsTheEventAndNamesItsObject() {
    var batch = DeliveryBatch(job(person(user: ada)))
    batch.send(at: now, recordId: nil, previousRecordId: nil)
    _ = batch.complete(answer(200, recordId: recordA), context(), random: { 0 })
    batch.send(at: now, recordId: nil, previousRecordId: nil)
    let outcome = batch.complete(answer(400), context(), random: { 0 })
    let result = try! #require(resolution(outcome))
    #expect(result.status == .failed)
    #expect(result.failedObject == "users")
    // What was written before it is kept: the person's record.
    #expect(result.recordId == recordA)
  }

  @Test func anAddWhoseRecordIsMissingFailsWithAReason() {
    let add = AccountRequestEncoder.requests(of: ada)[1]
    var batch = DeliveryBatch(job(add))
    batch.send(at: now, recordId: nil, previousRecordId: nil)
    #expect(batch.plan.request(for: batch.current).path == "/v2/objects/users/records/query")
    var empty = AttioResponse(body: Data(#"{"data":[]}"#.utf8))
    empty.status = 200
    let result = try! #require(resolution(batch.complete(empty, context(), random: { 0 })))
    #expect(result.status == .failed)
    #expect(result.response?.error?.code == "record_not_found")
  }

  @Test func anAddNeverMergesWithAnotherRequest() {
    let requests = AccountRequestEncoder.requests(of: ada)
    var assert = requests[0]
    let assertTakesAdd = assert.merge(requests[1])
    #expect(!assertTakesAdd)
    var add = requests[1]
    let addTakesAdd = add.merge(requests[1])
    #expect(!addTakesAdd)
    // Two asserts of one user do merge.
    let assertTakesAssert = assert.merge(requests[0])
    #expect(assertTakesAssert)
  }

  @Test func usersAndWorkspacesHaveKeysOfTheirOwn() {
    let user = AccountRequestEncoder.requests(of: ada)[0]
    #expect(user.email == "users:u-1")
    #expect(user.matchValue == "u-1")
    let emailLike = AccountRequestEncoder.requests(
      of: UserValues(userId: "ada@example.com", email: "ada@example.com", linksPerson: true))[0]
    // A userId that is an email is not the person's key.
    #expect(emailLike.email != person().email)
    #expect(String(decoding: user.envelope, as: UTF8.self).hasPrefix(#"{"object":"users","data""#))
    let add = AccountRequestEncoder.requests(of: ada)[1]
    #expect(
      String(decoding: add.envelope, as: UTF8.self).hasPrefix(
        #"{"object":"users","operation":"add","data""#))
  }

  @Test func onlyAnEarlierJobHoldsAJobUp() {
    var gate = RecordGate()
    // Job 0 writes the workspace; job 1 (a membership) references it; job 2 asserts the
    // user in the same lane as job 1 and job 1 also references the user.
    var workspace = AccountRequestEncoder.requests(of: WorkspaceValues(workspaceId: "ws-1"))[0]
    workspace.linked = []
    var add = AccountRequestEncoder.requests(of: ada)[1]
    add.awaitedKeys = ["workspaces:ws-1", "users:u-1"]
    let user = AccountRequestEncoder.requests(of: ada)[0]
    let jobs = [job(workspace, number: 0), job(add, number: 1), job(user, number: 2)]
    for job in jobs { gate.opened(job) }
    let admitted = jobs.map { gate.admit($0) }
    // Job 1 waits for the workspace; job 2 is held behind it in its lane, though nothing it
    // references is pending.
    #expect(admitted == [true, false, false])
    // The workspace's result frees both, in order: job 2's pending user write is later than
    // job 1, so it does not hold job 1 up (which would wait for ever).
    let released = gate.resolved(jobs[0])
    #expect(released.map(\.ledgerNumber) == [1, 2])
    #expect(gate.heldCount == 0)
  }

  @Test func theSpoolKeepsALinkedJobWhole() throws {
    var request = person(user: ada)
    request.awaitedKeys = ["workspaces:ws-1"]
    let original = job(request)
    var bytes: [UInt8] = []
    original.encodeForSpool(into: &bytes)
    let decoded = try #require(bytes.withUnsafeBufferPointer { DeliveryJob(spooled: $0) })
    #expect(decoded.request == original.request)
    // A job without accounts is written as before (no flag 32).
    var plain: [UInt8] = []
    job(person()).encodeForSpool(into: &plain)
    #expect(plain[0] & 32 == 0)
  }

  @Test func sendReadsWhatEachBodyWaitsFor() throws {
    let parser = RequestBodyParser(slugs: AttributeSlugs())
    func parse(_ line: String) throws -> UpsertRequest {
      try Array(line.utf8).withUnsafeBufferPointer { try parser.parse($0).get() }
    }
    let user = try parse(
      #"{"object":"users","data":{"values":{"user_id":[{"value":"u-1"}],"primary_email_address":[{"email_address":"ada@example.com"}],"person":[{"target_object":"people","email_addresses":[{"email_address":"Ada@Example.com"}]}]}}}"#
    )
    #expect(user.object == .users && user.matchValue == "u-1")
    #expect(user.awaitedKeys == ["ada@example.com"])
    let workspace = try parse(
      #"{"object":"workspaces","data":{"values":{"workspace_id":"ws-1","company":[{"target_object":"companies","domains":[{"domain":"acme.com"}]}]}}}"#
    )
    #expect(workspace.companyDomain == "acme.com")
    let add = try parse(
      #"{"object":"users","operation":"add","data":{"values":{"user_id":[{"value":"u-1"}],"workspace":[{"target_object":"workspaces","workspace_id":[{"value":"ws-1"}]}]}}}"#
    )
    #expect(add.operation == .add)
    #expect(Set(add.awaitedKeys) == ["users:u-1", "workspaces:ws-1"])
    #expect(
      (try? parse(#"{"object":"users","operation":"remove","data":{"values":{"user_id":"u"}}}"#))
        == nil)
  }
}
