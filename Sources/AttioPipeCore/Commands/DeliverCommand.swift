/// `attio-pipe deliver`: events in, upserts sent to Attio, one result per eligible event out.
struct DeliverCommand {
  let options: EventOptions
  let settings: DeliverySettings

  func run() throws(PipelineError) -> RunReport {
    let inputs = InputFiles(paths: options.inputs, maximumLineLength: options.maximumLineLength)
    try inputs.checkReadable()
    let diagnostics = DiagnosticReporter(verbosity: options.verbosity)
    let state = try StateKeeper.open(options.state, diagnostics: diagnostics)
    let session = try DeliverySession(settings: settings, diagnostics: diagnostics, state: state)
    let encoder = RequestBodyEncoder(slugs: options.slugs)
    let emailSlug = options.slugs[.emailAddresses]
    var events = try EventSession(
      options: options, state: state, deliverySnapshot: { session.stateSnapshot() })
    var report = RunReport()
    let (progress, progressLine) = ProgressCounters.start(
      wanted: ProgressLine.isWanted(options.progress, verbosity: options.verbosity),
      diagnostics: diagnostics, delivery: { session.progress })
    let pipeline = EventPipeline(inputs: inputs, enabledEvents: options.enabledEvents)
    try pipeline.run(
      beforeWaiting: {
        diagnostics.flushQuietly()
        events.maintenance()
      },
      consume: { line in
        report.statistics.linesRead += 1
        progress?.countLine()
        switch events.process(line) {
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
          report.statistics.bodiesWritten += 1
          progress?.countBody()
          for warning in warnings {
            report.statistics.warnings[warning] += 1
            if diagnostics.wantsEventDetails {
              diagnostics.warning(warning, at: line.location, messageId: messageId(of: line))
            }
          }
          let request = UpsertRequest(
            email: person.email, emailSlug: emailSlug, attributes: encoder.attributes(of: person))
          session.submit(
            DeliveryJob(location: line.location, messageId: messageId(of: line), request: request))
        }
        return !session.outputClosed
      })
    report.statistics.evictions = events.evictions
    session.finish(&report, progress: progressLine)
    report.stateSaveFailed = !events.saveAtExit(diagnostics: diagnostics)
    return report
  }

  private func messageId(of line: EventPipeline.Line) -> String? {
    EventProcessor.text(of: line.scanned.messageId, in: line.bytes)
  }
}
