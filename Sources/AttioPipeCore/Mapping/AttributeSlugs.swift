/// The Attio attribute slugs the mapping writes, with `--attribute NAME=SLUG` overrides for
/// workspaces that renamed a standard attribute (otherwise every upsert fails with 400).
public struct AttributeSlugs: Sendable, Equatable {
  /// The standard slugs, which are also the names `--attribute` accepts.
  public static let standardNames = [
    "email_addresses", "name", "phone_numbers", "job_title", "description",
  ]

  public var emailAddresses = "email_addresses"
  public var name = "name"
  public var phoneNumbers = "phone_numbers"
  public var jobTitle = "job_title"
  public var description = "description"

  public init() {}

  /// Every slug written, in body order.
  public var all: [String] { [emailAddresses, name, phoneNumbers, jobTitle, description] }

  /// Renames the attribute `standardName`; false when it is not one the mapping writes.
  public mutating func override(_ standardName: String, with slug: String) -> Bool {
    switch standardName {
    case "email_addresses": emailAddresses = slug
    case "name": name = slug
    case "phone_numbers": phoneNumbers = slug
    case "job_title": jobTitle = slug
    case "description": description = slug
    default: return false
    }
    return true
  }
}
