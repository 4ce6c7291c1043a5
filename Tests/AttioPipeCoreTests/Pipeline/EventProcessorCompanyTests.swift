import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// `--companies` in stage two: a group call makes a company and links its person.
@Suite struct EventProcessorCompanyTests {
  private func run(_ lines: [String], companies: Bool = true) -> [EventOutcome] {
    var configuration = EventProcessor.Configuration()
    configuration.companies = companies ? CompanySettings() : nil
    var processor = EventProcessor(configuration)
    return lines.map { line in
      let (scanned, bytes) = scanLine(line)
      return bytes.withUnsafeBufferPointer { processor.process(scanned, line: $0) }
    }
  }

  private let identify = #"{"type":"identify","userId":"u1","traits":{"email":"ada@acme.com"}}"#
  private let group =
    #"{"type":"group","anonymousId":"a1","userId":"u1","groupId":"g1","traits":{"name":"Acme","website":"acme.com"}}"#
  private let signedUp = #"{"type":"track","userId":"u1","event":"Signed Up"}"#

  private func person(_ outcome: EventOutcome) -> PersonValues? {
    if case .person(let values, _) = outcome { return values }
    return nil
  }

  @Test func aGroupMakesACompanyAndLaterUpsertsOfItsPersonCarryTheLink() {
    let outcomes = run([identify, group, signedUp])
    #expect(person(outcomes[0])?.companyDomain == nil)
    #expect(outcomes[1] == .company(CompanyValues(domain: "acme.com", name: "Acme"), warnings: []))
    #expect(person(outcomes[2])?.companyDomain == "acme.com")
  }

  @Test func theLinkFollowsTheProfileThroughAnonymousIds() {
    let anonymousGroup =
      #"{"type":"group","anonymousId":"a9","groupId":"g1","traits":{"domain":"https://Acme.com"}}"#
    let identifyLater = #"{"type":"identify","anonymousId":"a9","traits":{"email":"bo@acme.com"}}"#
    let outcomes = run([anonymousGroup, identifyLater])
    #expect(person(outcomes[1])?.companyDomain == "acme.com")
  }

  @Test func identifyTraitsCannotSetTheLink() {
    let outcomes = run([
      #"{"type":"identify","userId":"u1","traits":{"email":"a@b.co","companyDomain":"x.com","company_domain":"x.com"}}"#
    ])
    #expect(person(outcomes[0])?.companyDomain == nil)
  }

  @Test func aGroupWithoutADomainIsSkippedAndLinksNothing() {
    let outcomes = run([
      identify, #"{"type":"group","userId":"u1","groupId":"g1","traits":{"name":"Acme"}}"#,
      signedUp,
    ])
    #expect(outcomes[1] == .skipped(.noDomain))
    #expect(person(outcomes[2])?.companyDomain == nil)
  }

  @Test func withoutCompaniesGroupsAreSkippedAsBeforeAndNothingIsLinked() {
    let outcomes = run([identify, group, signedUp], companies: false)
    #expect(outcomes[1] == .skipped(.notEnabled))
    #expect(person(outcomes[2])?.companyDomain == nil)
  }

  @Test func aGroupKeepsApplyingContextTraits() {
    let outcomes = run([
      #"{"type":"group","userId":"u2","groupId":"g","traits":{"domain":"acme.com"},"context":{"traits":{"email":"cy@acme.com"}}}"#,
      #"{"type":"track","userId":"u2","event":"Signed Up"}"#,
    ])
    #expect(person(outcomes[1])?.email == "cy@acme.com")
    #expect(person(outcomes[1])?.companyDomain == "acme.com")
  }
}
