import Foundation
import Testing

@testable import AttioPipeCore

@Suite struct CommandLineTests {
  @Test func helpListsEveryOptionAndTheExitStatuses() throws {
    let result = try BinaryRunner.run(["--help"])
    #expect(result.status == 0)
    for option in [
      "--events", "--default-country", "--attribute", "--strict", "--max-line-bytes", "--quiet",
      "--verbose", "--help", "--version", "EXIT STATUS", "EXAMPLES",
    ] {
      #expect(result.stdoutText.contains(option), "help lacks \(option)")
    }
  }

  @Test func readmeDocumentsEveryOptionOfTheHelp() throws {
    let readme = try String(
      contentsOf: BinaryRunner.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
    let help = try BinaryRunner.run(["--help"]).stdoutText
    let options = help.split(whereSeparator: \.isWhitespace).filter { $0.hasPrefix("--") }
      .map { String($0.prefix { $0.isLetter || $0 == "-" }) }
    #expect(options.count > 8)
    for option in Set(options) {
      #expect(readme.contains("`\(option)"), "README.md does not document \(option)")
    }
  }

  @Test func versionPrintsTheVersion() throws {
    let result = try BinaryRunner.run(["--version"])
    #expect(result.stdoutText == "attio-pipe \(Invocation.version)\n")
  }

  @Test(arguments: [
    ["--events"], ["--max-line-bytes", "0"], ["--max-line-bytes=x"], ["--attribute", "job_title"],
    ["--attribute", "nickname=nick"], ["--quiet", "--verbose"], ["--strict=yes"],
    ["--max-line-bytes", "2000000000"], ["fixtures"], ["fixtures/seed-lead.ndjson", "nope.ndjson"],
    ["build", "--rate", "5"], ["send", "--events", "Signed Up"], ["check", "fixtures/demo.ndjson"],
    ["deliver", "--rate", "0"], ["deliver", "--timeout", "0"], ["deliver", "--grace", "soon"],
    ["deliver", "--concurrency", "-1"],
  ])
  func usageErrorsExitWithStatusTwoBeforeReadingInput(_ arguments: [String]) throws {
    let seed = #"{"type":"identify","traits":{"email":"a@b.co"}}"# + "\n"
    // Delivery modes get a token and an endpoint nothing listens on: only the option under
    // test can make them exit 2, and nothing could reach the real Attio.
    var environment = ProcessInfo.processInfo.environment
    environment["ATTIO_API_KEY"] = "test-token"
    environment["ATTIO_BASE_URL"] = "http://127.0.0.1:9"
    let result = try BinaryRunner.run(arguments, stdin: Data(seed.utf8), environment: environment)
    #expect(result.status == 2)
    #expect(result.stdoutText.isEmpty)
    // Under --verbose every stderr line is a JSON object, usage errors included.
    let prefix = arguments.contains("--verbose") ? #"{"kind":"error","message":"# : "attio-pipe: "
    #expect(result.stderrText.hasPrefix(prefix))
  }

  /// The control for the test above: with valid options the same environment gets past the
  /// command line (and fails to connect: exit 1, not 2).
  @Test func validDeliveryOptionsGetPastTheCommandLine() throws {
    var environment = ProcessInfo.processInfo.environment
    environment["ATTIO_API_KEY"] = "test-token"
    environment["ATTIO_BASE_URL"] = "http://127.0.0.1:9"
    let seed = #"{"type":"identify","traits":{"email":"a@b.co"}}"# + "\n"
    let result = try BinaryRunner.run(
      ["deliver", "--rate", "5", "--max-attempts", "1", "--timeout", "2s"], stdin: Data(seed.utf8),
      environment: environment)
    #expect(result.status == 1)
    #expect(result.stdoutText.contains(#""status":"failed""#))
  }

  @Test func explicitBuildModeAndDashForStdin() throws {
    let seed = try Data(
      contentsOf: BinaryRunner.fixtures.appendingPathComponent("seed-signup.ndjson"))
    let implicit = try BinaryRunner.run([], stdin: seed)
    let explicit = try BinaryRunner.run(["build", "-"], stdin: seed)
    #expect(implicit.stdoutText == explicit.stdoutText)
    #expect(implicit.stdout.split(separator: UInt8(ascii: "\n")).count == 2)
  }

  @Test func doubleDashEndsOptions() throws {
    let result = try BinaryRunner.run(["--", "--not-an-option"])
    #expect(result.status == 2)
    #expect(result.stderrText.contains("cannot open --not-an-option"))
  }
}
