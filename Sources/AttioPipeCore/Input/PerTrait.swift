/// One value per `ProfileTrait`, stored inline (no array, no allocation): built for every
/// event, so it must cost nothing.
package struct PerTrait<Value> {
  private var email: Value
  private var firstName: Value
  private var lastName: Value
  private var name: Value
  private var phone: Value
  private var jobTitle: Value
  private var country: Value
  private var companyDomain: Value

  init(repeating value: Value) {
    (email, firstName, lastName, name, phone, jobTitle, country, companyDomain) = (
      value, value, value, value, value, value, value, value
    )
  }

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
