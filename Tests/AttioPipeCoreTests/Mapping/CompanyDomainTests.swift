import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

@Suite struct CompanyDomainTests {
  @Test(
    arguments: [
      ("acme.com", "acme.com"),
      ("  acme.com\t", "acme.com"),
      ("https://acme.com", "acme.com"),
      ("http://acme.com/", "acme.com"),
      ("https://acme.com/pricing/plans?ref=x#top", "acme.com"),
      ("https://www.acme.com", "acme.com"),
      ("www.acme.com", "acme.com"),
      ("WWW.Acme.COM", "acme.com"),
      ("HTTPS://Acme.Com:8443/Path", "acme.com"),
      ("acme.com:80", "acme.com"),
      ("//acme.co.uk/x", "acme.co.uk"),
      ("https://user:secret@acme.com/", "acme.com"),
      ("acme.com.", "acme.com"),
      ("app.acme.io", "app.acme.io"),
      ("www2.acme.com", "www2.acme.com"),
      ("my-company.de", "my-company.de"),
      // Internationalised names are left as given: no punycode, non-ASCII not folded.
      ("https://Bücher.de/", "bücher.de"),
      ("münchen.DE", "münchen.de"),
      ("xn--bcher-kva.de", "xn--bcher-kva.de"),
    ])
  func reducesToTheHostName(input: String, expected: String) {
    #expect(CompanyDomain.extract(input) == expected)
  }

  @Test(
    arguments: [
      "", "   ", "n/a", "none", "acme", "localhost", "http://", "https:///path",
      "acme .com", "acme..com", ".acme.com", "-acme.com", "acme-.com", "192.168.0.1",
      "http://10.0.0.1:8080/", "[::1]", "acme.com:port", "acme_corp.com", "acme.com extra",
      "www.", "ACME!.com",
    ])
  func refusesWhatIsNoHostName(input: String) {
    #expect(CompanyDomain.extract(input) == nil)
  }
}
