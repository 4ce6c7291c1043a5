import AttioPipeCore

// Lists (`--list-entry`): `GET /v2/lists/{list}` (its parent object) and its attributes,
// described as objects' attributes are, statuses in their configured order.

extension SchemaReader {
  /// What a list is: the objects its entries' parents are, and its entry attributes with the
  /// options and statuses of every select and status attribute.
  package func readList(_ list: String) throws(Failure) -> (
    parentObjects: [String], attributes: AttributeSchema
  ) {
    let path = AttioEndpoint.listPath(list)
    let info = try read(path: path) as? [String: Any] ?? [:]
    let parent = info["parent_object"]
    let parentObjects = parent as? [String] ?? (parent as? String).map { [$0] } ?? []
    let attributesPath = path + "/attributes"
    let answer = try read(path: attributesPath)
    var schema: AttributeSchema
    do {
      schema = try AttributeSchema.parse(object: "list \(list)", attributes: answer)
    } catch {
      throw Failure(path: attributesPath, status: 200, detail: error.message)
    }
    for attribute in schema.attributes where attribute.hasOptions && !attribute.isArchived {
      let optionsPath = attributesPath + "/" + attribute.slug + "/" + attribute.optionsEndpoint
      guard let titles = try read(path: optionsPath) as? [Any] else { continue }
      schema.setOptions(AttributeSchema.parseOptions(titles), for: attribute.slug)
    }
    return (parentObjects, schema)
  }
}
