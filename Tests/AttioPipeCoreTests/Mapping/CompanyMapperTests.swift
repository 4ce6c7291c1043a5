import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

@Suite struct CompanyMapperTests {
  private func group(_ line: String, mapped: [String] = []) -> GroupEvent {
    Array(line.utf8).withUnsafeBufferPointer { GroupEvent(line: $0.span, mapped: mapped) }
  }

  private func map(_ line: String) -> CompanyMapper.Outcome {
    CompanyMapper().map(group(line))
  }

  @Test func readsTheIdAndTheCompanyTraits() {
    let event = group(
      #"{"type":"group","groupId":"g1","traits":{"name":" Acme Inc ","website":"https://acme.com","domain":"acme.io","plan":"pro"}}"#
    )
    #expect(
      event
        == GroupEvent(
          groupId: "g1", name: "Acme Inc", website: "https://acme.com", domain: "acme.io"))
  }

  @Test func aGroupBecomesACompanyMatchedOnItsDomain() {
    #expect(
      map(
        #"{"type":"group","groupId":"g1","traits":{"name":"Acme","website":"https://www.acme.com/x"}}"#
      )
        == .company(CompanyValues(domain: "acme.com", name: "Acme"), warnings: []))
  }

  @Test func theDomainTraitWinsOverTheWebsite() {
    #expect(
      map(#"{"type":"group","groupId":"g1","traits":{"website":"acme.com","domain":"acme.io"}}"#)
        == .company(CompanyValues(domain: "acme.io"), warnings: []))
    // An unusable domain falls back to the website.
    #expect(
      map(#"{"type":"group","groupId":"g1","traits":{"website":"acme.com","domain":"n/a"}}"#)
        == .company(CompanyValues(domain: "acme.com"), warnings: []))
  }

  @Test func withoutAUsableDomainTheGroupIsSkipped() {
    #expect(
      map(#"{"type":"group","groupId":"g1","traits":{"name":"Acme"}}"#) == .skipped(.noDomain))
    #expect(
      map(#"{"type":"group","groupId":"g1","traits":{"website":"localhost","domain":5}}"#)
        == .skipped(.noDomain))
    #expect(map(#"{"type":"group","groupId":"g1","traits":"acme.com"}"#) == .skipped(.noDomain))
    #expect(map(#"{"type":"group","groupId":"g1"}"#) == .skipped(.noDomain))
  }

  @Test func withoutAGroupIdTheGroupIsSkipped() {
    #expect(map(#"{"type":"group","traits":{"domain":"acme.com"}}"#) == .skipped(.noGroupId))
    #expect(
      map(#"{"type":"group","groupId":"  ","traits":{"domain":"acme.com"}}"#)
        == .skipped(.noGroupId))
  }

  @Test func idsMayBeNumbersOrSnakeCaseAndKeysMayBeEscaped() {
    #expect(group(#"{"groupId":42,"traits":{}}"#).groupId == "42")
    #expect(group(#"{"groupId":"a","group_id":"b"}"#).groupId == "b")
    let escaped = group(
      #"{"group\u0049d":"g","traits":{"\u006eame":"Caf\u00e9 \"Ltd\"","Website":"cafe.fr"}}"#)
    #expect(escaped == GroupEvent(groupId: "g", name: "Café \"Ltd\"", website: "cafe.fr"))
  }

  @Test func aRepeatedTraitsObjectReplacesTheEarlierOne() {
    let event = group(
      #"{"groupId":"g","traits":{"name":"Old","domain":"old.com"},"traits":{"name":"New"}}"#)
    #expect(event == GroupEvent(groupId: "g", name: "New"))
  }

  @Test func nestedValuesAreSteppedOver() {
    let event = group(
      #"{"context":{"traits":{"domain":"no.com"}},"groupId":"g","traits":{"address":{"city":"x","domain":"nested.com"},"tags":["a}",{"b":"]"}],"domain":"acme.com"}}"#
    )
    #expect(event.domain == "acme.com")
  }

  @Test func mappedTraitsKeepTheirRawJSON() {
    let event = group(
      #"{"groupId":"g","traits":{"employees":42,"industry":"SaaS","plan":null}}"#,
      mapped: ["employees", "industry", "missing"])
    #expect(event.mappedTraits["employees"] == Array("42".utf8))
    #expect(event.mappedTraits["industry"] == Array(#""SaaS""#.utf8))
    #expect(event.mappedTraits["missing"] == nil)
  }
}
