/// The person traits the tool remembers: exactly what the Attio mapping needs, nothing more,
/// so that memory grows with visitors and not with what their events carry.
@usableFromInline
package enum ProfileTrait: Int, CaseIterable, Sendable {
  case email
  case firstName
  case lastName
  case name
  case phone
  case jobTitle
  /// `address.country_code` or `address.country`: the country of a phone number written
  /// without an international prefix.
  case country
  /// The domain of the company a `group` call linked the person to (`--companies`). Set only
  /// by the group call itself, never from identify traits: it has no spellings.
  case companyDomain

  /// Written out (`ProfileTraitTests` checks it against the cases) and inlinable: the event
  /// processor, in another module, walks the traits of every event, and the synthesised
  /// property would hand it a new array each time.
  @inlinable package static var allCases: [ProfileTrait] {
    [.email, .firstName, .lastName, .name, .phone, .jobTitle, .country, .companyDomain]
  }

  /// The spellings an event may use, the one that wins first: the documented snake_case key,
  /// then any other key that folds to it (`firstName`, `First-Name`), then the aliases (`title`
  /// after `job_title`, `full_name` after `name`, `phone_number` and `mobile` after `phone`).
  /// At most three, in a tuple rather than an array: read for every trait of every event that
  /// carries traits.
  var spellings: (TraitSpelling?, TraitSpelling?, TraitSpelling?) {
    switch self {
    case .email: (.email, nil, nil)
    case .firstName: (.firstNameSnake, .firstName, nil)
    case .lastName: (.lastNameSnake, .lastName, nil)
    case .name: (.name, .fullName, nil)
    case .phone: (.phone, .phoneNumber, .mobile)
    case .jobTitle: (.jobTitleSnake, .jobTitle, .title)
    case .country: (.addressCountryCode, .addressCountry, nil)
    case .companyDomain: (nil, nil, nil)
    }
  }
}
