import Glibc

/// The inputs of a run, in order: named files, or stdin for none or for `-`.
struct InputFiles {
  let paths: [String]
  let maximumLineLength: Int

  /// Whether results and diagnostics name the file: only when there is more than one input.
  var namesFiles: Bool { paths.count > 1 }

  init(paths: [String], maximumLineLength: Int) {
    self.paths = paths.isEmpty ? ["-"] : paths
    self.maximumLineLength = maximumLineLength
  }

  /// Fails, before anything is read, when a named input cannot be opened or is a directory:
  /// a typo in a file name should not cost a half-processed run.
  func checkReadable() throws(PipelineError) {
    for path in paths where path != "-" {
      let descriptor = open(path, O_RDONLY | O_CLOEXEC)
      guard descriptor >= 0 else { throw .cannotOpen(path: path, errno: errno) }
      defer { close(descriptor) }
      var status = stat()
      if fstat(descriptor, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR {
        throw .cannotOpen(path: path, errno: EISDIR)
      }
    }
  }

  /// The name results and diagnostics give input `index`: nil when there is only one input.
  func displayName(_ index: Int) -> String? {
    namesFiles ? paths[index] : nil
  }

  /// Calls `body` with every line of every input, the input's index and the line's number;
  /// stops when `body` returns false or a signal arrives (`interrupted`). Each input's first
  /// bytes may be a UTF-8 BOM.
  func forEachLine(
    beforeRead: @escaping () throws(PipelineError) -> Void,
    interrupted: @escaping () -> Bool,
    onLine body: (InputLine, Int, Int) throws(PipelineError) -> Bool
  ) throws(PipelineError) {
    for (index, path) in paths.enumerated() {
      let isStdin = path == "-"
      let descriptor = isStdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC)
      guard descriptor >= 0 else { throw .cannotOpen(path: path, errno: errno) }
      defer { if !isStdin { close(descriptor) } }
      var reader = LineReader(
        fileDescriptor: descriptor, maximumLineLength: maximumLineLength,
        beforeRead: beforeRead, interrupted: interrupted,
        wakeDescriptor: SignalMonitor.wakeDescriptor)
      while true {
        let next: InputLine?
        do {
          next = try reader.nextLine()
        } catch .readFailed(_, let code) {
          throw .readFailed(path: isStdin ? "stdin" : path, errno: code)
        } catch {
          throw error
        }
        if interrupted() { return }
        guard let line = next else { break }
        guard try body(line, index, reader.lineNumber) else { return }
      }
    }
  }
}
