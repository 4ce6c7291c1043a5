import AttioPipeCore
import Dispatch
import Glibc

/// The ingest thread of `--spool`: reads the inputs and appends every line to the spool,
/// committed (written and `fdatasync`ed) in groups, before the pipeline can see it.
///
/// A group ends before every read that may block (so a quiet `tail -F` makes each line durable
/// at once) and every `groupLines` lines or `groupBytes` bytes of a busy stream (one
/// `fdatasync` per group). So what was read but is not durable yet, and would be lost with the
/// process, is at most one group: the bytes one read returned (at most 256 KiB), and never a
/// line the pipeline has acted on.
///
/// With `--omprog`, a batch is one group, ended by its COMMIT rather than by each read inside
/// it, and each of its lines is written (`write(2)`, not synced) before rsyslog is answered
/// `DEFER_COMMIT`: the process dying then loses none of them (rsyslog would not hand them over
/// again), and a host crash at most what was written since the last sync.
package final class SpoolIngest: @unchecked Sendable {
  static let groupLines = 4096
  static let groupBytes = 1 << 20

  private let spool: Spool
  private let inputs: InputFiles
  private let stop: InputStop
  private let warn: @Sendable (String) -> Void
  /// `--omprog`: rsyslog's protocol is answered as lines are spooled: a line of a batch is
  /// written (not synced) before its `DEFER_COMMIT`, and the batch is synced once, before its
  /// COMMIT is confirmed; reads inside a batch end no group.
  private let omprog: Int32?

  /// `omprog`: the descriptor to answer rsyslog's protocol on (nil without `--omprog`).
  package init(
    spool: Spool, inputs: InputFiles, stop: InputStop, omprog: Int32? = nil,
    warn: @escaping @Sendable (String) -> Void
  ) {
    self.spool = spool
    self.inputs = inputs
    self.stop = stop
    self.omprog = omprog
    self.warn = warn
  }

  /// Reads the inputs, or (`--omprog`) stdin through rsyslog's protocol, confirming each batch
  /// once it is durable in the spool.
  private func forEachLine(
    beforeRead: @escaping () throws(PipelineError) -> Void,
    opened: (_ input: Int, _ descriptor: Int32) -> (offset: Int, line: Int)?,
    onLine body: (InputLine, InputFiles.Position) throws(PipelineError) -> Bool
  ) throws(PipelineError) {
    guard let answers = omprog else {
      try inputs.forEachLine(
        beforeRead: beforeRead, idleInterval: nil, stop: stop, opened: opened, onLine: body)
      return
    }
    let spool = self.spool
    var protocolReader = OmprogProtocol(
      inputs: inputs,
      confirm: { _, _ -> String? in
        do throws(SpoolError) {
          try spool.commit()
          return nil
        } catch {
          return "attio-pipe cannot write its spool: \(error.message)"
        }
      })
    protocolReader.output = answers
    protocolReader.secureDeferred = { () throws(PipelineError) in
      do throws(SpoolError) {
        try spool.write()
      } catch {
        throw .spool(error.message)
      }
    }
    try protocolReader.forEachLine(
      beforeRead: beforeRead, idleInterval: nil, stop: stop, opened: opened, onLine: body)
  }

  /// Starts the thread; the spool's `finishInput` says when it is done.
  package func start() {
    DispatchQueue.global().async { self.run() }
  }

  private func run() {
    let spool = self.spool
    let stop = self.stop
    var references: [Int: UInt32] = [:]
    var linesInGroup = 0
    var bytesInGroup = 0
    func commit() throws(PipelineError) {
      linesInGroup = 0
      bytesInGroup = 0
      do throws(SpoolError) {
        try spool.commit()
      } catch {
        throw .spool(error.message)
      }
    }
    do throws(PipelineError) {
      try forEachLine(
        beforeRead: { () throws(PipelineError) in try commit() },
        opened: { index, descriptor in
          var status = stat()
          let known = fstat(descriptor, &status) == 0
          let isRegular = known && (status.st_mode & S_IFMT) == S_IFREG
          let device = known ? UInt64(status.st_dev) : 0
          let inode = known ? UInt64(status.st_ino) : 0
          references[index] = spool.register(
            device: device, inode: inode, isRegularFile: isRegular,
            name: self.inputs.displayName(index))
          guard isRegular, let resume = spool.resumePoint(device: device, inode: inode) else {
            return nil
          }
          guard resume.offset <= Int(status.st_size) else {
            self.warn(
              "\(self.inputs.paths[index] == "-" ? "stdin" : self.inputs.paths[index]) is "
                + "shorter than where the spool left it (byte \(resume.offset)): read from "
                + "its start")
            return nil
          }
          return resume
        },
        onLine: { line, position throws(PipelineError) in
          do throws(SpoolError) {
            // --omprog: rsyslog waits for this line's answer meanwhile; keep-alive dots tell
            // it attio-pipe is not hung (it ignores leading dots in an answer).
            try spool.waitForRoom(
              stopped: { stop.requested() || stop.cancelled() },
              keepAlive: self.omprog.map { descriptor in
                {
                  var dot = UInt8(ascii: ".")
                  _ = Glibc.write(descriptor, &dot, 1)
                }
              })
          } catch {
            throw .spool(error.message)
          }
          let reference = references[position.input] ?? 0
          switch line {
          case .text(let bytes):
            spool.appendLine(
              input: reference, lineNumber: position.line, endOffset: position.endOffset,
              bytes: bytes)
            bytesInGroup += bytes.count
          case .tooLong(let length):
            spool.appendLine(
              input: reference, lineNumber: position.line, endOffset: position.endOffset,
              bytes: nil, tooLongLength: length)
          }
          linesInGroup += 1
          if linesInGroup >= SpoolIngest.groupLines || bytesInGroup >= SpoolIngest.groupBytes {
            try commit()
          }
          return !stop.cancelled()
        })
      try commit()
      spool.finishInput(failure: nil)
    } catch {
      try? spool.commit()
      spool.finishInput(failure: error)
    }
  }
}
