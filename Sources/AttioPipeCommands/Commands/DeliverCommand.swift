import AttioPipeCore
import AttioPipeDelivery

/// `attio-pipe deliver`: events in, upserts sent to Attio, one result per eligible event out.
struct DeliverCommand {
  let options: EventOptions
  let settings: DeliverySettings

  func run() throws(PipelineError) -> RunReport {
    AllocatorTuning.useOneArena()
    let frontEnd = try CommandFrontEnd(options, ownsIdentities: true)
    // --map: the attribute types and options, read from Attio before any input.
    var settings = self.settings
    var mapper: AttributeMapper?
    var companies = options.companies
    var accounts = options.accounts
    var signals = options.signals
    var listEntries = options.listEntries
    if let refusal = try accountObjectsRefusal(frontEnd) { return refusal }
    if !listEntries.isEmpty {
      // Each list and its attributes, before any input: an entry Attio cannot take would
      // fail every event that makes it.
      let reader = SchemaReader(settings: settings, userAgent: "attio-pipe/\(Invocation.version)")
      let check = options.checkListEntries(reader)
      switch check.firstProblem {
      case .unreadable(let error)?:
        return try Self.refusedAtStart("cannot read the lists --list-entry writes", error, frontEnd)
      case .unusable(let messages)?:
        throw .configuration(messages[0])
      case nil:
        (listEntries, settings.scheduler.entryRules) = (check.settings, check.rules)
      }
    }
    if options.needsSchema {
      let reader = SchemaReader(settings: settings, userAgent: "attio-pipe/\(Invocation.version)")
      let people: AttributeSchema?
      let companiesSchema: AttributeSchema?
      let accountSchemas: (users: AttributeSchema?, workspaces: AttributeSchema?)
      do {
        people =
          options.mappings.isEmpty && options.signals.isEmpty
          ? nil : try options.peopleSchemaFromAttio(reader)
        companiesSchema = try options.companiesSchemaFromAttio(reader)
        accountSchemas = try options.accountSchemasFromAttio(reader)
      } catch {
        return try Self.refusedAtStart(
          "cannot read the attributes that the --map options need", error, frontEnd)
      }
      companies = try options.resolvingCompanyMappings(companies: companiesSchema)
      signals = try options.resolvingSignals(people: people)
      accounts = try options.resolvingAccountMappings(
        users: accountSchemas.users, workspaces: accountSchemas.workspaces)
      if let people, var made = try options.attributeMapper(people: people) {
        let live = LiveOptions()
        made.liveOptions = live
        made.refreshOptions = { try? reader.options(object: "people", attribute: $0) }
        settings.scheduler.multiselect.formUnion(made.multiselectSlugs)
        let diagnostics = frontEnd.diagnostics
        let repair = OptionRepair(
          reader: reader, mapped: made.attributes, live: live,
          warn: { diagnostics.runWarning($0) })
        settings.scheduler.repairValueNotFound = { repair.repair($0) }
        mapper = made
      }
    }
    let spooled = try options.spool.map { options throws(PipelineError) in
      try SpoolStart.open(options, frontEnd: frontEnd, ownsIdentities: true)
    }
    // --omprog without --spool: a batch is confirmed once its events have their results.
    let acknowledger =
      options.omprog && spooled == nil
      ? OmprogAcknowledger(waitsForSave: frontEnd.state != nil) : nil
    if let acknowledger {
      var protocolReader = OmprogProtocol(
        inputs: frontEnd.inputs,
        confirm: { acknowledger.confirm(through: $0, keepAlive: $1) })
      protocolReader.output = options.protocolDescriptor
      frontEnd.lineSource = protocolReader
    }
    var onResult: (@Sendable (DeliveryResult) -> Void)?
    if let acknowledger {
      // A refused key (401/403) fails the event, but a corrected key would deliver it: rsyslog
      // must keep the batch.
      onResult = { result in
        let refused = result.httpStatus == 401 || result.httpStatus == 403
        acknowledger.resolved(
          line: result.job.location.line, final: result.status.isFinal && !refused)
      }
    }
    let session = try DeliverySession(
      settings: settings, diagnostics: frontEnd.diagnostics, state: frontEnd.state,
      spool: spooled?.spool, onResult: onResult)
    let encoder = RequestBodyEncoder(slugs: options.slugs)
    let emailSlug = options.slugs[.emailAddresses]
    var events = EventSession(
      frontEnd: frontEnd, companies: companies, accounts: accounts, signals: signals,
      deliverySnapshot: { session.stateSnapshot() })
    events.attributeMapper = mapper
    if let spooled {
      events.spool = spooled.spool
      events.spoolPosition = spooled.tail.start
    }
    if let acknowledger {
      events.unsavedMessages = { acknowledger.unconfirmedMessages }
      events.acknowledger = acknowledger
    }
    events.reportsDuplicates = true
    var report = RunReport()
    let metrics = try options.destinations.openMetrics(
      mode: "deliver", diagnostics: frontEnd.diagnostics, delivery: { session.metricsSample })
    frontEnd.startProgress(delivery: { session.progress })
    spooled?.resubmit(into: session)
    var pipeline = EventPipeline(
      inputs: frontEnd.inputs, enabledEvents: options.enabledEvents, source: frontEnd.lineSource)
    pipeline.countedEvents = options.signals.countedEvents
    pipeline.readsTimestamps = !options.signals.isEmpty
    pipeline.entryEvents = options.listEntries.eventNames
    pipeline.idleInterval = frontEnd.idleInterval
    if acknowledger != nil, let interval = pipeline.idleInterval {
      // A batch's confirmation waits for a --state save, which the consumer makes when it
      // next looks while idle: look often, so that this adds milliseconds, not a second
      // (20 one-identify batches: 20.3 s at the 1 s interval, 2.4 s at 20 ms; idle CPU 20 ms
      // in 8 s).
      pipeline.idleInterval = min(interval, 0.02)
    }
    try pipeline.run(
      beforeWaiting: {
        frontEnd.diagnostics.flushQuietly()
        events.maintenance()
        metrics?.publish(events.metricsSample(frontEnd.statistics, state: frontEnd.state))
      },
      consume: { line in
        if line.isReplay {
          events.replay(line)
          return true
        }
        let step = events.handle(line)
        if let acknowledger {
          // Before the upsert is queued: its result may come back at once.
          switch step {
          case .person, .company, .workspace:
            acknowledger.processed(
              line: line.lineNumber, submitted: true,
              message: EventSession.messageId(of: line).map { SeenMessages.hash($0) })
          case .duplicate:
            acknowledger.processed(line: line.lineNumber, submitted: true)
          case .next, .stop: acknowledger.processed(line: line.lineNumber, submitted: false)
          }
        }
        switch step {
        case .next: break
        case .stop: return false
        case .person(let person, let previousEmail):
          var request = UpsertRequest(
            email: person.email, emailSlug: emailSlug, attributes: encoder.attributes(of: person))
          request.previousEmail = previousEmail
          request.companyDomain = person.companyDomain
          if let user = person.user {
            // Its user follows in the same job; memberships that waited for the user wait
            // for their workspaces' writes too.
            request.linked = AccountRequestEncoder.requests(of: user, emailSlug: emailSlug)
            request.awaitedKeys = user.workspaceIds.map { UpsertRequest.recordKey(.workspaces, $0) }
          }
          // Its list entries, after the person (their parent) and its user.
          request.linked += ListEntryRequestEncoder.requests(
            of: person, listEntries, emailSlug: emailSlug)
          // An event read after a stop signal is reported not_sent, with its request.
          session.submit(
            spooled: DeliveryJob(
              location: frontEnd.location(of: line), messageId: EventSession.messageId(of: line),
              request: request),
            line: line)
        case .company(let company):
          var request = CompanyBodyEncoder.request(of: company)
          if let workspace = company.workspace {
            request.linked = AccountRequestEncoder.requests(of: workspace, emailSlug: emailSlug)
            request.awaitedKeys = Self.awaitedKeys(of: workspace)
          }
          session.submit(
            spooled: DeliveryJob(
              location: frontEnd.location(of: line), messageId: EventSession.messageId(of: line),
              request: request),
            line: line)
        case .workspace(let workspace):
          var requests = AccountRequestEncoder.requests(of: workspace, emailSlug: emailSlug)
          var request = requests.removeFirst()
          request.linked = requests
          request.awaitedKeys = Self.awaitedKeys(of: workspace)
          session.submit(
            spooled: DeliveryJob(
              location: frontEnd.location(of: line), messageId: EventSession.messageId(of: line),
              request: request),
            line: line)
        case .duplicate(let key, let object):
          // Nothing to send: its result says it was seen before.
          var request =
            object == .workspaces
            ? UpsertRequest(
              .workspaces, id: key, idSlug: WorkspaceValues.workspaceIdSlug, attributes: [])
            : UpsertRequest(email: key, emailSlug: emailSlug, attributes: [])
          request.object = object
          var job = DeliveryJob(
            location: frontEnd.location(of: line), messageId: EventSession.messageId(of: line),
            request: request)
          job.isDuplicate = true
          session.submit(spooled: job, line: line)
        }
        if let metrics, frontEnd.statistics.linesRead % EventSession.metricsInterval == 0 {
          metrics.publish(events.metricsSample(frontEnd.statistics, state: frontEnd.state))
        }
        return !session.outputClosed
      })
    acknowledger?.finish()
    spooled?.finishIngest()
    session.finish(&report, frontEnd: frontEnd, evictions: events.evictions)
    report.stateSaveFailed = !events.saveAtExit()
    metrics?.finish(events.metricsSample(report.statistics, state: frontEnd.state))
    // Results that could not be written are lost to the operator: an error, exit 2.
    if let failure = session.outputFailure { throw failure }
    return report
  }

