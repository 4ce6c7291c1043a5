/// Turns what is known about a person into the values of one Attio upsert.
struct PersonMapper: Sendable {
  enum Outcome: Equatable, Sendable {
    case person(PersonValues, warnings: [EventWarning])
    case skipped(SkipReason)
  }

  let phoneNormalizer: PhoneNumberNormalizer

  init(defaultRegion: DialingRegion? = nil) {
    phoneNormalizer = PhoneNumberNormalizer(defaultRegion: defaultRegion)
  }

  /// `leadSource` is passed only for a Lead Generated event. `fallbackEmail` is asked for only
  /// when the profile has no email (a `userId` that is an email address), with the name of its
  /// source for the `email_from` diagnostic.
  func map(
    _ profile: Profile, leadSource: String?,
    fallbackEmail: () -> (email: String, source: String)? = { nil }
  ) -> Outcome {
    var warnings: [EventWarning] = []
    let rawEmail: String
    if let email = profile[.email] {
      rawEmail = email
    } else if let fallback = fallbackEmail() {
      rawEmail = fallback.email
      warnings.append(EventWarning(.emailFrom, [("email_from", fallback.source)]))
    } else {
      return .skipped(.noEmail)
    }
    guard let email = EmailAddress.normalize(rawEmail) else { return .skipped(.invalidEmail) }
    var values = PersonValues(email: email)
    values.name = PersonName.resolve(
      first: profile.value(.firstName), last: profile.value(.lastName),
      full: profile.value(.name))
    if let rawPhone = profile[.phone] {
      // The person's own country comes before --default-country.
      let normalizer =
        profile[.country].flatMap(DialingRegion.forCountry).map {
          PhoneNumberNormalizer(defaultRegion: $0)
        } ?? phoneNormalizer
      if let phone = normalizer.normalize(rawPhone) {
        values.phone = phone
      } else {
        warnings.append(Self.invalidPhone(rawPhone, normalizer))
      }
    }
    if let title = profile[.jobTitle] {
      if PersonName.isHonorific(title) {
        warnings.append(EventWarning(.notAJobTitle, [("value", title)]))
      } else {
        values.jobTitle = title
      }
    }
    values.description = leadSource
    return .person(values, warnings: warnings)
  }

  private static func invalidPhone(_ raw: String, _ normalizer: PhoneNumberNormalizer)
    -> EventWarning
  {
    var details = [("value", raw)]
    if normalizer.defaultRegion == nil && !PhoneNumberNormalizer.hasInternationalPrefix(raw) {
      details.append(
        ("detail", "no international prefix and no --default-country given"))
    }
    return EventWarning(.invalidPhone, details)
  }
}
