import Foundation
import Testing

/// Issues 14 and 7 (items 6, 10-14, 17) end to end, on the built binary. The payload shapes are
/// in fixtures/payloads/real-world.ndjson (also run as the `real-world` goldens).
@Suite struct PayloadMappingTests {
  private static let payloads = "fixtures/payloads/real-world.ndjson"

  private func bodies(_ result: BinaryRunner.Result) -> [String] {
    result.stdoutText.split(separator: "\n").map(String.init)
  }

  @Test func realWorldPayloadsMakeTheBodiesTheyCarry() async throws {
    let result = try await BinaryRunner.run(["--verbose", Self.payloads])
    #expect(result.status == 0)
    let output = bodies(result)
    // action: identify, with its phone; the userId email; the B2B spec's Signed Up.
    #expect(output[0].contains(#""email_address":"kobe@lakers.com""#))
    #expect(output[0].contains(#""original_phone_number":"+17635552342""#))
    #expect(output[2].contains(#""email_address":"peter.gibbons@initech.com""#))
    #expect(output[2].contains(#""job_title":[{"value":"TPS Report Reviewer"}]"#))
    #expect(output[4].contains(#""email_address":"pgibbons@example.com""#))
    #expect(!output[4].contains("job_title"))
    // The Shopify number takes its country from address.country_code without any flag.
    #expect(result.stdoutText.contains(#""original_phone_number":"+18005550100""#))
    // One name: a contradicting newer name wins whole; newer parts win back.
    #expect(
      output[9].contains(
        #""first_name":"Peter","last_name":"Gibbons","full_name":"Dr. Peter Gibbons Jr.""#))
    #expect(
      output[10].contains(#""first_name":"Jonathan","last_name":"Doe","full_name":"Jonathan Doe""#))
    // 42 and 42.0 are one user.
    #expect(output.suffix(2).allSatisfy { $0.contains("number@example.com") })
    #expect(result.stderrText.contains(#""reason":"email_from","email_from":"userId""#))
    #expect(result.stderrText.contains(#""reason":"not_a_job_title","value":"Mr""#))
    #expect(
      result.stderrText.contains(
        #""reason":"email_changed","old":"old@example.com","new":"new@example.com""#))
    #expect(result.stderrText.contains(#""invalid_email":3"#))
    #expect(result.stdoutText.contains("élodie@exemple.fr"))
  }

  @Test func noUserIdEmailTurnsTheGuessOff() async throws {
    let line = #"{"type":"identify","userId":"ada@example.com","traits":{"name":"Ada"}}"#
    let guessed = try await BinaryRunner.run([], stdin: Data(line.utf8))
    #expect(guessed.stdoutText.contains("ada@example.com"))
    let off = try await BinaryRunner.run(
      ["--no-userid-email", "--verbose"], stdin: Data(line.utf8))
    #expect(off.stdoutText.isEmpty)
    #expect(off.stderrText.contains(#""reason":"no_email""#))
  }

  @Test func eventsEntriesThatNeverMatchAreWarnedAboutAtStart() async throws {
    let result = try await BinaryRunner.run(
      ["--events", "identify,,--,screen"],
      stdin: Data(#"{"type":"identify","traits":{"email":"a@b.io"}}"#.utf8))
    #expect(result.status == 0)
    #expect(result.stdoutText.contains("a@b.io"))
    #expect(result.stderrText.contains("'--' has no letter or digit"))
    #expect(result.stderrText.contains("'screen' names a call type"))
  }

  @Test func ukSuggestsGB() async throws {
    let result = try await BinaryRunner.run(["--default-country", "UK"], stdin: Data())
    #expect(result.status == 2)
    #expect(result.stderrText.contains("did you mean GB?"))
  }

  @Test func invalidPhoneNamesTheRawValue() async throws {
    let line =
      #"{"type":"identify","userId":"u","traits":{"email":"a@b.io","phone":"030 1234567"}}"#
    let result = try await BinaryRunner.run(
      ["--verbose", "--default-country", "US"], stdin: Data(line.utf8))
    #expect(!result.stdoutText.contains("phone_numbers"))
    #expect(result.stderrText.contains(#""reason":"invalid_phone","value":"030 1234567"}"#))
  }

  @Test func profilesDroppedWhenTheStateIsLoadedAreEvictions() async throws {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("state-\(UUID()).bin").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    var events = ""
    for visitor in 0..<5 {
      events += Events.identify("v\(visitor)", email: "p\(visitor)@example.com")
    }
    let first = try await BinaryRunner.run(["--state", path, "--quiet"], stdin: Data(events.utf8))
    #expect(first.status == 0)
    let lowered = try await BinaryRunner.run(
      ["--state", path, "--max-identities", "2", "--verbose"], stdin: Data())
    #expect(lowered.status == 0)
    #expect(lowered.stderrText.contains(#""evictions":3"#))
  }
}
