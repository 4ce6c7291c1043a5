import Testing

@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// The lane table's own housekeeping (its rules for email changes are EmailChangeLinksTests').
@Suite struct LaneTableTests {
  private func job(_ number: Int) -> DeliveryJob {
    var job = DeliveryJob(
      location: InputLocation(file: nil, line: number), messageId: nil,
      request: UpsertRequest(
        email: "person\(number)@example.com", emailSlug: "email_addresses",
        attributes: [.init(slug: "job_title", value: Array(#"[{"value":"CTO"}]"#.utf8))]))
    job.ledgerNumber = number
    return job
  }

  /// 5 000 people with work at once, then none: the table gives back the room the burst
  /// grew it to, and grows again for the next burst.
  @Test func aTableEmptiedAfterABurstGivesBackItsRoom() {
    var lanes = LaneTable(memory: PersonMemory(capacity: 10), mode: .assert)
    for burst in 0..<2 {
      for number in 0..<5_000 {
        let email = lanes.add(job(burst * 5_000 + number))
        lanes.makeReadyIfIdle(email, now: 0)
      }
      #expect(lanes.laneCount == 5_000)
      #expect(lanes.laneCapacity >= 5_000)
      while let email = lanes.popReady(reads: false) {
        let batch = lanes.takeFront(of: email, now: 0, dedupe: false) { _ in }
        #expect(batch != nil)
        #expect(lanes.release(email) != nil)
        // Nothing left to send: the lane is dropped.
        lanes.makeReadyIfIdle(email, now: 0)
      }
      #expect(lanes.laneCount == 0)
      #expect(lanes.laneCapacity <= 1_536)
      #expect(lanes.invariantViolations().isEmpty)
    }
  }
}
