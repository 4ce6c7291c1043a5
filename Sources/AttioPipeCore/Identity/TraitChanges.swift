/// What one event says about one trait (the String form, for tests and the rare paths).
enum TraitChange: Equatable, Sendable {
  case unchanged
  /// A new value, already trimmed and non-empty.
  case set(String)
  /// The event set the trait to `null`.
  case remove
}

/// The changes one event makes to a profile, slot by slot, with the new values' bytes kept
/// in one buffer. The event processor reuses one instance from event to event, so building
/// the changes allocates nothing once warm.
///
/// Values are kept whole: the profile keeps at most `ProfileBuilder.maximumValueLength` bytes
/// of each (the builder cuts them), but the event that carries a longer value writes it whole
/// (`withLongValues`).
///
/// Its per-event members are `@inlinable` for the event processor in AttioPipeCommands, so
/// what they touch is `@usableFromInline` rather than private (see Package.swift).
@usableFromInline
package struct TraitChanges: Sendable {
  @usableFromInline
  struct Change: Sendable {
    @usableFromInline var slot: ProfileSlot
    /// The value's range in `bytes`; `start < 0` marks a removal.
    var start: Int32
    var end: Int32
  }

  @usableFromInline var changes: [Change] = []
  private var bytes: [UInt8] = []
  /// Some value is longer than a profile keeps (rare: one check per event on the common path).
  package private(set) var hasLongValues = false

  package init() {}

  @inlinable package var isEmpty: Bool { changes.isEmpty }

  /// Empties the changes, keeping the memory for the next event.
  package mutating func removeAll() {
    // Most events change nothing: skip the (not free) clearing of empty arrays.
    if !changes.isEmpty { changes.removeAll(keepingCapacity: true) }
    if !bytes.isEmpty { bytes.removeAll(keepingCapacity: true) }
    hasLongValues = false
  }

  /// Sets a slot to `value`.
  package mutating func set(_ slot: ProfileSlot, _ value: UnsafeRawBufferPointer) {
    let start = bytes.count
    bytes.append(contentsOf: value)
    record(Change(slot: slot, start: Int32(start), end: Int32(bytes.count)))
  }

  package mutating func remove(_ slot: ProfileSlot) {
    record(Change(slot: slot, start: -1, end: -1))
  }

  /// Appends the bytes of a value being built in place (`appendValue`, then `commitValue`);
  /// lets the processor decode and trim into the buffer without a copy elsewhere.
  package mutating func withValueBuffer<Result>(_ body: (inout [UInt8]) -> Result) -> Result {
    body(&bytes)
  }

  /// Records the bytes from `start` to the end of the buffer as the slot's new value.
  package mutating func commitValue(_ slot: ProfileSlot, from start: Int) {
    record(Change(slot: slot, start: Int32(start), end: Int32(bytes.count)))
  }

  private mutating func record(_ change: Change) {
    if change.end - change.start > ProfileBuilder.maximumValueLength { hasLongValues = true }
    for index in changes.indices where changes[index].slot == change.slot {
      changes[index] = change
      return
    }
    changes.append(change)
  }

  /// The new value of a slot: nil when unchanged, `.some(nil)` when removed.
  package func withValue<Result>(
    _ slot: ProfileSlot, _ body: (UnsafeRawBufferPointer?) -> Result
  ) -> Result? {
    guard let change = changes.first(where: { $0.slot == slot }) else { return nil }
    guard change.start >= 0 else { return body(nil) }
    return bytes.withUnsafeBytes {
      body(UnsafeRawBufferPointer(rebasing: $0[Int(change.start)..<Int(change.end)]))
    }
  }

  @inlinable
  package func isChanged(_ slot: ProfileSlot) -> Bool { changes.contains { $0.slot == slot } }

  /// Calls `body` with the values longer than a profile keeps, whole: what the event that
  /// carries them writes (`PersonMapper`). Rare; empty unless `hasLongValues`.
  func withLongValues<Result>(
    _ body: ([(slot: ProfileSlot, bytes: UnsafeRawBufferPointer)]) -> Result
  ) -> Result {
    bytes.withUnsafeBytes { bytes in
      body(
        changes.compactMap { change in
          guard change.start >= 0,
            change.end - change.start > ProfileBuilder.maximumValueLength
          else { return nil }
          return (
            change.slot,
            UnsafeRawBufferPointer(rebasing: bytes[Int(change.start)..<Int(change.end)])
          )
        })
    }
  }

  /// Hands every change to a profile builder; `finish` runs while their bytes are valid.
  func addValues(
    to builder: inout ProfileBuilder, sequence: UInt64, finish: (inout ProfileBuilder) -> Void
  ) {
    bytes.withUnsafeBytes { bytes in
      for change in changes {
        builder.add(
          change.slot, sequence: sequence,
          bytes: change.start < 0
            ? nil : UnsafeRawBufferPointer(rebasing: bytes[Int(change.start)..<Int(change.end)]))
      }
      finish(&builder)
    }
  }

  @_disfavoredOverload
  subscript(trait: ProfileTrait) -> TraitChange {
    get { self[ProfileSlot(trait)] }
    set { self[ProfileSlot(trait)] = newValue }
  }

  subscript(slot: ProfileSlot) -> TraitChange {
    get {
      withValue(slot) { value in
        value.map { TraitChange.set($0.utf8String) } ?? .remove
      } ?? .unchanged
    }
    set {
      switch newValue {
      case .unchanged:
        changes.removeAll { $0.slot == slot }
      case .remove:
        remove(slot)
      case .set(let text):
        var text = text
        text.withUTF8 { set(slot, UnsafeRawBufferPointer($0)) }
      }
    }
  }
}
