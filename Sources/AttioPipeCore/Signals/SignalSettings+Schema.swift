extension SignalSettings {
  /// Checks each signal's attribute against the people schema — it exists, is writable, not
  /// archived, single-valued, of a type the signal writes (a time: timestamp or date; a
  /// count: number), written by nothing else — and notes which are dates.
  /// Returns each attribute's type, in signal order.
  @discardableResult
  package mutating func resolve(
    in schema: AttributeSchema, reserved: Set<String>
  ) throws(AttributeMapping.Problem) -> [String] {
    writesDate = []
    var types: [String] = []
    for spec in specs {
      let label = "--signal \(spec.description)"
      guard let attribute = schema[spec.slug] else {
        throw AttributeMapping.Problem(
          message: "\(label): the \(schema.object) object has no attribute '\(spec.slug)'")
      }
      if reserved.contains(spec.slug) {
        throw AttributeMapping.Problem(
          message: "\(label): '\(spec.slug)' is already written by the standard mapping or --map")
      }
      if attribute.isArchived {
        throw AttributeMapping.Problem(message: "\(label): attribute '\(spec.slug)' is archived")
      }
      if !attribute.isWritable {
        throw AttributeMapping.Problem(
          message: "\(label): attribute '\(spec.slug)' (\(attribute.type)) is read-only")
      }
      guard spec.acceptedTypes.contains(attribute.type), !attribute.isMultiselect else {
        let wanted = spec.acceptedTypes.joined(separator: " or ")
        throw AttributeMapping.Problem(
          message:
            "\(label): attribute '\(spec.slug)' is a\(attribute.isMultiselect ? " multiselect" : "") "
            + "\(attribute.type); this signal needs a single \(wanted) attribute")
      }
      writesDate.append(attribute.type == "date")
      types.append(attribute.type)
    }
    return types
  }
}
