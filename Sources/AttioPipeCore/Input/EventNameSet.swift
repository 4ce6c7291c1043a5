/// The event names that trigger an upsert, compared ignoring case and separators so that
/// `Signed Up`, `signed_up`, `signed-up` and `signedUp` are one name.
///
/// Folding keeps ASCII letters (lower-cased), ASCII digits and every non-ASCII byte, and drops
/// all other ASCII characters. It runs on the bytes of the event name in place: no `String` is
/// built for the thousands of page and track names that are not enabled.
package struct EventNameSet: Sendable, Equatable {
  /// The connector's default preset.
  package static let defaultNames = ["Identified", "Signed Up", "Lead Generated", "Logged In"]

  /// The name an `identify` call counts as.
  static let identified = folded("Identified")
  static let leadGenerated = folded("Lead Generated")

  private let names: [[UInt8]]

  package init(_ names: [String]) {
    var folded: [[UInt8]] = []
    for name in names {
      var key = EventNameSet.folded(name)
      // `identify`, the Segment call type, means the identify call too.
      if key == EventNameSet.identify { key = EventNameSet.identified }
      if !key.isEmpty && !folded.contains(key) { folded.append(key) }
    }
    self.names = folded
  }

  package var isEmpty: Bool { names.isEmpty }

  static let identify = folded("identify")

  /// A track named "Identified" (or "Identify") is not the identify call: it never triggers.
  static func isIdentifyName(_ name: Span<UInt8>) -> Bool {
    matches(name, folded: identified) || matches(name, folded: identify)
  }

  /// Warnings for `--events` entries that can never match a triggering event: names without
  /// a letter or digit, and the call types whose calls never trigger an upsert.
  package static func unmatchableEntries(_ names: [String]) -> [String] {
    var warnings: [String] = []
    for name in names {
      let key = folded(name)
      if key.isEmpty {
        warnings.append("--events entry '\(name)' has no letter or digit and matches nothing")
      } else if let call = ["page", "screen", "group", "alias", "track"].first(where: {
        folded($0) == key
      }) {
        warnings.append(
          "--events entry '\(name)' names a call type: \(call) calls never trigger an upsert "
            + "(only identify calls and tracks do); it matches only a track named '\(name)'")
      }
    }
    return warnings
  }

  func contains(folded name: [UInt8]) -> Bool { names.contains(name) }

  func contains(_ name: Span<UInt8>) -> Bool {
    names.contains { EventNameSet.matches(name, folded: $0) }
  }

  static func folded(_ name: String) -> [UInt8] {
    var key: [UInt8] = []
    for byte in name.utf8 {
      if let kept = fold(byte) { key.append(kept) }
    }
    return key
  }

  static func folded(_ name: Span<UInt8>) -> [UInt8] {
    name.indices.compactMap { fold(name[$0]) }
  }

  /// Compares raw name bytes with a folded name without building the folded form.
  static func matches(_ name: Span<UInt8>, folded key: [UInt8]) -> Bool {
    var position = 0
    for index in name.indices {
      guard let kept = fold(name[index]) else { continue }
      guard position < key.count, key[position] == kept else { return false }
      position += 1
    }
    return position == key.count
  }

  @inline(__always)
  private static func fold(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte | 0x20
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), 0x80...:
      byte
    default: nil
    }
  }
}
