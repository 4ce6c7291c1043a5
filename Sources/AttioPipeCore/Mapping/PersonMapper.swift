/// Turns what is known about a person into the values of one Attio upsert.
package struct PersonMapper: Sendable {
  enum Outcome: Equatable, Sendable {
    case person(PersonValues, warnings: [EventWarning])
    case skipped(SkipReason)
  }

  let phoneNormalizer: PhoneNumberNormalizer

  package init(defaultRegion: DialingRegion? = nil) {
    phoneNormalizer = PhoneNumberNormalizer(defaultRegion: defaultRegion)
  }

  /// `leadSource` is passed only for a Lead Generated event. `fallbackEmail` is asked for only
  /// when the profile has no email (a `userId` that is an email address), with the name of its
  /// source for the `email_from` diagnostic.
  func map(
    _ profile: Profile, leadSource: String?,
    fallbackEmail: () -> (email: String, source: String)? = { nil }
  ) -> Outcome {
    var values = PersonValues()
    let result = profile.withView {
      map($0, leadSource: leadSource, into: &values, fallbackEmail: fallbackEmail)
    }
    switch result {
    case .person(let warnings): return .person(values, warnings: warnings)
    case .skipped(let reason): return .skipped(reason)
    }
  }

  /// What `map(_:leadSource:into:fallbackEmail:)` did.
  package enum Result: Equatable, Sendable {
    /// The values are written.
    case person(warnings: [EventWarning])
    case skipped(SkipReason)
  }

  /// The same, reading the profile in place and writing the values' bytes straight into
  /// `values` (emptied first): no String per value on the common paths.
  ///
  /// `own` are the changes of the event being mapped: a value of theirs longer than the
  /// profile keeps (4 KiB) is written whole, in place of the profile's copy cut short.
  ///
  /// `hints` are what the scanning thread found for the event's own email and phone
  /// (`MappingPrecheck`): taken for a profile value that is exactly those bytes.
  package func map(
    _ view: ProfileView, leadSource: String?, into values: inout PersonValues,
    own changes: TraitChanges? = nil, hints: MappingHints? = nil,
    fallbackEmail: () -> (email: String, source: String)? = { nil }
  ) -> Result {
    var profile = view.fixedValues()
    guard let changes, changes.hasLongValues else {
      return map(
        profile, leadSource: leadSource, into: &values, hints: hints,
        fallbackEmail: fallbackEmail)
    }
    return changes.withLongValues { long in
      for (slot, bytes) in long where slot.rawValue < 9 {
        // The profile's copy is this value cut short, unless the event lost it to another.
        guard let kept = profile[slot].bytes, bytes.starts(with: kept) else { continue }
        profile[slot].bytes = bytes
      }
      return map(profile, leadSource: leadSource, into: &values, fallbackEmail: fallbackEmail)
    }
  }

  /// The person's email alone (and the email it had before a change): a `--signal` write
  /// of a person already written, which carries nothing else.
  package func mapEmail(
    _ view: ProfileView, into values: inout PersonValues,
    fallbackEmail: () -> (email: String, source: String)? = { nil }
  ) -> Result {
    map(
      view.fixedValues(), leadSource: nil, into: &values, fallbackEmail: fallbackEmail,
      emailOnly: true)
  }

  private func map(
    _ profile: ProfileView.FixedValues, leadSource: String?, into values: inout PersonValues,
    hints: MappingHints? = nil, fallbackEmail: () -> (email: String, source: String)?,
    emailOnly: Bool = false
  ) -> Result {
    values.removeAll()
    var warnings: [EventWarning] = []
    let isValid: Bool
    if let email = profile[.email].bytes {
      let bytes = email.assumingMemoryBound(to: UInt8.self).span
      if hints?.isValidEmail(email) == true {
        isValid = values.set(.email) {
          EmailAddress.appendLowercased(bytes, to: &$0)
          return true
        }
      } else {
        isValid = values.set(.email) { EmailAddress.normalize(bytes, appendingTo: &$0) }
      }
    } else if let fallback = fallbackEmail() {
      warnings.append(EventWarning(.emailFrom, [("email_from", fallback.source)]))
      var email = fallback.email
      isValid = email.withUTF8 { email in
        values.set(.email) {
          EmailAddress.normalize(email.span, appendingTo: &$0)
        }
      }
    } else {
      return .skipped(.noEmail)
    }
    guard isValid else { return .skipped(.invalidEmail) }
    if emailOnly {
      setPreviousEmail(profile, in: &values)
      return .person(warnings: warnings)
    }
    PersonName.resolve(
      first: profile[.firstName], last: profile[.lastName], full: profile[.name],
      into: &values)
    // How new each value is (see PersonValues.sequence(of:)): the name is as new as its
    // newest part.
    if values.has(.fullName) {
      values.setSequence(
        max(profile[.firstName].sequence, profile[.lastName].sequence, profile[.name].sequence),
        of: .fullName)
    }
    if let rawPhone = profile[.phone].bytes {
      // The scanning thread's answer for this very number (written with "+", so no country
      // changes it); else the person's own country comes before --default-country.
      if let hints, values.set(.phone, writing: { hints.appendPhone(for: rawPhone, to: &$0) }) {
        values.setSequence(profile[.phone].sequence, of: .phone)
      } else {
        let normalizer =
          profile[.country].text.flatMap(DialingRegion.forCountry).map {
            PhoneNumberNormalizer(defaultRegion: $0)
          } ?? phoneNormalizer
        let written = values.set(.phone) {
          normalizer.normalize(
            rawPhone.assumingMemoryBound(to: UInt8.self).span, appendingTo: &$0)
        }
        if written {
          values.setSequence(profile[.phone].sequence, of: .phone)
        } else {
          warnings.append(Self.invalidPhone(rawPhone.utf8String, normalizer))
        }
      }
    }
    if let title = profile[.jobTitle].bytes {
      if PersonName.isHonorific(title.assumingMemoryBound(to: UInt8.self).span) {
        warnings.append(EventWarning(.notAJobTitle, [("value", title.utf8String)]))
      } else {
        values.set(.jobTitle, title.assumingMemoryBound(to: UInt8.self).span)
        values.setSequence(profile[.jobTitle].sequence, of: .jobTitle)
      }
    }
    if let leadSource { values.description = leadSource }
    setPreviousEmail(profile, in: &values)
    return .person(warnings: warnings)
  }

  /// What the person was known as before an email change, while it differs.
  private func setPreviousEmail(_ profile: ProfileView.FixedValues, in values: inout PersonValues) {
    if let previous = profile[.previousEmail].bytes {
      let differs = values.withBytes { !previous.elementsEqual($0[.email]!) }
      if differs { values.set(.previousEmail, previous.assumingMemoryBound(to: UInt8.self).span) }
    }
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
