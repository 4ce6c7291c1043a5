import Foundation

/// A person (or company) record as Attio returns it from a read: a records query or a `GET`
/// of one record. Only the current values (`active_until: null`) are kept, reduced to the
/// fields that decide whether a write would change anything.
///
/// Reads happen at Attio's read rate (100/s at most), so Foundation's JSON parser is fine
/// here; nothing of this is on the per-event path.
struct AttioRecord: Sendable, Equatable {
  /// One current value of an attribute, whatever its type; absent fields are nil.
  struct Value: Sendable, Equatable {
    var emailAddress: String?
    var originalPhoneNumber: String?
    var normalizedPhoneNumber: String?
    var firstName: String?
    var lastName: String?
    var fullName: String?
    /// `value` of text, number, checkbox, rating, date and timestamp values, as text.
    var text: String?
    var optionTitle: String?
    var domain: String?
    var targetRecordID: String?

    /// Whether the value holds nothing a person would call a value (an empty name or text).
    var isEmpty: Bool {
      [
        emailAddress, originalPhoneNumber, normalizedPhoneNumber, firstName, lastName, fullName,
        text, optionTitle, domain, targetRecordID,
      ].allSatisfy { ($0 ?? "").isEmpty }
    }
  }

  var id: String
  var values: [String: [Value]]

  enum ParseError: Error, Equatable {
    case notARecord(String)
  }

  /// The first record of a `POST …/records/query` answer (`{"data":[…]}`), nil when none.
  static func firstOfQuery(_ body: Data) throws(ParseError) -> AttioRecord? {
    guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
      let records = object["data"] as? [Any]
    else { throw .notARecord("a query answer without a data array") }
    guard let first = records.first else { return nil }
    return try record(first)
  }

  /// The record of a `GET`, `PATCH` or `POST` answer (`{"data":{…}}`).
  static func ofAnswer(_ body: Data) throws(ParseError) -> AttioRecord {
    guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
      let data = object["data"]
    else { throw .notARecord("an answer without a data object") }
    return try record(data)
  }

  private static func record(_ any: Any) throws(ParseError) -> AttioRecord {
    guard let object = any as? [String: Any],
      let id = (object["id"] as? [String: Any])?["record_id"] as? String
    else { throw .notARecord("a record without id.record_id") }
    // Its id goes into the PATCH's path: a record named otherwise is not written blind.
    guard RecordID.isCanonical(id) else { throw .notARecord("a record id that is not a UUID") }
    var values: [String: [Value]] = [:]
    for (slug, list) in object["values"] as? [String: Any] ?? [:] {
      values[slug] = (list as? [Any] ?? []).compactMap { entry in
        guard let entry = entry as? [String: Any] else { return nil }
        // A value that stopped being current is history, not what the record holds.
        if let until = entry["active_until"], !(until is NSNull) { return nil }
        return Value(entry)
      }
    }
    return AttioRecord(id: id, values: values)
  }
}

extension AttioRecord.Value {
  /// From one value object of Attio's read shape.
  init(_ entry: [String: Any]) {
    func string(_ key: String) -> String? {
      switch entry[key] {
      case let text as String: return text
      case let number as NSNumber: return number.stringValue
      default: return nil
      }
    }
    emailAddress = string("email_address")
    originalPhoneNumber = string("original_phone_number")
    normalizedPhoneNumber = string("normalized_phone_number")
    firstName = string("first_name")
    lastName = string("last_name")
    fullName = string("full_name")
    text = string("value")
    optionTitle =
      (entry["option"] as? [String: Any])?["title"] as? String
      ?? (entry["status"] as? [String: Any])?["title"] as? String
    domain = string("domain")
    targetRecordID = string("target_record_id")
  }
}
