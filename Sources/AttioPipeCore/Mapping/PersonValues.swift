/// What one upsert writes about a person: the Attio attribute values, before encoding.
///
/// Kept as a value (not as bytes) so that `build` can write it in one pass and delivery can
/// encode it attribute by attribute.
struct PersonValues: Equatable, Sendable {
  struct Name: Equatable, Sendable {
    var first: String
    var last: String
    var full: String
  }

  /// Normalised, the match key.
  var email: String
  var name: Name?
  /// E.164.
  var phone: String?
  var jobTitle: String?
  var description: String?
  /// The domain of the person's company (`--companies`): written as `company`, a record
  /// reference by domain, after the company's own write.
  var companyDomain: String?
  /// `--map` attributes, in the order of the options, after the standard ones in the body.
  var mapped: [MappedAttribute] = []
  /// Not an attribute: the raw JSON text of each `--map traits.NAME` source, the event's own
  /// value or else what the person's profile remembers (empty without such a mapping), for
  /// `AttributeMapper`.
  var rememberedTraits: [[UInt8]?] = []
  /// Not an attribute: the normalised email the person's profile had before an event changed
  /// it, when it differs from `email`. Merge-mode delivery finds the record by it rather than
  /// create a second person.
  var previousEmail: String?

  func has(_ attribute: PersonAttribute) -> Bool {
    switch attribute {
    case .emailAddresses: true
    case .name: name != nil
    case .phoneNumbers: phone != nil
    case .jobTitle: jobTitle != nil
    case .description: description != nil
    }
  }
}
