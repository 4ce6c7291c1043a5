import Foundation
import Testing

@testable import AttioPipeDelivery

/// The key is taken out of what the server answers, however the answer spells it.
@Suite struct TokenRedactorTests {
  private let redactor = TokenRedactor(secret: Array("s3cr/et-Key".utf8))

  private func redacted(_ text: String) -> String {
    String(decoding: redactor.redact(Array(text.utf8)), as: UTF8.self)
  }

  @Test func theKeyAndTheBearerFormAreReplacedWhereverTheyAppear() {
    #expect(
      redacted(#"{"message":"Authorization: Bearer s3cr/et-Key; Accept: */*"}"#)
        == #"{"message":"Authorization: Bearer <redacted>; Accept: */*"}"#)
    #expect(redacted("s3cr/et-Key and s3cr/et-Key") == "<redacted> and <redacted>")
    #expect(redacted("<html>token=s3cr/et-Key</html>") == "<html>token=<redacted></html>")
  }

  @Test func jsonEscapesThatSpellTheKeyAreDecodedAndTheStringWrittenAgain() {
    #expect(
      redacted(#"{"a":"Bearer s3cr\/et-Key","b":"x\ny"}"#)
        == #"{"a":"Bearer <redacted>","b":"x\ny"}"#)
    #expect(
      redacted(#"{"message":"\u0073\u0033cr\/et\u002DKey \"quoted\""}"#)
        == #"{"message":"<redacted> \"quoted\""}"#)
  }

  @Test func textWithoutTheKeyIsLeftByteForByte() {
    let texts = [
      #"{"data":{"id":{"record_id":"8c6a…"}},"note":"a \"quote\" and \/ and \u00e9"}"#,
      #"not json \q "unterminated"#, #"bad escape "\u12"#, "",
    ]
    for text in texts {
      #expect(redacted(text) == text)
    }
  }

  @Test func aMalformedStringDoesNotHideTheKeyInItsRawBytes() {
    #expect(redacted(#"{"m":"\x s3cr/et-Key"}"#) == #"{"m":"\x <redacted>"}"#)
  }
}
