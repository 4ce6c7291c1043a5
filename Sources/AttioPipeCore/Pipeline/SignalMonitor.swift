import Glibc
import Synchronization

/// SIGINT and SIGTERM, counted by an async-signal-safe handler and polled by the pipeline.
///
/// Handlers are installed without `SA_RESTART`, so a blocking `read(2)` returns `EINTR` and
/// the reader notices the signal at once instead of waiting for more input.
public enum SignalMonitor {
  private static let received = Atomic<Int>(0)

  public static func install() {
    for signalNumber in [SIGINT, SIGTERM] {
      var action = sigaction()
      action.__sigaction_handler.sa_handler = { _ in
        SignalMonitor.received.add(1, ordering: .relaxed)
      }
      sigemptyset(&action.sa_mask)
      action.sa_flags = 0
      sigaction(signalNumber, &action, nil)
    }
    // A closed stdout must surface as EPIPE from write(2), not kill the process.
    signal(SIGPIPE, SIG_IGN)
  }

  /// How many stop signals have arrived: one asks for a graceful stop, two for an immediate one.
  public static var count: Int { received.load(ordering: .relaxed) }

  static var isInterrupted: Bool { count > 0 }
}
