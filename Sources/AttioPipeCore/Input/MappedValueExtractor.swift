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

  fileprivate struct Candidate: Sendable {
    var keys: [[UInt8]]
    var source: Int
    var rank: Int
    /// Only an `identify` call's top-level `traits` are person traits.
    var identifyOnly: Bool
  }

  init(sources: [MappedSource]) {
    self.sources = sources
    var candidates: [Candidate] = []
    for (index, source) in sources.enumerated() {
      let path = source.path.map { Array($0.utf8) }
      switch source.root {
      case .traits:
        candidates.append(
          Candidate(keys: [Array("traits".utf8)] + path, source: index, rank: 0, identifyOnly: true)
        )
        candidates.append(
          Candidate(
            keys: [Array("context".utf8), Array("traits".utf8)] + path, source: index, rank: 1,
            identifyOnly: false))
      case .properties:
        candidates.append(
          Candidate(
            keys: [Array("properties".utf8)] + path, source: index, rank: 0, identifyOnly: false))
      case .context:
        candidates.append(
          Candidate(
            keys: [Array("context".utf8)] + path, source: index, rank: 0, identifyOnly: false))
      }
    }
    self.candidates = candidates
  }

  /// The values of the sources that `line` (a validated JSON object) gives. `isIdentify`: the
  /// line is an `identify` call (its top-level `traits` are read).
  func extract(from line: UnsafeBufferPointer<UInt8>, isIdentify: Bool) -> MappedValues {
    var found = [Range<Int>?](repeating: nil, count: candidates.count)
    let active = candidates.indices.filter { isIdentify || !candidates[$0].identifyOnly }
    var walker = Walker(bytes: line)
    walker.skipWhitespace()
    if walker.position < line.count && line[walker.position] == UInt8(ascii: "{") {
      walker.object(depth: 0, active: active, candidates: candidates, found: &found)
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
  var position = 0

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
  mutating func object(
    depth: Int, active: [Int], candidates: [MappedValueExtractor.Candidate],
    found: inout [Range<Int>?]
  ) {
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
      let matching = active.filter { index in
        let keys = candidates[index].keys
        return keys.count > depth && keyEquals(key, keys[depth])
      }
      if matching.isEmpty {
        skipValue()
        continue
      }
      let start = position
      if bytes[position] == UInt8(ascii: "{") {
        let deeper = matching.filter { candidates[$0].keys.count > depth + 1 }
        if deeper.isEmpty {
          skipValue()
        } else {
          object(depth: depth + 1, active: deeper, candidates: candidates, found: &found)
        }
      } else {
        skipValue()
      }
      for index in matching where candidates[index].keys.count == depth + 1 {
        found[index] = start..<position
      }
    }
  }

  /// At `"`: the key's bytes between the quotes and whether they hold an escape.
  private mutating func string() -> (Range<Int>, Bool) {
    position += 1
    let start = position
    var escaped = false
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

  private func keyEquals(_ key: (Range<Int>, Bool), _ wanted: [UInt8]) -> Bool {
    let slice = UnsafeBufferPointer(rebasing: bytes[key.0])
    if key.1 { return Array(JSONStringDecoder.decode(slice).utf8) == wanted }
    return slice.elementsEqual(wanted)
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
