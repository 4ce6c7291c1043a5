/// Reads the members of a JSON object in a line that `JSONScanner` has already validated.
///
/// Why a second reader: the scanner records only the dozen fields of the per-event hot path in
/// fixed slots. The few lines that need more (a `group` call's company traits under
/// `--companies`, the `object` marker of a body that `send` reads) are rare, so they are read
/// again here, lazily, without touching the scanner. The input is known to be valid JSON, so
/// this reader checks nothing; on anything unexpected it stops and returns what it found.
package enum JSONFieldReader {
  /// The members of the object starting at `start` (its `{`), in order: the decoded key and
  /// the byte range of the value. Duplicate keys are all listed (callers let the last win).
  static func members(
    ofObjectAt start: Int, in line: Span<UInt8>
  ) -> [(key: String, value: Range<Int>)] {
    var found: [(key: String, value: Range<Int>)] = []
    var position = skipWhitespace(from: start, in: line)
    guard position < line.count, line[position] == UInt8(ascii: "{") else { return found }
    position += 1
    while true {
      position = skipWhitespace(from: position, in: line)
      guard position < line.count, line[position] == UInt8(ascii: "\"") else { return found }
      let keyEnd = endOfString(at: position, in: line)
      let key = decodeString(position..<keyEnd, in: line)
      position = skipWhitespace(from: keyEnd, in: line)
      guard position < line.count, line[position] == UInt8(ascii: ":") else { return found }
      let valueStart = skipWhitespace(from: position + 1, in: line)
      let valueEnd = endOfValue(at: valueStart, in: line)
      guard valueEnd > valueStart else { return found }
      found.append((key, valueStart..<valueEnd))
      position = skipWhitespace(from: valueEnd, in: line)
      guard position < line.count, line[position] == UInt8(ascii: ",") else { return found }
      position += 1
    }
  }

  /// The members of the top-level object of the line.
  package static func members(in line: Span<UInt8>) -> [(
    key: String, value: Range<Int>
  )] {
    members(ofObjectAt: 0, in: line)
  }

  /// The decoded text of a string value; nil for any other type.
  package static func string(_ range: Range<Int>, in line: Span<UInt8>) -> String? {
    guard range.count >= 2, line[range.lowerBound] == UInt8(ascii: "\"") else { return nil }
    return decodeString(range.lowerBound..<range.upperBound, in: line)
  }

  /// A string's text, or a number's literal text (ids may be numbers); nil otherwise.
  static func text(_ range: Range<Int>, in line: Span<UInt8>) -> String? {
    if let string = string(range, in: line) { return string }
    guard let first = range.first.map({ line[$0] }),
      first == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first)
    else { return nil }
    return line.extracting(range).utf8String
  }

  /// Whether the value at `range` is an object.
  static func isObject(_ range: Range<Int>, in line: Span<UInt8>) -> Bool {
    range.first.map { line[$0] == UInt8(ascii: "{") } ?? false
  }

  // MARK: - Walking valid JSON

  /// `range` spans a string with its quotes.
  private static func decodeString(_ range: Range<Int>, in line: Span<UInt8>)
    -> String
  {
    JSONStringDecoder.decode(line.extracting((range.lowerBound + 1)..<(range.upperBound - 1)))
  }

  /// The position after the closing quote of the string whose opening quote is at `start`.
  private static func endOfString(at start: Int, in line: Span<UInt8>) -> Int {
    var position = start + 1
    while position < line.count {
      switch line[position] {
      case UInt8(ascii: "\\"): position += 2
      case UInt8(ascii: "\""): return position + 1
      default: position += 1
      }
    }
    return line.count
  }

  /// The position after the value starting at `start`.
  private static func endOfValue(at start: Int, in line: Span<UInt8>) -> Int {
    guard start < line.count else { return start }
    switch line[start] {
    case UInt8(ascii: "\""):
      return endOfString(at: start, in: line)
    case UInt8(ascii: "{"), UInt8(ascii: "["):
      var depth = 0
      var position = start
      while position < line.count {
        switch line[position] {
        case UInt8(ascii: "\""):
          position = endOfString(at: position, in: line)
          continue
        case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
        case UInt8(ascii: "}"), UInt8(ascii: "]"):
          depth -= 1
          if depth == 0 { return position + 1 }
        default: break
        }
        position += 1
      }
      return line.count
    default:
      // A number or a literal: up to the next delimiter.
      var position = start
      while position < line.count {
        switch line[position] {
        case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D:
          return position
        default: position += 1
        }
      }
      return position
    }
  }

  private static func skipWhitespace(from start: Int, in line: Span<UInt8>) -> Int {
    var position = start
    while position < line.count {
      switch line[position] {
      case 0x20, 0x09, 0x0A, 0x0D: position += 1
      default: return position
      }
    }
    return position
  }
}
