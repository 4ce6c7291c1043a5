import Foundation
import Synchronization
import TestSupport
import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// The spool over a run and its restarts: segments rotate and go when nothing needs them, the
/// unfinished come back in order, files resume where they were left, and a full spool holds
/// the input back.
@Suite(.timeLimit(.minutes(5))) struct SpoolLifecycleTests {
  /// A flag threads share.
  private final class Flag: Sendable {
    private let value = Atomic(false)
    var isSet: Bool { value.load(ordering: .acquiring) }
    func set() { value.store(true, ordering: .releasing) }
  }

  /// 512 KiB of spool: segments of 64 KiB, so a few thousand lines rotate.
  static let small = 512 << 10

  private static func job(_ messageId: String) -> DeliveryJob {
    var job = SpoolFormatTests.bareJob
    job.messageId = messageId
    return job
  }

  /// The lines each segment holds, by its header and its records.
  private func lineRanges(_ directory: SpoolDirectory) throws -> [Range<UInt64>] {
    try directory.segments.map { path in
      let (header, records) = try SpoolDirectory.records(of: path)
      let count = UInt64(records.filter { $0.kind == .line }.count)
      return header.firstSequence..<header.firstSequence + count
    }
  }

  private func bytesOnDisk(_ directory: SpoolDirectory) -> Int {
    directory.segments.map { SpoolDirectory.bytes(of: $0).count }.reduce(0, +)
  }

  @Test func segmentsRotateAndLinesKeepConsecutiveSequenceNumbers() throws {
    let directory = SpoolDirectory()
    defer { directory.remove() }
    do {
      let spool = try directory.open(maximumBytes: Self.small)
      let file = spool.register(device: 1, inode: 2, isRegularFile: true, name: "a")
      let pipe = spool.register(device: 0, inode: 0, isRegularFile: false, name: "b")
      for block in 0..<20 {
        try spool.appendLines(
          100, input: block % 2 == 0 ? file : pipe, firstLineNumber: block * 100 + 1)
      }
      #expect(spool.nextSequence == 2000)
      let read = try spool.readBack()
      #expect(read.map(\.sequence) == Array(0..<2000))
      #expect(read.map(\.text) == (1...2000).map { Array(Spool.text(ofLine: $0).utf8) })
      #expect(spool.statistics.bytesOnDisk == bytesOnDisk(directory))
    }
    let segments = directory.segments
    #expect(segments.count >= 3)
    var next: UInt64 = 0
    for (index, path) in segments.enumerated() {
      let (header, records) = try SpoolDirectory.records(of: path)
      #expect(header.number == UInt64(index + 1))
      #expect(header.firstSequence == next, "segment \(index + 1)")
      next += UInt64(records.filter { $0.kind == .line }.count)
      // Every segment names the inputs first: an older one may be gone when it is read.
      let inputs = records.prefix { $0.kind == .input }.compactMap { record in
        record.payload.withUnsafeBufferPointer { SpoolInputRecord(payload: $0) }
      }
      #expect(inputs.map(\.name) == ["a", "b"], "segment \(index + 1)")
      #expect(records.dropFirst(inputs.count).allSatisfy { $0.kind == .line })
    }
    #expect(next == 2000)
    let spool = try directory.open()
    #expect(spool.nextSequence == 2000)
    #expect(spool.recovery.firstLine == 0)
  }

  @Test func aSegmentGoesOnlyWhenItsLinesAreReleasedAndItsJobsDone() throws {
    let directory = SpoolDirectory()
    defer { directory.remove() }
    let spool = try directory.open(maximumBytes: Self.small)
    let input = spool.register(device: 1, inode: 2, isRegularFile: true, name: nil)
    let early = try spool.appendLines(20, input: input)
    spool.appendJob(Self.job("early"), sequence: early[10])
    try spool.appendLines(500, input: input, firstLineNumber: 21)
    let later = try spool.appendLines(20, input: input, firstLineNumber: 521)
    spool.appendJob(Self.job("later"), sequence: later[10])
    try spool.appendLines(1500, input: input, firstLineNumber: 541)
    let segments = directory.segments
    let ranges = try lineRanges(directory)
    try #require(segments.count >= 4)
    #expect(ranges[0].contains(early[10]) && ranges[1].contains(later[10]))
    func expectOnDisk(_ expected: [String], _ comment: Comment) {
      #expect(directory.segments == expected, comment)
      #expect(spool.statistics.bytesOnDisk == bytesOnDisk(directory), comment)
    }
    expectOnDisk(segments, "nothing released")
    // The lines of the first two released, their jobs not done: they stay.
    spool.release(upTo: ranges[2].lowerBound)
    expectOnDisk(segments, "jobs not done")
    spool.appendDone(sequence: early[10])
    try spool.commit()
    expectOnDisk(Array(segments.dropFirst()), "the first one's job done")
    // The third one's lines released but for one: it stays.
    spool.release(upTo: ranges[3].lowerBound - 1)
    spool.appendDone(sequence: later[10])
    try spool.commit()
    expectOnDisk(Array(segments.dropFirst(2)), "the second one's job done")
    // All released and done: every sealed segment goes, never the one being written.
    spool.release(upTo: spool.nextSequence)
    expectOnDisk([segments.last!], "all released")
    #expect(try SpoolDirectory.records(of: segments.last!).header.number == UInt64(segments.count))
  }

  /// A job's `done` lies after its job record: a segment goes only after the ones before it.
  /// Else a later segment holding a `done` goes while an older one holding the job's record
  /// stays (for another, unfinished job), and the restart sends and reports the job again.
  @Test func segmentsGoInOrderSoNoDoneIsLostWhileItsJobStays() throws {
    let directory = SpoolDirectory()
    defer { directory.remove() }
    let held: UInt64
    do {
      let spool = try directory.open(maximumBytes: Self.small)
      let input = spool.register(device: 1, inode: 2, isRegularFile: true, name: nil)
      let lines = try spool.appendLines(40, input: input)
      held = lines[5]
      spool.appendJob(Self.job("held"), sequence: held)
      spool.appendJob(Self.job("done later"), sequence: lines[6])
      try spool.commit()
      try spool.appendLines(500, input: input, firstLineNumber: 41)
      #expect(directory.segments.count == 2)
      // The second segment gets the `done`, and no job of its own.
      spool.appendDone(sequence: lines[6])
      try spool.commit()
      try spool.appendLines(1000, input: input, firstLineNumber: 541)
      let segments = directory.segments
      try #require(segments.count >= 4)
      spool.release(upTo: spool.nextSequence, settled: spool.settledSegments())
      // The first stays for its unfinished job, so all after it stay too.
      #expect(directory.segments == segments)
    }
    let spool = try directory.open()
    #expect(spool.recovery.unfinished.map(\.sequence) == [held])
  }

  /// With `--state`, what delivery remembers of each person is saved with the identities. A
  /// job finished after a save changed Attio without that memory knowing: its record must stay
  /// on disk until the next save, and a restart names its person among those whose saved
  /// memory it must not trust.
  @Test func aJobDoneAfterTheLastSaveKeepsItsSegmentUntilTheNextSave() throws {
    let directory = SpoolDirectory()
    defer { directory.remove() }
    do {
      let spool = try directory.open(maximumBytes: Self.small)
      let input = spool.register(device: 1, inode: 2, isRegularFile: true, name: nil)
      let early = try spool.appendLines(20, input: input)
      var job = Self.job("early")
      job.request.email = "early@example.com"
      spool.appendJob(job, sequence: early[10])
      try spool.appendLines(1000, input: input, firstLineNumber: 21)
      let segments = directory.segments
      try #require(segments.count >= 3)
      // A save while the job is unfinished releases every line: its segment stays, and so
      // do those after it.
      let settled = spool.settledSegments()
      spool.release(upTo: spool.nextSequence, settled: settled)
      #expect(directory.segments == segments)
      // Done after that save: its segment stays until a save that knows it.
      spool.appendDone(sequence: early[10])
      try spool.commit()
      #expect(directory.segments == segments)
    }
    do {
      let spool = try directory.open(maximumBytes: Self.small)
      #expect(spool.recovery.unfinished.isEmpty)
      #expect(spool.recovery.emailsWithJobs == ["early@example.com"])
      spool.release(upTo: spool.nextSequence, settled: spool.settledSegments())
      #expect(directory.segments.count == 1, "the next save lets it go")
    }
    let spool = try directory.open()
    #expect(spool.recovery.emailsWithJobs.isEmpty)
  }

  @Test func unfinishedJobsComeBackInTheirOriginalOrder() throws {
    let directory = SpoolDirectory()
    defer { directory.remove() }
    do {
      let spool = try directory.open()
      let input = spool.register(device: 1, inode: 2, isRegularFile: true, name: nil)
      try spool.appendLines(10, input: input)
      for sequence in [1, 3, 7, 5] as [UInt64] {
        spool.appendJob(Self.job("m\(sequence)"), sequence: sequence)
      }
      spool.appendDone(sequence: 3)
      try spool.commit()
    }
    do {
      let spool = try directory.open()
      let recovery = spool.recovery
      #expect(recovery.unfinished.map(\.sequence) == [1, 7, 5])
      #expect(recovery.unfinished.map(\.job.messageId) == ["m1", "m7", "m5"])
      #expect(recovery.linesWithJobs == [1, 3, 5, 7])
      #expect(recovery.processedBelow == 8)
      #expect(recovery.firstLine == 0)
      // The second run: more lines, one more job, one of the first run's done.
      let input = spool.register(device: 1, inode: 2, isRegularFile: true, name: nil)
      try spool.appendLines(3, input: input, firstLineNumber: 11)
      spool.appendJob(Self.job("m11"), sequence: 11)
      spool.appendDone(sequence: 7)
      try spool.commit()
    }
    let spool = try directory.open()
    let recovery = spool.recovery
    #expect(recovery.unfinished.map(\.job.messageId) == ["m1", "m5", "m11"])
    #expect(recovery.linesWithJobs == [1, 3, 5, 7, 11])
    #expect(recovery.processedBelow == 12)
    // The tail from a state saved at line 4: what had been processed only rebuilds identity.
    let read = try spool.readBack(from: 4)
    #expect(read.map(\.sequence) == Array(4...12))
    #expect(read.map(\.isReplay) == Array(repeating: true, count: 8) + [false])
  }

  @Test func eachRegularFileResumesWhereItsLastSpooledLineEnded() throws {
    let directory = SpoolDirectory()
    defer { directory.remove() }
    var first: UInt32 = 0
    do {
      let spool = try directory.open()
      first = spool.register(device: 5, inode: 10, isRegularFile: true, name: "a")
      let second = spool.register(device: 5, inode: 11, isRegularFile: true, name: "b")
      let pipe = spool.register(device: 0, inode: 0, isRegularFile: false, name: "c")
      spool.appendLine("1", input: first, lineNumber: 1, endOffset: 2)
      spool.appendLine("2", input: first, lineNumber: 2, endOffset: 4)
      spool.appendLine("1", input: second, lineNumber: 1, endOffset: 7)
      spool.appendLine("1", input: pipe, lineNumber: 1, endOffset: 3)
      spool.appendLine("333", input: first, lineNumber: 3, endOffset: 9)
      try spool.commit()
    }
    let spool = try directory.open()
    let a = try #require(spool.resumePoint(device: 5, inode: 10))
    #expect(a.offset == 9 && a.line == 3)
    let b = try #require(spool.resumePoint(device: 5, inode: 11))
    #expect(b.offset == 7 && b.line == 1)
    #expect(spool.resumePoint(device: 0, inode: 0) == nil)  // a pipe never resumes
    #expect(spool.resumePoint(device: 6, inode: 10) == nil)  // same inode, other device
    #expect(spool.resumePoint(device: 5, inode: 12) == nil)
    // The same file again keeps its reference (and so its resume point).
    #expect(spool.register(device: 5, inode: 10, isRegularFile: true, name: "a") == first)
  }

  /// A file read to its end, and the run after it that read nothing new: once the segment
  /// with the file's lines goes, the spool must still know where the file ends, or the next
  /// run reads (and delivers) the whole file again.
  @Test func aResumePointOutlivesTheSegmentsOfItsLines() throws {
    let directory = SpoolDirectory()
    defer { directory.remove() }
    do {
      let spool = try directory.open()
      let input = spool.register(device: 5, inode: 10, isRegularFile: true, name: nil)
      try spool.appendLines(30, input: input)
      spool.release(upTo: spool.nextSequence)
    }
    do {
      let spool = try directory.open()
      _ = spool.register(device: 5, inode: 10, isRegularFile: true, name: nil)
      spool.release(upTo: spool.nextSequence)
      try spool.commit()
      #expect(directory.segments.count == 1, "the segment with the lines went")
    }
    do {
      let spool = try directory.open()
      let resume = try #require(spool.resumePoint(device: 5, inode: 10))
      #expect(resume.offset == 30 * 101 && resume.line == 30)
      #expect(spool.nextSequence == 30)
      // A rotation, and the segment before it deleted, with nothing committed after: the new
      // segment must name the file, and where it ends, by itself.
      spool.housekeep(rotating: true)
      spool.release(upTo: spool.nextSequence)
      #expect(directory.segments.count == 1)
    }
    let spool = try directory.open()
    let resume = try #require(spool.resumePoint(device: 5, inode: 10))
    #expect(resume.offset == 30 * 101 && resume.line == 30)
  }

  /// Fills a spool of `maximum` bytes with lines that each have a job; their sequences.
  private func fill(_ spool: Spool, to maximum: Int) throws -> [UInt64] {
    let input = spool.register(device: 1, inode: 2, isRegularFile: true, name: nil)
    var sequences: [UInt64] = []
    while spool.statistics.bytesOnDisk < maximum {
      let added = try spool.appendLines(50, input: input, firstLineNumber: sequences.count + 1)
      for sequence in added { spool.appendJob(Self.job("m\(sequence)"), sequence: sequence) }
      try spool.commit()
      sequences += added
    }
    return sequences
  }

  @Test func aFullSpoolHoldsTheInputUntilLinesAreReleasedAndJobsDone() async throws {
    let directory = SpoolDirectory()
    defer { directory.remove() }
    let maximum = 256 << 10
    let spool = try directory.open(maximumBytes: maximum)
    let sequences = try fill(spool, to: maximum)
    let giveUp = Flag()
    defer { giveUp.set() }  // never leave the waiter behind
    let returned = Flag()
    let waiter = Task {
      try await blocking {
        try spool.waitForRoom(stopped: { giveUp.isSet })
        returned.set()
      }
    }
    // The waiter asks for a release once it waits (bounded: a busy machine may be slow to
    // start its thread); one that returned too early is caught whenever it does.
    for _ in 0..<600 where !spool.wantsRelease && !returned.isSet {
      try await Task.sleep(for: .milliseconds(100))
    }
    #expect(spool.wantsRelease)
    #expect(!returned.isSet, "returned while full")
    spool.release(upTo: spool.nextSequence)
    try await Task.sleep(for: .milliseconds(300))
    #expect(!returned.isSet, "returned with every job unfinished")
    for sequence in sequences { spool.appendDone(sequence: sequence) }
    try spool.commit()
    for _ in 0..<600 where !returned.isSet {
      try await Task.sleep(for: .milliseconds(100))
    }
    #expect(returned.isSet, "still waiting a minute after room was made")
    #expect(!giveUp.isSet)
    #expect(spool.statistics.bytesOnDisk < maximum)
    #expect(!spool.wantsRelease)
    giveUp.set()
    try await waiter.value
  }

  @Test func aStopEndsTheWaitForRoom() async throws {
    let directory = SpoolDirectory()
    defer { directory.remove() }
    let maximum = 256 << 10
    let spool = try directory.open(maximumBytes: maximum)
    _ = try fill(spool, to: maximum)
    let stopped = Flag()
    defer { stopped.set() }
    let waiter = Task {
      try await blocking { try spool.waitForRoom(stopped: { stopped.isSet }) }
    }
    try await Task.sleep(for: .milliseconds(100))
    stopped.set()
    try await waiter.value
    #expect(spool.statistics.bytesOnDisk >= maximum)  // nothing was dropped to make room
  }
}
