import Foundation
import TestSupport
import Testing

/// Runs the built `attio-pipe` executable, as a user would, and captures what it prints.
enum BinaryRunner {
  typealias Result = ChildProcess.Finished

  /// The executable sits beside the test bundle in SwiftPM's build folder.
  static let executable: URL = {
    let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    var directory = testBinary.deletingLastPathComponent()
    while directory.path != "/" {
      let candidate = directory.appendingPathComponent("attio-pipe")
      if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
      directory = directory.deletingLastPathComponent()
    }
    return Repository.path(".build/debug/attio-pipe")
  }()

  static let repositoryRoot = Repository.root
  static let fixtures = Repository.fixtures

  /// How many binaries run at once: enough to keep two cores busy while others wait on the
  /// mock's latency, few enough that a busy machine does not become the thing under test.
  static let gate = ProcessGate(width: 4)

  /// Runs with `arguments`, feeding `stdin` (or nothing), and waits for the exit. The working
  /// directory is the repository root so fixture paths read as in README.md. A run the
  /// watchdog had to kill is recorded as a test failure.
  static func run(
    _ arguments: [String], stdin: Data? = nil, environment: [String: String]? = nil,
    watchdog: Double = 120, shell: Shell? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
  ) async throws -> Result {
    let child = try await start(
      arguments, environment: environment, watchdog: watchdog, shell: shell)
    if let stdin { await child.write(stdin) }
    child.closeInput()
    let result = await child.finish()
    if result.killedByWatchdog {
      Issue.record(
        "attio-pipe \(arguments.joined(separator: " ")) was killed after \(watchdog) s",
        sourceLocation: sourceLocation)
    }
    return result
  }

  /// Starts the binary with pipes on all three streams, for tests that talk to it while it
  /// runs (streaming, signals). Its watchdog kills it after `watchdog` seconds of its own run.
  /// With `stdinFile`, stdin is that file (`< FILE`) instead of a pipe.
  static func start(
    _ arguments: [String], environment: [String: String]? = nil, watchdog: Double = 60,
    stdinFile: String? = nil, stdout: ChildProcess.Output = .collect,
    stderr: ChildProcess.Output = .collect, shell: Shell? = nil
  ) async throws -> ChildProcess {
    // The test owns the place (all its cases together: Test.Case has no public identity).
    let owner = Test.current.map { "\($0.id)" }
    await gate.enter(owner: owner)
    do {
      let launched =
        shell?.launch(executable, arguments) ?? (executable: executable, arguments: arguments)
      return try ChildProcess(
        executable: launched.executable, arguments: launched.arguments,
        environment: environment, directory: repositoryRoot, stdinFile: stdinFile,
        stdout: stdout, stderr: stderr, watchdog: watchdog,
        onExit: { Task { await gate.leave(owner: owner) } })
    } catch {
      await gate.leave(owner: owner)
      throw error
    }
  }
}

extension BinaryRunner {
  /// Runs the binary through `/bin/sh -c 'SETUP; exec BINARY ARGUMENTS REDIRECTIONS'`, for what
  /// a process launcher cannot say: a closed descriptor (`<&-`), stdout on `/dev/full`, a
  /// file size limit (`ulimit -f`).
  struct Shell {
    var setup = ""
    var redirections = ""

    func launch(_ executable: URL, _ arguments: [String]) -> (
      executable: URL, arguments: [String]
    ) {
      let script = (setup.isEmpty ? "" : setup + "; ") + "exec \"$0\" \"$@\" " + redirections
      return (URL(fileURLWithPath: "/bin/sh"), ["-c", script, executable.path] + arguments)
    }
  }
}
