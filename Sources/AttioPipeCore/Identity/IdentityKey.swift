/// An id an event can carry. Anonymous ids and user ids are separate namespaces: the same
/// string used as both names two different visitors until an event links them.
struct IdentityKey: Hashable, Sendable {
  enum Namespace: UInt8, Sendable {
    case anonymous
    case user
  }

  var namespace: Namespace
  var id: String

  static func anonymous(_ id: String) -> IdentityKey { IdentityKey(namespace: .anonymous, id: id) }
  static func user(_ id: String) -> IdentityKey { IdentityKey(namespace: .user, id: id) }
}
