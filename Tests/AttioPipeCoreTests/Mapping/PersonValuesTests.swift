import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// The person's values live as bytes with their spans in one reused array: a value set, reset
/// or set again must read back as set, and equality must not depend on the layout.
@Suite struct PersonValuesTests {
  @Test func valuesReadBackAsSetAndResetKeepsNothing() {
    var person = PersonValues(email: "ada@example.com")
    person.name = PersonValues.Name(first: "Ada", last: "Lovelace", full: "Ada Lovelace")
    person.phone = "+442079460958"
    person.jobTitle = "Analyst"
    #expect(person.email == "ada@example.com")
    #expect(person.name == PersonValues.Name(first: "Ada", last: "Lovelace", full: "Ada Lovelace"))
    #expect(person.phone == "+442079460958")
    #expect(person.has(PersonValues.Field.jobTitle) && person.description == nil)
    #expect(person.has(PersonAttribute.phoneNumbers) && !person.has(PersonAttribute.description))

    person.jobTitle = "Engineer"  // set again: the new value wins
    person.phone = nil
    #expect(person.jobTitle == "Engineer")
    #expect(person.phone == nil && !person.has(PersonAttribute.phoneNumbers))

    person.removeAll()
    #expect(!person.has(PersonValues.Field.email) && person.name == nil && person.jobTitle == nil)
    #expect(person == PersonValues())
  }

  @Test func equalityIgnoresHowTheBytesAreLaidOut() {
    var first = PersonValues(email: "a@b.co")
    first.jobTitle = "CTO"
    var second = PersonValues()
    second.jobTitle = "CEO"
    second.email = "a@b.co"
    second.jobTitle = "CTO"
    #expect(first == second)
    second.description = "Webinar"
    #expect(first != second)
  }

  @Test func aFailedWriteLeavesTheFieldAsItWas() {
    var person = PersonValues(email: "a@b.co")
    let written = person.set(.phone) { bytes in
      bytes.append(contentsOf: Array("+44".utf8))
      return false
    }
    #expect(!written && person.phone == nil)
    #expect(person.email == "a@b.co")
  }
}
