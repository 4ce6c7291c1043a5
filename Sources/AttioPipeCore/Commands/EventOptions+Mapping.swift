/// `--map` set up for a run: the mappings checked against the people schema and the mapper
/// that applies them per event.
extension EventOptions {
  /// Nil without `--map`. A mapping the workspace cannot take is a configuration error.
  func attributeMapper(people schema: AttributeSchema) throws(PipelineError) -> AttributeMapper? {
    guard !mappings.isEmpty else { return nil }
    let reserved = Set(PersonAttribute.allCases.map { slugs[$0] })
    do {
      let attributes = try AttributeMapping.resolve(mappings, in: schema, reserved: reserved)
      return AttributeMapper(
        mappings: mappings, attributes: attributes,
        converter: AttributeValueConverter(
          phoneNormalizer: PhoneNumberNormalizer(defaultRegion: defaultRegion)))
    } catch {
      throw .configuration(error.message)
    }
  }

  /// `build --schema FILE`: the people schema read from the file.
  func peopleSchemaFromFile() throws(PipelineError) -> AttributeSchema? {
    guard let schemaPath, !mappings.isEmpty else { return nil }
    let workspace: WorkspaceSchema
    do {
      workspace = try WorkspaceSchema.load(path: schemaPath)
    } catch {
      throw .configuration(error.message)
    }
    guard let people = workspace["people"] else {
      throw .configuration("\(schemaPath): the schema file has no people object")
    }
    return people
  }

  /// `deliver`: the people schema read from Attio, for the mapped slugs' options only; the
  /// reader stays for options refreshes.
  func peopleSchemaFromAttio(_ reader: SchemaReader) throws(SchemaReader.Failure)
    -> AttributeSchema
  {
    try reader.read(object: "people", optionsFor: Set(mappings.map(\.slug)))
  }
}
