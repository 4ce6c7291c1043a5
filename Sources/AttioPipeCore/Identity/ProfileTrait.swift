/// The person traits the tool remembers: exactly what the Attio mapping needs, nothing more,
/// so that memory grows with visitors and not with what their events carry.
enum ProfileTrait: Int, CaseIterable, Sendable {
  case email
  case firstName
  case lastName
  case name
  case phone
  case jobTitle

  /// The spellings an event may use, the one that wins first (snake_case before camelCase, and
  /// Datafly's `job_title` before the Segment spec's `title`).
  var spellings: [TraitSpelling] {
    switch self {
    case .email: [.email]
    case .firstName: [.firstNameSnake, .firstNameCamel]
    case .lastName: [.lastNameSnake, .lastNameCamel]
    case .name: [.name]
    case .phone: [.phone]
    case .jobTitle: [.jobTitleSnake, .jobTitleCamel, .title]
    }
  }
}
