import AttioPipeCore
import AttioPipeDelivery

/// What the options of one command line have said so far. Each option's `apply` writes here;
/// `action(environment:)` then checks the options against each other and builds the action.
struct ParsedCommandLine {
  var mode: CommandMode
  var events = EventOptions()
  var delivery = DeliverySettings.Builder()
  var eventNames: [String]?
  var defaultCountry: String?
  var statePath: String?
  var stateInterval = 30.0
  var resetState = false
  var spoolPath: String?
  var spoolMaximumBytes: Int?
  var quiet = false
  var verbose = false
  /// `--attribute NAME=SLUG` in the order given, checked together at the end.
  var attributes: [(name: String, slug: String)] = []
  /// `--only-if-empty` slugs, checked against the write mode at the end.
  var onlyIfEmpty: [String] = []
  /// `--companies`, and `--map-company SOURCE=SLUG` in the order given.
  var companies = false
  var companyMappings: [(source: String, slug: String)] = []
  /// `--map-user`, `--map-workspace`, in the order given; checked at the end.
  var userMappings: [AttributeMapping] = []
  var workspaceMappings: [CompanyAttributeMapping] = []
  /// `--signal-interval`, in seconds (checked against `--signal` at the end).
  var signalInterval: Double?
  /// `--help` or `--version`: answered at once, whatever else the line says.
  var immediate: Invocation.Action?

  init(mode: CommandMode) {
    self.mode = mode
  }

  /// The options checked together (conflicts, dependencies) and the settings completed from
  /// the environment (`ATTIO_API_KEY`, `ATTIO_BASE_URL`) for the delivery modes.
  func action(environment: [String: String]) throws(UsageError) -> Invocation.Action {
    var options = events
    if quiet && verbose { throw UsageError("--quiet and --verbose cannot be combined") }
    options.verbosity = quiet ? .quiet : verbose ? .verbose : .normal
    options.destinations.metricsInterval = stateInterval
    if let statePath {
      options.state = StateKeeper.Options(
        path: statePath, interval: stateInterval, reset: resetState)
    } else if resetState {
      throw UsageError("--reset-state needs --state FILE")
    }
    if let spoolPath {
      options.spool = Spool.Options(path: spoolPath)
      if let spoolMaximumBytes { options.spool?.maximumBytes = spoolMaximumBytes }
    } else if spoolMaximumBytes != nil {
      throw UsageError("--spool-max-bytes needs --spool DIR")
    }
    if options.omprog {
      guard options.destinations.output != nil else {
        throw UsageError(
          "--omprog needs --output FILE: stdout carries rsyslog's protocol, and omprog throws "
            + "away what it does not understand")
      }
      guard options.inputs.allSatisfy({ $0 == "-" }) else {
        throw UsageError("--omprog reads stdin only (rsyslog writes the events there)")
      }
    }
    try checkListEntries(options.listEntries)
    if let eventNames {
      options.enabledEvents = EventNameSet(eventNames + options.listEntries.triggerNames)
      options.eventNameWarnings = EventNameSet.unmatchableEntries(eventNames)
    } else if !options.listEntries.isEmpty {
      options.enabledEvents = EventNameSet(
        EventNameSet.defaultNames + options.listEntries.triggerNames)
    }
    if let defaultCountry {
      guard let region = DialingRegion.named(defaultCountry) else {
        let hint = DialingRegion.suggestion(for: defaultCountry).map { " (did you mean \($0)?)" }
        throw UsageError(
          "unsupported --default-country '\(defaultCountry)'\(hint ?? ""); supported: "
            + DialingRegion.supportedCodes.joined(separator: " "))
      }
      options.defaultRegion = region
    }
    options.slugs = try slugs()
    if mode == .build && !options.mappings.isEmpty && options.schemaPath == nil {
      throw UsageError(
        "--map in build mode needs --schema FILE, the workspace's attribute types: save them "
          + "once with 'attio-pipe check --save-schema FILE' (needs the API key), then build "
          + "with --schema FILE (deliver reads them from Attio itself)")
    }
    if options.mappings.filter({ $0.source.root == .traits }).count
      > ProfileSlot.mappedTraitLimit
    {
      throw UsageError(
        "--map: at most \(ProfileSlot.mappedTraitLimit) traits.NAME sources (each profile "
          + "remembers them)")
    }
    try checkSignals(&options)
    options.companies = try companySettings()
    options.accounts.mapper = try accountMapper()
    if mode == .build, !options.accounts.mapper.isEmpty, options.schemaPath == nil {
      throw UsageError(
        "--map-user and --map-workspace in build mode need --schema FILE, the workspace's "
          + "attribute types: save them once with 'attio-pipe check --users --workspaces "
          + "--save-schema FILE' (needs the API key), then build with --schema FILE")
    }
    if mode == .build, let first = options.companies?.mappings.first, options.schemaPath == nil {
      throw UsageError(
        "--map-company traits.\(first.trait)=\(first.slug) in build mode needs --schema FILE, "
          + "the workspace's attribute types: save them once with 'attio-pipe check "
          + "--save-schema FILE' (needs the API key), then build with --schema FILE")
    }
    var delivery = self.delivery
    if !onlyIfEmpty.isEmpty && delivery.scheduler.writeMode == .assert {
      throw UsageError(
        "--only-if-empty needs --write-mode merge: an assert replaces the values it sends")
    }
    delivery.scheduler.onlyIfEmpty = Set(onlyIfEmpty)
    delivery.scheduler.phoneSlug = options.slugs[.phoneNumbers]
    switch mode {
    case .build:
      return .build(options)
    case .deliver:
      return .deliver(options, try delivery.settings(environment: environment))
    case .send:
      return .send(options, try delivery.settings(environment: environment))
    case .check:
      guard options.inputs.isEmpty else { throw UsageError("'check' reads no input files") }
      return .check(options, try delivery.settings(environment: environment))
    }
  }

  /// The `--attribute` renames, refusing the two that would write a body Attio cannot take:
  /// one attribute renamed twice differently (which one was meant?), and two attributes under
  /// one slug (the body would hold the key twice).
  private func slugs() throws(UsageError) -> AttributeSlugs {
    var slugs = AttributeSlugs()
    var given: [String: String] = [:]
    for (name, slug) in attributes {
      if let earlier = given[name], earlier != slug {
        throw UsageError(
          "--attribute \(name) is given twice with different slugs ('\(earlier)' and '\(slug)')")
      }
      given[name] = slug
      guard slugs.override(name, with: slug) else {
        throw UsageError(
          "--attribute: unknown attribute '\(name)'; one of: "
            + AttributeSlugs.standardNames.joined(separator: ", "))
      }
    }
    var writer: [String: PersonAttribute] = [:]
    for attribute in PersonAttribute.allCases {
      let slug = slugs[attribute]
      if let other = writer[slug] {
        let (renamed, kept) =
          given[attribute.rawValue] != nil ? (attribute, other) : (other, attribute)
        throw UsageError(
          "--attribute \(renamed.rawValue)=\(slug) clashes with \(kept.rawValue), which is "
            + "written under '\(slug)' too; two attributes cannot share one slug")
      }
      writer[slug] = attribute
    }
    return slugs
  }
}
