import AttioPipeCore
import Glibc

/// Bytes bound for a file descriptor, written with `write(2)` in large pieces.
///
/// The pipeline appends whole lines and flushes when the buffer fills and before it blocks on
/// input, so a slow producer still sees each result as soon as it exists.
final class OutputBuffer {
  private let fileDescriptor: Int32
  /// Sized ahead (zeros past `used`) so that writers write through a pointer: the hot path
  /// writes a whole request body with one bounds check instead of an append per piece.
  private var bytes: [UInt8]
  /// Bytes of `bytes` holding output.
  private var used = 0
  private let flushThreshold: Int

  init(fileDescriptor: Int32, flushThreshold: Int = 64 * 1024) {
    self.fileDescriptor = fileDescriptor
    self.flushThreshold = flushThreshold
    bytes = [UInt8](repeating: 0, count: flushThreshold + 16 * 1024)
  }

  var isEmpty: Bool { used == 0 }
  var count: Int { used }

  /// Lets an encoder write at most `maximumCount` bytes through a pointer (`ByteWriter`),
  /// straight into the buffer.
  @inline(__always)
  func write(maximumCount: Int, _ body: (inout ByteWriter) -> Void) {
    if bytes.count - used < maximumCount {
      bytes.append(contentsOf: repeatElement(0, count: maximumCount + bytes.count / 2))
    }
    let start = used
    used += bytes.withUnsafeMutableBufferPointer { buffer in
      var writer = ByteWriter(
        UnsafeMutableBufferPointer(rebasing: buffer[start..<start + maximumCount]))
      body(&writer)
      return writer.count
    }
  }

  @inline(__always)
  func append(_ byte: UInt8) { write(maximumCount: 1) { $0.write(byte) } }

  @inline(__always)
  func append(_ literal: StaticString) {
    write(maximumCount: literal.utf8CodeUnitCount) { $0.write(literal) }
  }

  func append(_ text: String) {
    var text = text
    text.withUTF8 { text in write(maximumCount: text.count) { $0.write(text) } }
  }

  /// Appends `text` as a JSON string literal, quotes included.
  func appendJSONString(_ text: String) {
    var text = text
    text.withUTF8 { text in
      write(maximumCount: ByteWriter.jsonStringBound(text.count)) { $0.writeJSONString(text) }
    }
  }

  func appendInteger(_ value: Int) { append(String(value)) }

  /// Lets an encoder that writes to an array write into the buffer (by a copy: the paths that
  /// are not per event).
  func withBytes(_ body: (inout [UInt8]) -> Void) {
    var written: [UInt8] = []
    body(&written)
    written.withUnsafeBufferPointer { written in
      write(maximumCount: written.count) { $0.write(written) }
    }
  }

  /// Lines written out whole by successful writes (`lineCompleted` marks them); a line still
  /// buffered when the reader went away is not counted.
  private(set) var linesWritten = 0
  /// Offsets just past each completed line still in the buffer.
  private var lineEnds: [Int] = []

  /// Marks the end of a line (for `linesWritten`) and flushes if the buffer has grown past its
  /// threshold.
  @inline(__always)
  func lineCompleted() throws(PipelineError) {
    lineEnds.append(used)
    if used >= flushThreshold { try flush() }
  }

  /// Writes everything buffered. A closed reader (`EPIPE`) is `outputClosed`, which callers
  /// treat as a quiet end, as `head` expects; any other failure (a full disk) is `writeFailed`,
  /// naming the `--output` file, and takes back what it wrote of an unfinished line.
  func flush() throws(PipelineError) {
    guard used > 0 else { return }
    // After a SIGHUP, --output and --diagnostics are reopened here, by the writer itself.
    if fileDescriptor <= STDERR_FILENO { OutputFiles.reopenIfRequested() }
    var failure: SystemCallError?
    bytes.withUnsafeBytes { buffer in
      do throws(SystemCallError) {
        try SystemCall.writeAll(fileDescriptor, UnsafeRawBufferPointer(rebasing: buffer[..<used]))
      } catch {
        failure = error
      }
    }
    let written = failure?.written ?? used
    linesWritten += lineEnds.count { $0 <= written }
    lineEnds.removeAll(keepingCapacity: true)
    if let failure, failure.errno != EPIPE {
      // Every writer writes whole lines: what follows the last newline written is a line cut
      // short (a disk that filled up mid-write, a file size limit).
      let lineStart = bytes[..<written].lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
      if written > lineStart { Self.takeBack(written - lineStart, from: fileDescriptor) }
    }
    used = 0
    if let failure {
      guard failure.errno != EPIPE else { throw .outputClosed }
      throw .writeFailed(path: OutputFiles.path(of: fileDescriptor), errno: failure.errno)
    }
  }

  /// Cuts the last `count` bytes written off a regular file (a pipe or terminal cannot take
  /// them back), so a reader such as `jq` never meets half a JSON line.
  private static func takeBack(_ count: Int, from descriptor: Int32) {
    var status = stat()
    guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return }
    // Appending or not, the offset is just past what this write put there.
    let end = lseek(descriptor, 0, SEEK_CUR)
    guard end >= count else { return }
    _ = ftruncate(descriptor, end - off_t(count))
  }
}
