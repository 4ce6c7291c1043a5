import Foundation
import TestSupport
import Testing

/// The binary keeps going on input built to hurt it: every valid event still yields its body,
/// every bad line is reported, and the exit status says some lines were invalid.
@Suite struct HostileInputTests {
  private let identify =
    #"{"type":"identify","anonymousId":"h","traits":{"email":"h@example.com"}}"#
  private let signUp = #"{"type":"track","anonymousId":"h","event":"Signed Up"}"#
  private let body = #"{"data":{"values":{"email_addresses":[{"email_address":"h@example.com"}]}}}"#

  private func run(between hostile: [Data], arguments: [String] = []) async throws
    -> BinaryRunner.Result
  {
    var input = Data((identify + "\n").utf8)
    for line in hostile {
      input.append(line)
      input.append(Data(("\n" + signUp + "\n").utf8))
    }
    return try await BinaryRunner.run(arguments, stdin: input)
  }

  @Test func tenMegabyteLinesAreSkippedWithoutStoppingTheStream() async throws {
    let huge =
      Data(#"{"type":"track","event":"Signed Up","properties":{"blob":""#.utf8)
      + Data(repeating: UInt8(ascii: "a"), count: 10 << 20) + Data(#""}}"#.utf8)
    let result = try await run(between: [huge, huge])
    #expect(result.stdoutText == String(repeating: body + "\n", count: 3))
    #expect(result.stderrText.contains("line 2: line_too_long"))
    #expect(result.stderrText.contains("line 4: line_too_long"))
    #expect(result.status == 3)
  }

  @Test func aLongerLimitAcceptsTheSameLine() async throws {
    let long =
      Data(#"{"type":"track","anonymousId":"h","event":"Signed Up","p":""#.utf8)
      + Data(repeating: UInt8(ascii: "a"), count: 2 << 20) + Data(#""}"#.utf8)
    let result = try await run(between: [long], arguments: ["--max-line-bytes", "4194304"])
    #expect(result.stdoutText == String(repeating: body + "\n", count: 3))
    #expect(result.status == 0)
  }

  @Test func hundredThousandDeepNestingIsRejectedNotACrash() async throws {
    let deep =
      Data(#"{"a":"#.utf8) + Data(repeating: UInt8(ascii: "["), count: 100_000)
      + Data(repeating: UInt8(ascii: "]"), count: 100_000) + Data("}".utf8)
    let deepObjects = Data(String(repeating: #"{"a":"#, count: 100_000).utf8)
    let result = try await run(between: [deep, deepObjects])
    #expect(result.stdoutText == String(repeating: body + "\n", count: 3))
    #expect(result.stderrText.contains("line 2: too_deep"))
    #expect(result.stderrText.contains("line 4: too_deep"))
    #expect(result.status == 3)
  }

  @Test func brokenBytesAreReportedAndSkipped() async throws {
    let hostile: [Data] = [
      Data(signUp.utf8.dropLast(7)),  // truncated
      Data([0x00, 0x00, 0x7B, 0x00]),  // NUL bytes
      Data([0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D]),  // invalid UTF-8
      Data(#"{"type":"identify","anonymousId":"h","traits":5}"#.utf8),  // wrong type: valid
      Data(#"{"type":"track","anonymousId":["h"],"event":{"x":1}}"#.utf8),  // wrong types: valid
      Data([0xEF, 0xBB, 0xBF] + Array("{}".utf8)),  // a BOM inside the stream is not skipped
    ]
    let result = try await run(between: hostile)
    // The two wrong-type lines are valid events: the identify yields a body of its own.
    #expect(result.stdoutText == String(repeating: body + "\n", count: 8))
    for (line, reason) in [
      (2, "invalid_json"), (4, "invalid_json"), (6, "invalid_utf8"), (12, "invalid_json"),
    ] {
      #expect(result.stderrText.contains("line \(line): \(reason)"))
    }
    #expect(result.stderrText.contains("invalid: 4"))
    #expect(result.status == 3)
  }
}
