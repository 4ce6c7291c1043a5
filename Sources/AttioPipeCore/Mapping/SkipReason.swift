/// Why an event produced no upsert. The raw values are diagnostic `reason` codes.
public enum SkipReason: String, Sendable, CaseIterable {
  /// The event's name is not in `--events`.
  case notEnabled = "not_enabled"
  /// Eligible, but nothing known about the person carries an email: no match key.
  case noEmail = "no_email"
  /// Eligible, but the email is not plausibly valid; Attio would reject the whole request.
  case invalidEmail = "invalid_email"
}

/// Something left out of an upsert that was still written.
public enum MappingWarning: String, Sendable, CaseIterable {
  /// The phone could not be normalised to E.164, so it was left out rather than sent raw.
  case invalidPhone = "invalid_phone"
}
