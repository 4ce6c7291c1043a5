// Design: Attio's name value has three parts that must describe one name, while events bring
// `first_name`/`last_name` and `name` at different times, from different sources. The rule:
//
// 1. A `name` is read as people write it: "Last, First" (Attio's own string convention) is
//    understood, and honorifics and suffixes ("Dr.", "Mr", "Jr.", "III", "PhD") are not first or
//    last names (they stay in the full name as written).
// 2. With only parts, or only a name, the missing pieces come from the other: the parts joined,
//    or the name split (first word, and the rest).
// 3. With both, the name *agrees* when it contains a known part as a whole word (ignoring case):
//    the known parts are kept, and a missing one is taken from the name (the words after the
//    known first name, or before the known last name). The full name is the name when it is at
//    least as new as the parts, else the parts joined.
// 4. When the name contradicts the parts (contains neither), the newest source wins whole: a
//    newer name is split into both parts; newer parts (or parts set by the same event) are
//    joined into the full name and the name is ignored.
//
// "Newer" compares the trait sequence numbers the profile keeps for every trait.

/// Resolves a person's first, last and full name into one consistent Attio name value.
enum PersonName {
  /// The same from the bytes a profile holds, as a value (tests compare it with the String
  /// path).
  static func resolve(first: ProfileValue, last: ProfileValue, full: ProfileValue)
    -> PersonValues.Name?
  {
    var values = PersonValues()
    resolve(first: first, last: last, full: full, into: &values)
    return values.name
  }

  /// Writes the resolved name into `values` (nothing when there is no name). The common cases
  /// (parts without a name; a name without parts; all three set as one name) are decided and
  /// written on bytes, with no String; anything else takes the String path below.
  static func resolve(
    first: ProfileValue, last: ProfileValue, full: ProfileValue,
    into values: inout PersonValues
  ) {
    guard let name = full.bytes?.assumingMemoryBound(to: UInt8.self) else {
      guard first.bytes != nil || last.bytes != nil else { return }
      joined(
        (first.bytes ?? UnsafeRawBufferPointer(start: nil, count: 0)).assumingMemoryBound(
          to: UInt8.self
        ).span,
        (last.bytes ?? UnsafeRawBufferPointer(start: nil, count: 0)).assumingMemoryBound(
          to: UInt8.self
        ).span, into: &values)
      return
    }
    if first.bytes == nil && last.bytes == nil, splitPlain(name.span, into: &values) {
      return
    }
    if let knownFirst = first.bytes?.assumingMemoryBound(to: UInt8.self),
      let knownLast = last.bytes?.assumingMemoryBound(to: UInt8.self),
      name.count == knownFirst.count + 1 + knownLast.count,
      name.starts(with: knownFirst), name[knownFirst.count] == 0x20,
      name[(knownFirst.count + 1)...].elementsEqual(knownLast)
    {
      values.set(.firstName, knownFirst.span)
      values.set(.lastName, knownLast.span)
      values.set(.fullName, name.span)
      return
    }
    values.name = resolve(first: first.owned, last: last.owned, full: full.owned)
  }

