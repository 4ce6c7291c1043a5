import Foundation
import TestSupport

/// A stand-in HTTP proxy on 127.0.0.1 that only records who came: every connection's first
/// line (`GET http://… HTTP/1.1`, or `CONNECT host:443 …`) is printed, and answered with a 502.
/// A test points the proxy variables at it and checks that nothing came.
final class RecordingProxy: Sendable {
  private let server: ChildProcess
  let port: Int

  var url: String { "http://127.0.0.1:\(port)" }

  private static let script = """
    import socket, sys
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    print("LISTENING", listener.getsockname()[1], flush=True)
    while True:
        connection, _ = listener.accept()
        connection.settimeout(5)
        try:
            first = connection.makefile("rb").readline().decode("latin-1").strip()
        except OSError:
            first = "(nothing read)"
        print("CONNECTED", first, flush=True)
        try:
            connection.sendall(b"HTTP/1.1 502 Bad Gateway\\r\\nContent-Length: 0\\r\\nConnection: close\\r\\n\\r\\n")
        except OSError:
            pass
        connection.close()
    """

  init() async throws {
    server = try ChildProcess(
      executable: URL(fileURLWithPath: "/usr/bin/env"), arguments: ["python3", "-c", Self.script],
      stdin: false, stderr: .discard, watchdog: 600)
    let line = await server.readLine(timeout: 60) ?? ""
    guard line.hasPrefix("LISTENING "), let port = Int(line.dropFirst("LISTENING ".count)) else {
      server.signal(SIGKILL)
      throw MockAttio.MockError.didNotStart(line)
    }
    self.port = port
  }

  /// Stops the proxy and answers the first line of every connection it received.
  func stop() async -> [String] {
    server.signal(SIGKILL)
    let finished = await server.finish()
    return finished.stdoutText.split(separator: "\n").filter { $0.hasPrefix("CONNECTED") }
      .map(String.init)
  }

  deinit {
    server.signal(SIGKILL)
  }
}
