/// A JSON value the scanner kept, by position in the line it came from. Nothing is decoded
/// until asked for, so events whose fields are never needed cost no allocation.
@usableFromInline
package enum ScannedValue: Equatable, Sendable {
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

  @inlinable
  package var isPresent: Bool {
    switch self {
    case .absent, .wrongType: false
    default: true
    }
  }

  /// The byte range of a string or number in its line.
  @inlinable
  package var range: Range<Int>? {
    switch self {
    case .string(let start, let end, _), .number(let start, let end): Int(start)..<Int(end)
    case .absent, .null, .wrongType: nil
    }
  }
}

/// The spellings of the traits the mapping reads. Keys are matched ignoring case and
/// separators (`First_Name`, `firstname`, `first-name` are all `first_name`); each slot below is
/// one rank of precedence, so that the documented spelling wins when an event carries several.
/// Variants that fold to the same name share a slot (the last one in the object wins, as for
/// duplicate keys).
enum TraitSpelling: Int, CaseIterable {
  case email
  /// `first_name` exactly.
  case firstNameSnake
  /// Any other key that folds to `firstname` (`firstName`, `FirstName`, `first-name`, ...).
  case firstName
  case lastNameSnake
  case lastName
  case jobTitleSnake
  case jobTitle
  /// Folds to `name`.
  case name
  /// Folds to `fullname`: after `name`.
  case fullName
  /// Folds to `phone`.
  case phone
  /// Folds to `phonenumber`, then `mobile`: documented aliases, after `phone`.
  case phoneNumber
  case mobile
  /// Folds to `title`: a job title after `job_title` (an honorific is dropped by the mapping).
  case title
  /// In the `address` object: folds to `countrycode`, then `country`.
  case addressCountryCode
  case addressCountry
}

/// The trait keys found in one `traits` object, one slot per spelling, stored inline.
struct ScannedTraits {
  private var slots:
    (
      ScannedValue, ScannedValue, ScannedValue, ScannedValue, ScannedValue, ScannedValue,
      ScannedValue, ScannedValue, ScannedValue, ScannedValue, ScannedValue, ScannedValue,
      ScannedValue, ScannedValue, ScannedValue
    ) = (
      .absent, .absent, .absent, .absent, .absent, .absent, .absent, .absent, .absent, .absent,
      .absent, .absent, .absent, .absent, .absent
    )
  /// Whether the object was present at all (as an object).
  var isPresent = false

  subscript(spelling: TraitSpelling) -> ScannedValue {
    get {
      switch spelling {
      case .email: slots.0
      case .firstNameSnake: slots.1
      case .firstName: slots.2
      case .lastNameSnake: slots.3
      case .lastName: slots.4
      case .jobTitleSnake: slots.5
      case .jobTitle: slots.6
      case .name: slots.7
      case .fullName: slots.8
      case .phone: slots.9
      case .phoneNumber: slots.10
      case .mobile: slots.11
      case .title: slots.12
      case .addressCountryCode: slots.13
      case .addressCountry: slots.14
      }
    }
    set {
      switch spelling {
      case .email: slots.0 = newValue
      case .firstNameSnake: slots.1 = newValue
      case .firstName: slots.2 = newValue
      case .lastNameSnake: slots.3 = newValue
      case .lastName: slots.4 = newValue
      case .jobTitleSnake: slots.5 = newValue
      case .jobTitle: slots.6 = newValue
      case .name: slots.7 = newValue
      case .fullName: slots.8 = newValue
      case .phone: slots.9 = newValue
      case .phoneNumber: slots.10 = newValue
      case .mobile: slots.11 = newValue
      case .title: slots.12 = newValue
      case .addressCountryCode: slots.13 = newValue
      case .addressCountry: slots.14 = newValue
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
  /// The call type in older Segment-format payloads, read when `type` is absent.
  var action: ScannedValue = .absent
  /// A top-level `email` (some senders put the person's address on the event itself).
  var email: ScannedValue = .absent
  var event: ScannedValue = .absent
  var anonymousId: ScannedValue = .absent
  var anonymousIdSnake: ScannedValue = .absent
  var userId: ScannedValue = .absent
  var userIdSnake: ScannedValue = .absent
  var previousId: ScannedValue = .absent
  var previousIdSnake: ScannedValue = .absent
  var messageId: ScannedValue = .absent
  var messageIdSnake: ScannedValue = .absent
  var timestamp: ScannedValue = .absent
  /// Whether `timestamp` is read at all (`--signal`); kept across `reset`.
  var readsTimestamp = false
  var leadSource: ScannedValue = .absent
  var leadSourceSnake: ScannedValue = .absent
  /// Top-level `traits` (read for `identify` only: a `group` call's traits describe a company).
  var traits = ScannedTraits()
  /// `context.traits`, read for every event.
  var contextTraits = ScannedTraits()
  /// The identity fields of `properties` (read for eligible tracks only: Segment's B2B spec puts
  /// the person on the `Signed Up` event itself).
  var properties = ScannedTraits()

  mutating func reset() {
    type = .absent
    action = .absent
    email = .absent
    event = .absent
    anonymousId = .absent
    anonymousIdSnake = .absent
    userId = .absent
    userIdSnake = .absent
    previousId = .absent
    previousIdSnake = .absent
    messageId = .absent
    messageIdSnake = .absent
    timestamp = .absent
    leadSource = .absent
    leadSourceSnake = .absent
    traits.reset()
    contextTraits.reset()
    properties.reset()
  }
}
