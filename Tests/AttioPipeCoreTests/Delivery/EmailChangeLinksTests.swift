import Foundation
import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// SplitMix64: a small seeded generator, so a failing random sequence can be run again.
private struct SeededGenerator: RandomNumberGenerator {
  private var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// The bookkeeping of email changes between lanes, alone: each operation, and its invariants
/// after every step of random sequences checked against a plain model.
@Suite struct EmailChangeLinksTests {
  @Test func namingIsKeptBothWaysAndForgottenWithTheLane() {
    var links = EmailChangeLinks()
    links.name("old@x", by: "new@x")
    links.name("old@x", by: "new@x")
    links.name("old@x", by: "other@x")
    links.name("self@x", by: "self@x")
    #expect(links.lanesNaming("old@x") == ["new@x", "other@x"])
    #expect(links.lanesNaming("self@x").isEmpty)
    links.forgetNames(of: "new@x")
    #expect(links.lanesNaming("old@x") == ["other@x"])
    links.forgetNames(of: "other@x")
    #expect(links.lanesNaming("old@x").isEmpty)
    #expect(links.invariantViolations().isEmpty)
  }

  @Test func waitersAreWokenOnceInTheOrderTheyBeganWaiting() {
    var links = EmailChangeLinks()
    links.wait("b@x", for: "a@x")
    links.wait("c@x", for: "a@x")
    links.wait("d@x", for: "e@x")
    #expect(links.removeWaiters(of: "a@x") == ["b@x", "c@x"])
    #expect(links.removeWaiters(of: "a@x").isEmpty)
    links.removeAllWaiting()
    #expect(links.removeWaiters(of: "e@x").isEmpty)
  }

  @Test func aLaneIsHeldUntilTheLastBatchHoldingItIsDone() {
    var links = EmailChangeLinks()
    links.hold("old@x", by: 1, of: "new@x")
    links.hold("old@x", by: 1, of: "new@x")  // the same batch: still one hold
    links.hold("old@x", by: 4, of: "other@x")
    links.hold("own@x", by: 5, of: "own@x")  // never its own lane
    #expect(links.isHeld("old@x"))
    #expect(!links.isHeld("own@x"))
    #expect(links.isHolding(batch: 1))
    #expect(!links.isHolding(batch: 5))
    #expect(links.releaseHold(of: 1) == "old@x")
    #expect(links.isHeld("old@x"))
    #expect(links.releaseHold(of: 1) == nil)
    #expect(links.releaseHold(of: 4) == "old@x")
    #expect(!links.isHeld("old@x"))
    #expect(links.invariantViolations().isEmpty)
  }

  /// Random operations on a few addresses; after each one the invariants hold and every
  /// answer matches a model that keeps the relations the plainest way.
  @Test(arguments: 1...20) func randomOperationsKeepTheInvariants(seed: UInt64) {
    var random = SeededGenerator(seed: seed)
    let emails = ["a@x", "b@x", "c@x", "d@x"]
    var links = EmailChangeLinks()
    var names: Set<[String]> = []  // [lane, previous]
    var waiting: [String: [String]] = [:]
    var holds: [Int: String] = [:]
    for step in 0..<400 {
      let lane = emails.randomElement(using: &random)!
      let other = emails.randomElement(using: &random)!
      let order = Int.random(in: 0..<8, using: &random)
      switch Int.random(in: 0..<7, using: &random) {
      case 0, 1:
        links.name(other, by: lane)
        if other != lane { names.insert([lane, other]) }
      case 2:
        links.forgetNames(of: lane)
        names = names.filter { $0[0] != lane }
      case 3:
        guard lane != other else { continue }
        links.wait(lane, for: other)
        waiting[other, default: []].append(lane)
      case 4:
        #expect(links.removeWaiters(of: other) == (waiting.removeValue(forKey: other) ?? []))
      case 5:
        links.hold(other, by: order, of: lane)
        if other != lane && holds[order] == nil { holds[order] = other }
      default:
        #expect(links.releaseHold(of: order) == holds.removeValue(forKey: order))
      }
      #expect(links.invariantViolations() == [], "step \(step), seed \(seed)")
      for email in emails {
        let naming = Set(names.filter { $0[1] == email }.map { $0[0] })
        #expect(links.lanesNaming(email) == naming, "step \(step), seed \(seed)")
        #expect(links.isHeld(email) == holds.values.contains(email), "step \(step), seed \(seed)")
      }
      for order in 0..<8 {
        #expect(links.isHolding(batch: order) == (holds[order] != nil))
      }
    }
  }
}

/// The lanes' rules for email changes (LaneTable), driven the way the scheduler drives them
/// through random streams of jobs that change emails back and forth, random answers (written,
/// or a 500 to retry) in random order, and time passing. After every step the table's and
/// the links' invariants hold; every send keeps the rules; and the stream always drains (two
/// lanes never wait for each other).
@Suite struct EmailChangeLaneTests {
  private struct Driver {
    var lanes = LaneTable(memory: PersonMemory(capacity: 100), mode: .assert)
    var now = 1000.0
    var nextNumber = 0
    /// Every job: its email and whether it has its result.
    var jobEmail: [Int: String] = [:]
    var unresolved: Set<Int> = []
    /// The batch in flight per lane.
    var inFlight: [String: DeliveryBatch] = [:]
    /// Batches sent at least once and not resolved (their plan runs), by order: the lane and
    /// the previous email it names.
    var started: [Int: (lane: String, previous: String?)] = [:]
    var failures: [String] = []
    let context = DeliveryBatch.AnswerContext(
      now: 0, serverNow: 0,
      policy: ResponsePolicy(maxAttempts: 10_000, maxRetryTime: 1e9, settleTime: 0),
      planner: MergePlanner(
        emailSlug: "email_addresses", phoneSlug: "phone_numbers", multiselect: [],
        onlyIfEmpty: []))

