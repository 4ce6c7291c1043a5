import Glibc

/// rsyslog's omprog confirmation protocol (`--omprog`), spoken on stdin and stdout
/// (`confirmMessages="on"`, with or without `useTransactions="on"`):
///
///     <= OK                      ready (written when reading starts)
///     => BEGIN TRANSACTION       <= OK
///     => message                 <= DEFER_COMMIT
///     => COMMIT TRANSACTION      <= OK once every message of the batch is done, or one line
///                                   of error text: rsyslog then sends the batch again later
///     => message (no batch)      <= OK once it is done, or error text
///
/// rsyslog waits for each answer before it writes the next line, so lines come one at a time.
/// While a confirmation waits, a dot is written every `keepAliveInterval` (rsyslog restarts
/// its `confirmTimeout` at each dot and ignores leading dots): `....OK`. What "done" means is
/// the caller's `confirm` (with `--spool`: durably spooled; without: every event has its final
/// result). The marks are never handed on as events.
///
/// rsyslog does not hand a deferred message over again when the program dies before the
/// batch's COMMIT (rsyslog issue 2420: only a failed COMMIT sends the batch again), so a
/// `DEFER_COMMIT` is all rsyslog will ever know of that line. A caller that can keep a line
/// safe (the spool) does so in `secureDeferred`, before the answer.
package struct OmprogProtocol: Sendable {
  let inputs: InputFiles
  /// Waits until the messages through input line `line` are done, calling `keepAlive` about
  /// every `keepAliveInterval` seconds while it waits; nil when they are, else the error text.
  let confirm: @Sendable (_ line: Int, _ keepAlive: () -> Void) -> String?
  var keepAliveInterval = 1.0
  package var output: Int32 = STDOUT_FILENO
  /// Runs before each `DEFER_COMMIT` and makes the line survive the process (the spool's
  /// `write(2)`). With it, reads inside a transaction skip `beforeRead`: the COMMIT's
  /// `confirm` makes the whole batch durable, one `fdatasync` a batch rather than one a line.
  package var secureDeferred: (@Sendable () throws(PipelineError) -> Void)?

  package init(
    inputs: InputFiles,
    confirm: @escaping @Sendable (_ line: Int, _ keepAlive: () -> Void) -> String?
  ) {
    self.inputs = inputs
    self.confirm = confirm
  }

  static let beginMark = Array("BEGIN TRANSACTION".utf8)
  static let commitMark = Array("COMMIT TRANSACTION".utf8)

  /// Like `InputFiles.forEachLine`, answering the protocol as it goes.
  package func forEachLine(
    beforeRead: @escaping () throws(PipelineError) -> Void,
    idleInterval: Double?,
    stop: InputStop,
    opened: (_ input: Int, _ descriptor: Int32) -> (offset: Int, line: Int)? = { _, _ in nil },
    onLine body: (InputLine, InputFiles.Position) throws(PipelineError) -> Bool
  ) throws(PipelineError) {
    try answer("OK")
    var inTransaction = false
    var lastMessage = 0
    let secureDeferred = self.secureDeferred
    try inputs.forEachLine(
      beforeRead: { () throws(PipelineError) in
        if !inTransaction || secureDeferred == nil { try beforeRead() }
      },
      idleInterval: idleInterval, stop: stop, opened: opened,
      onLine: { line, position throws(PipelineError) in
        if case .text(let bytes) = line {
          if OmprogProtocol.matches(bytes, OmprogProtocol.beginMark) {
            inTransaction = true
            try answer("OK")
            return true
          }
          if OmprogProtocol.matches(bytes, OmprogProtocol.commitMark) {
            inTransaction = false
            // With `secureDeferred` the batch's sync is `confirm`'s, which answers a failure
            // with its error line (rsyslog logs it, and sends the batch again) rather than
            // ending the run without an answer.
            if secureDeferred == nil { try beforeRead() }
            try answer(confirm(lastMessage, { try? dot() }) ?? "OK")
            return true
          }
        }
        guard try body(line, position) else { return false }
        lastMessage = position.line
        if inTransaction {
          try secureDeferred?()
          try answer("DEFER_COMMIT")
        } else {
          try beforeRead()
          try answer(confirm(lastMessage, { try? dot() }) ?? "OK")
        }
        return true
      })
  }

  private static func matches(_ bytes: UnsafeBufferPointer<UInt8>, _ mark: [UInt8]) -> Bool {
    bytes.count == mark.count && bytes.elementsEqual(mark)
  }

  /// One answer line; an error text is kept to one line (rsyslog reads up to a newline).
  private func answer(_ text: String) throws(PipelineError) {
    var line = Array(text.utf8.map { $0 == 10 || $0 == 13 ? 32 : $0 })
    line.append(10)
    try write(line)
  }

  private func dot() throws(PipelineError) {
    try write([UInt8(ascii: ".")])
  }

  private func write(_ bytes: [UInt8]) throws(PipelineError) {
    let descriptor = output
    let failure = bytes.withUnsafeBytes { raw -> Int32? in
      do throws(SystemCallError) {
        try SystemCall.writeAll(descriptor, raw)
        return nil
      } catch {
        return error.errno
      }
    }
    // EPIPE: rsyslog closed its end, it is stopping the program.
    if let failure { throw failure == EPIPE ? .outputClosed : .writeFailed(errno: failure) }
  }
}

extension OmprogProtocol: LineSource {
  package func forEachLine(
    beforeRead: @escaping () throws(PipelineError) -> Void,
    idleInterval: Double?,
    stop: InputStop,
    onLine body: (InputLine, InputFiles.Position) throws(PipelineError) -> Bool
  ) throws(PipelineError) {
    try forEachLine(
      beforeRead: beforeRead, idleInterval: idleInterval, stop: stop, opened: { _, _ in nil },
      onLine: body)
  }

  package func displayName(_ input: Int) -> String? { inputs.displayName(input) }
}
