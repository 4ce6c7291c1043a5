import Foundation
import Testing

@testable import AttioPipeCommands
@testable import AttioPipeDelivery

/// A run cannot see what its previous run (a service restarted a moment ago) sent just before
/// it started: it starts with the rate's window taken as full, so Attio never gets a second's
/// worth of requests on top of the previous run's last second (31 writes and a 429 were seen).
@Suite struct RestartPacingTests {
  private func options(fullWindow: Bool, mode: WritePlan.Mode = .assert)
    -> DeliveryScheduler.Options
  {
    var options = DeliveryScheduler.Options.assertMode
    options.writeMode = mode
    options.concurrency = 100
    options.startsWithFullWindow = fullWindow
    return options
  }

  private func submit(_ harness: SchedulerHarness, _ count: Int) {
    for index in 0..<count { harness.submit("p\(index)@example.com") }
  }

  @Test func theFirstWritesWaitOneWindowAndThenGoAtTheRate() async throws {
    let harness = SchedulerHarness(options: options(fullWindow: true))
    submit(harness, 31)
    #expect(harness.transport.requests.isEmpty)
    harness.clock.advance(by: 1.0)
    #expect(harness.transport.requests.isEmpty)
    harness.clock.advance(by: 0.03)
    #expect(harness.transport.requests.count == 25)
    for index in 0..<25 { harness.transport.answer(index, status: 200) }
    // The rest go a window after those arrived, not in the same second.
    harness.clock.advance(by: 0.9)
    #expect(harness.transport.requests.count == 25)
    harness.clock.advance(by: 0.2)
    #expect(harness.transport.requests.count == 31)
  }

  @Test func anEmptyWindowWouldSendAWholeSecondAtOnce() async throws {
    // What a run did before: the restart's first second added 25 writes to the last one's.
    let harness = SchedulerHarness(options: options(fullWindow: false))
    submit(harness, 31)
    #expect(harness.transport.requests.count == 25)
  }

  @Test func readsStartTheSameWay() async throws {
    let harness = SchedulerHarness(options: options(fullWindow: true, mode: .merge))
    submit(harness, 3)
    harness.clock.advance(by: 1.0)
    #expect(harness.transport.requests.isEmpty)
    harness.clock.advance(by: 0.03)
    #expect(harness.transport.requests.count == 3)
    #expect(harness.transport.requests.allSatisfy { $0.path.hasSuffix("/records/query") })
  }

  @Test func aLimiterTakenAsFullLetsTheFirstRequestGoOneWindowLater() throws {
    var limiter = RateLimiter(rate: 25, margin: 0.02, fullAt: 100)
    #expect(abs(try #require(limiter.nextAllowed(after: 100)) - 101.02) < 1e-9)
    let ticket = limiter.recordSend(at: 101.02)
    limiter.recordAnswer(ticket, at: 101.1)
    #expect(abs(try #require(limiter.nextAllowed(after: 101.1)) - 101.1) < 1e-9)
    let slow = RateLimiter(rate: 0.5, margin: 0, fullAt: 10)
    #expect(slow.nextAllowed(after: 10) == 12)
  }

  @Test func everyRunOfTheToolStartsWithAFullWindow() throws {
    var parser = CommandLineParser(
      ["deliver"],
      environment: ["ATTIO_API_KEY": "test-token", "ATTIO_BASE_URL": "http://127.0.0.1:9"])
    guard case .deliver(_, let settings) = try parser.parseAction() else {
      Issue.record("not deliver")
      return
    }
    #expect(settings.scheduler.startsWithFullWindow)
    #expect(!DeliveryScheduler.Options().startsWithFullWindow)
  }
}
