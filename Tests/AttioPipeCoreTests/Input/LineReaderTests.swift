import Foundation
import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// `LineReader` on real pipes and files. A pipe's reads are made deterministic by feeding it
/// one chunk from `beforeRead`, which runs right before each read that may block.
@Suite struct LineReaderTests {
  /// A pipe fed one chunk per read; the write end is closed after the last chunk.
  private final class ChunkedPipe {
    let readEnd: Int32
    private let writeEnd: Int32
    private var chunks: [[UInt8]]
    private var closed = false

    init(_ chunks: [[UInt8]]) {
      var ends: [Int32] = [-1, -1]
      _ = pipe(&ends)
      readEnd = ends[0]
      writeEnd = ends[1]
      self.chunks = chunks
    }

    deinit {
      close(readEnd)
      if !closed { close(writeEnd) }
    }

    func feed() {
      guard !chunks.isEmpty else {
        if !closed { close(writeEnd) }
        closed = true
        return
      }
      let chunk = chunks.removeFirst()
      _ = chunk.withUnsafeBytes { write(writeEnd, $0.baseAddress!, $0.count) }
    }

    /// Writes without closing: the reader will find the pipe open and these bytes in it.
    func put(_ text: String) {
      _ = Array(text.utf8).withUnsafeBytes { write(writeEnd, $0.baseAddress!, $0.count) }
    }
  }

  private enum Line: Equatable {
    case text(String)
    case tooLong(Int)
  }

  private static func lines(_ reader: inout LineReader) throws -> [Line] {
    var lines: [Line] = []
    while let line = try reader.nextLine() {
      switch line {
      case .text(let bytes): lines.append(.text(String(decoding: bytes, as: UTF8.self)))
      case .tooLong(let length): lines.append(.tooLong(length))
      }
    }
    return lines
  }

  @Test func linesSplitAcrossReadsWithCRLFAndNoFinalNewline() throws {
    let source = ChunkedPipe([
      Array("hel".utf8), Array("lo\r\nwor".utf8), Array("ld\n\nla".utf8), Array("st".utf8),
    ])
    var reader = LineReader(
      fileDescriptor: source.readEnd, maximumLineLength: 100, beforeRead: { source.feed() })
    #expect(try Self.lines(&reader) == [.text("hello"), .text("world"), .text(""), .text("last")])
    let lineNumber = reader.lineNumber
    #expect(lineNumber == 4)
  }

  @Test func aByteOrderMarkIsSkippedOnlyAtTheStartEvenWhenSplit() throws {
    let source = ChunkedPipe([
      [0xEF], [0xBB, 0xBF, UInt8(ascii: "a"), 0x0A, 0xEF, 0xBB, 0xBF, 0x0A],
    ])
    var reader = LineReader(
      fileDescriptor: source.readEnd, maximumLineLength: 100, beforeRead: { source.feed() })
    let lines = try Self.lines(&reader)
    #expect(lines == [.text("a"), .text("\u{FEFF}")])
  }

  @Test func aLongLineIsDroppedAsItArrivesAndReportedWithItsLength() throws {
    let source = ChunkedPipe([
      Array("ok\n0123456789".utf8), Array("0123456789".utf8), Array("\nafter\n".utf8),
    ])
    var reader = LineReader(
      fileDescriptor: source.readEnd, maximumLineLength: 8, beforeRead: { source.feed() })
    #expect(try Self.lines(&reader) == [.text("ok"), .tooLong(20), .text("after")])
  }

  @Test func aStopRequestReadsWhatThePipeHoldsWithoutBlocking() throws {
    let source = ChunkedPipe([])
    // The write end stays open: a reader that waited for more would block forever.
    source.put("a\nb\nhalf")
    var reader = LineReader(
      fileDescriptor: source.readEnd, maximumLineLength: 100,
      stop: InputStop(requested: { true }))
    #expect(try Self.lines(&reader) == [.text("a"), .text("b"), .text("half")])
    let draining = reader.isDraining
    #expect(draining)
  }

  @Test func aStopRequestDoesNotReadTheRestOfARegularFile() throws {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("line-reader-\(UUID().uuidString)").path
    try Data("a\nb\n".utf8).write(to: URL(fileURLWithPath: path))
    defer { unlink(path) }
    let descriptor = open(path, O_RDONLY)
    defer { close(descriptor) }
    var reader = LineReader(
      fileDescriptor: descriptor, maximumLineLength: 100, stop: InputStop(requested: { true }))
    #expect(try Self.lines(&reader) == [])
  }

  @Test func cancellationEndsAtOnce() throws {
    let source = ChunkedPipe([])
    source.put("a\n")
    var reader = LineReader(
      fileDescriptor: source.readEnd, maximumLineLength: 100,
      stop: InputStop(requested: { true }, cancelled: { true }))
    let line = try reader.nextLine()
    #expect(line == nil)
  }

  /// `--state` is saved from `beforeRead`: it must keep running while the input is idle.
  @Test(.timeLimit(.minutes(1))) func beforeReadRunsWhileTheInputIsIdle() throws {
    let source = ChunkedPipe([])
    var calls = 0
    var reader = LineReader(
      fileDescriptor: source.readEnd, maximumLineLength: 100,
      beforeRead: {
        calls += 1
        if calls == 3 { source.put("late\n") }
      },
      idleInterval: 0.01)
    guard case .text(let bytes) = try reader.nextLine() else {
      Issue.record("no line")
      return
    }
    #expect(String(decoding: bytes, as: UTF8.self) == "late")
    #expect(calls == 3)
  }
}
