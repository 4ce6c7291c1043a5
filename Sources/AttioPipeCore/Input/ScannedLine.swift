/// What one line says, resolved without any state: stage one of the pipeline (the scanner
/// thread) produces it, stage two (identity and mapping) consumes it together with the line's
/// bytes. Small and free of references, so thousands can be queued between threads cheaply.
@usableFromInline
package struct ScannedLine: Sendable {
  @usableFromInline
  package enum Kind: UInt8, Sendable {
    case blank, invalid, identify, track, alias, other
    /// A `group` call: a company (`--companies`); otherwise handled like `other`.
    case group
  }

  package var kind = Kind.blank
  /// Why the line is invalid (`kind == .invalid`).
  package var error: JSONScanError?
  /// The event's name is in `--events` (an `identify` counts as Identified).
  package var isEnabled = false
  var isLeadGenerated = false
  /// Ids with the winning spelling chosen (snake_case over camelCase); `previousId` only on
  /// an `alias`.
  package var anonymousId = ScannedValue.absent
  package var userId = ScannedValue.absent
  package var previousId = ScannedValue.absent
  package var messageId = ScannedValue.absent
  /// Where the event's `timestamp` string is, when it is one without escapes (`--signal`; -1:
  /// none). Two offsets rather than a `ScannedValue`: lines are queued by the thousand, and
  /// every byte here is copied for every event.
  package var timestampStart: Int32 = -1
  package var timestampEnd: Int32 = 0
  /// `--signal count:NAME`: which count signal the track event is (its position among them);
  /// -1 for none.
  package var countedSignal: Int8 = -1
  /// `--list-entry`: bit n is set when the event makes the n-th option's entry.
  package var listEntries: UInt32 = 0
  /// Lead Generated's `properties.lead_source`, already known to be non-blank.
  package var leadSource = ScannedValue.absent
  /// The change the event makes to each trait: `.absent` none, `.null` removal, a string or
  /// number the new (non-blank) value.
  package var traits = PerTrait(repeating: ScannedValue.absent)
  /// The email change came from the event's top-level `email`, not from a trait.
  package var emailFromEvent = false
  /// Set by the pipeline on the first line it hands over after waiting for input.
  package var followsWait = false
  /// What the mapping's checks make of the event's own email and phone, worked out on the
  /// scanning thread by the pipeline (`MappingPrecheck`), which has time to spare there.
  package var prechecked = Prechecked()

  package init() {}

  /// Results for the bytes of the email and phone traits as written (strings without escapes):
  /// the mapping takes them only for a profile value that is exactly those bytes.
  package struct Prechecked: Sendable {
    /// The email passes the address rule on its byte path (ASCII and U+00C0...U+00FF).
    package var emailIsValid = false
    /// The phone's E.164 form, when it was written with "+" (so no country decides it) and is
    /// valid: `phoneLength` bytes (0: none) of `phone`, at most 16 ("+" and 15 digits).
    package var phoneLength: UInt8 = 0
    package var phone: (UInt64, UInt64) = (0, 0)

    package init() {}
  }
}
