import Foundation
import Testing

@testable import AttioPipeDelivery

/// An answer larger than the cap was not read: its request fails at once, whatever its
/// status, except that a refused key still stops everything.
@Suite struct OversizedAnswerPolicyTests {
  private func decide(_ status: Int?) -> ResponsePolicy.Decision {
    var response = AttioResponse(status: status)
    response.bodyTooLarge = true
    return ResponsePolicy().decide(
      response, attempts: 1, countedAttempts: 0, firstSent: 0, now: 0, serverNow: 0,
      random: { 0.5 })
  }

  @Test func anOversizedAnswerFailsWithoutARetry() {
    for status in [200, 400, 404, 429, 500, 503] { #expect(decide(status) == .fail) }
    #expect(decide(401) == .stopAll)
    #expect(decide(403) == .stopAll)
  }

  @Test func itsErrorSaysWhy() {
    var response = AttioResponse(status: 200)
    response.bodyTooLarge = true
    #expect(response.error?.code == "response_too_large")
    #expect(response.error?.message.contains("HTTP 200") == true)
    #expect(response.error?.message.contains("larger than 4 MiB") == true)
  }
}
