import Testing

@testable import AttioPipeCore

@Suite struct PersonNameTests {
  /// All three parts set by one event (same sequence number).
  private func resolve(_ first: String?, _ last: String?, _ full: String?) -> PersonValues.Name? {
    PersonName.resolve(
      first: .init(text: first, sequence: first == nil ? 0 : 1),
      last: .init(text: last, sequence: last == nil ? 0 : 1),
      full: .init(text: full, sequence: full == nil ? 0 : 1))
  }

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
      // Issue 7.13: "Last, First", honorifics and suffixes.
      (nil, nil, "Lovelace, Ada", .init(first: "Ada", last: "Lovelace", full: "Ada Lovelace")),
      (
        nil, nil, "King, Augusta Ada",
        .init(first: "Augusta Ada", last: "King", full: "Augusta Ada King")
      ),
      (
        nil, nil, "Dr. Ada Lovelace Jr.",
        .init(first: "Ada", last: "Lovelace", full: "Dr. Ada Lovelace Jr.")
      ),
      (
        nil, nil, "Ada Lovelace, PhD",
        .init(first: "Ada", last: "Lovelace", full: "Ada Lovelace, PhD")
      ),
      (
        nil, nil, "Mr Peter Gibbons III",
        .init(first: "Peter", last: "Gibbons", full: "Mr Peter Gibbons III")
      ),
      // The name agrees with a known part: only the missing part is filled, and not with
      // what is already known.
      ("Ada", nil, "Augusta Ada King", .init(first: "Ada", last: "King", full: "Augusta Ada King")),
      (
        nil, "King", "Augusta Ada King",
        .init(first: "Augusta Ada", last: "King", full: "Augusta Ada King")
      ),
      // Contradiction in one event: the parts win (ties go to the parts).
      ("Augusta", nil, "Ada King", .init(first: "Augusta", last: "", full: "Augusta")),
    ] as [(String?, String?, String?, PersonValues.Name)])
  func derivesAllThreeParts(
    first: String?, last: String?, full: String?, expected: PersonValues.Name
  ) {
    #expect(resolve(first, last, full) == expected)
  }

  @Test func noNamePartsMeansNoNameAttribute() {
    #expect(resolve(nil, nil, nil) == nil)
  }

  /// Issue 14.6: parts from an older identify, a contradicting name from a newer one: the
  /// newer name wins whole; in the other order the newer parts win whole.
  @Test func aContradictingNewerSourceWinsWhole() {
    let olderParts = PersonName.resolve(
      first: .init(text: "John", sequence: 1), last: .init(text: "Doe", sequence: 1),
      full: .init(text: "Peter Gibbons", sequence: 2))
    #expect(olderParts == .init(first: "Peter", last: "Gibbons", full: "Peter Gibbons"))
    let olderName = PersonName.resolve(
      first: .init(text: "John", sequence: 2), last: .init(text: "Doe", sequence: 2),
      full: .init(text: "Peter Gibbons", sequence: 1))
    #expect(olderName == .init(first: "John", last: "Doe", full: "John Doe"))
  }

  /// Issue 14.6: an agreeing name fills only the missing part, in both orders; the full name is
  /// the name only when it is at least as new as the parts.
  @Test func anAgreeingNameOnlyFillsTheMissingPart() {
    let newerName = PersonName.resolve(
      first: .init(text: "Ada", sequence: 1), last: .never,
      full: .init(text: "Augusta Ada King", sequence: 2))
    #expect(newerName == .init(first: "Ada", last: "King", full: "Augusta Ada King"))
    let olderName = PersonName.resolve(
      first: .init(text: "Ada", sequence: 2), last: .never,
      full: .init(text: "augusta ada king", sequence: 1))
    #expect(olderName == .init(first: "Ada", last: "king", full: "Ada king"))
  }

  @Test(arguments: ["Mr.", "Mr", "Mrs", "Ms", "Dr", "Mx", "dr.", "MRS."])
  func honorificsAreRecognised(_ title: String) {
    #expect(PersonName.isHonorific(title))
  }

  @Test(arguments: ["CEO", "Director", "Mr. Fix-it", "Doctor of Medicine", "Product Manager"])
  func jobTitlesAreNotHonorifics(_ title: String) {
    #expect(!PersonName.isHonorific(title))
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
    #expect(
      outcome
        == .person(expected, warnings: [EventWarning(.invalidPhone, [("value", "call me maybe")])]))
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
