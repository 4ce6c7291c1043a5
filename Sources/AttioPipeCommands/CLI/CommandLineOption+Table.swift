import AttioPipeCore
import AttioPipeDelivery

// The option table: the one list of options, read by `CommandLineParser` and `HelpText`.
//
// To add an option, add one entry below, in the `--help` section (`group`) and at the place
// it should appear there:
//
//   CommandLineOption(
//     "--drain-timeout", value: "D", modes: [.deliver, .send], group: .delivery,
//     help: "How long ... (default 5s).",
//     apply: { line, name, value throws(UsageError) in
//       line.delivery.drainTimeout = try duration(name, value)
//     }),
//
// - `value:` names the placeholder shown in `--help`; leave it out for a flag (its `value` is
//   then always empty, and `--flag=x` is refused for it).
// - `apply` stores what it parsed in `ParsedCommandLine` (add a field there, or write to
//   `events` / `delivery`); checks that involve several options go in
//   `ParsedCommandLine.action(environment:)`.
// - The helpers at the end (`positiveInteger`, `positiveNumber`, `duration`) turn text into
//   values with uniform messages.
// - Then document the option in the options table of Documentation/Options.md (a row of its
//   own, with its value name and modes; README.md's overview only if most runs need it) and
//   in CHANGELOG.md: `OptionTableTests` and `CommandLineTests` check that every option of this
//   table is in `--help` and has its row.

