// Design: the signals of every profile in one flat `[Int64]`, `width` numbers per profile slot
// of the identity store, beside the profiles rather than in them. A signal changes with nearly
// every event of a person (a page view moves `last_seen`), and a profile's packed records are
// rewritten whole on a change; here an event updates a number in place, allocating nothing.
// Without `--signal` the width is 0 and the table stays empty.
//
// Per profile: for each signal its value and the value last written to Attio (so that a
// person's figures are sent only when they changed), then the time of that write (event
// milliseconds; 0 while the person has never been written, which also means "not yet in
// Attio": signals then wait for the person's first upsert). A value of 0 is "none" (no time is
// the epoch, and a count of 0 is not worth writing).
//
// In the state file the numbers of a profile travel as the text of one profile value
// (`ProfileSlot.signals`), each signal named by its `stateKey`, so that they survive a
// restart with the options in another order, and a run without `--signal` keeps them as it
// keeps any remembered value.

/// Each profile's signals (`--signal`), kept by the identity store beside its profiles.
package struct ProfileSignals: Sendable {
  /// How the values of two profiles found to be one person combine.
  package enum Rule: UInt8, Sendable {
    /// The larger (`last_seen`).
    case latest
    /// The smaller that is not 0 (`first_seen`).
    case earliest
    /// The total (`count:`): each profile counted different events.
    case sum
  }

  let rules: [Rule]
  let keys: [UInt32]
  /// Numbers per profile: value and written value per signal, then the last write's time.
  let width: Int
  private var table: [Int64] = []

  package init(rules: [Rule] = [], keys: [UInt32] = []) {
    precondition(rules.count == keys.count)
    self.rules = rules
    self.keys = keys
    width = rules.isEmpty ? 0 : rules.count * 2 + 1
  }

  package var isEmpty: Bool { width == 0 }
  var count: Int { rules.count }

  package func value(_ profile: Int32, _ signal: Int) -> Int64 {
    table[Int(profile) * width + signal * 2]
  }

  package func written(_ profile: Int32, _ signal: Int) -> Int64 {
    table[Int(profile) * width + signal * 2 + 1]
  }

  /// When the profile's signals were last written (event milliseconds); 0: never.
  package func lastWrite(_ profile: Int32) -> Int64 {
    table[Int(profile) * width + width - 1]
  }

  package mutating func setValue(_ profile: Int32, _ signal: Int, _ value: Int64) {
    table[Int(profile) * width + signal * 2] = value
  }

  /// Lets `body` change the profile's values in place (one uniqueness check for them all):
  /// `values[signal]` is a signal's value.
  package mutating func updateValues(
    of profile: Int32, _ body: (inout ValueRow) -> Void
  ) {
    let base = Int(profile) * width
    table.withUnsafeMutableBufferPointer { table in
      var row = ValueRow(base: table.baseAddress! + base)
      body(&row)
    }
  }

  /// One profile's signal values, in place (each signal's value is every other number).
  package struct ValueRow {
    fileprivate let base: UnsafeMutablePointer<Int64>

    package subscript(signal: Int) -> Int64 {
      get { base[signal * 2] }
      nonmutating set { base[signal * 2] = newValue }
    }
  }

  /// Records that every signal's current value was written at `time`.
  package mutating func markWritten(_ profile: Int32, at time: Int64) {
    let base = Int(profile) * width
    for signal in 0..<count { table[base + signal * 2 + 1] = table[base + signal * 2] }
    // A late event (an earlier time) does not move the last write back.
    table[base + width - 1] = max(table[base + width - 1], time, 1)
  }

  /// Whether any signal differs from what was last written.
  package func hasUnwritten(_ profile: Int32) -> Bool {
    let base = Int(profile) * width
    for signal in 0..<count where table[base + signal * 2] != table[base + signal * 2 + 1] {
      return true
    }
    return false
  }

  // MARK: - The identity store's bookkeeping

  /// Makes room for profile slots up to `slotCount`.
  mutating func reserve(_ slotCount: Int) {
    guard width > 0, table.count < slotCount * width else { return }
    table.append(contentsOf: repeatElement(0, count: slotCount * width - table.count))
  }

  /// A slot freed or reused: its numbers go.
  mutating func clear(_ profile: Int32) {
    guard width > 0, Int(profile) * width < table.count else { return }
    let base = Int(profile) * width
    for offset in 0..<width { table[base + offset] = 0 }
  }

  /// `absorbed` turned out to be the same person as `survivor`: the values combine by their
  /// rule; what was written stays the survivor's (the record the writes went to), the last
  /// write's time the later one.
  mutating func absorb(_ absorbed: Int32, into survivor: Int32) {
    guard width > 0 else { return }
    let from = Int(absorbed) * width
    let into = Int(survivor) * width
    for signal in 0..<count {
      let mine = table[into + signal * 2]
      let theirs = table[from + signal * 2]
      table[into + signal * 2] =
        switch rules[signal] {
        case .latest: max(mine, theirs)
        case .earliest: mine == 0 ? theirs : theirs == 0 ? mine : min(mine, theirs)
        case .sum: mine &+ theirs
        }
    }
    table[into + width - 1] = max(table[into + width - 1], table[from + width - 1])
  }

  // MARK: - State

  /// A number a state file may give: a time up to the year 9999 or a count, never negative
  /// (so that no comparison of times can overflow).
  private static func sane(_ value: Int64) -> Int64? {
    (0...253_402_300_800_000).contains(value) ? value : nil
  }

  /// The profile's numbers as the text of its `ProfileSlot.signals` value (nil when they are
  /// all 0): `KEY:VALUE:WRITTEN;…;@LASTWRITE`, keys in hexadecimal, numbers in decimal.
  func stateText(of profile: Int32) -> String? {
    guard width > 0 else { return nil }
    let base = Int(profile) * width
    guard (0..<width).contains(where: { table[base + $0] != 0 }) else { return nil }
    var text = ""
    for signal in 0..<count {
      let value = table[base + signal * 2]
      let written = table[base + signal * 2 + 1]
      guard value != 0 || written != 0 else { continue }
      text += String(keys[signal], radix: 16) + ":" + String(value) + ":" + String(written) + ";"
    }
    return text + "@" + String(table[base + width - 1])
  }

  /// Restores what `stateText` wrote; signals no longer asked for are dropped, malformed text
  /// ignored (a state file's values are checked for what they must be, not for this).
  mutating func restore(_ profile: Int32, from text: String) {
    guard width > 0 else { return }
    let base = Int(profile) * width
    for part in text.split(separator: ";") {
      if part.hasPrefix("@") {
        table[base + width - 1] = Int64(part.dropFirst()).flatMap(Self.sane) ?? 0
        continue
      }
      let fields = part.split(separator: ":")
      guard fields.count == 3, let key = UInt32(fields[0], radix: 16),
        let signal = keys.firstIndex(of: key), let value = Int64(fields[1]).flatMap(Self.sane),
        let written = Int64(fields[2]).flatMap(Self.sane)
      else { continue }
      table[base + signal * 2] = value
      table[base + signal * 2 + 1] = written
    }
  }
}
