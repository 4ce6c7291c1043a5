/// Turns the raw JSON text of a mapped value (`"Pro"`, `42`, `true`, `["a","b"]`) into the
/// value Attio accepts for one attribute, by the attribute's type. Independent of the object:
/// people's `--map` and companies' `--map-company` share it.
///
/// Runs per event: the value is read by hand from its bytes, not with Foundation's JSON.
package struct AttributeValueConverter: Sendable {
  enum Outcome: Equatable, Sendable {
    /// The attribute's value as the body carries it: the JSON text of an array of Attio's
    /// write forms, e.g. `[{"option":"Pro"}]`.
    case value([UInt8])
    /// Nothing to write and nothing wrong: `null`, a blank string, an empty list.
    case absent
    /// The value cannot be written; the reason says why, for the warning. `partial`: the
    /// values of a multiselect that could be converted (the others are left out).
    case failure(String, partial: [UInt8]?)
  }

  /// For `phone-number` attributes: numbers without an international prefix get this
  /// normaliser's country (`--default-country`).
  var phoneNormalizer = PhoneNumberNormalizer(defaultRegion: nil)

  package init(phoneNormalizer: PhoneNumberNormalizer = PhoneNumberNormalizer(defaultRegion: nil)) {
    self.phoneNormalizer = phoneNormalizer
  }

  /// The types `--map` can write. Others (`personal-name`, `location`, `interaction`,
  /// `actor-reference`, …) are refused at start.
  static let supportedTypes: Set<String> = [
    "text", "number", "checkbox", "currency", "date", "timestamp", "rating", "select", "status",
    "email-address", "phone-number", "domain", "record-reference",
  ]

  func convert(_ raw: [UInt8], to attribute: AttributeSchema.Attribute) -> Outcome {
    if let outcome = convertPlain(raw, to: attribute) { return outcome }
    return convertInGeneral(raw, to: attribute)
  }

  /// The commonest values on a short path: a plain printable ASCII string, or a number, for a
  /// single-valued text, select, status or number attribute, converted straight from the bytes.
  /// Nil for anything else, and for values it would reject (the general path says why); tests
  /// compare the two paths.
  func convertPlain(_ raw: [UInt8], to attribute: AttributeSchema.Attribute) -> Outcome? {
    guard !attribute.isMultiselect, let first = raw.first else { return nil }
    let isString = first == UInt8(ascii: "\"")
    if isString {
      // Printable ASCII without escapes: the text is the bytes between the quotes.
      guard raw.count >= 2, raw.last == UInt8(ascii: "\""),
        raw.dropFirst().dropLast().allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != 0x5C })
      else { return nil }
    } else {
      guard first == UInt8(ascii: "-") || (0x30...0x39).contains(first) else { return nil }
    }
    var start = isString ? 1 : 0
    var end = isString ? raw.count - 1 : raw.count
    while start < end && raw[start] == 0x20 { start += 1 }
    while end > start && raw[end - 1] == 0x20 { end -= 1 }
    let text = String(decoding: raw[start..<end], as: UTF8.self)
    // A number literal the general reader takes (it refuses one no Double holds, `1e400`).
    if !isString && RawValue.canonicalNumber(text) == nil { return nil }
    switch attribute.type {
    case "text":
      guard !text.isEmpty else { return isString ? .absent : nil }
      return .value(Self.single("value", text))
    case "select", "status":
      guard isString else { return nil }
      guard !text.isEmpty else { return .absent }
      guard let match = attribute.option(matching: text) else { return nil }
      return .value(Self.single(attribute.type == "select" ? "option" : "status", match))
    case "number":
      guard !(isString && text.isEmpty) else { return .absent }
      guard let number = RawValue.canonicalNumber(text) else { return nil }
      var output: [UInt8] = [UInt8(ascii: "[")]
      Self.appendObject("value", number: number, to: &output)
      output.append(UInt8(ascii: "]"))
      return .value(output)
    default:
      return nil
    }
  }

  /// Every value and type: the value parsed, then converted item by item.
  func convertInGeneral(_ raw: [UInt8], to attribute: AttributeSchema.Attribute) -> Outcome {
    guard var value = RawValue.parse(raw) else {
      return .failure("not a JSON value", partial: nil)
    }
    if case .array(let items) = value, !attribute.isMultiselect {
      // One value in a list is still one value.
      switch items.count {
      case 0: return .absent
      case 1: value = items[0]
      default: return .failure("\(items.count) values for a single-value attribute", partial: nil)
      }
    }
    var items: [RawValue]
    switch value {
    case .null: return .absent
    case .array(let list): items = list
    case .string(let text) where attribute.type == "select" && attribute.isMultiselect:
      // "a, b" is how many forms send a multi-select.
      items = text.split(separator: ",").map { .string(String($0)) }
    default: items = [value]
    }
    items.removeAll { $0 == .null || $0.isBlank }
    guard !items.isEmpty else { return .absent }
    var elements: [[UInt8]] = []
    var failures: [String] = []
    for item in items {
      switch convertOne(item, to: attribute) {
      case .success(let element):
        if !elements.contains(element) { elements.append(element) }
      case .failure(let failure):
        failures.append(failure.reason)
      }
    }
    let body = elements.isEmpty ? nil : Self.array(elements)
    if !failures.isEmpty { return .failure(failures.joined(separator: "; "), partial: body) }
    return .value(body!)
  }

  /// `{"key":"text"}`: the write form of most types.
  private static func appendObject(_ key: StaticString, _ text: String, to output: inout [UInt8]) {
    output.append("{\"")
    output.append(key)
    output.append("\":")
    output.appendJSONString(text)
    output.append(UInt8(ascii: "}"))
  }

  /// `{"key":12}`: a number's literal as it is.
  private static func appendObject(
    _ key: StaticString, number: String, to output: inout [UInt8]
  ) {
    output.append("{\"")
    output.append(key)
    output.append("\":")
    output.append(contentsOf: number.utf8)
    output.append(UInt8(ascii: "}"))
  }

  /// A one-element array of `{"key":"text"}`.
  private static func single(_ key: StaticString, _ text: String) -> [UInt8] {
    var output: [UInt8] = [UInt8(ascii: "[")]
    appendObject(key, text, to: &output)
    output.append(UInt8(ascii: "]"))
    return output
  }

  struct Failure: Error, Equatable {
    var reason: String
    init(_ reason: String) { self.reason = reason }
  }

  private static func array(_ elements: [[UInt8]]) -> [UInt8] {
    var output: [UInt8] = [UInt8(ascii: "[")]
    for (index, element) in elements.enumerated() {
      if index > 0 { output.append(UInt8(ascii: ",")) }
      output += element
    }
    output.append(UInt8(ascii: "]"))
    return output
  }

  private func convertOne(_ value: RawValue, to attribute: AttributeSchema.Attribute)
    -> Result<[UInt8], Failure>
  {
    var output: [UInt8] = []
    switch attribute.type {
    case "text":
      guard let text = value.text else {
        return .failure(Failure("expected text, got \(value.kind)"))
      }
      Self.appendObject("value", text, to: &output)
    case "number", "currency":
      guard let number = value.numberText else {
        return .failure(Failure("\(value.shown) is not a number"))
      }
      Self.appendObject(
        attribute.type == "number" ? "value" : "currency_value", number: number, to: &output)
    case "checkbox":
      guard let flag = value.flag else {
        return .failure(Failure("\(value.shown) is not true or false"))
      }
      output += (flag ? "true" : "false").utf8
    case "date":
      guard let text = value.string, let date = ISODateTime(text.trimmingWhitespace()) else {
        return .failure(Failure("\(value.shown) is not an ISO 8601 date"))
      }
      output.appendJSONString(date.dateText)
    case "timestamp":
      guard let text = value.string, let moment = ISODateTime(text.trimmingWhitespace()) else {
        return .failure(Failure("\(value.shown) is not an ISO 8601 timestamp"))
      }
      guard let utc = moment.utcText else {
        return .failure(
          Failure("\(value.shown) has no \(moment.time == nil ? "time" : "time zone")"))
      }
      output.appendJSONString(utc)
    case "rating":
      guard let number = value.numberText.flatMap(Double.init), number == number.rounded(),
        (0...5).contains(number)
      else {
        return .failure(Failure("a rating is a whole number from 0 to 5, not \(value.shown)"))
      }
      output += String(Int(number)).utf8
    case "select", "status":
      guard let title = value.text?.trimmingWhitespace() else {
        return .failure(Failure("expected an option title, got \(value.kind)"))
      }
      let key = attribute.type == "select" ? "option" : "status"
      guard attribute.options != nil else {
        return .failure(Failure("the attribute's options are not known"))
      }
      guard let match = attribute.option(matching: title) else {
        return .failure(Failure("unknown \(key) \"\(title)\""))
      }
      output.append("{\"")
      output += key.utf8
      output.append("\":")
      output.appendJSONString(match)
      output.append("}")
    case "email-address":
      guard let text = value.string, let email = EmailAddress.normalize(text) else {
        return .failure(Failure("\(value.shown) is not a valid email address"))
      }
      Self.appendObject("email_address", email, to: &output)
    case "phone-number":
      guard let text = value.text, let phone = phoneNormalizer.normalize(text) else {
        return .failure(Failure("\(value.shown) is not a phone number that can be normalised"))
      }
      Self.appendObject("original_phone_number", phone, to: &output)
    case "domain":
      guard let text = value.string, let domain = CompanyDomain.extract(text) else {
        return .failure(Failure("\(value.shown) is not a domain"))
      }
      Self.appendObject("domain", domain, to: &output)
    case "record-reference":
      // The same host name `--companies` makes of a group's website, so the reference finds
      // the company it created.
      guard let text = value.string, let domain = CompanyDomain.extract(text) else {
        return .failure(Failure("\(value.shown) is not a company domain"))
      }
      CompanyValues.appendReference(to: domain, into: &output)
    default:
      return .failure(Failure("type \(attribute.type) cannot be mapped"))
    }
    return .success(output)
  }
}

