import Foundation
import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// The byte paths of the mapping (fast paths for the common cases) must answer exactly as the
/// String paths they shortcut.
@Suite struct ByteMappingTests {
  private static let names: [String?] = [
    nil, "Ada", "Lovelace", "Ada Lovelace", "  Ada   Lovelace ", "Dr. Ada Lovelace Jr.",
    "Mr Peter Gibbons III", "Lovelace, Ada", "Ada Lovelace, PhD", "Mr.", "Mr. Jr.", "Cher",
    "José García", "Zoë O'Brien", "Łukasz Nowak", "Nguyễn Văn A", "Ümit Yılmaz",
    "Jean-Luc\u{00A0}Picard", "Ada\u{2003}Lovelace", "e\u{301}lodie durand", "Ada \u{301}Lovelace",
    "a b c d e f g h i j", "Ms Mary Jane van der Berg", "ADA LOVELACE", "ada", "Dr",
  ]

  private func resolveBoth(
    _ first: String?, _ last: String?, _ full: String?, sequences: (UInt64, UInt64, UInt64)
  ) -> (PersonValues.Name?, PersonValues.Name?) {
    let values: [Profile.Value] = [
      .init(text: first, sequence: first == nil ? 0 : sequences.0),
      .init(text: last, sequence: last == nil ? 0 : sequences.1),
      .init(text: full, sequence: full == nil ? 0 : sequences.2),
    ]
    let profile = Profile(values: [
      (.firstName, values[0]), (.lastName, values[1]), (.name, values[2]),
    ])
    let bytes = profile.withView {
      PersonName.resolve(
        first: $0.value(.firstName), last: $0.value(.lastName), full: $0.value(.name))
    }
    return (bytes, PersonName.resolve(first: values[0], last: values[1], full: values[2]))
  }

  @Test func namesResolveAsOnTheStringPath() {
    let parts: [String?] = [nil, "Ada", "Lovelace", "Augusta Ada", "José", "Mary Jane", "ada"]
    for full in Self.names {
      for first in parts {
        for last in parts {
          for sequences in [(UInt64(1), UInt64(1), UInt64(1)), (1, 2, 3), (3, 2, 1)] {
            let (bytes, strings) = resolveBoth(first, last, full, sequences: sequences)
            #expect(
              bytes == strings,
              "\(String(describing: first)) \(String(describing: last)) \(String(describing: full))"
            )
          }
        }
      }
    }
  }

  @Test(arguments: [
    "Ada@Example.COM", "  ada@example.com ", "ÉLODIE.DURAND12@GMAIL.COM", "Jürgen.Müller@GMX.DE",
    "e\u{301}lodie@example.com", "\u{00A0}ada@example.com", "ada@example.com\u{2003}",
    "İSTANBUL@EXAMPLE.COM", "n/a", "foo@bar..com", "ZOË@例え.jp", "a\u{200B}b@example.com",
  ])
  func emailsNormaliseAsTheFullUnicodeRule(_ raw: String) {
    // The reference: trimmed, NFC (always through Foundation), lower-cased.
    let reference = raw.trimmingWhitespace().precomposedStringWithCanonicalMapping.lowercased()
    if let normalized = EmailAddress.normalize(raw) { #expect(normalized == reference) }
  }

  /// Every character of U+00C0...U+00FF (the byte path's range), upper and lower case, in the
  /// local part, in a domain label, alone and beside dots, hyphens and `@`: the byte path
  /// answers exactly as the Unicode path.
  @Test func latin1AddressesNormaliseAsOnTheUnicodePath() {
    for value in 0xC0...0xFF {
      let letter = String(Character(Unicode.Scalar(UInt8(value))))
      for raw in [
        "\(letter)@example.com", "jo\(letter)l.durand@example.com", "a@\(letter).de",
        "a@ex\(letter)mple.co", "\(letter)\(letter)@\(letter)\(letter).fr", ".\(letter)@a.de",
        "\(letter).@a.de", "a@-\(letter).de", "a@\(letter)-.de", " \(letter)@A.DE ",
        "\(letter)@a", "\(String(repeating: letter, count: 32))@a.de",
        "\(String(repeating: letter, count: 33))@a.de",
      ] {
        #expect(EmailAddress.normalize(raw) == EmailAddress.normalizeUnicode(raw), "\(raw)")
      }
    }
  }
}
