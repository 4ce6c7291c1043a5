import Foundation
import Testing

@testable import AttioPipeDelivery

/// The scheduler driven deterministically: a fake clock that moves only when told, a fake
/// transport whose requests are answered by hand.
@Suite struct DeliverySchedulerTests {
  private func options(
    concurrency: Int = 10, timeout: Double = 30, settle: Double = 10, maxAttempts: Int = 8
  ) -> DeliveryScheduler.Options {
    var options = DeliveryScheduler.Options.assertMode
    options.concurrency = concurrency
    options.timeout = timeout
    options.settleTime = settle
    options.maxAttempts = maxAttempts
    return options
  }

  @Test func aServerErrorIsRetriedAfterItsBackoffAndThenUpserted() async throws {
    let harness = SchedulerHarness(options: options())
    harness.submit("a@example.com")
    #expect(harness.transport.requests.count == 1)
    harness.transport.answer(0, status: 503)
    // Backoff with the jitter pinned at 0.5: 0.5 s × 0.5 for the first retry.
    harness.clock.advance(by: 0.2)
    #expect(harness.transport.requests.count == 1)
    harness.clock.advance(by: 0.1)
    #expect(harness.transport.requests.count == 2)
    harness.transport.answer(1, status: 200)
    let result = try #require(harness.results.first)
    #expect(result.status == .upserted)
    #expect(result.attempts == 2)
    #expect(result.recordId == "00000000-0000-4000-8000-000000000001")
  }

  @Test func retriesStopAtMaxAttemptsWithTheLastError() async throws {
    let harness = SchedulerHarness(options: options(maxAttempts: 2))
    harness.submit("a@example.com")
    harness.transport.answer(0, status: 500)
    harness.clock.advance(by: 1)
    harness.transport.answer(1, status: 502)
    #expect(harness.results.map(\.status) == [.failed])
    #expect(harness.results.first?.httpStatus == 502)
    #expect(harness.results.first?.attempts == 2)
  }

  @Test func aRateLimitPausesEveryoneUntilRetryAfter() async throws {
    let harness = SchedulerHarness(options: options())
    harness.submit("a@example.com")
    harness.transport.answer(0, status: 429, headers: ["Retry-After": "2"])
    harness.submit("b@example.com")
    // Nobody is sent during the pause, not even another person.
    harness.clock.advance(by: 1.9)
    #expect(harness.transport.requests.count == 1)
    harness.clock.advance(by: 0.2)
    #expect(harness.transport.requests.count == 3)
    harness.transport.answer(1, status: 200)
    harness.transport.answer(2, status: 200)
    #expect(harness.results.map(\.status) == [.upserted, .upserted])
    // The 429 does not count as an attempt against --max-attempts, but is an attempt.
    #expect(harness.results.first { $0.job.request.email == "a@example.com" }?.attempts == 2)
    #expect(harness.scheduler.summary.rateLimited == 1)
  }

  @Test func onePersonHasOneRequestInFlightAndNewerJobsMergeBehindIt() async throws {
    let harness = SchedulerHarness(options: options())
    harness.submit("a@example.com", title: "One")
    harness.submit("a@example.com", title: "Two")
    harness.submit("a@example.com", title: "Three")
    harness.submit("b@example.com", title: "Other")
    // a's first request and b's; a's newer jobs wait, merged into one.
    #expect(harness.transport.requests.count == 2)
    #expect(harness.title(of: 0) == "One")
    harness.transport.answer(0, status: 200)
    #expect(harness.transport.requests.count == 3)
    #expect(harness.title(of: 2) == "Three")
    harness.transport.answer(2, status: 200)
    harness.transport.answer(1, status: 200)
    #expect(harness.statuses("a@example.com") == [.upserted, .upserted, .upserted])
    #expect(harness.results.count == 4)
  }

  @Test func aRetryCarriesTheNewerValuesThatArrivedMeanwhile() async throws {
    let harness = SchedulerHarness(options: options())
    harness.submit("a@example.com", title: "Old")
    harness.transport.answer(0, status: 500)
    harness.submit("a@example.com", title: "New")
    harness.clock.advance(by: 1)
    #expect(harness.transport.requests.count == 2)
    #expect(harness.title(of: 1) == "New")
    harness.transport.answer(1, status: 200)
    #expect(harness.statuses("a@example.com") == [.upserted, .upserted])
  }

