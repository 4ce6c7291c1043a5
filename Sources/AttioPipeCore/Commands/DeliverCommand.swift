/// `attio-pipe deliver`: events in, upserts sent to Attio, one result per eligible event out.
struct DeliverCommand {
  let options: EventOptions
  let settings: DeliverySettings

  func run() throws(PipelineError) -> RunReport {
    let inputs = InputFiles(paths: options.inputs, maximumLineLength: options.maximumLineLength)
    try inputs.checkReadable()
    let diagnostics = DiagnosticReporter(verbosity: options.verbosity)
    let state = try StateKeeper.open(
      options.state, diagnostics: diagnostics, identity: options.identityRestore)
    let session = try DeliverySession(settings: settings, diagnostics: diagnostics, state: state)
    let encoder = RequestBodyEncoder(slugs: options.slugs)
    let emailSlug = options.slugs[.emailAddresses]
    var events = try EventSession(
      options: options, state: state, diagnostics: diagnostics,
      deliverySnapshot: { session.stateSnapshot() })
    var report = RunReport()
    let metrics = try options.destinations.openMetrics(
      mode: "deliver", diagnostics: diagnostics, delivery: { session.metricsSample })
    let progressLine: ProgressLine?
    (events.progress, progressLine) = ProgressCounters.start(
      wanted: ProgressLine.isWanted(options.progress, verbosity: options.verbosity),
      diagnostics: diagnostics, delivery: { session.progress })
    let pipeline = EventPipeline(inputs: inputs, enabledEvents: options.enabledEvents)
    try pipeline.run(
      beforeWaiting: {
        diagnostics.flushQuietly()
        events.maintenance()
        metrics?.publish(events.metricsSample(report.statistics, state: state))
      },
      consume: { line in
        switch events.handle(line, into: &report.statistics) {
        case .next: break
        case .stop: return false
        case .person(let person):
          let request = UpsertRequest(
            email: person.email, emailSlug: emailSlug, attributes: encoder.attributes(of: person))
          session.submit(
            DeliveryJob(
              location: line.location, messageId: EventSession.messageId(of: line),
              request: request))
        }
        if let metrics, report.statistics.linesRead % EventSession.metricsInterval == 0 {
          metrics.publish(events.metricsSample(report.statistics, state: state))
        }
        return !session.outputClosed
      })
    report.statistics.evictions = events.evictions
    session.finish(&report, progress: progressLine)
    report.stateSaveFailed = !events.saveAtExit()
    metrics?.finish(events.metricsSample(report.statistics, state: state))
    return report
  }
}
