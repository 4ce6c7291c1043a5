/// Writes the body of Attio's assert-person request:
/// `{"data":{"values":{...}}}`, compact, attributes in a fixed order, each value a
/// one-element array of the object form (Attio's string shorthands are ambiguous for names).
struct RequestBodyEncoder: Sendable {
  let slugs: AttributeSlugs

  /// The whole body, as `build` prints it.
  func encode(_ person: PersonValues, into output: inout [UInt8]) {
    output.append("{\"data\":{\"values\":{")
    var first = true
    for attribute in PersonAttribute.allCases {
      guard person.has(attribute) else { continue }
      if !first { output.append(UInt8(ascii: ",")) }
      first = false
      output.appendJSONString(slugs[attribute])
      output.append(UInt8(ascii: ":"))
      encodeValue(attribute, of: person, into: &output)
    }
    for attribute in person.mapped {
      if !first { output.append(UInt8(ascii: ",")) }
      first = false
      output.appendJSONString(attribute.slug)
      output.append(UInt8(ascii: ":"))
      output.append(contentsOf: attribute.value)
    }
    if let domain = person.companyDomain {
      output.append(UInt8(ascii: ","))
      output.appendJSONString(CompanyValues.personCompanySlug)
      output.append(UInt8(ascii: ":"))
      CompanyBodyEncoder.encodeReference(domain, into: &output)
    }
    output.append("}}}")
  }

  func encode(_ person: PersonValues, into output: OutputBuffer) {
    output.withBytes { encode(person, into: &$0) }
  }

  /// The attributes one at a time, slug and value text: what delivery merges and compares.
  func attributes(of person: PersonValues) -> [UpsertRequest.Attribute] {
    var attributes = PersonAttribute.allCases.filter(person.has).map { attribute in
      var value: [UInt8] = []
      encodeValue(attribute, of: person, into: &value)
      return UpsertRequest.Attribute(slug: slugs[attribute], value: value)
    }
    attributes += person.mapped.map { UpsertRequest.Attribute(slug: $0.slug, value: $0.value) }
    if let domain = person.companyDomain {
      var value: [UInt8] = []
      CompanyBodyEncoder.encodeReference(domain, into: &value)
      attributes.append(
        UpsertRequest.Attribute(slug: CompanyValues.personCompanySlug, value: value))
    }
    return attributes
  }

  /// One attribute's value: a one-element array of Attio's object form.
  func encodeValue(
    _ attribute: PersonAttribute, of person: PersonValues, into output: inout [UInt8]
  ) {
    switch attribute {
    case .emailAddresses:
      output.append("[{\"email_address\":")
      output.appendJSONString(person.email)
    case .name:
      let name = person.name!
      output.append("[{\"first_name\":")
      output.appendJSONString(name.first)
      output.append(",\"last_name\":")
      output.appendJSONString(name.last)
      output.append(",\"full_name\":")
      output.appendJSONString(name.full)
    case .phoneNumbers:
      output.append("[{\"original_phone_number\":")
      output.appendJSONString(person.phone!)
    case .jobTitle:
      output.append("[{\"value\":")
      output.appendJSONString(person.jobTitle!)
    case .description:
      output.append("[{\"value\":")
      output.appendJSONString(person.description!)
    }
    output.append("}]")
  }
}
