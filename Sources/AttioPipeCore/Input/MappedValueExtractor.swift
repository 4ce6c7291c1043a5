/// Finds the values of the `--map` sources in one event line: the raw JSON text at each
/// configured path, for the converter.
///
/// Runs only when `--map` is given, and only on lines `JSONScanner` has already validated, so
/// it walks the bytes without re-checking the grammar: keys are compared in place (escaped
/// keys, rare, are decoded first), and subtrees no source points into are skipped by counting
/// brackets. A duplicate key's last value wins, as in the scanner.
struct MappedValueExtractor: Sendable {
  let sources: [MappedSource]
  /// Every absolute path a source may be read from, and which source and rank it serves
  /// (rank 0 wins over rank 1: an `identify`'s own `traits` over its `context.traits`).
  private let candidates: [Candidate]

  /// Every candidate's keys, back to back: `keyRanges[candidate.firstKey...]` are its keys'
  /// ranges in `keyBytes`. Flat, so that the walk compares keys without touching an array of
  /// arrays (each element read of which is a retain and a release).
  private let keyBytes: [UInt8]
  private let keyRanges: [Range<Int>]

  fileprivate struct Candidate: Sendable {
    var firstKey: Int
    var keyCount: Int
    var source: Int
    var rank: Int
    /// Only an `identify` call's top-level `traits` are person traits.
    var identifyOnly: Bool
  }

  init(sources: [MappedSource]) {
    self.sources = sources
    var candidates: [Candidate] = []
    var keyBytes: [UInt8] = []
    var keyRanges: [Range<Int>] = []
    func add(_ keys: [String], source: Int, rank: Int, identifyOnly: Bool) {
      candidates.append(
        Candidate(
          firstKey: keyRanges.count, keyCount: keys.count, source: source, rank: rank,
          identifyOnly: identifyOnly))
      for key in keys {
        let start = keyBytes.count
        keyBytes.append(contentsOf: key.utf8)
        keyRanges.append(start..<keyBytes.count)
      }
    }
    for (index, source) in sources.enumerated() {
      switch source.root {
      case .traits:
        add(["traits"] + source.path, source: index, rank: 0, identifyOnly: true)
        add(["context", "traits"] + source.path, source: index, rank: 1, identifyOnly: false)
      case .properties:
        add(["properties"] + source.path, source: index, rank: 0, identifyOnly: false)
      case .context:
        add(["context"] + source.path, source: index, rank: 0, identifyOnly: false)
      }
    }
    self.candidates = candidates
    self.keyBytes = keyBytes
    self.keyRanges = keyRanges
  }

  /// The values of the sources that `line` (a validated JSON object) gives. `isIdentify`: the
  /// line is an `identify` call (its top-level `traits` are read).
  func extract(from line: UnsafeBufferPointer<UInt8>, isIdentify: Bool) -> MappedValues {
    var found = [Range<Int>?](repeating: nil, count: candidates.count)
    let active = candidates.indices.filter { isIdentify || !candidates[$0].identifyOnly }
    candidates.withUnsafeBufferPointer { candidates in
      keyBytes.withUnsafeBufferPointer { keyBytes in
        keyRanges.withUnsafeBufferPointer { keyRanges in
          var walker = Walker(
            bytes: line, candidates: candidates, keyBytes: keyBytes, keyRanges: keyRanges)
          walker.skipWhitespace()
          if walker.position < line.count && line[walker.position] == UInt8(ascii: "{") {
            walker.object(depth: 0, active: active, found: &found)
          }
        }
      }
    }
    var values = MappedValues(count: sources.count)
    var ranks = [Int](repeating: .max, count: sources.count)
    for (index, range) in found.enumerated() {
      guard let range else { continue }
      let candidate = candidates[index]
      if candidate.rank < ranks[candidate.source] {
        ranks[candidate.source] = candidate.rank
        values[candidate.source] = Array(line[range])
      }
    }
    return values
  }
}

/// A cursor over validated JSON.
private struct Walker {
  let bytes: UnsafeBufferPointer<UInt8>
  let candidates: UnsafeBufferPointer<MappedValueExtractor.Candidate>
  let keyBytes: UnsafeBufferPointer<UInt8>
  let keyRanges: UnsafeBufferPointer<Range<Int>>
  var position = 0

