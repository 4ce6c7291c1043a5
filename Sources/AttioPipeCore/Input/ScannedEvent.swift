/// A JSON value the scanner kept, by position in the line it came from. Nothing is decoded
/// until asked for, so events whose fields are never needed cost no allocation.
enum ScannedValue: Equatable {
  case absent
  case null
  /// The bytes between the quotes; `escaped` says whether they hold a backslash escape.
  case string(start: Int, end: Int, escaped: Bool)
  /// The literal text of a number.
  case number(start: Int, end: Int)
  /// Present with a type the field does not take (`"traits": 5`): ignored, never fatal.
  case wrongType

  var isPresent: Bool {
    switch self {
    case .absent, .wrongType: false
    default: true
    }
  }
}

/// The spellings of the traits the mapping reads. Each spelling has its own slot so that the
/// snake_case one can win when an event carries both.
enum TraitSpelling: Int, CaseIterable {
  case email
  case firstNameSnake
  case firstNameCamel
  case lastNameSnake
  case lastNameCamel
  case name
  case phone
  case jobTitleSnake
  case jobTitleCamel
  case title

  /// The key as it appears in JSON.
  var key: StaticString {
    switch self {
    case .email: "email"
    case .firstNameSnake: "first_name"
    case .firstNameCamel: "firstName"
    case .lastNameSnake: "last_name"
    case .lastNameCamel: "lastName"
    case .name: "name"
    case .phone: "phone"
    case .jobTitleSnake: "job_title"
    case .jobTitleCamel: "jobTitle"
    case .title: "title"
    }
  }
}

/// The trait keys found in one `traits` object.
struct ScannedTraits {
  private var slots = [ScannedValue](repeating: .absent, count: TraitSpelling.allCases.count)
  /// Whether the object was present at all (as an object).
  var isPresent = false

  subscript(spelling: TraitSpelling) -> ScannedValue {
    get { slots[spelling.rawValue] }
    set { slots[spelling.rawValue] = newValue }
  }

  mutating func reset() {
    guard isPresent else { return }
    isPresent = false
    for index in slots.indices { slots[index] = .absent }
  }
}

/// The fields of one event line that the tool reads. Reused from line to line.
struct ScannedEvent {
  var type: ScannedValue = .absent
  var event: ScannedValue = .absent
  var anonymousId: ScannedValue = .absent
  var anonymousIdSnake: ScannedValue = .absent
  var userId: ScannedValue = .absent
  var userIdSnake: ScannedValue = .absent
  var previousId: ScannedValue = .absent
  var previousIdSnake: ScannedValue = .absent
  var messageId: ScannedValue = .absent
  var messageIdSnake: ScannedValue = .absent
  var leadSource: ScannedValue = .absent
  var leadSourceSnake: ScannedValue = .absent
  /// Top-level `traits` (read for `identify` only: a `group` call's traits describe a company).
  var traits = ScannedTraits()
  /// `context.traits`, read for every event.
  var contextTraits = ScannedTraits()

  mutating func reset() {
    type = .absent
    event = .absent
    anonymousId = .absent
    anonymousIdSnake = .absent
    userId = .absent
    userIdSnake = .absent
    previousId = .absent
    previousIdSnake = .absent
    messageId = .absent
    messageIdSnake = .absent
    leadSource = .absent
    leadSourceSnake = .absent
    traits.reset()
    contextTraits.reset()
  }
}
