import Foundation
import Testing

@testable import AttioPipeDelivery

@Suite struct RateLimiterTests {
  /// A busy machine: the request waited 0.3 s for a thread before it left, so the round trip
  /// seen around it (0.36 s) is mostly that wait. Without the wire times its arrival looked
  /// like 0, and the next request could go at 1.0, 0.7 s after Attio really saw the first.
  @Test func wireTimesPlaceTheArrivalWhereAttioSawIt() throws {
    var limiter = RateLimiter(rate: 1, margin: 0)
    let first = limiter.recordSend(at: 0)
    limiter.recordAnswer(
      first, at: 0.36, wire: AttioResponse.WireTiming(sent: 0.3, firstByte: 0.35))
    let next = try #require(limiter.nextAllowed(after: 0.36))
    #expect(next >= 1.3)
    #expect(next <= 1.35)

    var unmeasured = RateLimiter(rate: 1, margin: 0)
    let only = unmeasured.recordSend(at: 0)
    unmeasured.recordAnswer(only, at: 0.36)
    #expect(unmeasured.nextAllowed(after: 0.36) == 1.0)
  }

  @Test func aFullWindowWaitsForItsOldestArrivalPlusASecond() async throws {
    var limiter = RateLimiter(rate: 2, margin: 0)
    #expect(limiter.nextAllowed(after: 0) == 0)
    let first = limiter.recordSend(at: 0)
    let second = limiter.recordSend(at: 0.1)
    // Two sent, the oldest unanswered: the window cannot be placed yet.
    #expect(limiter.nextAllowed(after: 0.2) == nil)
    limiter.recordAnswer(first, at: 0.2)
    limiter.recordAnswer(second, at: 0.3)
    // The fastest round trip (0.2 s) is the baseline: the first arrived at about 0.
    let next = try #require(limiter.nextAllowed(after: 0.3))
    #expect(abs(next - 1.0) < 1e-9)
    #expect(limiter.nextAllowed(after: 1.5) == 1.5)
  }

  @Test func aRequestHeldUpOnItsWayCountsAsArrivingLate() async throws {
    var limiter = RateLimiter(rate: 1, margin: 0)
    let quick = limiter.recordSend(at: 0)
    limiter.recordAnswer(quick, at: 0.1)
    let slow = limiter.recordSend(at: 1)
    limiter.recordAnswer(slow, at: 3)  // 2 s round trip; baseline 0.1 s
    let next = try #require(limiter.nextAllowed(after: 3))
    #expect(abs(next - 3.9) < 1e-9)
  }

  /// An answer that comes after its place in the window was taken by a later request (its
  /// sequence number is `burst` or more behind) places nothing: the later request's arrival
  /// is still unknown, so the window stays closed.
  @Test func anAnswerWhosePlaceWasTakenIsIgnored() {
    var limiter = RateLimiter(rate: 2, margin: 0)
    let first = limiter.recordSend(at: 0)
    let second = limiter.recordSend(at: 0)
    limiter.recordAnswer(first, at: 0.1)
    limiter.recordAnswer(second, at: 0.1)
    _ = limiter.recordSend(at: 1.1)  // takes the first one's place
    _ = limiter.recordSend(at: 1.1)
    limiter.recordAnswer(first, at: 5)
    #expect(limiter.nextAllowed(after: 1.2) == nil)
  }

  @Test func aFractionalRateSpacesSingleRequests() async throws {
    var limiter = RateLimiter(rate: 0.5, margin: 0)
    let ticket = limiter.recordSend(at: 10)
    limiter.recordAnswer(ticket, at: 10)
    #expect(limiter.nextAllowed(after: 10) == 12)
  }
}

