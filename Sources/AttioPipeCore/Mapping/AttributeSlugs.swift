/// The Attio attribute slugs the mapping writes, with `--attribute NAME=SLUG` overrides for
/// workspaces that renamed a standard attribute (otherwise every upsert fails with 400).
package struct AttributeSlugs: Sendable, Equatable {
  /// The standard slugs, which are also the names `--attribute` accepts.
  package static let standardNames = PersonAttribute.allCases.map(\.rawValue)

  private var renamed: [PersonAttribute: String] = [:]

  package init() {}

  package subscript(attribute: PersonAttribute) -> String {
    renamed[attribute] ?? attribute.rawValue
  }

  /// The slug a standard name is written under (itself when not renamed); other names as
  /// they are. `send` uses it to rename slugs in bodies it reads.
  package func slug(forStandardName name: String) -> String {
    PersonAttribute(rawValue: name).map { self[$0] } ?? name
  }

  /// Renames the attribute `standardName`; false when it is not one the mapping writes.
  package mutating func override(_ standardName: String, with slug: String) -> Bool {
    guard let attribute = PersonAttribute(rawValue: standardName) else { return false }
    renamed[attribute] = slug
    return true
  }
}
