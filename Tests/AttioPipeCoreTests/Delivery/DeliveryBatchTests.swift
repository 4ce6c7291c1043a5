import Foundation
import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// What an answer does to a batch and to the run (`DeliveryBatch.complete`), as values: no
/// scheduler, queue, clock or transport.
@Suite struct DeliveryBatchTests {
  private let now = 100.0
  private let policy = ResponsePolicy()

  private func job(
    _ email: String = "a@example.com", title: String = "CTO", previous: String? = nil,
    object: AttioObject = .people, number: Int = 0
  ) -> DeliveryJob {
    var request = UpsertRequest(
      email: email, emailSlug: object == .companies ? "domains" : "email_addresses",
      attributes: [
        UpsertRequest.Attribute(
          slug: object == .companies ? "domains" : "email_addresses",
          value: Array(#"[{"email_address":"\#(email)"}]"#.utf8)),
        UpsertRequest.Attribute(slug: "job_title", value: Array(#"[{"value":"\#(title)"}]"#.utf8)),
      ])
    request.previousEmail = previous
    request.object = object
    var job = DeliveryJob(
      location: InputLocation(file: nil, line: number + 1), messageId: nil, request: request)
    job.ledgerNumber = number
    return job
  }

  /// A batch of one job whose request has just gone out.
  private func sentBatch(
    _ job: DeliveryJob, mode: WritePlan.Mode = .assert, recordId: String? = nil
  ) -> DeliveryBatch {
    var batch = DeliveryBatch(job, mode: mode)
    batch.send(at: now, recordId: recordId, previousRecordId: nil)
    return batch
  }

  private func answer(_ status: Int?, _ body: String = "{}", retryAfter: String? = nil)
    -> AttioResponse
  {
    var response = AttioResponse(body: Data(body.utf8))
    response.status = status
    response.retryAfter = retryAfter
    return response
  }

  private func context(mayRepair: Bool = false, policy: ResponsePolicy? = nil)
    -> DeliveryBatch.AnswerContext
  {
    DeliveryBatch.AnswerContext(
      now: now, serverNow: 1_800_000_000, policy: policy ?? self.policy,
      planner: MergePlanner(
        emailSlug: "email_addresses", phoneSlug: "phone_numbers", multiselect: [],
        onlyIfEmpty: []),
      mayRepair: mayRepair)
  }

  private func complete(_ batch: inout DeliveryBatch, _ response: AttioResponse) -> AnswerOutcome {
    batch.complete(response, context(), random: { 0.5 })
  }

  private let written = #"{"data":{"id":{"record_id":"00000001-0000-4000-8000-000000000001"}}}"#

  // MARK: - Assert mode

  @Test func anAssertedWriteIsRememberedAndResolved() {
    var batch = sentBatch(job())
    let response = answer(200, written)
    #expect(
      complete(&batch, response)
        == AnswerOutcome(
          [
            .recordWritten(
              recordId: "00000001-0000-4000-8000-000000000001", wroteRecordOfPrevious: false),
            .resolve(
              AnswerOutcome.Resolution(
                .upserted, attempts: 1, response: response,
                recordId: "00000001-0000-4000-8000-000000000001", action: .asserted)),
          ], .done))
  }

  @Test func a429PausesTheWritesAndRetriesWithoutCountingTheAttempt() {
    var batch = sentBatch(job())
    #expect(
      complete(&batch, answer(429, retryAfter: "3"))
        == AnswerOutcome(
          [.countRateLimited, .pause(until: now + 3, reads: false)],
          .requeue(releasingHold: false)))
    #expect(batch.notBefore == now + 3)
    #expect(batch.countedAttempts == 0)
    #expect(batch.isRetry)
  }

  @Test func aServerErrorRetriesAfterTheBackoffAndCountsTheAttempt() {
    var batch = sentBatch(job())
    #expect(complete(&batch, answer(503)) == AnswerOutcome([], .requeue(releasingHold: false)))
    #expect(batch.notBefore == now + policy.backoff.delay(attempt: 1, random: { 0.5 }))
    #expect(batch.countedAttempts == 1)
    #expect(batch.isRetry)
  }

  @Test func theRetryBudgetSpentIsAFailure() {
    var budget = policy
    budget.maxAttempts = 2
    var batch = sentBatch(job())
    let first = batch.complete(answer(500), context(policy: budget), random: { 0.5 })
    #expect(first.next == .requeue(releasingHold: false))
    batch.send(at: now, recordId: nil, previousRecordId: nil)
    let response = answer(500)
    #expect(
      batch.complete(response, context(policy: budget), random: { 0.5 })
        == AnswerOutcome(
          [.resolve(AnswerOutcome.Resolution(.failed, attempts: 2, response: response))], .done))
  }

  @Test func aTimedOutWriteHoldsThePersonForTheSettlingTime() {
    var batch = sentBatch(job())
    var response = AttioResponse(transportError: "timed out")
    response.timedOut = true
    #expect(
      complete(&batch, response)
        == AnswerOutcome(
          [.settle(until: now + policy.settleTime)], .requeue(releasingHold: false)))
    #expect(batch.notBefore >= now + policy.settleTime)
  }