@Suite struct RetryAfterTests {
  @Test func secondsAndHTTPDates() async throws {
    #expect(RetryAfter.delay(retryAfter: "3", serverNow: 0) == 3)
    #expect(RetryAfter.delay(retryAfter: nil, serverNow: 0) == nil)
    #expect(RetryAfter.delay(retryAfter: "soon", serverNow: 0) == nil)
    #expect(RetryAfter.delay(retryAfter: "-1", serverNow: 0) == nil)
    let date = try #require(RetryAfter.parseHTTPDate("Tue, 23 May 2023 14:42:01 GMT"))
    #expect(date == 1_684_852_921)
    #expect(
      RetryAfter.delay(retryAfter: "Tue, 23 May 2023 14:42:01 GMT", serverNow: date - 1.5) == 1.5)
    // A date already past means no wait, not a negative one.
    #expect(RetryAfter.delay(retryAfter: "Tue, 23 May 2023 14:42:01 GMT", serverNow: date + 5) == 0)
  }

  @Test func theObsoleteDateFormsParseToo() async throws {
    let expected = 784_111_777.0
    #expect(RetryAfter.parseHTTPDate("Sun, 06 Nov 1994 08:49:37 GMT") == expected)
    #expect(RetryAfter.parseHTTPDate("Sunday, 06-Nov-94 08:49:37 GMT") == expected)
    #expect(RetryAfter.parseHTTPDate("Sun Nov  6 08:49:37 1994") == expected)
    #expect(RetryAfter.parseHTTPDate("Sun, 32 Nov 1994 08:49:37 GMT") == nil)
  }
}

@Suite struct ServerClockTests {
  @Test func theLargestLowerBoundOfTheOffsetWins() async throws {
    var clock = ServerClock()
    #expect(clock.now(100) == 100)  // no Date seen: the local clock
    let serverTime = try #require(RetryAfter.parseHTTPDate("Sun, 06 Nov 1994 08:49:37 GMT"))
    // The server is 30 s ahead; its Date is stamped (and truncated) before the answer travels.
    clock.observe(date: "Sun, 06 Nov 1994 08:49:37 GMT", receivedAt: serverTime - 29.6)
    #expect(abs(clock.now(serverTime - 29.6) - serverTime) < 1e-9)
    clock.observe(date: "Sun, 06 Nov 1994 08:49:38 GMT", receivedAt: serverTime - 29.2)
    #expect(abs(clock.now(0) - (serverTime + 1 - (serverTime - 29.2))) < 1e-9)
    // A lower bound is never lowered by a slower answer.
    clock.observe(date: "Sun, 06 Nov 1994 08:49:38 GMT", receivedAt: serverTime - 20)
    #expect(abs(clock.now(0) - 30.2) < 1e-6)
    clock.observe(date: "garbage", receivedAt: 0)
    #expect(abs(clock.now(0) - 30.2) < 1e-6)
  }
}

@Suite struct UpsertRequestTests {
  private func request(_ email: String, _ pairs: [(String, String)]) -> UpsertRequest {
    UpsertRequest(
      email: email, emailSlug: "email_addresses",
      attributes: [
        UpsertRequest.Attribute(
          slug: "email_addresses", value: Array(#"[{"email_address":"\#(email)"}]"#.utf8))
      ] + pairs.map { UpsertRequest.Attribute(slug: $0.0, value: Array($0.1.utf8)) })
  }

  @Test func laterValuesWinAttributeByAttributeAndNewOnesAreAdded() async throws {
    var older = request("a@example.com", [("job_title", "1"), ("name", "2")])
    let merged = older.merge(request("a@example.com", [("name", "3"), ("description", "4")]))
    #expect(merged)
    #expect(
      older.attributes.map(\.slug) == ["email_addresses", "job_title", "name", "description"])
    #expect(older.value(of: "name") == Array("3".utf8))
    #expect(older.value(of: "job_title") == Array("1".utf8))
  }

  @Test func anotherEmailListIsRefused() async throws {
    var older = request("a@example.com", [("job_title", "1")])
    let before = older
    let merged = older.merge(request("b@example.com", [("job_title", "2")]))
    #expect(!merged)
    #expect(older == before)
  }

  @Test func changesNothingComparesWithWhatWasRecorded() async throws {
    let sent = request("a@example.com", [("job_title", "1")])
    var memory = PersonMemory()
    let answer1 = memory.changesNothing(sent)
    #expect(!answer1)
    memory.record(sent)
    let answer2 = memory.changesNothing(sent)
    #expect(answer2)
    let answer3 = memory.changesNothing(request("a@example.com", [("job_title", "2")]))
    #expect(!answer3)
    let answer4 = memory.changesNothing(request("b@example.com", [("job_title", "1")]))
    #expect(!answer4)
    // A timeout forgets the values (the next write goes whatever it carries), not the id.
    memory.learn(recordId: "0000000a-0000-4000-8000-00000000000a", for: "a@example.com")
    memory.forgetValues(of: "a@example.com")
    let answer5 = memory.changesNothing(sent)
    #expect(!answer5)
    let answer6 = memory.recordId(of: "a@example.com")
    #expect(answer6 == "0000000a-0000-4000-8000-00000000000a")
  }
}

@Suite struct ResponsePolicyTests {
  private let policy = ResponsePolicy(
    maxAttempts: 3, maxRetryTime: 60, backoff: Backoff(), settleTime: 10)

