import Foundation
import TestSupport
import Testing

@testable import AttioPipeCommands

/// The option table is the one source of the parser and `--help`; these tests keep the
/// documentation (`Documentation/Options.md`, README.md's overview) and the table's own
/// promises in step with it.
@Suite struct OptionTableTests {
  /// Every option has a row in `Documentation/Options.md` that names it exactly (a row of
  /// `--map-company` does not count for `--map`), with the value name and the modes of the
  /// table; no row names an option that does not exist.
  @Test func everyOptionIsInTheHelpAndInTheOptionsReference() throws {
    let help = HelpText.text
    let documented = try OptionReference.entries(in: OptionReference.reference)
    let allModes = CommandMode.allCases.map(\.rawValue).sorted()
    for option in CommandLineOption.all {
      #expect(help.contains(option.synopsis), "--help lacks \(option.synopsis)")
      let modes = option.modes.map(\.rawValue).sorted()
      for name in option.names {
        let rows = documented.filter { $0.name == name }
        #expect(rows.count == 1, "Documentation/Options.md has \(rows.count) rows for \(name)")
        guard let row = rows.first else { continue }
        // The value name follows the last spelling (`-x`, `--xx VALUE`), as in --help.
        if name == option.names.last {
          #expect(row.valueName == option.valueName, "Options.md spells \(name)'s value so")
        }
        let written = (row.modes ?? []).sorted()
        #expect(
          (written.isEmpty || written == ["all"] ? allModes : written) == modes,
          "Options.md gives \(name) the modes \(written), the table \(modes)")
      }
    }
    let names = Set(CommandLineOption.all.flatMap(\.names))
    for row in documented {
      #expect(names.contains(row.name), "Documentation/Options.md documents no option \(row.name)")
    }
  }

  /// README.md's short overview names real options, spelled as the table spells them.
  @Test func readmeOverviewNamesRealOptions() throws {
    let overview = try OptionReference.entries(in: OptionReference.overview)
    #expect(overview.count >= 5)
    for row in overview {
      let option = CommandLineOption.all.first { $0.names.contains(row.name) }
      #expect(option != nil, "README.md's overview names no option \(row.name)")
      if let option, row.name == option.names.last {
        #expect(row.valueName == option.valueName, "README.md spells \(row.name)'s value so")
      }
    }
  }

  /// The reader itself: names are taken whole, so a row of `--map-company` or
  /// `--state-interval` does not document `--map` or `--state`.
  @Test func theReferenceReaderTakesNamesWhole() {
    let text = """
      | option | modes | meaning |
      |---|---|---|
      | `--map-company SOURCE=SLUG` | build, deliver | … `--map` … |
      | `--state-interval D` | all | … |
      | `-q`, `--quiet` | | … |

      | status | meaning |
      |---|---|
      | `--map` | not an option table |
      """
    let entries = OptionReference.entries(inMarkdown: text)
    #expect(entries.map(\.name) == ["--map-company", "--state-interval", "-q", "--quiet"])
    #expect(entries[0].valueName == "SOURCE=SLUG")
    #expect(entries[0].modes == ["build", "deliver"])
    #expect(entries[2].modes == [])
    #expect(!entries.contains { $0.name == "--map" || $0.name == "--state" })
  }

  /// The README check above must not take one option for another that starts like it.
  @Test func anOptionIsNotNamedByALongerOne() {
    #expect(!"see `--map-company D=S`".namesOption("--map"))
    #expect(!"`--state-interval 5s`".namesOption("--state"))
    #expect("`--map-company D=S` and `--map SOURCE=SLUG`".namesOption("--map"))
    #expect("`--state=FILE`".namesOption("--state"))
    #expect("(`--state`)".namesOption("--state"))
    #expect(!"--state without a backtick".namesOption("--state"))
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
      "SIGNAL=SLUG": "last_seen=last_seen_at",
      "EVENT=LIST[:ATTR=VALUE,...]": "Trial Started=trials:stage=Trial", "ATTRIBUTE": "stage",
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
        if option.names.last == "--map-user" { arguments += ["--users"] }
        if option.names.last == "--map-workspace" { arguments += ["--workspaces"] }
        if option.names.last == "--signal-interval" { arguments += ["--signal", "last_seen=x"] }
        if option.names.last == "--forward-only" { arguments += ["--list-entry", "E=trials"] }
        if ["--map-user", "--map-workspace"].contains(option.names.last!) && mode == .build {
          arguments += ["--schema", "s"]
        }
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
