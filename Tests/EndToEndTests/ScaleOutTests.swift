import Foundation
import TestSupport
import Testing

/// Evidence for Documentation/ScaleOut.md ("When one machine is not enough"): N instances,
/// each fed one share of a topic keyed by `anonymousId`, together print what one instance
/// prints for the whole stream, up to the order between different people; and the one case
/// where they do not (a `userId` seen on several devices whose `anonymousId`s land in
/// different partitions).
@Suite(.timeLimit(.minutes(10))) struct ScaleOutTests {
  private static let instances = 3

  /// The whole stream through one process, then each partition through a process of its own
  /// (all partitions at once, as N consumers would run): same bodies, and for every person
  /// the same bodies in the same order.
  @Test func partitionsByAnonymousIdPrintWhatOneProcessPrints() async throws {
    let lines = ScaleOutStream.generate(visitors: 400, seed: 20_260_311)
    #expect(lines.count > 2_500)
    // The caveat is kept out of this stream: every userId belongs to one anonymousId only.
    var deviceOfUser: [String: Set<String>] = [:]
    for line in lines {
      let event = try ScaleOutStream.object(line)
      if let user = event["userId"] as? String, let anonymous = event["anonymousId"] as? String {
        deviceOfUser[user, default: []].insert(anonymous)
      }
    }
    #expect(deviceOfUser.count > 150)
    #expect(deviceOfUser.values.allSatisfy { $0.count == 1 })

    let parts = try ScaleOutStream.partition(lines, into: Self.instances)
    for part in parts { #expect(part.count > lines.count / (2 * Self.instances)) }

    let single = try await BinaryRunner.run(["build"], stdin: ScaleOutStream.data(lines))
    let runs = try await ScaleOutStream.runConcurrently(parts, arguments: ["build"])
    #expect(single.status == 0)
    for run in runs { #expect(run.status == 0, "\(run.stderrText)") }

    let singleBodies = ScaleOutStream.bodies(single.stdout)
    let partBodies = runs.map { ScaleOutStream.bodies($0.stdout) }
    let unionBodies = partBodies.flatMap { $0 }
    #expect(singleBodies.count > 600)
    for bodies in partBodies { #expect(!bodies.isEmpty) }

    // The union, as a multiset of lines, is the single run's output.
    #expect(unionBodies.count == singleBodies.count)
    let (missing, extra) = ScaleOutStream.multisetDifference(singleBodies, unionBodies)
    #expect(missing.isEmpty, "bodies of the single run that no instance printed: \(missing)")
    #expect(extra.isEmpty, "bodies printed by an instance but not by the single run: \(extra)")

    // Stronger, "up to order across people": each person's bodies are printed by one
    // instance only, and in the single run's order.
    let singleByEmail = try ScaleOutStream.groupedByEmail(singleBodies)
    let partsByEmail = try partBodies.map(ScaleOutStream.groupedByEmail)
    var unionByEmail: [String: [String]] = [:]
    for byEmail in partsByEmail {
      for (email, bodies) in byEmail {
        #expect(unionByEmail[email] == nil, "\(email) was upserted by two instances")
        unionByEmail[email, default: []] += bodies
      }
    }
    #expect(singleByEmail.count > 150)
    #expect(Set(unionByEmail.keys) == Set(singleByEmail.keys))
    for (email, bodies) in singleByEmail {
      #expect(unionByEmail[email] == bodies, "bodies for \(email) differ")
    }
    // People whose values change over time (a re-identify with a new title) are what makes
    // the order check bite: there must be some.
    #expect(singleByEmail.values.contains { Set($0).count > 2 })
  }

  /// The caveat. Dana signs up on a laptop and later logs in on a phone; the phone's
  /// anonymousId hashes to another partition. One process links the phone to Dana through
  /// the shared userId, so the phone's events produce bodies and the title set on the phone
  /// reaches the laptop's later Lead Generated. Scaled out, the link anonymousId→userId lives
  /// only on the instance that saw it, and Dana's traits (her email above all) only on the
  /// laptop's instance: the phone's instance has no email for its events and skips them, and
  /// the laptop's instance never learns the new title. Everyone else is unaffected.
  @Test func aUserOnTwoDevicesInTwoPartitionsIsSeenInHalves() async throws {
    let base = ScaleOutStream.generate(visitors: 120, seed: 7)
    let laptop = "anon-dana-laptop"
    let laptopPart = ScaleOutStream.partition(of: laptop, into: Self.instances)
    let phone = (0...).lazy.map { "anon-dana-phone-\($0)" }
      .first { ScaleOutStream.partition(of: $0, into: Self.instances) != laptopPart }!
    let user = "user-dana"
    let email = "dana.scully@example.org"
    let dana: [String] = [
      #"{"type":"page","anonymousId":"\#(laptop)","messageId":"dana-1","name":"Pricing"}"#,
      #"{"type":"identify","anonymousId":"\#(laptop)","userId":"\#(user)","messageId":"dana-2","traits":{"email":"\#(email)","first_name":"Dana","last_name":"Scully","title":"Engineer"}}"#,
      #"{"type":"track","anonymousId":"\#(laptop)","userId":"\#(user)","messageId":"dana-3","event":"Signed Up"}"#,
      #"{"type":"page","anonymousId":"\#(phone)","messageId":"dana-4","name":"Home"}"#,
      #"{"type":"track","anonymousId":"\#(phone)","userId":"\#(user)","messageId":"dana-5","event":"Logged In"}"#,
      #"{"type":"identify","anonymousId":"\#(phone)","userId":"\#(user)","messageId":"dana-6","traits":{"title":"Head of Platform"}}"#,
      #"{"type":"track","anonymousId":"\#(laptop)","userId":"\#(user)","messageId":"dana-7","event":"Lead Generated","properties":{"lead_source":"webinar"}}"#,
    ]
    // Spread Dana's events through the stream, in their own order.
    var lines: [String] = []
    var next = 0
    for (index, line) in base.enumerated() {
      while next < dana.count && index == (next + 1) * base.count / (dana.count + 1) {
        lines.append(dana[next])
        next += 1
      }
      lines.append(line)
    }
    #expect(next == dana.count)

    let parts = try ScaleOutStream.partition(lines, into: Self.instances)
    let phonePart = ScaleOutStream.partition(of: phone, into: Self.instances)
    #expect(parts[laptopPart].contains(dana[1]))
    #expect(parts[phonePart].contains(dana[4]))

    let single = try await BinaryRunner.run(["build"], stdin: ScaleOutStream.data(lines))
    let runs = try await ScaleOutStream.runConcurrently(parts, arguments: ["build", "--verbose"])
    #expect(single.status == 0)
    for run in runs { #expect(run.status == 0) }
    let singleByEmail = try ScaleOutStream.groupedByEmail(ScaleOutStream.bodies(single.stdout))
    let unionByEmail = try ScaleOutStream.groupedByEmail(
      runs.flatMap { ScaleOutStream.bodies($0.stdout) })

    let identity =
      #""email_addresses":[{"email_address":"dana.scully@example.org"}],"#
      + #""name":[{"first_name":"Dana","last_name":"Scully","full_name":"Dana Scully"}]"#
    func body(title: String, leadSource: String? = nil) -> String {
      let description = leadSource.map { #","description":[{"value":"\#($0)"}]"# } ?? ""
      return
        #"{"data":{"values":{\#(identity),"job_title":[{"value":"\#(title)"}]\#(description)}}}"#
    }
    // One process: identify, Signed Up, the phone's Logged In and identify, and the Lead
    // Generated carrying the title set on the phone.
    #expect(
      singleByEmail[email] == [
        body(title: "Engineer"), body(title: "Engineer"), body(title: "Engineer"),
        body(title: "Head of Platform"), body(title: "Head of Platform", leadSource: "webinar"),
      ])
    // Three instances: the phone's two events are gone, and the Lead Generated still says
    // Engineer. Each body is a correct upsert; together they are not the single run's.
    #expect(
      unionByEmail[email] == [
        body(title: "Engineer"), body(title: "Engineer"),
        body(title: "Engineer", leadSource: "webinar"),
      ])
    #expect(unionByEmail[email] != singleByEmail[email])

    // Why: the phone's instance never saw Dana's email.
    let phoneDiagnostics = runs[phonePart].stderrText
    for messageId in ["dana-5", "dana-6"] {
      #expect(
        phoneDiagnostics.contains(
          #""messageId":"\#(messageId)","kind":"skipped","reason":"no_email""#))
    }

    // The difference is confined to Dana.
    #expect(Set(unionByEmail.keys) == Set(singleByEmail.keys))
    for (other, bodies) in singleByEmail where other != email {
      #expect(unionByEmail[other] == bodies, "bodies for \(other) differ")
    }
  }
}

/// A deterministic, Segment-shaped event stream and the Kafka-like plumbing around it.
private enum ScaleOutStream {
  /// SplitMix64: small, fast and the same on every platform (unlike `SystemRandomNumberGenerator`).
  struct Random {
    var state: UInt64

    mutating func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }

    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
    mutating func hex(_ digits: Int) -> String {
      (0..<digits).map { _ in String(below(16), radix: 16) }.joined()
    }
  }

  static let firstNames = [
    "Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Margaret", "Ken", "Frances", "Dennis",
    "Radia", "Linus", "Sophie", "John", "Hedy", "Tim", "Karen", "Niklaus", "Anita", "Leslie",
  ]
  static let lastNames = [
    "Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Hamilton", "Thompson",
    "Allen", "Ritchie", "Perlman", "Torvalds", "Wilson", "Backus", "Lamarr", "Berners-Lee",
    "Spärck Jones", "Wirth", "Borg", "Lamport",
  ]
  static let titles = [
    "Engineer", "Senior Engineer", "Staff Engineer", "Engineering Manager", "CTO", "Founder",
    "Product Manager", "Designer", "Data Scientist", "Head of Growth",
  ]
  static let domains = [
    "example.com", "example.org", "example.net", "corp.example", "mail.example",
  ]
  static let pages = [
    ("Home", "/"), ("Pricing", "/pricing"), ("Docs", "/docs"), ("Blog", "/blog/launch"),
    ("Careers", "/careers"), ("Integrations", "/integrations/attio"), ("Changelog", "/changelog"),
  ]
  static let leadSources = ["webinar", "ebook", "demo request", "newsletter", "partner referral"]
  static let agents = [
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
  ]

  /// One visitor's events, in order, without `messageId` and `timestamp` (given on emission).
  static func visitor(_ index: Int, _ random: inout Random) -> [[String: Any]] {
    let anonymousId = [random.hex(8), random.hex(4), random.hex(4), random.hex(4), random.hex(12)]
      .joined(separator: "-")
    let agent = random.pick(agents)
    let ip = "198.51.100.\(random.below(254) + 1)"
    var events: [[String: Any]] = []
    var userId: String?
    func ids() -> [String: Any] {
      var event: [String: Any] = ["anonymousId": anonymousId]
      if let userId { event["userId"] = userId }
      return event
    }
    func page() {
      let (name, path) = random.pick(pages)
      var event = ids()
      event["type"] = "page"
      event["name"] = name
      event["properties"] = ["path": path, "url": "https://example.com\(path)"]
      event["context"] = ["userAgent": agent, "ip": ip]
      events.append(event)
    }
    func track(_ name: String, _ properties: [String: Any] = [:]) {
      var event = ids()
      event["type"] = "track"
      event["event"] = name
      event["properties"] = properties
      events.append(event)
    }
    func identify(_ traits: [String: Any]) {
      var event = ids()
      event["type"] = "identify"
      event["traits"] = traits
      events.append(event)
    }
    func lead() {
      track(
        random.chance(80) ? "Lead Generated" : "lead_generated",
        random.chance(60) ? ["lead_source": random.pick(leadSources)] : [:])
    }

    for _ in 0..<(1 + random.below(7)) { page() }
    if random.chance(30) { track("Product Viewed", ["sku": "PRO-\(random.below(9) + 1)"]) }
    // An anonymous lead: eligible, but no email is known yet, so every run skips it.
    if random.chance(8) { lead() }
    guard random.chance(65) else { return events }

    userId = "user-\(10_000 + index)"
    let first = random.pick(firstNames)
    let last = random.pick(lastNames)
    let local = String("\(first).\(last)".lowercased().filter { $0.isASCII && $0 != " " })
    let email = "\(local).\(index)@\(random.pick(domains))"
    var traits: [String: Any] = [
      // Some senders do not normalise case or whitespace; attio-pipe does.
      "email": random.chance(15) ? " \(email.capitalized) " : email
    ]
    switch random.below(3) {
    case 0: (traits["first_name"], traits["last_name"]) = (first, last)
    case 1: (traits["firstName"], traits["lastName"]) = (first, last)
    default: traits["name"] = "\(first) \(last)"
    }
    if random.chance(70) { traits[random.chance(50) ? "title" : "job_title"] = random.pick(titles) }
    if random.chance(30) { traits["phone"] = "+44 20 7946 0\(100 + random.below(900))" }
    identify(traits)
    track(
      random.chance(60) ? (random.chance(85) ? "Signed Up" : "signed_up") : "Logged In",
      ["method": random.pick(["email", "google", "github"])])

    for _ in 0..<random.below(6) {
      switch random.below(10) {
      case 0...3: page()
      case 4, 5: track("Logged In")
      case 6, 7: lead()
      case 8: track("Feature Used", ["feature": random.pick(["export", "import", "share"])])
      default:
        // A change of title: the same person's later bodies differ from the earlier ones.
        identify(["title": random.pick(titles)])
      }
    }
    return events
  }

  /// `visitors` visitors' events, interleaved as they would arrive: about 40 visitors are
  /// active at a time, each next event comes from one of them at random, and a visitor's own
  /// events keep their order.
  static func generate(visitors: Int, seed: UInt64) -> [String] {
    var random = Random(state: seed)
    let scripts = (0..<visitors).map { visitor($0, &random) }
    var cursor = Array(repeating: 0, count: visitors)
    var active: [Int] = []
    var nextVisitor = 0
    var lines: [String] = []
    let start = 1_780_000_000.0
    while nextVisitor < visitors || !active.isEmpty {
      while active.count < 40 && nextVisitor < visitors {
        active.append(nextVisitor)
        nextVisitor += 1
      }
      let slot = random.below(active.count)
      let who = active[slot]
      var event = scripts[who][cursor[who]]
      cursor[who] += 1
      if cursor[who] == scripts[who].count { active.remove(at: slot) }
      event["messageId"] = "m-\(lines.count + 1)"
      let time = Date(timeIntervalSince1970: start + Double(lines.count) * 0.731)
      event["timestamp"] = Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(time)
      let data = try! JSONSerialization.data(
        withJSONObject: event, options: [.sortedKeys, .withoutEscapingSlashes])
      lines.append(String(decoding: data, as: UTF8.self))
    }
    return lines
  }

  /// FNV-1a (64-bit) of the key's UTF-8 bytes. Kafka's own partitioners use murmur2 or CRC32;
  /// any stable hash of the key gives the property under test: one key, one partition.
  static func partition(of key: String, into count: Int) -> Int {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in key.utf8 {
      hash ^= UInt64(byte)
      hash &*= 0x0000_0100_0000_01B3
    }
    return Int(hash % UInt64(count))
  }

  /// Splits the stream by `anonymousId`, each part keeping the input order, as a topic keyed
  /// by `anonymousId` does.
  static func partition(_ lines: [String], into count: Int) throws -> [[String]] {
    var parts = Array(repeating: [String](), count: count)
    for line in lines {
      let key = try object(line)["anonymousId"] as? String ?? ""
      parts[partition(of: key, into: count)].append(line)
    }
    return parts
  }

  /// Runs the binary once per part, all at once.
  static func runConcurrently(
    _ parts: [[String]], arguments: [String]
  ) async throws -> [BinaryRunner.Result] {
    try await withThrowingTaskGroup(of: (Int, BinaryRunner.Result).self) { group in
      for (index, part) in parts.enumerated() {
        let input = data(part)
        group.addTask { (index, try await BinaryRunner.run(arguments, stdin: input)) }
      }
      var results = [BinaryRunner.Result?](repeating: nil, count: parts.count)
      for try await (index, result) in group { results[index] = result }
      return results.map { $0! }
    }
  }

  static func data(_ lines: [String]) -> Data {
    Data(lines.map { $0 + "\n" }.joined().utf8)
  }

  static func object(_ line: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
  }

  static func bodies(_ output: Data) -> [String] {
    String(decoding: output, as: UTF8.self).split(separator: "\n").map(String.init)
  }

  /// What `expected` has that `actual` lacks, and the reverse, counting repeats.
  static func multisetDifference(
    _ expected: [String], _ actual: [String]
  ) -> (missing: [String], extra: [String]) {
    var counts: [String: Int] = [:]
    for line in expected { counts[line, default: 0] += 1 }
    for line in actual { counts[line, default: 0] -= 1 }
    let missing = counts.filter { $0.value > 0 }.flatMap {
      Array(repeating: $0.key, count: $0.value)
    }
    let extra = counts.filter { $0.value < 0 }.flatMap {
      Array(repeating: $0.key, count: -$0.value)
    }
    return (missing.sorted(), extra.sorted())
  }

  /// Bodies by `email_addresses[0].email_address`, each person's in output order.
  static func groupedByEmail(_ bodies: [String]) throws -> [String: [String]] {
    var grouped: [String: [String]] = [:]
    for body in bodies {
      let values = try #require(
        (try object(body)["data"] as? [String: Any])?["values"] as? [String: Any])
      let emails = try #require(values["email_addresses"] as? [[String: Any]])
      let email = try #require(emails.first?["email_address"] as? String)
      grouped[email, default: []].append(body)
    }
    return grouped
  }
}
