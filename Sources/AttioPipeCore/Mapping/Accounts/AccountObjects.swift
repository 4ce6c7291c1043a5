/// The optional Attio objects a run writes.
package enum AccountObjects {
  /// The objects `--users` and `--workspaces` write, in that order. Memberships are written on
  /// users records, so `--workspaces` needs the users object too.
  package static func enabled(by settings: AccountSettings) -> [AttioObject] {
    (settings.users || settings.workspaces ? [.users] : [])
      + (settings.workspaces ? [.workspaces] : [])
  }
}
