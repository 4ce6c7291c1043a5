import Glibc

/// `attio-pipe build`: events in, one Attio request body per eligible event out.
struct BuildCommand {
  let options: EventOptions

  func run() throws(PipelineError) -> RunReport {
    let stdout = OutputBuffer(fileDescriptor: STDOUT_FILENO)
    let diagnostics = DiagnosticReporter(verbosity: options.verbosity)
    let encoder = RequestBodyEncoder(slugs: options.slugs)
    var processor = EventProcessor(options.processorConfiguration)
    var report = RunReport()
    let inputs = InputFiles(paths: options.inputs, maximumLineLength: options.maximumLineLength)
    do {
      try inputs.forEachLine(
        beforeRead: { () throws(PipelineError) in
          try stdout.flush()
          diagnostics.flushQuietly()
        },
        interrupted: { SignalMonitor.isInterrupted },
        onLine: { line, location throws(PipelineError) in
          report.statistics.linesRead += 1
          switch processor.process(line, maximumLineLength: options.maximumLineLength) {
          case .blank:
            break
          case .invalid(let error):
            report.statistics.invalid[error.reason] += 1
            diagnostics.invalidLine(error, at: location)
            if options.strict {
              diagnostics.error("stopping at the first invalid line (--strict)")
              return false
            }
          case .skipped(let reason):
            report.statistics.skipped[reason] += 1
            let messageId = diagnostics.wantsEventDetails ? processor.messageId : nil
            diagnostics.skipped(reason, at: location, messageId: messageId)
          case .person(let person, let warnings):
            encoder.encode(person, into: stdout)
            stdout.append(UInt8(ascii: "\n"))
            try stdout.lineCompleted()
            report.statistics.bodiesWritten += 1
            for warning in warnings {
              report.statistics.warnings[warning] += 1
              let messageId = diagnostics.wantsEventDetails ? processor.messageId : nil
              diagnostics.warning(warning, at: location, messageId: messageId)
            }
          }
          return true
        })
      try stdout.flush()
    } catch .outputClosed {
      report.outputClosed = true
    }
    report.interrupted = SignalMonitor.isInterrupted
    report.statistics.evictions = processor.evictions
    diagnostics.summary(report.statistics)
    return report
  }
}
