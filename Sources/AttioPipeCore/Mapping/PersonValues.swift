/// What one upsert writes about a person: the Attio attribute values, before encoding.
///
/// The text values are UTF-8 bytes back to back in one array, each found by its span: the
/// mapper writes them straight from the profile's bytes and the encoder copies them straight
/// into the output, with no String per value. The event processor hands the same array back
/// to the mapper for the next event, so a steady stream allocates nothing here. Delivery and
/// tests read and set the values as Strings (`email`, `name`, ...), made only when asked.
///
/// The spans are kept in the array too, as a header before the values, and so is each field's
/// sequence number (how new the profile's value was, see `sequence(of:)`): the value itself
/// stays three words, as it is returned and copied through a few enums per event.
package struct PersonValues: Sendable {
  struct Name: Equatable, Sendable {
    var first: String
    var last: String
    var full: String
  }

  /// The text values. A name is its three parts, present or absent together.
  package enum Field: Int, CaseIterable {
    /// Normalised, the match key.
    case email
    case firstName, lastName, fullName
    /// E.164.
    case phone
    case jobTitle
    case description
    /// The domain of the person's company (`--companies`): written as `company`, a record
    /// reference by domain, after the company's own write.
    case companyDomain
    /// Not an attribute: the normalised email the person's profile had before an event
    /// changed it, when it differs from `email`. Merge-mode delivery finds the record by it
    /// rather than create a second person.
    case previousEmail
  }

  /// The header (each field's start and end as two `Int32`, a negative start for an absent
  /// field; then each field's sequence number as a `UInt64`), then every field's bytes back to
  /// back (a field set twice leaves its old bytes unused). Empty until a field is set.
  private var text: [UInt8] = []

  private static let spansSize = Field.allCases.count * 8
  private static let headerSize = spansSize + Field.allCases.count * 8

  /// `--map` attributes, in the order of the options, after the standard ones in the body.
  package var mapped: [MappedAttribute] = []

  /// A `--map traits.NAME` source's raw JSON text and its sequence number.
  package struct RememberedTrait: Equatable, Sendable {
    package var raw: [UInt8]
    package var sequence: UInt64

    package init(raw: [UInt8], sequence: UInt64) {
      self.raw = raw
      self.sequence = sequence
    }
  }

  /// Not an attribute: each `--map traits.NAME` source, the event's own value or else what
  /// the person's profile remembers (empty without such a mapping), for `AttributeMapper`.
  package var rememberedTraits: [RememberedTrait?] = []
  /// `--signal`: a write of the person's signals alone (the email and the signals), for an
  /// event that makes no upsert; nothing else is added to it (`--map`, users, companies).
  package var signalsOnly: Bool {
    get { extras?.value.signalsOnly ?? false }
    set { setExtras(user: user, signalsOnly: newValue) }
  }
  /// `--users`: the users record written after the person (nil: none).
  package var user: UserValues? {
    get { extras?.value.user }
    set { setExtras(user: newValue, signalsOnly: signalsOnly) }
  }

  /// `--list-entry`: bit n set when the event makes the n-th option's list entry.
  package var listEntries: UInt32 {
    get { extras?.value.listEntries ?? 0 }
    set { setExtras(user: user, signalsOnly: signalsOnly, listEntries: newValue) }
  }

  /// What few events have (a user, a write of signals alone, list entries), out of line:
  /// these values are copied for every event, and a field of their own made each copy longer.
  private struct Extras: Equatable, Sendable {
    var user: UserValues?
    var signalsOnly: Bool
    var listEntries: UInt32
  }

  private var extras: OutOfLine<Extras>?

  private mutating func setExtras(
    user: UserValues?, signalsOnly: Bool, listEntries: UInt32? = nil
  ) {
    let listEntries = listEntries ?? self.listEntries
    extras =
      user == nil && !signalsOnly && listEntries == 0
      ? nil
      : OutOfLine(Extras(user: user, signalsOnly: signalsOnly, listEntries: listEntries))
  }

  package init() {}

  init(email: String) {
    self.email = email
  }

  /// Empties the values, keeping the memory for the next person.
  mutating func removeAll() {
    text.removeAll(keepingCapacity: true)
    if !mapped.isEmpty { mapped.removeAll(keepingCapacity: true) }
    if !rememberedTraits.isEmpty { rememberedTraits = [] }
    extras = nil
  }

  /// Bytes held, values and bookkeeping: at least the total length of the values.
  package var byteCount: Int { text.count }

  package func has(_ field: Field) -> Bool {
    text.withUnsafeBytes { Bytes.span(field, in: $0) != nil }
  }

  package func has(_ attribute: PersonAttribute) -> Bool {
    switch attribute {
    case .emailAddresses: has(Field.email)
    case .name: has(Field.fullName)
    case .phoneNumbers: has(Field.phone)
    case .jobTitle: has(Field.jobTitle)
    case .description: has(Field.description)
    }
  }

  // MARK: - Bytes

  /// Sets a field to a copy of `bytes`.
  package mutating func set(_ field: Field, _ bytes: Span<UInt8>) {
    if text.isEmpty { addHeader() }
    let start = text.count
    text.append(bytes)
    mark(field, from: start)
  }

  /// Sets a field to what `write` appends to the (shared) byte array; when `write` returns
  /// false what it appended is dropped and the field stays as it was.
  @discardableResult
  mutating func set(_ field: Field, writing write: (inout [UInt8]) -> Bool) -> Bool {
    if text.isEmpty { addHeader() }
    let start = text.count
    guard write(&text) else {
      text.removeSubrange(start...)
      return false
    }
    mark(field, from: start)
    return true
  }

  /// Sets a field to a String's bytes, or removes it.
  mutating func set(_ field: Field, _ string: String?) {
    guard var string else {
      if !text.isEmpty { store(-1, -1, for: field) }
      return
    }
    string.withUTF8 { set(field, $0.span) }
  }

  /// Copies one field of another person's values (`PersonName` builds names in a scratch).
  mutating func set(_ field: Field, from other: PersonValues, _ otherField: Field) {
    other.withBytes { bytes in
      if let value = bytes[otherField] { set(field, value.span) }
    }
  }

  private mutating func mark(_ field: Field, from start: Int) {
    store(Int32(truncatingIfNeeded: start), Int32(truncatingIfNeeded: text.count), for: field)
  }

  private mutating func store(_ start: Int32, _ end: Int32, for field: Field) {
    text.withUnsafeMutableBytes {
      $0.storeBytes(of: start, toByteOffset: field.rawValue * 8, as: Int32.self)
      $0.storeBytes(of: end, toByteOffset: field.rawValue * 8 + 4, as: Int32.self)
    }
  }

  private mutating func addHeader() {
    text.append(contentsOf: repeatElement(0xFF, count: Self.spansSize))
    text.append(contentsOf: repeatElement(0, count: Self.headerSize - Self.spansSize))
  }

  // MARK: - Sequence numbers

  /// How new a field's value is: the identity store's sequence number of the newest trait it
  /// was made from (for the name, the newest of its parts); 0 when none was set (the event's
  /// own values, such as the description). Delivery never writes a value older than one it
  /// wrote for the same person and attribute (see `UpsertRequest.Attribute.sequence`).
  package func sequence(of field: Field) -> UInt64 {
    text.withUnsafeBytes {
      guard $0.count >= Self.headerSize else { return 0 }
      return $0.loadUnaligned(fromByteOffset: Self.spansSize + field.rawValue * 8, as: UInt64.self)
    }
  }

  package mutating func setSequence(_ sequence: UInt64, of field: Field) {
    if text.isEmpty { addHeader() }
    text.withUnsafeMutableBytes {
      $0.storeBytes(
        of: sequence, toByteOffset: Self.spansSize + field.rawValue * 8, as: UInt64.self)
    }
  }

  /// The fields' bytes, valid inside `body`.
  package struct Bytes {
    fileprivate let base: UnsafeRawBufferPointer

    package subscript(field: Field) -> UnsafeBufferPointer<UInt8>? {
      guard let span = Self.span(field, in: base) else { return nil }
      return UnsafeBufferPointer(rebasing: base.assumingMemoryBound(to: UInt8.self)[span])
    }

    fileprivate static func span(_ field: Field, in text: UnsafeRawBufferPointer) -> Range<Int>? {
      guard text.count >= PersonValues.headerSize else { return nil }
      let start = text.load(fromByteOffset: field.rawValue * 8, as: Int32.self)
      guard start >= 0 else { return nil }
      return Int(start)..<Int(text.load(fromByteOffset: field.rawValue * 8 + 4, as: Int32.self))
    }
  }

  package func withBytes<Result>(_ body: (Bytes) -> Result) -> Result {
    text.withUnsafeBytes { body(Bytes(base: $0)) }
  }

  // MARK: - Strings

  func string(_ field: Field) -> String? {
    withBytes { bytes in bytes[field].map { String(decoding: $0, as: UTF8.self) } }
  }

  /// Normalised, the match key.
  package var email: String {
    get { string(.email) ?? "" }
    set { set(.email, newValue) }
  }

  var name: Name? {
    get {
      guard has(.fullName) else { return nil }
      return Name(
        first: string(.firstName) ?? "", last: string(.lastName) ?? "",
        full: string(.fullName) ?? "")
    }
    set {
      set(.firstName, newValue?.first)
      set(.lastName, newValue?.last)
      set(.fullName, newValue?.full)
    }
  }

  /// E.164.
  var phone: String? {
    get { string(.phone) }
    set { set(.phone, newValue) }
  }

  var jobTitle: String? {
    get { string(.jobTitle) }
    set { set(.jobTitle, newValue) }
  }

  var description: String? {
    get { string(.description) }
    set { set(.description, newValue) }
  }

  package var companyDomain: String? {
    get { string(.companyDomain) }
    set { set(.companyDomain, newValue) }
  }

  package var previousEmail: String? {
    get { string(.previousEmail) }
    set { set(.previousEmail, newValue) }
  }
}

extension PersonValues: Equatable {
  /// Equal values, however their bytes are laid out (their sequence numbers are not compared:
  /// they say how new a value is, not what it is).
  package static func == (lhs: PersonValues, rhs: PersonValues) -> Bool {
    guard lhs.mapped == rhs.mapped, lhs.rememberedTraits == rhs.rememberedTraits,
      lhs.extras == rhs.extras
    else {
      return false
    }
    return lhs.withBytes { left in
      rhs.withBytes { right in
        Field.allCases.allSatisfy { field in
          switch (left[field], right[field]) {
          case (nil, nil): true
          case (let a?, let b?): a.elementsEqual(b)
          default: false
          }
        }
      }
    }
  }
}
