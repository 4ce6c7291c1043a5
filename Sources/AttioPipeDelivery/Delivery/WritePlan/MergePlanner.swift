import Foundation

/// Decides what a merge-mode write sends to a person Attio already holds: the `PATCH` that
/// brings the record up to the wanted values without deleting anything, or nothing at all.
///
/// Why not the assert: it replaces every multiselect list but the matching one, so a person's
/// office phone disappears when a form sends their mobile. A `PATCH` prepends the multiselect
/// values it carries and removes none (Documentation/AttioAPI.md, "Writing without deleting:
/// find, then update or create"), so the planner sends only the values the record lacks:
///
/// - the matching attribute (emails): addresses the record does not hold, compared ignoring
///   case;
/// - phone numbers: numbers whose E.164 form the record does not hold (its
///   `normalized_phone_number`, or the original where Attio gave none);
/// - other multiselect attributes: values whose option title, domain, target record or text
///   the record does not hold;
/// - single-value attributes: the value when it differs from the record's (names compare all
///   three parts), and for `onlyIfEmpty` attributes only when the record has none;
/// - an attribute whose value cannot be read (not a JSON array) is sent as it is: the planner
///   cannot show that it changes nothing.
struct MergePlanner: Sendable {
  /// The slug of the matching attribute (`email_addresses`, or its `--attribute` rename).
  var emailSlug: String
  /// The slug phones are written under.
  var phoneSlug: String
  /// Slugs whose values Attio keeps as a list (phones and emails are always lists).
  var multiselect: Set<String>
  /// Slugs written only when the record has no current value (`--only-if-empty`).
  var onlyIfEmpty: Set<String>
  /// Company domain → record id, learned from this run's company writes: a person's
  /// `company` reference by domain is then seen to be unchanged (MergePlanner+Companies).
  var companyRecordIds: [String: String] = [:]

  /// What to send: the attributes of the `PATCH` (empty: nothing would change), and the
  /// addresses it adds to the record.
  struct Write: Sendable, Equatable {
    var attributes: [UpsertRequest.Attribute]
    var addedEmails: [String]

    var changesNothing: Bool { attributes.isEmpty }
  }

  func plan(_ wanted: UpsertRequest, against record: AttioRecord) -> Write {
    var write = Write(attributes: [], addedEmails: [])
    for attribute in wanted.attributes {
      let current = record.values[attribute.slug] ?? []
      guard let values = try? JSONSerialization.jsonObject(with: Data(attribute.value)) as? [Any]
      else {
        write.attributes.append(attribute)
        continue
      }
      if attribute.slug == emailSlug || attribute.slug == phoneSlug
        || multiselect.contains(attribute.slug)
      {
        let held = Set(current.compactMap { key(of: $0, slug: attribute.slug) })
        var seen: Set<String> = []
        let missing = values.filter { value in
          guard let key = key(ofWanted: value, slug: attribute.slug) else { return true }
          return !held.contains(key) && seen.insert(key).inserted
        }
        guard !missing.isEmpty else { continue }
        if attribute.slug == emailSlug {
          write.addedEmails += missing.compactMap { key(ofWanted: $0, slug: emailSlug) }
        }
        write.attributes.append(
          UpsertRequest.Attribute(slug: attribute.slug, value: MergePlanner.encode(missing)))
        continue
      }
      if holdsCompany(attribute, current) { continue }
      let holdsAValue = current.contains { !$0.isEmpty }
      if onlyIfEmpty.contains(attribute.slug) && holdsAValue { continue }
      if let first = values.first, let held = current.first,
        MergePlanner.same(first, as: held), values.count == 1, current.count == 1
      {
        continue
      }
      if values.isEmpty && !holdsAValue { continue }
      write.attributes.append(attribute)
    }
    return write
  }

  /// The comparison key of a value the record holds, for a multiselect slug.
  private func key(of value: AttioRecord.Value, slug: String) -> String? {
    if slug == emailSlug { return value.emailAddress?.lowercased() }
    if slug == phoneSlug { return value.normalizedPhoneNumber ?? value.originalPhoneNumber }
    return value.optionTitle?.lowercased() ?? value.domain?.lowercased() ?? value.targetRecordID
      ?? value.text ?? value.emailAddress?.lowercased()
  }

  /// The comparison key of a value to write (object or string form).
  private func key(ofWanted value: Any, slug: String) -> String? {
    if let text = value as? String {
      return slug == phoneSlug || slug == emailSlug ? text.lowercased() : text
    }
    guard let object = value as? [String: Any] else { return nil }
    if slug == emailSlug { return (object["email_address"] as? String)?.lowercased() }
    if slug == phoneSlug { return object["original_phone_number"] as? String }
    let option = object["option"] as? String ?? object["status"] as? String
    return option?.lowercased() ?? (object["domain"] as? String)?.lowercased()
      ?? object["target_record_id"] as? String ?? (object["value"] as? String)
      ?? (object["email_address"] as? String)?.lowercased()
  }

  /// Whether a wanted single value equals what the record holds.
  private static func same(_ wanted: Any, as held: AttioRecord.Value) -> Bool {
    guard let object = wanted as? [String: Any] else {
      return (wanted as? String) == held.text || (wanted as? String) == held.optionTitle
    }
    if object["first_name"] != nil || object["last_name"] != nil || object["full_name"] != nil {
      return object["first_name"] as? String ?? "" == held.firstName ?? ""
        && object["last_name"] as? String ?? "" == held.lastName ?? ""
        && object["full_name"] as? String ?? "" == held.fullName ?? ""
    }
    if let value = object["value"] {
      let text = (value as? String) ?? (value as? NSNumber)?.stringValue
      return text != nil && text == held.text
    }
    if let option = object["option"] as? String ?? object["status"] as? String {
      return option.lowercased() == held.optionTitle?.lowercased()
    }
    return false
  }

  private static func encode(_ values: [Any]) -> [UInt8] {
    let data =
      (try? JSONSerialization.data(
        withJSONObject: values, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("[]".utf8)
    return Array(data)
  }
}
