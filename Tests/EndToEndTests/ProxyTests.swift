import Foundation
import TestSupport
import Testing

/// The proxy variables never carry the key in clear text: a plain `http://` endpoint (a local
/// mock or relay) is always reached directly, whatever `http_proxy`, `ALL_PROXY` or
/// `all_proxy` say (libcurl would otherwise send every request, `Authorization` header
/// included, to the proxy).
@Suite(.timeLimit(.minutes(10))) struct ProxyTests {
  private static let proxyVariables = [
    "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "ALL_PROXY", "all_proxy",
  ]

  private func environment(_ mock: MockAttio, proxy: RecordingProxy) -> [String: String] {
    var environment = mock.environment
    for name in Self.proxyVariables { environment[name] = proxy.url }
    environment["NO_PROXY"] = nil
    environment["no_proxy"] = nil
    return environment
  }

  @Test func deliverToAPlainHTTPEndpointIgnoresTheProxyVariables() async throws {
    let mock = try await MockAttio()
    let proxy = try await RecordingProxy()
    let run = try await BinaryRunner.run(
      ["deliver", "--max-attempts", "1", "fixtures/seed-signup.ndjson"],
      environment: environment(mock, proxy: proxy))
    let contacted = await proxy.stop()
    #expect(contacted == [])
    #expect(run.status == 0)
    #expect(results(run).count == 2)
    #expect(results(run).allSatisfy { $0["status"] as? String != "failed" })
    #expect(try await mock.people().count == 1)
  }

  @Test func checkAndSendToAPlainHTTPEndpointIgnoreTheProxyVariables() async throws {
    let mock = try await MockAttio()
    let proxy = try await RecordingProxy()
    let environment = environment(mock, proxy: proxy)
    let check = try await BinaryRunner.run(["check"], environment: environment)
    let bodies = try await BinaryRunner.run(["fixtures/seed-signup.ndjson"])
    let send = try await BinaryRunner.run(
      ["send", "--max-attempts", "1"], stdin: bodies.stdout, environment: environment)
    let contacted = await proxy.stop()
    #expect(contacted == [])
    #expect(check.status == 0)
    #expect(send.status == 0)
  }
}
