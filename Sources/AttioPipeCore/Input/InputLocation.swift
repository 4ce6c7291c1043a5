/// Where a line came from, as `file:line` or `line N` for stdin.
package struct InputLocation: CustomStringConvertible {
  package var file: String?
  package var line: Int

  package init(file: String?, line: Int) {
    self.file = file
    self.line = line
  }

  package var description: String { file.map { "\($0):\(line)" } ?? "line \(line)" }
}
