import AttioPipeCore

/// One assert-person request as delivery sees it: the match key and the attributes, each as
/// its slug and the JSON text of its value, in body order.
///
/// Kept as text rather than values so that `send` can carry attributes it does not know
/// (bodies edited with jq) and so that merging and "nothing changed" checks are plain
/// comparisons.
package struct UpsertRequest: Sendable, Equatable {
  package struct Attribute: Sendable, Equatable {
    package var slug: String
    /// The JSON text of the value, e.g. `[{"value":"CTO"}]`.
    package var value: [UInt8]
    /// How new the value is: the identity store's sequence number of the newest trait it was
    /// made from (a profile's values differ in age: two devices of one person may each hold
    /// what they last heard). 0 when there is none to compare: the event's own values
    /// (`description`, `--map properties.*`), which follow the input's order anyway, and bodies
    /// read by `send`. Delivery never writes a value older than one it wrote for the same
    /// person and attribute (`PersonMemory.removeOutdated`).
    var sequence: UInt64 = 0

    package init(slug: String, value: [UInt8], sequence: UInt64 = 0) {
      self.slug = slug
      self.value = value
      self.sequence = sequence
    }
  }

  /// The normalised email: requests with the same key go to the same person, one at a time.
  package var email: String
  /// The slug of the matching attribute, whose values Attio adds rather than replaces.
  var emailSlug: String
  package var attributes: [Attribute]
  /// The profile's email before this event changed it (normalised), when it did: merge mode
  /// adds the new address to that person's record instead of creating a second person.
  package var previousEmail: String?
  /// What the request writes. For `.companies` (always an assert, whatever `--write-mode`),
  /// `email` holds the company's domain and `emailSlug` is `domains`: the match key that
  /// orders and merges its writes, and Attio's matching attribute, additive like emails.
  package var object = AttioObject.people
  /// The company a person request references by domain (`company`): delivery holds the
  /// write until that company's own write in this run has its result.
  package var companyDomain: String?
  /// How the request writes: Attio's assert, or (`add`) a find of the record by its match key
  /// and a `PATCH` of the values, which adds to lists and removes nothing (a user's
  /// workspaces).
  package var operation = Operation.assert
  /// Writes that follow this one in the same job, in order, once it is done (`--users`,
  /// `--workspaces`: a person's user; a company's workspace, its user and the membership).
  /// The job's result is the first write's, with the linked writes' outcomes beside it.
  package var linked: [UpsertRequest] = []
  /// Keys (`recordKey`) of records other jobs of this run write and this request refers to:
  /// delivery holds it until their writes have results (`RecordGate`).
  package var awaitedKeys: [String] = []
  /// `--list-entry` (an `entry` write): the list, by slug or id, whose entry for the person
  /// (`email`) the request asserts, its parent found by the email.
  package var list: String?

  package enum Operation: String, Sendable, Equatable {
    case assert
    case add
    /// `PUT /v2/lists/{list}/entries`: the person's entry in `list` (`--list-entry`).
    case entry
  }

  /// A person's request, or a company's with `object` set after.
  package init(email: String, emailSlug: String, attributes: [Attribute]) {
    self.email = email
    self.emailSlug = emailSlug
    self.attributes = attributes
  }

  /// A person's entry in `list` with `values` (entry attributes); `email` finds the parent.
  package init(entryIn list: String, of email: String, emailSlug: String, values: [Attribute]) {
    self.init(
      email: email, emailSlug: emailSlug,
      attributes: [Attribute(slug: emailSlug, value: Self.emailValue(email))] + values)
    self.list = list
    operation = .entry
  }

  /// `[{"email_address":"ada@example.com"}]`.
  static func emailValue(_ email: String) -> [UInt8] {
    var value: [UInt8] = []
    value.append("[{\"email_address\":")
    value.appendJSONString(email)
    value.append("}]")
    return value
  }

  /// A users or workspaces request matched on `id` (its `user_id` or `workspace_id`).
  package init(
    _ object: AttioObject, id: String, idSlug: String, attributes: [Attribute],
    operation: Operation = .assert
  ) {
    self.init(email: Self.recordKey(object, id), emailSlug: idSlug, attributes: attributes)
    self.object = object
    self.operation = operation
  }

  /// The key that lanes, the gate and delivery's memory know a record by: the email for
  /// people, the domain for companies, `users:ID` and `workspaces:ID` for the others (a
  /// `user_id` may well be an email address; the prefix keeps the two records apart: neither
  /// an email nor a domain can hold a colon).
  package static func recordKey(_ object: AttioObject, _ id: String) -> String {
    switch object {
    case .people, .companies: id
    case .users, .workspaces: object.rawValue + ":" + id
    }
  }

  /// The value Attio matches the record on: the email, the domain, the user or workspace id.
  package var matchValue: String {
    switch object {
    case .people, .companies: email
    case .users, .workspaces: String(email.dropFirst(object.rawValue.utf8.count + 1))
    }
  }

  /// The key delivery's memory keeps what a write wrote under: the record's, or for an `add`
  /// the record's with what it adds (a user's memberships are remembered one set at a time:
  /// under the record's key, the `workspace` of one membership would overwrite the other's,
  /// and every `group` call of a user of two workspaces would be sent again).
  var memoryKey: String {
    guard operation != .assert else { return email }
    // A person's entry in a list is one record: remembered attribute by attribute, so that a
    // value coming back (Trial, Customer, Trial) is written again.
    if operation == .entry { return "list\u{1F}" + (list ?? "") + "\u{1F}" + email }
    var key = email + "\u{1F}"
    for attribute in attributes where attribute.slug != emailSlug {
      key += attribute.slug + "=" + String(decoding: attribute.value, as: UTF8.self)
    }
    return key
  }

  /// The keys of the records this request's job writes (its own and its linked asserts).
  var writtenKeys: [String] {
    var keys = operation == .assert ? [email] : []
    for write in linked where write.operation == .assert { keys.append(write.email) }
    return keys
  }

  /// The request body: `{"data":{"values":{...}}}`.
  var body: [UInt8] {
    var body: [UInt8] = []
    body.reserveCapacity(attributes.reduce(32) { $0 + $1.slug.utf8.count + $1.value.count + 4 })
    body.append("{\"data\":{\"values\":{")
    for (index, attribute) in attributes.enumerated() {
      if index > 0 { body.append(UInt8(ascii: ",")) }
      body.appendJSONString(attribute.slug)
      body.append(UInt8(ascii: ":"))
      body.append(contentsOf: attribute.value)
    }
    body.append("}}}")
    return body
  }

  /// The body as `build` prints it and results carry it for replay: company bodies start
  /// with their `"object":"companies"` marker (see CompanyBodyEncoder.swift).
  package var envelope: [UInt8] {
    guard object != .people || operation == .entry else { return body }
    var marker = "\"object\":\"\(object.rawValue)\","
    if operation == .add { marker += "\"operation\":\"add\"," }
    if operation == .entry, let list {
      var entry: [UInt8] = []
      entry.append("\"object\":\"list_entries\",\"list\":")
      entry.appendJSONString(list)
      entry.append(UInt8(ascii: ","))
      marker = String(decoding: entry, as: UTF8.self)
    }
    var line = body
    line.insert(contentsOf: Array(marker.utf8), at: 1)
    return line
  }

  /// Folds a newer request for the same person into this one: its attributes replace these
  /// attribute by attribute, as Attio would apply the two one after the other — unless the
  /// later event's value is the older one (a lower sequence number: another device's profile
  /// that had not heard the news), which is left out as delivery would leave it out of its own
  /// write. Refused (false) when the matching attribute differs: Attio adds email addresses
  /// rather than replacing them, so two different address lists must go in two requests.
  mutating func merge(_ later: UpsertRequest) -> Bool {
    // An `add` adds its lists: folded into an assert it would replace them, and folded into
    // another `add` the later list would replace the earlier one. It goes on its own.
    guard operation == .assert, later.operation == .assert, object == later.object,
      value(of: emailSlug) == later.value(of: emailSlug)
    else { return false }
    for attribute in later.attributes {
      if let index = attributes.firstIndex(where: { $0.slug == attribute.slug }) {
        if attribute.sequence > 0 && attributes[index].sequence > attribute.sequence { continue }
        attributes[index] = attribute
      } else {
        attributes.append(attribute)
      }
    }
    if previousEmail == nil { previousEmail = later.previousEmail }
    if later.companyDomain != nil { companyDomain = later.companyDomain }
    for key in later.awaitedKeys where !awaitedKeys.contains(key) { awaitedKeys.append(key) }
    for write in later.linked {
      // A later assert of the same record replaces the earlier one in place (adds that
      // follow it still come after it); anything else comes after what is there.
      if write.operation == .assert,
        let index = linked.firstIndex(where: {
          $0.operation == .assert && $0.object == write.object && $0.email == write.email
        })
      {
        linked[index] = write
      } else {
        linked.append(write)
      }
    }
    return true
  }

  func value(of slug: String) -> [UInt8]? {
    attributes.first { $0.slug == slug }?.value
  }
}