  /// `split(_:)` on bytes for the plain case: no comma, at most eight words, white space only
  /// ASCII and other characters only from U+00C0...U+02FF (Latin letters, which neither are
  /// white space nor join a space into one character). False, and nothing written, for
  /// anything else.
  private static func splitPlain(_ raw: Span<UInt8>, into values: inout PersonValues)
    -> Bool
  {
    func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }
    var words = InlineWords()
    var position = 0
    while position < raw.count {
      let byte = raw[position]
      if byte == UInt8(ascii: ",") || (byte >= 0x80 && byte < 0xC3) || byte > 0xCB {
        return false
      }
      if isSpace(byte) {
        position += 1
        continue
      }
      let start = position
      while position < raw.count && !isSpace(raw[position]) {
        let byte = raw[position]
        if byte == UInt8(ascii: ",") || (byte >= 0x80 && byte < 0xC3) || byte > 0xCB {
          return false
        }
        position += byte >= 0xC0 ? 2 : 1
      }
      guard words.count < InlineWords.capacity, position <= raw.count else { return false }
      words.append(start..<position)
    }
    let count = words.count
    guard count > 0 else { return false }
    var low = 0
    var high = count
    while low < high, isHonorific(raw.extracting(words[low])) { low += 1 }
    while high - low > 1, isSuffix(raw.extracting(words[high - 1])) { high -= 1 }
    let trimmed = raw.extracting(words[0].lowerBound..<words[count - 1].upperBound)
    guard low < high else {
      values.set(.firstName, Span())
      values.set(.lastName, Span())
      values.set(.fullName, trimmed)
      return true
    }
    values.set(.firstName, raw.extracting(words[low]))
    values.set(.lastName) { text in
      for index in (low + 1)..<high {
        if index > low + 1 { text.append(0x20) }
        text.append(raw.extracting(words[index]))
      }
      return true
    }
    values.set(.fullName, trimmed)
    return true
  }

  /// The parts joined with one space, as `joined(_:_:)` below, from bytes.
  private static func joined(
    _ first: Span<UInt8>, _ last: Span<UInt8>, into values: inout PersonValues
  ) {
    values.set(.firstName, first)
    values.set(.lastName, last)
    values.set(.fullName) { text in
      text.append(first)
      if !first.isEmpty && !last.isEmpty { text.append(0x20) }
      text.append(last)
      return true
    }
  }

  /// The word ranges of a plain name, at most eight, inline.
  private struct InlineWords {
    static let capacity = 8
    private var ranges:
      (
        Range<Int>, Range<Int>, Range<Int>, Range<Int>, Range<Int>, Range<Int>, Range<Int>,
        Range<Int>
      ) = (0..<0, 0..<0, 0..<0, 0..<0, 0..<0, 0..<0, 0..<0, 0..<0)
    private(set) var count = 0

    mutating func append(_ range: Range<Int>) {
      withUnsafeMutableBytes(of: &ranges) {
        $0.storeBytes(
          of: range, toByteOffset: count * MemoryLayout<Range<Int>>.stride, as: Range<Int>.self)
      }
      count += 1
    }

    subscript(index: Int) -> Range<Int> {
      withUnsafeBytes(of: ranges) {
        $0.load(fromByteOffset: index * MemoryLayout<Range<Int>>.stride, as: Range<Int>.self)
      }
    }
  }

  static func resolve(first: Profile.Value, last: Profile.Value, full: Profile.Value)
    -> PersonValues.Name?
  {
    let knownFirst = first.text
    let knownLast = last.text
    guard let name = full.text else {
      guard knownFirst != nil || knownLast != nil else { return nil }
      return joined(knownFirst ?? "", knownLast ?? "")
    }
    // The common case, all three set as one name: nothing to split or compare.
    if let knownFirst, let knownLast,
      name.utf8.count == knownFirst.utf8.count + 1 + knownLast.utf8.count,
      name == knownFirst + " " + knownLast
    {
      return PersonValues.Name(first: knownFirst, last: knownLast, full: name)
    }
    let written = split(name)
    guard knownFirst != nil || knownLast != nil else { return written }
    let partsSequence = max(
      knownFirst == nil ? 0 : first.sequence, knownLast == nil ? 0 : last.sequence)
    let words = (written.first + " " + written.last).split(whereSeparator: isSpace)
    let firstRange = knownFirst.flatMap { find($0, in: words) }
    let lastRange = knownLast.flatMap { find($0, in: words) }
    guard firstRange != nil || lastRange != nil else {
      // Contradiction: the newest source wins whole.
      return full.sequence > partsSequence ? written : joined(knownFirst ?? "", knownLast ?? "")
    }
    var resolvedFirst = knownFirst ?? ""
    var resolvedLast = knownLast ?? ""
    if knownLast == nil, let firstRange {
      resolvedLast = words[firstRange.upperBound...].joined(separator: " ")
    }
    if knownFirst == nil, let lastRange {
      resolvedFirst = words[..<lastRange.lowerBound].joined(separator: " ")
    }
    if full.sequence >= partsSequence {
      return PersonValues.Name(first: resolvedFirst, last: resolvedLast, full: written.full)
    }
    return joined(resolvedFirst, resolvedLast)
  }

  /// A name as written, split into first and last name.
  static func split(_ name: String) -> PersonValues.Name {
    let name = name.trimmingWhitespace()
    if let comma = name.firstIndex(of: ",") {
      let before = words(name[..<comma])
      let after = words(name[name.index(after: comma)...])
      // "Ada Lovelace, PhD" is a suffix after a comma, not the "Last, First" form.
      if !after.isEmpty && !after.allSatisfy(isSuffix) && !before.isEmpty {
        let lastName = before.filter { !isHonorific($0) && !isSuffix($0) }
        let firstName = after.filter { !isHonorific($0) && !isSuffix($0) }
        return joined(firstName.joined(separator: " "), lastName.joined(separator: " "))
      }
    }
    var parts = words(Substring(name))[...]
    while let word = parts.first, isHonorific(word) { parts.removeFirst() }
    while let word = parts.last, isSuffix(word), parts.count > 1 { parts.removeLast() }
    let firstName = parts.first.map(String.init) ?? ""
    let lastName = parts.dropFirst().joined(separator: " ")
    guard !name.isEmpty || !firstName.isEmpty else {
      return PersonValues.Name(first: "", last: "", full: "")
    }
    return PersonValues.Name(first: firstName, last: lastName, full: name)
  }

  /// Whether `text` is an honorific written alone ("Mr.", "dr", "Mx"): never a job title.
  static func isHonorific<Text: StringProtocol>(_ text: Text) -> Bool {
    var text = String(text)
    return text.withUTF8 { isHonorific($0.span) }
  }

  static func isHonorific(_ word: Span<UInt8>) -> Bool {
    guard let folded = folded(word) else { return false }
    return honorifics.contains(folded)
  }

  private static func isSuffix(_ word: Substring) -> Bool {
    var word = word
    return word.withUTF8 { isSuffix($0.span) }
  }

  private static func isSuffix(_ word: Span<UInt8>) -> Bool {
    guard let folded = folded(word) else { return false }
    return suffixes.contains(folded)
  }

  /// Longer words ("Ph.D.," at most) are neither, and skip the folding.
  private static let longestWord = 8

  private static let honorifics: [UInt64] = [
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "mme", "mlle", "rev", "herr",
    "frau", "m", "messrs",
  ].map { packed($0.utf8) }
  private static let suffixes: [UInt64] = [
    "jr", "sr", "ii", "iii", "iv", "phd", "md", "esq", "dds", "mba", "cpa",
  ].map { packed($0.utf8) }

  /// A word of at most `longestWord` bytes lower-cased without dots and commas ("Ph.D.," is
  /// "phd"), packed into one integer for comparison; nil for a longer word or one with
  /// non-ASCII letters (no honorific or suffix has one, and none lower-cases to ASCII).
  private static func folded(_ word: Span<UInt8>) -> UInt64? {
    guard word.count <= longestWord else { return nil }
    var folded: UInt64 = 0
    for index in word.indices {
      let byte = word[index]
      if byte >= 0x80 || byte == 0 { return nil }
      if byte == UInt8(ascii: ".") || byte == UInt8(ascii: ",") { continue }
      folded = folded << 8 | UInt64((0x41...0x5A).contains(byte) ? byte | 0x20 : byte)
    }
    return folded
  }

  private static func packed(_ word: some Sequence<UInt8>) -> UInt64 {
    word.reduce(0) { $0 << 8 | UInt64($1) }
  }

  private static func words(_ text: Substring) -> [Substring] {
    text.split(whereSeparator: { isSpace($0) || $0 == "," })
  }

  /// Where the words of `part` occur, as whole words, in `words` (ignoring case).
  private static func find(_ part: String, in words: [Substring]) -> Range<Int>? {
    let needle = part.split(whereSeparator: isSpace).map { $0.lowercased() }
    guard !needle.isEmpty, needle.count <= words.count else { return nil }
    for start in 0...(words.count - needle.count)
    where (0..<needle.count).allSatisfy({ words[start + $0].lowercased() == needle[$0] }) {
      return start..<(start + needle.count)
    }
    return nil
  }

  /// White space, without a Unicode property look-up for ASCII.
  private static func isSpace(_ character: Character) -> Bool {
    if let ascii = character.asciiValue { return ascii == 0x20 || (0x09...0x0D).contains(ascii) }
    return character.isWhitespace
  }

  private static func joined(_ first: String, _ last: String) -> PersonValues.Name {
    let full = first.isEmpty ? last : last.isEmpty ? first : first + " " + last
    return PersonValues.Name(first: first, last: last, full: full)
  }
}
