import AttioPipeCommands
import AttioPipeCore
import Glibc

// The executable only maps outcomes to exit statuses; everything else is in the library
// (AttioPipeCommands, on top of AttioPipeDelivery and AttioPipeCore).

/// Exit statuses, shared by every mode. When several apply, the first in the order
/// usage (2), authentication (4), interrupted (5), failed (1), invalid input (3) wins.
enum ExitStatus: Int32 {
  case success = 0
  case deliveryFailed = 1
  case usage = 2
  case invalidInput = 3
  case authentication = 4
  case interrupted = 5

  init(_ report: RunReport) {
    if report.configurationFailed || report.stateSaveFailed {
      self = .usage
    } else if report.authenticationFailed {
      self = .authentication
    } else if report.interrupted {
      self = .interrupted
    } else if report.failed > 0 || report.notSent > 0 {
      self = .deliveryFailed
    } else if report.invalidLines > 0 {
      self = .invalidInput
    } else {
      self = .success
    }
  }
}

func environmentVariables() -> [String: String] {
  var variables: [String: String] = [:]
  var entry = environ
  while let pointer = entry.pointee {
    let text = String(cString: pointer)
    if let equals = text.firstIndex(of: "=") {
      variables[String(text[..<equals])] = String(text[text.index(after: equals)...])
    }
    entry += 1
  }
  return variables
}

func writeError(_ line: String) {
  _ = line.withCString { write(STDERR_FILENO, $0, strlen($0)) }
}

// Before anything opens a descriptor: a closed stdin must not become the signal pipe.
StandardDescriptors.openClosedOnes()
AllocatorTuning.apply()

let arguments = Array(CommandLine.arguments.dropFirst())
let invocation: Invocation
do {
  invocation = try Invocation.parse(arguments, environment: environmentVariables())
} catch {
  writeError(Invocation.usageErrorLine(error, arguments: arguments))
  exit(ExitStatus.usage.rawValue)
}

do {
  let report = try invocation.run()
  exit(ExitStatus(report).rawValue)
} catch .outputClosed {
  exit(ExitStatus.success.rawValue)
} catch {
  writeError(invocation.errorLine(error.message))
  // Input that cannot be opened or read is a configuration problem of the command line.
  exit(ExitStatus.usage.rawValue)
}
