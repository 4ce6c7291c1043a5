import Foundation
import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// Record ids go into request paths: only UUIDs are accepted, whether they come from an
/// answer or from the state file (`..` turned a PATCH into `PATCH /v2/objects/people/`).
@Suite struct RecordIDTests {
  private static let valid = "8c6a2f0e-41b1-4d0a-9f4e-2b7c1d3e5f60"

  @Test func onlyCanonicalUUIDsAreRecordIds() {
    #expect(RecordID.isCanonical(Self.valid))
    #expect(RecordID.isCanonical(Self.valid.uppercased()))
    for text in [
      "", "..", "../x", "rec-a", String(Self.valid.dropLast()), Self.valid + "0",
      "8c6a2f0e41b14d0a9f4e2b7c1d3e5f60", "8c6a2f0e-41b1-4d0a-9f4e-2b7c1d3e5f6g",
      "8c6a2f0e-41b1-4d0a-9f4e_2b7c1d3e5f60", "8c6a2f0e-41b1-4d0a-9f4e-2b7c1d3e5f6/",
      "{8c6a2f0e-41b1-4d0a-9f4e-2b7c1d3e5f6}",
    ] {
      #expect(!RecordID.isCanonical(text), "\(text)")
    }
  }

  @Test func aFoundRecordWhoseIdIsNotAUUIDIsNotWritten() async throws {
    let harness = SchedulerHarness(options: .merge())
    harness.submit("a@example.com", title: "CTO")
    harness.transport.answer(
      0, status: 200, body: PersonRecordAnswers.found("a@example.com", title: "CEO", id: ".."))
    #expect(harness.transport.requests.count == 1)
    let result = try #require(harness.results.first)
    #expect(result.status == .failed)
    #expect(result.error?.code == "unreadable_record")
  }

  @Test func anIdThatIsNotAUUIDInAWritesAnswerIsNeitherReportedNorLearned() async throws {
    let harness = SchedulerHarness(options: .merge())
    harness.submit("a@example.com", title: "CTO")
    harness.transport.answer(0, status: 200, body: PersonRecordAnswers.nobody)
    #expect(harness.transport.requests[1].path == "/v2/objects/people/records")
    harness.transport.answer(1, status: 200, body: #"{"data":{"id":{"record_id":".."}}}"#)
    #expect(harness.results.first?.status == .upserted)
    #expect(harness.results.first?.recordId == nil)
    // Not learned: the next write for the person queries for the email again.
    harness.submit("a@example.com", title: "CFO")
    #expect(harness.transport.requests[2].path == "/v2/objects/people/records/query")
  }

  @Test func aStateFileHoldingAnIdThatIsNotAUUIDIsRefused() throws {
    var memory = PersonMemory(capacity: 10)
    memory.learn(recordId: "..", for: "a@example.com")
    let bytes = DeliveredState.encode(memory)
    #expect(throws: StateFileError.corrupt("a record id that is not a UUID")) {
      try DeliveredState.decode(bytes)
    }
    var good = PersonMemory(capacity: 10)
    good.learn(recordId: Self.valid, for: "a@example.com")
    var restored = try DeliveredState.decode(DeliveredState.encode(good))
      .memory
    #expect(restored.recordId(of: "a@example.com") == Self.valid)
  }
}
