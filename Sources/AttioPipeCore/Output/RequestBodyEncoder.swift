/// Writes the body of Attio's assert-person request:
/// `{"data":{"values":{...}}}`, compact, attributes in a fixed order, each value a
/// one-element array of the object form (Attio's string shorthands are ambiguous for names).
struct RequestBodyEncoder: Sendable {
  let slugs: AttributeSlugs

  func encode(_ person: PersonValues, into output: OutputBuffer) {
    output.append("{\"data\":{\"values\":{")
    output.appendJSONString(slugs.emailAddresses)
    output.append(":[{\"email_address\":")
    output.appendJSONString(person.email)
    output.append("}]")
    if let name = person.name {
      output.append(UInt8(ascii: ","))
      output.appendJSONString(slugs.name)
      output.append(":[{\"first_name\":")
      output.appendJSONString(name.first)
      output.append(",\"last_name\":")
      output.appendJSONString(name.last)
      output.append(",\"full_name\":")
      output.appendJSONString(name.full)
      output.append("}]")
    }
    if let phone = person.phone {
      output.append(UInt8(ascii: ","))
      output.appendJSONString(slugs.phoneNumbers)
      output.append(":[{\"original_phone_number\":")
      output.appendJSONString(phone)
      output.append("}]")
    }
    appendTextValue(person.jobTitle, slug: slugs.jobTitle, into: output)
    appendTextValue(person.description, slug: slugs.description, into: output)
    output.append("}}}")
  }

  private func appendTextValue(_ value: String?, slug: String, into output: OutputBuffer) {
    guard let value else { return }
    output.append(UInt8(ascii: ","))
    output.appendJSONString(slug)
    output.append(":[{\"value\":")
    output.appendJSONString(value)
    output.append("}]")
  }
}
