import Foundation

/// The attributes of one Attio object (`people`, `companies`) as a workspace defines them:
/// what `--map` needs to know to write a value Attio accepts (type, multiselect, writable,
/// archived, the currency, a reference's target, the select and status options).
///
/// Read once at start (from Attio or a `--schema` file) and on an options refresh, never per
/// event, so Foundation's JSON is fine here.
package struct AttributeSchema: Sendable, Equatable {
  package struct Attribute: Sendable, Equatable {
    package var slug: String
    /// Attio's type name: `text`, `number`, `select`, `record-reference`, ...
    package var type: String
    package var isMultiselect = false
    var isWritable = true
    package var isArchived = false
    /// `currency`: the attribute's currency code (values carry none of their own).
    package var currencyCode: String?
    /// `record-reference`: the objects it may point to, by slug where known (else by id).
    var referencedObjects: [String] = []
    /// `select` and `status`: the current titles (archived ones cannot be written). Nil when
    /// they were not read.
    package var options: [String]? {
      didSet { foldedOptions = Self.fold(options) }
    }
    /// Lowercased title → title, so that matching an event's value costs one lookup.
    private var foldedOptions: [String: String] = [:]

    /// The option whose title is `title` ignoring case, as the workspace spells it.
    func option(matching title: String) -> String? {
      foldedOptions[title.lowercased()]
    }

    private static func fold(_ options: [String]?) -> [String: String] {
      Dictionary(
        (options ?? []).map { ($0.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
    }

    init(slug: String, type: String) {
      self.slug = slug
      self.type = type
    }

    /// Whether the type lists its values in an options or statuses endpoint.
    package var hasOptions: Bool { type == "select" || type == "status" }

    /// The endpoint of its options: `options` for selects, `statuses` for status attributes.
    package var optionsEndpoint: String { type == "status" ? "statuses" : "options" }
  }

  var object: String
  /// In the workspace's order.
  package var attributes: [Attribute]

  package subscript(slug: String) -> Attribute? {
    attributes.first { $0.slug == slug }
  }

  /// Replaces the options of `slug` (an options refresh).
  package mutating func setOptions(_ titles: [String], for slug: String) {
    guard let index = attributes.firstIndex(where: { $0.slug == slug }) else { return }
    attributes[index].options = titles
  }

  /// The path of the attribute list: `/v2/objects/people/attributes`.
  package static func attributesPath(object: String) -> String {
    "/v2/objects/\(object)/attributes"
  }

  /// The path of an attribute's options (or statuses).
  package static func optionsPath(object: String, attribute: Attribute) -> String {
    "/v2/objects/\(object)/attributes/\(attribute.slug)/\(attribute.optionsEndpoint)"
  }
}

// MARK: - Reading Attio's answers and the schema file

/// Why a schema could not be read: the answer or file is not what Attio sends.
package struct SchemaError: Error, Equatable, Sendable {
  package var message: String

  init(_ message: String) { self.message = message }
}

extension AttributeSchema {
  /// From the `data` array of `GET /v2/objects/{object}/attributes` (or a schema file's list,
  /// which has the same shape plus `options`). `objectSlugs` names object ids (from
  /// `GET /v2/objects`), so that a reference's target reads `companies`.
  package static func parse(
    object: String, attributes list: Any, objectSlugs: [String: String] = [:]
  ) throws(SchemaError) -> AttributeSchema {
    guard let entries = list as? [Any] else {
      throw SchemaError("the \(object) attributes are not a list")
    }
    var attributes: [Attribute] = []
    for case let entry as [String: Any] in entries {
      guard let slug = entry["api_slug"] as? String, let type = entry["type"] as? String else {
        throw SchemaError("an attribute of \(object) without api_slug or type")
      }
      var attribute = Attribute(slug: slug, type: type)
      attribute.isMultiselect = entry["is_multiselect"] as? Bool ?? false
      attribute.isWritable = entry["is_writable"] as? Bool ?? true
      attribute.isArchived = entry["is_archived"] as? Bool ?? false
      let config = entry["config"] as? [String: Any]
      attribute.currencyCode =
        (config?["currency"] as? [String: Any])?["default_currency_code"] as? String
      let allowed =
        (config?["record_reference"] as? [String: Any])?["allowed_object_ids"] as? [String] ?? []
      attribute.referencedObjects = allowed.map { objectSlugs[$0] ?? $0 }
      if let referenced = entry["referenced_objects"] as? [String] {
        attribute.referencedObjects = referenced
      }
      if let options = entry["options"] as? [Any] {
        attribute.options = parseOptions(options)
      }
      attributes.append(attribute)
    }
    return AttributeSchema(object: object, attributes: attributes)
  }

  /// The current titles of an options or statuses answer's `data` (archived ones dropped).
  package static func parseOptions(_ list: [Any]) -> [String] {
    list.compactMap { entry in
      guard let entry = entry as? [String: Any], entry["is_archived"] as? Bool != true else {
        return nil
      }
      return entry["title"] as? String
    }
  }

  /// The JSON object a schema file keeps per attribute (the API's shape, reduced, plus the
  /// options and the reference targets by slug).
  var fileRepresentation: [[String: Any]] {
    attributes.map { attribute in
      var entry: [String: Any] = [
        "api_slug": attribute.slug, "type": attribute.type,
        "is_multiselect": attribute.isMultiselect, "is_writable": attribute.isWritable,
        "is_archived": attribute.isArchived,
      ]
      if let code = attribute.currencyCode {
        entry["config"] = ["currency": ["default_currency_code": code]]
      }
      if !attribute.referencedObjects.isEmpty {
        entry["referenced_objects"] = attribute.referencedObjects
      }
      if let options = attribute.options {
        entry["options"] = options.map { ["title": $0, "is_archived": false] }
      }
      return entry
    }
  }
}
