/// One command-line option: how it is spelled, which modes take it, what `--help` says about
/// it, and what it does to the parsed command line. `CommandLineOption.all` lists them; the
/// parser accepts exactly those, and `--help` is printed from the same list, so the two cannot
/// drift apart.
struct CommandLineOption: Sendable {
  /// The sections of `--help`, in order.
  enum Group: CaseIterable, Sendable {
    case event, common, state, delivery

    var title: String {
      switch self {
      case .event: "EVENT OPTIONS (build, deliver)"
      case .common: "COMMON OPTIONS"
      case .state: "STATE OPTIONS (build, deliver, send)"
      case .delivery: "DELIVERY OPTIONS (deliver, send)"
      }
    }

    /// The modes the section's title names; an option taken by others says so in `--help`.
    var modes: Set<CommandMode> {
      switch self {
      case .event: [.build, .deliver]
      case .common: Set(CommandMode.allCases)
      case .state: [.build, .deliver, .send]
      case .delivery: [.deliver, .send]
      }
    }
  }

  /// What the option does with the name it was spelled with (so `--progress` and
  /// `--no-progress` can share an entry) and its value (empty for a flag).
  typealias Apply =
    @Sendable (inout ParsedCommandLine, _ name: String, _ value: String)
    throws(UsageError) -> Void

  /// Every spelling, short ones first: `["-q", "--quiet"]`.
  var names: [String]
  /// The placeholder for the value in `--help` (`FILE`, `N`, `D`); nil for a flag.
  var valueName: String?
  var modes: Set<CommandMode>
  var group: Group
  /// One paragraph for `--help`, wrapped there; Documentation/Options.md documents the option too.
  var help: String
  var apply: Apply

  init(
    _ names: String..., value valueName: String? = nil, modes: Set<CommandMode>, group: Group,
    help: String, apply: @escaping Apply
  ) {
    self.names = names
    self.valueName = valueName
    self.modes = modes
    self.group = group
    self.help = help
    self.apply = apply
  }

  var takesValue: Bool { valueName != nil }

  /// `-q, --quiet` or `--state FILE`, as `--help` shows it.
  var synopsis: String {
    names.joined(separator: ", ") + (valueName.map { " \($0)" } ?? "")
  }
}
