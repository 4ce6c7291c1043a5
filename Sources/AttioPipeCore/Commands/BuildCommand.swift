import Glibc

/// `attio-pipe build`: events in, one Attio request body per eligible event out.
struct BuildCommand {
  let options: EventOptions

  func run() throws(PipelineError) -> RunReport {
    let stdout = OutputBuffer(fileDescriptor: STDOUT_FILENO)
    let diagnostics = DiagnosticReporter(verbosity: options.verbosity)
    let encoder = RequestBodyEncoder(slugs: options.slugs)
    var report = RunReport()
    let inputs = InputFiles(paths: options.inputs, maximumLineLength: options.maximumLineLength)
    try inputs.checkReadable()
    var session = try EventSession(
      options: options, state: try StateKeeper.open(options.state, diagnostics: diagnostics))
    let pipeline = EventPipeline(inputs: inputs, enabledEvents: options.enabledEvents)
    let (progress, progressLine) = ProgressCounters.start(
      wanted: ProgressLine.isWanted(options.progress, verbosity: options.verbosity),
      diagnostics: diagnostics)
    do {
      try pipeline.run(
        beforeWaiting: { () throws(PipelineError) in
          try stdout.flush()
          diagnostics.flushQuietly()
          session.maintenance()
        },
        consume: { line throws(PipelineError) in
          report.statistics.linesRead += 1
          progress?.countLine()
          switch session.process(line) {
          case .blank:
            break
          case .invalid(let error):
            report.statistics.invalid[error.reason] += 1
            diagnostics.invalidLine(error, at: line.location)
            if options.strict {
              diagnostics.error("stopping at the first invalid line (--strict)")
              return false
            }
          case .skipped(let reason):
            report.statistics.skipped[reason] += 1
            if diagnostics.wantsEventDetails {
              diagnostics.skipped(reason, at: line.location, messageId: messageId(of: line))
            }
          case .person(let person, let warnings):
            encoder.encode(person, into: stdout)
            stdout.append(UInt8(ascii: "\n"))
            try stdout.lineCompleted()
            report.statistics.bodiesWritten += 1
            progress?.countBody()
            for warning in warnings {
              report.statistics.warnings[warning] += 1
              if diagnostics.wantsEventDetails {
                diagnostics.warning(warning, at: line.location, messageId: messageId(of: line))
              }
            }
          }
          return true
        })
      try stdout.flush()
    } catch .outputClosed {
      report.outputClosed = true
    }
    report.interrupted = SignalMonitor.isInterrupted
    progressLine?.finish()
    report.statistics.evictions = session.evictions
    report.stateSaveFailed = !session.saveAtExit(diagnostics: diagnostics)
    diagnostics.summary(report.statistics)
    return report
  }

  private func messageId(of line: EventPipeline.Line) -> String? {
    EventProcessor.text(of: line.scanned.messageId, in: line.bytes)
  }
}
