import AttioPipeDelivery
import Synchronization

/// Lines and bodies counted by the input thread for the progress line's timer thread.
final class ProgressCounters: Sendable {
  private let lines = Atomic<Int>(0)
  private let bodies = Atomic<Int>(0)

  func countLine() { lines.add(1, ordering: .relaxed) }
  func countBody() { bodies.add(1, ordering: .relaxed) }

  var snapshot: ProgressLine.Snapshot {
    ProgressLine.Snapshot(
      lines: lines.load(ordering: .relaxed), bodies: bodies.load(ordering: .relaxed))
  }

  /// The progress line for a run, started when `wanted`; the diagnostics learn to clear it.
  static func start(
    wanted: Bool, diagnostics: DiagnosticReporter,
    delivery: (@Sendable () -> DeliveryScheduler.Progress)? = nil
  ) -> (ProgressCounters?, ProgressLine?) {
    guard wanted else { return (nil, nil) }
    let counters = ProgressCounters()
    let line = ProgressLine {
      var snapshot = counters.snapshot
      snapshot.delivery = delivery?()
      return snapshot
    }
    diagnostics.attach(line)
    return (counters, line)
  }
}
