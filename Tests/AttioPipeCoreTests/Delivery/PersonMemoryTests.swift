import TestSupport
import Testing

@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// The compact person memory (PersonMemory.swift: slots, one arena of records, an
/// open-addressing index) against a plain dictionary model of what it must remember, and the
/// edges of its layout: long emails and many attributes (two-byte lengths), domains kept once
/// or not, sequence numbers beyond 32 bits, record ids that do not pack, garbage slid away,
/// copies that stay apart.
@Suite struct PersonMemoryTests {
  private static let uuid = "8c6a2f0e-41b1-4d0a-9f4e-2b7c1d3e5f60"

  private func request(
    _ email: String, _ attributes: [(String, String, UInt64)]
  ) -> UpsertRequest {
    UpsertRequest(
      email: email, emailSlug: "email_addresses",
      attributes: attributes.map { .init(slug: $0.0, value: Array($0.1.utf8), sequence: $0.2) })
  }

  private func contents(_ memory: PersonMemory) -> [PersonMemoryModel.Snapshot] {
    var people: [PersonMemoryModel.Snapshot] = []
    memory.forEachOldestFirst { people.append(.init(email: $0, recordId: $1, entries: $2)) }
    return people
  }

  /// Thousands of random operations on a small memory (so that people are forgotten, records
  /// rewritten and the arena compacted all the time), each answered and then compared whole
  /// with the model; now and then a copy is kept and checked later, and the memory goes
  /// through the state file and on from what was read.
  @Test(arguments: [1, 2, 3, 4] as [UInt64])
  func randomOperationsAgreeWithThePlainModel(seed: UInt64) throws {
    var random = SeededRandom(seed: seed)
    let capacity = [1, 7, 40, 40][Int(seed - 1)]
    var memory = PersonMemory(capacity: capacity, seed: seed, compactionFloor: 64)
    var model = PersonMemoryModel(capacity: capacity)
    let emails =
      (0..<60).map { "person\($0)@example.com" }
      + [
        "", "é@exämple.com", String(repeating: "long", count: 40) + "@example.com",
        String(repeating: "x", count: 127), String(repeating: "y", count: 128),
        // Domains pooled or not: empty, too short, the last `@`, too long, another one.
        "a@", "@example.com", "b@c.d", "x@y@example.com",
        "z@" + String(repeating: "d", count: 70) + ".com", "p1@other.org", "p2@other.org",
      ]
    let slugs = ["name", "job_title", "phone_numbers", "email_addresses", "company", "x"]
    let values = ["1", "2", "\"Ada\"", "[]", ""]
    let ids = [
      Self.uuid, "0000000a-0000-4000-8000-00000000000a", "00000000-0000-0000-0000-000000000000",
      Self.uuid.uppercased(), "..", "", String(repeating: "z", count: 255),
      String(repeating: "z", count: 256),
    ]
    func sequence() -> UInt64 {
      switch random.below(10) {
      case 0..<3: 0
      case 3..<8: UInt64(random.below(50))
      case 8: UInt64(UInt32.max) - 1 + UInt64(random.below(4))
      default: UInt64.max - UInt64(random.below(3))
      }
    }
    func randomRequest() -> UpsertRequest {
      // Now and then more than 127 attributes: the count takes two bytes.
      let count = random.chance(2) ? 130 + random.below(10) : random.below(5)
      // Half the time one sequence number for all, as one identify gives (a record keeps it
      // once); now and then with the email's 0 beside it.
      let shared = random.chance(50) ? sequence() : nil
      return request(
        random.pick(emails),
        (0..<count).map { number in
          (
            count > 6 ? "slug\(number % 135)" : random.pick(slugs), random.pick(values),
            shared.map { number == 0 && random.chance(50) ? 0 : $0 } ?? sequence()
          )
        })
    }
    var kept: (copy: PersonMemory, contents: [PersonMemoryModel.Snapshot])?
    for step in 0..<3_000 {
      let email = random.pick(emails)
      switch random.below(100) {
      case 0..<30:
        let request = randomRequest()
        memory.record(request)
        model.record(request)
      case 30..<45:
        let request = randomRequest()
        let answer = memory.changesNothing(request)
        #expect(answer == model.changesNothing(request), "step \(step)")
        // What was just recorded changes nothing.
        if random.chance(50) {
          memory.record(request)
          model.record(request)
          let again = memory.changesNothing(request)
          #expect(again == model.changesNothing(request), "step \(step)")
        }
      case 45..<55:
        var ours = randomRequest()
        var theirs = ours
        let removed = memory.removeOutdated(from: &ours)
        #expect(removed == model.removeOutdated(from: &theirs), "step \(step)")
        #expect(ours == theirs, "step \(step)")
      case 55..<62:
        memory.forgetValues(of: email)
        model.forgetValues(of: email)
      case 62..<72:
        let id = memory.recordId(of: email)
        #expect(id == model.recordId(of: email), "step \(step)")
      case 72..<85:
        let id = random.pick(ids)
        memory.learn(recordId: id, for: email)
        model.learn(recordId: id, for: email)
      case 85..<90:
        let id = random.pick(ids)
        let others = [email, random.pick(emails)]
        memory.forget(recordId: id, for: others)
        model.forget(recordId: id, for: others)
      case 90..<93:
        let entries = (0..<random.below(4)).map { _ in
          PersonMemory.Entry(
            slug: PersonMemory.hash(random.pick(slugs).utf8),
            value: random.chance(20) ? 0 : PersonMemory.hash(random.pick(values).utf8),
            sequence: sequence())
        }
        let id = random.pick(ids)
        memory.restore(email: email, recordId: id, entries: entries)
        model.restore(email: email, recordId: id, entries: entries)
      case 93..<96:
        if let (copy, expected) = kept { #expect(contents(copy) == expected, "step \(step)") }
        kept = (memory, model.contents)
      default:
        // Through the state file, as a rerun would load it (a non-UUID id is refused there).
        let bytes = DeliveredState.encode(memory)
        if model.people.values.allSatisfy({
          $0.recordId.isEmpty || RecordID.isCanonical($0.recordId)
        }) {
          let decoded = try DeliveredState.decode(bytes, capacity: capacity).memory
          #expect(contents(decoded) == model.contents, "step \(step)")
          #expect(decoded.evictions == 0)
          memory = decoded
          model.evictions = 0
        } else {
          #expect(throws: StateFileError.self) { try DeliveredState.decode(bytes) }
        }
      }
      #expect(memory.count == model.people.count, "step \(step)")
      #expect(memory.evictions == model.evictions, "step \(step)")
      let same = contents(memory) == model.contents
      #expect(same, "step \(step)")
      if !same { break }
    }
    if let (copy, expected) = kept { #expect(contents(copy) == expected) }
  }

  /// A sequence number beyond 32 bits turns the person's record wide (its entries rewritten
  /// with 8-byte sequence numbers) without losing anything, and a wide record stays wide.
  @Test func aSequenceBeyond32BitsWidensTheRecord() {
    var memory = PersonMemory(capacity: 10, seed: 1, compactionFloor: 0)
    memory.record(request("a@x.io", [("name", "1", 5), ("job_title", "2", 7)]))
    memory.record(request("b@x.io", [("name", "1", 5)]))
    memory.record(request("a@x.io", [("job_title", "3", 1 << 40)]))
    var outdated = request("a@x.io", [("job_title", "4", (1 << 40) - 1), ("name", "5", 6)])
    let removed = memory.removeOutdated(from: &outdated)
    #expect(removed == 1)
    #expect(outdated.attributes.map(\.slug) == ["name"])
    memory.record(request("a@x.io", [("company", "6", 2)]))
    let a = contents(memory).first { $0.email == "a@x.io" }
    #expect(
      a?.entries == [
        .init(
          slug: PersonMemory.hash("name".utf8), value: PersonMemory.hash("1".utf8), sequence: 5),
        .init(
          slug: PersonMemory.hash("job_title".utf8), value: PersonMemory.hash("3".utf8),
          sequence: 1 << 40),
        .init(
          slug: PersonMemory.hash("company".utf8), value: PersonMemory.hash("6".utf8), sequence: 2),
      ])
    let unchanged = memory.changesNothing(
      request("a@x.io", [("job_title", "3", 0), ("name", "1", 0)]))
    #expect(unchanged)
  }

  /// Slugs are numbered in a table; once it is full, a new slug is not remembered: a write
  /// carrying it is never skipped as unchanged, and nothing of it is taken out as outdated,
  /// while the slugs that have a number work on.
  @Test func aSlugPastAFullTableIsNotRemembered() {
    var memory = PersonMemory(capacity: 10, seed: 4, compactionFloor: 0, slugLimit: 2)
    memory.record(request("a@x.io", [("name", "1", 5), ("job_title", "2", 5), ("city", "3", 5)]))
    memory.record(request("b@x.io", [("city", "3", 5)]))
    let numbered = memory.changesNothing(
      request("a@x.io", [("name", "1", 0), ("job_title", "2", 0)]))
    let withCity = memory.changesNothing(request("a@x.io", [("name", "1", 0), ("city", "3", 0)]))
    let onlyCity = memory.changesNothing(request("b@x.io", [("city", "3", 0)]))
    #expect(numbered && !withCity && !onlyCity)
    var older = request("a@x.io", [("name", "0", 4), ("city", "0", 4)])
    let removed = memory.removeOutdated(from: &older)
    #expect(removed == 1)
    #expect(older.attributes.map(\.slug) == ["city"])
    #expect(contents(memory).map(\.entries.count) == [2, 0])
  }

  /// Record ids are kept in 16 bytes when they are Attio's lower-case UUIDs; anything else is
  /// kept as written, and each comes back exactly.
  @Test func recordIdsComeBackAsLearned() {
    var memory = PersonMemory(capacity: 10)
    let ids = [Self.uuid, Self.uuid.uppercased(), "..", "00000000-0000-0000-0000-000000000000"]
    for (number, id) in ids.enumerated() { memory.learn(recordId: id, for: "\(number)@x.io") }
    for (number, id) in ids.enumerated() {
      let learned = memory.recordId(of: "\(number)@x.io")
      #expect(learned == id)
    }
    // Forgetting needs the exact id: the upper-case spelling is another id.
    memory.forget(recordId: Self.uuid.uppercased(), for: ["0@x.io"])
    let kept = memory.recordId(of: "0@x.io")
    #expect(kept == Self.uuid)
    memory.forget(recordId: Self.uuid, for: ["0@x.io", "1@x.io"])
    let forgotten = memory.recordId(of: "0@x.io")
    #expect(forgotten == nil)
    let other = memory.recordId(of: "1@x.io")
    #expect(other == Self.uuid.uppercased())
    memory.learn(recordId: "", for: "1@x.io")
    let cleared = memory.recordId(of: "1@x.io")
    #expect(cleared == nil)
    memory.learn(recordId: String(repeating: "z", count: 256), for: "new@x.io")
    #expect(memory.count == ids.count)
  }

  /// Packing is exact: a lower-case canonical UUID comes back byte for byte, anything else is
  /// not packed.
  @Test func onlyLowerCaseCanonicalUUIDsPack() throws {
    var random = SeededRandom(seed: 9)
    for _ in 0..<200 {
      let digits = (0..<32).map { _ in random.pick(Array("0123456789abcdef")) }
      var text = String(digits)
      for position in [8, 13, 18, 23] {
        text.insert("-", at: text.index(text.startIndex, offsetBy: position))
      }
      let packed = try #require(RecordID.pack(text))
      #expect(RecordID.text(packed) == text)
    }
    for text in [
      Self.uuid.uppercased(), "..", "", String(Self.uuid.dropLast()) + "g",
      String(Self.uuid.dropLast()), "8c6a2f0e41b14d0a9f4e2b7c1d3e5f60----",
    ] {
      #expect(RecordID.pack(text) == nil, "\(text)")
    }
  }

  /// A copy (a `--state` snapshot) does not see what the original does afterwards, nor the
  /// original what is done to the copy.
  @Test func aCopyStaysApart() {
    var memory = PersonMemory(capacity: 3, seed: 2, compactionFloor: 0)
    memory.record(request("a@x.io", [("name", "1", 1)]))
    memory.learn(recordId: Self.uuid, for: "a@x.io")
    let copy = memory
    let before = contents(copy)
    memory.record(request("a@x.io", [("name", "2", 2), ("job_title", "3", 3)]))
    memory.forgetValues(of: "a@x.io")
    for email in ["b@x.io", "c@x.io", "d@x.io"] { memory.record(request(email, [("x", "1", 1)])) }
    #expect(contents(copy) == before)
    var second = copy
    second.learn(recordId: "", for: "a@x.io")
    #expect(contents(copy) == before)
    #expect(contents(second).first?.recordId == "")
  }

  /// Many people forgotten and replaced, and records moved to the end as they gain an
  /// attribute: the arena's garbage is slid away, so the memory stays the size of what it holds.
  @Test func garbageIsReclaimed() {
    var memory = PersonMemory(capacity: 100, seed: 3, compactionFloor: 4_096)
    for number in 0..<20_000 {
      memory.record(request("person\(number)@example.com", [("name", "\(number)", 1)]))
      if number >= 10 {
        memory.record(request("person\(number - 10)@example.com", [("job_title", "x", 1)]))
      }
    }
    #expect(memory.count == 100)
    #expect(memory.evictions == 19_900)
    // 100 people of about 75 bytes, plus at most the garbage floor or a quarter: without
    // compaction this would be 1.5 MB.
    #expect(memory.heldBytes < 24_000)
    let people = contents(memory)
    #expect(people.count == 100)
    #expect(people.last?.email == "person19989@example.com")
    #expect(people.last?.entries.count == 2)
  }

  /// What a person costs, so that the layout does not drift back towards a few hundred bytes
  /// each: 10 000 people with four attributes and a record id each.
  @Test func aPersonWithFourAttributesCostsUnder100Bytes() {
    var memory = PersonMemory(capacity: 1_000_000)
    for number in 0..<10_000 {
      let email = "person\(number)@example.com"
      memory.record(
        request(
          email,
          [
            ("email_addresses", "[\"\(email)\"]", 0), ("name", "\"Ada \(number)\"", UInt64(number)),
            ("job_title", "\"Engineer\"", UInt64(number)), ("phone_numbers", "[]", UInt64(number)),
          ]))
      memory.learn(recordId: Self.uuid, for: email)
    }
    // A slot of 32 bytes, 6.5 bytes of index (16 384 buckets), a record of 1 + 1 + 10 + 3 + 1
    // + 4 + 4 × 10 bytes (the domain pooled, one sequence number for the three that have one,
    // rounded to an even size): 98.
    #expect(memory.heldBytes / 10_000 < 100)
  }
}
