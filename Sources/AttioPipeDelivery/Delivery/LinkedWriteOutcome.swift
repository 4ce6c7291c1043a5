import AttioPipeCore

/// How one linked write of a job ended (`UpsertRequest.linked`: a person's user, a group
/// call's workspace, user and membership): reported in the job's result beside its own
/// write's outcome.
package struct LinkedWriteOutcome: Sendable, Equatable {
  package var object: AttioObject
  /// The record's match value: the `user_id` or `workspace_id` (a domain, an email).
  package var matchValue: String
  package var operation: UpsertRequest.Operation
  /// `asserted`, `updated` (an `add`), or `unchanged` (written before with these values:
  /// nothing sent).
  package var action: WritePlan.Action
  package var recordId: String?
  /// An entry write's list (`--list-entry`); `recordId` is then the entry's id.
  package var list: String?

  init(_ write: UpsertRequest, action: WritePlan.Action, recordId: String?) {
    object = write.object
    matchValue = write.matchValue
    operation = write.operation
    self.action = action
    self.recordId = recordId
    list = write.operation == .entry ? write.list : nil
  }
}
