/// Where a line came from, as `file:line` or `line N` for stdin.
struct InputLocation: CustomStringConvertible {
  var file: String?
  var line: Int

  var description: String { file.map { "\($0):\(line)" } ?? "line \(line)" }
}
