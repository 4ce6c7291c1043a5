import Foundation
import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// What a restart makes of a spool that a crash or damage left behind: a torn tail (the last
/// write cut short) is cut off and the run goes on; anything else is an error that names the
/// file and the offset and deletes nothing.
@Suite struct SpoolRecoveryTests {
  /// The bytes of a one-segment spool holding an input, `lines` lines and, with `endingWithJob`,
  /// a job for the last line as its last record; and the segment's records.
  private func oneSegment(lines: Int, endingWithJob: Bool) throws -> (
    bytes: [UInt8], records: [SpoolDirectory.Record]
  ) {
    let directory = SpoolDirectory()
    defer { directory.remove() }
    do {
      let spool = try directory.open()
      let input = spool.register(device: 1, inode: 2, isRegularFile: true, name: nil)
      let sequences = try spool.appendLines(lines, input: input)
      if endingWithJob { spool.appendJob(SpoolFormatTests.fullJob, sequence: sequences.last!) }
      try spool.commit()
    }
    let path = try #require(directory.segments.first)
    return (SpoolDirectory.bytes(of: path), try SpoolDirectory.records(of: path).records)
  }

  /// The bytes of a spool of two segments: the first (sealed) holds an input, three lines and a
  /// job for the second line; the second, written by a restart, one more line.
  private func twoSegments() throws -> [String: [UInt8]] {
    let directory = SpoolDirectory()
    defer { directory.remove() }
    do {
      let spool = try directory.open()
      let input = spool.register(device: 1, inode: 2, isRegularFile: true, name: nil)
      try spool.appendLines(3, input: input)
      spool.appendJob(SpoolFormatTests.bareJob, sequence: 1)
      try spool.commit()
    }
    do {
      let spool = try directory.open()
      let input = spool.register(device: 1, inode: 2, isRegularFile: true, name: nil)
      try spool.appendLines(1, input: input, firstLineNumber: 4)
    }
    #expect(directory.segments.count == 2)
    return directory.contents
  }