  @Test func valuesAlreadyUpsertedAreUnchangedWithoutARequest() async throws {
    let harness = SchedulerHarness(options: options())
    harness.submit("a@example.com", title: "CTO")
    harness.transport.answer(0, status: 200)
    harness.submit("a@example.com", title: "CTO")
    #expect(harness.transport.requests.count == 1)
    #expect(harness.statuses("a@example.com") == [.upserted, .unchanged])
  }

  @Test func theGraceDeadlineStartsNothingThatCannotFinishAndLeavesInFlightInDoubt()
    async throws
  {
    let harness = SchedulerHarness(options: options(timeout: 5))
    harness.submit("a@example.com")
    let start = harness.clock.now()
    harness.stop(at: start + 8)
    // 8 s left, one attempt takes up to 5 s: b may still start.
    harness.submit("b@example.com")
    #expect(harness.transport.requests.count == 2)
    harness.transport.answer(1, status: 200)
    // 4 s left: an attempt could not finish, so c is not started.
    harness.clock.advance(by: 4)
    harness.submit("c@example.com")
    #expect(harness.transport.requests.count == 2)
    #expect(harness.statuses("c@example.com") == [.notSent])
    // At the deadline a's request, still in flight, is abandoned: in doubt.
    harness.clock.advance(by: 4)
    #expect(harness.statuses("a@example.com") == [.inDoubt])
    #expect(harness.transport.isCancelled(0))
    // Its late answer changes nothing.
    harness.transport.answer(0, status: 200)
    #expect(harness.results.count == 3)
    #expect(harness.scheduler.summary.inDoubt == 1)
  }

  @Test func aDeadlineInThePastAbandonsEverythingAtOnce() async throws {
    let harness = SchedulerHarness(options: options(concurrency: 1))
    harness.submit("a@example.com")
    harness.submit("b@example.com")
    harness.stop(at: 0)
    #expect(harness.statuses("a@example.com") == [.inDoubt])
    #expect(harness.statuses("b@example.com") == [.notSent])
  }

  @Test func theDrainTimeoutBoundsWorkAfterTheEndOfInput() async throws {
    let harness = SchedulerHarness(options: options(timeout: 1))
    harness.submit("a@example.com")
    harness.scheduler.endInput(drainTimeout: 3)
    harness.settle()
    harness.clock.advance(by: 3)
    #expect(harness.statuses("a@example.com") == [.inDoubt])
    harness.scheduler.waitUntilDone()  // returns: every job has its result
  }

  @Test func aRefusedKeyStopsEverythingAndWaitsOnlyBrieflyForWhatIsInFlight() async throws {
    let harness = SchedulerHarness(options: options(concurrency: 2))
    harness.submit("a@example.com")
    harness.submit("b@example.com")
    harness.submit("c@example.com")
    #expect(harness.transport.requests.count == 2)
    harness.transport.answer(0, status: 401)
    #expect(harness.refusals == 1)
    #expect(harness.statuses("a@example.com") == [.failed])
    #expect(harness.statuses("c@example.com") == [.notSent])
    harness.submit("d@example.com")
    #expect(harness.statuses("d@example.com") == [.notSent])
    #expect(harness.transport.requests.count == 2)
    harness.clock.advance(by: DeliveryScheduler.inFlightWaitAfterRefusal)
    #expect(harness.statuses("b@example.com") == [.inDoubt])
    #expect(harness.scheduler.authenticationError?.code == "http_401")
  }

  @Test func afterATimeoutTheLaneSettlesThenAssertsTheNewestValues() async throws {
    let harness = SchedulerHarness(options: options(timeout: 1, settle: 6))
    harness.submit("a@example.com", title: "CEO")
    harness.transport.answer(0, status: 200)
    harness.submit("a@example.com", title: "Intern")
    harness.transport.timeOut(1)
    // The newer value arrives while the timed-out attempt may still land.
    harness.clock.advance(by: 2.5)
    harness.submit("a@example.com", title: "CEO")
    harness.clock.advance(by: 3)
    #expect(harness.transport.requests.count == 2)  // still settling
    harness.clock.advance(by: 0.6)
    // CEO is what this run already upserted, but the stale Intern may have landed since:
    // it is asserted once more.
    #expect(harness.transport.requests.count == 3)
    #expect(harness.title(of: 2) == "CEO")
    harness.transport.answer(2, status: 200)
    #expect(harness.statuses("a@example.com") == [.upserted, .upserted, .upserted])
    // Once the newest values landed after the settling time, dedupe works again.
    harness.submit("a@example.com", title: "CEO")
    #expect(harness.transport.requests.count == 3)
    #expect(harness.statuses("a@example.com").last == .unchanged)
  }

