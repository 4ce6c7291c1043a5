import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore

/// The scanning thread's checks of an event's own email and phone (`MappingPrecheck`): which
/// values they answer for, and that the mapping makes the same values with their answers as
/// without, whatever the profile holds.
@Suite struct MappingPrecheckTests {
  /// An identify with `email` and `phone` as written in the JSON (quotes included).
  private func scanned(email: String, phone: String) -> (ScannedLine, [UInt8]) {
    let (scanned, bytes) = scanLine(
      #"{"type":"identify","anonymousId":"v1","traits":{"email":\#(email),"phone":\#(phone),"first_name":"Ada"}}"#
    )
    var checked = scanned
    var scratch: [UInt8] = []
    bytes.withUnsafeBufferPointer { MappingPrecheck.run(&checked, line: $0, scratch: &scratch) }
    return (checked, bytes)
  }

  /// The values and warnings of a profile holding `traits`, mapped with `hints` or without.
  private func mapped(
    _ traits: [ProfileTrait: String], hints: MappingHints?, mapper: PersonMapper = PersonMapper()
  ) -> (PersonValues, PersonMapper.Result) {
    var changes = TraitChanges()
    for (trait, value) in traits { changes[trait] = .set(value) }
    var values = PersonValues()
    let result = Profile(changes: changes).withView {
      mapper.map($0, leadSource: nil, into: &values, hints: hints)
    }
    return (values, result)
  }

  @Test(arguments: [
    // (email as written, phone as written, email hinted, phone hinted)
    (#""Ada@Example.COM""#, #""+1 415 555 0100""#, true, true),
    (#""élodie@exemple.fr""#, #""+44 (0)20 7946 0958""#, true, true),
    // The mapping trims: a value with spaces around it is not the profile's value (the
    // phone's answer is worked out, and then not taken: the bytes differ).
    (#"" ada@example.com""#, #""+1 415 555 0100 ""#, false, true),
    // Escapes: the line's bytes are not the value.
    (#""\u0041da@example.com""#, #""\u002b1 415 555 0100""#, false, false),
    // Invalid ones take the mapping's own path (which says why).
    (#""ada@example""#, #""+1 015 555 0100""#, false, false),
    // Without "+", the person's country decides: not answered ahead.
    (#""ada@example.com""#, #""(415) 555-0100""#, true, false),
    (#""ada@example.com""#, "14155550100", true, false),
    // Outside the byte path (NFC and lower case of other scripts): the Unicode path.
    (#""ÅSA@DØMÄIN.se""#, #""+46 8 123 456 78""#, true, true),
    (#""Σοφία@example.gr""#, #""+30 21 0123 4567""#, false, true),
  ])
  func answersOnlyForWhatTheMappingWouldTake(
    email: String, phone: String, emailHinted: Bool, phoneHinted: Bool
  ) {
    let (line, _) = scanned(email: email, phone: phone)
    #expect(line.prechecked.emailIsValid == emailHinted)
    #expect((line.prechecked.phoneLength > 0) == phoneHinted)
  }

  @Test(arguments: [
    (#""Ada@Example.COM""#, #""+1 415 555 0100""#, "Ada@Example.COM", "+1 415 555 0100"),
    (
      #""élodie@exemple.fr""#, #""+44 (0)20 7946 0958""#, "élodie@exemple.fr", "+44 (0)20 7946 0958"
    ),
    (#""ÅSA@DØMÄIN.se""#, #""+46 8 123 456 78""#, "ÅSA@DØMÄIN.se", "+46 8 123 456 78"),
    (#"" ada@example.com""#, #""+1 415 555 0100 ""#, "ada@example.com", "+1 415 555 0100"),
  ])
  func theMappingIsTheSameWithTheAnswersAsWithout(
    email: String, phone: String, emailValue: String, phoneValue: String
  ) {
    let (line, bytes) = scanned(email: email, phone: phone)
    bytes.withUnsafeBufferPointer { bytes in
      let hints = MappingHints(line, line: bytes)
      // The profile holds the event's values; or older ones; or a country (which a number
      // written with "+" ignores).
      let profiles: [[ProfileTrait: String]] = [
        [.email: emailValue, .phone: phoneValue, .firstName: "Ada"],
        [.email: "other@example.com", .phone: "+1 212 555 0199"],
        [.email: emailValue, .phone: phoneValue, .country: "Germany"],
        [.email: emailValue + "x", .phone: phoneValue + "9"],
      ]
      for profile in profiles {
        let withHints = mapped(profile, hints: hints)
        let without = mapped(profile, hints: nil)
        #expect(withHints.0 == without.0, "\(profile)")
        #expect(withHints.1 == without.1, "\(profile)")
      }
      // And with a default country, which a number written with "+" ignores too.
      let german = PersonMapper(defaultRegion: DialingRegion.named("DE"))
      let profile: [ProfileTrait: String] = [.email: emailValue, .phone: phoneValue]
      #expect(
        mapped(profile, hints: hints, mapper: german).0
          == mapped(profile, hints: nil, mapper: german).0)
    }
  }

  /// The answers are used: a hint for the profile's exact bytes is what the values get (a
  /// planted wrong answer shows through), and a hint for other bytes is ignored.
  @Test func aHintIsTakenOnlyForItsOwnBytes() {
    var (line, bytes) = scanned(email: #""ada@example.com""#, phone: #""+1 415 555 0100""#)
    // Plant a different E.164 form: if the mapping takes the answer, it shows.
    let planted = Array("+19999999999".utf8) + [UInt8](repeating: 0, count: 4)
    planted.withUnsafeBytes { line.prechecked.phone = $0.loadUnaligned(as: (UInt64, UInt64).self) }
    line.prechecked.phoneLength = 12
    bytes.withUnsafeBufferPointer { bytes in
      let hints = MappingHints(line, line: bytes)
      let taken = mapped([.email: "ada@example.com", .phone: "+1 415 555 0100"], hints: hints)
      #expect(taken.0.phone == "+19999999999")
      #expect(taken.0.email == "ada@example.com")
      let ignored = mapped([.email: "ada@example.com", .phone: "+1 415 555 0101"], hints: hints)
      #expect(ignored.0.phone == "+14155550101")
    }
  }

  /// The same for the email: a planted "valid" for an address the rule refuses is taken for
  /// those bytes (the mapping does not check again) and for no others.
  @Test func anEmailHintIsTakenOnlyForItsOwnBytes() {
    var (line, bytes) = scanned(email: #""Ada@Example""#, phone: #""+1 415 555 0100""#)
    #expect(!line.prechecked.emailIsValid)
    line.prechecked.emailIsValid = true
    bytes.withUnsafeBufferPointer { bytes in
      let hints = MappingHints(line, line: bytes)
      let taken = mapped([.email: "Ada@Example"], hints: hints)
      #expect(taken.1 == .person(warnings: []))
      #expect(taken.0.email == "ada@example")
      #expect(mapped([.email: "Ada@Exampl"], hints: hints).1 == .skipped(.invalidEmail))
    }
  }
}
