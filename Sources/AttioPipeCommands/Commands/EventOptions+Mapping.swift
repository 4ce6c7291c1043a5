import AttioPipeCore
import AttioPipeDelivery

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

  /// `--companies` with `--map-company`: the settings with each mapping's companies attribute
  /// checked against the schema and filled in (unchanged without `--map-company`).
  func resolvingCompanyMappings(companies schema: AttributeSchema?) throws(PipelineError)
    -> CompanySettings?
  {
    guard var settings = companies, !settings.mappings.isEmpty, let schema else {
      return companies
    }
    // The source is only shown in messages; a group trait is always a valid `traits.NAME`.
    let mappings = settings.mappings.compactMap { mapping in
      MappedSource("traits." + mapping.trait).map {
        AttributeMapping(source: $0, slug: mapping.slug)
      }
    }
    do {
      settings.attributes = try AttributeMapping.resolve(
        mappings, in: schema, reserved: [CompanyValues.domainsSlug, CompanyValues.nameSlug],
        option: "--map-company")
    } catch {
      throw .configuration(error.message)
    }
    settings.defaultRegion = defaultRegion
    return settings
  }

  /// Whether a run needs a schema: `--map`, `--map-company`, `--map-user`,
  /// `--map-workspace`, `--signal`.
  var needsSchema: Bool {
    !mappings.isEmpty || !signals.isEmpty || !(companies?.mappings.isEmpty ?? true)
      || !accounts.mapper.isEmpty
  }

  /// `build --schema FILE`: the people and companies schemas read from the file.
  func schemasFromFile() throws(PipelineError) -> (
    people: AttributeSchema?, companies: AttributeSchema?
  ) {
    guard let schemaPath, needsSchema else { return (nil, nil) }
    let workspace: WorkspaceSchema
    do {
      workspace = try WorkspaceSchema.load(path: schemaPath)
    } catch {
      throw .configuration(error.message)
    }
    if (!mappings.isEmpty || !signals.isEmpty) && workspace["people"] == nil {
      throw .configuration("\(schemaPath): the schema file has no people object")
    }
    if !(companies?.mappings.isEmpty ?? true) && workspace["companies"] == nil {
      throw .configuration("\(schemaPath): the schema file has no companies object")
    }
    return (workspace["people"], workspace["companies"])
  }

  /// `deliver`: the people schema read from Attio, for the mapped slugs' options only; the
  /// reader stays for options refreshes.
  func peopleSchemaFromAttio(_ reader: SchemaReader) throws(SchemaReader.Failure)
    -> AttributeSchema
  {
    try reader.read(object: "people", optionsFor: Set(mappings.map(\.slug)))
  }

  /// `deliver` with `--map-company`: the companies schema read from Attio (nil without it).
  func companiesSchemaFromAttio(_ reader: SchemaReader) throws(SchemaReader.Failure)
    -> AttributeSchema?
  {
    guard let mappings = companies?.mappings, !mappings.isEmpty else { return nil }
    return try reader.read(object: "companies", optionsFor: Set(mappings.map(\.slug)))
  }
}
