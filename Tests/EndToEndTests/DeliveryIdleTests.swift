import Foundation
import TestSupport
import Testing

/// Waiting for Attio costs no CPU: no polling while a request is in flight.
@Suite(.serialized, .timeLimit(.minutes(10))) struct DeliveryIdleTests {
  /// User plus system CPU of a running process, in clock ticks (`/proc/PID/stat` fields 14
  /// and 15).
  private func cpuTicks(_ pid: Int32) throws -> Int {
    let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields = stat[stat.index(after: stat.lastIndex(of: ")")!)...].split(separator: " ")
    return Int(fields[11])! + Int(fields[12])!
  }

  @Test func aRequestInFlightCostsNoCPU() async throws {
    // The answer takes a minute: the request is in flight for as long as the test looks.
    let mock = try await MockAttio(latencyMilliseconds: 60_000)
    let running = try await BinaryRunner.start(
      ["deliver", "--write-mode", "assert", "--grace", "1s"], environment: mock.environment,
      watchdog: 90)
    await running.write(
      Data(Events.identify("a", email: "ada@example.com").utf8))
    // Measure once the request is in flight at the server.
    for _ in 0..<200 {
      if (try await mock.stats()["in_flight"] as? Int ?? 0) >= 1 { break }
      try await Task.sleep(for: .milliseconds(50))
    }
    try #require(
      running.isRunning, "exited early")
    let before = try cpuTicks(running.processIdentifier)
    try await Task.sleep(for: .milliseconds(2000))
    let after = try cpuTicks(running.processIdentifier)
    // URLSession's busy loop cost about 120 ticks (1.2 s of CPU) in 2 s here; an idle
    // wait costs next to none. The bound is generous: CPU time, not wall time, is measured.
    #expect(after - before < 40)
    running.signal(SIGTERM)
    let finished = await running.finish()
    let results = finished.stdoutText
    #expect(finished.status == 5)
    #expect(results.contains(#""status":"in_doubt""#))
  }
}
