import AttioPipeCore

/// The pipeline's lines with `--spool`: read back from the spool's segments, in order, never
/// past what is durable, from `start` on. Lines that the spool held at start and that were
/// processed before (below `Spool.Recovery.processedBelow`, or with a job record) come marked
/// `isReplay`: they only rebuild identity.
///
/// A stop request (the first SIGINT/SIGTERM) ends the lines at once: what is spooled and not
/// handed over stays in the spool for the next run, which is what makes a stop quick.
package struct SpoolTail: LineSource {
  let spool: Spool
  package let start: UInt64
  let maximumLineLength: Int
  private let processedBelow: UInt64
  private let linesWithJobs: Set<UInt64>

  package init(spool: Spool, start: UInt64, maximumLineLength: Int) {
    self.spool = spool
    self.start = start
    self.maximumLineLength = maximumLineLength
    processedBelow = spool.recovery.processedBelow
    linesWithJobs = spool.recovery.linesWithJobs
  }

  package func displayName(_ input: Int) -> String? {
    spool.inputName(input)
  }

  package func forEachLine(
    beforeRead: @escaping () throws(PipelineError) -> Void,
    idleInterval: Double?,
    stop: InputStop,
    onLine body: (InputLine, InputFiles.Position) throws(PipelineError) -> Bool
  ) throws(PipelineError) {
    var segmentNumber: UInt64?
    while let segment = spool.segment(after: segmentNumber) {
      segmentNumber = segment.number
      // A segment whose lines all lie before the start holds nothing to hand over.
      if segment.isSealed && segment.firstSequence + segment.lineCount <= start { continue }
      var reader: SpoolSegmentReader
      do {
        reader = try SpoolSegmentReader(path: segment.path)
      } catch {
        throw .spool(error.message)
      }
      var sequence = segment.firstSequence
      reading: while true {
        if stop.requested() || stop.cancelled() { return }
        let limit = spool.readable(segment: segment.number, wait: false, timeout: nil).limit
        while true {
          let record: SpoolSegmentReader.Record?
          do {
            record = try reader.next(limit: limit)
          } catch {
            throw .spool(
              SpoolError.corrupt(
                path: segment.path, offset: reader.offset, detail: "unreadable record"
              ).message)
          }
          guard let record else { break }
          guard record.kind == .line else { continue }
          defer { sequence += 1 }
          guard sequence >= start, let header = SpoolLineRecord(payload: record.payload) else {
            continue
          }
          let line: InputLine =
            header.tooLongLength > 0
            ? .tooLong(length: header.tooLongLength)
            : .text(UnsafeBufferPointer(rebasing: record.payload[SpoolLineRecord.bytesOffset...]))
          var position = InputFiles.Position(
            input: Int(header.input), line: header.lineNumber, afterStop: false)
          position.sequence = sequence
          position.endOffset = header.endOffset
          position.isReplay = sequence < processedBelow || linesWithJobs.contains(sequence)
          guard try body(line, position) else { return }
          if stop.requested() || stop.cancelled() { return }
        }
        // Everything durable is read: go on to the next segment, end, or wait for the ingest.
        while true {
          let now = spool.readable(segment: segment.number, wait: false, timeout: nil)
          if now.limit > reader.offset { continue reading }
          if now.sealed { break reading }
          if now.inputEnded {
            if let failure = now.failure { throw failure }
            return
          }
          if stop.requested() || stop.cancelled() { return }
          // Hand over what is batched before waiting, and again every idle interval.
          try beforeRead()
          _ = spool.readable(segment: segment.number, wait: true, timeout: idleInterval)
        }
      }
    }
  }
}
