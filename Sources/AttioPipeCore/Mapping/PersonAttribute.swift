/// The Attio attributes the mapping writes, in body order.
package enum PersonAttribute: String, CaseIterable, Sendable {
  case emailAddresses = "email_addresses"
  case name
  case phoneNumbers = "phone_numbers"
  case jobTitle = "job_title"
  case description
}
