import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// Events seen before (by `messageId`) are recognised before they change anything, and every
/// value says how new it is.
@Suite struct EventProcessorDuplicateTests {
  private func run(
    _ lines: [String], on processor: inout EventProcessor
  ) -> [EventOutcome] {
    lines.map { line in
      let (scanned, bytes) = scanLine(line)
      return bytes.withUnsafeBufferPointer { processor.process(scanned, line: $0) }
    }
  }

  private func run(_ lines: [String], dedupe: Bool = true) -> [EventOutcome] {
    var configuration = EventProcessor.Configuration()
    configuration.recogniseDuplicates = dedupe
    var processor = EventProcessor(configuration)
    return run(lines, on: &processor)
  }

  private func identify(_ id: String, _ message: String, title: String) -> String {
    #"{"type":"identify","anonymousId":"\#(id)","messageId":"\#(message)","traits":{"email":"ada@example.com","title":"\#(title)"}}"#
  }

  private func signedUp(_ id: String, _ message: String?) -> String {
    let messageId = message.map { #","messageId":"\#($0)""# } ?? ""
    return #"{"type":"track","anonymousId":"\#(id)","event":"Signed Up"\#(messageId)}"#
  }

  private func person(_ outcome: EventOutcome) -> PersonValues? {
    if case .person(let values, _) = outcome { return values }
    return nil
  }

  /// The issue's rerun: a sign-up skipped `no_email` the first time is eligible with what was
  /// learned later, but is recognised, and the older identify changes nothing.
  @Test func anEventSeenBeforeIsADuplicateWhateverItsFirstOutcome() {
    let first = signedUp("a1", "m1")
    let older = identify("a1", "m2", title: "CTO")
    let outcomes = run([
      first, older, identify("a1", "m3", title: "CEO"), first, older, signedUp("a1", "m4"),
    ])
    #expect(outcomes[0] == .skipped(.noEmail))
    #expect(person(outcomes[2])?.jobTitle == "CEO")
    // Eligible now (the profile has an email): a duplicate that says who it is.
    guard case .duplicate(.person(let values)?) = outcomes[3] else {
      Issue.record("not a duplicate: \(outcomes[3])")
      return
    }
    #expect(values.email == "ada@example.com")
    #expect(outcomes[4] == .duplicate(.person(values)))
    // The replayed identify did not bring the older title back.
    #expect(person(outcomes[5])?.jobTitle == "CEO")
  }

  @Test func aDuplicateThatWouldNotBeEligibleSaysSo() {
    let outcomes = run([signedUp("a1", "m1"), signedUp("a1", "m1")])
    #expect(outcomes == [.skipped(.noEmail), .duplicate(nil)])
  }

  @Test func eventsWithoutAMessageIdAreNeverDuplicates() {
    let outcomes = run([
      identify("a1", "m1", title: "CTO"), signedUp("a1", nil), signedUp("a1", nil),
    ])
    #expect(person(outcomes[1]) != nil)
    #expect(person(outcomes[2]) != nil)
  }

  @Test func anEscapedMessageIdIsTheSameId() {
    let escaped = #"{"type":"track","anonymousId":"a1","event":"Signed Up","messageId":"m\u0031"}"#
    let outcomes = run([signedUp("a1", "m1"), escaped])
    #expect(outcomes[1] == .duplicate(nil))
  }

  @Test func withoutDedupeTheyAreProcessedAgainButStillRemembered() {
    var configuration = EventProcessor.Configuration()
    configuration.recogniseDuplicates = false
    var processor = EventProcessor(configuration)
    let older = identify("a1", "m2", title: "CTO")
    let outcomes = run([older, identify("a1", "m3", title: "CEO"), older], on: &processor)
    #expect(person(outcomes[2])?.jobTitle == "CTO")
    #expect(processor.seen.count == 2)
  }

  /// Page views and other events that change no identity and make no upsert are not
  /// remembered: the bounded memory is kept for the events that matter.
  @Test func onlyEventsThatMatterAreRemembered() {
    var processor = EventProcessor(EventProcessor.Configuration())
    let page = #"{"type":"page","anonymousId":"a1","messageId":"p1"}"#
    let before = processor.changeCount
    let outcomes = run([page, page, identify("a1", "m1", title: "CTO")], on: &processor)
    #expect(outcomes[1] == .skipped(.notEnabled))
    #expect(processor.seen.count == 1)
    #expect(processor.changeCount > before)
  }

  /// Two devices of one person: each profile's values carry the sequence number of the event
  /// that set them, so delivery can tell which is newer.
  @Test func valuesCarryHowNewTheyAre() {
    let outcomes = run([
      identify("phone", "m1", title: "Engineer"), identify("laptop", "m2", title: "CTO"),
      signedUp("phone", "m3"), signedUp("laptop", "m4"),
    ])
    let phone = person(outcomes[2])
    let laptop = person(outcomes[3])
    #expect(phone?.jobTitle == "Engineer")
    #expect(laptop?.jobTitle == "CTO")
    let older = phone?.sequence(of: .jobTitle) ?? 0
    let newer = laptop?.sequence(of: .jobTitle) ?? 0
    #expect(older > 0)
    #expect(newer > older)
    let attributes = RequestBodyEncoder(slugs: AttributeSlugs()).attributes(of: phone!)
    #expect(attributes.first { $0.slug == "job_title" }?.sequence == older)
    #expect(attributes.first { $0.slug == "email_addresses" }?.sequence == 0)
  }
}
