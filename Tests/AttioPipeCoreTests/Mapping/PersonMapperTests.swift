import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

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
    // NFC before lower-casing: a decomposed é is the same person.
    ("E\u{301}lodie@Exemple.fr", "élodie@exemple.fr"),
    ("o'brien+tag@xn--mnchen-3ya.de", "o'brien+tag@xn--mnchen-3ya.de"),
    ("jürgen@münchen.de", "jürgen@münchen.de"),
    ("a!#$%&'*+-/=?^_`{|}~@a-b.c1.io", "a!#$%&'*+-/=?^_`{|}~@a-b.c1.io"),
  ])
  func normalises(_ raw: String, _ expected: String) {
    #expect(EmailAddress.normalize(raw) == expected)
  }

  @Test(arguments: [
    "not-an-email", "@example.com", "ada@", "ada@example", "ada@@example.com",
    "a@b@example.com", "ada@example..com", "ada@.example.com", "ada@example.com.",
    "ada lovelace@example.com", "ada@exa mple.com", "ada\u{0}@example.com", "ada\u{85}@x.io",
    // Issue 7.6: what Attio rejects.
    "ada@example.com;", "mailto:ada@example.com", "ada\u{200B}@example.com", "ada@exa_mple.com",
    "ada@-example-.com", "ada@example-.com", ".ada@example.com", "ada.@example.com",
    "a..da@example.com", "<ada@example.com>", "\"ada\"@example.com", "ada@exam\u{AD}ple.com",
    "\u{FEFF}ada@example.com", "ada@example.com\u{200E}",
  ])
  func rejectsImplausibleAddresses(_ raw: String) {
    #expect(EmailAddress.normalize(raw) == nil)
  }

  /// The byte classes are bit masks: every byte against the lists they stand for.
  @Test func byteClassMasksMatchTheirLists() {
    let letters = Set(UInt8(ascii: "a")...UInt8(ascii: "z")).union(
      UInt8(ascii: "A")...UInt8(ascii: "Z"))
    let lettersAndDigits = letters.union(UInt8(ascii: "0")...UInt8(ascii: "9"))
    let atomText = lettersAndDigits.union("!#$%&'*+-/=?^_`{|}~".utf8)
    for byte in UInt8.min...UInt8.max {
      #expect(EmailAddress.isAtomText(byte) == atomText.contains(byte), "byte \(byte)")
      #expect(EmailAddress.isLetterOrDigit(byte) == lettersAndDigits.contains(byte), "byte \(byte)")
    }
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

@Suite struct PersonMapperIssue14Tests {
  private func profile(_ traits: [ProfileTrait: String]) -> Profile {
    var changes = TraitChanges()
    for (trait, value) in traits { changes[trait] = .set(value) }
    return Profile(changes: changes)
  }

  @Test func anHonorificIsNotAJobTitle() {
    let outcome = PersonMapper().map(
      profile([.email: "a@b.co", .jobTitle: "Mr."]), leadSource: nil)
    #expect(
      outcome
        == .person(
          PersonValues(email: "a@b.co"), warnings: [EventWarning(.notAJobTitle, [("value", "Mr.")])]
        ))
  }

  @Test func aUserIdEmailIsUsedOnlyWithoutAnyOtherEmail() {
    let fallback = { () -> (email: String, source: String)? in ("Ada@Example.com", "userId") }
    let guessed = PersonMapper().map(
      profile([.name: "Ada"]), leadSource: nil, fallbackEmail: fallback)
    guard case .person(let values, let warnings) = guessed else {
      Issue.record("no body")
      return
    }
    #expect(values.email == "ada@example.com")
    #expect(warnings == [EventWarning(.emailFrom, [("email_from", "userId")])])
    let known = PersonMapper().map(
      profile([.email: "known@example.com"]), leadSource: nil, fallbackEmail: fallback)
    guard case .person(let knownValues, _) = known else {
      Issue.record("no body")
      return
    }
    #expect(knownValues.email == "known@example.com")
  }

  @Test func thePersonsOwnCountryComesBeforeTheDefault() {
    let mapper = PersonMapper(defaultRegion: DialingRegion.named("GB"))
    let outcome = mapper.map(
      profile([.email: "a@b.co", .phone: "8005550100", .country: "US"]), leadSource: nil)
    guard case .person(let values, _) = outcome else {
      Issue.record("no body")
      return
    }
    #expect(values.phone == "+18005550100")
  }

  @Test func invalidPhoneSaysWhenNoCountryWasGiven() {
    let outcome = PersonMapper().map(
      profile([.email: "a@b.co", .phone: "020 7946 0958"]), leadSource: nil)
    guard case .person(_, let warnings) = outcome else {
      Issue.record("no body")
      return
    }
    #expect(
      warnings == [
        EventWarning(
          .invalidPhone,
          [
            ("value", "020 7946 0958"),
            ("detail", "no international prefix and no --default-country given"),
          ])
      ])
  }
}

@Suite struct EventNameSetTests {
  @Test(arguments: ["Signed Up", "signed_up", "signedUp", "SIGNED-UP", "signed.up", " Signed  Up "])
  func matchesIgnoringCaseAndSeparators(_ name: String) {
    let names = EventNameSet(["Signed Up"])
    let matched = Array(name.utf8).withUnsafeBufferPointer { names.contains($0.span) }
    #expect(matched)
  }

  @Test(arguments: ["Signed", "Signed Up Now", "Sign Up", ""])
  func doesNotMatchOtherNames(_ name: String) {
    let names = EventNameSet(["Signed Up"])
    let matched = Array(name.utf8).withUnsafeBufferPointer { names.contains($0.span) }
    #expect(!matched)
  }
}