    mutating func add(_ email: String, previous: String?, title: String) {
      var request = UpsertRequest(
        email: email, emailSlug: "email_addresses",
        attributes: [
          UpsertRequest.Attribute(
            slug: "email_addresses", value: Array(#"[{"email_address":"\#(email)"}]"#.utf8)),
          UpsertRequest.Attribute(
            slug: "job_title", value: Array(#"[{"value":"\#(title)"}]"#.utf8)),
        ])
      request.previousEmail = previous
      var job = DeliveryJob(
        location: InputLocation(file: nil, line: nextNumber), messageId: nil, request: request)
      job.ledgerNumber = nextNumber
      jobEmail[nextNumber] = email
      unresolved.insert(nextNumber)
      nextNumber += 1
      let lane = lanes.add(job)
      lanes.makeReadyIfIdle(lane, now: now)
    }

    /// What the scheduler's pump does, without rates.
    mutating func pump() {
      lanes.promoteDue(now)
      while let email = lanes.popReady(reads: false) {
        let batch = lanes.takeFront(of: email, now: now, dedupe: false) { _ in
          failures.append("a batch was unchanged without dedupe")
        }
        if let batch {
          checkSend(batch, email: email)
          inFlight[email] = batch
          started[batch.order] = (email, batch.request.previousEmail)
        } else {
          lanes.makeReadyIfIdle(email, now: now)
        }
      }
    }

    mutating func checkSend(_ batch: DeliveryBatch, email: String) {
      if inFlight[email] != nil { failures.append("\(email): two batches in flight") }
      // Older writes of the person go first (or ride in this batch).
      let own = Set(batch.jobs.map(\.ledgerNumber))
      for number in unresolved where jobEmail[number] == email && !own.contains(number) {
        if number < batch.order { failures.append("\(email): job \(number) overtaken") }
      }
      // An email change starts only when the previous email's lane has nothing in flight
      // and nothing older waiting.
      if let previous = batch.request.previousEmail, previous != email {
        if inFlight[previous] != nil {
          failures.append("\(email) sent while \(previous) has a request in flight")
        }
        for number in unresolved where jobEmail[number] == previous && number < batch.order {
          failures.append("\(email) sent before \(previous)'s older job \(number)")
        }
      }
      // A lane is not sent while another lane's plan that may write its record runs.
      for (order, plan) in started
      where order != batch.order && plan.previous == email && plan.lane != email {
        failures.append("\(email) sent while \(plan.lane)'s plan (batch \(order)) holds it")
      }
    }

    /// An answer to `email`'s request: written, or a 500 to retry.
    mutating func answer(_ email: String, written: Bool) {
      guard inFlight.removeValue(forKey: email) != nil, var batch = lanes.release(email) else {
        failures.append("\(email): no batch to answer")
        return
      }
      var response = AttioResponse(body: Data(#"{"data":{"id":{"record_id":"r"}}}"#.utf8))
      response.status = written ? 200 : 500
      var context = context
      context.now = now
      let outcome = batch.complete(response, context, random: { 0.5 })
      switch outcome.next {
      case .done:
        for job in batch.jobs { unresolved.remove(job.ledgerNumber) }
        started[batch.order] = nil
        lanes.makeReadyIfIdle(email, now: now)
        lanes.releaseHold(of: batch, now: now)
      case .requeue:
        lanes.requeue(batch, email: email)
        lanes.makeReadyIfIdle(email, now: now)
      case .repair:
        failures.append("\(email): a repair without --map")
      }
    }

    mutating func check(_ what: String) {
      for violation in lanes.invariantViolations() { failures.append("\(what): \(violation)") }
    }
  }

  @Test(arguments: 1...30) func randomEmailChangesKeepOrderAndAlwaysDrain(seed: UInt64) {
    var random = SeededGenerator(seed: seed)
    let emails = ["a@x", "b@x", "c@x", "d@x", "e@x"]
    var driver = Driver()
    for step in 0..<300 {
      switch Int.random(in: 0..<10, using: &random) {
      case 0..<4:
        let email = emails.randomElement(using: &random)!
        let previous =
          Bool.random(using: &random) ? emails.randomElement(using: &random) : nil
        driver.add(email, previous: previous, title: "t\(Int.random(in: 0..<3, using: &random))")
      case 4..<8:
        if let email = driver.inFlight.keys.sorted().randomElement(using: &random) {
          driver.answer(email, written: Int.random(in: 0..<4, using: &random) > 0)
        }
      default:
        driver.now += Double.random(in: 0..<1.5, using: &random)
      }
      driver.pump()
      driver.check("step \(step)")
    }
    // Drain: every answer a success, time moving on; a stall is a lane waiting forever.
    var rounds = 0
    while !driver.unresolved.isEmpty && rounds < 1000 {
      for email in driver.inFlight.keys.sorted() { driver.answer(email, written: true) }
      driver.now += 1
      driver.pump()
      driver.check("drain \(rounds)")
      rounds += 1
    }
    #expect(driver.unresolved.isEmpty, "stalled with jobs \(driver.unresolved.sorted())")
    #expect(driver.failures == [], "seed \(seed)")
    #expect(driver.lanes.laneCount == 0)
    #expect(driver.lanes.links.invariantViolations() == [])
  }
}

/// What a lane costs: the lane table's dictionary is sized for the most people with work at
/// once, so a lane holds its batch in flight by reference, not inline.
@Suite struct LaneSizeTests {
  @Test func aLaneIsAFewWordsWhateverItsBatchHolds() {
    #expect(MemoryLayout<LaneTable.Lane>.stride <= 32)
  }
}
