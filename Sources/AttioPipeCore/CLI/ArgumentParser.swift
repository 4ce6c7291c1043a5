/// A small, strict parser for `attio-pipe [MODE] [OPTIONS] [FILE ...]`.
///
/// Options take their value as `--name VALUE` or `--name=VALUE`; `--` ends the options; `-`
/// names stdin. Unknown options, options the mode does not take, and missing or malformed
/// values are usage errors, reported before any input is read or anything is sent.
struct ArgumentParser {
  enum Mode: String, CaseIterable {
    case build, deliver, send, check
  }

  private var arguments: ArraySlice<String>
  private let environment: [String: String]

  init(_ arguments: [String], environment: [String: String]) {
    self.arguments = arguments[...]
    self.environment = environment
  }

  /// Which modes take each option.
  private static let optionModes: [String: Set<Mode>] = [
    "--events": [.build, .deliver],
    "--default-country": [.build, .deliver],
    "--no-userid-email": [.build, .deliver],
    "--attribute": [.build, .deliver, .send, .check],
    "--strict": [.build, .deliver, .send],
    "--max-line-bytes": [.build, .deliver, .send],
    "--quiet": [.build, .deliver, .send, .check],
    "--verbose": [.build, .deliver, .send, .check],
    "--api-key-file": [.deliver, .send, .check],
    "--endpoint": [.deliver, .send, .check],
    "--rate": [.deliver, .send],
    "--concurrency": [.deliver, .send],
    "--timeout": [.deliver, .send, .check],
    "--max-attempts": [.deliver, .send],
    "--max-retry-time": [.deliver, .send],
    "--grace": [.deliver, .send],
    "--drain-timeout": [.deliver, .send],
    "--settle-time": [.deliver, .send],
    "--no-dedupe": [.deliver, .send],
    "--state": [.build, .deliver, .send],
    "--state-interval": [.build, .deliver, .send],
    "--reset-state": [.build, .deliver, .send],
    "--max-identities": [.build, .deliver],
    "--identity-ttl": [.build, .deliver],
    "--progress": [.build, .deliver, .send],
    "--no-progress": [.build, .deliver, .send],
    "--output": [.build, .deliver, .send, .check],
    "--diagnostics": [.build, .deliver, .send, .check],
    "--metrics-file": [.build, .deliver, .send],
  ]

  private static let aliases = [
    "-q": "--quiet", "-v": "--verbose", "-h": "--help", "-V": "--version",
  ]

