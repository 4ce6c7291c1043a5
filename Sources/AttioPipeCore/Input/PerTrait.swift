/// One value per `ProfileTrait`, stored inline (no array, no allocation): built for every
/// event, so it must cost nothing.
///
/// Its per-event members are `@inlinable` for the event processor in AttioPipeCommands, so
/// what they touch is `@usableFromInline` rather than private (see Package.swift).
@usableFromInline
package struct PerTrait<Value> {
  @usableFromInline var email: Value
  @usableFromInline var firstName: Value
  @usableFromInline var lastName: Value
  @usableFromInline var name: Value
  @usableFromInline var phone: Value
  @usableFromInline var jobTitle: Value
  @usableFromInline var country: Value
  @usableFromInline var companyDomain: Value

  init(repeating value: Value) {
    (email, firstName, lastName, name, phone, jobTitle, country, companyDomain) = (
      value, value, value, value, value, value, value, value
    )
  }

  @inlinable
  package subscript(trait: ProfileTrait) -> Value {
    get {
      switch trait {
      case .email: email
      case .firstName: firstName
      case .lastName: lastName
      case .name: name
      case .phone: phone
      case .jobTitle: jobTitle
      case .country: country
      case .companyDomain: companyDomain
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
      case .country: country = newValue
      case .companyDomain: companyDomain = newValue
      }
    }
  }
}

extension PerTrait: Sendable where Value: Sendable {}
extension PerTrait: Equatable where Value: Equatable {}
