/// What a `group` call says about a company: its id and the traits the company mapping reads.
///
/// Read from the line only for `group` calls under `--companies` (rare next to page views
/// and tracks), with `JSONFieldReader`, so the scanner's hot path knows nothing of companies.
/// The line has been validated by the scanner before.
package struct GroupEvent: Equatable, Sendable {
  /// `groupId` (or `group_id`, which wins): a string, or a number's literal text; nil when
  /// absent or blank.
  package var groupId: String?
  /// `traits.name`.
  package var name: String?
  /// `traits.website` and `traits.domain`, as given (the mapping reduces them to a host).
  var website: String?
  var domain: String?
  /// The raw JSON text of each trait that `--map-company` names (`traits.NAME` → NAME), for
  /// the typed converter; absent traits are left out.
  package var mappedTraits: [String: [UInt8]] = [:]

  init(groupId: String? = nil, name: String? = nil, website: String? = nil, domain: String? = nil) {
    self.groupId = groupId
    self.name = name
    self.website = website
    self.domain = domain
  }

  /// Reads a validated `group` line. Trait keys match ignoring ASCII case (`Website`);
  /// `mapped` names the traits of `--map-company`, matched exactly. The last duplicate wins.
  package init(line: Span<UInt8>, mapped: [String] = []) {
    var camelId: String?
    var snakeId: String?
    for member in JSONFieldReader.members(in: line) {
      switch member.key {
      case "groupId": camelId = GroupEvent.nonBlank(JSONFieldReader.text(member.value, in: line))
      case "group_id": snakeId = GroupEvent.nonBlank(JSONFieldReader.text(member.value, in: line))
      case "traits":
        // A repeated `traits` replaces the earlier one, as in the scanner.
        name = nil
        website = nil
        domain = nil
        mappedTraits = [:]
        guard JSONFieldReader.isObject(member.value, in: line) else { continue }
        for trait in JSONFieldReader.members(ofObjectAt: member.value.lowerBound, in: line) {
          switch trait.key.lowercased() {
          case "name": name = GroupEvent.nonBlank(JSONFieldReader.string(trait.value, in: line))
          case "website":
            website = GroupEvent.nonBlank(JSONFieldReader.string(trait.value, in: line))
          case "domain":
            domain = GroupEvent.nonBlank(JSONFieldReader.string(trait.value, in: line))
          default: break
          }
          if mapped.contains(trait.key) {
            mappedTraits[trait.key] = line.extracting(trait.value).array
          }
        }
      default: continue
      }
    }
    groupId = snakeId ?? camelId
  }

  private static func nonBlank(_ text: String?) -> String? {
    guard let trimmed = text?.trimmingWhitespace(), !trimmed.isEmpty else { return nil }
    return trimmed
  }
}
