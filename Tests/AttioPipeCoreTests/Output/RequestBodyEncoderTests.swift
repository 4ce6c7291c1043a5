import Glibc
import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// Encodes into a pipe-less buffer by reading back what would be written.
private func encoded(_ person: PersonValues, slugs: AttributeSlugs = AttributeSlugs()) -> String {
  var descriptors: [Int32] = [0, 0]
  _ = pipe(&descriptors)
  let output = OutputBuffer(fileDescriptor: descriptors[1])
  RequestBodyEncoder(slugs: slugs).encode(person, into: output)
  try? output.flush()
  close(descriptors[1])
  var bytes = [UInt8](repeating: 0, count: 65536)
  let count = read(descriptors[0], &bytes, bytes.count)
  close(descriptors[0])
  return String(decoding: bytes[0..<max(count, 0)], as: UTF8.self)
}

@Suite struct RequestBodyEncoderTests {
  @Test func writesTheSeedBodyByteForByte() {
    var person = PersonValues(email: "ada@example.com")
    person.name = .init(first: "Ada", last: "Lovelace", full: "Ada Lovelace")
    person.phone = "+15558675309"
    person.jobTitle = "Senior Developer"
    #expect(
      encoded(person)
        == #"{"data":{"values":{"email_addresses":[{"email_address":"ada@example.com"}],"name":[{"first_name":"Ada","last_name":"Lovelace","full_name":"Ada Lovelace"}],"phone_numbers":[{"original_phone_number":"+15558675309"}],"job_title":[{"value":"Senior Developer"}]}}}"#
    )
  }

  @Test func escapesWhatJSONRequires() {
    var person = PersonValues(email: "a@b.co")
    person.jobTitle = "say \"hi\"\\ \n\t\u{1}é😀"
    #expect(
      encoded(person)
        == #"{"data":{"values":{"email_addresses":[{"email_address":"a@b.co"}],"job_title":[{"value":"say \"hi\"\\ \n\t\u0001é😀"}]}}}"#
    )
  }

  @Test func usesOverriddenSlugs() {
    var slugs = AttributeSlugs()
    let renamed = slugs.override("job_title", with: "role")
    let unknown = slugs.override("jobtitle", with: "x")
    #expect(renamed && !unknown)
    var person = PersonValues(email: "a@b.co")
    person.jobTitle = "CTO"
    #expect(encoded(person, slugs: slugs).contains(#""role":[{"value":"CTO"}]"#))
  }

  /// The worst case for the body's reserved room: every value made of characters that are
  /// escaped as `\u00XX` (six bytes each), a company reference, a mapped attribute, and
  /// renamed slugs. The body is written whole and reads back as the values.
  @Test func aBodyOfEscapedValuesFitsItsReservedRoom() throws {
    let control = String(repeating: "\u{1}", count: 300)
    var person = PersonValues(email: "a@b.co")
    person.name = .init(first: control, last: control, full: control)
    person.phone = "+15558675309"
    person.jobTitle = control
    person.description = control
    person.companyDomain = "acme.com"
    person.mapped = [MappedAttribute(slug: "plan", value: Array(#"[{"option":"Pro"}]"#.utf8))]
    var slugs = AttributeSlugs()
    let renamed = slugs.override("job_title", with: String(repeating: "t", count: 200))
    #expect(renamed)
    var body: [UInt8] = []
    RequestBodyEncoder(slugs: slugs).encode(person, into: &body)
    let text = String(decoding: body, as: UTF8.self)
    let escaped = String(repeating: "\\u0001", count: 300)
    #expect(text.hasPrefix(#"{"data":{"values":{"email_addresses":[{"email_address":"a@b.co"}]"#))
    #expect(text.contains(#""first_name":"\#(escaped)","last_name":"\#(escaped)""#))
    #expect(text.contains(#""\#(String(repeating: "t", count: 200))":[{"value":"\#(escaped)"}]"#))
    #expect(
      text.hasSuffix(
        #""plan":[{"option":"Pro"}],"company":[{"target_object":"companies","domains":[{"domain":"acme.com"}]}]}}}"#
      ))
  }
}
