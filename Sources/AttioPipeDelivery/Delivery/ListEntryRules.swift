import AttioPipeCore
import Foundation

/// How `--list-entry` writes behave beyond Attio's assert (`--forward-only`): which status
/// attributes only move forward, and each list's statuses in their configured order, read
/// from Attio before the run.
///
/// Attio sets a status to what is sent; it has no "only forward" operation. So an entry with
/// a forward-only attribute is asserted without it first, which creates the entry or answers
/// the existing one with its values, and the status is then `PATCH`ed only when the one the
/// event asks for comes later in the list's order than the one the entry has (or it has none).
package struct ListEntryRules: Sendable, Equatable {
  /// `--forward-only` slugs.
  package var forwardOnly: Set<String> = []
  /// List (as the option names it) → status attribute slug → status titles in order.
  package var statusOrder: [String: [String: [String]]] = [:]

  package init(forwardOnly: Set<String> = [], statusOrder: [String: [String: [String]]] = [:]) {
    self.forwardOnly = forwardOnly
    self.statusOrder = statusOrder
  }

  /// Whether `target` may replace `current` (nil: the entry has no status yet) for `slug` in
  /// `list`: it comes later in the order. An entry whose status is not in the order (archived,
  /// or added since the run started) is left as it is: nobody can say whether the event's is
  /// later. A target not in the order is written (Attio refuses an unknown status).
  func moves(list: String, slug: String, from current: String?, to target: String) -> Bool {
    guard let current else { return true }
    guard current.caseInsensitiveCompare(target) != .orderedSame,
      let order = statusOrder[list]?[slug],
      let from = order.firstIndex(where: { $0.caseInsensitiveCompare(current) == .orderedSame })
    else { return false }
    guard let to = order.firstIndex(where: { $0.caseInsensitiveCompare(target) == .orderedSame })
    else { return true }
    return to > from
  }

  /// The title a status value's JSON text names (`"Trial"`, `{"status":"Trial"}`, or a list
  /// of either).
  static func statusTitle(in value: [UInt8]) -> String? {
    guard
      let parsed = try? JSONSerialization.jsonObject(with: Data(value), options: .fragmentsAllowed)
    else { return nil }
    let first = (parsed as? [Any])?.first ?? parsed
    return first as? String ?? (first as? [String: Any])?["status"] as? String
  }

  /// An entry answer's id and, per slug, the title of its current status (Attio's read form:
  /// `[{"status":{"title":"Trial",…},…}]`).
  static func entry(in answer: [UInt8]) -> (id: String, statuses: [String: String])? {
    guard let object = try? JSONSerialization.jsonObject(with: Data(answer)) as? [String: Any],
      let data = object["data"] as? [String: Any],
      let id = (data["id"] as? [String: Any])?["entry_id"] as? String
    else { return nil }
    var statuses: [String: String] = [:]
    for (slug, value) in data["entry_values"] as? [String: Any] ?? [:] {
      for item in value as? [[String: Any]] ?? [] {
        if let status = item["status"] as? [String: Any], let title = status["title"] as? String {
          statuses[slug] = title
        }
      }
    }
    return (id, statuses)
  }
}
