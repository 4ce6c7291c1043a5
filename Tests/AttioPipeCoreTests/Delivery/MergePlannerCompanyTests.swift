import Foundation
import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// Merge mode and a person's `company` reference by domain.
@Suite struct MergePlannerCompanyTests {
  private let linked = Data(
    #"""
    {"data":[{"id":{"record_id":"00000001-0000-4000-8000-000000000001"},"values":{
      "email_addresses":[{"active_until":null,"email_address":"ada@acme.com"}],
      "company":[{"active_until":null,"attribute_type":"record-reference","target_object":"companies","target_record_id":"co-1"}]
    }}]}
    """#.utf8)

  private func plan(learned: [String: String], domain: String) throws -> MergePlanner.Write {
    var planner = MergePlanner(
      emailSlug: "email_addresses", phoneSlug: "phone_numbers", multiselect: [], onlyIfEmpty: [])
    planner.companyRecordIds = learned
    var person = PersonValues(email: "ada@acme.com")
    person.companyDomain = domain
    let request = UpsertRequest(
      email: "ada@acme.com", emailSlug: "email_addresses",
      attributes: RequestBodyEncoder(slugs: AttributeSlugs()).attributes(of: person))
    return planner.plan(request, against: try #require(try AttioRecord.firstOfQuery(linked)))
  }

  @Test func aReferenceToTheCompanyAlreadyHeldChangesNothing() throws {
    #expect(try plan(learned: ["acme.com": "co-1"], domain: "acme.com").changesNothing)
  }

  @Test func anUnknownOrDifferentCompanyIsSent() throws {
    // Not learned in this run: the planner cannot tell, so the reference goes again.
    #expect(try plan(learned: [:], domain: "acme.com").attributes.map(\.slug) == ["company"])
    #expect(
      try plan(learned: ["acme.com": "co-1", "beta.io": "co-2"], domain: "beta.io").attributes.map(
        \.slug) == ["company"])
  }
}