  /// Opens a spool holding `files`; the error it fails with, or nil when it opened. On failure,
  /// checks that nothing in the directory changed.
  private func openFailure(
    _ files: [String: [UInt8]], sourceLocation: SourceLocation = #_sourceLocation
  ) throws -> (directory: String, error: SpoolError)? {
    let directory = SpoolDirectory()
    defer { directory.remove() }
    try directory.create(holding: files)
    do {
      _ = try directory.open()
      return nil
    } catch {
      #expect(
        directory.contents == files, "nothing deleted or changed", sourceLocation: sourceLocation)
      return (directory.path, error)
    }
  }

  // MARK: Torn tails

  @Test(arguments: [false, true]) func aTornLastRecordIsCutAtEveryByte(endingWithJob: Bool) throws {
    let lines = 5
    let (bytes, records) = try oneSegment(lines: lines, endingWithJob: endingWithJob)
    let last = try #require(records.last)
    #expect(last.kind == (endingWithJob ? .job : .line))
    #expect(last.end == bytes.count)
    let kept = endingWithJob ? lines : lines - 1
    for cut in last.offset..<last.end {
      let directory = SpoolDirectory()
      defer { directory.remove() }
      try directory.create(holding: [SpoolFormat.segmentName(1): Array(bytes[..<cut])])
      let spool = try directory.open()
      let recovery = spool.recovery
      if cut == last.offset {
        #expect(recovery.tornPath == nil, "cut at \(cut)")
      } else {
        #expect(recovery.tornPath == directory.segment(1), "cut at \(cut)")
        #expect(recovery.tornBytes == cut - last.offset, "cut at \(cut)")
      }
      // Cut back to the last whole record; the records before it are all there.
      #expect(SpoolDirectory.bytes(of: directory.segment(1)) == Array(bytes[..<last.offset]))
      #expect(recovery.unfinished.isEmpty)
      #expect(recovery.processedBelow == 0)
      #expect(spool.nextSequence == UInt64(kept))
      let read = try spool.readBack()
      #expect(
        read.map(\.text) == (1...kept).map { Array(Spool.text(ofLine: $0).utf8) }, "cut at \(cut)")
    }
  }

  @Test(arguments: [1, 4, 12, 13, 14, 100, 70_000])
  func zerosAfterTheLastRecordAreCut(count: Int) throws {
    let (bytes, _) = try oneSegment(lines: 3, endingWithJob: true)
    let directory = SpoolDirectory()
    defer { directory.remove() }
    try directory.create(
      holding: [SpoolFormat.segmentName(1): bytes + [UInt8](repeating: 0, count: count)])
    let spool = try directory.open()
    #expect(spool.recovery.tornPath == directory.segment(1))
    #expect(spool.recovery.tornBytes == count)
    #expect(SpoolDirectory.bytes(of: directory.segment(1)) == bytes)
    #expect(spool.recovery.unfinished.map(\.sequence) == [2])
    #expect(spool.nextSequence == 3)
  }

  /// A crash while a segment was being created (before its header was written whole) leaves a
  /// last segment shorter than a header, which holds no record: the spool opens, with what the
  /// segments before it hold.
  @Test(arguments: [0, 1, 17, 40, SpoolFormat.headerLength - 1])
  func aLastSegmentCutInsideItsHeaderIsATornTail(length: Int) throws {
    var files = try twoSegments()
    let second = SpoolFormat.segmentName(2)
    files[second] = Array(files[second]![..<length])
    let directory = SpoolDirectory()
    defer { directory.remove() }
    try directory.create(holding: files)
    let spool = try directory.open()
    #expect(spool.recovery.tornPath == directory.segment(2))
    #expect(spool.recovery.tornBytes == length)
    #expect(spool.recovery.unfinished.map(\.sequence) == [1])
    #expect(spool.nextSequence == 3)
    #expect(SpoolDirectory.bytes(of: directory.segment(1)) == files[SpoolFormat.segmentName(1)])
    #expect(try spool.readBack().map(\.sequence) == [0, 1, 2])
  }

  // MARK: Damage

  @Test func aFlippedByteInAMiddleRecordIsCorruptionAtThatRecord() throws {
    let (bytes, records) = try oneSegment(lines: 5, endingWithJob: true)
    let middle = records[3]
    #expect(middle.kind == .line)
    for offset in middle.offset..<middle.end {
      var damaged = bytes
      damaged[offset] ^= 0xFF
      let failure = try #require(
        try openFailure([SpoolFormat.segmentName(1): damaged]), "flipped byte \(offset)")
      let path = failure.directory + "/" + SpoolFormat.segmentName(1)
      guard case .corrupt(path, middle.offset, _) = failure.error else {
        Issue.record("flipped byte \(offset): \(failure.error)")
        continue
      }
      #expect(failure.error.message.contains(path))
      #expect(failure.error.message.contains("byte \(middle.offset)"))
    }
  }

  @Test func damageInASealedSegmentIsCorruptionEvenAtItsEnd() throws {
    let files = try twoSegments()
    let first = SpoolFormat.segmentName(1)
    let bytes = files[first]!
    let lastOffset: Int
    do {
      let directory = SpoolDirectory()
      defer { directory.remove() }
      try directory.create(holding: files)
      lastOffset = try #require(SpoolDirectory.records(of: directory.segment(1)).records.last)
        .offset
    }
    var cut = files
    cut[first] = Array(bytes.dropLast())
    var zeros = files
    zeros[first] = bytes + [UInt8](repeating: 0, count: 64)
    var flipped = files
    flipped[first]![lastOffset + 6] ^= 0x01
    for (name, damaged, offset) in [
      ("cut", cut, lastOffset), ("zeros", zeros, bytes.count), ("flipped", flipped, lastOffset),
    ] {
      let failure = try #require(try openFailure(damaged), "\(name)")
      let path = failure.directory + "/" + first
      guard case .corrupt(path, offset, _) = failure.error else {
        Issue.record("\(name): \(failure.error)")
        continue
      }
    }
  }

  @Test func aForeignFileOrVersionOrSpoolIsRefused() throws {
    let files = try twoSegments()
    let first = SpoolFormat.segmentName(1)
    let second = SpoolFormat.segmentName(2)
    // Not a spool segment at all, under a segment's name.
    var garbage = files
    garbage[first] = Array(repeating: UInt8(ascii: "x"), count: 4096)
    // Another format version (the header's checksum made right for it).
    var version = files
    var header = Array(files[first]![..<SpoolFormat.headerLength])
    header[SpoolFormat.magic.count] = 2
    header.removeLast(8)
    SpoolFormat.append(StateFile.checksum(header), to: &header)
    version[first] = header + files[first]![SpoolFormat.headerLength...]
    // A segment of another spool among this one's.
    var other = files
    other[second] = try twoSegments()[second]
    // A segment renamed: its header names another number.
    var renamed = files
    renamed[SpoolFormat.segmentName(3)] = renamed.removeValue(forKey: second)
    for (name, damaged, path, detail) in [
      ("garbage", garbage, first, "no spool header"),
      ("version", version, first, "format version 2"),
      ("other spool", other, second, "another spool"),
      ("renamed", renamed, SpoolFormat.segmentName(3), "segment 2"),
    ] {
      let failure = try #require(try openFailure(damaged), "\(name)")
      guard case .foreign(failure.directory + "/" + path, let said) = failure.error else {
        Issue.record("\(name): \(failure.error)")
        continue
      }
      #expect(said.contains(detail), "\(name): \(said)")
      #expect(failure.error.message.contains("nothing was deleted"))
    }
  }

  @Test func otherFilesInTheDirectoryAreLeftAlone() throws {
    var files = try twoSegments()
    files["notes.txt"] = Array("kept".utf8)
    files["segment-1.spool"] = Array("not a segment name".utf8)
    let directory = SpoolDirectory()
    defer { directory.remove() }
    try directory.create(holding: files)
    let spool = try directory.open()
    #expect(spool.nextSequence == 4)
    #expect(SpoolDirectory.bytes(of: directory.path + "/notes.txt") == Array("kept".utf8))
    #expect(
      SpoolDirectory.bytes(of: directory.path + "/segment-1.spool") == files["segment-1.spool"])
  }
}