/// A mapped value, read from JSON text the scanner has validated.
private enum RawValue: Equatable {
  case null
  case bool(Bool)
  /// The literal text.
  case number(String)
  case string(String)
  case array([RawValue])
  case object

  static func parse(_ bytes: [UInt8]) -> RawValue? {
    var reader = Reader(bytes: bytes)
    guard let value = reader.value() else { return nil }
    reader.skipWhitespace()
    return reader.index == bytes.count ? value : nil
  }

  var kind: String {
    switch self {
    case .null: "null"
    case .bool: "a boolean"
    case .number: "a number"
    case .string: "a string"
    case .array: "a list"
    case .object: "an object"
    }
  }

  /// How the value is named in a warning.
  var shown: String {
    switch self {
    case .string(let text): "\"\(text)\""
    case .number(let literal): literal
    case .bool(let flag): flag ? "true" : "false"
    default: kind
    }
  }

  var isBlank: Bool {
    if case .string(let text) = self { return text.trimmingWhitespace().isEmpty }
    return false
  }

  var string: String? {
    if case .string(let text) = self { return text }
    return nil
  }

  /// Text for a text attribute: strings trimmed, numbers and booleans as written.
  var text: String? {
    switch self {
    case .string(let text): text.trimmingWhitespace()
    case .number(let literal): literal
    case .bool(let flag): flag ? "true" : "false"
    default: nil
    }
  }

