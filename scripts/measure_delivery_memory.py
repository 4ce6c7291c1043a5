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
`--server fast` is a minimal asyncio HTTP/1.1 responder in a thread of this script
(scripts/benchlib/servers.py, FastServer) that answers every request 200 with a record in
Attio's shape (a fresh `record_id` per request, an empty query answer for finds): it keeps
attio-pipe, not the server, the bottleneck, so the figure is delivery's own memory (what it
remembers per person, the identity profiles, the queues).

Python 3 standard library only.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time

from benchlib import REPO_ROOT, attio_env, load_text
from benchlib.servers import FastServer, MockAttio

TOKEN = "memory-token"


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
        base = server.base
    else:
        mock = MockAttio(TOKEN, ["--rate", "0", "--read-rate", "0"])
        base = mock.base
    cmd = [args.binary, "deliver", "--write-mode", args.write_mode, "--rate", "100000",
           "--read-rate", "100000", "--concurrency", "32", "--no-progress"]
    if args.max_people:
        cmd += ["--max-people", str(args.max_people)]
    if args.max_identities:
        cmd += ["--max-identities", str(args.max_identities)]
    env = attio_env(base, TOKEN)
    load = load_text()
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
        mock.stop()
    summary = stderr[0].decode("utf-8", "replace").strip().splitlines() if stderr else []
    print("people %d, %s, server %s, exit %d, wall %.1f s (%.0f people/s), "
          "peak RSS %.0f MiB, load average before %s"
          % (args.people, " ".join(cmd[2:]), args.server, status, wall, args.people / wall,
             peak_kib / 1024, load))
    print("summary: %s" % (summary[-1] if summary else "(none)"))
    return 0 if status == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
