import AttioPipeCore
import AttioPipeDelivery

/// `attio-pipe send`: request bodies in (what `build` prints, or the `request` of failed
/// results), sent to Attio, one result per body out.
struct SendCommand {
  let options: EventOptions
  let settings: DeliverySettings

  func run() throws(PipelineError) -> RunReport {
    AllocatorTuning.useOneArena()
    let frontEnd = try CommandFrontEnd(options, ownsIdentities: false)
    let state = frontEnd.state
    let inputs = frontEnd.inputs
    var settings = self.settings
    if settings.scheduler.writeMode == .merge {
      // The bodies may hold `--map` attributes: merge mode must know which are multiselects
      // (it only adds to those), as deliver does.
      let reader = SchemaReader(settings: settings, userAgent: "attio-pipe/\(Invocation.version)")
      do {
        let people = try reader.read(object: "people", optionsFor: [])
        settings.scheduler.multiselect.formUnion(
          people.attributes.filter(\.isMultiselect).map(\.slug))
      } catch {
        guard !error.isAuthentication else {
          frontEnd.diagnostics.error("cannot read the people attributes: \(error.message)")
          var report = RunReport()
          report.authenticationFailed = true
          return report
        }
        frontEnd.diagnostics.runWarning(
          "cannot read the people attributes (\(error.message)): only phone numbers and "
            + "emails are merged as lists")
      }
    }
    let spooled = try options.spool.map { options throws(PipelineError) in
      try SpoolStart.open(options, frontEnd: frontEnd, ownsIdentities: false)
    }
    let session = try DeliverySession(
      settings: settings, diagnostics: frontEnd.diagnostics, state: state,
      spool: spooled?.spool)
    let parser = RequestBodyParser(slugs: options.slugs)
    var report = RunReport()
    let metrics = try options.destinations.openMetrics(
      mode: "send", diagnostics: frontEnd.diagnostics, delivery: { session.metricsSample })
    let sample = { MetricsFile.Sample(statistics: frontEnd.statistics, stateSaves: state?.saves) }
    frontEnd.startProgress(delivery: { session.progress })
    spooled?.resubmit(into: session)
    let source = frontEnd.lineSource
    // With --spool, the bodies read so far are let go once their jobs are recorded.
    var position: UInt64 = spooled?.tail.start ?? 0
    // Bodies go out at Attio's write rate, so one thread reads them: no scanner thread needed.
    try source.forEachLine(
      beforeRead: {
        frontEnd.diagnostics.flushQuietly()
        if let spool = spooled?.spool, let state {
          // A segment goes only once a save follows its last result: the delivery memory a
          // restart loads must know what those jobs wrote.
          let settled = spool.settledSegments()
          if state.saveIfDue(identity: { nil }, delivery: { session.stateSnapshot() }) {
            spool.release(upTo: position, settled: settled)
          }
        } else {
          state?.saveIfDue(identity: { nil }, delivery: { session.stateSnapshot() })
          spooled?.spool.release(upTo: position)
        }
        metrics?.publish(sample())
      },
      idleInterval: frontEnd.idleInterval,
      stop: SignalMonitor.inputStop(),
      onLine: { line, linePosition in
        position = linePosition.sequence + 1
        // A body an earlier run had read: its job (if any) was sent again from the spool.
        if linePosition.isReplay { return true }
        frontEnd.countLine()
        let location = InputLocation(
          file: source.displayName(linePosition.input), line: linePosition.line)
        let parsed: Result<UpsertRequest, JSONScanError>
        switch line {
        case .tooLong(let length):
          parsed = .failure(inputs.tooLongError(length: length))
        case .text(let bytes):
          if EventScanner.isBlank(bytes) { return true }
          parsed = parser.parse(bytes)
        }
        switch parsed {
        case .failure(let error):
          guard frontEnd.invalidLine(error, at: location) else { return false }
        case .success(let request):
          frontEnd.countEligible()
          // A body read after a stop signal is reported not_sent, with its request.
          session.submit(
            spooled: DeliveryJob(location: location, messageId: nil, request: request),
            sequence: linePosition.sequence, afterStop: linePosition.afterStop)
        }
        if let metrics, frontEnd.statistics.linesRead % EventSession.metricsInterval == 0 {
          metrics.publish(sample())
        }
        return !session.outputClosed
      })
    spooled?.finishIngest()
    session.finish(&report, frontEnd: frontEnd)
    let settled = spooled?.spool.settledSegments()
    do {
      try state?.save(identity: nil, delivery: session.stateSnapshot())
      spooled?.spool.release(upTo: position, settled: state == nil ? nil : settled)
    } catch {
      frontEnd.diagnostics.error(error.message)
      report.stateSaveFailed = true
    }
    metrics?.finish(sample())
    // Results that could not be written are lost to the operator: an error, exit 2.
    if let failure = session.outputFailure { throw failure }
    return report
  }
}
