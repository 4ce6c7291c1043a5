import Foundation
import TestSupport
import Testing

@testable import AttioPipeCommands

/// The option table is the one source of the parser and `--help`; these tests keep README.md
/// and the table's own promises in step with it.
@Suite struct OptionTableTests {
  @Test func everyOptionIsInTheHelpAndInReadme() throws {
    let readme = try String(
      contentsOf: Repository.root.appendingPathComponent("README.md"), encoding: .utf8)
    let help = HelpText.text
    for option in CommandLineOption.all {
      #expect(help.contains(option.synopsis), "--help lacks \(option.synopsis)")
      for name in option.names {
        #expect(readme.contains("`\(name)"), "README.md does not document \(name)")
      }
    }
  }

  @Test func everySpellingIsUniqueAndEveryOptionParses() throws {
    var seen: Set<String> = []
    for option in CommandLineOption.all {
      for name in option.names {
        #expect(seen.insert(name).inserted, "\(name) is in the table twice")
      }
      #expect(!option.modes.isEmpty)
    }
  }

  @Test func everyOptionIsAcceptedInItsModesAndRefusedInTheOthers() {
    let samples = [
      "N": "3", "D": "2s", "CC": "GB", "NAME=SLUG": "job_title=role",
      "URL": "http://127.0.0.1:9", "PATH": "/dev/null", "FILE": "s", "LIST": "Signed Up",
      "MODE": "merge", "SOURCE=SLUG": "traits.industry=industry", "SIZE": "2M",
    ]
    let environment = ["ATTIO_API_KEY": "k", "ATTIO_BASE_URL": "http://127.0.0.1:9"]
    for option in CommandLineOption.all {
      for mode in CommandMode.allCases {
        var arguments = [mode.rawValue, option.names.last!]
        if let valueName = option.valueName { arguments.append(samples[valueName] ?? "x") }
        if option.names.last == "--reset-state" { arguments += ["--state", "s"] }
        if option.names.last == "--spool-max-bytes" { arguments += ["--spool", "d"] }
        if option.names.last == "--omprog" { arguments += ["--output", "o"] }
        if option.names.last == "--map-company" { arguments += ["--companies"] }
        if option.names.last == "--map-company" && mode == .build {
          arguments += ["--schema", "s"]
        }
        if option.names.last == "--map" && mode == .build { arguments += ["--schema", "s"] }
        var parser = CommandLineParser(arguments, environment: environment)
        var refusal: String?
        do { _ = try parser.parseAction() } catch { refusal = error.message }
        if option.modes.contains(mode) {
          // Only the key file (no key in it) may be refused, and not for the mode.
          #expect(
            refusal == nil || refusal!.contains("API key file"),
            "\(arguments): \(refusal ?? "")")
        } else {
          #expect(refusal == "'\(mode.rawValue)' does not take \(option.names.last!)")
        }
      }
    }
  }

  @Test func helpLinesStayWithinTheWidth() {
    for line in HelpText.text.split(separator: "\n") {
      #expect(line.count <= HelpText.width, "too long: \(line)")
    }
  }
}
