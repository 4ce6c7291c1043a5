import AttioPipeCore

/// The requests that write one person's merged values, in order.
///
/// `--write-mode assert` has one step, Attio's assert. `--write-mode merge` (the default)
/// finds the person first and then updates or creates: a query, then a `PATCH` of only what
/// the record lacks (`MergePlanner`), a `POST` create when nobody holds the email, or nothing
/// when the record already holds every value. The lane keeps its person busy for the whole
/// plan (no other write for that person can interleave), each step is paced like any request
/// (reads at the read rate, writes at the write rate), and a retry starts the plan over from
/// the find, so a write is always computed against what Attio holds now.
///
/// A record id learned before (earlier in the run, or kept in `--state`) replaces the query by
/// a `GET` of the record (still a read: the write is computed from the record's current
/// values); a `GET` answered 404 forgets the id and the step queries instead.
package struct WritePlan: Sendable, Equatable {
  package enum Mode: String, Sendable, Equatable, CaseIterable {
    case merge
    case assert
  }

  enum Step: Sendable, Equatable {
    /// `PUT /v2/objects/people/records?matching_attribute=SLUG`.
    case assert
    /// `POST /v2/objects/people/records/query`: a read.
    case find
    /// Nobody holds the email, but the profile had another one before: find that person (a
    /// read), to add the new address to their record rather than create a second person.
    case findPrevious
    /// The new email has a record and the previous one may have another: look (a read), to
    /// warn of the duplicate person (they are not merged). `then` is the step that follows.
    case checkPrevious(recordId: String, then: Followup)
    /// `PATCH /v2/objects/people/records/{id}` with the attributes the record lacks.
    case update(recordId: String, attributes: [UpsertRequest.Attribute])
    /// `POST /v2/objects/people/records` with the full body.
    case create
    /// `PUT /v2/lists/{list}/entries` of the person `parentRecordId` (an `entry` write), the
    /// forward-only attributes left out.
    case entryAssert(parentRecordId: String)
    /// `PATCH /v2/lists/{list}/entries/{id}`: the forward-only statuses that move forward.
    case entryPatch(entryId: String, attributes: [UpsertRequest.Attribute])
  }

  /// What follows the duplicate check: the `PATCH` (attributes), or nothing to write.
  enum Followup: Sendable, Equatable {
    case update([UpsertRequest.Attribute])
    case unchanged
  }

  /// How a finished plan changed Attio: the `action` of the result line.
  package enum Action: String, Sendable, Equatable {
    case created
    case updated
    case unchanged
    case asserted
  }

  /// What a 2xx answer to the current step leads to.
  enum Progress: Sendable, Equatable {
    /// The person is written (or needed nothing); the record id when the answer gave one.
    case done(Action, recordId: String?)
    /// The plan moved on to its next step, to send at once in the same lane.
    case next
    /// An `add` found no record to add to (its match key names none).
    case missing
  }

  let mode: Mode
  /// An `add` write (`UpsertRequest.Operation.add`): find the record by its match key, then
  /// `PATCH` the values (lists gain them, nothing is removed); no create. An `entry` write is
  /// one too: its find is the parent person's, and its write the list entry's.
  let isAdd: Bool
  /// `--list-entry`: the rules of entry writes (`--forward-only`).
  let entryRules: ListEntryRules
  private(set) var step: Step
  /// Going back to the find after a create refused as a duplicate or a `PATCH` of a record
  /// gone (404) happens once per plan: a second time is a failure, not a loop.
  private(set) var refindsLeft = 1
  /// The address a `PATCH` of the previous email's record adds (the result's `email_added`).
  private(set) var emailAdded: String?
  /// The record of the profile's previous email, when it is another person than the new
  /// email's (the result's `duplicate_person`).
  private(set) var duplicateRecordId: String?
  /// The record the current find reads by id (`GET`) instead of querying for the email.
  private(set) var recordIdToRead: String?
  /// A learned id of the previous email's record, for the find of that record and to skip
  /// the duplicate check when it is the record found.
  private(set) var previousRecordId: String?

  init(mode: Mode = .assert, entryRules: ListEntryRules = ListEntryRules()) {
    self.init(mode: mode, isAdd: false, entryRules: entryRules)
  }

  private init(mode: Mode, isAdd: Bool, entryRules: ListEntryRules) {
    self.mode = mode
    self.isAdd = isAdd
    self.entryRules = entryRules
    step = mode == .assert ? .assert : .find
  }

  /// The plan of one write of a job: an `add` (or an `entry`) finds and patches, anything
  /// else but a person is asserted (users, workspaces and companies have no values an assert
  /// could delete).
  init(for request: UpsertRequest, mode: Mode, entryRules: ListEntryRules = ListEntryRules()) {
    if request.operation != .assert {
      self.init(mode: .merge, isAdd: true, entryRules: entryRules)
    } else {
      self.init(
        mode: request.object == .people ? mode : .assert, isAdd: false, entryRules: entryRules)
    }
  }

  /// Whether the plan is at its first step: only then may newer values merge into its batch
  /// (a later step was computed from the values the find saw).
  var isAtStart: Bool { step == (mode == .assert ? .assert : .find) }

  /// An `add` whose record an earlier write of the job just named: no find, the `PATCH` goes
  /// at once (a 404 still finds the record again).
  mutating func addToKnownRecord(_ recordId: String, of values: UpsertRequest) {
    guard isAdd, step == .find else { return }
    step = Self.write(to: recordId, of: values)
  }

  /// An `add`'s write once its record is known: the `PATCH`, or the entry's assert.
  private static func write(to recordId: String, of values: UpsertRequest) -> Step {
    values.operation == .entry
      ? .entryAssert(parentRecordId: recordId)
      : .update(recordId: recordId, attributes: addedAttributes(of: values))
  }

  /// What an `add` patches: everything but the match key.
  private static func addedAttributes(of values: UpsertRequest) -> [UpsertRequest.Attribute] {
    values.attributes.filter { $0.slug != values.emailSlug }
  }

  /// Before the plan's steps go: the learned record ids of the email and of the previous
  /// email. The find (or the find of the previous email) then reads that record by id.
  mutating func useLearned(recordId: String?, previousRecordId: String?) {
    self.previousRecordId = previousRecordId
    switch step {
    case .find: recordIdToRead = recordId
    case .findPrevious: recordIdToRead = previousRecordId
    case .assert, .checkPrevious, .update, .create, .entryAssert, .entryPatch:
      recordIdToRead = nil
    }
  }

  /// The record the current step reads or writes by id, when it does.
  var recordIdInUse: String? {
    switch step {
    case .find, .findPrevious: recordIdToRead
    case .update(let recordId, _): recordId
    // The parent: a 404 for it forgets the id, and the find looks the person up again.
    case .entryAssert(let parentRecordId): parentRecordId
    case .assert, .checkPrevious, .create, .entryPatch: nil
    }
  }

  /// Whether the current step is a read, paced at the read rate.
  var isRead: Bool {
    switch step {
    case .find, .findPrevious, .checkPrevious: true
    case .assert, .update, .create, .entryAssert, .entryPatch: false
    }
  }

  /// The current step's request for `values`.
  func request(for values: UpsertRequest) -> TransportRequest {
    switch step {
    case .assert:
      let path = AttioEndpoint.assertPath(of: values.object, matchingSlug: values.emailSlug)
      return TransportRequest(method: "PUT", path: path, body: values.body)
    case .find, .findPrevious, .checkPrevious:
      if let recordIdToRead {
        return TransportRequest(
          method: "GET",
          path: AttioEndpoint.recordPath(of: values.object, recordId: recordIdToRead), body: nil)
      }
      var body: [UInt8] = []
      body.append("{\"filter\":{")
      body.appendJSONString(values.emailSlug)
      body.append(UInt8(ascii: ":"))
      body.appendJSONString(
        step == .find ? values.matchValue : values.previousEmail ?? values.email)
      body.append("},\"limit\":1}")
      return TransportRequest(
        method: "POST", path: AttioEndpoint.queryPath(of: values.object), body: body)
    case .update(let recordId, let attributes):
      let patch = UpsertRequest(
        email: values.email, emailSlug: values.emailSlug, attributes: attributes)
      return TransportRequest(
        method: "PATCH", path: AttioEndpoint.recordPath(of: values.object, recordId: recordId),
        body: patch.body)
    case .create:
      return TransportRequest(method: "POST", path: AttioEndpoint.peoplePath, body: values.body)
    case .entryAssert(let parentRecordId):
      var body: [UInt8] = []
      body.append("{\"data\":{\"parent_record_id\":")
      body.appendJSONString(parentRecordId)
      body.append(",\"parent_object\":\"people\",\"entry_values\":")
      Self.appendEntryValues(
        Self.addedAttributes(of: values).filter { !entryRules.forwardOnly.contains($0.slug) },
        to: &body)
      body.append("}}")
      return TransportRequest(
        method: "PUT", path: AttioEndpoint.listEntriesPath(values.list ?? ""), body: body)
    case .entryPatch(let entryId, let attributes):
      var body: [UInt8] = []
      body.append("{\"data\":{\"entry_values\":")
      Self.appendEntryValues(attributes, to: &body)
      body.append("}}")
      return TransportRequest(
        method: "PATCH", path: AttioEndpoint.listEntryPath(values.list ?? "", entryId: entryId),
        body: body)
    }
  }

  private static func appendEntryValues(
    _ attributes: [UpsertRequest.Attribute], to body: inout [UInt8]
  ) {
    body.append(UInt8(ascii: "{"))
    for (index, attribute) in attributes.enumerated() {
      if index > 0 { body.append(UInt8(ascii: ",")) }
      body.appendJSONString(attribute.slug)
      body.append(UInt8(ascii: ":"))
      body.append(contentsOf: attribute.value)
    }
    body.append(UInt8(ascii: "}"))
  }

  /// The entry's answer came: the forward-only statuses that move forward are `PATCH`ed
  /// next; nil when the answer is not an entry.
  private mutating func afterEntryAssert(_ response: AttioResponse, for values: UpsertRequest)
    -> Progress?
  {
    guard let entry = ListEntryRules.entry(in: [UInt8](response.body)) else { return nil }
    let list = values.list ?? ""
    let moves = Self.addedAttributes(of: values).filter { attribute in
      guard entryRules.forwardOnly.contains(attribute.slug),
        let target = ListEntryRules.statusTitle(in: attribute.value)
      else { return false }
      return entryRules.moves(
        list: list, slug: attribute.slug, from: entry.statuses[attribute.slug], to: target)
    }
    guard moves.isEmpty else {
      step = .entryPatch(entryId: entry.id, attributes: moves)
      return .next
    }
    return .done(.asserted, recordId: entry.id)
  }

  /// A 2xx answer to the current step came: the plan is done or moved on. An answer to the
  /// find that is not a records list fails the plan (`nil`): writing blind could delete.
  mutating func advance(
    after response: AttioResponse, for values: UpsertRequest, planner: MergePlanner
  ) -> Progress? {
    switch step {
    case .assert:
      return .done(.asserted, recordId: response.recordId)
    case .find, .findPrevious:
      let record: AttioRecord?
      do {
        record =
          recordIdToRead == nil
          ? try AttioRecord.firstOfQuery(response.body) : try AttioRecord.ofAnswer(response.body)
      } catch {
        return nil
      }
      recordIdToRead = nil
      if isAdd {
        guard let record else { return .missing }
        step = Self.write(to: record.id, of: values)
        return .next
      }
      guard let record else {
        if step == .find, let previous = values.previousEmail, previous != values.email {
          step = .findPrevious
          recordIdToRead = previousRecordId
        } else {
          step = .create
        }
        return .next
      }
      emailAdded = step == .findPrevious ? values.email : nil
      var planner = planner
      planner.emailSlug = values.emailSlug
      let write = planner.plan(values, against: record)
      let followup = write.changesNothing ? Followup.unchanged : .update(write.attributes)
      if step == .find, let previous = values.previousEmail, previous != values.email,
        previousRecordId != record.id
      {
        // The previous email may be another person's record: look, to warn. Not when its
        // learned record is this one (the addresses already share it).
        step = .checkPrevious(recordId: record.id, then: followup)
        return .next
      }
      return follow(followup, recordId: record.id)
    case .checkPrevious(let recordId, let followup):
      guard let other = try? AttioRecord.firstOfQuery(response.body) else {
        // Only a warning depends on it: write as planned.
        return follow(followup, recordId: recordId)
      }
      if other.id != recordId { duplicateRecordId = other.id }
      return follow(followup, recordId: recordId)
    case .update(let recordId, _):
      return .done(.updated, recordId: response.recordId ?? recordId)
    case .create:
      return .done(.created, recordId: response.recordId)
    case .entryAssert:
      return afterEntryAssert(response, for: values)
    case .entryPatch(let entryId, _):
      return .done(.updated, recordId: entryId)
    }
  }

  private mutating func follow(_ followup: Followup, recordId: String) -> Progress {
    switch followup {
    case .unchanged:
      return .done(.unchanged, recordId: recordId)
    case .update(let attributes):
      step = .update(recordId: recordId, attributes: attributes)
      return .next
    }
  }

  /// A refusal that means the find is out of date: a create refused because the email now
  /// exists (400 `uniqueness_conflict`, or 409: another writer was faster), or a `PATCH` of a
  /// record that is gone (404, deleted or merged away). True: the plan is back at its find,
  /// to send at once; once per plan.
  mutating func findAgain(after response: AttioResponse) -> Bool {
    if response.status == 404, recordIdToRead != nil {
      // A learned id of a record gone: query for the address instead (at most once per
      // step, since the id is not used again).
      recordIdToRead = nil
      if step == .findPrevious { previousRecordId = nil }
      return true
    }
    guard refindsLeft > 0 else { return false }
    switch step {
    case .create:
      guard
        response.status == 409
          || (response.status == 400 && response.error?.code == "uniqueness_conflict")
      else { return false }
    case .update, .entryPatch:
      guard response.status == 404 else { return false }
    case .entryAssert:
      // The parent was a learned record id that is gone (deleted, merged away).
      guard response.status == 404 || response.error?.code == "value_not_found",
        response.error?.message.contains("arent record") ?? true
      else { return false }
    case .assert, .find, .findPrevious, .checkPrevious:
      return false
    }
    refindsLeft -= 1
    emailAdded = nil
    duplicateRecordId = nil
    recordIdToRead = nil
    step = .find
    return true
  }

  /// A retry begins from the first step.
  mutating func restart() {
    emailAdded = nil
    duplicateRecordId = nil
    recordIdToRead = nil
    step = mode == .assert ? .assert : .find
  }
}
