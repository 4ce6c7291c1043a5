import Foundation

/// A child process whose pipes are read by threads of their own, used from async tests.
///
/// Every wait (for a line, for EOF, for the exit) happens on a dedicated thread through
/// `blocking(_:)`, never on the cooperative pool. A watchdog started with the process kills it
/// after `watchdog` seconds, so a hung child fails its own test (`killedByWatchdog`) and the
/// limit measures the child's own run, not the time its test waited to be scheduled.
public final class ChildProcess: @unchecked Sendable {
  // @unchecked: `Process` is not annotated, but after `run()` the members used here
  // (`processIdentifier`, `isRunning`, `terminationStatus` after the exit) are safe to read
  // from any thread; everything mutable lives in the lock-protected boxes below.

  public enum Output: Sendable {
    /// Read into memory by a thread of its own.
    case collect
    /// The reading end is closed at once: the child's writes fail with EPIPE.
    case closed
    /// `/dev/null`.
    case discard
    /// A pipe nobody reads until the test first asks for what it holds (`readLine`,
    /// `finish`): a child that writes much blocks, as behind a slow reader.
    case held
  }

  public struct Finished: Sendable {
    public var status: Int32
    public var stdout: Data
    public var stderr: Data
    public var killedByWatchdog: Bool

    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
  }

  public let processIdentifier: Int32
  private let process: Process
  private let input: FileHandle?
  private let stdoutSource: DeferredCollector?
  private let stderrCollector: StreamCollector?
  private var stdoutCollector: StreamCollector? { stdoutSource?.collector }
  private let exit = ExitBox()

  public init(
    executable: URL, arguments: [String], environment: [String: String]? = nil,
    directory: URL? = nil, stdin wantsInput: Bool = true, stdinFile: String? = nil,
    stdout: Output = .collect, stderr: Output = .collect, watchdog: Double = 120,
    onExit: (@Sendable () -> Void)? = nil
  ) throws {
    ChildProcess.ignoreBrokenPipes
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let environment { process.environment = environment }
    if let directory { process.currentDirectoryURL = directory }
    // `stdinFile`: stdin redirected from a file (`< FILE`), so the child sees a regular file.
    let inputFile = try stdinFile.map { path in
      guard let handle = FileHandle(forReadingAtPath: path) else {
        throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path])
      }
      return handle
    }
    let inputPipe = wantsInput && inputFile == nil ? Pipe() : nil
    process.standardInput = inputPipe ?? inputFile ?? FileHandle.nullDevice
    func attach(_ output: Output) -> Pipe? {
      output == .discard ? nil : Pipe()
    }
    let outputPipe = attach(stdout)
    let errorPipe = attach(stderr)
    process.standardOutput = outputPipe ?? FileHandle.nullDevice
    process.standardError = errorPipe ?? FileHandle.nullDevice
    let exit = self.exit
    process.terminationHandler = { finished in
      exit.set(finished.terminationStatus)
      onExit?()
    }
    try process.run()
    self.process = process
    processIdentifier = process.processIdentifier
    input = inputPipe?.fileHandleForWriting
    // Foundation closes the parent's copies of the child's ends after the launch.
    if let outputPipe, stdout != .closed {
      stdoutSource = DeferredCollector(outputPipe.fileHandleForReading, startNow: stdout != .held)
    } else {
      try? outputPipe?.fileHandleForReading.close()
      stdoutSource = nil
    }
    stderrCollector = ChildProcess.reader(errorPipe, stderr)
    let pid = processIdentifier
    DispatchQueue.global().asyncAfter(deadline: .now() + watchdog) { [exit] in
      if !exit.isSet {
        exit.markKilled()
        kill(pid, SIGKILL)
      }
    }
  }

  private static func reader(_ pipe: Pipe?, _ output: Output) -> StreamCollector? {
    guard let pipe else { return nil }
    if output == .closed {
      try? pipe.fileHandleForReading.close()
      return nil
    }
    return StreamCollector(pipe.fileHandleForReading)
  }

  /// A child that has exited must not kill the test runner with SIGPIPE when the test still
  /// writes to its stdin: the write fails with EPIPE instead.
  public static let ignoreBrokenPipes: Void = { _ = Glibc.signal(SIGPIPE, SIG_IGN) }()

  // MARK: - Talking to it

  /// Writes `data` to the child's stdin; false when it could not all be written (the child
  /// closed its stdin or exited: EPIPE).
  @discardableResult
  public func write(_ data: Data) async -> Bool {
    guard let input else { return false }
    return await blocking { (try? input.write(contentsOf: data)) != nil }
  }

  @discardableResult
  public func write(_ text: String) async -> Bool { await write(Data(text.utf8)) }

  /// The writing end of the child's stdin, for tests that write to it themselves (without
  /// blocking, say); nil without a stdin pipe.
  public var inputDescriptor: Int32? { input?.fileDescriptor }

  /// Closes the child's stdin: end of input.
  public func closeInput() {
    try? input?.close()
  }

  public func signal(_ number: Int32) {
    kill(processIdentifier, number)
  }

  /// The next line of stdout (without its newline), or nil at EOF or after `timeout` seconds.
  public func readLine(timeout: Double = 30) async -> String? {
    guard let stdoutCollector else { return nil }
    return await blocking { stdoutCollector.nextLine(timeout: timeout) }
  }

  /// Everything the child printed on stdout so far.
  public var stdoutSoFar: Data { stdoutCollector?.snapshot ?? Data() }

  /// Waits until stderr contains `text` (true), or EOF or `timeout` seconds pass (false).
  public func waitForStderr(containing text: String, timeout: Double = 30) async -> Bool {
    guard let stderrCollector else { return false }
    let needle = Data(text.utf8)
    return await blocking { stderrCollector.wait(forData: needle, timeout: timeout) }
  }

  /// Waits for the exit and for both streams' EOF.
  public func finish() async -> Finished {
    let exit = self.exit
    let stdoutCollector = self.stdoutCollector
    let stderrCollector = self.stderrCollector
    return await blocking {
      let status = exit.wait()
      return Finished(
        status: status, stdout: stdoutCollector?.waitForEnd() ?? Data(),
        stderr: stderrCollector?.waitForEnd() ?? Data(), killedByWatchdog: exit.killed)
    }
  }

  /// Waits for the exit only.
  public func waitForExit() async -> Int32 {
    let exit = self.exit
    return await blocking { exit.wait() }
  }

  public var isRunning: Bool { !exit.isSet }

  deinit {
    if !exit.isSet { kill(processIdentifier, SIGKILL) }
    try? input?.close()
  }
}

