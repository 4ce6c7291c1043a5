/// A small, strict parser for `attio-pipe [MODE] [OPTIONS] [FILE ...]`.
///
/// Options take their value as `--name VALUE` or `--name=VALUE`; `--` ends the options; `-`
/// names stdin. Unknown options and missing or malformed values are usage errors, reported
/// before any input is read.
struct ArgumentParser {
  private var arguments: ArraySlice<String>

  init(_ arguments: [String]) {
    self.arguments = arguments[...]
  }

  mutating func parseAction() throws(UsageError) -> Invocation.Action {
    if let first = arguments.first {
      switch first {
      case "build":
        arguments.removeFirst()
      case "deliver", "send", "check":
        throw UsageError("'\(first)' is not available in this version")
      default:
        break
      }
    }
    var options = EventOptions()
    var eventNames: [String]?
    var defaultCountry: String?
    var sawVerbose = false
    var sawQuiet = false
    var onlyFiles = false
    while let argument = arguments.popFirst() {
      if onlyFiles || argument == "-" || !argument.hasPrefix("-") {
        options.inputs.append(argument)
        continue
      }
      let (name, inlineValue) = split(argument)
      switch name {
      case "--":
        onlyFiles = true
      case "-h", "--help":
        return .help
      case "-V", "--version":
        return .version
      case "--events":
        eventNames = try value(of: name, inlineValue)
          .split(separator: ",").map { $0.trimmingWhitespace() }
      case "--default-country":
        defaultCountry = try value(of: name, inlineValue)
      case "--attribute":
        try parseAttribute(try value(of: name, inlineValue), into: &options.slugs)
      case "--strict":
        try noValue(name, inlineValue)
        options.strict = true
      case "-q", "--quiet":
        try noValue(name, inlineValue)
        sawQuiet = true
      case "-v", "--verbose":
        try noValue(name, inlineValue)
        sawVerbose = true
      case "--max-line-bytes":
        options.maximumLineLength = try positiveInteger(name, try value(of: name, inlineValue))
        guard options.maximumLineLength <= 1 << 30 else {
          throw UsageError("--max-line-bytes is at most 1073741824 (1 GiB)")
        }
      default:
        throw UsageError("unknown option '\(name)'")
      }
    }
    if sawQuiet && sawVerbose { throw UsageError("--quiet and --verbose cannot be combined") }
    options.verbosity = sawQuiet ? .quiet : sawVerbose ? .verbose : .normal
    if let eventNames { options.enabledEvents = EventNameSet(eventNames) }
    if let defaultCountry {
      guard let region = DialingRegion.named(defaultCountry) else {
        throw UsageError(
          "unsupported --default-country '\(defaultCountry)'; supported: "
            + DialingRegion.supportedCodes.joined(separator: " "))
      }
      options.defaultRegion = region
    }
    return .build(options)
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
