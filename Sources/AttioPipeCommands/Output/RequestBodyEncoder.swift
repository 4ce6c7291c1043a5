import AttioPipeCore
import AttioPipeDelivery

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
      (0..<Self.attributeCount).map(Self.attribute(at:)) == PersonAttribute.allCases,
      "attribute(at:) lists every attribute, in PersonAttribute's order")
    for index in 0..<Self.attributeCount {
      keys.appendJSONString(slugs[Self.attribute(at: index)])
      keys.append(UInt8(ascii: ":"))
      bounds[index + 1] = Int32(keys.count)
    }
    self.keys = keys
    keyBounds = bounds
  }

  /// The whole body, as `build` prints it.
  func encode(_ person: PersonValues, into output: inout [UInt8]) {
    output.append(maximumCount: maximumCount(of: person)) { encode(person, into: &$0) }
  }

  func encode(_ person: PersonValues, into output: OutputBuffer) {
    output.write(maximumCount: maximumCount(of: person)) { encode(person, into: &$0) }
  }

  /// The most bytes a body can take: every byte the values hold (the company's domain
  /// included, and their spans, which are never written) counted as escaped, the keys, and
  /// room for the punctuation and quotes (under 200 bytes) and a company reference's wrapping
  /// (under 100). `ByteWriter` stops the run rather than write past it.
  private func maximumCount(of person: PersonValues) -> Int {
    var count = ByteWriter.jsonStringBound(person.byteCount) + keys.count + 512
    for attribute in person.mapped {
      count += ByteWriter.jsonStringBound(attribute.slug.utf8.count) + attribute.value.count + 2
    }
    return count
  }

  /// The body through one writer (`ByteWriter`): the per-body cost is copying.
  private func encode(_ person: PersonValues, into writer: inout ByteWriter) {
    writer.write("{\"data\":{\"values\":{")
    var first = true
    person.withBytes { bytes in
      keys.withUnsafeBufferPointer { keys in
        // By index (`allCases` is an array made on every call).
        for index in 0..<Self.attributeCount {
          let attribute = Self.attribute(at: index)
          guard person.has(attribute) else { continue }
          if !first { writer.write(UInt8(ascii: ",")) }
          first = false
          writer.write(
            UnsafeBufferPointer(rebasing: keys[Int(keyBounds[index])..<Int(keyBounds[index + 1])]))
          encodeValue(attribute, of: bytes, into: &writer)
        }
      }
    }
    for attribute in person.mapped {
      if !first { writer.write(UInt8(ascii: ",")) }
      first = false
      var slug = attribute.slug
      slug.withUTF8 { writer.writeJSONString($0) }
      writer.write(UInt8(ascii: ":"))
      attribute.value.withUnsafeBufferPointer { writer.write($0) }
    }
    if let domain = person.companyDomain {
      // Written by the companies' own rules (`CompanyValues`), then copied.
      var reference: [UInt8] = [UInt8(ascii: ",")]
      reference.appendJSONString(CompanyValues.personCompanySlug)
      reference.append(UInt8(ascii: ":"))
      CompanyBodyEncoder.encodeReference(domain, into: &reference)
      reference.withUnsafeBufferPointer { writer.write($0) }
    }
    writer.write("}}}")
  }

  private static let attributeCount = 5

  /// `PersonAttribute.allCases[index]`, without making the array.
  private static func attribute(at index: Int) -> PersonAttribute {
    switch index {
    case 0: .emailAddresses
    case 1: .name
    case 2: .phoneNumbers
    case 3: .jobTitle
    default: .description
    }
  }

  /// The attributes one at a time, slug, value text and how new the value is: what delivery
  /// merges and compares.
  func attributes(of person: PersonValues) -> [UpsertRequest.Attribute] {
    var attributes = person.withBytes { bytes in
      PersonAttribute.allCases.filter(person.has).map { attribute in
        var value: [UInt8] = []
        value.append(maximumCount: ByteWriter.jsonStringBound(person.byteCount) + 128) {
          encodeValue(attribute, of: bytes, into: &$0)
        }
        return UpsertRequest.Attribute(
          slug: slugs[attribute], value: value, sequence: Self.sequence(of: attribute, person))
      }
    }
    attributes += person.mapped.map {
      UpsertRequest.Attribute(slug: $0.slug, value: $0.value, sequence: $0.sequence)
    }
    if let domain = person.companyDomain {
      var value: [UInt8] = []
      CompanyBodyEncoder.encodeReference(domain, into: &value)
      attributes.append(
        UpsertRequest.Attribute(
          slug: CompanyValues.personCompanySlug, value: value,
          sequence: person.sequence(of: .companyDomain)))
    }
    return attributes
  }

  /// How new an attribute's value is (0 for the email, the match key, which is never left out).
  private static func sequence(of attribute: PersonAttribute, _ person: PersonValues) -> UInt64 {
    switch attribute {
    case .emailAddresses: 0
    case .name: person.sequence(of: .fullName)
    case .phoneNumbers: person.sequence(of: .phone)
    case .jobTitle: person.sequence(of: .jobTitle)
    case .description: person.sequence(of: .description)
    }
  }

  /// One attribute's value: a one-element array of Attio's object form.
  private func encodeValue(
    _ attribute: PersonAttribute, of person: PersonValues.Bytes, into output: inout ByteWriter
  ) {
    switch attribute {
    case .emailAddresses:
      output.write("[{\"email_address\":")
      output.writeJSONString(person[.email]!)
    case .name:
      output.write("[{\"first_name\":")
      output.writeJSONString(person[.firstName]!)
      output.write(",\"last_name\":")
      output.writeJSONString(person[.lastName]!)
      output.write(",\"full_name\":")
      output.writeJSONString(person[.fullName]!)
    case .phoneNumbers:
      output.write("[{\"original_phone_number\":")
      output.writeJSONString(person[.phone]!)
    case .jobTitle:
      output.write("[{\"value\":")
      output.writeJSONString(person[.jobTitle]!)
    case .description:
      output.write("[{\"value\":")
      output.writeJSONString(person[.description]!)
    }
    output.write("}]")
  }
}
