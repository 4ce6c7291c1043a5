import Foundation

/// A corpus from `Tests/Fuzz/hostile_corpus.py`, generated into a temporary directory: the
/// lines and, per line, Python's verdict (`expected.ndjson`).
public struct HostileCorpus {
  /// The corpus file as written, one line per `\n`.
  public var data: Data
  public var lines: [[UInt8]]
  public var expected: [[String: Any]]

  public struct Failure: Error, CustomStringConvertible {
    public var description: String
  }

  /// Runs the generator (a child process, waited for off the cooperative pool) and reads what
  /// it wrote.
  public static func generate(seed: Int, count: Int) async throws -> HostileCorpus {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("attio-pipe-corpus-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let generator = try ChildProcess(
      executable: URL(fileURLWithPath: "/usr/bin/env"),
      arguments: [
        "python3", Repository.path("Tests/Fuzz/hostile_corpus.py").path, "--seed", String(seed),
        "--count", String(count), "--out", directory.path,
      ], stdin: false, stdout: .discard)
    let finished = await generator.finish()
    guard finished.status == 0 else {
      throw Failure(description: "hostile_corpus.py failed: \(finished.stderrText)")
    }
    return try HostileCorpus(
      data: Data(contentsOf: directory.appendingPathComponent("corpus.ndjson")),
      expected: Data(contentsOf: directory.appendingPathComponent("expected.ndjson")))
  }

  private init(data: Data, expected expectedData: Data) throws {
    self.data = data
    lines = data.split(separator: 0x0A, omittingEmptySubsequences: false).map { Array($0) }
    if lines.last?.isEmpty == true { lines.removeLast() }
    expected = try expectedData.split(separator: 0x0A).map { entry in
      guard let object = try JSONSerialization.jsonObject(with: entry) as? [String: Any] else {
        throw Failure(description: "expected.ndjson: not an object")
      }
      return object
    }
    validity = expected.map { $0["valid"] as? Bool ?? false }
    guard lines.count == expected.count else {
      throw Failure(description: "\(lines.count) corpus lines, \(expected.count) verdicts")
    }
  }

  /// The fixed seed, and `ATTIO_PIPE_FUZZ_SEED` when set (to reproduce a failure, or explore).
  public static func seeds(fixed: Int) -> [Int] {
    var seeds = [fixed]
    if let text = ProcessInfo.processInfo.environment["ATTIO_PIPE_FUZZ_SEED"],
      let seed = Int(text.trimmingCharacters(in: .whitespaces)), seed != fixed
    {
      seeds.append(seed)
    }
    return seeds
  }

  /// Per line: whether Python's `json` (with attio-pipe's documented limits) accepts it.
  /// Stored, not computed: tests index it per line.
  public let validity: [Bool]
}
