/// What `--users` and `--workspaces` ask of the event processor.
package struct AccountSettings: Equatable, Sendable {
  /// `--users`: a person's write is followed by its users record's, when the profile has a
  /// `userId`.
  package var users = false
  /// `--workspaces`: a `group` call writes a workspaces record and adds the calling user.
  package var workspaces = false
  /// `--map-user`, `--map-workspace`.
  package var mapper = AccountAttributeMapper()

  package init(users: Bool = false, workspaces: Bool = false) {
    self.users = users
    self.workspaces = workspaces
  }

  package var isEnabled: Bool { users || workspaces }

  /// At most this many memberships wait in one profile for its user's first write (a visitor
  /// who joins more workspaces than this before giving an email loses the oldest, with a
  /// warning).
  package static let pendingMembershipLimit = 16
  /// Workspace ids longer than this are not remembered for a later link (no real id is).
  package static let maximumWorkspaceIdLength = 200
}
