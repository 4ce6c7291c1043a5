import AttioPipeCore
import AttioPipeDelivery
import Glibc

/// What the command line asks for, parsed and validated before any input is read.
public struct Invocation: Sendable {
  enum Action: Sendable {
    case help
    case version
    case build(EventOptions)
    case deliver(EventOptions, DeliverySettings)
    case send(EventOptions, DeliverySettings)
    case check(EventOptions, DeliverySettings)
  }

  let action: Action

  static let version = "0.1.0"

  /// Parses the arguments after the program name; `environment` supplies `ATTIO_API_KEY` and
  /// `ATTIO_BASE_URL` to the delivery modes.
  public static func parse(_ arguments: [String], environment: [String: String]) throws(UsageError)
    -> Invocation
  {
    var parser = CommandLineParser(arguments, environment: environment)
    return Invocation(action: try parser.parseAction())
  }

  /// Runs the invocation, writing to stdout and stderr. Errors are fatal to the run; everything
  /// else (invalid lines, failures, signals) is in the report.
  public func run() throws(PipelineError) -> RunReport {
    switch action {
    case .help:
      try writeToStdout(HelpText.text)
      return RunReport()
    case .version:
      try writeToStdout("attio-pipe \(Invocation.version)\n")
      return RunReport()
    case .build(let options):
      SignalMonitor.install()
      try options.destinations.install()
      return try BuildCommand(options: options).run()
    case .deliver(var options, let settings):
      SignalMonitor.install()
      // --omprog answers on the stdout rsyslog reads, which --output is about to replace.
      if options.omprog { options.protocolDescriptor = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3) }
      try options.destinations.install()
      Self.warn(settings.warnings, options.verbosity)
      return try DeliverCommand(options: options, settings: settings).run()
    case .send(let options, let settings):
      SignalMonitor.install()
      try options.destinations.install()
      Self.warn(settings.warnings, options.verbosity)
      return try SendCommand(options: options, settings: settings).run()
    case .check(let options, let settings):
      SignalMonitor.install()
      try options.destinations.install()
      Self.warn(settings.warnings, options.verbosity)
      return try CheckCommand(options: options, settings: settings).run()
    }
  }

  /// The stderr line for an error that ends the run: under `--verbose` a JSON object, like
  /// every other stderr line of such a run.
  public func errorLine(_ message: String) -> String {
    DiagnosticReporter.errorLine(message, json: verbosity == .verbose)
  }

  /// The stderr line for a usage error. The command line did not parse, so `--verbose` is
  /// looked for among the arguments before `--`.
  public static func usageErrorLine(_ error: UsageError, arguments: [String]) -> String {
    let verbose = arguments.prefix { $0 != "--" }.contains { $0 == "--verbose" || $0 == "-v" }
    return DiagnosticReporter.errorLine(
      error.message, hint: "Try 'attio-pipe --help'.", json: verbose)
  }

  private var verbosity: Verbosity {
    switch action {
    case .help, .version: .normal
    case .build(let options), .deliver(let options, _), .send(let options, _),
      .check(let options, _):
      options.verbosity
    }
  }

  /// Warnings found while the command line was read (a key file others can read), said once
  /// stderr is in place: `attio-pipe: warning: …`, a JSON line under `--verbose`, nothing
  /// under `--quiet`.
  private static func warn(_ warnings: [String], _ verbosity: Verbosity) {
    guard verbosity != .quiet, !warnings.isEmpty else { return }
    let output = OutputBuffer(fileDescriptor: 2)
    for warning in warnings {
      output.append(
        DiagnosticReporter.errorLine(warning, json: verbosity == .verbose, kind: "warning"))
    }
    try? output.flush()
  }

  private func writeToStdout(_ text: String) throws(PipelineError) {
    let output = OutputBuffer(fileDescriptor: 1)
    output.append(text)
    try output.flush()
  }
}
