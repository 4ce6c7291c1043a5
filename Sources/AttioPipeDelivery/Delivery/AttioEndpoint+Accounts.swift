import AttioPipeCore
import Foundation

// Paths of the users and workspaces objects (`--users`, `--workspaces`), and of any object's
// records for the `add` writes that find a record and `PATCH` it.

extension AttioEndpoint {
  /// The assert of `object` matched on its unique id attribute (`user_id`, `workspace_id`).
  static func assertPath(of object: AttioObject, matchingSlug: String) -> String {
    switch object {
    case .people: assertPersonPath(matchingSlug: matchingSlug)
    case .companies: assertCompanyPath
    case .users, .workspaces:
      "/v2/objects/\(object.rawValue)/records?matching_attribute=\(pathComponent(matchingSlug))"
    }
  }

  /// The records query of `object` (a read).
  static func queryPath(of object: AttioObject) -> String {
    "/v2/objects/\(object.rawValue)/records/query"
  }

  /// One record of `object`, for `PATCH` and `GET`.
  static func recordPath(of object: AttioObject, recordId: String) -> String {
    guard object != .people else { return personPath(recordId: recordId) }
    return "/v2/objects/\(object.rawValue)/records/\(pathComponent(recordId))"
  }

  /// The object itself: 200 when it is active in the workspace, 404 when an admin has not
  /// activated it (users and workspaces are off in a new workspace).
  package static func objectPath(of object: AttioObject) -> String {
    "/v2/objects/\(object.rawValue)"
  }
}

// Lists (`--list-entry`).
extension AttioEndpoint {
  /// A list's entries: `PUT` asserts one by its parent record.
  static func listEntriesPath(_ list: String) -> String {
    "/v2/lists/\(pathComponent(list))/entries"
  }

  /// One entry, for `PATCH`.
  static func listEntryPath(_ list: String, entryId: String) -> String {
    "/v2/lists/\(pathComponent(list))/entries/\(pathComponent(entryId))"
  }

  /// The list itself (its parent object), its attributes, a status attribute's statuses.
  package static func listPath(_ list: String) -> String { "/v2/lists/\(pathComponent(list))" }
}
