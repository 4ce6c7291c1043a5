/// What one event says about one trait.
enum TraitChange: Equatable, Sendable {
  case unchanged
  /// A new value, already trimmed and non-empty.
  case set(String)
  /// The event set the trait to `null`.
  case remove
}

/// The changes one event makes to a profile, indexed by `ProfileTrait`.
struct TraitChanges: Equatable, Sendable {
  private var changes = PerTrait(repeating: TraitChange.unchanged)
  private(set) var isEmpty = true

  subscript(trait: ProfileTrait) -> TraitChange {
    get { changes[trait] }
    set {
      changes[trait] = newValue
      if newValue != .unchanged { isEmpty = false }
    }
  }
}
