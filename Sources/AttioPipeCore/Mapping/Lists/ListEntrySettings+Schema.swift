extension ListEntrySettings {
  /// Checks the options that write to `list` against what Attio says of it — its parent
  /// object is people; each entry attribute exists, is writable, not archived, and takes the
  /// value given (typed by the attribute: a status or select title must exist) — and types
  /// their values. Returns the statuses, in order, of its `--forward-only` status attributes
  /// (`forwardOnlyStatuses` says which are not status attributes).
  package mutating func resolve(
    list: String, parentObjects: [String], schema: AttributeSchema
  ) throws(AttributeMapping.Problem) -> [String: [String]] {
    guard parentObjects.contains("people") else {
      let held = parentObjects.isEmpty ? "no" : parentObjects.joined(separator: ", ")
      throw AttributeMapping.Problem(
        message: "--list-entry: the list '\(list)' holds \(held) records, not people")
    }
    let converter = AttributeValueConverter()
    for index in specs.indices where specs[index].list == list {
      let label = "--list-entry '\(specs[index].description)'"
      var typed: [TypedValue] = []
      for value in specs[index].values {
        guard let attribute = schema[value.slug] else {
          throw AttributeMapping.Problem(
            message: "\(label): the list '\(list)' has no attribute '\(value.slug)'")
        }
        if attribute.isArchived {
          throw AttributeMapping.Problem(
            message: "\(label): the attribute '\(value.slug)' is archived")
        }
        guard attribute.isWritable, AttributeValueConverter.supportedTypes.contains(attribute.type)
        else {
          throw AttributeMapping.Problem(
            message: "\(label): the attribute '\(value.slug)' (\(attribute.type)) cannot be written"
          )
        }
        var raw: [UInt8] = []
        raw.appendJSONString(value.text)
        switch converter.convert(raw, to: attribute) {
        case .value(let json): typed.append(TypedValue(slug: value.slug, json: json))
        case .absent:
          throw AttributeMapping.Problem(message: "\(label): no value for '\(value.slug)'")
        case .failure(let reason, _):
          throw AttributeMapping.Problem(
            message: "\(label): '\(value.text)' for \(value.slug) (\(attribute.type)): \(reason)")
        }
      }
      setValues(typed, of: index)
    }
    return forwardOnlyStatuses(in: schema).orders
  }

  /// The `--forward-only` attributes `schema` has: each status one's statuses in order, and
  /// a message for each that is not a status attribute.
  package func forwardOnlyStatuses(in schema: AttributeSchema) -> (
    orders: [String: [String]], problems: [String]
  ) {
    var orders: [String: [String]] = [:]
    var problems: [String] = []
    for slug in forwardOnly {
      guard let attribute = schema[slug] else { continue }
      if attribute.type == "status" {
        orders[slug] = attribute.options ?? []
      } else {
        problems.append(
          "--forward-only \(slug): in the \(schema.object) it is a \(attribute.type), not a "
            + "status attribute")
      }
    }
    return (orders, problems)
  }
}
