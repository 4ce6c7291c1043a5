import Testing

@testable import AttioPipeCore

/// Issue 14: what Segment's and RudderStack's documented payloads carry, resolved by stage one.
@Suite struct RealWorldPayloadTests {
  private func scan(
    _ line: String, events: [String] = EventNameSet.defaultNames
  ) -> (ScannedLine, [UInt8]) {
    var scanner = EventScanner(enabledEvents: EventNameSet(events))
    let bytes = Array(line.utf8)
    return (bytes.withUnsafeBufferPointer { scanner.scan($0) }, bytes)
  }

  private func text(_ value: ScannedValue, _ bytes: [UInt8]) -> String? {
    bytes.withUnsafeBufferPointer { EventProcessor.text(of: value, in: $0) }
  }

  @Test(arguments: [
    (#"{"action":"identify","userId":"12345"}"#, ScannedLine.Kind.identify, true),
    (#"{"action":"Track","event":"Signed Up"}"#, .track, true),
    (#"{"action":"group","traits":{"name":"Acme"}}"#, .other, false),
    // `type` wins over `action`.
    (#"{"type":"track","action":"identify","event":"Page Viewed"}"#, .track, false),
  ])
  func actionIsTheCallTypeWhenTypeIsAbsent(
    _ line: String, _ kind: ScannedLine.Kind, _ enabled: Bool
  ) {
    let (scanned, _) = scan(line)
    #expect(scanned.kind == kind)
    #expect(scanned.isEnabled == enabled)
  }

  @Test func theKobeBryantPayloadCarriesItsTraits() {
    let (scanned, bytes) = scan(
      #"{"action":"identify","userId":"12345","traits":{"name":"Kobe Bryant","#
        + #""email":"kobe@lakers.com","phone":"763-555-2342"}}"#)
    #expect(text(scanned.traits[.email], bytes) == "kobe@lakers.com")
    #expect(text(scanned.traits[.name], bytes) == "Kobe Bryant")
    #expect(text(scanned.traits[.phone], bytes) == "763-555-2342")
  }

  @Test(arguments: [
    "first_name", "First_Name", "firstname", "FirstName", "first-name", "FIRST NAME", "firstName",
  ])
  func traitKeysMatchIgnoringCaseAndSeparators(_ key: String) {
    let (scanned, bytes) = scan(#"{"type":"identify","traits":{""# + key + #"":"Ada"}}"#)
    #expect(text(scanned.traits[.firstName], bytes) == "Ada")
  }

  @Test(arguments: ["firstnames", "first_name_x", "f", "nickname", "username", "emails"])
  func otherKeysAreNotTraits(_ key: String) {
    let (scanned, _) = scan(
      #"{"type":"identify","traits":{""# + key + #"":"Ada","emailAddress":"x@y.io"}}"#)
    #expect(scanned.traits[.firstName] == .absent)
    #expect(scanned.traits[.email] == .absent)
  }

  @Test func theDocumentedSpellingWinsOverVariantsAndAliases() {
    let (scanned, bytes) = scan(
      #"{"type":"identify","traits":{"FirstName":"Variant","first_name":"Snake","#
        + #""mobile":"+1 555 000 0001","phone_number":"+1 555 000 0002","Phone":"+1 555 000 0003","#
        + #""Title":"CTO","JobTitle":"Founder","full_name":"Alias","Name":"Ada King"}}"#)
    #expect(text(scanned.traits[.firstName], bytes) == "Snake")
    #expect(text(scanned.traits[.phone], bytes) == "+1 555 000 0003")
    #expect(text(scanned.traits[.jobTitle], bytes) == "Founder")
    #expect(text(scanned.traits[.name], bytes) == "Ada King")
    let (aliases, aliasBytes) = scan(
      #"{"type":"identify","traits":{"mobile":"+1 555 000 0001","phoneNumber":"+1 555 000 0002"}}"#
    )
    #expect(text(aliases.traits[.phone], aliasBytes) == "+1 555 000 0002")
  }

  @Test func anEligibleTracksPropertiesCarryThePerson() {
    let line =
      #"{"type":"track","event":"Signed Up","userId":"u","properties":{"first_name":"Peter","#
      + #""last_name":"Gibbons","email":"pgibbons@example.com","phone":"410-555-9412","#
      + #""title":"Mr"},"context":{"traits":{"email":"ctx@example.com","name":"Ctx"}}}"#
    let (scanned, bytes) = scan(line)
    #expect(text(scanned.traits[.email], bytes) == "pgibbons@example.com")
    #expect(text(scanned.traits[.firstName], bytes) == "Peter")
    #expect(text(scanned.traits[.name], bytes) == "Ctx")
    // Not for a track that does not trigger (a product's `name` is not the person's).
    let (viewed, _) = scan(
      #"{"type":"track","event":"Product Viewed","properties":{"name":"Backpack","email":"x@y.io"}}"#
    )
    #expect(viewed.traits[.name] == .absent)
    #expect(viewed.traits[.email] == .absent)
  }

  @Test func aTopLevelEmailIsUsedWhenNoTraitGivesOne() {
    let (alone, bytes) = scan(#"{"type":"identify","email":"top@example.com"}"#)
    #expect(text(alone.traits[.email], bytes) == "top@example.com")
    #expect(alone.emailFromEvent)
    let (both, bothBytes) = scan(
      #"{"type":"identify","email":"top@example.com","traits":{"email":"trait@example.com"}}"#)
    #expect(text(both.traits[.email], bothBytes) == "trait@example.com")
    #expect(!both.emailFromEvent)
  }

  @Test func theAddressCountryIsRead() {
    let (scanned, bytes) = scan(
      #"{"type":"identify","traits":{"phone":"8005550100","address":{"city":"Ottawa","#
        + #""country":"Canada","country_code":"US"}}}"#)
    #expect(text(scanned.traits[.country], bytes) == "US")
    let (named, namedBytes) = scan(
      #"{"type":"identify","traits":{"Address":{"country":"Germany"}}}"#)
    #expect(text(named.traits[.country], namedBytes) == "Germany")
  }

  /// Issue 7.14: `identify` in --events is the identify call; a track named "Identified" is not.
  @Test func identifyNamesTheCallAndAnIdentifiedTrackNeverTriggers() {
    #expect(scan(#"{"type":"identify"}"#, events: ["identify"]).0.isEnabled)
    #expect(!scan(#"{"type":"track","event":"Identified"}"#).0.isEnabled)
    #expect(!scan(#"{"type":"track","event":"identify"}"#, events: ["identify"]).0.isEnabled)
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
    let result = bytes.withUnsafeBufferPointer { CanonicalNumber.canonical($0) } ?? bytes
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
