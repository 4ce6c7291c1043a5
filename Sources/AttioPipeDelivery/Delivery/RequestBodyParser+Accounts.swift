import AttioPipeCore
import Foundation

// Users and workspaces bodies for `send` (`--users`, `--workspaces`), as `build` prints them
// (design in Output/AccountRequestEncoder.swift):
//   {"object":"users","data":{"values":{"user_id":…,"primary_email_address":…,"person":…}}}
//   {"object":"workspaces","data":{"values":{"workspace_id":…,"name":…,"company":…}}}
//   {"object":"users","operation":"add","data":{"values":{"user_id":…,"workspace":[…]}}}

extension RequestBodyParser {
  /// A users or workspaces body: matched on its id attribute; waits (`RecordGate`) for the
  /// records it references by matching attribute that this run also writes, and an `add` for
  /// its own record's write.
  static func account(
    _ object: AttioObject, _ members: [(key: KeySpan, value: Range<Int>)],
    in line: UnsafeBufferPointer<UInt8>
  ) -> Result<UpsertRequest, JSONScanError> {
    let attributes = plainAttributes(members, in: line)
    let idSlug = object == .users ? UserValues.userIdSlug : WorkspaceValues.workspaceIdSlug
    guard let idValue = attributes.first(where: { $0.slug == idSlug })?.value,
      let id = firstText(in: idValue), !id.isEmpty
    else {
      return .failure(
        JSONScanError(
          .invalidBody, at: 0,
          object == .users
            ? "a users body without its user_id" : "a workspaces body without its workspace_id"))
    }
    let operation: UpsertRequest.Operation
    switch Self.topLevelString(named: "operation", of: line) {
    case nil, "assert"?: operation = .assert
    case "add"?: operation = .add
    case _?:
      return .failure(
        JSONScanError(.invalidBody, at: 0, "unknown \"operation\": \"add\", or none to assert"))
    }
    var request = UpsertRequest(
      object, id: id, idSlug: idSlug, attributes: attributes, operation: operation)
    var awaited = operation == .add ? [request.email] : []
    for attribute in attributes where attribute.slug != idSlug {
      for key in referencedKeys(in: attribute.value) {
        if let domain = key.domain {
          request.companyDomain = domain
        } else if let key = key.recordKey, !awaited.contains(key) {
          awaited.append(key)
        }
      }
    }
    request.awaitedKeys = awaited
    return .success(request)
  }

  /// A top-level string member of a body line (the last one, for duplicates).
  static func topLevelString(named name: String, of line: UnsafeBufferPointer<UInt8>)
    -> String?
  {
    guard let member = JSONFieldReader.members(in: line.span).last(where: { $0.key == name })
    else { return nil }
    return JSONFieldReader.string(member.value, in: line.span)
  }

  /// `[{"value":"u-42"}]`, `["u-42"]`, `{"value":"u-42"}` or `"u-42"`.
  private static func firstText(in value: [UInt8]) -> String? {
    guard
      let parsed = try? JSONSerialization.jsonObject(with: Data(value), options: .fragmentsAllowed)
    else { return nil }
    let first = (parsed as? [Any])?.first ?? parsed
    return (first as? [String: Any])?["value"] as? String ?? first as? String
  }

  /// A reference a body makes by matching attribute: to a company (by domain, the gate's
  /// `companyDomain`) or to another record's key.
  private struct Reference {
    var domain: String?
    var recordKey: String?
  }

  /// The records an attribute's value references by matching attribute (references by id
  /// wait for nothing: that record exists).
  private static func referencedKeys(in value: [UInt8]) -> [Reference] {
    guard
      let parsed = try? JSONSerialization.jsonObject(with: Data(value), options: .fragmentsAllowed)
    else { return [] }
    let items = parsed as? [Any] ?? [parsed]
    var references: [Reference] = []
    for case let reference as [String: Any] in items {
      switch reference["target_object"] as? String {
      case AttioObject.companies.rawValue?:
        if let domain = referencedDomain(in: Array(value)) {
          references.append(Reference(domain: domain))
        }
      case AttioObject.people.rawValue?:
        let emails = reference["email_addresses"] as? [Any] ?? []
        let raw =
          (emails.first as? [String: Any])?["email_address"] as? String
          ?? emails.first as? String
        if let email = raw.flatMap({ EmailAddress.normalize($0) }) {
          references.append(Reference(recordKey: email))
        }
      case let target?:
        guard let object = AttioObject(rawValue: target), object == .users || object == .workspaces
        else { continue }
        let slug = object == .users ? UserValues.userIdSlug : WorkspaceValues.workspaceIdSlug
        guard let given = reference[slug],
          let data = try? JSONSerialization.data(withJSONObject: given, options: .fragmentsAllowed),
          let id = firstText(in: Array(data))
        else { continue }
        references.append(Reference(recordKey: UpsertRequest.recordKey(object, id)))
      case nil:
        continue
      }
    }
    return references
  }
}
