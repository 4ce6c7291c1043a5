import AttioPipeCore
import AttioPipeDelivery

// Design: how company bodies travel through `build` and `send`.
//
// `build` prints one line per body, and a reader (jq, `send`, a person) must tell a company
// body from a person body without context. A company line is therefore the request body with
// a leading marker member:
//
//   {"object":"companies","data":{"values":{"domains":[{"domain":"acme.com"}],"name":[{"value":"Acme"}]}}}
//
// Person lines stay exactly as before (no marker: existing pipelines and files keep working);
// `jq 'select(.object=="companies")'` picks the companies. `send` reads the marker, sends the
// `data` member to the companies assert and strips the marker (Attio's body has only `data`).
// Result lines carry the same envelope in `request`, so a failed company write replays through
// `send` like a failed person write.

/// Writes company bodies (`{"object":"companies","data":{"values":{…}}}`) and the person's
/// `company` reference by domain.
enum CompanyBodyEncoder {
  /// The whole line as `build` prints it.
  static func encode(_ company: CompanyValues, into output: inout [UInt8]) {
    output.append("{")
    output.append(contentsOf: CompanyValues.lineMarker.utf8)
    output.append(",\"data\":{\"values\":{")
    for (index, attribute) in attributes(of: company).enumerated() {
      if index > 0 { output.append(UInt8(ascii: ",")) }
      output.appendJSONString(attribute.slug)
      output.append(UInt8(ascii: ":"))
      output.append(contentsOf: attribute.value)
    }
    output.append("}}}")
  }

  static func encode(_ company: CompanyValues, into output: OutputBuffer) {
    output.withBytes { encode(company, into: &$0) }
  }

  /// The attributes one at a time, in body order: `domains`, `name`, then `--map-company`'s.
  static func attributes(of company: CompanyValues) -> [UpsertRequest.Attribute] {
    var domains: [UInt8] = []
    domains.append("[{\"domain\":")
    domains.appendJSONString(company.domain)
    domains.append("}]")
    var attributes = [UpsertRequest.Attribute(slug: CompanyValues.domainsSlug, value: domains)]
    if let name = company.name {
      var value: [UInt8] = []
      value.append("[{\"value\":")
      value.appendJSONString(name)
      value.append("}]")
      attributes.append(UpsertRequest.Attribute(slug: CompanyValues.nameSlug, value: value))
    }
    for mapped in company.mapped {
      attributes.append(UpsertRequest.Attribute(slug: mapped.slug, value: mapped.value))
    }
    return attributes
  }

  /// The delivery request of a company: matched (and laned) on its domain.
  static func request(of company: CompanyValues) -> UpsertRequest {
    var request = UpsertRequest(
      email: company.domain, emailSlug: CompanyValues.domainsSlug,
      attributes: attributes(of: company))
    request.object = .companies
    return request
  }

  /// The value of a person's `company`: a record reference by domain
  /// (Documentation/AttioAPI.md, "Record references"),
  /// `[{"target_object":"companies","domains":[{"domain":"acme.com"}]}]`.
  static func encodeReference(_ domain: String, into output: inout [UInt8]) {
    output.append(UInt8(ascii: "["))
    CompanyValues.appendReference(to: domain, into: &output)
    output.append(UInt8(ascii: "]"))
  }
}
