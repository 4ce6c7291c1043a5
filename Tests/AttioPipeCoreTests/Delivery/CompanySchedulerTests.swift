import Foundation
import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// Companies before the people who reference them (RecordGate in the scheduler).
@Suite struct CompanySchedulerTests {
  private func submitCompany(_ harness: SchedulerHarness, _ domain: String) {
    let request = CompanyBodyEncoder.request(of: CompanyValues(domain: domain, name: "Acme"))
    harness.scheduler.submit(
      DeliveryJob(location: InputLocation(file: nil, line: 1), messageId: nil, request: request))
    harness.settle()
  }

  private func submitPerson(_ harness: SchedulerHarness, _ email: String, company: String?) {
    var person = PersonValues(email: email)
    person.companyDomain = company
    var request = UpsertRequest(
      email: email, emailSlug: "email_addresses",
      attributes: RequestBodyEncoder(slugs: AttributeSlugs()).attributes(of: person))
    request.companyDomain = company
    harness.scheduler.submit(
      DeliveryJob(location: InputLocation(file: nil, line: 2), messageId: nil, request: request))
    harness.settle()
  }

  private func paths(_ harness: SchedulerHarness) -> [String] {
    harness.transport.requests.map(\.path)
  }

  @Test func aPersonWaitsForTheirCompanysWrite() {
    let harness = SchedulerHarness()
    submitCompany(harness, "acme.com")
    submitPerson(harness, "ada@acme.com", company: "acme.com")
    submitPerson(harness, "bo@other.com", company: nil)
    // The company and the unlinked person go; the linked person waits.
    #expect(paths(harness).count == 2)
    #expect(paths(harness)[0] == AttioEndpoint.assertCompanyPath)
    #expect(harness.transport.email(1) == "bo@other.com")
    harness.transport.answer(0, status: 200)
    harness.settle()
    #expect(paths(harness).count == 3)
    #expect(harness.transport.email(2) == "ada@acme.com")
    harness.transport.answer(1, status: 200)
    harness.transport.answer(2, status: 200)
    let company = harness.results.first { $0.job.request.object == .companies }
    #expect(company?.status == .upserted)
    #expect(company?.action == .asserted)
    #expect(harness.statuses("ada@acme.com") == [.upserted])
  }

  @Test func laterWritesOfAWaitingPersonKeepTheirOrder() {
    let harness = SchedulerHarness()
    submitCompany(harness, "acme.com")
    submitPerson(harness, "ada@acme.com", company: "acme.com")
    submitCompany(harness, "beta.io")
    submitPerson(harness, "ada@acme.com", company: "beta.io")
    #expect(paths(harness).count == 2)  // the two companies
    harness.transport.answer(1, status: 200)  // beta.io done first: ada still waits on acme
    harness.settle()
    #expect(paths(harness).count == 2)
    harness.transport.answer(0, status: 200)
    harness.settle()
    // Both of ada's writes are released in order and merge into one request.
    #expect(paths(harness).count == 3)
    let body = String(decoding: harness.transport.requests[2].body ?? [], as: UTF8.self)
    #expect(body.contains("beta.io"))
  }

  @Test func aFailedCompanyStillLetsThePersonGo() {
    let harness = SchedulerHarness()
    submitCompany(harness, "acme.com")
    submitPerson(harness, "ada@acme.com", company: "acme.com")
    harness.transport.answer(0, status: 400, body: #"{"code":"validation_type","message":"bad"}"#)
    harness.settle()
    #expect(paths(harness).count == 2)
    #expect(harness.results.first?.status == .failed)
  }

  @Test func heldPeopleAreNotSentWhenSendingStops() {
    let harness = SchedulerHarness()
    submitCompany(harness, "acme.com")
    submitPerson(harness, "ada@acme.com", company: "acme.com")
    harness.stop(at: 0)
    harness.settle()
    #expect(harness.statuses("ada@acme.com") == [.notSent])
    let company = harness.results.first { $0.job.request.object == .companies }
    #expect(company?.status == .inDoubt)
  }

  @Test func companiesAreAssertedEvenInMergeMode() {
    let harness = SchedulerHarness(options: DeliveryScheduler.Options())
    submitCompany(harness, "acme.com")
    #expect(harness.transport.requests.first?.method == "PUT")
    #expect(paths(harness) == [AttioEndpoint.assertCompanyPath])
  }
}
