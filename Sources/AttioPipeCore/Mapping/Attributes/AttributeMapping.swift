/// One `--map SOURCE=SLUG` (or `--map-company`): where a value comes from and the attribute
/// slug it is written under.
package struct AttributeMapping: Sendable, Equatable {
  package var source: MappedSource
  package var slug: String

  package init(source: MappedSource, slug: String) {
    self.source = source
    self.slug = slug
  }

  /// Why a mapping cannot be used with a workspace: a usage error, said before anything is
  /// read or sent.
  package struct Problem: Error, Equatable, Sendable {
    package var message: String
  }

  /// The attributes the mappings write, checked against the object's schema: each slug must
  /// exist, be writable, not archived, of a type `--map` writes (interaction attributes are
  /// read-only), a reference to companies, not written by another mapping or by the standard
  /// mapping (`reserved`: the standard slugs after `--attribute`).
  package static func resolve(
    _ mappings: [AttributeMapping], in schema: AttributeSchema, reserved: Set<String> = [],
    option: String = "--map"
  ) throws(Problem) -> [AttributeSchema.Attribute] {
    var attributes: [AttributeSchema.Attribute] = []
    var seen: Set<String> = []
    for mapping in mappings {
      let label = "\(option) \(mapping.source)=\(mapping.slug)"
      guard let attribute = schema[mapping.slug] else {
        throw Problem(
          message: "\(label): the \(schema.object) object has no attribute '\(mapping.slug)'")
      }
      if reserved.contains(mapping.slug) {
        throw Problem(
          message: "\(label): '\(mapping.slug)' is already written by the standard mapping")
      }
      guard seen.insert(mapping.slug).inserted else {
        throw Problem(message: "\(label): '\(mapping.slug)' is mapped twice")
      }
      if attribute.isArchived {
        throw Problem(message: "\(label): attribute '\(mapping.slug)' is archived")
      }
      if !attribute.isWritable || attribute.type == "interaction" {
        throw Problem(
          message: "\(label): attribute '\(mapping.slug)' (\(attribute.type)) is read-only")
      }
      guard AttributeValueConverter.supportedTypes.contains(attribute.type) else {
        throw Problem(
          message: "\(label): attribute '\(mapping.slug)' has type \(attribute.type), which "
            + "--map does not write")
      }
      if attribute.type == "record-reference" && !attribute.referencedObjects.isEmpty
        && !attribute.referencedObjects.contains("companies")
      {
        throw Problem(
          message: "\(label): attribute '\(mapping.slug)' references "
            + "\(attribute.referencedObjects.joined(separator: ", ")); --map writes references "
            + "to companies (by domain) only")
      }
      attributes.append(attribute)
    }
    return attributes
  }
}

/// A mapped attribute's value, ready for the body: its slug and the JSON text of its value.
package struct MappedAttribute: Equatable, Sendable {
  package var slug: String
  package var value: [UInt8]
  /// How new the value is (`PersonValues.sequence(of:)`): the sequence number of the profile's
  /// `traits.NAME` value it came from; 0 for the event's own values.
  package var sequence: UInt64 = 0

  /// The same slug and value (how new it is says nothing about what it is).
  package static func == (lhs: MappedAttribute, rhs: MappedAttribute) -> Bool {
    lhs.slug == rhs.slug && lhs.value == rhs.value
  }
}