extension CommandLineOption {
  static let all: [CommandLineOption] = [
    // MARK: Event options
    CommandLineOption(
      "--events", value: "LIST", modes: [.build, .deliver], group: .event,
      help: """
        Comma-separated event names that trigger an upsert (default: \
        \(EventNameSet.defaultNames.joined(separator: ","))). 'Identified' (or 'identify') \
        means an identify call, never a track of that name. Names match ignoring case and \
        separators: signed_up = Signed Up = signedUp.
        """,
      apply: { line, _, value throws(UsageError) in
        line.eventNames = value.split(separator: ",").map { $0.trimmingWhitespace() }
      }),
    CommandLineOption(
      "--default-country", value: "CC", modes: [.build, .deliver], group: .event,
      help: """
        ISO 3166-1 alpha-2 country for phone numbers written without an international prefix \
        (e.g. US, GB, DE), when the person's address.country does not say.
        """,
      apply: { line, _, value throws(UsageError) in line.defaultCountry = value }),
    CommandLineOption(
      "--no-userid-email", modes: [.build, .deliver], group: .event,
      help: """
        Never take the email from a userId that is an email address (by default used when \
        nothing else gives one).
        """,
      apply: { line, _, _ throws(UsageError) in line.events.userIdEmail = false }),
    CommandLineOption(
      "--companies", modes: [.build, .deliver], group: .event,
      help: """
        Make a company of each group call (groupId and traits): an assert matched on the \
        domain from traits.domain or traits.website (host only, lower case, no www.), with \
        traits.name; the person of the call is linked (company, a reference by domain) in \
        their later upserts, sent after the company. build marks company bodies \
        {"object":"companies",...}.
        """,
      apply: { line, _, _ throws(UsageError) in line.companies = true }),
    CommandLineOption(
      "--users", modes: [.build, .deliver, .check], group: .event,
      help: """
        Write Attio's users object (accounts in your product): after each person's write, \
        assert the user matched on user_id (the userId of the event or the profile), with \
        primary_email_address and person (linked by email); unchanged users are not sent \
        again. build prints it as its own line {"object":"users",...}. check and deliver \
        refuse to start when the object is not activated in the workspace.
        """,
      apply: { line, _, _ throws(UsageError) in line.events.accounts.users = true }),
    CommandLineOption(
      "--workspaces", modes: [.build, .deliver, .check], group: .event,
      help: """
        Write Attio's workspaces object from group calls: assert the workspace matched on \
        workspace_id (groupId), with traits.name and (with --companies) the company; the \
        calling user joins it (added with a PATCH, never replaced). A group call that comes \
        before its user has an email waits in the profile (and --state) and is linked by \
        the user's first write. build prints {"object":"workspaces",...} and membership \
        lines {"object":"users","operation":"add",...}.
        """,
      apply: { line, _, _ throws(UsageError) in line.events.accounts.workspaces = true }),
    CommandLineOption(
      "--map-user", value: "SOURCE=SLUG", modes: [.build, .deliver], group: .event,
      help: """
        With --users: write SOURCE (traits.NAME, properties.NAME or context.PATH of the \
        event that writes the user) to the users attribute SLUG, typed like --map (build \
        needs --schema). Repeatable. Not remembered: an event without the value leaves the \
        attribute as it is.
        """,
      apply: { line, name, value throws(UsageError) in
        let parts = value.split(separator: "=", maxSplits: 1).map { $0.trimmingWhitespace() }
        guard parts.count == 2, !parts[1].isEmpty, let source = MappedSource(parts[0]) else {
          throw UsageError(
            "\(name) needs SOURCE=SLUG with SOURCE traits.NAME, properties.NAME or "
              + "context.PATH, not '\(value)'")
        }
        line.userMappings.append(AttributeMapping(source: source, slug: parts[1]))
      }),
    CommandLineOption(
      "--map-workspace", value: "SOURCE=SLUG", modes: [.build, .deliver], group: .event,
      help: """
        With --workspaces: write the group trait SOURCE (traits.NAME) to the workspaces \
        attribute SLUG, typed like --map (build needs --schema). Repeatable.
        """,
      apply: { line, name, value throws(UsageError) in
        let parts = value.split(separator: "=", maxSplits: 1).map { $0.trimmingWhitespace() }
        guard parts.count == 2, parts[0].hasPrefix("traits."), parts[0].count > 7,
          !parts[1].isEmpty
        else {
          throw UsageError(
            "\(name) needs traits.NAME=SLUG (a group trait, e.g. traits.plan=plan), not "
              + "'\(value)'")
        }
        line.workspaceMappings.append(
          CompanyAttributeMapping(trait: String(parts[0].dropFirst(7)), slug: parts[1]))
      }),
    CommandLineOption(
      "--signal", value: "SIGNAL=SLUG", modes: [.build, .deliver, .check], group: .event,
      help: """
        Keep a figure per person from all of their events and write it to the person \
        attribute SLUG: last_seen=SLUG (the latest event's time, never moving back), \
        first_seen=SLUG (the earliest), 'count:EVENT NAME=SLUG' (how many times they did that \
        track event, each messageId once). Times need a timestamp or date attribute, counts \
        a number. Sent with the person's next upsert, else on their own at most once per \
        --signal-interval, and only when changed. Repeatable. 'check' checks SLUG.
        """,
      apply: { line, _, value throws(UsageError) in
        switch SignalSpec.parse(value) {
        case .success(let spec): line.events.signals.specs.append(spec)
        case .failure(let problem): throw UsageError(problem.message)
        }
      }),
    CommandLineOption(
      "--list-entry", value: "EVENT=LIST[:ATTR=VALUE,...]", modes: [.build, .deliver, .check],
      group: .event,
      help: """
        When a person does the track event EVENT (or Identified), make sure they have an \
        entry in the Attio list LIST (slug or id), asserted by parent record, and set the \
        entry attributes given, typed by the list's attributes (e.g. 'Trial Started=trials:\
        stage=Trial'). EVENT becomes eligible: the person is upserted first. One entry per \
        person per list. Repeatable; 'check' checks the list and its attributes.
        """,
      apply: { line, _, value throws(UsageError) in
        switch ListEntrySpec.parse(value) {
        case .success(let spec): line.events.listEntries.specs.append(spec)
        case .failure(let problem): throw UsageError(problem.message)
        }
      }),
    CommandLineOption(
      "--forward-only", value: "ATTRIBUTE", modes: [.deliver, .check], group: .event,
      help: """
        With --list-entry: the list status attribute ATTRIBUTE only moves forward, to a status \
        later in the list's configured order (a customer who signs up again is not put back \
        to Lead); the entry is read first. Repeatable.
        """,
      apply: { line, _, value throws(UsageError) in
        line.events.listEntries.forwardOnly.append(value.trimmingWhitespace())
      }),
    CommandLineOption(
      "--signal-interval", value: "D", modes: [.build, .deliver], group: .event,
      help: """
        The least time between two writes of a person's signals on their own (default 1h), \
        by the events' timestamps.
        """,
      apply: { line, name, value throws(UsageError) in
        line.signalInterval = try duration(name, value, positive: false)
      }),
    CommandLineOption(
      "--map-company", value: "SOURCE=SLUG", modes: [.build, .deliver], group: .event,
      help: """
        With --companies: write the group trait SOURCE (traits.NAME) to the companies \
        attribute SLUG, typed by the attribute's type like --map (build needs --schema). \
        Repeatable.
        """,
      apply: { line, name, value throws(UsageError) in
        let parts = value.split(separator: "=", maxSplits: 1).map { $0.trimmingWhitespace() }
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
          throw UsageError(
            "\(name) needs SOURCE=SLUG (e.g. traits.industry=industry), not '\(value)'")
        }
        line.companyMappings.append((parts[0], parts[1]))
      }),

