import AttioPipeCore
import Dispatch
import Foundation

/// Reads a workspace's schema from Attio: an object's attributes (`GET
/// /v2/objects/{object}/attributes`), the options or statuses of its select and status
/// attributes, and the objects' ids (so a reference's target reads `companies`). Used at the
/// start of `deliver` and by `check`, and for an options refresh: each request is waited for,
/// since nothing else can be done before its answer.
package final class SchemaReader: Sendable {
  private let transport: CurlTransport
  private let endpoint: String

  /// A read that failed: the path and what Attio (or the network) said.
  package struct Failure: Error, Sendable {
    var path: String
    package var status: Int?
    var detail: String
    /// 401 or 403: the key cannot read the schema.
    package var isAuthentication: Bool { status == 401 || status == 403 }

    package var message: String { "GET \(path): \(detail)" }
  }

  package init(settings: DeliverySettings, userAgent: String) {
    endpoint = settings.endpoint.redactedDescription
    transport = CurlTransport(
      endpoint: settings.endpoint, token: settings.token, timeout: settings.scheduler.timeout,
      userAgent: userAgent,
      callbackQueue: DispatchQueue(label: "attio-pipe.schema"))
  }

  deinit { transport.shutdown() }

  /// The object's attributes, with the options of every select and status attribute among
  /// `optionsFor` (all of them when nil).
  package func read(object: String, optionsFor slugs: Set<String>? = nil) throws(Failure)
    -> AttributeSchema
  {
    let objectSlugs = (try? objectSlugs()) ?? [:]
    let path = AttributeSchema.attributesPath(object: object)
    let list = try data(path)
    var schema: AttributeSchema
    do {
      schema = try AttributeSchema.parse(object: object, attributes: list, objectSlugs: objectSlugs)
    } catch {
      throw Failure(path: endpoint + path, status: 200, detail: error.message)
    }
    for attribute in schema.attributes
    where attribute.hasOptions && !attribute.isArchived && (slugs?.contains(attribute.slug) ?? true)
    {
      schema.setOptions(try options(object: object, attribute: attribute), for: attribute.slug)
    }
    return schema
  }

  /// The current titles of a select's options or a status attribute's statuses.
  package func options(object: String, attribute: AttributeSchema.Attribute) throws(Failure)
    -> [String]
  {
    let path = AttributeSchema.optionsPath(object: object, attribute: attribute)
    guard let list = try data(path) as? [Any] else {
      throw Failure(path: endpoint + path, status: 200, detail: "an answer without a data list")
    }
    return AttributeSchema.parseOptions(list)
  }

  /// Object id → slug, from `GET /v2/objects`.
  func objectSlugs() throws(Failure) -> [String: String] {
    var slugs: [String: String] = [:]
    for case let object as [String: Any] in try data("/v2/objects") as? [Any] ?? [] {
      if let id = (object["id"] as? [String: Any])?["object_id"] as? String,
        let slug = object["api_slug"] as? String
      {
        slugs[id] = slug
      }
    }
    return slugs
  }

  /// The `data` of a 200 answer to a GET of `path`.
  func read(path: String) throws(Failure) -> Any {
    try data(path)
  }

  /// The `data` of a 200 answer to a GET.
  private func data(_ path: String) throws(Failure) -> Any {
    let box = AnswerSlot()
    transport.send(TransportRequest(method: "GET", path: path, body: nil)) { box.set($0) }
    let response = box.wait()
    guard let status = response.status else {
      throw Failure(
        path: endpoint + path, status: nil, detail: response.transportError ?? "no response")
    }
    guard status == 200,
      let object = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any],
      let data = object["data"]
    else {
      let message = response.error.map { ": \($0.code): \($0.message)" } ?? ""
      throw Failure(path: endpoint + path, status: status, detail: "HTTP \(status)\(message)")
    }
    return data
  }
}
