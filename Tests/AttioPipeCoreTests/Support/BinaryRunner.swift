import Foundation

/// Runs the built `attio-pipe` executable, as a user would, and captures what it prints.
struct BinaryRunner {
  struct Result {
    var status: Int32
    var stdout: Data
    var stderr: Data

    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    var stderrText: String { String(decoding: stderr, as: UTF8.self) }
  }

  /// The executable sits beside the test bundle in SwiftPM's build folder.
  static let executable: URL = {
    let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    var directory = testBinary.deletingLastPathComponent()
    while directory.path != "/" {
      let candidate = directory.appendingPathComponent("attio-pipe")
      if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
      directory = directory.deletingLastPathComponent()
    }
    return repositoryRoot.appendingPathComponent(".build/debug/attio-pipe")
  }()

  /// Feeding stdin to a binary that has already exited (a usage error) must fail the write
  /// with EPIPE, not kill the test runner with SIGPIPE.
  static let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

  static let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

  static let fixtures = repositoryRoot.appendingPathComponent("fixtures")

  /// Runs with `arguments`, feeding `stdin` (or nothing); the working directory is the
  /// repository root so fixture paths read as in README.md.
  static func run(
    _ arguments: [String], stdin: Data? = nil, environment: [String: String]? = nil
  ) throws -> Result {
    BinaryRunner.ignoreBrokenPipes
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.currentDirectoryURL = repositoryRoot
    if let environment { process.environment = environment }
    let input = Pipe()
    let output = Pipe()
    let errors = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    // Feed stdin on another thread so a large input cannot deadlock against full pipes.
    let writer = Thread {
      if let stdin { try? input.fileHandleForWriting.write(contentsOf: stdin) }
      try? input.fileHandleForWriting.close()
    }
    writer.start()
    let errorData = LockedData()
    let errorReader = Thread {
      errorData.value = errors.fileHandleForReading.readDataToEndOfFile()
    }
    errorReader.start()
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    while !errorData.isSet { usleep(1000) }
    return Result(status: process.terminationStatus, stdout: outputData, stderr: errorData.value)
  }
}

extension BinaryRunner {
  /// A running binary with pipes on all three streams, for tests that talk to it while it
  /// runs (streaming, signals).
  struct Running {
    var process: Process
    var input: Pipe
    var output: Pipe
    var errors: Pipe
  }

  /// Starts the binary; a watchdog kills it after `watchdog` seconds, so a hung binary fails
  /// its test instead of hanging the suite.
  static func start(
    _ arguments: [String], environment: [String: String]? = nil, watchdog: Double = 30
  ) throws -> Running {
    ignoreBrokenPipes
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let environment { process.environment = environment }
    let running = Running(process: process, input: Pipe(), output: Pipe(), errors: Pipe())
    process.standardInput = running.input
    process.standardOutput = running.output
    process.standardError = running.errors
    try process.run()
    DispatchQueue.global().asyncAfter(deadline: .now() + watchdog) {
      if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
    return running
  }
}

/// A value handed from a reader thread to the test.
final class LockedData: @unchecked Sendable {
  private let lock = NSLock()
  private var data: Data?

  var value: Data {
    get { lock.withLock { data ?? Data() } }
    set { lock.withLock { data = newValue } }
  }

  var isSet: Bool { lock.withLock { data != nil } }
}