    CommandLineOption(
      "--map", value: "SOURCE=SLUG", modes: [.build, .deliver, .check], group: .event,
      help: """
        Also write SOURCE (traits.NAME, properties.NAME or context.PATH) to the person \
        attribute SLUG, converted by the attribute's type (text, number, checkbox, currency, \
        date, timestamp, rating, select, status, email-address, phone-number, domain, \
        record-reference to companies). Repeatable. A value that cannot be converted is left \
        out with an invalid_value warning. build needs --schema; 'check' checks SLUG.
        """,
      apply: { line, name, value throws(UsageError) in
        let parts = value.split(separator: "=", maxSplits: 1).map { $0.trimmingWhitespace() }
        guard parts.count == 2, !parts[1].isEmpty else {
          throw UsageError("\(name) needs SOURCE=SLUG, not '\(value)'")
        }
        guard let source = MappedSource(parts[0]) else {
          throw UsageError(
            "\(name): the source is traits.NAME, properties.NAME or context.PATH, "
              + "not '\(parts[0])'")
        }
        line.events.mappings.append(AttributeMapping(source: source, slug: parts[1]))
      }),
    CommandLineOption(
      "--schema", value: "FILE", modes: [.build], group: .event,
      help: """
        The workspace's attribute types and options for --map, as 'attio-pipe check \
        --save-schema FILE' wrote them (build reads no network).
        """,
      apply: { line, _, value throws(UsageError) in line.events.schemaPath = value }),

