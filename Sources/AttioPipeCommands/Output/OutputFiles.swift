import AttioPipeCore
import Glibc
import Synchronization

/// `--output FILE` and `--diagnostics FILE`: files put in place of stdout and stderr, so that a
/// supervisor that is not a shell (rsyslog's omprog, systemd) needs no wrapper script to
/// redirect them.
///
/// Each file is opened for appending (created 0600: results carry personal data) and
/// `dup2`'d onto descriptor 1 or 2, so every writer, fatal errors included, goes there without
/// knowing. SIGHUP (logrotate's `postrotate`) only bumps a counter in its handler; the files
/// are reopened by the next writer that flushes (`OutputBuffer.flush`), on its own thread,
/// before it writes: no line written after the signal is seen lands in the rotated file, and
/// `dup2` swaps the descriptor atomically for any other thread writing at that moment.
enum OutputFiles {
  struct Target: Sendable {
    var path: String
    var descriptor: Int32
  }

  /// SIGHUPs received; bumped by the signal handler (an atomic add is async-signal-safe).
  private static let requested = Atomic<Int>(0)
  /// SIGHUPs acted on.
  private static let handled = Atomic<Int>(0)
  private static let targets = LockedValue<[Target]>([])

  /// Opens the files and installs the SIGHUP handler; nothing is done when neither is given
  /// (SIGHUP then keeps its default action). A file that cannot be opened is a startup error.
  static func install(output: String?, diagnostics: String?) throws(PipelineError) {
    var wanted: [Target] = []
    if let output { wanted.append(Target(path: output, descriptor: STDOUT_FILENO)) }
    if let diagnostics { wanted.append(Target(path: diagnostics, descriptor: STDERR_FILENO)) }
    guard !wanted.isEmpty else { return }
    for target in wanted {
      if let code = redirect(target) { throw .cannotCreate(path: target.path, errno: code) }
    }
    targets.withLock { $0 = wanted }
    var action = sigaction()
    action.__sigaction_handler.sa_handler = { _ in
      OutputFiles.requested.add(1, ordering: .relaxed)
    }
    sigemptyset(&action.sa_mask)
    action.sa_flags = SA_RESTART
    sigaction(SIGHUP, &action, nil)
    var hangUp = sigset_t()
    sigemptyset(&hangUp)
    sigaddset(&hangUp, SIGHUP)
    pthread_sigmask(SIG_UNBLOCK, &hangUp, nil)
  }

  /// Reopens the files when a SIGHUP has arrived since the last reopen. Two relaxed loads when
  /// there is nothing to do, so it can run before every write.
  @inline(__always)
  static func reopenIfRequested() {
    if requested.load(ordering: .relaxed) != handled.load(ordering: .relaxed) { reopen() }
  }

  /// The file put in place of `descriptor` (`--output` for 1), nil when it is what the
  /// process was given: an error then says "stdout".
  static func path(of descriptor: Int32) -> String? {
    targets.withLock { targets in targets.first { $0.descriptor == descriptor }?.path }
  }

  /// How many times the files were reopened (for tests and metrics).
  static var reopenCount: Int { handled.load(ordering: .relaxed) }

  private static func reopen() {
    var failures: [(Target, Int32)] = []
    targets.withLock { targets in
      // Another writer may have reopened while this one waited for the lock.
      let wanted = requested.load(ordering: .relaxed)
      guard wanted != handled.load(ordering: .relaxed) else { return }
      for target in targets {
        if let code = redirect(target) { failures.append((target, code)) }
      }
      handled.store(wanted, ordering: .relaxed)
    }
    // Said after the lock: stderr's own flush would otherwise wait for it. The old file stays
    // in use, so nothing is lost.
    for (target, code) in failures {
      let message =
        "attio-pipe: cannot reopen \(target.path) after SIGHUP (still writing to the old file): "
        + String(cString: strerror(code)) + "\n"
      _ = message.withCString { write(STDERR_FILENO, $0, strlen($0)) }
    }
  }

  /// Opens `target.path` for appending and puts it on `target.descriptor`; the errno on failure.
  private static func redirect(_ target: Target) -> Int32? {
    let opened = open(target.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
    guard opened >= 0 else { return errno }
    defer { close(opened) }
    while dup2(opened, target.descriptor) < 0 {
      guard errno == EINTR || errno == EBUSY else { return errno }
    }
    return nil
  }
}
