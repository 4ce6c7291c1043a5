import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// `--users` and `--workspaces` in stage two: which user a person's write is followed by, a
/// group call's workspace and member, and memberships that wait for their user.
@Suite struct EventProcessorAccountTests {
  private func run(_ lines: [String], users: Bool = true, workspaces: Bool = true)
    -> [EventOutcome]
  {
    var configuration = EventProcessor.Configuration()
    configuration.accounts = AccountSettings(users: users, workspaces: workspaces)
    var processor = EventProcessor(configuration)
    return lines.map { line in
      let (scanned, bytes) = scanLine(line)
      return bytes.withUnsafeBufferPointer { processor.process(scanned, line: $0) }
    }
  }

  private func user(_ outcome: EventOutcome) -> UserValues? {
    if case .person(let values, _) = outcome { return values.user }
    return nil
  }

  private func workspace(_ outcome: EventOutcome) -> WorkspaceValues? {
    if case .workspace(let values, _) = outcome { return values }
    return nil
  }

  private let identify =
    #"{"type":"identify","anonymousId":"a1","userId":"u-1","traits":{"email":"Ada@Example.com"}}"#

  @Test func aPersonsWriteIsFollowedByItsUserWhenTheProfileHasAUserId() {
    let outcomes = run([
      identify,
      // No userId on the event: the profile's is used.
      #"{"type":"track","anonymousId":"a1","event":"Signed Up"}"#,
      // A person without a userId has no user.
      #"{"type":"identify","anonymousId":"a2","traits":{"email":"bo@example.com"}}"#,
    ])
    #expect(
      user(outcomes[0])
        == UserValues(userId: "u-1", email: "ada@example.com", linksPerson: true))
    #expect(user(outcomes[1])?.userId == "u-1")
    #expect(user(outcomes[2]) == nil)
    #expect(user(run([identify], users: false)[0]) == nil)
  }

  @Test func anEmailChangeKeepsTheUserId() {
    let outcomes = run([
      identify, #"{"type":"identify","userId":"u-1","traits":{"email":"ada@new.example"}}"#,
    ])
    #expect(
      user(outcomes[1]) == UserValues(userId: "u-1", email: "ada@new.example", linksPerson: true))
  }

  @Test func aGroupBeforeTheUsersEmailWaitsAndRidesWithTheUsersFirstWrite() {
    let outcomes = run([
      #"{"type":"group","anonymousId":"a1","groupId":"ws-1","traits":{"name":"Acme"}}"#,
      #"{"type":"group","anonymousId":"a1","groupId":"ws-2"}"#,
      identify,
      #"{"type":"track","userId":"u-1","event":"Logged In"}"#,
    ])
    #expect(workspace(outcomes[0]) == WorkspaceValues(workspaceId: "ws-1", name: "Acme"))
    #expect(workspace(outcomes[0])?.member == nil)
    #expect(user(outcomes[2])?.workspaceIds == ["ws-1", "ws-2"])
    // Written once: they wait no more.
    #expect(user(outcomes[3])?.workspaceIds == [])
  }

  @Test func aGroupOfAUserWhoCanBeWrittenJoinsAtOnce() {
    let outcomes = run([
      identify, #"{"type":"group","userId":"u-1","groupId":"ws-1","traits":{"name":"Acme"}}"#,
    ])
    let member = workspace(outcomes[1])?.member
    #expect(
      member
        == UserValues(
          userId: "u-1", email: "ada@example.com", linksPerson: false, workspaceIds: ["ws-1"]))
  }

  @Test func atMostSixteenMembershipsWaitAndThePushedOutAreAWarning() {
    let groups = (0..<17).map {
      #"{"type":"group","anonymousId":"a1","groupId":"ws-\#($0)"}"#
    }
    let outcomes = run(groups + [identify])
    guard case .workspace(_, let warnings) = outcomes[16] else {
      Issue.record("not a workspace: \(outcomes[16])")
      return
    }
    #expect(warnings.map(\.reason) == [.membershipsDropped])
    #expect(user(outcomes[17])?.workspaceIds == (1..<17).map { "ws-\($0)" })
  }

  @Test func withCompaniesTheWorkspaceRidesWithTheCompanyAndReferencesIt() {
    var configuration = EventProcessor.Configuration()
    configuration.accounts = AccountSettings(users: true, workspaces: true)
    configuration.companies = CompanySettings()
    var processor = EventProcessor(configuration)
    let (scanned, bytes) = scanLine(
      #"{"type":"group","userId":"u-9","groupId":"ws-1","traits":{"name":"Acme","domain":"acme.com"}}"#
    )
    let outcome = bytes.withUnsafeBufferPointer { processor.process(scanned, line: $0) }
    guard case .company(let company, _) = outcome else {
      Issue.record("not a company: \(outcome)")
      return
    }
    #expect(company.workspace?.workspaceId == "ws-1")
    #expect(company.workspace?.companyDomain == "acme.com")
  }
}
