import Foundation
import Testing

@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// `--list-entry`: the option, the forward-only rule, an entry write's plan and its place in
/// the spool.
@Suite struct ListEntryWriteTests {
  @Test(arguments: [
    (
      "Trial Started=trials:stage=Trial, plan = Pro",
      ListEntrySpec(
        event: "Trial Started", list: "trials",
        values: [.init(slug: "stage", text: "Trial"), .init(slug: "plan", text: "Pro")])
    ),
    ("Identified=inbound_leads", ListEntrySpec(event: "Identified", list: "inbound_leads")),
  ])
  func optionsAreRead(_ text: String, _ expected: ListEntrySpec) throws {
    #expect(try ListEntrySpec.parse(text).get() == expected)
  }

  @Test(arguments: [
    ("Trial Started", "needs EVENT NAME=LIST[:ATTRIBUTE=VALUE,…]"),
    ("=trials", "the event is empty"),
    ("Trial Started=:stage=Trial", "the list is empty"),
    ("Trial Started=trials:stage", "each entry value is ATTRIBUTE=VALUE, not 'stage'"),
    ("Trial Started=trials:stage=A,stage=B", "the attribute 'stage' is given twice"),
  ])
  func badOptionsSayWhy(_ text: String, _ reason: String) {
    guard case .failure(let error) = ListEntrySpec.parse(text) else {
      Issue.record("'\(text)' was accepted")
      return
    }
    #expect(error.message == "--list-entry '\(text)': \(reason)")
  }

  private let rules = ListEntryRules(
    forwardOnly: ["stage"],
    statusOrder: ["trials": ["stage": ["Lead", "Trial", "Customer", "Churned"]]])

  @Test func aStatusOnlyMovesLaterInTheListsOrder() {
    #expect(rules.moves(list: "trials", slug: "stage", from: nil, to: "Lead"))
    #expect(rules.moves(list: "trials", slug: "stage", from: "Lead", to: "Trial"))
    #expect(rules.moves(list: "trials", slug: "stage", from: "trial", to: "Customer"))
    #expect(!rules.moves(list: "trials", slug: "stage", from: "Customer", to: "Trial"))
    #expect(!rules.moves(list: "trials", slug: "stage", from: "Trial", to: "Trial"))
    // A target not in the order read at the start: Attio decides.
    #expect(rules.moves(list: "trials", slug: "stage", from: "Customer", to: "Paused"))
    // An entry at a status not in the order (archived): nobody knows what is later; kept.
    #expect(!rules.moves(list: "trials", slug: "stage", from: "Paused", to: "Trial"))
  }

  private var entry: UpsertRequest {
    UpsertRequest(
      entryIn: "trials", of: "ada@example.com", emailSlug: "email_addresses",
      values: [
        UpsertRequest.Attribute(slug: "stage", value: Array(#""Trial""#.utf8)),
        UpsertRequest.Attribute(slug: "plan", value: Array(#""Pro""#.utf8)),
      ])
  }

  private func answer(_ status: Int, _ body: String) -> AttioResponse {
    var response = AttioResponse(body: Data(body.utf8))
    response.status = status
    return response
  }

  private let planner = MergePlanner(
    emailSlug: "email_addresses", phoneSlug: "phone_numbers", multiselect: [], onlyIfEmpty: [])

  @Test func theEntryIsAssertedWithoutTheForwardOnlyStatusThenMovedForward() throws {
    var plan = WritePlan(for: entry, mode: .merge, entryRules: rules)
    plan.addToKnownRecord("p-1", of: entry)
    let assert = plan.request(for: entry)
    #expect(assert.method == "PUT" && assert.path == "/v2/lists/trials/entries")
    #expect(
      String(decoding: assert.body ?? [], as: UTF8.self)
        == #"{"data":{"parent_record_id":"p-1","parent_object":"people","entry_values":{"plan":"Pro"}}}"#
    )
    // The entry is at Lead: Trial is later, so it is patched.
    let atLead =
      #"{"data":{"id":{"entry_id":"e-1"},"entry_values":{"stage":[{"status":{"title":"Lead"}}]}}}"#
    #expect(
      plan.advance(after: answer(200, atLead), for: entry, planner: planner)
        == .next)
    let patch = plan.request(for: entry)
    #expect(patch.method == "PATCH" && patch.path == "/v2/lists/trials/entries/e-1")
    #expect(
      String(decoding: patch.body ?? [], as: UTF8.self)
        == #"{"data":{"entry_values":{"stage":"Trial"}}}"#)
    // At Customer it stays.
    var again = WritePlan(for: entry, mode: .merge, entryRules: rules)
    again.addToKnownRecord("p-1", of: entry)
    let atCustomer =
      #"{"data":{"id":{"entry_id":"e-1"},"entry_values":{"stage":[{"status":{"title":"Customer"}}]}}}"#
    #expect(
      again.advance(after: answer(200, atCustomer), for: entry, planner: planner)
        == .done(.asserted, recordId: "e-1"))
  }

  @Test func theSpoolKeepsAnEntryWithItsList() throws {
    var request = UpsertRequest(
      email: "ada@example.com", emailSlug: "email_addresses",
      attributes: [
        UpsertRequest.Attribute(
          slug: "email_addresses", value: UpsertRequest.emailValue("ada@example.com"))
      ])
    request.linked = [entry]
    let original = DeliveryJob(
      location: InputLocation(file: nil, line: 1), messageId: nil, request: request)
    var bytes: [UInt8] = []
    original.encodeForSpool(into: &bytes)
    let decoded = try #require(bytes.withUnsafeBufferPointer { DeliveryJob(spooled: $0) })
    #expect(decoded.request == original.request)
    #expect(decoded.request.linked.first?.list == "trials")
    // An entry replayed on its own by `send` keeps its list too.
    let own = DeliveryJob(
      location: InputLocation(file: nil, line: 2), messageId: nil, request: entry)
    var ownBytes: [UInt8] = []
    own.encodeForSpool(into: &ownBytes)
    let ownDecoded = try #require(ownBytes.withUnsafeBufferPointer { DeliveryJob(spooled: $0) })
    #expect(ownDecoded.request == entry)
    #expect(ownDecoded.request.list == "trials")
  }
}
