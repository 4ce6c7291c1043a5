import Foundation
import TestSupport
import Testing

/// The built binary on a generated hostile corpus (`Tests/Fuzz/hostile_corpus.py`): it never
/// crashes, and every line is accounted for. Each line Python's `json` rejects is reported
/// invalid (and no other), and each line it accepts either yields a body or is reported
/// skipped; none is silently dropped.
///
/// A fixed seed always runs; `ATTIO_PIPE_FUZZ_SEED=N swift test --filter HostileCorpus` adds
/// seed N.
@Suite struct HostileCorpusTests {
  static let fixedSeed = 19_851_107
  static let lineCount = 12_000

  static var seeds: [Int] { HostileCorpus.seeds(fixed: fixedSeed) }

  @Test(arguments: seeds)
  func everyLineIsAcceptedOrReportedNeverDropped(seed: Int) async throws {
    let corpus = try await HostileCorpus.generate(seed: seed, count: Self.lineCount)
    let result = try await BinaryRunner.run(["--verbose"], stdin: corpus.data)

    // Never a crash: a signal shows as a status above 128, a Swift runtime failure as a
    // "Fatal error" and a backtrace on stderr, which do not parse as NDJSON (`unparsed`), and
    // as a missing summary.
    #expect(result.status == 0 || result.status == 3, "exit status \(result.status)")

    let diagnostics = Diagnostics(result.stderr)
    #expect(
      diagnostics.unparsed.isEmpty,
      "stderr lines that are not diagnostics: \(diagnostics.unparsed.prefix(5))")
    let summary = try #require(diagnostics.summary, "no summary on stderr")
    #expect(diagnostics.summaryIsLast, "the summary is not the last stderr line")

    let validity = corpus.validity
    let pythonInvalid = Set(validity.indices.filter { !validity[$0] }.map { $0 + 1 })
    let validCount = validity.count - pythonInvalid.count
    let linesRead = summary["lines_read"] as? Int
    let bodiesWritten = summary["bodies_written"] as? Int ?? -1
    let skippedTotal = total(summary["skipped"])
    let invalidTotal = total(summary["invalid"])
    print(
      "HostileCorpus seed \(seed): \(validity.count) lines (\(validCount) valid, "
        + "\(pythonInvalid.count) invalid); status \(result.status); bodies \(bodiesWritten), "
        + "skipped \(skippedTotal), invalid \(invalidTotal), "
        + "warnings \(diagnostics.warningLines.count)")

    #expect(validity.count >= 10_000)
    #expect(linesRead == validity.count)

    // Invalid: exactly the lines Python rejects, each reported once.
    let reportedInvalid = Set(diagnostics.invalidLines)
    #expect(diagnostics.invalidLines.count == reportedInvalid.count, "a line reported twice")
    #expect(invalidTotal == diagnostics.invalidLines.count)
    let missed = pythonInvalid.subtracting(reportedInvalid).sorted()
    let extra = reportedInvalid.subtracting(pythonInvalid).sorted()
    #expect(missed.isEmpty, "invalid for Python, not reported: lines \(missed.prefix(20))")
    #expect(extra.isEmpty, "reported invalid, valid for Python: lines \(extra.prefix(20))")
    #expect(result.status == (reportedInvalid.isEmpty ? 0 : 3))

    // Valid: each line either yields a body or is reported skipped (warnings ride on bodies).
    let skipped = Set(diagnostics.skippedLines)
    #expect(diagnostics.skippedLines.count == skipped.count, "a line skipped twice")
    #expect(skippedTotal == diagnostics.skippedLines.count)
    #expect(skipped.isDisjoint(with: pythonInvalid), "an invalid line reported skipped")
    #expect(Set(diagnostics.warningLines).isDisjoint(with: skipped.union(pythonInvalid)))
    #expect(bodiesWritten + skippedTotal == validCount)
    #expect(bodiesWritten > 0, "the corpus should hold eligible events")

    // stdout: one body per line, each a JSON object.
    var bodies = result.stdout.split(separator: 0x0A, omittingEmptySubsequences: false)
    if bodies.last?.isEmpty == true { bodies.removeLast() }
    #expect(bodies.count == bodiesWritten)
    let malformed = bodies.filter {
      (try? JSONSerialization.jsonObject(with: Data($0))) as? [String: Any] == nil
    }
    #expect(malformed.isEmpty, "\(malformed.count) bodies are not JSON objects")
  }

  private func total(_ counts: Any?) -> Int {
    (counts as? [String: Any] ?? [:]).values.reduce(0) { $0 + ($1 as? Int ?? 0) }
  }
}

/// The `--verbose` NDJSON diagnostics on stderr, sorted by kind.
private struct Diagnostics {
  var invalidLines: [Int] = []
  var skippedLines: [Int] = []
  var warningLines: [Int] = []
  var summary: [String: Any]?
  var summaryIsLast = false
  /// Lines that are not diagnostics records (a crash report would land here).
  var unparsed: [String] = []

  init(_ stderr: Data) {
    let records = stderr.split(separator: 0x0A)
    for (index, record) in records.enumerated() {
      guard let object = (try? JSONSerialization.jsonObject(with: Data(record))) as? [String: Any]
      else {
        unparsed.append(String(decoding: record.prefix(300), as: UTF8.self))
        continue
      }
      if let summary = object["summary"] as? [String: Any] {
        self.summary = summary
        summaryIsLast = index == records.count - 1
        continue
      }
      guard let line = object["line"] as? Int else {
        unparsed.append(String(decoding: record.prefix(300), as: UTF8.self))
        continue
      }
      switch object["kind"] as? String {
      case "invalid": invalidLines.append(line)
      case "skipped": skippedLines.append(line)
      case "warning": warningLines.append(line)
      default: unparsed.append(String(decoding: record.prefix(300), as: UTF8.self))
      }
    }
  }
}
