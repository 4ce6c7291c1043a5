/// The subcommands, named by the first argument; `build` when none is.
enum CommandMode: String, CaseIterable, Sendable {
  case build, deliver, send, check
}
