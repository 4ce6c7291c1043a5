/// What one write of Attio's **users** object says (an account in the product that sends the
/// events), before encoding: `PUT /v2/objects/users/records?matching_attribute=user_id`.
///
/// A user is matched on `user_id` (the event's `userId`), so an email change keeps the one
/// user: its `primary_email_address` and `person` follow the profile's email. Its workspaces
/// are never part of the assert (an assert replaces a multiselect list, which would drop
/// memberships made elsewhere): they are added by a separate `PATCH`, which only adds
/// (Documentation/AttioAPI.md, "Users and workspaces").
package struct UserValues: Equatable, Sendable {
  /// `user_id`, the match key.
  package var userId: String
  /// The profile's normalised email: `primary_email_address`, and the `person` reference.
  package var email: String
  /// Whether the write links the person by email. True after a person's own write (the person
  /// exists by then); false for a `group` call's user, whose person may not be written yet.
  package var linksPerson: Bool
  /// Workspaces (`workspace_id`s) the user joins with this write: added, never replaced.
  package var workspaceIds: [String]
  /// `--map-user` values, in option order.
  package var mapped: [CompanyValues.Attribute] = []

  package init(userId: String, email: String, linksPerson: Bool, workspaceIds: [String] = []) {
    self.userId = userId
    self.email = email
    self.linksPerson = linksPerson
    self.workspaceIds = workspaceIds
  }

  package static let userIdSlug = "user_id"
  package static let emailSlug = "primary_email_address"
  package static let personSlug = "person"
  /// The user's workspaces (a multiselect record reference; its inverse is a workspace's
  /// `users`).
  package static let workspacesSlug = "workspace"
}
