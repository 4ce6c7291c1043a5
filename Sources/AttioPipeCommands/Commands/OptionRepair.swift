import AttioPipeCore
import AttioPipeDelivery
import Foundation

/// What `deliver` does when Attio answers 400 `value_not_found` to a write carrying mapped
/// select or status values: an option written may have been archived or renamed since the
/// options were read. The options of those attributes are read again (and shared with the
/// mapping, so later events convert by them), and the request is sent once more without the
/// options the workspace no longer has; a run-level warning names them. Nothing left out
/// (the error was about something else, such as a company not yet created): the write fails.
struct OptionRepair: Sendable {
  let reader: SchemaReader
  /// The mapped select and status attributes, by slug.
  let attributes: [String: AttributeSchema.Attribute]
  let live: LiveOptions
  let warn: @Sendable (String) -> Void

  init(
    reader: SchemaReader, mapped: [AttributeSchema.Attribute], live: LiveOptions,
    warn: @escaping @Sendable (String) -> Void
  ) {
    self.reader = reader
    attributes = Dictionary(
      mapped.filter(\.hasOptions).map { ($0.slug, $0) }, uniquingKeysWith: { first, _ in first })
    self.live = live
    self.warn = warn
  }

  func repair(_ request: UpsertRequest) -> UpsertRequest? {
    var repaired = request
    var dropped: [String] = []
    for attribute in request.attributes {
      guard let schema = attributes[attribute.slug],
        let options = try? reader.options(object: "people", attribute: schema)
      else { continue }
      live.set(options, for: schema.slug)
      let titles = Self.titles(in: attribute.value)
      let current = Set(options.map { $0.lowercased() })
      let kept = titles.filter { current.contains($0.lowercased()) }
      guard kept.count < titles.count else { continue }
      dropped += titles.filter { !current.contains($0.lowercased()) }.map {
        "\"\($0)\" of \(schema.slug)"
      }
      repaired.attributes.removeAll { $0.slug == attribute.slug }
      if !kept.isEmpty {
        repaired.attributes.append(
          UpsertRequest.Attribute(
            slug: attribute.slug,
            value: Self.encode(kept, key: schema.type == "status" ? "status" : "option")))
      }
    }
    guard !dropped.isEmpty else { return nil }
    warn(
      "Attio no longer has \(dropped.joined(separator: ", ")) (archived or renamed since the "
        + "options were read): left out of \(request.email)'s write, which is sent again")
    return repaired
  }

  /// The titles of `[{"option":"Pro"},…]` or `[{"status":"Trial"}]`, as the converter writes
  /// them.
  private static func titles(in value: [UInt8]) -> [String] {
    guard
      let items = (try? JSONSerialization.jsonObject(with: Data(value))) as? [[String: Any]]
    else { return [] }
    return items.compactMap { $0["option"] as? String ?? $0["status"] as? String }
  }

  private static func encode(_ titles: [String], key: String) -> [UInt8] {
    var output: [UInt8] = [UInt8(ascii: "[")]
    for (index, title) in titles.enumerated() {
      if index > 0 { output.append(UInt8(ascii: ",")) }
      output += Array("{\"\(key)\":".utf8)
      output.appendJSONString(title)
      output.append(UInt8(ascii: "}"))
    }
    output.append(UInt8(ascii: "]"))
    return output
  }
}
