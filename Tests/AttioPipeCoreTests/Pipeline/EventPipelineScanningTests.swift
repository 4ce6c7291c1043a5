import Foundation
import TestSupport
import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// Either thread may scan a batch (the scanner, or the consumer when it has nothing queued):
/// the lines the consumer sees must be the same, in the same order, whichever did.
@Suite struct EventPipelineScanningTests {
  /// Every line as the consumer saw it: its place, its bytes, and all that was scanned.
  private static func lines(
    of paths: [String], scanning: EventPipeline.ScanSharing, batchBytes: Int
  ) throws -> [String] {
    let inputs = InputFiles(paths: paths, maximumLineLength: 600)
    var pipeline = EventPipeline(
      inputs: inputs, enabledEvents: EventNameSet(EventNameSet.defaultNames))
    pipeline.scanning = scanning
    pipeline.batchBytes = batchBytes
    var seen: [String] = []
    try pipeline.run(
      beforeWaiting: {},
      consume: { line in
        var scanned = line.scanned
        scanned.followsWait = false  // depends on timing, not on the line
        seen.append(
          "\(line.input):\(line.lineNumber) \(Array(line.bytes)) \(line.afterStop) \(scanned)")
        return true
      })
    return seen
  }

  @Test(arguments: [64, 4096, 256 * 1024])
  func bothThreadsScanAlike(batchBytes: Int) throws {
    // Every fixture's events: valid and invalid lines, long ones (over the 600-byte limit set
    // above), blank ones, several files.
    let fixtures = Repository.path("fixtures")
    let paths = try FileManager.default.subpathsOfDirectory(atPath: fixtures.path)
      .filter { $0.hasSuffix(".stdin") || $0.hasSuffix(".ndjson") }.sorted()
      .map { fixtures.appendingPathComponent($0).path }
    #expect(paths.count > 5)
    let byScanner = try Self.lines(of: paths, scanning: .scannerThread, batchBytes: batchBytes)
    let byConsumer = try Self.lines(of: paths, scanning: .consumerThread, batchBytes: batchBytes)
    let shared = try Self.lines(of: paths, scanning: .shared, batchBytes: batchBytes)
    #expect(byScanner.count > 50)
    #expect(byScanner.contains { $0.contains("lineTooLong") })
    #expect(byConsumer == byScanner)
    #expect(shared == byScanner)
  }
}