    // MARK: Common options
    CommandLineOption(
      "--attribute", value: "NAME=SLUG", modes: Set(CommandMode.allCases), group: .common,
      help: """
        Write the attribute NAME (\(AttributeSlugs.standardNames.joined(separator: ", "))) \
        under SLUG, for workspaces that renamed it. Repeatable; two attributes cannot share a \
        slug. 'send' renames these slugs in the bodies it reads; 'check' checks SLUG.
        """,
      apply: { line, name, value throws(UsageError) in
        let parts = value.split(separator: "=", maxSplits: 1).map { $0.trimmingWhitespace() }
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
          throw UsageError("\(name) needs NAME=SLUG, not '\(value)'")
        }
        line.attributes.append((parts[0], parts[1]))
      }),
    CommandLineOption(
      "--strict", modes: [.build, .deliver, .send], group: .common,
      help: "Stop at the first invalid input line.",
      apply: { line, _, _ throws(UsageError) in line.events.strict = true }),
    CommandLineOption(
      "--max-line-bytes", value: "N", modes: [.build, .deliver, .send], group: .common,
      help: """
        Longest accepted input line in bytes (default 1048576, at most 1073741824); longer \
        lines are reported invalid and skipped.
        """,
      apply: { line, name, value throws(UsageError) in
        let length = try positiveInteger(name, value)
        guard length <= 1 << 30 else {
          throw UsageError("\(name) is at most 1073741824 (1 GiB)")
        }
        line.events.maximumLineLength = length
      }),
    CommandLineOption(
      "-q", "--quiet", modes: Set(CommandMode.allCases), group: .common,
      help: "Only fatal errors on stderr.",
      apply: { line, _, _ throws(UsageError) in line.quiet = true }),
    CommandLineOption(
      "-v", "--verbose", modes: Set(CommandMode.allCases), group: .common,
      help: """
        stderr is NDJSON: one object per skipped event, warning, invalid line and error, and \
        the summary as JSON.
        """,
      apply: { line, _, _ throws(UsageError) in line.verbose = true }),
    CommandLineOption(
      "--progress", "--no-progress", modes: [.build, .deliver, .send], group: .common,
      help: """
        Show (or never show) the live status line on stderr; by default it is shown only when \
        stderr is a terminal. Never shown under --verbose when stderr is not a terminal.
        """,
      apply: { line, name, _ throws(UsageError) in line.events.progress = name == "--progress" }),
    CommandLineOption(
      "--output", value: "FILE", modes: Set(CommandMode.allCases), group: .common,
      help: """
        Append what stdout would carry (bodies, results) to FILE instead: created mode 0600, \
        reopened on SIGHUP (logrotate).
        """,
      apply: { line, _, value throws(UsageError) in line.events.destinations.output = value }),
    CommandLineOption(
      "--diagnostics", value: "FILE", modes: Set(CommandMode.allCases), group: .common,
      help: """
        Append what stderr would carry (diagnostics, summary, errors) to FILE instead: created \
        0600, reopened on SIGHUP.
        """,
      apply: { line, _, value throws(UsageError) in
        line.events.destinations.diagnostics = value
      }),
    CommandLineOption(
      "--metrics-file", value: "FILE", modes: [.build, .deliver, .send], group: .common,
      help: """
        The run's counters in Prometheus text format (node_exporter's textfile collector), \
        rewritten atomically every --state-interval and at exit.
        """,
      apply: { line, _, value throws(UsageError) in line.events.destinations.metrics = value }),
    CommandLineOption(
      "-h", "--help", modes: Set(CommandMode.allCases), group: .common,
      help: "Show this help.",
      apply: { line, _, _ throws(UsageError) in line.immediate = .help }),
    CommandLineOption(
      "-V", "--version", modes: Set(CommandMode.allCases), group: .common,
      help: "Show the version.",
      apply: { line, _, _ throws(UsageError) in line.immediate = .version }),

    // MARK: State options
    CommandLineOption(
      "--state", value: "FILE", modes: [.build, .deliver, .send], group: .state,
      help: """
        Keep identity profiles, the messageIds seen and what was delivered in FILE (mode \
        0600; its directory must exist and be writable; a symbolic link is written through to \
        its target): loaded at start, saved atomically about a second after the first change, \
        then every --state-interval, also while the input is idle, and at exit. Yesterday's \
        identify still attaches to today's Signed Up; a rerun of the same input writes \
        nothing (its events are duplicates).
        """,
      apply: { line, _, value throws(UsageError) in line.statePath = value }),
    CommandLineOption(
      "--state-interval", value: "D", modes: [.build, .deliver, .send], group: .state,
      help: """
        How often the state (and --metrics-file) is saved (default 30s; fractions allowed); \
        the first change after a quiet spell is saved about a second after it.
        """,
      apply: { line, name, value throws(UsageError) in
        line.stateInterval = try duration(name, value, positive: true)
      }),
    CommandLineOption(
      "--reset-state", modes: [.build, .deliver, .send], group: .state,
      help: "Start over, ignoring what FILE holds (it is replaced).",
      apply: { line, _, _ throws(UsageError) in line.resetState = true }),
    CommandLineOption(
      "--no-dedupe", modes: [.build, .deliver, .send], group: .state,
      help: """
        Process events seen before (same messageId; build, deliver) again, and send even \
        when this run already upserted the same values (deliver, send).
        """,
      apply: { line, _, _ throws(UsageError) in
        line.events.dedupe = false
        line.delivery.scheduler.dedupe = false
      }),
    CommandLineOption(
      "--max-identities", value: "N", modes: [.build, .deliver], group: .state,
      help: "Profiles kept (default 1000000); the least recently seen go first.",
      apply: { line, name, value throws(UsageError) in
        line.events.identityCapacity = try positiveInteger(name, value)
      }),
    CommandLineOption(
      "--max-people", value: "N", modes: [.deliver, .send], group: .state,
      help: """
        People whose upserted values and Attio record id delivery remembers (default 1000000, \
        kept in --state too); the least recently written go first.
        """,
      apply: { line, name, value throws(UsageError) in
        line.delivery.scheduler.memoryCapacity = try positiveInteger(name, value)
      }),
    CommandLineOption(
      "--identity-ttl", value: "D", modes: [.build, .deliver], group: .state,
      help: "Forget profiles not seen for D of wall-clock time (default 90d; 0 keeps them).",
      apply: { line, name, value throws(UsageError) in
        let seconds = try duration(name, value)
        line.events.identityTimeToLive = seconds > 0 ? seconds : nil
      }),

    // MARK: Delivery options
    CommandLineOption(
      "--api-key-file", value: "PATH", modes: [.deliver, .send, .check], group: .delivery,
      help: """
        Read the API key from PATH instead of ATTIO_API_KEY. The key is never taken as an \
        argument (visible in ps) and never printed. It needs record_permission:read-write and \
        object_configuration:read. A file group or others may read (mode 0644) is used, \
        with a warning.
        """,
      apply: { line, _, value throws(UsageError) in line.delivery.apiKeyFile = value }),
    CommandLineOption(
      "--save-schema", value: "FILE", modes: [.check], group: .delivery,
      help: """
        Write the people and companies attributes, with their select and status options, to \
        FILE, for 'build --schema FILE'.
        """,
      apply: { line, _, value throws(UsageError) in line.events.saveSchemaPath = value }),
    CommandLineOption(
      "--endpoint", value: "URL", modes: [.deliver, .send, .check], group: .delivery,
      help: """
        API base URL (default: ATTIO_BASE_URL, else https://api.attio.com). Plain http:// \
        only for loopback, and never through a proxy; https:// follows https_proxy, \
        all_proxy and no_proxy (NO_PROXY='*' turns proxies off).
        """,
      apply: { line, _, value throws(UsageError) in line.delivery.endpoint = value }),
    CommandLineOption(
      "--timeout", value: "D", modes: [.deliver, .send, .check], group: .delivery,
      help: "Time limit of one attempt (default 30s).",
      apply: { line, name, value throws(UsageError) in
        line.delivery.scheduler.timeout = try duration(name, value, positive: true)
      }),
    CommandLineOption(
      "--rate", value: "N", modes: [.deliver, .send], group: .delivery,
      help: """
        Write requests per second, retries included (default 25, Attio's write limit; share it \
        when several instances use one key).
        """,
      apply: { line, name, value throws(UsageError) in
        line.delivery.scheduler.rate = try positiveNumber(name, value)
      }),
    CommandLineOption(
      "--read-rate", value: "N", modes: [.deliver, .send], group: .delivery,
      help: """
        Reads (merge mode's finds) per second, retries included (default 100, Attio's read \
        limit); paced apart from --rate, a 429 on a read pauses only the reads.
        """,
      apply: { line, name, value throws(UsageError) in
        line.delivery.scheduler.readRate = try positiveNumber(name, value)
      }),
    CommandLineOption(
      "--write-mode", value: "MODE", modes: [.deliver, .send, .check], group: .delivery,
      help: """
        merge (default): find the person by email, then PATCH what differs or create them: \
        lists only gain values (new emails, phones and options are added, none removed), \
        single values (name, job title, description) are overwritten unless \
        --only-if-empty names them; assert: one assert per upsert, which also replaces every \
        list but the emails (see Documentation/Delivery.md, "What attio-pipe changes in \
        Attio"). 'check' also checks that a records query is allowed in merge mode.
        """,
      apply: { line, name, value throws(UsageError) in
        guard let mode = WritePlan.Mode(rawValue: value) else {
          throw UsageError("\(name) is merge or assert, not '\(value)'")
        }
        line.delivery.scheduler.writeMode = mode
      }),
    CommandLineOption(
      "--only-if-empty", value: "LIST", modes: [.deliver, .send], group: .delivery,
      help: """
        Comma-separated attribute slugs (after --attribute renames) that merge mode writes \
        only when the record has no value for them, e.g. job_title,name: a value a sales rep \
        corrected is kept. Not with --write-mode assert.
        """,
      apply: { line, _, value throws(UsageError) in
        line.onlyIfEmpty += value.split(separator: ",").map { $0.trimmingWhitespace() }
          .filter { !$0.isEmpty }
      }),
    CommandLineOption(
      "--concurrency", value: "N", modes: [.deliver, .send], group: .delivery,
      help: "Requests in flight at once (default 10).",
      apply: { line, name, value throws(UsageError) in
        line.delivery.scheduler.concurrency = try positiveInteger(name, value)
      }),
    CommandLineOption(
      "--max-attempts", value: "N", modes: [.deliver, .send], group: .delivery,
      help: """
        Attempts per request for 408/409/5xx/transport errors (default 8); 429s do not count.
        """,
      apply: { line, name, value throws(UsageError) in
        line.delivery.scheduler.maxAttempts = try positiveInteger(name, value)
      }),
    CommandLineOption(
      "--max-retry-time", value: "D", modes: [.deliver, .send], group: .delivery,
      help: "Give up retrying a request after D (default 5m).",
      apply: { line, name, value throws(UsageError) in
        line.delivery.scheduler.maxRetryTime = try duration(name, value)
      }),
    CommandLineOption(
      "--grace", value: "D", modes: [.deliver, .send], group: .delivery,
      help: """
        After SIGINT/SIGTERM, time for queued and in-flight requests to finish (default 10s); \
        a second signal stops at once. No attempt starts that could not finish in time; what is \
        left is reported not_sent (so are the events already in the input pipe at the signal), \
        what was still in flight in_doubt.
        """,
      apply: { line, name, value throws(UsageError) in
        line.delivery.grace = try duration(name, value)
      }),
    CommandLineOption(
      "--drain-timeout", value: "D", modes: [.deliver, .send], group: .delivery,
      help: """
        After the end of input, time for queued and in-flight requests to finish, then as for \
        --grace (default: no limit).
        """,
      apply: { line, name, value throws(UsageError) in
        line.delivery.drainTimeout = try duration(name, value)
      }),
    CommandLineOption(
      "--settle-time", value: "D", modes: [.deliver, .send], group: .delivery,
      help: """
        After an attempt timed out (it may still land), how long the person's writes wait \
        before the newest values are asserted again (default 10s).
        """,
      apply: { line, name, value throws(UsageError) in
        line.delivery.scheduler.settleTime = try duration(name, value)
      }),
    CommandLineOption(
      "--omprog", modes: [.deliver], group: .delivery,
      help: """
        Speak rsyslog omprog's confirmation protocol on stdin and stdout (confirmMessages="on", \
        useTransactions="on"): a batch is confirmed OK once it is durably spooled (--spool) or \
        once every event of it has its final result; dots keep rsyslog's confirmTimeout from \
        firing while it waits. stdout then carries only the protocol: needs --output FILE for \
        the results; reads stdin only.
        """,
      apply: { line, _, _ throws(UsageError) in line.events.omprog = true }),
    CommandLineOption(
      "--spool", value: "DIR", modes: [.deliver, .send], group: .delivery,
      help: """
        Keep every input line in DIR (created 0700; its parent must exist), made durable \
        before it is acted on, until its event has a final result: a crash or kill -9 loses \
        nothing, and the next run with the same DIR (and --state) sends what was left first, \
        then goes on; a regular input file resumes where the spool left it. A stop signal \
        leaves unfinished events there (reported deferred).
        """,
      apply: { line, _, value throws(UsageError) in line.spoolPath = value }),
    CommandLineOption(
      "--spool-max-bytes", value: "SIZE", modes: [.deliver, .send], group: .delivery,
      help: """
        Most the spool may hold on disk (default 1G; suffixes K, M, G); when full, input is \
        not read until delivery frees room (back-pressure), never dropped.
        """,
      apply: { line, name, value throws(UsageError) in
        line.spoolMaximumBytes = try byteCount(name, value)
      }),
  ]
}

