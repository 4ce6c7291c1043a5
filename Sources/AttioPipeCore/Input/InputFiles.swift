import Glibc

/// The inputs of a run, in order: named files, or stdin for none or for `-`.
package struct InputFiles: Sendable {
  package let paths: [String]
  let maximumLineLength: Int

  /// Whether results and diagnostics name the file: only when there is more than one input.
  var namesFiles: Bool { paths.count > 1 }

  package init(paths: [String], maximumLineLength: Int) {
    self.paths = paths.isEmpty ? ["-"] : paths
    self.maximumLineLength = maximumLineLength
  }

  /// Fails, before anything is read, when a named input cannot be opened or is a directory:
  /// a typo in a file name should not cost a half-processed run.
  package func checkReadable() throws(PipelineError) {
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
  package func displayName(_ index: Int) -> String? {
    namesFiles ? paths[index] : nil
  }

  /// How a line longer than `maximumLineLength` is reported.
  package func tooLongError(length: Int) -> JSONScanError {
    JSONScanError(.lineTooLong, at: min(length, maximumLineLength), "line too long")
  }

  /// Where a line was read, for `forEachLine`'s body.
  package struct Position {
    /// Index into `paths`.
    package var input: Int
    /// 1-based line number within that input.
    package var line: Int
    /// Read after a stop was requested (see `InputStop`): handed over, but not to be acted on
    /// as if the run went on.
    package var afterStop: Bool
    /// The input's offset just past the line (`--spool` records it to resume a file there).
    package var endOffset = 0
    /// The line's number in the spool (`--spool`), else 0.
    package var sequence: UInt64 = 0
    /// A line the spool hands over again after a restart that was processed before: it only
    /// rebuilds identity, silently (no result, no diagnostics, no count).
    package var isReplay = false

    package init(input: Int, line: Int, afterStop: Bool) {
      self.input = input
      self.line = line
      self.afterStop = afterStop
    }
  }

  /// Calls `body` with every line of every input and its position; stops when `body` returns
  /// false, when a stop was requested and the current input's readable bytes are read, or when
  /// cancelled. `beforeRead` runs before a read that may block and every `idleInterval`
  /// seconds while it blocks. Each input's first bytes may be a UTF-8 BOM.
  package func forEachLine(
    beforeRead: @escaping () throws(PipelineError) -> Void,
    idleInterval: Double? = nil,
    stop: InputStop,
    opened: (_ input: Int, _ descriptor: Int32) -> (offset: Int, line: Int)? = { _, _ in nil },
    onLine body: (InputLine, Position) throws(PipelineError) -> Bool
  ) throws(PipelineError) {
    for (index, path) in paths.enumerated() {
      let isStdin = path == "-"
      let descriptor = isStdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC)
      guard descriptor >= 0 else { throw .cannotOpen(path: path, errno: errno) }
      defer { if !isStdin { close(descriptor) } }
      // `opened` may say where to start (a file the spool has read part of).
      let start = opened(index, descriptor)
      if let start, lseek(descriptor, off_t(start.offset), SEEK_SET) < 0 {
        throw .readFailed(path: isStdin ? "stdin" : path, errno: errno)
      }
      var reader = LineReader(
        fileDescriptor: descriptor, maximumLineLength: maximumLineLength,
        beforeRead: beforeRead, idleInterval: idleInterval, stop: stop, resumingAt: start)
      while true {
        let next: InputLine?
        do {
          next = try reader.nextLine()
        } catch .readFailed(_, let code) {
          throw .readFailed(path: isStdin ? "stdin" : path, errno: code)
        } catch {
          throw error
        }
        if stop.cancelled() { return }
        guard let line = next else { break }
        var position = Position(
          input: index, line: reader.lineNumber, afterStop: reader.isDraining)
        position.endOffset = reader.endOffset
        guard try body(line, position) else { return }
      }
      if stop.requested() { return }
    }
  }
}
