import AttioPipeCore
import AttioPipeDelivery
import Glibc

/// What `deliver` and `send` do with `--spool` before their loop: open and recover the spool
/// (a directory that cannot be used is exit 2, before any input is read), decide where its
/// tail starts, start the ingest thread, and send again the jobs an earlier run left without
/// a final result.
struct SpoolStart {
  let spool: Spool
  let tail: SpoolTail

  /// Where the tail starts. The identities restored from `--state` include exactly the lines
  /// before the position saved with them, so those after it are processed again (silently
  /// where they had been processed). Without `--state` nothing is restored, so every line still
  /// on disk rebuilds what it can. `send` keeps no identities: only new lines matter.
  static func open(
    _ options: Spool.Options, frontEnd: CommandFrontEnd, ownsIdentities: Bool
  ) throws(PipelineError) -> SpoolStart {
    let spool: Spool
    do {
      spool = try Spool(options)
    } catch {
      throw .spool(error.message)
    }
    let recovery = spool.recovery
    var start = recovery.processedBelow
    if ownsIdentities {
      if let mark = frontEnd.state?.spoolMark, mark.spoolId == spool.spoolId {
        start = min(max(mark.position, recovery.firstLine), spool.nextSequence)
      } else {
        // No identities saved with this spool (no --state, or none saved before the end):
        // every line still on disk rebuilds them.
        start = recovery.firstLine
      }
    }
    if let path = recovery.tornPath {
      frontEnd.diagnostics.runWarning(
        "the spool's last write before the previous run ended was cut short: "
          + "\(recovery.tornBytes) bytes at the end of \(path) were not a whole record and "
          + "were removed (those lines had not been confirmed to the source)")
    }
    if getenv("ATTIO_PIPE_SPOOL_DEBUG") != nil {
      frontEnd.diagnostics.runWarning(
        "spool debug: start \(start) firstLine \(recovery.firstLine) processedBelow "
          + "\(recovery.processedBelow) next \(spool.nextSequence) unfinished "
          + "\(recovery.unfinished.count) mark \(frontEnd.state?.spoolMark?.position ?? 0) "
          + "unfinished: \(recovery.unfinished.map(\.sequence).prefix(40))")
    }
    let tail = SpoolTail(
      spool: spool, start: start, maximumLineLength: frontEnd.options.maximumLineLength)
    frontEnd.lineSource = tail
    let diagnostics = frontEnd.diagnostics
    SpoolIngest(
      spool: spool, inputs: frontEnd.inputs, stop: SignalMonitor.inputStop(),
      omprog: frontEnd.options.omprog ? frontEnd.options.protocolDescriptor : nil,
      warn: { diagnostics.runWarning($0) }
    ).start()
    return SpoolStart(spool: spool, tail: tail)
  }

  /// At the end of the run: lets the ingest thread finish spooling what it has read (at a
  /// stop, what was readable on a pipe), within a few seconds.
  func finishIngest() {
    spool.waitUntilInputFinished(timeout: 5)
  }

  /// Sends again, first and in their original order, the jobs that have no final result.
  func resubmit(into session: DeliverySession) {
    for (sequence, spooled) in spool.recovery.unfinished {
      var job = spooled
      job.spoolSequence = sequence
      session.submit(job, send: !SignalMonitor.isInterrupted)
    }
  }
}
