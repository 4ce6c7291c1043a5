import Foundation
import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// The spool's records survive the disk: every kind, and every optional field of a job, read
/// back as written, by the recovery of a restart and by the tail.
@Suite struct SpoolFormatTests {
  /// A job with every optional field set (file, messageId, companies, previous email, company
  /// domain), and non-ASCII text.
  static let fullJob: DeliveryJob = {
    var request = UpsertRequest(
      email: "ada@example.com", emailSlug: "email_addresses",
      attributes: [
        .init(
          slug: "name",
          value: Array(
            #"[{"first_name":"Ada","last_name":"Lovelace","full_name":"Ada Lovelace"}]"#.utf8)),
        .init(slug: "job_title", value: Array(#"[{"value":"Countess ☕ of \"Lovelace\""}]"#.utf8)),
        .init(slug: "empty", value: []),
      ])
    request.previousEmail = "ada@old.example.com"
    request.companyDomain = "example.com"
    request.object = .companies
    return DeliveryJob(
      location: InputLocation(file: "events-ü.ndjson", line: 42), messageId: "m-42 ü",
      request: request)
  }()

  /// A job with none of them.
  static let bareJob = DeliveryJob(
    location: InputLocation(file: nil, line: 7), messageId: nil,
    request: UpsertRequest(email: "b@example.com", emailSlug: "emails", attributes: []))

  static func expectSame(
    _ job: DeliveryJob, _ expected: DeliveryJob, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    #expect(job.location.file == expected.location.file, sourceLocation: sourceLocation)
    #expect(job.location.line == expected.location.line, sourceLocation: sourceLocation)
    #expect(job.messageId == expected.messageId, sourceLocation: sourceLocation)
    #expect(job.request == expected.request, sourceLocation: sourceLocation)
  }

  @Test func everyKindOfRecordRoundTrips() throws {
    let directory = SpoolDirectory()
    defer { directory.remove() }
    let long = String(repeating: "é", count: 40_000)
    var file: UInt32 = 0
    do {
      let spool = try directory.open()
      file = spool.register(device: 7, inode: 99, isRegularFile: true, name: "a.ndjson")
      let pipe = spool.register(device: 0, inode: 0, isRegularFile: false, name: nil)
      #expect(file != pipe)
      spool.appendLine(#"{"type":"identify"}"#, input: file, lineNumber: 1, endOffset: 20)
      spool.appendLine("", input: file, lineNumber: 2, endOffset: 21)
      spool.appendLine(
        input: file, lineNumber: 3, endOffset: 5_000_021, bytes: nil, tooLongLength: 5_000_000)
      spool.appendLine(long, input: pipe, lineNumber: 1, endOffset: 80_001)
      spool.appendLine("\u{0}\r\t\u{7F}", input: pipe, lineNumber: 2, endOffset: 80_007)
      spool.appendJob(Self.fullJob, sequence: 0)
      spool.appendJob(Self.bareJob, sequence: 3)
      spool.appendJob(Self.bareJob, sequence: 4)
      spool.appendDone(sequence: 3)
      try spool.commit()
      #expect(spool.nextSequence == 5)
      let lines = try spool.readBack()
      #expect(lines.map(\.sequence) == [0, 1, 2, 3, 4])
      #expect(
        lines.map(\.text) == [
          Array(#"{"type":"identify"}"#.utf8), [], nil, Array(long.utf8), [0, 13, 9, 0x7F],
        ])
      #expect(lines.map(\.tooLongLength) == [nil, nil, 5_000_000, nil, nil])
      #expect(lines.map(\.lineNumber) == [1, 2, 3, 1, 2])
      #expect(lines.map(\.endOffset) == [20, 21, 5_000_021, 80_001, 80_007])
      #expect(lines.map(\.input) == [Int(file), Int(file), Int(file), Int(pipe), Int(pipe)])
      #expect(lines.allSatisfy { !$0.isReplay })
      #expect(spool.inputName(Int(file)) == "a.ndjson")
      #expect(spool.inputName(Int(pipe)) == nil)
    }
    // The bytes on disk: the four kinds in the order they were appended.
    let segment = try #require(directory.segments.first)
    let (header, records) = try SpoolDirectory.records(of: segment)
    #expect(header.number == 1 && header.firstSequence == 0 && header.spoolId.count == 16)
    #expect(
      records.map(\.kind) == [
        .input, .input, .line, .line, .line, .line, .line, .job, .job, .job, .done,
      ])
    // A restart reads them back: the jobs without a `done`, in order, field for field.
    let spool = try directory.open()
    let recovery = spool.recovery
    #expect(recovery.unfinished.map(\.sequence) == [0, 4])
    Self.expectSame(recovery.unfinished[0].job, Self.fullJob)
    Self.expectSame(recovery.unfinished[1].job, Self.bareJob)
    #expect(recovery.linesWithJobs == [0, 3, 4])
    #expect(recovery.processedBelow == 5)
    #expect(recovery.firstLine == 0)
    #expect(recovery.tornPath == nil)
    #expect(spool.nextSequence == 5)
    #expect(spool.spoolId == header.spoolId)
    #expect(spool.inputName(Int(file)) == "a.ndjson")
    let resume = try #require(spool.resumePoint(device: 7, inode: 99))
    #expect(resume.offset == 5_000_021 && resume.line == 3)
    #expect(spool.resumePoint(device: 0, inode: 0) == nil)
    let again = try spool.readBack()
    #expect(
      again.map(\.text) == [
        Array(#"{"type":"identify"}"#.utf8), [], nil, Array(long.utf8), [0, 13, 9, 0x7F],
      ])
    // Processed before the restart: every one of them only rebuilds identity.
    #expect(again.allSatisfy { $0.isReplay })
  }

  @Test func aJobRecordCutAnywhereIsRefusedNotMisread() {
    var bytes: [UInt8] = []
    Self.fullJob.encodeForSpool(into: &bytes)
    let whole = bytes.withUnsafeBufferPointer { DeliveryJob(spooled: $0) }
    #expect(whole != nil)
    for length in 0..<bytes.count {
      let cut = bytes[..<length].withUnsafeBufferPointer { DeliveryJob(spooled: $0) }
      #expect(cut == nil, "cut to \(length) bytes")
    }
    let longer = (bytes + [0]).withUnsafeBufferPointer { DeliveryJob(spooled: $0) }
    #expect(longer == nil)
  }

  @Test func headersAndSegmentNamesRoundTrip() {
    let header = SpoolFormat.Header(
      spoolId: Array(0..<16), number: 0x1234_5678_9abc, firstSequence: 1 << 40)
    let bytes = SpoolFormat.encode(header)
    #expect(bytes.count == SpoolFormat.headerLength)
    #expect(SpoolFormat.decodeHeader(bytes) == .success(header))
    var altered = bytes
    altered[SpoolFormat.magic.count + 4] ^= 1  // a bit of the id
    #expect(SpoolFormat.decodeHeader(altered) == .failure(.init("header checksum mismatch")))
    #expect(SpoolFormat.decodeHeader(bytes.dropLast()) == .failure(.init("no spool header")))
    let name = SpoolFormat.segmentName(0x1234_5678_9abc)
    #expect(name == "segment-0000123456789abc.spool")
    #expect(SpoolFormat.segmentNumber(ofName: name) == 0x1234_5678_9abc)
    // Names sort as numbers do, so a directory listing is in segment order.
    #expect(SpoolFormat.segmentName(9) < SpoolFormat.segmentName(10))
    for other in ["lock", "segment-1.spool", "segment-0000000000000001.spool.tmp", "notes"] {
      #expect(SpoolFormat.segmentNumber(ofName: other) == nil)
    }
  }
}
