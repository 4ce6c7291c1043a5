import AttioPipeCore
import AttioPipeDelivery
import Dispatch
import Glibc

/// The live status line on a terminal's stderr: events/s, bodies, and for delivery sent,
/// failed, retrying and queued. Redrawn at most four times a second, cleared at the end, never
/// shown when stderr is not a terminal unless asked (`--progress`), so logs and pipes stay
/// clean.
///
/// Diagnostics share stderr: they go through `withLineCleared`, which takes the same lock, so a
/// diagnostic never lands in the middle of the status line.
/// `@unchecked`: the timer is only resumed here and cancelled in `finish`; the state it
/// touches is behind a lock.
final class ProgressLine: @unchecked Sendable {
  /// What the line shows; read from the counters by the timer.
  struct Snapshot: Sendable {
    var lines = 0
    var bodies = 0
    var delivery: DeliveryScheduler.Progress?
  }

  private struct State {
    var shown = false
    var stopped = false
    var lastLines = 0
    var lastTime = monotonicSeconds()
    var rate = 0.0
  }

  private let state = LockedValue(State())
  private let snapshot: @Sendable () -> Snapshot
  private let timer: DispatchSourceTimer

  /// Whether a run shows the line: `--progress` / `--no-progress` decide; otherwise only when
  /// stderr is a terminal and the run is not `--quiet`. Under `--verbose` stderr that is no
  /// terminal is NDJSON to be parsed, so it never gets the line.
  static func isWanted(_ choice: Bool?, verbosity: Verbosity) -> Bool {
    let terminal = isatty(STDERR_FILENO) == 1
    if verbosity == .verbose && !terminal { return false }
    return choice ?? (terminal && verbosity != .quiet)
  }

  init(snapshot: @escaping @Sendable () -> Snapshot) {
    self.snapshot = snapshot
    timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "attio-pipe.progress"))
    timer.schedule(deadline: .now() + .milliseconds(250), repeating: .milliseconds(250))
    timer.setEventHandler { [weak self] in self?.draw() }
    timer.resume()
  }

  /// Runs `write` (which writes to stderr) with the status line out of the way; it is redrawn
  /// at the next tick.
  func withLineCleared(_ write: () -> Void) {
    state.withLock { state in
      if state.shown {
        ProgressLine.writeToStderr("\r\u{1B}[K")
        state.shown = false
      }
      write()
    }
  }

  /// Stops the timer and clears the line.
  func finish() {
    timer.cancel()
    state.withLock { state in
      state.stopped = true
      if state.shown { ProgressLine.writeToStderr("\r\u{1B}[K") }
      state.shown = false
    }
  }

  private func draw() {
    let now = snapshot()
    state.withLock { state in
      guard !state.stopped else { return }
      let time = monotonicSeconds()
      let elapsed = time - state.lastTime
      if elapsed > 0 {
        let instant = Double(now.lines - state.lastLines) / elapsed
        state.rate = state.rate == 0 ? instant : 0.5 * state.rate + 0.5 * instant
      }
      state.lastLines = now.lines
      state.lastTime = time
      var text = "attio-pipe: \(now.lines) events (\(Int(state.rate))/s), bodies \(now.bodies)"
      if let delivery = now.delivery {
        text += ", sent \(delivery.sent), failed \(delivery.failed)"
        text += ", retrying \(delivery.retrying), queued \(delivery.queued)"
      }
      ProgressLine.writeToStderr("\r\u{1B}[K" + ProgressLine.fitted(text))
      state.shown = true
    }
  }

  /// Cut to the terminal's width so the line never wraps (a wrapped line cannot be cleared).
  private static func fitted(_ text: String) -> String {
    var size = winsize()
    guard ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 1 else { return text }
    return String(text.prefix(Int(size.ws_col) - 1))
  }

  /// Best effort: a status line that cannot be written is not worth an error.
  private static func writeToStderr(_ text: String) {
    var text = text
    text.withUTF8 { bytes in try? SystemCall.writeAll(STDERR_FILENO, UnsafeRawBufferPointer(bytes))
    }
  }
}
