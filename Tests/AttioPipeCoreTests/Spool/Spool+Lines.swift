@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// A line as the spool's tail hands it to the pipeline.
struct TailedLine: Equatable {
  var sequence: UInt64
  var input: Int
  var lineNumber: Int
  var endOffset: Int
  /// The line's bytes; nil for a line over the limit.
  var text: [UInt8]?
  var tooLongLength: Int?
  var isReplay: Bool
}

/// What the unit tests append and read back, in their terms.
extension Spool {
  /// Appends `text` as a line of `input`; its sequence number.
  @discardableResult
  func appendLine(_ text: String, input: UInt32, lineNumber: Int, endOffset: Int) -> UInt64 {
    Array(text.utf8).withUnsafeBufferPointer {
      appendLine(input: input, lineNumber: lineNumber, endOffset: endOffset, bytes: $0)
    }
  }

  /// Appends `count` lines `line <n>` of `input` (numbered on from `firstLineNumber`, each
  /// padded to about `length` bytes), committing every `commitEvery`; their sequence numbers.
  @discardableResult
  func appendLines(
    _ count: Int, input: UInt32, firstLineNumber: Int = 1, length: Int = 100,
    commitEvery: Int = 50
  ) throws -> [UInt64] {
    var sequences: [UInt64] = []
    for index in 0..<count {
      let number = firstLineNumber + index
      sequences.append(
        appendLine(
          Spool.text(ofLine: number, length: length), input: input, lineNumber: number,
          endOffset: number * (length + 1)))
      if (index + 1) % commitEvery == 0 { try commit() }
    }
    try commit()
    return sequences
  }

  /// The text `appendLines` gives line `number`.
  static func text(ofLine number: Int, length: Int = 100) -> String {
    let head = #"{"line":\#(number),"pad":""#
    return head + String(repeating: "x", count: max(0, length - head.count - 2)) + #""}"#
  }

  /// Ends the input, then reads every line the tail hands over from `start`.
  func readBack(from start: UInt64 = 0) throws -> [TailedLine] {
    finishInput(failure: nil)
    let tail = SpoolTail(spool: self, start: start, maximumLineLength: 1 << 20)
    var lines: [TailedLine] = []
    try tail.forEachLine(
      beforeRead: {}, idleInterval: nil, stop: InputStop(),
      onLine: { line, position in
        var tailed = TailedLine(
          sequence: position.sequence, input: position.input, lineNumber: position.line,
          endOffset: position.endOffset, isReplay: position.isReplay)
        switch line {
        case .text(let bytes): tailed.text = Array(bytes)
        case .tooLong(let length): tailed.tooLongLength = length
        }
        lines.append(tailed)
        return true
      })
    return lines
  }
}
