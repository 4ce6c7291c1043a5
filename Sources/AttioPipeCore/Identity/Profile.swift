/// One person as far as the events have told: the traits the mapping reads and every id that
/// names them.
struct Profile: Sendable {
  /// A trait value and when it was set, so that joining two profiles keeps the more recent
  /// value of each trait. A `nil` text with a sequence number records a removal.
  struct Value: Sendable, Equatable {
    var text: String?
    var sequence: UInt64

    static let never = Value(text: nil, sequence: 0)
  }

  private var email = Value.never
  private var firstName = Value.never
  private var lastName = Value.never
  private var name = Value.never
  private var phone = Value.never
  private var jobTitle = Value.never
  /// Where the ids that name this profile are stored in the index.
  var keys: [IdentityKeyReference] = []

  subscript(trait: ProfileTrait) -> String? { value(trait).text }

  /// Stored inline rather than in an array: one allocation less per profile.
  func value(_ trait: ProfileTrait) -> Value {
    switch trait {
    case .email: email
    case .firstName: firstName
    case .lastName: lastName
    case .name: name
    case .phone: phone
    case .jobTitle: jobTitle
    }
  }

  private mutating func setValue(_ value: Value, for trait: ProfileTrait) {
    switch trait {
    case .email: email = value
    case .firstName: firstName = value
    case .lastName: lastName = value
    case .name: name = value
    case .phone: phone = value
    case .jobTitle: jobTitle = value
    }
  }

  mutating func apply(_ changes: TraitChanges, sequence: UInt64) {
    for trait in ProfileTrait.allCases {
      switch changes[trait] {
      case .unchanged: continue
      case .set(let text): setValue(Value(text: text, sequence: sequence), for: trait)
      case .remove: setValue(Value(text: nil, sequence: sequence), for: trait)
      }
    }
  }

  /// Takes each of `other`'s traits that is more recent than this profile's.
  mutating func absorbTraits(of other: Profile) {
    for trait in ProfileTrait.allCases where other.value(trait).sequence > value(trait).sequence {
      setValue(other.value(trait), for: trait)
    }
  }

  /// A profile that exists only for one event that carried no id.
  init(changes: TraitChanges) {
    apply(changes, sequence: 1)
  }

  init() {}
}
