/// Writes the body of Attio's assert-person request:
/// `{"data":{"values":{...}}}`, compact, attributes in a fixed order, each value a
/// one-element array of the object form (Attio's string shorthands are ambiguous for names).
struct RequestBodyEncoder: Sendable {
  let slugs: AttributeSlugs
  /// Each standard attribute's `"slug":`, back to back in `PersonAttribute.allCases` order
  /// (the n-th from `keyBounds[n]` to `keyBounds[n + 1]`), encoded once rather than per body.
  private let keys: [UInt8]
  private let keyBounds: SIMD8<Int32>

  init(slugs: AttributeSlugs) {
    self.slugs = slugs
    var keys: [UInt8] = []
    var bounds = SIMD8<Int32>(repeating: 0)
    precondition(
      PersonAttribute.allCases == [.emailAddresses, .name, .phoneNumbers, .jobTitle, .description],
      "encode(_:into:) writes the attributes in this order")
    for (index, attribute) in PersonAttribute.allCases.enumerated() {
      keys.appendJSONString(slugs[attribute])
      keys.append(UInt8(ascii: ":"))
      bounds[index + 1] = Int32(keys.count)
    }
    self.keys = keys
    keyBounds = bounds
  }

  /// The whole body, as `build` prints it.
  func encode(_ person: PersonValues, into output: inout [UInt8]) {
    output.append("{\"data\":{\"values\":{")
    var first = true
    person.withBytes { bytes in
      keys.withUnsafeBufferPointer { keys in
        // In `PersonAttribute.allCases` order, written out: `allCases` is an array made on
        // every call.
        func attribute(_ attribute: PersonAttribute, _ index: Int) {
          guard person.has(attribute) else { return }
          if !first { output.append(UInt8(ascii: ",")) }
          first = false
          output.append(
            contentsOf: UnsafeBufferPointer(
              rebasing: keys[Int(keyBounds[index])..<Int(keyBounds[index + 1])]))
          encodeValue(attribute, of: bytes, into: &output)
        }
        attribute(.emailAddresses, 0)
        attribute(.name, 1)
        attribute(.phoneNumbers, 2)
        attribute(.jobTitle, 3)
        attribute(.description, 4)
      }
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
    var attributes = person.withBytes { bytes in
      PersonAttribute.allCases.filter(person.has).map { attribute in
        var value: [UInt8] = []
        encodeValue(attribute, of: bytes, into: &value)
        return UpsertRequest.Attribute(slug: slugs[attribute], value: value)
      }
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
  private func encodeValue(
    _ attribute: PersonAttribute, of person: PersonValues.Bytes, into output: inout [UInt8]
  ) {
    switch attribute {
    case .emailAddresses:
      output.append("[{\"email_address\":")
      output.appendJSONString(utf8: person[.email]!)
    case .name:
      output.append("[{\"first_name\":")
      output.appendJSONString(utf8: person[.firstName]!)
      output.append(",\"last_name\":")
      output.appendJSONString(utf8: person[.lastName]!)
      output.append(",\"full_name\":")
      output.appendJSONString(utf8: person[.fullName]!)
    case .phoneNumbers:
      output.append("[{\"original_phone_number\":")
      output.appendJSONString(utf8: person[.phone]!)
    case .jobTitle:
      output.append("[{\"value\":")
      output.appendJSONString(utf8: person[.jobTitle]!)
    case .description:
      output.append("[{\"value\":")
      output.appendJSONString(utf8: person[.description]!)
    }
    output.append("}]")
  }
}
