/// Turns what is known about a person into the values of one Attio upsert.
struct PersonMapper: Sendable {
  enum Outcome: Equatable, Sendable {
    case person(PersonValues, warnings: [MappingWarning])
    case skipped(SkipReason)
  }

  let phoneNormalizer: PhoneNumberNormalizer

  init(defaultRegion: DialingRegion? = nil) {
    phoneNormalizer = PhoneNumberNormalizer(defaultRegion: defaultRegion)
  }

  /// `leadSource` is passed only for a Lead Generated event.
  func map(_ profile: Profile, leadSource: String?) -> Outcome {
    guard let rawEmail = profile[.email] else { return .skipped(.noEmail) }
    guard let email = EmailAddress.normalize(rawEmail) else { return .skipped(.invalidEmail) }
    var values = PersonValues(email: email)
    values.name = PersonMapper.name(
      first: profile[.firstName], last: profile[.lastName], full: profile[.name])
    var warnings: [MappingWarning] = []
    if let rawPhone = profile[.phone] {
      if let phone = phoneNormalizer.normalize(rawPhone) {
        values.phone = phone
      } else {
        warnings.append(.invalidPhone)
      }
    }
    values.jobTitle = profile[.jobTitle]
    values.description = leadSource
    return .person(values, warnings: warnings)
  }

  /// Attio's name value needs all three parts. A missing first or last name is taken from the
  /// full name (its first word, and the rest); a missing full name is first and last joined.
  static func name(first: String?, last: String?, full: String?) -> PersonValues.Name? {
    var derivedFirst = ""
    var derivedLast = ""
    if let full {
      let words = full.split(maxSplits: 1, whereSeparator: \.isWhitespace)
      derivedFirst = words.first.map(String.init) ?? ""
      derivedLast = words.count > 1 ? words[1].trimmingWhitespace() : ""
    }
    let firstName = first ?? derivedFirst
    let lastName = last ?? derivedLast
    let fullName = full ?? [firstName, lastName].filter { !$0.isEmpty }.joined(separator: " ")
    guard !(firstName.isEmpty && lastName.isEmpty && fullName.isEmpty) else { return nil }
    return PersonValues.Name(first: firstName, last: lastName, full: fullName)
  }
}
