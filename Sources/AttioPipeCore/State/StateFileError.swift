import Glibc

/// Why a state file could not be used. Reading problems are startup errors: the file is never
/// silently replaced, so what the tool knew is not lost by accident (`--reset-state` starts
/// over deliberately).
public enum StateFileError: Error, Sendable, Equatable {
  case cannotRead(path: String, errno: Int32)
  case cannotWrite(path: String, errno: Int32)
  /// The directory the file would be saved in is missing or not writable.
  case directoryUnusable(path: String, directory: String, errno: Int32)
  case notAStateFile(path: String)
  /// The path (or the file a symbolic link names) is a FIFO, a device, a directory, ...:
  /// opening a FIFO would block the run forever, and none of them can hold a state file.
  case notARegularFile(path: String, kind: String)
  case unsupportedVersion(path: String, version: UInt32)
  /// Damaged contents; the path is added by `StateFile`.
  case corrupt(String, path: String = "")

  package var message: String {
    switch self {
    case .cannotRead(let path, let code):
      "cannot read the state file \(path): \(String(cString: strerror(code)))"
    case .cannotWrite(let path, let code):
      "cannot write the state file \(path): \(String(cString: strerror(code)))"
    case .directoryUnusable(let path, let directory, let code):
      "cannot keep the state file \(path): its directory \(directory) cannot be written "
        + "(\(String(cString: strerror(code))))"
    case .notAStateFile(let path):
      "\(path) is not an attio-pipe state file; refusing to overwrite it "
        + "(move it away, or pass --reset-state to start over)"
    case .notARegularFile(let path, let kind):
      "the state file \(path) is not a regular file (\(kind)); --state needs a regular file, "
        + "a symbolic link to one, or a path where none exists yet"
    case .unsupportedVersion(let path, let version):
      "the state file \(path) has format version \(version), which this attio-pipe "
        + "(\(StateFile.version)) cannot read (pass --reset-state to start over)"
    case .corrupt(let detail, let path):
      "the state file \(path) is damaged (\(detail)); refusing to use or overwrite it "
        + "(move it away, or pass --reset-state to start over)"
    }
  }
}
