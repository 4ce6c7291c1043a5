/// A JSON value the scanner kept, by position in the line it came from. Nothing is decoded
/// until asked for, so events whose fields are never needed cost no allocation.
enum ScannedValue: Equatable {
  case absent
  case null
  /// The bytes between the quotes; `escaped` says whether they hold a backslash escape.
  /// Offsets are 32-bit (lines are at most 1 GiB) to keep scanned lines small: they are queued
  /// by the thousand between the pipeline's threads.
  case string(start: Int32, end: Int32, escaped: Bool)
  /// The literal text of a number.
  case number(start: Int32, end: Int32)
  /// Present with a type the field does not take (`"traits": 5`): ignored, never fatal.
  case wrongType

  var isPresent: Bool {
    switch self {
    case .absent, .wrongType: false
    default: true
    }
  }

  /// The byte range of a string or number in its line.
  var range: Range<Int>? {
    switch self {
    case .string(let start, let end, _), .number(let start, let end): Int(start)..<Int(end)
    case .absent, .null, .wrongType: nil
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

/// The trait keys found in one `traits` object, one slot per spelling, stored inline.
struct ScannedTraits {
  private var email = ScannedValue.absent
  private var firstNameSnake = ScannedValue.absent
  private var firstNameCamel = ScannedValue.absent
  private var lastNameSnake = ScannedValue.absent
  private var lastNameCamel = ScannedValue.absent
  private var name = ScannedValue.absent
  private var phone = ScannedValue.absent
  private var jobTitleSnake = ScannedValue.absent
  private var jobTitleCamel = ScannedValue.absent
  private var title = ScannedValue.absent
  /// Whether the object was present at all (as an object).
  var isPresent = false

  subscript(spelling: TraitSpelling) -> ScannedValue {
    get {
      switch spelling {
      case .email: email
      case .firstNameSnake: firstNameSnake
      case .firstNameCamel: firstNameCamel
      case .lastNameSnake: lastNameSnake
      case .lastNameCamel: lastNameCamel
      case .name: name
      case .phone: phone
      case .jobTitleSnake: jobTitleSnake
      case .jobTitleCamel: jobTitleCamel
      case .title: title
      }
    }
    set {
      switch spelling {
      case .email: email = newValue
      case .firstNameSnake: firstNameSnake = newValue
      case .firstNameCamel: firstNameCamel = newValue
      case .lastNameSnake: lastNameSnake = newValue
      case .lastNameCamel: lastNameCamel = newValue
      case .name: name = newValue
      case .phone: phone = newValue
      case .jobTitleSnake: jobTitleSnake = newValue
      case .jobTitleCamel: jobTitleCamel = newValue
      case .title: title = newValue
      }
    }
  }

  mutating func reset() {
    if isPresent { self = ScannedTraits() }
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
