#!/usr/bin/env python3
"""Peak memory of `attio-pipe deliver` with N distinct people.

    python3 scripts/measure_delivery_memory.py [--binary PATH] [--people 1000000]
                                               [--max-people N] [--write-mode assert]
                                               [--server fast|mock]

Streams N `identify` events of N distinct visitors (each with an email, a name, a job title
and a phone: N eligible events, N distinct people) into `attio-pipe deliver --rate 100000
--concurrency 32` and reports its peak RSS (getrusage of the child), wall time and summary.

The server answers every request at once. `--server mock` is Tests/MockAttio/mock_attio.py
(`--rate 0 --read-rate 0`), the real model, but a Python thread per connection tops out at a
few hundred requests a second here: fine for 10 000 people, hours for a million. The default
`--server fast` is a minimal asyncio HTTP/1.1 responder in this script that answers every
request 200 with a record in Attio's shape (a fresh `record_id` per request, an empty query
answer for finds): it keeps attio-pipe, not the server, the bottleneck, so the figure is
delivery's own memory (what it remembers per person, the identity profiles, the queues).

Python 3 standard library only.
"""

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import threading
import time

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(SCRIPT_DIR)
MOCK = os.path.join(REPO_ROOT, "Tests", "MockAttio", "mock_attio.py")
TOKEN = "memory-token"


class FastServer:
    """Answers every request 200: a query with no record, anything else with a new record."""

    def __init__(self):
        self.count = 0
        self.port = None
        ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self.thread.start()
        ready.wait()

    def _run(self, ready):
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        server = loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        ready.set()
        loop.run_forever()

    async def _serve(self, reader, writer):
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


def events(people):
    for index in range(people):
        yield (json.dumps({
            "type": "identify", "anonymousId": "anon-%07d" % index,
            "userId": "user-%07d" % index, "messageId": "mem-%07d" % index,
            "traits": {"email": "person%07d@example.com" % index,
                       "firstName": "Ada", "lastName": "Lovelace%d" % index,
                       "title": "Engineer", "phone": "+1415555%04d" % (index % 10000)},
        }, separators=(",", ":")) + "\n").encode()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--binary", default=os.path.join(REPO_ROOT, ".build", "release", "attio-pipe"))
    ap.add_argument("--people", type=int, default=1_000_000)
    ap.add_argument("--max-people", type=int, help="attio-pipe --max-people (default: its own)")
    ap.add_argument("--max-identities", type=int,
                    help="attio-pipe --max-identities (default: its own); a small value leaves "
                         "delivery's own memory")
    ap.add_argument("--write-mode", choices=("merge", "assert"), default="assert")
    ap.add_argument("--server", choices=("fast", "mock"), default="fast")
    args = ap.parse_args(argv)

    mock = None
    if args.server == "fast":
        server = FastServer()
        base = "http://127.0.0.1:%d" % server.port
    else:
        mock = subprocess.Popen(
            [sys.executable, MOCK, "--port", "0", "--token", TOKEN, "--rate", "0",
             "--read-rate", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        base = "http://127.0.0.1:%s" % mock.stdout.readline().decode().split()[1]
    cmd = [args.binary, "deliver", "--write-mode", args.write_mode, "--rate", "100000",
           "--read-rate", "100000", "--concurrency", "32", "--no-progress"]
    if args.max_people:
        cmd += ["--max-people", str(args.max_people)]
    if args.max_identities:
        cmd += ["--max-identities", str(args.max_identities)]
    env = dict(os.environ, ATTIO_API_KEY=TOKEN, ATTIO_BASE_URL=base)
    load = " / ".join("%.2f" % x for x in os.getloadavg())
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=env)
    stderr = []
    reader = threading.Thread(target=lambda: stderr.append(proc.stderr.read()), daemon=True)
    reader.start()
    batch = []
    for line in events(args.people):
        batch.append(line)
        if len(batch) == 4096:
            proc.stdin.write(b"".join(batch))
            batch = []
    proc.stdin.write(b"".join(batch))
    proc.stdin.close()
    status = proc.wait()
    wall = time.perf_counter() - started
    reader.join()
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if mock:
        mock.terminate()
        mock.wait()
    summary = stderr[0].decode("utf-8", "replace").strip().splitlines() if stderr else []
    print("people %d, %s, server %s, exit %d, wall %.1f s (%.0f people/s), "
          "peak RSS %.0f MiB, load average before %s"
          % (args.people, " ".join(cmd[2:]), args.server, status, wall, args.people / wall,
             peak_kib / 1024, load))
    print("summary: %s" % (summary[-1] if summary else "(none)"))
    return 0 if status == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
