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

  /// The byte search at the edges: the key first and last, a near miss before a hit (the
  /// search must not skip the hit that starts inside the miss), the key's first byte
  /// everywhere, and text shorter than the key.
  @Test func theSearchFindsTheKeyAtTheEdgesAndAfterNearMisses() {
    #expect(redacted("s3cr/et-Key") == "<redacted>")
    #expect(redacted("s3cr/et-Keys3cr/et-Key") == "<redacted><redacted>")
    #expect(redacted("ss3cr/et-Ke s3s3cr/et-Key") == "ss3cr/et-Ke s3<redacted>")
    #expect(redacted("sssssssssss") == "sssssssssss")
    #expect(redacted("s3cr") == "s3cr")
  }

  /// Of several escaped strings only the one that spells the key is written again; the
  /// others, and everything between, keep their bytes.
  @Test func onlyTheStringThatSpellsTheKeyIsRewritten() {
    #expect(
      redacted(#"{"a":"A","b":"s3cr\/et-Key","c":"\/x","d":[1,2]}"#)
        == #"{"a":"A","b":"<redacted>","c":"\/x","d":[1,2]}"#)
  }
}
