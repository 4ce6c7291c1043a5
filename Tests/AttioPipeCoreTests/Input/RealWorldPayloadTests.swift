import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// Issue 14: what Segment's and RudderStack's documented payloads carry, resolved by stage one.
@Suite struct RealWorldPayloadTests {
  @Test(arguments: [
    (#"{"action":"identify","userId":"12345"}"#, ScannedLine.Kind.identify, true),
    (#"{"action":"Track","event":"Signed Up"}"#, .track, true),
    (#"{"action":"group","traits":{"name":"Acme"}}"#, .group, false),
    // `type` wins over `action`.
    (#"{"type":"track","action":"identify","event":"Page Viewed"}"#, .track, false),
  ])
  func actionIsTheCallTypeWhenTypeIsAbsent(
    _ line: String, _ kind: ScannedLine.Kind, _ enabled: Bool
  ) {
    let (scanned, _) = scanLine(line)
    #expect(scanned.kind == kind)
    #expect(scanned.isEnabled == enabled)
  }

  @Test func theKobeBryantPayloadCarriesItsTraits() {
    let (scanned, bytes) = scanLine(
      #"{"action":"identify","userId":"12345","traits":{"name":"Kobe Bryant","#
        + #""email":"kobe@lakers.com","phone":"763-555-2342"}}"#)
    #expect(scannedText(scanned.traits[.email], bytes) == "kobe@lakers.com")
    #expect(scannedText(scanned.traits[.name], bytes) == "Kobe Bryant")
    #expect(scannedText(scanned.traits[.phone], bytes) == "763-555-2342")
  }

  @Test(arguments: [
    "first_name", "First_Name", "firstname", "FirstName", "first-name", "FIRST NAME", "firstName",
  ])
  func traitKeysMatchIgnoringCaseAndSeparators(_ key: String) {
    let (scanned, bytes) = scanLine(#"{"type":"identify","traits":{""# + key + #"":"Ada"}}"#)
    #expect(scannedText(scanned.traits[.firstName], bytes) == "Ada")
  }

  @Test(arguments: ["firstnames", "first_name_x", "f", "nickname", "username", "emails"])
  func otherKeysAreNotTraits(_ key: String) {
    let (scanned, _) = scanLine(
      #"{"type":"identify","traits":{""# + key + #"":"Ada","emailAddress":"x@y.io"}}"#)
    #expect(scanned.traits[.firstName] == .absent)
    #expect(scanned.traits[.email] == .absent)
  }

  @Test func theDocumentedSpellingWinsOverVariantsAndAliases() {
    let (scanned, bytes) = scanLine(
      #"{"type":"identify","traits":{"FirstName":"Variant","first_name":"Snake","#
        + #""mobile":"+1 555 000 0001","phone_number":"+1 555 000 0002","Phone":"+1 555 000 0003","#
        + #""Title":"CTO","JobTitle":"Founder","full_name":"Alias","Name":"Ada King"}}"#)
    #expect(scannedText(scanned.traits[.firstName], bytes) == "Snake")
    #expect(scannedText(scanned.traits[.phone], bytes) == "+1 555 000 0003")
    #expect(scannedText(scanned.traits[.jobTitle], bytes) == "Founder")
    #expect(scannedText(scanned.traits[.name], bytes) == "Ada King")
    let (aliases, aliasBytes) = scanLine(
      #"{"type":"identify","traits":{"mobile":"+1 555 000 0001","phoneNumber":"+1 555 000 0002"}}"#
    )
    #expect(scannedText(aliases.traits[.phone], aliasBytes) == "+1 555 000 0002")
  }

  @Test func anEligibleTracksPropertiesCarryThePerson() {
    let line =
      #"{"type":"track","event":"Signed Up","userId":"u","properties":{"first_name":"Peter","#
      + #""last_name":"Gibbons","email":"pgibbons@example.com","phone":"410-555-9412","#
      + #""title":"Mr"},"context":{"traits":{"email":"ctx@example.com","name":"Ctx"}}}"#
    let (scanned, bytes) = scanLine(line)
    #expect(scannedText(scanned.traits[.email], bytes) == "pgibbons@example.com")
    #expect(scannedText(scanned.traits[.firstName], bytes) == "Peter")
    #expect(scannedText(scanned.traits[.name], bytes) == "Ctx")
    // Not for a track that does not trigger (a product's `name` is not the person's).
    let (viewed, _) = scanLine(
      #"{"type":"track","event":"Product Viewed","properties":{"name":"Backpack","email":"x@y.io"}}"#
    )
    #expect(viewed.traits[.name] == .absent)
    #expect(viewed.traits[.email] == .absent)
  }

  @Test func aTopLevelEmailIsUsedWhenNoTraitGivesOne() {
    let (alone, bytes) = scanLine(#"{"type":"identify","email":"top@example.com"}"#)
    #expect(scannedText(alone.traits[.email], bytes) == "top@example.com")
    #expect(alone.emailFromEvent)
    let (both, bothBytes) = scanLine(
      #"{"type":"identify","email":"top@example.com","traits":{"email":"trait@example.com"}}"#)
    #expect(scannedText(both.traits[.email], bothBytes) == "trait@example.com")
    #expect(!both.emailFromEvent)
  }

  @Test func theAddressCountryIsRead() {
    let (scanned, bytes) = scanLine(
      #"{"type":"identify","traits":{"phone":"8005550100","address":{"city":"Ottawa","#
        + #""country":"Canada","country_code":"US"}}}"#)
    #expect(scannedText(scanned.traits[.country], bytes) == "US")
    let (named, namedBytes) = scanLine(
      #"{"type":"identify","traits":{"Address":{"country":"Germany"}}}"#)
    #expect(scannedText(named.traits[.country], namedBytes) == "Germany")
  }

  /// Issue 7.14: `identify` in --events is the identify call; a track named "Identified" is not.
  @Test func identifyNamesTheCallAndAnIdentifiedTrackNeverTriggers() {
    #expect(scanLine(#"{"type":"identify"}"#, events: ["identify"]).0.isEnabled)
    #expect(!scanLine(#"{"type":"track","event":"Identified"}"#).0.isEnabled)
    #expect(!scanLine(#"{"type":"track","event":"identify"}"#, events: ["identify"]).0.isEnabled)
  }

  @Test func entriesThatCanNeverMatchAreNamed() {
    let warnings = EventNameSet.unmatchableEntries(["Signed Up", "---", "page", "identify"])
    #expect(warnings.count == 2)
    #expect(warnings[0].contains("'---'"))
    #expect(warnings[1].contains("'page'"))
  }
}

@Suite struct CanonicalNumberTests {
  private func canonical(_ literal: String) -> String {
    let bytes = Array(literal.utf8)
    let result = bytes.withUnsafeBufferPointer { CanonicalNumber.canonical($0.span) } ?? bytes
    return String(decoding: result, as: UTF8.self)
  }

  @Test(arguments: [
    ("42", "42"), ("42.0", "42"), ("4.2e1", "42"), ("420e-1", "42"), ("42.000", "42"),
    ("-0", "0"), ("0.0", "0"), ("-42.50", "-42.5"), ("1e3", "1000"), ("0.001", "0.001"),
    ("12345678901234567890.0", "12345678901234567890"), ("1.5E-2", "0.015"),
  ])
  func numbersHaveOneForm(_ literal: String, _ expected: String) {
    #expect(canonical(literal) == expected)
  }
}

@Suite struct DialingRegionNameTests {
  @Test(
    arguments: [
      ("US", "US"), ("us", "US"), ("United States", "US"), ("germany", "DE"),
      ("United Kingdom", "GB"), ("CN", nil), ("Narnia", nil),
    ] as [(String, String?)])
  func anAddressCountryNamesARegion(_ country: String, _ expected: String?) {
    #expect(DialingRegion.forCountry(country)?.isoCode == expected)
  }

  @Test func ukSuggestsGB() {
    #expect(DialingRegion.suggestion(for: "uk") == "GB")
    #expect(DialingRegion.suggestion(for: "FR") == nil)
  }
}
