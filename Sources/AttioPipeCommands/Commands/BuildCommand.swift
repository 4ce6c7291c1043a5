import AttioPipeCore
import Glibc

/// `attio-pipe build`: events in, one Attio request body per eligible event out.
struct BuildCommand {
  let options: EventOptions

  func run() throws(PipelineError) -> RunReport {
    let frontEnd = try CommandFrontEnd(options, ownsIdentities: true)
    let stdout = OutputBuffer(fileDescriptor: STDOUT_FILENO)
    let diagnostics = frontEnd.diagnostics
    let encoder = RequestBodyEncoder(slugs: options.slugs)
    let emailSlug = options.slugs[.emailAddresses]
    var report = RunReport()
    let schemas = try options.schemasFromFile()
    let listEntries = try options.listEntriesFromFile()
    let accountSchemas = try options.accountSchemasFromFile()
    var session = EventSession(
      frontEnd: frontEnd,
      companies: try options.resolvingCompanyMappings(companies: schemas.companies),
      accounts: try options.resolvingAccountMappings(
        users: accountSchemas.users, workspaces: accountSchemas.workspaces),
      signals: try options.resolvingSignals(people: schemas.people))
    if let schema = schemas.people {
      session.attributeMapper = try options.attributeMapper(people: schema)
    }
    let metrics = try options.destinations.openMetrics(mode: "build", diagnostics: diagnostics)
    var pipeline = EventPipeline(inputs: frontEnd.inputs, enabledEvents: options.enabledEvents)
    pipeline.countedEvents = options.signals.countedEvents
    pipeline.readsTimestamps = !options.signals.isEmpty
    pipeline.entryEvents = options.listEntries.eventNames
    pipeline.idleInterval = frontEnd.idleInterval
    frontEnd.startProgress()
    do {
      // Lines read after a stop signal are built like any other: their bodies are how they are
      // accounted for.
      try pipeline.run(
        beforeWaiting: { () throws(PipelineError) in
          try stdout.flush()
          diagnostics.flushQuietly()
          session.maintenance()
          metrics?.publish(session.metricsSample(frontEnd.statistics, state: frontEnd.state))
        },
        consume: { line throws(PipelineError) in
          switch session.handle(line) {
          // A duplicate is skipped in build (`reportsDuplicates` is off): it never comes here.
          case .next, .duplicate: break
          case .stop: return false
          case .person(let person, _):
            encoder.encode(person, into: stdout)
            stdout.append(UInt8(ascii: "\n"))
            try stdout.lineCompleted()
            if let user = person.user {
              try AccountRequestEncoder.write(
                AccountRequestEncoder.requests(of: user, emailSlug: emailSlug), into: stdout)
            }
            if person.listEntries != 0 {
              try AccountRequestEncoder.write(
                ListEntryRequestEncoder.requests(of: person, listEntries, emailSlug: emailSlug),
                into: stdout)
            }
          case .company(let company):
            CompanyBodyEncoder.encode(company, into: stdout)
            stdout.append(UInt8(ascii: "\n"))
            try stdout.lineCompleted()
            if let workspace = company.workspace {
              try AccountRequestEncoder.write(
                AccountRequestEncoder.requests(of: workspace, emailSlug: emailSlug), into: stdout)
            }
          case .workspace(let workspace):
            try AccountRequestEncoder.write(
              AccountRequestEncoder.requests(of: workspace, emailSlug: emailSlug), into: stdout)
          }
          if let metrics, frontEnd.statistics.linesRead % EventSession.metricsInterval == 0 {
            metrics.publish(session.metricsSample(frontEnd.statistics, state: frontEnd.state))
          }
          return true
        })
      try stdout.flush()
    } catch .outputClosed {
      report.outputClosed = true
    }
    report.interrupted = SignalMonitor.isInterrupted
    report.stateSaveFailed = !session.saveAtExit()
    report.statistics = frontEnd.finish(evictions: session.evictions, bodies: stdout.linesWritten)
    metrics?.finish(session.metricsSample(report.statistics, state: frontEnd.state))
    return report
  }
}
