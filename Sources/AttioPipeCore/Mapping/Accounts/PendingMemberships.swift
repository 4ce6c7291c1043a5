/// The workspace memberships a profile keeps for its user's next write
/// (`ProfileSlot.pendingWorkspaces`): `workspace_id`s separated by NUL bytes, oldest first,
/// at most `AccountSettings.pendingMembershipLimit` of them.
///
/// A `group` call may come before the caller's `identify` (analytics.js sends `group` as soon
/// as the page knows the account, often before the sign-up form). The link cannot be written
/// then (a users record needs an email), so it waits in the profile, in `--state` with it, and
/// nothing fails because events arrived in an unlucky order.
package enum PendingMemberships {
  /// The ids held in a slot's bytes.
  package static func decode(_ bytes: UnsafeRawBufferPointer?) -> [String] {
    guard let bytes, !bytes.isEmpty else { return [] }
    return bytes.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
  }

  /// `held` with `workspaceId` added (moved to the end when present); the oldest ones go
  /// beyond the limit. `dropped` says how many went.
  package static func adding(_ workspaceId: String, to held: [String])
    -> (ids: [String], dropped: Int)
  {
    var ids = held.filter { $0 != workspaceId }
    ids.append(workspaceId)
    let excess = max(0, ids.count - AccountSettings.pendingMembershipLimit)
    ids.removeFirst(excess)
    return (ids, excess)
  }

  /// The slot's bytes for `ids`.
  package static func encode(_ ids: [String]) -> [UInt8] {
    var bytes: [UInt8] = []
    for (index, id) in ids.enumerated() {
      if index > 0 { bytes.append(0) }
      bytes.append(contentsOf: id.utf8)
    }
    return bytes
  }

  /// Whether `workspaceId` can wait in a profile: not empty, not too long, no NUL.
  package static func canHold(_ workspaceId: String) -> Bool {
    !workspaceId.isEmpty && workspaceId.utf8.count <= AccountSettings.maximumWorkspaceIdLength
      && !workspaceId.utf8.contains(0)
  }
}
