import AttioPipeCore
import Glibc

/// Writes diagnostics to stderr: human lines normally, NDJSON with `--verbose` so that the
/// diagnostics of a large run can themselves be filtered with jq.
///
/// Used from the input thread and from the delivery scheduler's queue: the buffer and the
/// progress line are reachable only through `state`'s lock.
final class DiagnosticReporter: Sendable {
  private struct State {
    var output: OutputBuffer
    /// The live status line sharing stderr, when shown.
    var progress: ProgressLine?
  }

  private let state: LockedValue<State>
  let verbosity: Verbosity

  init(verbosity: Verbosity, fileDescriptor: Int32 = STDERR_FILENO) {
    self.verbosity = verbosity
    state = LockedValue(
      State(output: OutputBuffer(fileDescriptor: fileDescriptor, flushThreshold: 16 * 1024)))
  }

  /// Diagnostics from now on clear `progress` before they are written.
  func attach(_ progress: ProgressLine) {
    state.withLock { $0.progress = progress }
  }

  /// Whether per-event diagnostics need the event's `messageId`.
  var wantsEventDetails: Bool { verbosity == .verbose }

  func invalidLine(_ error: JSONScanError, at location: InputLocation) {
    state.withLock { state in
      let output = state.output
      switch verbosity {
      case .quiet: return
      case .normal:
        output.append("attio-pipe: \(location): \(error.reason.rawValue) at byte \(error.offset): ")
        output.append("\(error.detail)\n")
      case .verbose:
        Self.beginRecord(
          output, at: location, messageId: nil, kind: "invalid", reason: error.reason.rawValue)
        output.append(",\"offset\":")
        output.appendInteger(error.offset)
        output.append(",\"detail\":")
        output.appendJSONString(error.detail.description)
        output.append("}\n")
      }
      Self.flush(state)
    }
  }

  func skipped(_ reason: SkipReason, at location: InputLocation, messageId: String?) {
    state.withLock { state in
      let output = state.output
      guard verbosity == .verbose else { return }
      Self.beginRecord(
        output, at: location, messageId: messageId, kind: "skipped", reason: reason.rawValue)
      output.append("}\n")
      Self.flushIfFull(state)
    }
  }

  func warning(_ warning: EventWarning, at location: InputLocation, messageId: String?) {
    state.withLock { state in
      let output = state.output
      guard verbosity == .verbose else { return }
      Self.beginRecord(
        output, at: location, messageId: messageId, kind: "warning",
        reason: warning.reason.rawValue)
      for detail in warning.details {
        output.append(",")
        output.appendJSONString(detail.key)
        output.append(":")
        output.appendJSONString(detail.value)
      }
      output.append("}\n")
      Self.flushIfFull(state)
    }
  }

  /// A fatal or notable message, shown at every verbosity; under `--verbose` a JSON object
  /// like every other stderr line.
  func error(_ message: String) {
    state.withLock { state in
      let output = state.output
      output.append(Self.errorLine(message, json: verbosity == .verbose))
      Self.flush(state)
    }
  }

  /// A warning about the run as a whole (not about one event), such as an `--events` entry
  /// that can never match: `attio-pipe: warning: …`, or `{"kind":"warning","message":…}`
  /// under `--verbose`; nothing under `--quiet`.
  func runWarning(_ message: String) {
    guard verbosity != .quiet else { return }
    state.withLock { state in
      let output = state.output
      output.append(Self.errorLine(message, json: verbosity == .verbose, kind: "warning"))
      Self.flush(state)
    }
  }

  /// `attio-pipe: MESSAGE` (and `hint` on a line of its own), or under `--verbose`
  /// `{"kind":"error","message":...,"hint":...}`, newline included.
  static func errorLine(
    _ message: String, hint: String? = nil, json: Bool, kind: String = "error"
  ) -> String {
    guard json else {
      let prefix = kind == "error" ? "attio-pipe: " : "attio-pipe: \(kind): "
      return prefix + "\(message)\n" + (hint.map { "\($0)\n" } ?? "")
    }
    var bytes: [UInt8] = []
    bytes.append(contentsOf: "{\"kind\":".utf8)
    bytes.appendJSONString(kind)
    bytes.append(contentsOf: ",\"message\":".utf8)
    bytes.appendJSONString(message)
    if let hint {
      bytes.append(contentsOf: ",\"hint\":".utf8)
      bytes.appendJSONString(hint)
    }
    bytes.append(contentsOf: "}\n".utf8)
    return String(decoding: bytes, as: UTF8.self)
  }

  func summary(_ statistics: RunStatistics, extra: [(String, Int)] = []) {
    state.withLock { state in
      let output = state.output
      switch verbosity {
      case .quiet: return
      case .normal:
        var line = statistics.summary
        for (name, count) in extra { line += ", \(name): \(count)" }
        output.append("attio-pipe: \(line)\n")
      case .verbose:
        output.append("{\"summary\":{\"lines_read\":")
        output.appendInteger(statistics.linesRead)
        if let bodiesWritten = statistics.bodiesWritten {
          output.append(",\"bodies_written\":")
          output.appendInteger(bodiesWritten)
        }
        Self.appendCounts(output, "skipped", statistics.skipped)
        Self.appendCounts(output, "invalid", statistics.invalid)
        Self.appendCounts(output, "warnings", statistics.warnings)
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
      Self.flush(state)
    }
  }

  /// Diagnostics are best effort: a closed stderr must not stop the data flowing on stdout.
  func flushQuietly() {
    state.withLock { state in Self.flush(state) }
  }

  private static func flush(_ state: State) {
    let output = state.output
    guard !output.isEmpty else { return }
    if let progress = state.progress {
      progress.withLineCleared { try? output.flush() }
    } else {
      try? output.flush()
    }
  }

  private static func flushIfFull(_ state: State) {
    if state.output.count >= 16 * 1024 { flush(state) }
  }

  private static func beginRecord(
    _ output: OutputBuffer,
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

  private static func appendCounts<Reason>(
    _ output: OutputBuffer, _ name: StaticString, _ counts: ReasonCounts<Reason>
  ) {
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
