import AttioPipeCore
import AttioPipeDelivery

// Design: how list entries travel through `build`, `send` and `deliver` (`--list-entry`).
//
// An entry's parent must exist before it: the person's write comes first. `build` prints each
// entry on its own line after its person's, marked like the account lines and naming its
// parent by email, since the record id is unknown until Attio answers:
//
//   {"object":"list_entries","list":"trials","data":{"values":{
//     "email_addresses":[{"email_address":"ada@example.com"}],"stage":"Trial"}}}
//
// `deliver` sends it as a linked write of the event's job (after the person and their user),
// and `send` as a job of its own in the person's lane, which follows the person's write: the
// plan finds the person (or uses the record id just learned), then asserts the entry by
// parent (`PUT /v2/lists/{list}/entries`), so one person has one entry per list. With
// `--forward-only` the status is left out of that assert and `PATCH`ed only when it moves
// forward (`ListEntryRules`).

/// Makes the list entry requests of `--list-entry`.
enum ListEntryRequestEncoder {
  /// The entries `person`'s event makes, in option order.
  static func requests(
    of person: PersonValues, _ settings: ListEntrySettings, emailSlug: String
  ) -> [UpsertRequest] {
    let mask = person.listEntries
    guard mask != 0 else { return [] }
    return settings.specs.indices.compactMap { index in
      guard mask & (1 << UInt32(index)) != 0 else { return nil }
      return UpsertRequest(
        entryIn: settings.specs[index].list, of: person.email, emailSlug: emailSlug,
        values: settings.values[index].map {
          UpsertRequest.Attribute(slug: $0.slug, value: $0.json)
        })
    }
  }
}