  @Test func anEventSeenBeforeIsADuplicateAndNothingIsSent() async throws {
    let harness = SchedulerHarness(options: options())
    harness.submit("a@example.com", title: "X", messageId: "m1")
    harness.transport.answer(0, status: 200)
    harness.submit("a@example.com", title: "Y", messageId: "m1", duplicate: true)
    #expect(harness.statuses("a@example.com") == [.upserted, .duplicate])
    #expect(harness.results.last?.action == nil)
    #expect(harness.transport.requests.count == 1)
    let summary = harness.scheduler.summary
    #expect(summary.jobs == 2)
    #expect(summary.duplicate == 1)
    #expect(summary.upserted == 1)
  }

  /// Two devices of one person, each with its own profile: the one that had not heard the
  /// newer job title must not write its older one back.
  @Test func anOlderValueIsNeverWrittenAfterANewerOne() async throws {
    let harness = SchedulerHarness(options: options())
    harness.submit("a@example.com", title: "CTO", sequence: 5)
    harness.transport.answer(0, status: 200)
    harness.submit("a@example.com", title: "Engineer", sequence: 3)
    // Without the older title the write would change nothing: not sent.
    #expect(harness.transport.requests.count == 1)
    #expect(harness.statuses("a@example.com") == [.upserted, .unchanged])
    harness.submit("a@example.com", title: "CEO", sequence: 7)
    #expect(harness.transport.requests.count == 2)
    #expect(harness.title(of: 1) == "CEO")
  }

  @Test func withoutDedupeTheOlderValueIsStillLeftOut() async throws {
    var noDedupe = options()
    noDedupe.dedupe = false
    let harness = SchedulerHarness(options: noDedupe)
    harness.submit("a@example.com", title: "CTO", sequence: 5)
    harness.transport.answer(0, status: 200)
    harness.submit("a@example.com", title: "Engineer", sequence: 3)
    #expect(harness.transport.requests.count == 2)
    #expect(harness.title(of: 1) == nil)
    // A value that carries no sequence number (a body `send` read) is written as it comes.
    harness.transport.answer(1, status: 200)
    harness.submit("a@example.com", title: "Engineer")
    #expect(harness.title(of: 2) == "Engineer")
  }

  @Test func aLaterEventWithAnOlderValueDoesNotWinTheMerge() async throws {
    let harness = SchedulerHarness(options: options())
    harness.submit("a@example.com", title: "First", sequence: 1)
    harness.submit("a@example.com", title: "CTO", sequence: 5)
    harness.submit("a@example.com", title: "Engineer", sequence: 3)
    harness.transport.answer(0, status: 200)
    #expect(harness.transport.requests.count == 2)
    #expect(harness.title(of: 1) == "CTO")
  }

  /// `created`/`updated`/`asserted` count write plans; the events merged into one plan each
  /// have their result (and its action) but count once.
  @Test func actionsCountWritePlansNotEvents() async throws {
    let harness = SchedulerHarness(options: options())
    harness.submit("a@example.com", title: "A")
    harness.submit("a@example.com", title: "B")
    harness.submit("a@example.com", title: "C")
    harness.transport.answer(0, status: 200)
    harness.transport.answer(1, status: 200)
    #expect(harness.transport.requests.count == 2)
    #expect(harness.results.map(\.action) == [.asserted, .asserted, .asserted])
    let summary = harness.scheduler.summary
    #expect(summary.upserted == 3)
    #expect(summary.asserted == 2)
  }

  @Test func theAssertNamesTheRenamedMatchingAttribute() async throws {
    var request = UpsertRequest(email: "a@example.com", emailSlug: "emails", attributes: [])
    request.attributes = [
      UpsertRequest.Attribute(
        slug: "emails", value: Array(#"[{"email_address":"a@example.com"}]"#.utf8))
    ]
    let sent = WritePlan().request(for: request)
    #expect(sent.method == "PUT")
    #expect(sent.path == "/v2/objects/people/records?matching_attribute=emails")
  }
}