/// A stream collector started at once, or at the first use (`Output.held`).
private final class DeferredCollector: @unchecked Sendable {
  private let lock = NSLock()
  private let handle: FileHandle
  private var started: StreamCollector?

  init(_ handle: FileHandle, startNow: Bool) {
    self.handle = handle
    if startNow { started = StreamCollector(handle) }
  }

  var collector: StreamCollector {
    lock.withLock {
      if let started { return started }
      let collector = StreamCollector(handle)
      started = collector
      return collector
    }
  }
}

/// The exit status, handed from Foundation's termination handler to whoever waits.
private final class ExitBox: @unchecked Sendable {
  private let condition = NSCondition()
  private var status: Int32?
  private var wasKilled = false

  func set(_ value: Int32) {
    condition.withLock {
      status = value
      condition.broadcast()
    }
  }

  func markKilled() { condition.withLock { wasKilled = true } }

  var isSet: Bool { condition.withLock { status != nil } }
  var killed: Bool { condition.withLock { wasKilled } }

  func wait() -> Int32 {
    condition.withLock {
      while status == nil { condition.wait() }
      return status!
    }
  }
}

/// One output stream of the child, read to EOF by a thread of its own.
private final class StreamCollector: @unchecked Sendable {
  private let condition = NSCondition()
  private var data = Data()
  private var ended = false
  private var lineStart = 0

  init(_ handle: FileHandle) {
    let thread = Thread { [self] in
      let descriptor = handle.fileDescriptor
      var buffer = [UInt8](repeating: 0, count: 65_536)
      while true {
        let count = buffer.withUnsafeMutableBytes {
          Glibc.read(descriptor, $0.baseAddress, $0.count)
        }
        if count < 0 && errno == EINTR { continue }
        condition.withLock {
          if count > 0 { data.append(contentsOf: buffer[..<count]) } else { ended = true }
          condition.broadcast()
        }
        if count <= 0 { break }
      }
      try? handle.close()
    }
    thread.start()
  }

  var snapshot: Data { condition.withLock { data } }

  func waitForEnd() -> Data {
    condition.withLock {
      while !ended { condition.wait() }
      return data
    }
  }

  func wait(forData needle: Data, timeout: Double) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    return condition.withLock {
      while true {
        if data.range(of: needle) != nil { return true }
        if ended || !condition.wait(until: deadline) { return false }
      }
    }
  }

  func nextLine(timeout: Double) -> String? {
    let deadline = Date().addingTimeInterval(timeout)
    return condition.withLock {
      while true {
        if let newline = data[lineStart...].firstIndex(of: UInt8(ascii: "\n")) {
          let line = String(decoding: data[lineStart..<newline], as: UTF8.self)
          lineStart = newline + 1
          return line
        }
        if ended || !condition.wait(until: deadline) { return nil }
      }
    }
  }
}
