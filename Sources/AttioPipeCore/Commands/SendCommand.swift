/// `attio-pipe send`: request bodies in (what `build` prints, or the `request` of failed
/// results), sent to Attio, one result per body out.
struct SendCommand {
  let options: EventOptions
  let settings: DeliverySettings

  func run() throws(PipelineError) -> RunReport {
    let inputs = InputFiles(paths: options.inputs, maximumLineLength: options.maximumLineLength)
    try inputs.checkReadable()
    let diagnostics = DiagnosticReporter(verbosity: options.verbosity)
    let state = try StateKeeper.open(options.state, diagnostics: diagnostics)
    let session = try DeliverySession(settings: settings, diagnostics: diagnostics, state: state)
    let parser = RequestBodyParser(slugs: options.slugs)
    var report = RunReport()
    let metrics = try options.destinations.openMetrics(
      mode: "send", diagnostics: diagnostics, delivery: { session.metricsSample })
    let sample = { MetricsFile.Sample(statistics: report.statistics, stateSaves: state?.saves) }
    let (progress, progressLine) = ProgressCounters.start(
      wanted: ProgressLine.isWanted(options.progress, verbosity: options.verbosity),
      diagnostics: diagnostics, delivery: { session.progress })
    // Bodies go out at Attio's write rate, so one thread reads them: no scanner thread needed.
    try inputs.forEachLine(
      beforeRead: {
        diagnostics.flushQuietly()
        state?.saveIfDue(identity: { nil }, delivery: { session.stateSnapshot() })
        metrics?.publish(sample())
      },
      interrupted: { SignalMonitor.shouldStopReading },
      onLine: { line, input, lineNumber in
        report.statistics.linesRead += 1
        progress?.countLine()
        let location = InputLocation(file: inputs.displayName(input), line: lineNumber)
        let parsed: Result<UpsertRequest, JSONScanError>
        switch line {
        case .tooLong(let length):
          parsed = .failure(
            JSONScanError(.lineTooLong, at: min(length, inputs.maximumLineLength), "line too long"))
        case .text(let bytes):
          if EventScanner.isBlank(bytes) { return true }
          parsed = parser.parse(bytes)
        }
        switch parsed {
        case .failure(let error):
          report.statistics.invalid[error.reason] += 1
          diagnostics.invalidLine(error, at: location)
          if options.strict {
            diagnostics.error("stopping at the first invalid line (--strict)")
            return false
          }
        case .success(let request):
          report.statistics.bodiesWritten += 1
          progress?.countBody()
          session.submit(DeliveryJob(location: location, messageId: nil, request: request))
        }
        if let metrics, report.statistics.linesRead % EventSession.metricsInterval == 0 {
          metrics.publish(sample())
        }
        return !session.outputClosed
      })
    session.finish(&report, progress: progressLine)
    do {
      try state?.save(identity: nil, delivery: session.stateSnapshot())
    } catch {
      diagnostics.error(error.message)
      report.stateSaveFailed = true
    }
    metrics?.finish(sample())
    return report
  }
}