// MARK: - Values

private func positiveInteger(_ name: String, _ text: String) throws(UsageError) -> Int {
  guard let number = Int(text), number > 0 else {
    throw UsageError("\(name) needs a positive whole number, not '\(text)'")
  }
  return number
}

/// A size in bytes: a whole number, or one with K, M or G (powers of 1024).
private func byteCount(_ name: String, _ text: String) throws(UsageError) -> Int {
  let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
  var digits = Substring(text)
  var unit = 1
  if let last = text.last?.uppercased().first, let factor = units[last] {
    unit = factor
    digits = digits.dropLast()
  }
  guard let number = Int(digits), number > 0, number <= Int.max / unit,
    number * unit >= 1 << 20
  else {
    throw UsageError("\(name) needs a size of at least 1M (e.g. 512M, 1G), not '\(text)'")
  }
  return number * unit
}

private func positiveNumber(_ name: String, _ text: String) throws(UsageError) -> Double {
  guard let number = Double(text), number > 0, number.isFinite else {
    throw UsageError("\(name) needs a positive number, not '\(text)'")
  }
  return number
}

/// Seconds; `positive` refuses zero.
private func duration(_ name: String, _ text: String, positive: Bool = false) throws(UsageError)
  -> Double
{
  guard let duration = Duration.parsing(text), !positive || duration > .zero else {
    throw UsageError(
      "\(name) needs a duration such as 500ms, 30s, 5m, 1h, 2d or 2m30s"
        + " (a plain number is seconds), not '\(text)'")
  }
  return duration.seconds
}
