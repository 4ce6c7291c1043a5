/// What every mode that reads events is told on the command line.
struct EventOptions: Sendable, Equatable {
  var enabledEvents = EventNameSet(EventNameSet.defaultNames)
  var defaultRegion: DialingRegion?
  var slugs = AttributeSlugs()
  var strict = false
  var verbosity = Verbosity.normal
  var maximumLineLength = 1 << 20
  var inputs: [String] = []

  var processorConfiguration: EventProcessor.Configuration {
    EventProcessor.Configuration(enabledEvents: enabledEvents, defaultRegion: defaultRegion)
  }
}