  /// A read before the run that failed: a refused key is exit 4, as for any other request
  /// (the run's report); the rest is the configuration (exit 2).
  private static func refusedAtStart(
    _ what: String, _ error: SchemaReader.Failure, _ frontEnd: CommandFrontEnd
  ) throws(PipelineError) -> RunReport {
    let message = "\(what): \(error.message)"
    guard error.isAuthentication else { throw .configuration(message) }
    frontEnd.diagnostics.error(message)
    var report = RunReport()
    report.authenticationFailed = true
    return report
  }

  /// A group call's member joins after the user's write an earlier event made is answered:
  /// its own assert of the user is then known to change nothing (not sent), rather than racing
  /// the person's.
  private static func awaitedKeys(of workspace: WorkspaceValues) -> [String] {
    workspace.member.map { [UpsertRequest.recordKey(.users, $0.userId)] } ?? []
  }

  /// `--users`, `--workspaces`: an object that is not activated would fail every event's
  /// write, so the run does not start (exit 2, or 4 for a refused key).
  private func accountObjectsRefusal(_ frontEnd: CommandFrontEnd) throws(PipelineError)
    -> RunReport?
  {
    let objects = AccountObjects.enabled(by: options.accounts)
    guard !objects.isEmpty else { return nil }
    let reader = SchemaReader(settings: settings, userAgent: "attio-pipe/\(Invocation.version)")
    for object in objects {
      let state: SchemaReader.ObjectState
      do {
        state = try reader.state(of: object)
      } catch {
        return try Self.refusedAtStart(
          "cannot tell whether the \(object.rawValue) object is active", error, frontEnd)
      }
      if state == .notActivated {
        throw .configuration(SchemaReader.notActivatedMessage(object))
      }
    }
    return nil
  }
}
