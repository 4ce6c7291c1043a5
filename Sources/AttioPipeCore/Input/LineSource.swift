/// Where the pipeline's lines come from: the inputs themselves (`InputFiles`), or, with
/// `--spool`, the spool that the inputs are written to first (`SpoolTail`).
package protocol LineSource: Sendable {
  /// Calls `body` with every line and its position, as `InputFiles.forEachLine` does.
  func forEachLine(
    beforeRead: @escaping () throws(PipelineError) -> Void,
    idleInterval: Double?,
    stop: InputStop,
    onLine body: (InputLine, InputFiles.Position) throws(PipelineError) -> Bool
  ) throws(PipelineError)

  /// The name results and diagnostics give `Position.input`; nil when they name none.
  func displayName(_ input: Int) -> String?
}

extension InputFiles: LineSource {
  package func forEachLine(
    beforeRead: @escaping () throws(PipelineError) -> Void,
    idleInterval: Double?,
    stop: InputStop,
    onLine body: (InputLine, InputFiles.Position) throws(PipelineError) -> Bool
  ) throws(PipelineError) {
    try forEachLine(
      beforeRead: beforeRead, idleInterval: idleInterval, stop: stop, opened: { _, _ in nil },
      onLine: body)
  }
}
