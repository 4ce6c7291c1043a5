import Glibc

/// Bytes bound for a file descriptor, written with `write(2)` in large pieces.
///
/// The pipeline appends whole lines and flushes when the buffer fills and before it blocks on
/// input, so a slow producer still sees each result as soon as it exists.
final class OutputBuffer {
  private let fileDescriptor: Int32
  private var bytes: [UInt8] = []
  private let flushThreshold: Int

  init(fileDescriptor: Int32, flushThreshold: Int = 64 * 1024) {
    self.fileDescriptor = fileDescriptor
    self.flushThreshold = flushThreshold
    bytes.reserveCapacity(flushThreshold + 4096)
  }

  var isEmpty: Bool { bytes.isEmpty }
  var count: Int { bytes.count }

  @inline(__always)
  func append(_ byte: UInt8) { bytes.append(byte) }

  @inline(__always)
  func append(_ literal: StaticString) { bytes.append(literal) }

  func append(_ text: String) { bytes.append(contentsOf: text.utf8) }

  /// Appends `text` as a JSON string literal, quotes included.
  func appendJSONString(_ text: String) { bytes.appendJSONString(text) }

  func appendInteger(_ value: Int) { bytes.appendInteger(value) }

  /// Lets an encoder write straight into the buffer.
  func withBytes(_ body: (inout [UInt8]) -> Void) { body(&bytes) }

  /// Lines written out whole by successful writes (`lineCompleted` marks them); a line still
  /// buffered when the reader went away is not counted.
  private(set) var linesWritten = 0
  /// Offsets just past each completed line still in the buffer.
  private var lineEnds: [Int] = []

  /// Marks the end of a line (for `linesWritten`) and flushes if the buffer has grown past its
  /// threshold.
  @inline(__always)
  func lineCompleted() throws(PipelineError) {
    lineEnds.append(bytes.count)
    if bytes.count >= flushThreshold { try flush() }
  }

  /// Writes everything buffered. A closed reader (`EPIPE`) is `outputClosed`, which callers
  /// treat as a quiet end, as `head` expects.
  func flush() throws(PipelineError) {
    guard !bytes.isEmpty else { return }
    // After a SIGHUP, --output and --diagnostics are reopened here, by the writer itself.
    if fileDescriptor <= STDERR_FILENO { OutputFiles.reopenIfRequested() }
    var failure: SystemCallError?
    bytes.withUnsafeBytes { buffer in
      do throws(SystemCallError) {
        try SystemCall.writeAll(fileDescriptor, buffer)
      } catch {
        failure = error
      }
    }
    let written = failure?.written ?? bytes.count
    linesWritten += lineEnds.count { $0 <= written }
    lineEnds.removeAll(keepingCapacity: true)
    bytes.removeAll(keepingCapacity: true)
    if let failure {
      throw failure.errno == EPIPE ? .outputClosed : .writeFailed(errno: failure.errno)
    }
  }
}
