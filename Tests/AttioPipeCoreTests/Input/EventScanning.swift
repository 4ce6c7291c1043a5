@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// Stage one on one line, for the scanner's tests: what it resolved, and the line's bytes
/// that its spans point into.
func scanLine(
  _ line: String, events: [String] = EventNameSet.defaultNames, counted: [EventNameSet] = []
) -> (ScannedLine, [UInt8]) {
  var scanner = EventScanner(
    enabledEvents: EventNameSet(events), countedEvents: counted, readsTimestamp: true)
  let bytes = Array(line.utf8)
  return (bytes.withUnsafeBufferPointer { scanner.scan($0) }, bytes)
}

/// The decoded text of a scanned value.
func scannedText(_ value: ScannedValue, _ bytes: [UInt8]) -> String? {
  bytes.withUnsafeBufferPointer { EventProcessor.text(of: value, in: $0) }
}
