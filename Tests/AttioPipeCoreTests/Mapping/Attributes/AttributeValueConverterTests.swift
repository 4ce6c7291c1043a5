import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// The conversion of a mapped value by its attribute's type: every type, with values it
/// takes and values it refuses.
@Suite struct AttributeValueConverterTests {
  private let converter = AttributeValueConverter(
    phoneNormalizer: PhoneNumberNormalizer(defaultRegion: DialingRegion.named("GB")))

  private func attribute(
    _ type: String, multi: Bool = false, options: [String]? = nil
  ) -> AttributeSchema.Attribute {
    var attribute = AttributeSchema.Attribute(slug: "x", type: type)
    attribute.isMultiselect = multi
    attribute.options = options
    return attribute
  }

  /// The converted value's text, or the failure's reason prefixed with `!`.
  private func convert(_ raw: String, _ attribute: AttributeSchema.Attribute) -> String {
    switch converter.convert(Array(raw.utf8), to: attribute) {
    case .value(let bytes): String(decoding: bytes, as: UTF8.self)
    case .absent: "absent"
    case .failure(let reason, let partial):
      "!" + reason + (partial.map { " partial " + String(decoding: $0, as: UTF8.self) } ?? "")
    }
  }

  @Test(arguments: [
    ("\"Paid ads\"", "[{\"value\":\"Paid ads\"}]"),
    ("\"  spaced  \"", "[{\"value\":\"spaced\"}]"),
    ("\"say \\\"hi\\\"\"", "[{\"value\":\"say \\\"hi\\\"\"}]"),
    ("42", "[{\"value\":\"42\"}]"),
    ("true", "[{\"value\":\"true\"}]"),
    ("[\"one\"]", "[{\"value\":\"one\"}]"),
    ("null", "absent"),
    ("\"   \"", "absent"),
    ("{\"a\":1}", "!expected text, got an object"),
    ("[\"a\",\"b\"]", "!2 values for a single-value attribute"),
  ])
  func text(_ raw: String, _ expected: String) {
    #expect(convert(raw, attribute("text")) == expected)
  }

  @Test(arguments: [
    ("42", "[{\"value\":42}]"),
    ("-0.5", "[{\"value\":-0.5}]"),
    ("\"12\"", "[{\"value\":12}]"),
    ("\" 7.25 \"", "[{\"value\":7.25}]"),
    ("3.14159", "[{\"value\":3.1416}]"),
    ("1e3", "[{\"value\":1000}]"),
    ("\"007\"", "[{\"value\":7}]"),
    ("\"lots\"", "!\"lots\" is not a number"),
    ("\"1,000\"", "!\"1,000\" is not a number"),
    ("true", "!true is not a number"),
    ("\"NaN\"", "!\"NaN\" is not a number"),
  ])
  func number(_ raw: String, _ expected: String) {
    #expect(convert(raw, attribute("number")) == expected)
  }

  @Test(arguments: [
    ("true", "[true]"), ("false", "[false]"), ("\"yes\"", "[true]"), ("\"No\"", "[false]"),
    ("1", "[true]"), ("0", "[false]"), ("\"TRUE\"", "[true]"),
    ("\"maybe\"", "!\"maybe\" is not true or false"), ("2", "!2 is not true or false"),
  ])
  func checkbox(_ raw: String, _ expected: String) {
    #expect(convert(raw, attribute("checkbox")) == expected)
  }

  @Test func currency() {
    #expect(convert("99.5", attribute("currency")) == "[{\"currency_value\":99.5}]")
    #expect(convert("\"1200\"", attribute("currency")) == "[{\"currency_value\":1200}]")
    #expect(convert("\"$99\"", attribute("currency")) == "!\"$99\" is not a number")
  }

  @Test(arguments: [
    ("\"2026-12-01\"", "[\"2026-12-01\"]"),
    // Time and zone are trimmed, as Attio does: the calendar date as written.
    ("\"2026-12-01T23:30:00-05:00\"", "[\"2026-12-01\"]"),
    ("\"2024-02-29\"", "[\"2024-02-29\"]"),
    ("\"2026-02-29\"", "!\"2026-02-29\" is not an ISO 8601 date"),
    ("\"01/12/2026\"", "!\"01/12/2026\" is not an ISO 8601 date"),
    ("20261201", "!20261201 is not an ISO 8601 date"),
  ])
  func date(_ raw: String, _ expected: String) {
    #expect(convert(raw, attribute("date")) == expected)
  }

