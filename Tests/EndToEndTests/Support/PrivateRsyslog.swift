import Foundation

/// A private rsyslogd for one test: its own configuration, work directory and pid file, no
/// socket and nothing system-wide, started in the foreground (`-n`) and stopped with SIGTERM
/// as a service manager would.
final class PrivateRsyslog: @unchecked Sendable {
  /// Where Debian installs the daemon; nil when it is not installed.
  static let executable: String? = ["/usr/sbin/rsyslogd", "/sbin/rsyslogd", "/usr/bin/rsyslogd"]
    .first { FileManager.default.isExecutableFile(atPath: $0) }

  static let missingMessage =
    "rsyslogd is not installed (apt-get install rsyslog; .ci/run installs it): "
    + "the rsyslog integration tests are skipped"

  let directory: URL
  let log: URL
  private let process = Process()

  /// Writes `configuration` (with the work directory prepended) and starts the daemon with
  /// `environment`, which omprog hands on to the program it starts.
  init(configuration: String, directory: URL, environment: [String: String]) throws {
    guard let executable = PrivateRsyslog.executable else { throw Failure.notInstalled }
    self.directory = directory
    let work = directory.appendingPathComponent("rsyslog-work")
    try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    let configurationFile = directory.appendingPathComponent("rsyslog.conf")
    try Data(("global(workDirectory=\"\(work.path)\")\n" + configuration).utf8)
      .write(to: configurationFile)
    log = directory.appendingPathComponent("rsyslogd.log")
    _ = FileManager.default.createFile(atPath: log.path, contents: nil)
    let logHandle = try FileHandle(forWritingTo: log)
    // Foundation starts children with signals blocked; rsyslogd (and omprog's child) must see
    // SIGTERM and SIGHUP, so a one-line launcher clears the mask before exec. `timeout` bounds
    // the daemon's life should the test process die without stopping it; it passes our
    // SIGTERM on to rsyslogd alone (--foreground), so the stop is rsyslog's own.
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [
      "python3", "-c",
      "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); "
        + "os.execvp(sys.argv[1], sys.argv[1:])",
      "timeout", "--foreground", "--signal=KILL", "600",
      executable, "-n", "-f", configurationFile.path,
      "-i", directory.appendingPathComponent("rsyslogd.pid").path,
    ]
    process.environment = environment
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = logHandle
    process.standardError = logHandle
    try process.run()
  }

  var isRunning: Bool { process.isRunning }

  /// An rsyslog example of `examples/rsyslog/` (`file`) with the executable being tested and
  /// its paths (events, attio-pipe's files, the key) moved into `directory`.
  static func example(_ file: String, in directory: URL) throws -> String {
    try String(
      contentsOf: BinaryRunner.repositoryRoot.appendingPathComponent("examples/rsyslog/" + file),
      encoding: .utf8
    )
    .replacingOccurrences(of: "/usr/local/bin/attio-pipe", with: BinaryRunner.executable.path)
    .replacingOccurrences(of: "/var/log/events/", with: directory.path + "/events/")
    .replacingOccurrences(of: "/var/lib/attio-pipe/", with: directory.path + "/lib/")
    .replacingOccurrences(of: "/etc/attio-pipe/", with: directory.path + "/lib/")
  }

  /// SIGTERM, then waits (bounded) for the daemon to exit; omprog waits for its program
  /// (up to the configuration's `closeTimeout`) before rsyslogd exits.
  func stop(timeout: Double = 90) async throws {
    guard process.isRunning else { return }
    Glibc.kill(process.processIdentifier, SIGTERM)
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline {
      try await Task.sleep(for: .milliseconds(50))
    }
    if process.isRunning {
      Glibc.kill(process.processIdentifier, SIGKILL)
      throw Failure.didNotStop(logText)
    }
  }

  /// Last resort (a failed test): nothing must outlive the test. attio-pipe, omprog's child,
  /// then sees the end of its input and exits by itself.
  func kill() {
    guard process.isRunning else { return }
    if let text = try? String(
      contentsOf: directory.appendingPathComponent("rsyslogd.pid"), encoding: .utf8),
      let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    {
      Glibc.kill(pid, SIGKILL)
    }
    Glibc.kill(process.processIdentifier, SIGKILL)
  }

  var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

  enum Failure: Error {
    case notInstalled
    case didNotStop(String)
  }
}
