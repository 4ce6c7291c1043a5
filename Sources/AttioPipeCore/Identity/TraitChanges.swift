/// What one event says about one trait.
enum TraitChange: Equatable, Sendable {
  case unchanged
  /// A new value, already trimmed and non-empty.
  case set(String)
  /// The event set the trait to `null`.
  case remove
}

/// The changes one event makes to a profile, indexed by `ProfileTrait`. Stored inline (no array) as
/// one is built for every event.
struct TraitChanges: Equatable, Sendable {
  private var email = TraitChange.unchanged
  private var firstName = TraitChange.unchanged
  private var lastName = TraitChange.unchanged
  private var name = TraitChange.unchanged
  private var phone = TraitChange.unchanged
  private var jobTitle = TraitChange.unchanged
  private(set) var isEmpty = true

  subscript(trait: ProfileTrait) -> TraitChange {
    get {
      switch trait {
      case .email: email
      case .firstName: firstName
      case .lastName: lastName
      case .name: name
      case .phone: phone
      case .jobTitle: jobTitle
      }
    }
    set {
      switch trait {
      case .email: email = newValue
      case .firstName: firstName = newValue
      case .lastName: lastName = newValue
      case .name: name = newValue
      case .phone: phone = newValue
      case .jobTitle: jobTitle = newValue
      }
      if newValue != .unchanged { isEmpty = false }
    }
  }
}
