import Foundation
import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// Reading the attribute list as Attio answers it, and the schema file round trip.
@Suite struct AttributeSchemaTests {
  static let answer = """
    {"data":[
     {"api_slug":"plan","type":"select","is_multiselect":false,"is_writable":true,"is_archived":false,
      "config":{"currency":{"default_currency_code":null},"record_reference":{"allowed_object_ids":null}}},
     {"api_slug":"mrr","type":"currency","is_multiselect":false,"is_writable":true,"is_archived":false,
      "config":{"currency":{"default_currency_code":"USD"}}},
     {"api_slug":"accounts","type":"record-reference","is_multiselect":true,"is_writable":true,
      "is_archived":false,"config":{"record_reference":{"allowed_object_ids":["c-id"]}}},
     {"api_slug":"lead_score","type":"number","is_writable":false},
     {"api_slug":"old","type":"text","is_archived":true},
     {"api_slug":"last_email_interaction","type":"interaction","is_writable":false}
    ]}
    """

  private func schema() throws -> AttributeSchema {
    let object = try JSONSerialization.jsonObject(with: Data(Self.answer.utf8)) as! [String: Any]
    return try AttributeSchema.parse(
      object: "people", attributes: object["data"]!, objectSlugs: ["c-id": "companies"])
  }

  @Test func readsTypesFlagsCurrencyAndReferenceTargets() throws {
    let schema = try schema()
    #expect(schema.attributes.map(\.slug).count == 6)
    #expect(schema["plan"]?.type == "select")
    #expect(schema["plan"]?.hasOptions == true)
    #expect(schema["plan"]?.options == nil)
    #expect(schema["mrr"]?.currencyCode == "USD")
    #expect(schema["accounts"]?.isMultiselect == true)
    #expect(schema["accounts"]?.referencedObjects == ["companies"])
    #expect(schema["lead_score"]?.isWritable == false)
    #expect(schema["old"]?.isArchived == true)
  }

  @Test func optionsDropArchivedOnes() {
    let options = AttributeSchema.parseOptions([
      ["title": "Free", "is_archived": false], ["title": "Legacy", "is_archived": true],
      ["title": "Pro"],
    ])
    #expect(options == ["Free", "Pro"])
  }

  @Test func theFileRoundTrips() throws {
    var people = try schema()
    people.setOptions(["Free", "Pro"], for: "plan")
    let workspace = WorkspaceSchema(objects: ["people": people])
    let read = try WorkspaceSchema.parseFile(workspace.fileContents())
    #expect(read == workspace)
    // Saved twice, byte-identical: a diff shows only what changed.
    #expect(workspace.fileContents() == read.fileContents())
  }

  @Test func aFileThatIsNoSchemaSaysHowToGetOne() {
    #expect(throws: SchemaError.self) { try WorkspaceSchema.parseFile(Array("{}".utf8)) }
    do {
      _ = try WorkspaceSchema.parseFile(Array("[1]".utf8))
    } catch {
      #expect(error.message.contains("check --save-schema"))
    }
  }

  @Test func mappingsTheWorkspaceCannotTakeAreRefused() throws {
    let schema = try schema()
    func problem(_ source: String, _ slug: String, reserved: Set<String> = []) -> String? {
      do {
        _ = try AttributeMapping.resolve(
          [AttributeMapping(source: MappedSource(source)!, slug: slug)], in: schema,
          reserved: reserved)
        return nil
      } catch {
        return error.message
      }
    }
    #expect(problem("traits.plan", "plan") == nil)
    #expect(problem("traits.x", "nope")?.contains("has no attribute 'nope'") == true)
    #expect(problem("traits.x", "lead_score")?.contains("read-only") == true)
    #expect(problem("traits.x", "old")?.contains("archived") == true)
    #expect(problem("traits.x", "last_email_interaction")?.contains("read-only") == true)
    #expect(
      problem("traits.x", "plan", reserved: ["plan"])?.contains("standard mapping") == true)
    let twice = [
      AttributeMapping(source: MappedSource("traits.a")!, slug: "plan"),
      AttributeMapping(source: MappedSource("traits.b")!, slug: "plan"),
    ]
    #expect(throws: AttributeMapping.Problem.self) {
      try AttributeMapping.resolve(twice, in: schema)
    }
  }

  @Test func sourcesParse() {
    #expect(MappedSource("traits.plan")?.path == ["plan"])
    #expect(MappedSource("context.campaign.source")?.path == ["campaign", "source"])
    #expect(MappedSource("properties.plan")?.root == .properties)
    #expect(MappedSource("plan") == nil)
    #expect(MappedSource("traits.") == nil)
    #expect(MappedSource("event.plan") == nil)
  }
}