  /// A JSON number (from a number or a numeric string), rounded to Attio's four decimals.
  var numberText: String? {
    let literal: String
    switch self {
    case .number(let text): literal = text
    case .string(let text): literal = text.trimmingWhitespace()
    default: return nil
    }
    return RawValue.canonicalNumber(literal)
  }

  var flag: Bool? {
    switch self {
    case .bool(let flag): return flag
    case .number(let literal):
      switch Double(literal) {
      case 1: return true
      case 0: return false
      default: return nil
      }
    case .string(let text):
      switch text.trimmingWhitespace().lowercased() {
      case "true", "yes", "1", "on": return true
      case "false", "no", "0", "off": return false
      default: return nil
      }
    default: return nil
    }
  }

  /// `42`, `-0.5`, `1e3` as JSON numbers Attio keeps (at most four decimals): a plain literal
  /// with few enough decimals is kept as written, anything else is rounded.
  static func canonicalNumber(_ text: String) -> String? {
    let bytes = Array(text.utf8)
    var index = 0
    if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
    let integerStart = index
    while index < bytes.count, (0x30...0x39).contains(bytes[index]) { index += 1 }
    guard index > integerStart else { return nil }
    var decimals = 0
    var plain = true
    if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
      index += 1
      let start = index
      while index < bytes.count, (0x30...0x39).contains(bytes[index]) { index += 1 }
      guard index > start else { return nil }
      decimals = index - start
    }
    if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
      plain = false
      index += 1
      if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")
      {
        index += 1
      }
      let start = index
      while index < bytes.count, (0x30...0x39).contains(bytes[index]) { index += 1 }
      guard index > start else { return nil }
    }
    guard index == bytes.count, let number = Double(text), number.isFinite else { return nil }
    // A leading zero ("007") is not JSON: write such numbers out again.
    let leadingZero =
      bytes.count - integerStart > 1 && bytes[integerStart] == UInt8(ascii: "0")
      && integerStart + 1 < bytes.count && (0x30...0x39).contains(bytes[integerStart + 1])
    if plain && decimals <= 4 && !leadingZero { return text }
    let scaled = (number * 10_000).rounded()
    guard abs(scaled) < 9e18 else { return plain ? nil : String(number) }
    let units = Int64(scaled)
    let whole = units / 10_000
    var fraction = String(abs(units % 10_000))
    fraction = String(repeating: "0", count: 4 - fraction.count) + fraction
    while fraction.hasSuffix("0") { fraction.removeLast() }
    let sign = units < 0 && whole == 0 ? "-" : ""
    return sign + String(whole) + (fraction.isEmpty ? "" : "." + fraction)
  }
}