  @Test(arguments: [
    ("\"2026-12-01T09:30:00Z\"", "[\"2026-12-01T09:30:00Z\"]"),
    ("\"2026-12-01T09:30:00.123+02:00\"", "[\"2026-12-01T07:30:00.123Z\"]"),
    ("\"2026-12-31T23:30:00-05:00\"", "[\"2027-01-01T04:30:00Z\"]"),
    ("\"2026-03-01 00:15+0100\"", "[\"2026-02-28T23:15:00Z\"]"),
    ("\"2026-12-01T09:30:00\"", "!\"2026-12-01T09:30:00\" has no time zone"),
    ("\"2026-12-01\"", "!\"2026-12-01\" has no time"),
    ("\"yesterday\"", "!\"yesterday\" is not an ISO 8601 timestamp"),
    ("\"2026-12-01T25:00:00Z\"", "!\"2026-12-01T25:00:00Z\" is not an ISO 8601 timestamp"),
  ])
  func timestamp(_ raw: String, _ expected: String) {
    #expect(convert(raw, attribute("timestamp")) == expected)
  }

  @Test(arguments: [
    ("4", "[4]"), ("0", "[0]"), ("\"5\"", "[5]"), ("3.0", "[3]"),
    ("9", "!a rating is a whole number from 0 to 5, not 9"),
    ("4.5", "!a rating is a whole number from 0 to 5, not 4.5"),
    ("-1", "!a rating is a whole number from 0 to 5, not -1"),
  ])
  func rating(_ raw: String, _ expected: String) {
    #expect(convert(raw, attribute("rating")) == expected)
  }

  @Test func selectMatchesTheOptionTitleIgnoringCase() {
    let plan = attribute("select", options: ["Free", "Pro", "Enterprise"])
    #expect(convert("\"pro\"", plan) == "[{\"option\":\"Pro\"}]")
    #expect(convert("\" ENTERPRISE \"", plan) == "[{\"option\":\"Enterprise\"}]")
    #expect(convert("\"Gold\"", plan) == "!unknown option \"Gold\"")
    #expect(convert("\"Pro\"", attribute("select")) == "!the attribute's options are not known")
  }

