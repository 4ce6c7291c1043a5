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
  /// The same from the bytes a profile holds. The two common cases (parts without a name; all
  /// three set as one name) are decided on bytes, creating only the Strings of the result;
  /// anything else takes the String path below.
  static func resolve(first: ProfileValue, last: ProfileValue, full: ProfileValue)
    -> PersonValues.Name?
  {
    guard let name = full.bytes else {
      guard first.bytes != nil || last.bytes != nil else { return nil }
      return joined(first.bytes, last.bytes)
    }
    if first.bytes == nil && last.bytes == nil, let written = splitPlain(name) {
      return written
    }
    if let knownFirst = first.bytes, let knownLast = last.bytes,
      name.count == knownFirst.count + 1 + knownLast.count,
      name.starts(with: knownFirst), name[knownFirst.count] == 0x20,
      name[(knownFirst.count + 1)...].elementsEqual(knownLast)
    {
      return PersonValues.Name(
        first: knownFirst.utf8String,
        last: knownLast.utf8String,
        full: name.utf8String)
    }
    return resolve(first: first.owned, last: last.owned, full: full.owned)
  }

  /// `split(_:)` on bytes for the plain case: no comma, at most eight words, white space only
  /// ASCII and other characters only from U+00C0...U+02FF (Latin letters, which neither are
  /// white space nor join a space into one character). Nil for anything else.
  private static func splitPlain(_ raw: UnsafeRawBufferPointer) -> PersonValues.Name? {
    func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }
    var words:
      (
        Range<Int>, Range<Int>, Range<Int>, Range<Int>, Range<Int>, Range<Int>, Range<Int>,
        Range<Int>
      ) = (0..<0, 0..<0, 0..<0, 0..<0, 0..<0, 0..<0, 0..<0, 0..<0)
    var count = 0
    var position = 0
    while position < raw.count {
      let byte = raw[position]
      if byte == UInt8(ascii: ",") || (byte >= 0x80 && byte < 0xC3) || byte > 0xCB { return nil }
      if isSpace(byte) {
        position += 1
        continue
      }
      let start = position
      while position < raw.count && !isSpace(raw[position]) {
        let byte = raw[position]
        if byte == UInt8(ascii: ",") || (byte >= 0x80 && byte < 0xC3) || byte > 0xCB {
          return nil
        }
        position += byte >= 0xC0 ? 2 : 1
      }
      guard count < 8, position <= raw.count else { return nil }
      withUnsafeMutableBytes(of: &words) {
        $0.storeBytes(
          of: start..<position, toByteOffset: count * MemoryLayout<Range<Int>>.stride,
          as: Range<Int>.self)
      }
      count += 1
    }
    guard count > 0 else { return nil }
    func word(_ index: Int) -> UnsafeRawBufferPointer {
      let range = withUnsafeBytes(of: words) {
        $0.load(fromByteOffset: index * MemoryLayout<Range<Int>>.stride, as: Range<Int>.self)
      }
      return UnsafeRawBufferPointer(rebasing: raw[range])
    }
    func isShort(_ index: Int, _ test: (String) -> Bool) -> Bool {
      let bytes = word(index)
      return bytes.count <= longestWord && test(bytes.utf8String)
    }
    var low = 0
    var high = count
    while low < high, isShort(low, { isHonorific($0) }) { low += 1 }
    while high - low > 1, isShort(high - 1, { isSuffix(Substring($0)) }) { high -= 1 }
    let trimmed = UnsafeRawBufferPointer(
      rebasing: raw[
        word(0).baseAddress! - raw
          .baseAddress!..<(word(count - 1).baseAddress! - raw.baseAddress! + word(count - 1).count)]
    )
    guard low < high else {
      return PersonValues.Name(first: "", last: "", full: trimmed.utf8String)
    }
    var last = ""
    for index in (low + 1)..<high {
      if !last.isEmpty { last += " " }
      last += word(index).utf8String
    }
    return PersonValues.Name(first: word(low).utf8String, last: last, full: trimmed.utf8String)
  }

  /// The parts joined with one space, as `joined(_:_:)` below, from bytes.
  private static func joined(
    _ first: UnsafeRawBufferPointer?, _ last: UnsafeRawBufferPointer?
  ) -> PersonValues.Name {
    let firstText = first.map { $0.utf8String } ?? ""
    let lastText = last.map { $0.utf8String } ?? ""
    let full: String
    if firstText.isEmpty {
      full = lastText
    } else if lastText.isEmpty {
      full = firstText
    } else {
      let firstCount = first!.count
      let lastCount = last!.count
      full = String(unsafeUninitializedCapacity: firstCount + 1 + lastCount) { buffer in
        UnsafeMutableRawBufferPointer(buffer).copyMemory(from: first!)
        buffer[firstCount] = 0x20
        UnsafeMutableRawBufferPointer(
          rebasing: UnsafeMutableRawBufferPointer(buffer)[(firstCount + 1)...]
        )
        .copyMemory(from: last!)
        return firstCount + 1 + lastCount
      }
    }
    return PersonValues.Name(first: firstText, last: lastText, full: full)
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
    text.utf8.count <= longestWord && honorifics.contains(folded(text))
  }

  private static func isSuffix(_ word: Substring) -> Bool {
    word.utf8.count <= longestWord && suffixes.contains(folded(word))
  }

  /// Longer words ("Ph.D.," at most) are neither, and skip the folding.
  private static let longestWord = 8

  private static let honorifics: Set<String> = [
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "mme", "mlle", "rev", "herr",
    "frau", "m", "messrs",
  ]
  private static let suffixes: Set<String> = [
    "jr", "sr", "ii", "iii", "iv", "phd", "md", "esq", "dds", "mba", "cpa",
  ]

  /// Lower-cased without dots and commas: "Ph.D.," is "phd".
  private static func folded<Text: StringProtocol>(_ text: Text) -> String {
    String(text.lowercased().unicodeScalars.filter { $0 != "." && $0 != "," })
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
