@testable import AttioPipeDelivery

/// `PersonMemory`'s behaviour written the plainest way (a dictionary of people and an array
/// for the LRU order), for the randomised test that runs both side by side: what the compact
/// memory answers and holds must be what this answers and holds, operation for operation.
struct PersonMemoryModel {
  struct Person: Equatable {
    var recordId = ""
    var entries: [PersonMemory.Entry] = []
  }

  let capacity: Int
  private(set) var people: [String: Person] = [:]
  /// Least recently used first.
  private(set) var order: [String] = []
  var evictions = 0

  init(capacity: Int) { self.capacity = max(1, capacity) }

  /// Every person, least recently used first, as `PersonMemory.forEachOldestFirst` gives them.
  var contents: [Snapshot] {
    order.map { Snapshot(email: $0, recordId: people[$0]!.recordId, entries: people[$0]!.entries) }
  }

  struct Snapshot: Equatable, CustomStringConvertible {
    var email: String
    var recordId: String
    var entries: [PersonMemory.Entry]

    var description: String { "\(email) [\(recordId)] \(entries.count) entries" }
  }

  mutating func changesNothing(_ request: UpsertRequest) -> Bool {
    guard let person = use(request.email) else { return false }
    return request.attributes.allSatisfy { attribute in
      guard let entry = person.entries.first(where: { $0.slug == hash(attribute.slug) }) else {
        return false
      }
      return entry.value != 0 && entry.value == PersonMemory.hash(attribute.value)
    }
  }

  func removeOutdated(from request: inout UpsertRequest) -> Int {
    guard let person = people[request.email] else { return 0 }
    let before = request.attributes.count
    request.attributes.removeAll { attribute in
      guard attribute.sequence > 0,
        let entry = person.entries.first(where: { $0.slug == hash(attribute.slug) })
      else { return false }
      return entry.sequence > attribute.sequence
    }
    return before - request.attributes.count
  }

  mutating func record(_ request: UpsertRequest) {
    useOrAdd(request.email)
    for attribute in request.attributes {
      set(
        request.email,
        PersonMemory.Entry(
          slug: hash(attribute.slug), value: PersonMemory.hash(attribute.value),
          sequence: attribute.sequence))
    }
  }

  mutating func forgetValues(of email: String) {
    guard people[email] != nil else { return }
    for index in people[email]!.entries.indices { people[email]!.entries[index].value = 0 }
  }

  mutating func recordId(of email: String) -> String? {
    guard let person = use(email), !person.recordId.isEmpty else { return nil }
    return person.recordId
  }

  mutating func learn(recordId: String, for email: String) {
    guard recordId.utf8.count <= 255 else { return }
    useOrAdd(email)
    people[email]!.recordId = recordId
  }

  mutating func forget(recordId: String, for emails: [String]) {
    for email in emails {
      guard let person = people[email], !person.recordId.isEmpty,
        person.recordId.utf8.elementsEqual(recordId.utf8)
      else { continue }
      people[email]!.recordId = ""
    }
  }

  mutating func restore(email: String, recordId: String, entries: [PersonMemory.Entry]) {
    if !recordId.isEmpty { learn(recordId: recordId, for: email) }
    useOrAdd(email)
    for entry in entries { set(email, entry) }
  }

  private func hash(_ slug: String) -> UInt64 { PersonMemory.hash(slug.utf8) }

  private mutating func use(_ email: String) -> Person? {
    guard let person = people[email] else { return nil }
    order.removeAll { $0 == email }
    order.append(email)
    return person
  }

  private mutating func useOrAdd(_ email: String) {
    guard use(email) == nil else { return }
    if people.count >= capacity {
      people[order.removeFirst()] = nil
      evictions += 1
    }
    people[email] = Person()
    order.append(email)
  }

  private mutating func set(_ email: String, _ entry: PersonMemory.Entry) {
    if let index = people[email]!.entries.firstIndex(where: { $0.slug == entry.slug }) {
      people[email]!.entries[index].value = entry.value
      people[email]!.entries[index].sequence = max(
        entry.sequence, people[email]!.entries[index].sequence)
    } else {
      people[email]!.entries.append(entry)
    }
  }
}
