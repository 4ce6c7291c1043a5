import Glibc

/// Failures that end a run early, with the context a user needs to act on them.
public enum PipelineError: Error, Sendable, Equatable {
  /// An input file could not be opened.
  case cannotOpen(path: String, errno: Int32)
  /// An output file (`--output`, `--diagnostics`, `--metrics-file`) could not be created.
  case cannotCreate(path: String, errno: Int32)
  /// `read(2)` failed; `path` is nil for stdin until the pipeline names it.
  case readFailed(path: String? = nil, errno: Int32)
  /// The reader of stdout went away (`| head -1`): a quiet, normal end.
  case outputClosed
  /// Output could not be written (not a closed reader): `path` is the `--output` file, nil for
  /// stdout.
  case writeFailed(path: String? = nil, errno: Int32)
  /// The `--state` file cannot be read or written.
  case state(StateFileError)
  /// The command line cannot work with the workspace (a `--map` slug that does not exist, a
  /// schema that cannot be read): said before any input is read.
  case configuration(String)
  /// The `--spool` directory cannot be used (its message names the file and offset).
  case spool(String)

  /// One line for stderr.
  public var message: String {
    switch self {
    case .cannotOpen(let path, let code): "cannot open \(path): \(describe(code))"
    case .cannotCreate(let path, let code): "cannot write \(path): \(describe(code))"
    case .readFailed(let path, let code): "cannot read \(path ?? "stdin"): \(describe(code))"
    case .outputClosed: "stdout was closed"
    case .writeFailed(let path, let code):
      "cannot write to \(path ?? "stdout"): \(describe(code)) (errno \(code))"
    case .state(let error): error.message
    case .configuration(let message): message
    case .spool(let message): message
    }
  }
}

private func describe(_ code: Int32) -> String { String(cString: strerror(code)) }
