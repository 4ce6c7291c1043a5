import Foundation
import Testing

@testable import AttioPipeDelivery

/// A record as Attio reads it back: two emails, two phones (one written with spaces), a name
/// and a job title a sales rep corrected, plus a phone that is no longer current.
private let heldRecord = Data(
  #"""
  {"data":[{"id":{"workspace_id":"w","object_id":"o","record_id":"00000001-0000-4000-8000-000000000001"},"values":{
    "email_addresses":[
      {"active_from":"2026-01-01T00:00:00Z","active_until":null,"attribute_type":"email-address","email_address":"Ada@Example.com"},
      {"active_from":"2026-01-01T00:00:00Z","active_until":null,"attribute_type":"email-address","email_address":"ada@work.example"}],
    "phone_numbers":[
      {"active_from":"2026-01-01T00:00:00Z","active_until":null,"attribute_type":"phone-number","original_phone_number":"+44 20 7946 0958","normalized_phone_number":"+442079460958","country_code":"GB"},
      {"active_from":"2026-01-01T00:00:00Z","active_until":null,"attribute_type":"phone-number","original_phone_number":"+15558675309","normalized_phone_number":"+15558675309","country_code":"US"},
      {"active_from":"2025-01-01T00:00:00Z","active_until":"2026-01-01T00:00:00Z","attribute_type":"phone-number","original_phone_number":"+15550000000","normalized_phone_number":"+15550000000","country_code":"US"}],
    "name":[{"active_from":"2026-01-01T00:00:00Z","active_until":null,"attribute_type":"personal-name","first_name":"Ada","last_name":"Lovelace","full_name":"Ada Lovelace"}],
    "job_title":[{"active_from":"2026-01-01T00:00:00Z","active_until":null,"attribute_type":"text","value":"Chief Engineer"}]
  }}]}
  """#.utf8)

private func wanted(_ attributes: [(String, String)]) -> UpsertRequest {
  UpsertRequest(
    email: "ada@example.com", emailSlug: "email_addresses",
    attributes: attributes.map { UpsertRequest.Attribute(slug: $0.0, value: Array($0.1.utf8)) })
}

private let email = ("email_addresses", #"[{"email_address":"ada@example.com"}]"#)
private let sameName = (
  "name", #"[{"first_name":"Ada","last_name":"Lovelace","full_name":"Ada Lovelace"}]"#
)

@Suite struct MergePlannerTests {
  let planner = MergePlanner(
    emailSlug: "email_addresses", phoneSlug: "phone_numbers", multiselect: [], onlyIfEmpty: [])

  func record() throws -> AttioRecord {
    try #require(try AttioRecord.firstOfQuery(heldRecord))
  }

  @Test func readsOnlyCurrentValues() throws {
    let record = try record()
    #expect(record.id == "00000001-0000-4000-8000-000000000001")
    #expect(record.values["phone_numbers"]?.count == 2)
    #expect(record.values["job_title"]?.first?.text == "Chief Engineer")
    #expect(try AttioRecord.firstOfQuery(Data(#"{"data":[]}"#.utf8)) == nil)
    #expect(throws: AttioRecord.ParseError.self) {
      try AttioRecord.firstOfQuery(Data(#"{"error":1}"#.utf8))
    }
  }

  @Test func aNewPhoneIsAddedAndNothingHeldIsSentAgain() throws {
    let write = planner.plan(
      wanted([email, sameName, ("phone_numbers", #"[{"original_phone_number":"+33612345678"}]"#)]),
      against: try record())
    #expect(
      write.attributes == [
        UpsertRequest.Attribute(
          slug: "phone_numbers", value: Array(#"[{"original_phone_number":"+33612345678"}]"#.utf8))
      ])
    #expect(write.addedEmails.isEmpty)
  }

  @Test func aPhoneHeldInAnotherFormatAndAnEmailInAnotherCaseChangeNothing() throws {
    let write = planner.plan(
      wanted([
        ("email_addresses", #"[{"email_address":"ADA@example.com"}]"#), sameName,
        ("phone_numbers", #"[{"original_phone_number":"+442079460958"}]"#),
        ("job_title", #"[{"value":"Chief Engineer"}]"#),
      ]), against: try record())
    #expect(write.changesNothing)
  }

  @Test func singleValuesAreSetWhenTheyDiffer() throws {
    let write = planner.plan(
      wanted([
        email, ("name", #"[{"first_name":"Ada","last_name":"King","full_name":"Ada King"}]"#),
        ("job_title", #"[{"value":"CEO"}]"#),
      ]), against: try record())
    #expect(write.attributes.map(\.slug) == ["name", "job_title"])
  }

  @Test func onlyIfEmptyKeepsWhatARepWrote() throws {
    var careful = planner
    careful.onlyIfEmpty = ["job_title"]
    let title = ("job_title", #"[{"value":"ceo!!!"}]"#)
    #expect(careful.plan(wanted([email, title]), against: try record()).changesNothing)
    let blank = AttioRecord(id: "00000002-0000-4000-8000-000000000002", values: [:])
    #expect(
      careful.plan(wanted([email, title]), against: blank).attributes.map(\.slug)
        == ["email_addresses", "job_title"])
  }

  @Test func aNewEmailIsReportedAsAdded() throws {
    let write = planner.plan(
      wanted([("email_addresses", #"[{"email_address":"ada@new.example"}]"#)]),
      against: try record())
    #expect(write.addedEmails == ["ada@new.example"])
  }

  @Test func otherMultiselectValuesCompareByOptionTitle() {
    var planner = self.planner
    planner.multiselect = ["interests"]
    let record = AttioRecord(
      id: "r", values: ["interests": [AttioRecord.Value(optionTitle: "Golf")]])
    let write = planner.plan(
      wanted([("interests", #"[{"option":"golf"},{"option":"Sailing"}]"#)]), against: record)
    #expect(
      write.attributes.map { String(decoding: $0.value, as: UTF8.self) }
        == [#"[{"option":"Sailing"}]"#])
  }
}