  mutating func parseAction() throws(UsageError) -> Invocation.Action {
    var mode = Mode.build
    if let first = arguments.first, let named = Mode(rawValue: first) {
      mode = named
      arguments.removeFirst()
    }
    var options = EventOptions()
    var delivery = DeliverySettings.Builder()
    var eventNames: [String]?
    var defaultCountry: String?
    var statePath: String?
    var stateInterval = 30.0
    var resetState = false
    var sawVerbose = false
    var sawQuiet = false
    var onlyFiles = false
    while let argument = arguments.popFirst() {
      if onlyFiles || argument == "-" || !argument.hasPrefix("-") {
        options.inputs.append(argument)
        continue
      }
      var (name, inlineValue) = split(argument)
      name = ArgumentParser.aliases[name] ?? name
      if name == "--" {
        onlyFiles = true
        continue
      }
      if name == "--help" { return .help }
      if name == "--version" { return .version }
      guard let modes = ArgumentParser.optionModes[name] else {
        throw UsageError("unknown option '\(name)'")
      }
      guard modes.contains(mode) else {
        throw UsageError("'\(mode.rawValue)' does not take \(name)")
      }
      switch name {
      case "--events":
        eventNames = try value(of: name, inlineValue)
          .split(separator: ",").map { $0.trimmingWhitespace() }
      case "--default-country":
        defaultCountry = try value(of: name, inlineValue)
      case "--no-userid-email":
        try noValue(name, inlineValue)
        options.userIdEmail = false
      case "--attribute":
        try parseAttribute(try value(of: name, inlineValue), into: &options.slugs)
      case "--strict":
        try noValue(name, inlineValue)
        options.strict = true
      case "--quiet":
        try noValue(name, inlineValue)
        sawQuiet = true
      case "--verbose":
        try noValue(name, inlineValue)
        sawVerbose = true
      case "--max-line-bytes":
        options.maximumLineLength = try positiveInteger(name, try value(of: name, inlineValue))
        guard options.maximumLineLength <= 1 << 30 else {
          throw UsageError("--max-line-bytes is at most 1073741824 (1 GiB)")
        }
      case "--api-key-file":
        delivery.apiKeyFile = try value(of: name, inlineValue)
      case "--endpoint":
        delivery.endpoint = try value(of: name, inlineValue)
      case "--rate":
        delivery.scheduler.rate = try positiveNumber(name, try value(of: name, inlineValue))
      case "--concurrency":
        delivery.scheduler.concurrency = try positiveInteger(name, try value(of: name, inlineValue))
      case "--timeout":
        delivery.scheduler.timeout = try duration(
          name, try value(of: name, inlineValue), positive: true)
      case "--max-attempts":
        delivery.scheduler.maxAttempts = try positiveInteger(name, try value(of: name, inlineValue))
      case "--max-retry-time":
        delivery.scheduler.maxRetryTime = try duration(name, try value(of: name, inlineValue))
      case "--grace":
        delivery.grace = try duration(name, try value(of: name, inlineValue))
      case "--drain-timeout":
        delivery.drainTimeout = try duration(name, try value(of: name, inlineValue))
      case "--settle-time":
        delivery.scheduler.settleTime = try duration(name, try value(of: name, inlineValue))
      case "--no-dedupe":
        try noValue(name, inlineValue)
        delivery.scheduler.dedupe = false
      case "--progress", "--no-progress":
        try noValue(name, inlineValue)
        options.progress = name == "--progress"
      case "--state":
        statePath = try value(of: name, inlineValue)
      case "--state-interval":
        stateInterval = try duration(name, try value(of: name, inlineValue), positive: true)
      case "--reset-state":
        try noValue(name, inlineValue)
        resetState = true
      case "--max-identities":
        options.identityCapacity = try positiveInteger(name, try value(of: name, inlineValue))
      case "--identity-ttl":
        let seconds = try duration(name, try value(of: name, inlineValue))
        options.identityTimeToLive = seconds > 0 ? seconds : nil
      case "--output":
        options.destinations.output = try value(of: name, inlineValue)
      case "--diagnostics":
        options.destinations.diagnostics = try value(of: name, inlineValue)
      case "--metrics-file":
        options.destinations.metrics = try value(of: name, inlineValue)
      default:
        throw UsageError("unknown option '\(name)'")
      }
    }
    if sawQuiet && sawVerbose { throw UsageError("--quiet and --verbose cannot be combined") }
    options.destinations.metricsInterval = stateInterval
    if let statePath {
      options.state = StateKeeper.Options(
        path: statePath, interval: stateInterval, reset: resetState)
    } else if resetState {
      throw UsageError("--reset-state needs --state FILE")
    }
    options.verbosity = sawQuiet ? .quiet : sawVerbose ? .verbose : .normal
    if let eventNames {
      options.enabledEvents = EventNameSet(eventNames)
      options.eventNameWarnings = EventNameSet.unmatchableEntries(eventNames)
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

  private func split(_ argument: String) -> (String, String?) {
    guard argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") else {
      return (argument, nil)
    }
    return (String(argument[..<equals]), String(argument[argument.index(after: equals)...]))
  }

  private mutating func value(of name: String, _ inlineValue: String?) throws(UsageError) -> String
  {
    if let inlineValue { return inlineValue }
    guard let next = arguments.popFirst() else { throw UsageError("\(name) needs a value") }
    return next
  }

  private func noValue(_ name: String, _ inlineValue: String?) throws(UsageError) {
    if inlineValue != nil { throw UsageError("\(name) takes no value") }
  }

  private func positiveInteger(_ name: String, _ text: String) throws(UsageError) -> Int {
    guard let number = Int(text), number > 0 else {
      throw UsageError("\(name) needs a positive whole number, not '\(text)'")
    }
    return number
  }

  private func positiveNumber(_ name: String, _ text: String) throws(UsageError) -> Double {
    guard let number = Double(text), number > 0, number.isFinite else {
      throw UsageError("\(name) needs a positive number, not '\(text)'")
    }
    return number
  }

  private func duration(_ name: String, _ text: String, positive: Bool = false) throws(UsageError)
    -> Double
  {
    guard let duration = Duration.parsing(text), !positive || duration > .zero else {
      throw UsageError("\(name) needs a duration such as 500ms, 30s, 5m or 1h, not '\(text)'")
    }
    return duration.seconds
  }

  private func parseAttribute(_ text: String, into slugs: inout AttributeSlugs) throws(UsageError) {
    let parts = text.split(separator: "=", maxSplits: 1).map { $0.trimmingWhitespace() }
    guard parts.count == 2, !parts[1].isEmpty else {
      throw UsageError("--attribute needs NAME=SLUG, not '\(text)'")
    }
    guard slugs.override(parts[0], with: parts[1]) else {
      throw UsageError(
        "--attribute: unknown attribute '\(parts[0])'; one of: "
          + AttributeSlugs.standardNames.joined(separator: ", "))
    }
  }
}
