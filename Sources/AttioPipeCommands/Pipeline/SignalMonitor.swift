import AttioPipeCore
import Glibc
import Synchronization

/// SIGINT and SIGTERM, counted by an async-signal-safe handler and polled by the pipeline.
///
/// The handler also writes a byte to a pipe (the self-pipe trick) that the line reader polls
/// together with its input. Checking a flag before `read(2)` would leave a window in which a
/// signal arrives after the check and the read then blocks forever on a quiet input.
enum SignalMonitor {
  private static let received = Atomic<Int>(0)
  private static let wakeWriteEnd = Atomic<Int32>(-1)
  private static let wakeReadEnd = Atomic<Int32>(-1)
  /// CLOCK_MONOTONIC nanoseconds of the first signal; 0 before it.
  private static let firstSignal = Atomic<UInt64>(0)
  /// The write end of one more pipe the handler writes to, for a watcher that is not the
  /// input (delivery's deadline timer); -1 when none.
  private static let observerWriteEnd = Atomic<Int32>(-1)
  /// Set by `stopInput`: the input readers stop as if a signal had come.
  private static let inputStopRequested = Atomic<Bool>(false)

  static func install() {
    var ends: [Int32] = [-1, -1]
    if pipe(&ends) == 0 {
      for end in ends {
        _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
      }
      wakeReadEnd.store(ends[0], ordering: .relaxed)
      wakeWriteEnd.store(ends[1], ordering: .relaxed)
    }
    // Every static the handler touches is initialised here, before the handler can run: a
    // first access inside the handler would run Swift's lazy initialisation (swift_once),
    // which is not async-signal-safe and deadlocks when it interrupts that same
    // initialisation.
    _ = received.load(ordering: .relaxed)
    _ = firstSignal.load(ordering: .relaxed)
    _ = observerWriteEnd.load(ordering: .relaxed)
    _ = inputStopRequested.load(ordering: .relaxed)
    for signalNumber in [SIGINT, SIGTERM] {
      var action = sigaction()
      action.__sigaction_handler.sa_handler = { _ in
        // clock_gettime and write are async-signal-safe.
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let nanoseconds = UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
        _ = SignalMonitor.firstSignal.compareExchange(
          expected: 0, desired: nanoseconds, ordering: .relaxed)
        SignalMonitor.received.add(1, ordering: .relaxed)
        var byte: UInt8 = 1
        _ = write(SignalMonitor.wakeWriteEnd.load(ordering: .relaxed), &byte, 1)
        _ = write(SignalMonitor.observerWriteEnd.load(ordering: .relaxed), &byte, 1)
      }
      sigemptyset(&action.sa_mask)
      action.sa_flags = 0
      sigaction(signalNumber, &action, nil)
    }
    // A parent may hand down a mask that blocks them (some process launchers do): a pipeline
    // stage that ignores Ctrl-C and SIGTERM would be a surprise, so unblock both.
    var stopSignals = sigset_t()
    sigemptyset(&stopSignals)
    sigaddset(&stopSignals, SIGINT)
    sigaddset(&stopSignals, SIGTERM)
    pthread_sigmask(SIG_UNBLOCK, &stopSignals, nil)
    // A closed stdout must surface as EPIPE from write(2), not kill the process.
    signal(SIGPIPE, SIG_IGN)
  }

  /// How many stop signals have arrived: one asks for a graceful stop, two for an immediate one.
  static var count: Int { received.load(ordering: .relaxed) }

  static var isInterrupted: Bool { count > 0 }

  /// After a stop signal, the moment (on `monotonicSeconds`) when work still running must
  /// give up: `grace` after the first signal, or at once after a second.
  static func stopDeadline(grace: Double) -> Double? {
    switch count {
    case 0: return nil
    case 1: return Double(firstSignal.load(ordering: .relaxed)) / 1e9 + grace
    default: return 0
    }
  }

  /// Readable once a stop signal has arrived; -1 before `install()`.
  static var wakeDescriptor: Int32 { wakeReadEnd.load(ordering: .relaxed) }

  /// Stops the input readers without a signal (delivery after a 401/403: reading on would
  /// only report `not_sent` forever): wakes a read blocked on a quiet input through the same
  /// self-pipe a signal uses; `inputStop()` then tells readers to stop at once.
  static func stopInput() {
    inputStopRequested.store(true, ordering: .relaxed)
    var byte: UInt8 = 1
    _ = write(wakeWriteEnd.load(ordering: .relaxed), &byte, 1)
  }

  /// A descriptor that becomes readable at every stop signal, for one watcher besides the
  /// input (a dispatch source, so delivery learns of a signal without polling); drain it
  /// after each wake-up. Nil when the pipe cannot be made.
  static func makeObserverDescriptor() -> Int32? {
    var ends: [Int32] = [-1, -1]
    guard pipe(&ends) == 0 else { return nil }
    for end in ends {
      _ = fcntl(end, F_SETFD, FD_CLOEXEC)
      _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
    }
    observerWriteEnd.store(ends[1], ordering: .relaxed)
    return ends[0]
  }

  /// What input reading is told: the first signal requests a stop (what is readable is still
  /// read); a second signal, `stopInput()` or `cancelled` ends reading at once.
  static func inputStop(cancelled: @escaping () -> Bool = { false }) -> InputStop {
    InputStop(
      wakeDescriptor: wakeDescriptor, requested: { isInterrupted },
      cancelled: { count > 1 || inputStopRequested.load(ordering: .relaxed) || cancelled() })
  }
}
