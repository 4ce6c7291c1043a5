import Foundation
import TestSupport
import Testing

@testable import AttioPipeCommands

@Suite struct CommandLineTests {
  @Test func helpListsEveryOptionAndTheExitStatuses() async throws {
    let result = try await BinaryRunner.run(["--help"])
    #expect(result.status == 0)
    for option in [
      "--events", "--default-country", "--attribute", "--strict", "--max-line-bytes", "--quiet",
      "--verbose", "--help", "--version", "EXIT STATUS", "EXAMPLES",
    ] {
      #expect(result.stdoutText.contains(option), "help lacks \(option)")
    }
  }

  /// Every option `--help` prints has a row of its own in `Documentation/Options.md` (named
  /// exactly: `--map-company`'s row does not count for `--map`), and README.md's overview
  /// names only options `--help` knows.
  @Test func theOptionsReferenceDocumentsEveryOptionOfTheHelp() async throws {
    let reference = Set(try OptionReference.entries(in: OptionReference.reference).map(\.name))
    let overview = try OptionReference.entries(in: OptionReference.overview).map(\.name)
    let help = try await BinaryRunner.run(["--help"]).stdoutText
    let options = Set(
      help.split(whereSeparator: \.isWhitespace).filter { $0.hasPrefix("-") }
        .map { String($0.prefix { $0.isLetter || $0 == "-" }) }
        .filter { $0.count > 1 && $0 != "--" })
    #expect(options.count > 8)
    for option in options.filter({ $0.hasPrefix("--") }) {
      #expect(reference.contains(option), "Documentation/Options.md has no row for \(option)")
    }
    #expect(!overview.isEmpty)
    for option in overview {
      #expect(options.contains(option), "README.md's overview names \(option), unknown to --help")
    }
  }

  @Test func versionPrintsTheVersion() async throws {
    let result = try await BinaryRunner.run(["--version"])
    #expect(result.stdoutText == "attio-pipe \(Invocation.version)\n")
  }

  /// Each case names what the error message must mention: the option (or file) that was
  /// refused, so that a case cannot pass because some other option failed.
  @Test(arguments: [
    (["--events"], "--events"), (["--max-line-bytes", "0"], "--max-line-bytes"),
    (["--max-line-bytes=x"], "--max-line-bytes"), (["--attribute", "job_title"], "--attribute"),
    (["--attribute", "nickname=nick"], "nickname"), (["--quiet", "--verbose"], "--quiet"),
    (["--strict=yes"], "--strict"), (["--max-line-bytes", "2000000000"], "--max-line-bytes"),
    (["fixtures"], "fixtures"), (["fixtures/seed-lead.ndjson", "nope.ndjson"], "nope.ndjson"),
    (["build", "--rate", "5"], "--rate"), (["send", "--events", "Signed Up"], "--events"),
    (["check", "fixtures/demo.ndjson"], "check"), (["deliver", "--rate", "0"], "--rate"),
    (["deliver", "--timeout", "0"], "--timeout"), (["deliver", "--grace", "soon"], "--grace"),
    (["deliver", "--concurrency", "-1"], "--concurrency"),
    (["deliver", "--write-mode", "replace"], "--write-mode"),
    (["deliver", "--write-mode", "assert", "--only-if-empty", "job_title"], "--only-if-empty"),
    (["deliver", "--read-rate", "0"], "--read-rate"),
  ])
  func usageErrorsExitWithStatusTwoBeforeReadingInput(
    _ arguments: [String], _ culprit: String
  ) async throws {
    let seed = #"{"type":"identify","traits":{"email":"a@b.co"}}"# + "\n"
    // Delivery modes get a token and an endpoint nothing listens on: only the option under
    // test can make them exit 2, and nothing could reach the real Attio.
    var environment = ProcessInfo.processInfo.environment
    environment["ATTIO_API_KEY"] = "test-token"
    environment["ATTIO_BASE_URL"] = "http://127.0.0.1:9"
    let result = try await BinaryRunner.run(
      arguments, stdin: Data(seed.utf8), environment: environment)
    #expect(result.status == 2)
    #expect(result.stdoutText.isEmpty)
    // Under --verbose every stderr line is a JSON object, usage errors included.
    let prefix = arguments.contains("--verbose") ? #"{"kind":"error","message":"# : "attio-pipe: "
    #expect(result.stderrText.hasPrefix(prefix))
    #expect(result.stderrText.contains(culprit), "\(result.stderrText)")
  }

  /// The control for the test above: with valid options the same environment gets past the
  /// command line (and fails to connect: exit 1, not 2).
  @Test func validDeliveryOptionsGetPastTheCommandLine() async throws {
    var environment = ProcessInfo.processInfo.environment
    environment["ATTIO_API_KEY"] = "test-token"
    environment["ATTIO_BASE_URL"] = "http://127.0.0.1:9"
    let seed = #"{"type":"identify","traits":{"email":"a@b.co"}}"# + "\n"
    let result = try await BinaryRunner.run(
      ["deliver", "--rate", "5", "--max-attempts", "1", "--timeout", "2s"], stdin: Data(seed.utf8),
      environment: environment)
    #expect(result.status == 1)
    #expect(result.stdoutText.contains(#""status":"failed""#))
  }

  @Test func explicitBuildModeAndDashForStdin() async throws {
    let seed = try Data(
      contentsOf: BinaryRunner.fixtures.appendingPathComponent("seed-signup.ndjson"))
    let implicit = try await BinaryRunner.run([], stdin: seed)
    let explicit = try await BinaryRunner.run(["build", "-"], stdin: seed)
    #expect(implicit.stdoutText == explicit.stdoutText)
    #expect(implicit.stdout.split(separator: UInt8(ascii: "\n")).count == 2)
  }

  @Test func doubleDashEndsOptions() async throws {
    let result = try await BinaryRunner.run(["--", "--not-an-option"])
    #expect(result.status == 2)
    #expect(result.stderrText.contains("cannot open --not-an-option"))
  }
}
