/// Why an event produced no upsert. The raw values are diagnostic `reason` codes.
@usableFromInline
package enum SkipReason: String, Sendable, CaseIterable {
  /// The event's name is not in `--events`.
  case notEnabled = "not_enabled"
  /// Eligible, but nothing known about the person carries an email: no match key.
  case noEmail = "no_email"
  /// Eligible, but the email is one Attio would reject, failing the whole request.
  case invalidEmail = "invalid_email"
  /// A `group` call (`--companies`) without a `groupId`: it names no group.
  case noGroupId = "no_group_id"
  /// A `group` call (`--companies`) whose `domain` and `website` traits give no host name:
  /// Attio matches companies on their domains, so there is nothing to match.
  case noDomain = "no_domain"
  /// An event seen before (its `messageId`: a rerun of the same input with the same `--state`,
  /// or a source that sent it twice): it changes nothing and makes no upsert (`deliver`
  /// reports the ones that would be eligible `duplicate` instead).
  case duplicate
}

/// Something about an upsert that was still written: a value left out, or a guess worth
/// tracing. The raw values are diagnostic `reason` codes.
@usableFromInline
package enum MappingWarning: String, Sendable, CaseIterable {
  /// The phone could not be normalised to E.164, so it was left out rather than sent raw.
  case invalidPhone = "invalid_phone"
  /// The job title was an honorific (`Mr.`, `Dr`), so it was left out.
  case notAJobTitle = "not_a_job_title"
  /// The event gave the person a different email than the one known: Attio matches on email,
  /// so this upsert makes (or updates) another person.
  case emailChanged = "email_changed"
  /// The email came from somewhere other than a trait (the event's top-level `email`, or a
  /// `userId` that is an email address); `email_from` says which.
  case emailFrom = "email_from"
  /// A `--map` value could not be converted to its attribute's type, so it was left out.
  case invalidValue = "invalid_value"
  /// `--workspaces`: a visitor joined more workspaces than a profile keeps waiting for the
  /// user's first write (`AccountSettings.pendingMembershipLimit`); the oldest were dropped.
  case membershipsDropped = "memberships_dropped"
}

extension SkipReason: CountedReason {
  @inlinable
  package var ordinal: Int {
    switch self {
    case .notEnabled: 0
    case .noEmail: 1
    case .invalidEmail: 2
    case .noGroupId: 3
    case .noDomain: 4
    case .duplicate: 5
    }
  }
}

extension MappingWarning: CountedReason {
  @inlinable
  package var ordinal: Int {
    switch self {
    case .invalidPhone: 0
    case .notAJobTitle: 1
    case .emailChanged: 2
    case .emailFrom: 3
    case .invalidValue: 4
    case .membershipsDropped: 5
    }
  }
}
