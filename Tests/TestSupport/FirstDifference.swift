/// Where two arrays first differ (the shorter one's length when one is a prefix of the
/// other); nil when they are equal.
///
/// For expectations on large byte arrays: `#expect(a == b)` on a failure prints both arrays
/// and a diff of them, which for a few hundred kilobytes takes minutes; an index is enough.
public func firstDifference<Element: Equatable>(_ left: [Element], _ right: [Element]) -> Int? {
  for index in 0..<min(left.count, right.count) where left[index] != right[index] {
    return index
  }
  return left.count == right.count ? nil : min(left.count, right.count)
}
