/// The kind of id an event carries. Anonymous ids and user ids are separate namespaces: the
/// same string used as both names two different visitors until an event links them.
package enum IdentityNamespace: UInt8, Sendable {
  case anonymous
  case user
}