  init(
    bytes: UnsafeBufferPointer<UInt8>,
    candidates: UnsafeBufferPointer<MappedValueExtractor.Candidate>,
    keyBytes: UnsafeBufferPointer<UInt8>, keyRanges: UnsafeBufferPointer<Range<Int>>
  ) {
    self.bytes = bytes
    self.candidates = candidates
    self.keyBytes = keyBytes
    self.keyRanges = keyRanges
  }

  /// The `depth`-th key of a candidate.
  private func key(_ depth: Int, of candidate: Int) -> UnsafeBufferPointer<UInt8> {
    UnsafeBufferPointer(rebasing: keyBytes[keyRanges[candidates[candidate].firstKey + depth]])
  }

  mutating func skipWhitespace() {
    while position < bytes.count {
      switch bytes[position] {
      case 0x20, 0x09, 0x0A, 0x0D: position += 1
      default: return
      }
    }
  }

  /// At `{`: reads the members, recording values whose path a candidate names and descending
  /// into objects a candidate points into. `active` are the candidates whose first `depth`
  /// keys match the path so far.
  mutating func object(depth: Int, active: [Int], found: inout [Range<Int>?]) {
    position += 1
    while true {
      skipWhitespace()
      guard position < bytes.count else { return }
      if bytes[position] == UInt8(ascii: "}") {
        position += 1
        return
      }
      if bytes[position] == UInt8(ascii: ",") {
        position += 1
        continue
      }
      let key = string()
      skipWhitespace()
      position += 1  // ':'
      skipWhitespace()
      func matches(_ index: Int) -> Bool {
        candidates[index].keyCount > depth && keyEquals(key, self.key(depth, of: index))
      }
      // Most keys match no candidate: tested before any array is made.
      guard active.contains(where: matches) else {
        skipValue()
        continue
      }
      let matching = active.filter(matches)
      let start = position
      if bytes[position] == UInt8(ascii: "{") {
        let deeper = matching.filter { candidates[$0].keyCount > depth + 1 }
        if deeper.isEmpty {
          skipValue()
        } else {
          object(depth: depth + 1, active: deeper, found: &found)
        }
      } else {
        skipValue()
      }
      for index in matching where candidates[index].keyCount == depth + 1 {
        found[index] = start..<position
      }
    }
  }

  /// At `"`: the key's bytes between the quotes and whether they hold an escape.
  private mutating func string() -> (Range<Int>, Bool) {
    position += 1
    let start = position
    var escaped = false
    // Eight bytes at a time up to the first quote or backslash (the line is valid JSON, so
    // only those two matter), then byte by byte.
    if let base = bytes.baseAddress {
      let ones: UInt64 = 0x0101_0101_0101_0101
      let highBits: UInt64 = 0x8080_8080_8080_8080
      while bytes.count - position >= 8 {
        let word = UnsafeRawPointer(base + position).loadUnaligned(as: UInt64.self)
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        if ((quote &- ones) & ~quote | (backslash &- ones) & ~backslash) & highBits != 0 { break }
        position += 8
      }
    }
    while position < bytes.count {
      let byte = bytes[position]
      if byte == UInt8(ascii: "\\") {
        escaped = true
        position += 2
        continue
      }
      if byte == UInt8(ascii: "\"") { break }
      position += 1
    }
    let range = start..<position
    position += 1
    return (range, escaped)
  }

  private func keyEquals(_ key: (Range<Int>, Bool), _ wanted: UnsafeBufferPointer<UInt8>) -> Bool {
    let slice = UnsafeBufferPointer(rebasing: bytes[key.0])
    if key.1 { return JSONStringDecoder.decode(slice).utf8.elementsEqual(wanted) }
    guard slice.count == wanted.count else { return false }
    return slice.isEmpty || bytesEqual(slice.baseAddress!, wanted.baseAddress!, count: slice.count)
  }

  mutating func skipValue() {
    guard position < bytes.count else { return }
    switch bytes[position] {
    case UInt8(ascii: "\""):
      _ = string()
    case UInt8(ascii: "{"), UInt8(ascii: "["):
      var depth = 0
      while position < bytes.count {
        switch bytes[position] {
        case UInt8(ascii: "\""):
          _ = string()
          continue
        case UInt8(ascii: "{"), UInt8(ascii: "["):
          depth += 1
        case UInt8(ascii: "}"), UInt8(ascii: "]"):
          depth -= 1
          if depth == 0 {
            position += 1
            return
          }
        default: break
        }
        position += 1
      }
    default:
      while position < bytes.count {
        switch bytes[position] {
        case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D:
          return
        default: position += 1
        }
      }
    }
  }
}