  @Test func aRefusedKeyFailsTheBatchAndStopsEverything() {
    var batch = sentBatch(job())
    let response = answer(401, #"{"code":"unauthorized"}"#)
    #expect(
      complete(&batch, response)
        == AnswerOutcome(
          [
            .resolve(AnswerOutcome.Resolution(.failed, attempts: 1, response: response)),
            .refuse(response),
          ], .done))
  }

  @Test func aCancelledRequestIsInDoubt() {
    var batch = sentBatch(job())
    let response = AttioResponse(transportError: "cancelled", wasCancelled: true)
    #expect(
      complete(&batch, response)
        == AnswerOutcome(
          [.resolve(AnswerOutcome.Resolution(.inDoubt, attempts: 1, response: nil))], .done))
  }

  @Test func aCompanysRecordIdIsLearnedForItsDomain() {
    var batch = sentBatch(job("acme.com", object: .companies), mode: .merge)
    #expect(batch.plan.step == .assert)
    let outcome = complete(&batch, answer(200, written))
    #expect(
      outcome.effects.contains(
        .learnCompanyRecordId("00000001-0000-4000-8000-000000000001", domain: "acme.com")))
    #expect(outcome.next == .done)
  }

  // MARK: - A refused option (--map)

  private let valueNotFound = #"{"type":"invalid_request_error","code":"value_not_found"}"#

  @Test func aMissingOptionIsRepairedOnceAsANewPlan() {
    var batch = sentBatch(job(previous: "old@example.com"))
    let refused = answer(400, valueNotFound)
    #expect(
      batch.complete(refused, context(mayRepair: true), random: { 0.5 })
        == AnswerOutcome([], .repair))
    let repaired = job(title: "Engineer").request
    #expect(
      batch.repair(to: repaired, now: now) == AnswerOutcome([], .requeue(releasingHold: true)))
    #expect(batch.request == repaired)
    #expect(batch.isRetry)
    #expect(batch.plan.isAtStart)
    // Refused again: no second repair.
    batch.send(at: now, recordId: nil, previousRecordId: nil)
    #expect(
      batch.complete(refused, context(mayRepair: true), random: { 0.5 })
        == AnswerOutcome(
          [.resolve(AnswerOutcome.Resolution(.failed, attempts: 2, response: refused))], .done))
  }

  @Test func aMissingOptionFailsWhenNothingCanBeRepaired() {
    let refused = answer(400, valueNotFound)
    var unrepairable = sentBatch(job())
    #expect(
      complete(&unrepairable, refused)
        == AnswerOutcome(
          [.resolve(AnswerOutcome.Resolution(.failed, attempts: 1, response: refused))], .done))

    var nothingLeftOut = sentBatch(job())
    #expect(
      nothingLeftOut.complete(refused, context(mayRepair: true), random: { 0.5 }).next == .repair)
    #expect(
      nothingLeftOut.repair(to: nil, now: now)
        == AnswerOutcome(
          [.resolve(AnswerOutcome.Resolution(.failed, attempts: 1, response: refused))], .done))

    var otherRefusal = sentBatch(job())
    let invalid = answer(400, #"{"code":"validation_type"}"#)
    #expect(
      otherRefusal.complete(invalid, context(mayRepair: true), random: { 0.5 })
        == AnswerOutcome(
          [.resolve(AnswerOutcome.Resolution(.failed, attempts: 1, response: invalid))], .done))
  }

  // MARK: - Merge mode

  @Test func aFoundRecordLeadsToThePatchThenTheWrite() {
    var batch = sentBatch(job(), mode: .merge)
    let found = PersonRecordAnswers.found(
      "a@example.com", title: "CEO", id: "00000001-0000-4000-8000-000000000001")
    #expect(
      complete(&batch, answer(200, found))
        == AnswerOutcome([.countRead], .requeue(releasingHold: false)))
    guard case .update(let recordId, _) = batch.plan.step else {
      Issue.record("no update step: \(batch.plan.step)")
      return
    }
    #expect(recordId == "00000001-0000-4000-8000-000000000001")
    #expect(batch.notBefore == now)
    #expect(!batch.isRetry)
    batch.send(at: now, recordId: nil, previousRecordId: nil)
    let response = answer(200, written)
    #expect(
      complete(&batch, response)
        == AnswerOutcome(
          [
            .recordWritten(
              recordId: "00000001-0000-4000-8000-000000000001", wroteRecordOfPrevious: false),
            .resolve(
              AnswerOutcome.Resolution(
                .upserted, attempts: 2, response: response,
                recordId: "00000001-0000-4000-8000-000000000001", action: .updated)),
          ], .done))
  }

  @Test func aRecordThatAlreadyHoldsEverythingIsUnchanged() {
    var batch = sentBatch(job(), mode: .merge)
    let found = answer(
      200,
      PersonRecordAnswers.found(
        "a@example.com", title: "CTO", id: "00000001-0000-4000-8000-000000000001"))
    let outcome = complete(&batch, found)
    #expect(outcome.next == .done)
    #expect(
      outcome.effects.last
        == .resolve(
          AnswerOutcome.Resolution(
            .unchanged, attempts: 1, response: found,
            recordId: "00000001-0000-4000-8000-000000000001", action: .unchanged)))
  }

  @Test func aTimedOutReadIsAPlainRetry() {
    var batch = sentBatch(job(), mode: .merge)
    var response = AttioResponse(transportError: "timed out")
    response.timedOut = true
    #expect(complete(&batch, response) == AnswerOutcome([], .requeue(releasingHold: false)))
    #expect(batch.lastResponse?.timedOut == false)
  }

  @Test func aCreateRefusedAsADuplicateFindsAgainAtOnce() {
    var batch = sentBatch(job(), mode: .merge)
    _ = complete(&batch, answer(200, PersonRecordAnswers.nobody))
    #expect(batch.plan.step == .create)
    batch.send(at: now, recordId: nil, previousRecordId: nil)
    #expect(complete(&batch, answer(409)) == AnswerOutcome([], .requeue(releasingHold: false)))
    #expect(batch.plan.step == .find)
    #expect(batch.isRetry)
    #expect(batch.notBefore == now)
  }

  @Test func aLearnedRecordAnswered404IsForgottenAndTheEmailFoundAgain() {
    var batch = sentBatch(job(), mode: .merge, recordId: "000000c0-0000-4000-8000-0000000000c0")
    #expect(
      complete(&batch, answer(404))
        == AnswerOutcome(
          [.forgetRecordId("000000c0-0000-4000-8000-0000000000c0")], .requeue(releasingHold: false))
    )
    #expect(batch.plan.recordIdInUse == nil)
  }

  @Test func anUnreadableFindFailsWithoutWriting() {
    var batch = sentBatch(job(), mode: .merge)
    let outcome = complete(&batch, answer(200, "not json"))
    #expect(outcome.next == .done)
    guard case .resolve(let result) = outcome.effects.last else {
      Issue.record("no result: \(outcome)")
      return
    }
    #expect(result.status == .failed)
    #expect(result.response?.status == 502)
    #expect(result.response?.error?.code == "unreadable_record")
  }

  @Test func theNewEmailAddedToThePreviousEmailsRecord() {
    var batch = sentBatch(job("new@example.com", previous: "old@example.com"), mode: .merge)
    _ = complete(&batch, answer(200, PersonRecordAnswers.nobody))
    #expect(batch.plan.step == .findPrevious)
    batch.send(at: now, recordId: nil, previousRecordId: nil)
    let old = PersonRecordAnswers.found(
      "old@example.com", title: "CTO", id: "0000000d-0000-4000-8000-00000000000d")
    _ = complete(&batch, answer(200, old))
    batch.send(at: now, recordId: nil, previousRecordId: nil)
    let response = answer(
      200, #"{"data":{"id":{"record_id":"0000000d-0000-4000-8000-00000000000d"}}}"#)
    #expect(
      complete(&batch, response)
        == AnswerOutcome(
          [
            .recordWritten(
              recordId: "0000000d-0000-4000-8000-00000000000d", wroteRecordOfPrevious: true),
            .resolve(
              AnswerOutcome.Resolution(
                .upserted, attempts: 3, response: response,
                recordId: "0000000d-0000-4000-8000-00000000000d", action: .updated,
                emailAdded: "new@example.com")),
          ], .done))
  }

  @Test func thePreviousEmailsOtherPersonIsLearnedAndReported() {
    var batch = sentBatch(job("new@example.com", previous: "old@example.com"), mode: .merge)
    let new = PersonRecordAnswers.found(
      "new@example.com", title: "CEO", id: "0000000e-0000-4000-8000-00000000000e")
    _ = complete(&batch, answer(200, new))
    guard case .checkPrevious = batch.plan.step else {
      Issue.record("no duplicate check: \(batch.plan.step)")
      return
    }
    batch.send(at: now, recordId: nil, previousRecordId: nil)
    let old = PersonRecordAnswers.found(
      "old@example.com", title: nil, id: "0000000d-0000-4000-8000-00000000000d")
    _ = complete(&batch, answer(200, old))
    batch.send(at: now, recordId: nil, previousRecordId: nil)
    let response = answer(
      200, #"{"data":{"id":{"record_id":"0000000e-0000-4000-8000-00000000000e"}}}"#)
    #expect(
      complete(&batch, response)
        == AnswerOutcome(
          [
            .recordWritten(
              recordId: "0000000e-0000-4000-8000-00000000000e", wroteRecordOfPrevious: false),
            .learnRecordId("0000000d-0000-4000-8000-00000000000d", email: "old@example.com"),
            .resolve(
              AnswerOutcome.Resolution(
                .upserted, attempts: 3, response: response,
                recordId: "0000000e-0000-4000-8000-00000000000e", action: .updated,
                duplicateRecordId: "0000000d-0000-4000-8000-00000000000d")),
          ], .done))
  }

  // MARK: - Merging

  @Test func newerJobsRideAlongOnlyWhileThePlanIsAtItsStart() {
    var batch = DeliveryBatch(job(title: "CTO", number: 0), mode: .merge)
    let newer = batch.merge(job(title: "CEO", number: 1))
    #expect(newer)
    #expect(batch.order == 0)
    #expect(batch.jobs.map(\.ledgerNumber) == [0, 1])
    // Another email list goes in a request of its own (Attio adds addresses).
    let otherList = batch.merge(job("b@example.com", number: 2))
    #expect(!otherList)
    batch.send(at: now, recordId: nil, previousRecordId: nil)
    _ = complete(&batch, answer(200, PersonRecordAnswers.nobody))
    let pastTheFind = batch.merge(job(title: "CFO", number: 3))
    #expect(!pastTheFind)
    #expect(batch.jobs.count == 2)
  }
}
