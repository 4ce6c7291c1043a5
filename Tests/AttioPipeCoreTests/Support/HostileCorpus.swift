import Foundation

/// A corpus from `Tests/Fuzz/hostile_corpus.py`, generated into a temporary directory: the
/// lines and, per line, Python's verdict (`expected.ndjson`).
struct HostileCorpus {
  /// The corpus file as written, one line per `\n`.
  var data: Data
  var lines: [[UInt8]]
  var expected: [[String: Any]]

  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  init(seed: Int, count: Int) throws {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("attio-pipe-corpus-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let script = BinaryRunner.repositoryRoot.appendingPathComponent("Tests/Fuzz/hostile_corpus.py")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [
      "python3", script.path, "--seed", String(seed), "--count", String(count),
      "--out", directory.path,
    ]
    let errors = Pipe()
    process.standardError = errors
    try process.run()
    let errorText = String(
      decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw Failure(description: "hostile_corpus.py failed: \(errorText)")
    }
    data = try Data(contentsOf: directory.appendingPathComponent("corpus.ndjson"))
    lines = data.split(separator: 0x0A, omittingEmptySubsequences: false).map { Array($0) }
    if lines.last?.isEmpty == true { lines.removeLast() }
    let expectedData = try Data(contentsOf: directory.appendingPathComponent("expected.ndjson"))
    expected = try expectedData.split(separator: 0x0A).map { entry in
      guard let object = try JSONSerialization.jsonObject(with: entry) as? [String: Any] else {
        throw Failure(description: "expected.ndjson: not an object")
      }
      return object
    }
    guard lines.count == expected.count else {
      throw Failure(description: "\(lines.count) corpus lines, \(expected.count) verdicts")
    }
  }

  /// The fixed seed, and `ATTIO_PIPE_FUZZ_SEED` when set (to reproduce a failure, or explore).
  static func seeds(fixed: Int) -> [Int] {
    var seeds = [fixed]
    if let text = ProcessInfo.processInfo.environment["ATTIO_PIPE_FUZZ_SEED"],
      let seed = Int(text.trimmingCharacters(in: .whitespaces)), seed != fixed
    {
      seeds.append(seed)
    }
    return seeds
  }

  /// Per line: whether Python's `json` (with attio-pipe's documented limits) accepts it.
  var validity: [Bool] { expected.map { $0["valid"] as? Bool ?? false } }
}
