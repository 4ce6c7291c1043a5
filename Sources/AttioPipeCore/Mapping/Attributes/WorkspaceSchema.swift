import Foundation

/// The schemas of the objects attio-pipe writes, as `check --save-schema` saves them and
/// `build --schema` reads them: `{"attio_pipe_schema":1,"objects":{"people":[…],"companies":[…]}}`,
/// each list in the shape of Attio's attribute list plus each select's `options`.
package struct WorkspaceSchema: Sendable, Equatable {
  var objects: [String: AttributeSchema]

  package init(objects: [String: AttributeSchema] = [:]) {
    self.objects = objects
  }

  package subscript(object: String) -> AttributeSchema? {
    get { objects[object] }
    set { objects[object] = newValue }
  }

  /// The key a list's entry attributes are saved under among the objects (`lists/trials`):
  /// no object's slug holds a slash.
  package static func listKey(_ list: String) -> String { "lists/" + list }

  static let formatVersion = 1

  /// The file's text: pretty-printed with sorted keys, so that two saves of one workspace are
  /// byte-identical and a diff shows what an admin changed.
  package func fileContents() -> [UInt8] {
    var objects: [String: Any] = [:]
    for (name, schema) in self.objects { objects[name] = schema.fileRepresentation }
    let root: [String: Any] = ["attio_pipe_schema": Self.formatVersion, "objects": objects]
    let data =
      (try? JSONSerialization.data(
        withJSONObject: root, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]))
      ?? Data()
    return Array(data) + [UInt8(ascii: "\n")]
  }

  static func parseFile(_ bytes: [UInt8]) throws(SchemaError) -> WorkspaceSchema {
    guard let root = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
      let objects = root["objects"] as? [String: Any]
    else {
      throw SchemaError(
        "not a schema file (expected {\"attio_pipe_schema\":1,\"objects\":{…}}, as "
          + "'attio-pipe check --save-schema FILE' writes)")
    }
    guard root["attio_pipe_schema"] as? Int == formatVersion else {
      throw SchemaError("unsupported schema file version (this attio-pipe reads version 1)")
    }
    var schema = WorkspaceSchema()
    for (name, list) in objects {
      schema.objects[name] = try AttributeSchema.parse(object: name, attributes: list)
    }
    return schema
  }

  /// Reads a schema file; the error says what is wrong with it.
  package static func load(path: String) throws(SchemaError) -> WorkspaceSchema {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw SchemaError("cannot read the schema file '\(path)'")
    }
    do {
      return try parseFile(Array(data))
    } catch {
      throw SchemaError("\(path): \(error.message)")
    }
  }
}
