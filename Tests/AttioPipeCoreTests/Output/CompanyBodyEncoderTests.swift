import Foundation
import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// Company lines of `build` and their way back through `send`'s parser.
@Suite struct CompanyBodyEncoderTests {
  private func line(_ company: CompanyValues) -> [UInt8] {
    var output: [UInt8] = []
    CompanyBodyEncoder.encode(company, into: &output)
    return output
  }

  private func parse(_ bytes: [UInt8]) -> Result<UpsertRequest, JSONScanError> {
    bytes.withUnsafeBufferPointer { RequestBodyParser(slugs: AttributeSlugs()).parse($0) }
  }

  @Test func aCompanyLineIsItsBodyWithALeadingMarker() {
    let text = String(
      decoding: line(CompanyValues(domain: "acme.com", name: "Acme \"A\"")), as: UTF8.self)
    #expect(
      text
        == #"{"object":"companies","data":{"values":{"domains":[{"domain":"acme.com"}],"name":[{"value":"Acme \"A\""}]}}}"#
    )
  }

  @Test func aCompanyLineRoundTripsThroughSend() throws {
    let company = CompanyValues(domain: "acme.com", name: "Acme")
    let request = try parse(line(company)).get()
    #expect(request.object == .companies)
    #expect(request.email == "acme.com")
    #expect(request.emailSlug == "domains")
    #expect(request == CompanyBodyEncoder.request(of: company))
    // Attio is sent the body without the marker; results carry the line as build printed it.
    #expect(
      String(decoding: request.body, as: UTF8.self)
        == #"{"data":{"values":{"domains":[{"domain":"acme.com"}],"name":[{"value":"Acme"}]}}}"#)
    #expect(request.envelope == line(company))
    #expect(WritePlan(mode: .assert).request(for: request).path == AttioEndpoint.assertCompanyPath)
  }

  @Test func aCompanyLineWithoutAUsableDomainIsInvalid() {
    let bad = Array(#"{"object":"companies","data":{"values":{"name":[{"value":"Acme"}]}}}"#.utf8)
    guard case .failure(let error) = parse(bad) else {
      Issue.record("accepted a company without domains")
      return
    }
    #expect(error.reason == .invalidBody)
    let unknown = Array(#"{"object":"deals","data":{"values":{"name":[{"value":"x"}]}}}"#.utf8)
    guard case .failure = parse(unknown) else {
      Issue.record("accepted an unknown object")
      return
    }
  }

  @Test func aPersonLinkedToACompanyRoundTripsWithItsDomain() throws {
    var person = PersonValues(email: "ada@acme.com")
    person.companyDomain = "acme.com"
    var output: [UInt8] = []
    RequestBodyEncoder(slugs: AttributeSlugs()).encode(person, into: &output)
    #expect(
      String(decoding: output, as: UTF8.self)
        == #"{"data":{"values":{"email_addresses":[{"email_address":"ada@acme.com"}],"company":[{"target_object":"companies","domains":[{"domain":"acme.com"}]}]}}}"#
    )
    let request = try parse(output).get()
    #expect(request.object == .people)
    #expect(request.companyDomain == "acme.com")
    #expect(request.envelope == output)
    #expect(
      request.attributes == RequestBodyEncoder(slugs: AttributeSlugs()).attributes(of: person))
  }

  @Test func anExplicitPeopleMarkerIsAPerson() throws {
    let request = try parse(
      Array(#"{"object":"people","data":{"values":{"email_addresses":["a@b.co"]}}}"#.utf8)
    ).get()
    #expect(request.object == .people)
    #expect(request.email == "a@b.co")
  }
}