  private func response(_ status: Int?, retryAfter: String? = nil) -> AttioResponse {
    var response = AttioResponse(status: status)
    response.retryAfter = retryAfter
    if status == nil { response.transportError = "connection lost" }
    return response
  }

  private func decide(
    _ response: AttioResponse, counted: Int = 0, firstSent: Double = 100, now: Double = 100
  ) -> ResponsePolicy.Decision {
    policy.decide(
      response, attempts: counted + 1, countedAttempts: counted, firstSent: firstSent, now: now,
      serverNow: 5000, random: { 1 })
  }

  @Test func whatEachStatusMeans() async throws {
    #expect(decide(response(200)) == .success)
    #expect(decide(response(401)) == .stopAll)
    #expect(decide(response(403)) == .stopAll)
    #expect(decide(response(400)) == .fail)
    #expect(decide(response(404)) == .fail)
    for status in [408, 409, 500, 502, 503, 504, nil] {
      #expect(
        decide(response(status))
          == .retry(at: 100.5, counted: true, pauseAll: false, reassert: false))
    }
  }

  @Test func retriesEndAtMaxAttemptsOrMaxRetryTime() async throws {
    #expect(
      decide(response(500), counted: 1)
        == .retry(at: 101, counted: true, pauseAll: false, reassert: false))
    #expect(decide(response(500), counted: 2) == .fail)
    #expect(decide(response(500), firstSent: 40) == .fail)
  }

  @Test func aRateLimitPausesEveryoneAndDoesNotCount() async throws {
    #expect(
      decide(response(429, retryAfter: "3"), counted: 2)
        == .retry(at: 103, counted: false, pauseAll: true, reassert: false))
    // An HTTP date is read against the server's clock (5000 here).
    let date = "Thu, 01 Jan 1970 01:23:24 GMT"  // 5004
    #expect(
      decide(response(429, retryAfter: date))
        == .retry(at: 104, counted: false, pauseAll: true, reassert: false))
  }

  @Test func aTimeoutSettlesAndReasserts() async throws {
    var timedOut = AttioResponse(transportError: "timed out")
    timedOut.timedOut = true
    #expect(decide(timedOut) == .retry(at: 110, counted: true, pauseAll: false, reassert: true))
  }

  @Test func aCancelledRequestIsInDoubt() async throws {
    var cancelled = AttioResponse(transportError: "cancelled")
    cancelled.wasCancelled = true
    #expect(decide(cancelled) == .abandoned)
  }
}

@Suite struct AttioEndpointTests {
  @Test func onlyLoopbackMayBePlainHTTP() async throws {
    #expect(throws: Never.self) { try AttioEndpoint("http://127.0.0.1:8080") }
    #expect(throws: Never.self) { try AttioEndpoint("http://localhost:8080/") }
    #expect(throws: Never.self) { try AttioEndpoint("http://[::1]:8080") }
    #expect(throws: Never.self) { try AttioEndpoint("https://[2001:db8::1]") }
    #expect(throws: DeliveryConfigurationError.self) { try AttioEndpoint("http://example.com") }
    #expect(throws: DeliveryConfigurationError.self) { try AttioEndpoint("http://[::2]:8080") }
    #expect(throws: DeliveryConfigurationError.self) { try AttioEndpoint("ftp://127.0.0.1") }
  }

  @Test func credentialsInTheURLAreRedacted() async throws {
    let endpoint = try AttioEndpoint("http://user:s3cret@127.0.0.1:9")
    #expect(!endpoint.redactedDescription.contains("s3cret"))
    #expect(!endpoint.redactedDescription.contains("user"))
    #expect(endpoint.redactedDescription == "http://***@127.0.0.1:9")
    #expect(
      try AttioEndpoint("https://api.attio.com").redactedDescription == "https://api.attio.com")
  }
}
