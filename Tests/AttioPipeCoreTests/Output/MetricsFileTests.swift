import TestSupport
import Testing

@testable import AttioPipeCommands
@testable import AttioPipeDelivery

@Suite struct MetricsFileTests {
  private func sample() -> MetricsFile.Sample {
    var statistics = RunStatistics()
    statistics.linesRead = 120
    statistics.bodiesWritten = 30
    statistics.skipped[.notEnabled] = 80
    statistics.skipped[.noEmail] = 7
    statistics.invalid[.invalidJSON] = 3
    statistics.warnings[.invalidPhone] = 2
    statistics.evictions = 4
    return MetricsFile.Sample(statistics: statistics, identities: 55, stateSaves: 6)
  }

  private func delivery() -> MetricsFile.DeliverySample {
    var counts = DeliveryScheduler.Statistics()
    counts.jobs = 30
    counts.upserted = 20
    counts.unchanged = 5
    counts.failed = 2
    counts.notSent = 3
    counts.inDoubt = 2
    counts.requests = 27
    counts.retries = 4
    counts.rateLimited = 1
    counts.created = 6
    counts.updated = 14
    counts.reads = 19
    return MetricsFile.DeliverySample(statistics: counts, awaitingResult: 0)
  }

  @Test func deliveryCountersParseAndCarryTheRunsNumbers() throws {
    let text = MetricsFile.render(
      sample(), delivery: delivery(), mode: "deliver", startTime: 1_700_000_000, running: true)
    let metrics = try PrometheusText(text)
    #expect(metrics["attio_pipe_lines_read_total"] == 120)
    #expect(metrics["attio_pipe_bodies_total"] == 30)
    #expect(metrics[#"attio_pipe_skipped_events_total{reason="not_enabled"}"#] == 80)
    #expect(metrics[#"attio_pipe_skipped_events_total{reason="no_email"}"#] == 7)
    #expect(metrics[#"attio_pipe_skipped_events_total{reason="invalid_email"}"#] == 0)
    #expect(metrics[#"attio_pipe_invalid_lines_total{reason="invalid_json"}"#] == 3)
    #expect(metrics[#"attio_pipe_warnings_total{reason="invalid_phone"}"#] == 2)
    #expect(metrics["attio_pipe_identities"] == 55)
    #expect(metrics["attio_pipe_identity_evictions_total"] == 4)
    #expect(metrics["attio_pipe_state_saves_total"] == 6)
    #expect(metrics["attio_pipe_eligible_events_total"] == 30)
    #expect(metrics[#"attio_pipe_results_total{status="upserted"}"#] == 20)
    #expect(metrics[#"attio_pipe_results_total{status="unchanged"}"#] == 5)
    #expect(metrics[#"attio_pipe_results_total{status="failed"}"#] == 2)
    #expect(metrics[#"attio_pipe_results_total{status="not_sent"}"#] == 3)
    #expect(metrics[#"attio_pipe_results_total{status="in_doubt"}"#] == 2)
    #expect(metrics["attio_pipe_requests_total"] == 27)
    #expect(metrics["attio_pipe_retries_total"] == 4)
    #expect(metrics["attio_pipe_rate_limited_total"] == 1)
    #expect(metrics[#"attio_pipe_actions_total{action="created"}"#] == 6)
    #expect(metrics[#"attio_pipe_actions_total{action="updated"}"#] == 14)
    #expect(metrics[#"attio_pipe_actions_total{action="asserted"}"#] == 0)
    #expect(metrics["attio_pipe_reads_total"] == 19)
    #expect(metrics["attio_pipe_events_awaiting_result"] == 0)
    #expect(metrics["attio_pipe_running"] == 1)
    #expect(metrics["attio_pipe_start_time_seconds"] == 1_700_000_000)
    #expect(metrics[#"attio_pipe_info{version="\#(Invocation.version)",mode="deliver"}"#] == 1)
    #expect(metrics.families["attio_pipe_identities"]?.type == "gauge")
    #expect(metrics.families["attio_pipe_requests_total"]?.type == "counter")
  }

  @Test func buildHasNoDeliveryFamiliesAndTheExitFileSaysSo() throws {
    let metrics = try PrometheusText(
      MetricsFile.render(sample(), delivery: nil, mode: "build", startTime: 0, running: false))
    #expect(metrics["attio_pipe_running"] == 0)
    #expect(metrics["attio_pipe_bodies_total"] == 30)
    #expect(
      metrics.families.keys.allSatisfy { !$0.contains("results") && !$0.contains("requests") })
  }

  @Test func sendHasNoIdentityOrSkipFamilies() throws {
    let metrics = try PrometheusText(
      MetricsFile.render(
        MetricsFile.Sample(statistics: RunStatistics()), delivery: delivery(), mode: "send",
        startTime: 0, running: true))
    #expect(metrics.families["attio_pipe_identities"] == nil)
    #expect(metrics.families["attio_pipe_skipped_events_total"] == nil)
    #expect(metrics.families["attio_pipe_state_saves_total"] == nil)
    #expect(metrics["attio_pipe_requests_total"] == 27)
  }

  @Test func theParserRejectsWhatPrometheusWould() {
    #expect(throws: PrometheusText.ParseError.self) {
      try PrometheusText("# HELP a_total x\n# TYPE a_total counter\na_total 1\na_total 2\n")
    }
    #expect(throws: PrometheusText.ParseError.self) { try PrometheusText("a 1\n") }
    #expect(throws: PrometheusText.ParseError.self) {
      try PrometheusText("# HELP a x\n# TYPE a counter\na 1\n")
    }
  }
}
