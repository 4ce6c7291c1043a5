import Foundation
import TestSupport
import Testing

/// Issue 9 §3: the identity store remembers a profile's previous email, so an event after the
/// one that changed it (not itself eligible) still lets merge mode add the new address to the
/// person's existing record instead of creating a second person.
@Suite struct PreviousEmailTests {
  @Test func aLaterSignUpAddsTheChangedEmailToTheOldRecord() async throws {
    let mock = try await MockAttio()
    let ids = try await mock.seed(people: [["values": ["email_addresses": ["old@example.com"]]]])
    let input = [
      Events.line([
        "type": "identify", "anonymousId": "u", "messageId": "m-1",
        "traits": ["email": "old@example.com"],
      ]),
      // Changes the email; identify calls are not eligible here, so nothing is sent for it.
      Events.line([
        "type": "identify", "anonymousId": "u", "messageId": "m-2",
        "traits": ["email": "New@Example.com", "name": "Uma Lee"],
      ]),
      Events.line([
        "type": "track", "event": "Signed Up", "anonymousId": "u", "messageId": "m-3",
      ]),
    ].joined()
    let run = try await BinaryRunner.run(
      ["deliver", "--events", "Signed Up", "--verbose"], stdin: Data(input.utf8),
      environment: mock.environment)
    #expect(run.status == 0, "\(run.stderrText)")
    let delivered = results(run)
    #expect(delivered.count == 1)
    let signUp = try #require(delivered.first)
    #expect(signUp["email"] as? String == "new@example.com")
    try await expectNewEmailAdded(signUp, toRecord: ids.first, in: mock)
    // The warning belongs to the event that changed the email (here not eligible, so not
    // reported at all), never to the later sign-up.
    #expect(!run.stderrText.contains("email_changed"), "\(run.stderrText)")
  }
}
