import Testing

@testable import AttioPipeCore

@Suite struct PersonNameTests {
  @Test(
    arguments: [
      (
        "Ada", "Lovelace", nil,
        PersonValues.Name(first: "Ada", last: "Lovelace", full: "Ada Lovelace")
      ),
      (nil, nil, "Ada Lovelace", .init(first: "Ada", last: "Lovelace", full: "Ada Lovelace")),
      (
        nil, nil, "Alan Mathison Turing",
        .init(first: "Alan", last: "Mathison Turing", full: "Alan Mathison Turing")
      ),
      (nil, nil, "Cher", .init(first: "Cher", last: "", full: "Cher")),
      ("Ada", nil, nil, .init(first: "Ada", last: "", full: "Ada")),
      (nil, "Lovelace", nil, .init(first: "", last: "Lovelace", full: "Lovelace")),
      ("Augusta", nil, "Ada King", .init(first: "Augusta", last: "King", full: "Ada King")),
    ] as [(String?, String?, String?, PersonValues.Name)])
  func derivesAllThreeParts(
    first: String?, last: String?, full: String?, expected: PersonValues.Name
  ) {
    #expect(PersonMapper.name(first: first, last: last, full: full) == expected)
  }

  @Test func noNamePartsMeansNoNameAttribute() {
    #expect(PersonMapper.name(first: nil, last: nil, full: nil) == nil)
  }
}

@Suite struct EmailAddressTests {
  @Test(arguments: [
    ("ada@example.com", "ada@example.com"),
    ("  Ada@Example.COM\t", "ada@example.com"),
    ("first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk"),
    ("ÉLODIE@exemple.fr", "élodie@exemple.fr"),
  ])
  func normalises(_ raw: String, _ expected: String) {
    #expect(EmailAddress.normalize(raw) == expected)
  }

  @Test(arguments: [
    "not-an-email", "@example.com", "ada@", "ada@example", "ada@@example.com",
    "a@b@example.com", "ada@example..com", "ada@.example.com", "ada@example.com.",
    "ada lovelace@example.com", "ada@exa mple.com", "ada\u{0}@example.com", "ada\u{85}@x.io",
  ])
  func rejectsImplausibleAddresses(_ raw: String) {
    #expect(EmailAddress.normalize(raw) == nil)
  }
}

@Suite struct PersonMapperTests {
  private func profile(_ traits: [ProfileTrait: String]) -> Profile {
    var changes = TraitChanges()
    for (trait, value) in traits { changes[trait] = .set(value) }
    return Profile(changes: changes)
  }

  @Test func mapsTheSeedProfile() {
    let mapper = PersonMapper()
    let outcome = mapper.map(
      profile([
        .email: "ada@example.com", .firstName: "Ada", .lastName: "Lovelace",
        .phone: "+1 555 867 5309", .jobTitle: "Senior Developer",
      ]), leadSource: nil)
    var expected = PersonValues(email: "ada@example.com")
    expected.name = .init(first: "Ada", last: "Lovelace", full: "Ada Lovelace")
    expected.phone = "+15558675309"
    expected.jobTitle = "Senior Developer"
    #expect(outcome == .person(expected, warnings: []))
  }

  @Test func skipsWithoutAnEmail() {
    #expect(PersonMapper().map(profile([.name: "Ada"]), leadSource: nil) == .skipped(.noEmail))
  }

  @Test func skipsAnInvalidEmail() {
    #expect(
      PersonMapper().map(profile([.email: "nope"]), leadSource: nil) == .skipped(.invalidEmail))
  }

  @Test func leavesOutAPhoneThatCannotBeNormalisedWithAWarning() {
    let outcome = PersonMapper().map(
      profile([.email: "a@b.co", .phone: "call me maybe"]), leadSource: "ads")
    var expected = PersonValues(email: "a@b.co")
    expected.description = "ads"
    #expect(outcome == .person(expected, warnings: [.invalidPhone]))
  }
}

@Suite struct EventNameSetTests {
  @Test(arguments: ["Signed Up", "signed_up", "signedUp", "SIGNED-UP", "signed.up", " Signed  Up "])
  func matchesIgnoringCaseAndSeparators(_ name: String) {
    let names = EventNameSet(["Signed Up"])
    let matched = Array(name.utf8).withUnsafeBufferPointer { names.contains($0) }
    #expect(matched)
  }

  @Test(arguments: ["Signed", "Signed Up Now", "Sign Up", ""])
  func doesNotMatchOtherNames(_ name: String) {
    let names = EventNameSet(["Signed Up"])
    let matched = Array(name.utf8).withUnsafeBufferPointer { names.contains($0) }
    #expect(!matched)
  }
}
