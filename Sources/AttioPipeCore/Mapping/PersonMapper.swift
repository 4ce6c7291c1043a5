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
    profile.withView { map($0, leadSource: leadSource, fallbackEmail: fallbackEmail) }
  }

  /// The same, reading the profile in place: each value is read as bytes and only the
  /// results become Strings.
  func map(
    _ view: ProfileView, leadSource: String?,
    fallbackEmail: () -> (email: String, source: String)? = { nil }
  ) -> Outcome {
    let profile = view.fixedValues()
    var warnings: [EventWarning] = []
    let normalized: String?
    if let email = profile[.email].bytes {
      normalized = EmailAddress.normalize(email)
    } else if let fallback = fallbackEmail() {
      warnings.append(EventWarning(.emailFrom, [("email_from", fallback.source)]))
      normalized = EmailAddress.normalize(fallback.email)
    } else {
      return .skipped(.noEmail)
    }
    guard let email = normalized else { return .skipped(.invalidEmail) }
    var values = PersonValues(email: email)
    values.name = PersonName.resolve(
      first: profile[.firstName], last: profile[.lastName],
      full: profile[.name])
    if let rawPhone = profile[.phone].bytes {
      // The person's own country comes before --default-country.
      let normalizer =
        profile[.country].text.flatMap(DialingRegion.forCountry).map {
          PhoneNumberNormalizer(defaultRegion: $0)
        } ?? phoneNormalizer
      if let phone = normalizer.normalize(rawPhone.assumingMemoryBound(to: UInt8.self)) {
        values.phone = phone
      } else {
        warnings.append(Self.invalidPhone(rawPhone.utf8String, normalizer))
      }
    }
    if let title = profile[.jobTitle].bytes {
      // Honorifics are short: longer titles skip the check's String.
      if title.count <= 8, PersonName.isHonorific(title.utf8String) {
        warnings.append(
          EventWarning(.notAJobTitle, [("value", title.utf8String)]))
      } else {
        values.jobTitle = title.utf8String
      }
    }
    values.description = leadSource
    // What the person was known as before an email change, while it differs.
    if let previous = profile[.previousEmail].bytes,
      !previous.elementsEqual(values.email.utf8)
    {
      values.previousEmail = previous.utf8String
    }
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
