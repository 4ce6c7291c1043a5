import AttioPipeCore

// Whether the users and workspaces objects are active (`--users`, `--workspaces`).

extension SchemaReader {
  /// How an optional object stands in the workspace.
  package enum ObjectState: Sendable, Equatable {
    case active
    /// `GET /v2/objects/{object}` answered 404: an admin has not activated it (Attio does not
    /// document the code for this; 404 `not_found` is what a disabled object answers).
    case notActivated
  }

  /// `GET /v2/objects/{object}`: active, or not activated (404); anything else is a failure.
  package func state(of object: AttioObject) throws(Failure) -> ObjectState {
    do {
      _ = try read(path: AttioEndpoint.objectPath(of: object))
      return .active
    } catch  where error.status == 404 {
      return .notActivated
    }
  }

  /// What to tell the operator when `object` is not activated.
  package static func notActivatedMessage(_ object: AttioObject) -> String {
    "the \(object.rawValue) object is not activated in this Attio workspace (new workspaces "
      + "have it switched off): a workspace admin activates it in Settings > Data > Objects > "
      + "\(object == .users ? "Users" : "Workspaces"), then run this again"
  }
}