  @Test func multiSelectFromAnArrayOrACommaSeparatedString() {
    let interests = attribute("select", multi: true, options: ["Analytics", "Security", "AI"])
    #expect(
      convert("[\"analytics\",\"Security\"]", interests)
        == "[{\"option\":\"Analytics\"},{\"option\":\"Security\"}]")
    #expect(
      convert("\"analytics, security,ai\"", interests)
        == "[{\"option\":\"Analytics\"},{\"option\":\"Security\"},{\"option\":\"AI\"}]")
    #expect(convert("\"AI, ai\"", interests) == "[{\"option\":\"AI\"}]")
    #expect(convert("[]", interests) == "absent")
    // The known options are still written; the unknown one is named.
    #expect(
      convert("[\"AI\",\"Crypto\"]", interests)
        == "!unknown option \"Crypto\" partial [{\"option\":\"AI\"}]")
  }

  @Test func status() {
    let stage = attribute("status", options: ["Lead", "Trial", "Customer"])
    #expect(convert("\"trial\"", stage) == "[{\"status\":\"Trial\"}]")
    #expect(convert("\"Won\"", stage) == "!unknown status \"Won\"")
  }

  @Test func emailAddress() {
    #expect(
      convert("\" Billing@Example.COM \"", attribute("email-address"))
        == "[{\"email_address\":\"billing@example.com\"}]")
    #expect(
      convert("\"billing@\"", attribute("email-address"))
        == "!\"billing@\" is not a valid email address")
  }

  @Test func phoneNumberIsNormalisedLikePhone() {
    #expect(
      convert("\"020 7946 0958\"", attribute("phone-number"))
        == "[{\"original_phone_number\":\"+442079460958\"}]")
    #expect(
      convert("\"+1 (555) 867-5309\"", attribute("phone-number"))
        == "[{\"original_phone_number\":\"+15558675309\"}]")
    #expect(
      convert("\"12\"", attribute("phone-number"))
        == "!\"12\" is not a phone number that can be normalised")
  }

  @Test(arguments: [
    ("\"https://www.Acme.com/pricing?x=1\"", "[{\"domain\":\"acme.com\"}]"),
    ("\"acme.co.uk\"", "[{\"domain\":\"acme.co.uk\"}]"),
    ("\"acme.com:8080\"", "[{\"domain\":\"acme.com\"}]"),
    ("\"localhost\"", "!\"localhost\" is not a domain"),
    // One rule with --companies (CompanyDomain): an address given as a website names its host.
    ("\"ada@acme.com\"", "[{\"domain\":\"acme.com\"}]"),
    ("\"127.0.0.1\"", "!\"127.0.0.1\" is not a domain"),
    ("\"acme_corp.com\"", "!\"acme_corp.com\" is not a domain"),
  ])
  func domain(_ raw: String, _ expected: String) {
    #expect(convert(raw, attribute("domain")) == expected)
  }

  @Test func recordReferenceToACompanyByDomain() {
    #expect(
      convert("\"https://acme.com\"", attribute("record-reference"))
        == "[{\"target_object\":\"companies\",\"domains\":[{\"domain\":\"acme.com\"}]}]")
    #expect(
      convert("[\"acme.com\",\"initech.com\"]", attribute("record-reference", multi: true))
        == "[{\"target_object\":\"companies\",\"domains\":[{\"domain\":\"acme.com\"}]},"
        + "{\"target_object\":\"companies\",\"domains\":[{\"domain\":\"initech.com\"}]}]")
    #expect(
      convert("42", attribute("record-reference")) == "!42 is not a company domain")
  }

  @Test func aMultiselectOfAnotherTypeTakesAList() {
    let emails = attribute("email-address", multi: true)
    #expect(
      convert("[\"a@example.com\",\"b@example.com\"]", emails)
        == "[{\"email_address\":\"a@example.com\"},{\"email_address\":\"b@example.com\"}]")
    #expect(convert("\"a@example.com\"", emails) == "[{\"email_address\":\"a@example.com\"}]")
  }
  /// The short path for plain strings and numbers answers exactly as the general one, or
  /// leaves the value to it; and it is taken for the common values.
  @Test func thePlainPathAgreesWithTheGeneralOne() {
    let raws = [
      "\"Pro\"", "\"pro\"", "\"  PRO  \"", "\"Pro \"", "\"Unknown\"", "\"\"", "\"   \"", "\"12\"",
      "\" 12 \"", "\"1.23456\"", "\"-0.5\"", "\"1e3\"", "\"12 seats\"", "12", "-3", "0.12345",
      "1e400", "1E-2", "\"Paid ads\"", "\"a/b c\"", "\"say \\\"hi\\\"\"", "\"Caf\u{e9}\"",
      "true", "null", "[\"Pro\"]", "{\"a\":1}", "\"\\u0050ro\"",
    ]
    let attributes = [
      attribute("text"), attribute("number"), attribute("currency"),
      attribute("select", options: ["Free", "Pro", "12"]), attribute("status", options: ["Pro"]),
      attribute("select", multi: true, options: ["Pro"]), attribute("select"),
      attribute("checkbox"), attribute("rating"),
    ]
    for attribute in attributes {
      for raw in raws {
        let bytes = Array(raw.utf8)
        guard let plain = converter.convertPlain(bytes, to: attribute) else { continue }
        #expect(
          plain == converter.convertInGeneral(bytes, to: attribute), "\(raw) as \(attribute.type)")
      }
    }
    for (raw, type) in [("\"Pro\"", "select"), ("\"Paid ads\"", "text"), ("12", "number")] {
      let taken = converter.convertPlain(
        Array(raw.utf8), to: attribute(type, options: ["Pro"]))
      #expect(taken != nil, "\(raw) as \(type)")
    }
  }
}

@Suite struct ISODateTimeTests {
  @Test func leapYearsAndOffsetsCrossDayBoundaries() {
    #expect(ISODateTime("2000-02-29") != nil)
    #expect(ISODateTime("1900-02-29") == nil)
    #expect(ISODateTime("2024-03-01T00:30:00+01:00")?.utcText == "2024-02-29T23:30:00Z")
    #expect(ISODateTime("1969-12-31T23:00:00-02:00")?.utcText == "1970-01-01T01:00:00Z")
    #expect(
      ISODateTime("2026-12-01T09:30:00.123456789123Z")?.utcText
        == "2026-12-01T09:30:00.123456789Z")
    #expect(ISODateTime("2026-12-01T09:30Zjunk") == nil)
  }
}
