import AttioPipeCore
import Foundation

/// Reads what `build` prints (possibly edited with jq) back into an `UpsertRequest` for
/// `send`, renaming standard slugs per `--attribute`.
///
/// Values are kept as the text they were written in; only the email is decoded, because it is
/// the key that orders and merges requests. The send path runs at Attio's write rate, so the
/// small use of JSONSerialization here costs nothing that matters.
package struct RequestBodyParser: Sendable {
  let slugs: AttributeSlugs

  package init(slugs: AttributeSlugs) { self.slugs = slugs }

  package func parse(_ line: UnsafeBufferPointer<UInt8>) -> Result<UpsertRequest, JSONScanError> {
    var scanner = JSONScanner(line)
    let members: [(key: KeySpan, value: Range<Int>)]?
    do {
      members = try scanner.scanRequestBody()
    } catch {
      return .failure(error)
    }
    guard let members else {
      return .failure(JSONScanError(.invalidBody, at: 0, RequestBodyParser.whatItIs(line)))
    }
    guard !members.isEmpty else {
      return .failure(JSONScanError(.invalidBody, at: 0, "data.values has no attributes"))
    }
    switch RequestBodyParser.object(of: line) {
    case .people?, nil: break
    case .companies?: return RequestBodyParser.company(members, in: line)
    case .users?: return RequestBodyParser.account(.users, members, in: line)
    case .workspaces?: return RequestBodyParser.account(.workspaces, members, in: line)
    case .listEntries?: break
    case .unknown?:
      return .failure(
        JSONScanError(
          .invalidBody, at: 0,
          "unknown \"object\": 'send' writes people (no object member), \"companies\", \"users\", \"workspaces\" and \"list_entries\""
        ))
    }
    let emailSlug = slugs[.emailAddresses]
    // An entry's attributes are the list's: only its parent's email is a person attribute.
    let isEntry = RequestBodyParser.object(of: line) == .listEntries
    var attributes: [UpsertRequest.Attribute] = []
    for member in members {
      let name = JSONStringDecoder.decode(
        UnsafeBufferPointer(rebasing: line[member.key.start..<member.key.end]).span)
      let renamed = slugs.slug(forStandardName: name)
      let slug = isEntry && renamed != emailSlug ? name : renamed
      let value = Array(UnsafeBufferPointer(rebasing: line[member.value]))
      if let index = attributes.firstIndex(where: { $0.slug == slug }) {
        attributes[index].value = value  // a duplicate key: the last one wins
      } else {
        attributes.append(UpsertRequest.Attribute(slug: slug, value: value))
      }
    }
    guard let emailValue = attributes.first(where: { $0.slug == emailSlug })?.value,
      let email = RequestBodyParser.firstEmail(in: emailValue)
    else {
      return .failure(
        JSONScanError(.invalidBody, at: 0, "no valid email_addresses[0].email_address"))
    }
    if isEntry {
      // A person's list entry (`--list-entry`): its list, and the parent's email.
      guard let list = RequestBodyParser.topLevelString(named: "list", of: line), !list.isEmpty
      else {
        return .failure(JSONScanError(.invalidBody, at: 0, "a list_entries body without its list"))
      }
      return .success(
        UpsertRequest(
          entryIn: list, of: email, emailSlug: emailSlug,
          values: attributes.filter { $0.slug != emailSlug }))
    }
    var request = UpsertRequest(email: email, emailSlug: emailSlug, attributes: attributes)
    // A person linked to a company waits for that company's write (RecordGate).
    request.companyDomain = attributes.first { $0.slug == CompanyValues.personCompanySlug }
      .flatMap { RequestBodyParser.referencedDomain(in: $0.value) }
    return .success(request)
  }

  /// Why a JSON object is no request body, and what to do instead: `send` is often fed the
  /// results of `deliver` or the events themselves by mistake.
  private static func whatItIs(_ line: UnsafeBufferPointer<UInt8>) -> StaticString {
    let object = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] ?? [:]
    if object["status"] is String, object["request"] != nil || object["email"] != nil {
      return """
        this is a result line, not a request body; send its request: \
        jq -c 'select(.request) | .request' results.ndjson | attio-pipe send
        """
    }
    if object["type"] is String || object["event"] is String || object["traits"] != nil {
      return """
        this is an analytics event, not a request body; use 'attio-pipe deliver' for events \
        (or 'attio-pipe build' to make bodies)
        """
    }
    return "no data.values object: 'send' reads request bodies as 'attio-pipe build' prints them"
  }

  /// `[{"email_address": "..."}]` (or Attio's plain-string shorthand `["..."]`), normalised.
  private static func firstEmail(in value: [UInt8]) -> String? {
    guard let array = try? JSONSerialization.jsonObject(with: Data(value)) as? [Any],
      let first = array.first
    else { return nil }
    let raw = (first as? [String: Any])?["email_address"] as? String ?? first as? String
    return raw.flatMap(EmailAddress.normalize)
  }
}
