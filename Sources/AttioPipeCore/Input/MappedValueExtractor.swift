/// Finds the values of the `--map` sources in one event line: the raw JSON text at each
/// configured path, for the converter.
///
/// Runs only when `--map` is given, and only on lines `JSONScanner` has already validated, so
/// it walks the bytes without re-checking the grammar: keys are compared in place (escaped
/// keys, rare, are decoded first), and subtrees no source points into are skipped by counting
/// brackets. A duplicate key's last value wins, as in the scanner.
///
/// The sources' paths are kept as a trie (`traits` → `plan`, `context` → `traits` → `plan`):
/// at each object the walk compares a key with the children of the node it is at, so it
/// allocates nothing per key, however many sources there are.
package struct MappedValueExtractor: Sendable {
  let sources: [MappedSource]
  /// Every absolute path a source may be read from, and which source and rank it serves
  /// (rank 0 wins over rank 1: an `identify`'s own `traits` over its `context.traits`).
  private let candidates: [Candidate]
  /// The trie, flat: node 0 is the line's object; a node's children are contiguous.
  private let nodes: [Node]
  private let children: [Child]
  /// The candidates whose path ends at each node (`Node.endings` ranges into it).
  private let endings: [Int]
  /// The keys' bytes (`Child.key` ranges into it).
  private let keyBytes: [UInt8]

  fileprivate struct Candidate: Sendable {
    var source: Int
    var rank: Int
  }

  fileprivate struct Node: Sendable {
    var children: Range<Int> = 0..<0
    var endings: Range<Int> = 0..<0
  }

  fileprivate struct Child: Sendable {
    var key: Range<Int>
    var node: Int
    /// Only an `identify` call's top-level `traits` are person traits.
    var identifyOnly: Bool
  }

  package init(sources: [MappedSource]) {
    self.sources = sources
    // The trie as nested dictionaries first, then laid out breadth first.
    final class Building {
      var children: [(key: String, identifyOnly: Bool, node: Building)] = []
      var endings: [Int] = []

      func child(_ key: String, identifyOnly: Bool) -> Building {
        if let found = children.first(where: { $0.key == key && $0.identifyOnly == identifyOnly }) {
          return found.node
        }
        let node = Building()
        children.append((key, identifyOnly, node))
        return node
      }
    }
    let root = Building()
    var candidates: [Candidate] = []
    func add(_ keys: [String], source: Int, rank: Int, identifyOnly: Bool) {
      var node = root
      for (depth, key) in keys.enumerated() {
        node = node.child(key, identifyOnly: identifyOnly && depth == 0)
      }
      node.endings.append(candidates.count)
      candidates.append(Candidate(source: source, rank: rank))
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
    var nodes: [Node] = []
    var children: [Child] = []
    var endings: [Int] = []
    var keyBytes: [UInt8] = []
    var queue = [root]
    var next = 0
    nodes.append(Node())
    while next < queue.count {
      let building = queue[next]
      let index = next
      next += 1
      nodes[index].endings = endings.count..<endings.count + building.endings.count
      endings += building.endings
      let first = children.count
      for child in building.children {
        let start = keyBytes.count
        keyBytes.append(contentsOf: child.key.utf8)
        children.append(
          Child(key: start..<keyBytes.count, node: queue.count, identifyOnly: child.identifyOnly))
        queue.append(child.node)
        nodes.append(Node())
      }
      nodes[index].children = first..<children.count
    }
    self.candidates = candidates
    self.nodes = nodes
    self.children = children
    self.endings = endings
    self.keyBytes = keyBytes
  }

  /// The values of the sources that `line` (a validated JSON object) gives. `isIdentify`: the
  /// line is an `identify` call (its top-level `traits` are read).
  package func extract(from line: Span<UInt8>, isIdentify: Bool) -> MappedValues {
    var found = [Range<Int>?](repeating: nil, count: candidates.count)
    // The walker is a scanner: it reads the line through a pointer, eight bytes at a time,
    // within this call only.
    line.withUnsafeBufferPointer { line in
      nodes.withUnsafeBufferPointer { nodes in
        children.withUnsafeBufferPointer { children in
          endings.withUnsafeBufferPointer { endings in
            keyBytes.withUnsafeBufferPointer { keyBytes in
              var walker = Walker(
                bytes: line,
                trie: Trie(
                  nodes: nodes, children: children, endings: endings, keyBytes: keyBytes,
                  isIdentify: isIdentify))
              walker.skipWhitespace()
              if walker.position < line.count && line[walker.position] == UInt8(ascii: "{") {
                walker.object(at: 0, found: &found)
              }
            }
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
        values[candidate.source] = line.extracting(range).array
      }
    }
    return values
  }
}

/// The extractor's trie, borrowed for one walk.
private struct Trie {
  let nodes: UnsafeBufferPointer<MappedValueExtractor.Node>
  let children: UnsafeBufferPointer<MappedValueExtractor.Child>
  let endings: UnsafeBufferPointer<Int>
  let keyBytes: UnsafeBufferPointer<UInt8>
  let isIdentify: Bool
}

/// A cursor over validated JSON.
private struct Walker {
  let bytes: UnsafeBufferPointer<UInt8>
  let trie: Trie
  var position = 0

  init(bytes: UnsafeBufferPointer<UInt8>, trie: Trie) {
    self.bytes = bytes
    self.trie = trie
  }

  mutating func skipWhitespace() {
    while position < bytes.count {
      switch bytes[position] {
      case 0x20, 0x09, 0x0A, 0x0D: position += 1
      default: return
      }
    }
  }

  /// At `{`: reads the members, recording the values of the candidates whose path ends at a
  /// child of `node`, and descending into objects that children lead further into.
  mutating func object(at node: Int, found: inout [Range<Int>?]) {
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
      // Most keys lead nowhere: compared with the node's few children, nothing made.
      var match: MappedValueExtractor.Child?
      for child in trie.children[trie.nodes[node].children]
      where !(child.identifyOnly && !trie.isIdentify)
        && keyEquals(key, UnsafeBufferPointer(rebasing: trie.keyBytes[child.key]))
      {
        match = child
        break
      }
      guard let match else {
        skipValue()
        continue
      }
      let start = position
      if bytes[position] == UInt8(ascii: "{") && !trie.nodes[match.node].children.isEmpty {
        object(at: match.node, found: &found)
      } else {
        skipValue()
      }
      for candidate in trie.endings[trie.nodes[match.node].endings] {
        found[candidate] = start..<position
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
    if key.1 { return JSONStringDecoder.decode(slice.span).utf8.elementsEqual(wanted) }
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
