import Foundation
import TestSupport
import Testing

/// One end-to-end case in `fixtures/e2e/`: `NAME.args` holds the arguments (one per line),
/// `NAME.stdin` the standard input if any, and `NAME.stdout`, `NAME.stderr`, `NAME.status`
/// what the built binary must print and return, byte for byte.
///
/// `ATTIO_PIPE_RECORD_GOLDENS=1 swift test --filter GoldenFixture` (or `scripts/update-golden.sh`)
/// writes what the binary does now as the expected files instead of comparing; review
/// `git diff fixtures/e2e` before committing: the goldens are the spec.
struct GoldenCase: CustomTestStringConvertible, Sendable {
  let name: String

  var testDescription: String { name }

  static let directory = BinaryRunner.fixtures.appendingPathComponent("e2e")

  static var all: [GoldenCase] {
    let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    return files.filter { $0.hasSuffix(".args") }.sorted()
      .map { GoldenCase(name: String($0.dropLast(".args".count))) }
  }

  func file(_ suffix: String) -> URL { GoldenCase.directory.appendingPathComponent(name + suffix) }

  func contents(_ suffix: String) -> Data? { try? Data(contentsOf: file(suffix)) }

  static var recording: Bool {
    ProcessInfo.processInfo.environment["ATTIO_PIPE_RECORD_GOLDENS"] == "1"
  }

  /// Writes `result` as the expected output (record mode).
  func record(_ result: BinaryRunner.Result) throws {
    try result.stdout.write(to: file(".stdout"))
    try result.stderr.write(to: file(".stderr"))
    try Data("\(result.status)\n".utf8).write(to: file(".status"))
  }
}

@Suite struct GoldenFixtureTests {
  @Test func thereAreGoldenCases() {
    #expect(GoldenCase.all.count >= 5)
  }

  @Test(arguments: GoldenCase.all)
  func matchesTheGoldenOutput(_ golden: GoldenCase) async throws {
    let arguments = String(decoding: golden.contents(".args") ?? Data(), as: UTF8.self)
      .split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    let result = try await BinaryRunner.run(arguments, stdin: golden.contents(".stdin"))
    if GoldenCase.recording {
      try golden.record(result)
      return
    }
    #expect(
      result.stdoutText == String(decoding: golden.contents(".stdout") ?? Data(), as: UTF8.self))
    #expect(
      result.stderrText == String(decoding: golden.contents(".stderr") ?? Data(), as: UTF8.self))
    let status = String(decoding: golden.contents(".status") ?? Data("0".utf8), as: UTF8.self)
    #expect(result.status == Int32(status.trimmingCharacters(in: .whitespacesAndNewlines)))
  }
}