private func isWhitespace(_ byte: UInt8) -> Bool {
  byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
}

private struct Reader {
  let bytes: [UInt8]
  var index = 0

  mutating func skipWhitespace() {
    while index < bytes.count, isWhitespace(bytes[index]) { index += 1 }
  }

  mutating func value() -> RawValue? {
    skipWhitespace()
    guard index < bytes.count else { return nil }
    switch bytes[index] {
    case UInt8(ascii: "\""):
      index += 1
      let start = index
      while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
        index += bytes[index] == UInt8(ascii: "\\") ? 2 : 1
      }
      guard index < bytes.count else { return nil }
      let text = bytes[start..<index].withUnsafeBufferPointer { JSONStringDecoder.decode($0.span) }
      index += 1
      return .string(text)
    case UInt8(ascii: "["):
      index += 1
      var items: [RawValue] = []
      skipWhitespace()
      if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
        index += 1
        return .array(items)
      }
      while true {
        guard let item = value() else { return nil }
        items.append(item)
        skipWhitespace()
        guard index < bytes.count else { return nil }
        if bytes[index] == UInt8(ascii: ",") {
          index += 1
          continue
        }
        guard bytes[index] == UInt8(ascii: "]") else { return nil }
        index += 1
        return .array(items)
      }
    case UInt8(ascii: "{"):
      var depth = 0
      while index < bytes.count {
        switch bytes[index] {
        case UInt8(ascii: "\""):
          index += 1
          while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
            index += bytes[index] == UInt8(ascii: "\\") ? 2 : 1
          }
        case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
        case UInt8(ascii: "}"), UInt8(ascii: "]"):
          depth -= 1
          if depth == 0 {
            index += 1
            return .object
          }
        default: break
        }
        index += 1
      }
      return nil
    default:
      let start = index
      while index < bytes.count, bytes[index] != UInt8(ascii: ","),
        bytes[index] != UInt8(ascii: "]"), !isWhitespace(bytes[index])
      {
        index += 1
      }
      let literal = String(decoding: bytes[start..<index], as: UTF8.self)
      switch literal {
      case "null": return .null
      case "true": return .bool(true)
      case "false": return .bool(false)
      default: return RawValue.canonicalNumber(literal) != nil ? .number(literal) : nil
      }
    }
  }
}
