import Glibc

/// A small, strict parser for `attio-pipe [MODE] [OPTIONS] [FILE ...]`, driven by the option
/// table (`CommandLineOption.all`).
///
/// Options take their value as `--name VALUE` or `--name=VALUE`; `--` ends the options; `-`
/// names stdin. Unknown options, options the mode does not take, and missing or malformed
/// values are usage errors, reported before any input is read or anything is sent.
struct CommandLineParser {
  private var arguments: ArraySlice<String>
  private let environment: [String: String]
  private let table: [CommandLineOption]
  private let byName: [String: Int]

  init(
    _ arguments: [String], environment: [String: String],
    table: [CommandLineOption] = CommandLineOption.all
  ) {
    self.arguments = arguments[...]
    self.environment = environment
    self.table = table
    var byName: [String: Int] = [:]
    for (index, option) in table.enumerated() {
      for name in option.names { byName[name] = index }
    }
    self.byName = byName
  }

  mutating func parseAction() throws(UsageError) -> Invocation.Action {
    var line = ParsedCommandLine(mode: .build)
    if let first = arguments.first, let named = CommandMode(rawValue: first) {
      line.mode = named
      arguments.removeFirst()
    } else if let first = arguments.first, let mode = Self.misspelledMode(first) {
      throw UsageError("unknown mode '\(first)' (and no such file); did you mean '\(mode)'?")
    }
    var onlyFiles = false
    while let argument = arguments.popFirst() {
      if onlyFiles || argument == "-" || !argument.hasPrefix("-") {
        line.events.inputs.append(argument)
        continue
      }
      if argument == "--" {
        onlyFiles = true
        continue
      }
      let (name, inlineValue) = split(argument)
      guard let index = byName[name] else {
        throw UsageError("unknown option '\(name)'" + suggestion(for: name))
      }
      let option = table[index]
      guard option.modes.contains(line.mode) else {
        throw UsageError("'\(line.mode.rawValue)' does not take \(name)")
      }
      let value: String
      if option.takesValue {
        if let inlineValue {
          value = inlineValue
        } else if let next = arguments.popFirst() {
          value = next
        } else {
          throw UsageError("\(name) needs a value")
        }
      } else {
        if inlineValue != nil { throw UsageError("\(name) takes no value") }
        value = ""
      }
      try option.apply(&line, name, value)
      if let immediate = line.immediate { return immediate }
    }
    return try line.action(environment: environment)
  }

  private func split(_ argument: String) -> (String, String?) {
    guard argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") else {
      return (argument, nil)
    }
    return (String(argument[..<equals]), String(argument[argument.index(after: equals)...]))
  }

  /// `; did you mean '--state'?` for a near miss of a known option, else nothing.
  private func suggestion(for name: String) -> String {
    var best: (name: String, distance: Int)?
    for candidate in byName.keys.sorted() where candidate.hasPrefix("--") {
      let distance = editDistance(name, candidate)
      if distance <= 2 && distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
    }
    return best.map { "; did you mean '\($0.name)'?" } ?? ""
  }

  /// The mode `argument` is probably a typo of (`delivr`), when it names no existing file:
  /// otherwise it would be read as an input file that does not exist, a puzzling message.
  static func misspelledMode(_ argument: String) -> CommandMode? {
    guard !argument.hasPrefix("-"), access(argument, F_OK) != 0 else { return nil }
    return CommandMode.allCases.first { editDistance(argument.lowercased(), $0.rawValue) <= 2 }
  }
}

/// Levenshtein distance, for "did you mean" suggestions.
func editDistance(_ first: String, _ second: String) -> Int {
  let first = Array(first)
  let second = Array(second)
  guard !first.isEmpty else { return second.count }
  guard !second.isEmpty else { return first.count }
  var previous = Array(0...second.count)
  for (row, character) in first.enumerated() {
    var current = [row + 1] + Array(repeating: 0, count: second.count)
    for (column, other) in second.enumerated() {
      current[column + 1] = Swift.min(
        previous[column + 1] + 1, current[column] + 1,
        previous[column] + (character == other ? 0 : 1))
    }
    previous = current
  }
  return previous[second.count]
}
