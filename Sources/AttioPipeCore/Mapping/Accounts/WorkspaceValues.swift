/// What one write of Attio's **workspaces** object says (an account or team in the product
/// that sends the events), before encoding:
/// `PUT /v2/objects/workspaces/records?matching_attribute=workspace_id`, from a `group` call.
package struct WorkspaceValues: Equatable, Sendable {
  /// `workspace_id`: the `group` call's `groupId`, the match key.
  package var workspaceId: String
  /// `traits.name`; nil leaves the workspace's name as it is.
  package var name: String?
  /// `--companies`: the company made from the same call, referenced by domain (its write goes
  /// first).
  package var companyDomain: String?
  /// The calling user, when it can be written now (its `userId` and email are known): it is
  /// asserted and added to the workspace after the workspace's own write. Otherwise the
  /// membership waits in the user's profile (`ProfileSlot.pendingWorkspaces`) for the user's
  /// next write.
  package var member: UserValues? {
    get { memberStorage?.value }
    set { memberStorage = newValue.map(OutOfLine.init) }
  }
  /// Out of line, so that `EventOutcome`, which holds these values, stays small.
  private var memberStorage: OutOfLine<UserValues>?
  /// `--map-workspace` values, in option order.
  package var mapped: [CompanyValues.Attribute] = []

  package init(workspaceId: String, name: String? = nil, companyDomain: String? = nil) {
    self.workspaceId = workspaceId
    self.name = name
    self.companyDomain = companyDomain
  }

  package static let workspaceIdSlug = "workspace_id"
  package static let nameSlug = "name"
  package static let companySlug = "company"
}
