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
    let state = try StateKeeper.open(
      options.state, diagnostics: diagnostics, identity: options.identityRestore)
    var session = try EventSession(options: options, state: state, diagnostics: diagnostics)
    let metrics = try options.destinations.openMetrics(mode: "build", diagnostics: diagnostics)
    let pipeline = EventPipeline(inputs: inputs, enabledEvents: options.enabledEvents)
    let progressLine: ProgressLine?
    (session.progress, progressLine) = ProgressCounters.start(
      wanted: ProgressLine.isWanted(options.progress, verbosity: options.verbosity),
      diagnostics: diagnostics)
    do {
      try pipeline.run(
        beforeWaiting: { () throws(PipelineError) in
          try stdout.flush()
          diagnostics.flushQuietly()
          session.maintenance()
          metrics?.publish(session.metricsSample(report.statistics, state: state))
        },
        consume: { line throws(PipelineError) in
          switch session.handle(line, into: &report.statistics) {
          case .next: break
          case .stop: return false
          case .person(let person):
            encoder.encode(person, into: stdout)
            stdout.append(UInt8(ascii: "\n"))
            try stdout.lineCompleted()
          }
          if let metrics, report.statistics.linesRead % EventSession.metricsInterval == 0 {
            metrics.publish(session.metricsSample(report.statistics, state: state))
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
    report.stateSaveFailed = !session.saveAtExit()
    diagnostics.summary(report.statistics)
    metrics?.finish(session.metricsSample(report.statistics, state: state))
    return report
  }
}
