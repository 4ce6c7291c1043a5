import Foundation
import TestSupport
import Testing

/// Plays rsyslog's omprog (`confirmMessages="on"`, `useTransactions="on"`) against the built
/// binary over its stdin and stdout, one line at a time and waiting for each answer, as omprog
/// does: `attio-pipe deliver --omprog --output RESULTS …`.
final class OmprogDriver: Sendable {
  let child: ChildProcess
  let results: String

  /// Starts `deliver --omprog --output results` with `arguments` added.
  init(
    results: String, arguments: [String] = [], environment: [String: String],
    watchdog: Double = 240
  ) async throws {
    self.results = results
    child = try await BinaryRunner.start(
      ["deliver", "--omprog", "--output", results] + arguments, environment: environment,
      watchdog: watchdog)
  }

  /// The next answer line as written, keep-alive dots included; nil at EOF. The bound only
  /// catches a hang.
  func answer() async -> String? {
    await child.readLine(timeout: 120)
  }

  /// Writes one line (a newline is added) and reads its answer.
  func send(_ line: String) async -> String? {
    guard await child.write(line + "\n") else { return nil }
    return await answer()
  }

  /// `BEGIN TRANSACTION`, each line, `COMMIT TRANSACTION`; the answers in order.
  func batch(_ lines: [String]) async -> [String?] {
    var answers = [await send("BEGIN TRANSACTION")]
    for line in lines { answers.append(await send(line)) }
    answers.append(await send("COMMIT TRANSACTION"))
    return answers
  }

  /// The result lines written so far.
  func resultLines() -> [[String: Any]] {
    OmprogDriver.resultLines(results)
  }

  static func resultLines(_ path: String) -> [[String: Any]] {
    let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    return text.split(separator: "\n").compactMap {
      try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }
  }

  /// An answer without its keep-alive dots (omprog ignores leading dots).
  static func withoutDots(_ answer: String?) -> String? {
    answer.map { String($0.drop { $0 == "." }) }
  }

  /// End of input, then the exit.
  func finish() async -> ChildProcess.Finished {
    child.closeInput()
    return await child.finish()
  }
}
