import Glibc
import Synchronization

/// Writes diagnostics to stderr: human lines normally, NDJSON with `--verbose` so that the
/// diagnostics of a large run can themselves be filtered with jq.
///
/// Used from the input thread and from the delivery scheduler's queue: every use of the buffer
/// holds `lock`.
final class DiagnosticReporter: @unchecked Sendable {
  private let lock = Mutex(())
  private let output: OutputBuffer
  let verbosity: Verbosity
  /// The live status line sharing stderr, when shown.
  var progress: ProgressLine?

  init(verbosity: Verbosity, fileDescriptor: Int32 = STDERR_FILENO) {
    self.verbosity = verbosity
    self.output = OutputBuffer(fileDescriptor: fileDescriptor, flushThreshold: 16 * 1024)
  }

  /// Whether per-event diagnostics need the event's `messageId`.
  var wantsEventDetails: Bool { verbosity == .verbose }

  func invalidLine(_ error: JSONScanError, at location: InputLocation) {
    lock.withLock { _ in
      switch verbosity {
      case .quiet: return
      case .normal:
        output.append("attio-pipe: \(location): \(error.reason.rawValue) at byte \(error.offset): ")
        output.append("\(error.detail)\n")
      case .verbose:
        beginRecord(at: location, messageId: nil, kind: "invalid", reason: error.reason.rawValue)
        output.append(",\"offset\":")
        output.appendInteger(error.offset)
        output.append(",\"detail\":")
        output.appendJSONString(error.detail.description)
        output.append("}\n")
      }
      flushUnlocked()
    }
  }

  func skipped(_ reason: SkipReason, at location: InputLocation, messageId: String?) {
    lock.withLock { _ in
      guard verbosity == .verbose else { return }
      beginRecord(at: location, messageId: messageId, kind: "skipped", reason: reason.rawValue)
      output.append("}\n")
      flushIfFull()
    }
  }

  func warning(_ warning: EventWarning, at location: InputLocation, messageId: String?) {
    lock.withLock { _ in
      guard verbosity == .verbose else { return }
      beginRecord(
        at: location, messageId: messageId, kind: "warning", reason: warning.reason.rawValue)
      for detail in warning.details {
        output.append(",")
        output.appendJSONString(detail.key)
        output.append(":")
        output.appendJSONString(detail.value)
      }
      output.append("}\n")
      flushIfFull()
    }
  }

  /// A fatal or notable message, shown at every verbosity.
  func error(_ message: String) {
    lock.withLock { _ in
      output.append("attio-pipe: \(message)\n")
      flushUnlocked()
    }
  }

  func summary(_ statistics: RunStatistics, extra: [(String, Int)] = []) {
    lock.withLock { _ in
      switch verbosity {
      case .quiet: return
      case .normal:
        var line = statistics.summary
        for (name, count) in extra { line += ", \(name): \(count)" }
        output.append("attio-pipe: \(line)\n")
      case .verbose:
        output.append("{\"summary\":{\"lines_read\":")
        output.appendInteger(statistics.linesRead)
        output.append(",\"bodies_written\":")
        output.appendInteger(statistics.bodiesWritten)
        appendCounts("skipped", statistics.skipped)
        appendCounts("invalid", statistics.invalid)
        appendCounts("warnings", statistics.warnings)
        output.append(",\"evictions\":")
        output.appendInteger(statistics.evictions)
        for (name, count) in extra {
          output.append(",")
          output.appendJSONString(name)
          output.append(":")
          output.appendInteger(count)
        }
        output.append("}}\n")
      }
      flushUnlocked()
    }
  }

  /// Diagnostics are best effort: a closed stderr must not stop the data flowing on stdout.
  func flushQuietly() {
    lock.withLock { _ in flushUnlocked() }
  }

  private func flushUnlocked() {
    guard !output.isEmpty else { return }
    if let progress {
      progress.withLineCleared { try? output.flush() }
    } else {
      try? output.flush()
    }
  }

  private func flushIfFull() {
    if output.count >= 16 * 1024 { flushUnlocked() }
  }

  private func beginRecord(
    at location: InputLocation, messageId: String?, kind: StaticString, reason: String
  ) {
    output.append("{\"line\":")
    output.appendInteger(location.line)
    if let file = location.file {
      output.append(",\"file\":")
      output.appendJSONString(file)
    }
    if let messageId {
      output.append(",\"messageId\":")
      output.appendJSONString(messageId)
    }
    output.append(",\"kind\":\"")
    output.append(kind)
    output.append("\",\"reason\":\"")
    output.append(reason)
    output.append("\"")
  }

  private func appendCounts<Reason>(_ name: StaticString, _ counts: ReasonCounts<Reason>) {
    output.append(",\"")
    output.append(name)
    output.append("\":{")
    for (position, entry) in counts.nonZero.enumerated() {
      if position > 0 { output.append(",") }
      output.appendJSONString(entry.reason.rawValue)
      output.append(":")
      output.appendInteger(entry.count)
    }
    output.append("}")
  }
}
