"""Servers for attio-pipe to deliver to: the mock Attio, and two minimal responders.

- MockAttio: Tests/MockAttio/mock_attio.py in a child process on an ephemeral port of
  127.0.0.1, the real model (rate limits, latency, people, `/__mock/...` inspection), but a
  Python thread per connection tops out at a few hundred requests a second.
- FastHandler: an asyncio HTTP/1.1 handler that answers every request 200 at once, a records
  query with no record and anything else with a new record in Attio's shape (a fresh
  `record_id` per request): it keeps attio-pipe, not the server, the bottleneck. Served in a
  thread of this process (FastServer) or in a process of its own (Responder("fast")).
- hang: accepts connections, reads and never answers, so delivery stays blocked
  (Responder("hang")).
"""

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import urllib.request

from benchlib import MOCK, SCRIPT_DIR, SetupError, attio_env


class MockAttio(object):
    """Tests/MockAttio/mock_attio.py --port 0 --token TOKEN ARGS..., stopped with stop().

    `log_path`: the mock's stderr (default: discarded). `disable_nagle`: answers without
    Nagle's algorithm (the mock writes a reply's headers and body separately, so with Nagle
    each answer can wait about 40 ms for the delayed ACK)."""

    def __init__(self, token, args=(), log_path=None, disable_nagle=False):
        self.token = token
        if disable_nagle:
            code = ("import sys; sys.path.insert(0, %r); import mock_attio as m; "
                    "m.Handler.disable_nagle_algorithm = True; sys.exit(m.main(sys.argv[1:]))"
                    % os.path.dirname(MOCK))
            cmd = [sys.executable, "-c", code]
        else:
            cmd = [sys.executable, MOCK]
        self.log = open(log_path, "wb") if log_path else None
        self.proc = subprocess.Popen(
            cmd + ["--port", "0", "--token", token] + [str(a) for a in args],
            stdout=subprocess.PIPE, stderr=self.log or subprocess.DEVNULL)
        line = self.proc.stdout.readline().decode().strip()
        if not line.startswith("LISTENING "):
            self.stop()
            raise SetupError("the mock Attio did not start (first line %r)" % line)
        self.port = int(line.split()[1])
        self.base = "http://127.0.0.1:%d" % self.port

    def environment(self):
        """This process's environment with attio-pipe pointed at the mock."""
        return attio_env(self.base, self.token)

    def get(self, path, timeout=120):
        with urllib.request.urlopen(self.base + path, timeout=timeout) as r:
            return json.loads(r.read().decode("utf-8"))

    def post(self, path, body, timeout=120):
        req = urllib.request.Request(self.base + path, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"},
                                     method="POST")
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return json.loads(r.read().decode("utf-8"))

    def stop(self):
        """SIGTERM (the mock shuts down), SIGKILL if it has not within 10 s."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.log is not None:
            self.log.close()


class FastHandler(object):
    """Answers every request 200: a query with no record, anything else with a new record."""

    def __init__(self):
        self.count = 0

    async def __call__(self, reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:].strip() or 0)
                if length:
                    await reader.readexactly(length)
                self.count += 1
                if b"/records/query " in head.split(b"\r\n", 1)[0]:
                    body = b'{"data":[]}'
                else:
                    body = (b'{"data":{"id":{"workspace_id":"w","object_id":"o","record_id":'
                            b'"%08d-0000-4000-8000-000000000000"},"values":{}}}' % self.count)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def hang(reader, writer):
    """Reads whatever comes and never answers: delivery stays blocked."""
    try:
        while await reader.read(65536):
            pass
    except ConnectionError:
        pass
    finally:
        writer.close()


class FastServer(object):
    """FastHandler on an ephemeral port of 127.0.0.1, in a daemon thread of this process."""

    def __init__(self):
        self.handler = FastHandler()
        self.port = None
        ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self.thread.start()
        ready.wait()
        self.base = "http://127.0.0.1:%d" % self.port

    def _run(self, ready):
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        server = loop.run_until_complete(asyncio.start_server(self.handler, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        ready.set()
        loop.run_forever()


def serve(kind):
    """Serves `fast` or `hang` on an ephemeral port until killed; prints the port first."""
    async def main():
        handler = FastHandler() if kind == "fast" else hang
        server = await asyncio.start_server(handler, "127.0.0.1", 0, backlog=256)
        print(server.sockets[0].getsockname()[1], flush=True)
        await server.serve_forever()
    asyncio.run(main())


class Responder(object):
    """serve(kind) in a process of its own, so that the measuring process does not slow it."""

    def __init__(self, kind):
        code = "import sys; sys.path.insert(0, %r); from benchlib import servers; " \
               "servers.serve(%r)" % (SCRIPT_DIR, kind)
        self.proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
        self.base = "http://127.0.0.1:%d" % int(self.proc.stdout.readline())

    def close(self):
        self.proc.terminate()
        self.proc.wait()
