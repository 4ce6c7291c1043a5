import AttioPipeCore
import AttioPipeDelivery

/// What every mode that reads events is told on the command line.
struct EventOptions: Sendable, Equatable {
  var enabledEvents = EventNameSet(EventNameSet.defaultNames)
  var defaultRegion: DialingRegion?
  /// `--events` entries that can never match, said once at start.
  var eventNameWarnings: [String] = []
  /// `--no-userid-email` sets it to false.
  var userIdEmail = true
  /// `--no-dedupe` sets it to false: events seen before (by `messageId`) are processed again.
  var dedupe = true
  /// `--companies` (and its `--map-company` mappings); nil: group calls are skipped.
  var companies: CompanySettings?
  /// `--users`, `--workspaces`.
  var accounts = AccountSettings()
  /// `--signal`, `--signal-interval`.
  var signals = SignalSettings()
  /// `--list-entry`, `--forward-only`.
  var listEntries = ListEntrySettings()
  var slugs = AttributeSlugs()
  var strict = false
  var verbosity = Verbosity.normal
  var maximumLineLength = 1 << 20
  var inputs: [String] = []
  /// `--progress` (true) / `--no-progress` (false); nil decides by whether stderr is a
  /// terminal.
  var progress: Bool?
  /// `--state FILE` and its companions.
  var state: StateKeeper.Options?
  /// `--omprog`: rsyslog's confirmation protocol on stdin and stdout (deliver).
  var omprog = false
  /// `--omprog`: the descriptor of the stdout rsyslog reads (kept before `--output` replaces it).
  var protocolDescriptor: Int32 = 1
  /// `--spool DIR` and its size (deliver, send).
  var spool: Spool.Options?
  /// `--max-identities`.
  var identityCapacity = 1_000_000
  /// `--identity-ttl`, in seconds of wall-clock time since a profile was last seen; nil keeps
  /// profiles until evicted for capacity.
  var identityTimeToLive: Double? = 90 * 86_400
  /// `--output`, `--diagnostics`, `--metrics-file`.
  var destinations = OutputDestinations()
  /// `--map SOURCE=SLUG`, in the order given.
  var mappings: [AttributeMapping] = []
  /// `build --schema FILE`: the workspace schema `--map` converts by, offline.
  var schemaPath: String?
  /// `check --save-schema FILE`.
  var saveSchemaPath: String?

  /// How `--state` rebuilds the identity store for these options.
  var identityRestore: StateKeeper.IdentityRestore {
    let configuration = processorConfiguration
    return StateKeeper.IdentityRestore(
      capacity: configuration.identityCapacity, timeToLive: configuration.identityTimeToLive)
  }

  var processorConfiguration: EventProcessor.Configuration {
    EventProcessor.Configuration(
      enabledEvents: enabledEvents, defaultRegion: defaultRegion,
      identityCapacity: identityCapacity,
      identityTimeToLive: identityTimeToLive.map { UInt32(min($0, Double(UInt32.max))) },
      userIdEmail: userIdEmail, companies: companies, accounts: accounts,
      rememberedTraits: mappings.map(\.source).filter { $0.root == .traits },
      recogniseDuplicates: dedupe, signals: signals)
  }
}
