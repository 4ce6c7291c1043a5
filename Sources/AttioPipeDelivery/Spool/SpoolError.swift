import Glibc

/// Why a `--spool` directory cannot be used. Every case names the path, and damage names the
/// byte offset, so that an operator can look at (or move away) exactly what is wrong: a spool
/// holds events that were accepted and not yet delivered, so nothing is ever deleted to get
/// past an error.
package enum SpoolError: Error, Equatable {
  /// The directory (or its parent) cannot be created, opened or written.
  case directoryUnusable(path: String, errno: Int32)
  /// The path exists and is not a directory.
  case notADirectory(path: String)
  /// Another attio-pipe holds the spool.
  case inUse(path: String)
  case cannotRead(path: String, errno: Int32)
  case cannotWrite(path: String, errno: Int32)
  /// A segment of another format or version.
  case foreign(path: String, detail: String)
  /// A record that fails its checksum (or is cut) with more data after it: not the torn tail
  /// that a crash leaves, so not repaired.
  case corrupt(path: String, offset: Int, detail: String)

  package var message: String {
    switch self {
    case .directoryUnusable(let path, let code):
      "cannot use the spool directory \(path): \(String(cString: strerror(code)))"
    case .notADirectory(let path):
      "the spool \(path) is not a directory"
    case .inUse(let path):
      "the spool \(path) is in use by another attio-pipe (one process per spool)"
    case .cannotRead(let path, let code):
      "cannot read the spool file \(path): \(String(cString: strerror(code)))"
    case .cannotWrite(let path, let code):
      "cannot write the spool file \(path): \(String(cString: strerror(code)))"
    case .foreign(let path, let detail):
      "\(path) is not a spool segment this attio-pipe can read (\(detail)); nothing was "
        + "deleted (move the spool directory away to start a new one)"
    case .corrupt(let path, let offset, let detail):
      "the spool file \(path) is damaged at byte \(offset) (\(detail)); nothing was deleted "
        + "(move the file away to give up the events it holds)"
    }
  }
}
