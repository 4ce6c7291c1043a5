#!/usr/bin/env python3
"""Requests per sign-up with `--users --workspaces --companies` (issue 22).

    python3 scripts/measure_accounts.py [--binary PATH] [--users 300] [--seed 7]

Generates a product stream: each user browses anonymously, half of them join their team's
workspace (`group`) before signing up, then `identify`, `Signed Up`, and one to four later
sessions, each a `Logged In`, a `group` (analytics.js calls `group` on every page load) and
page views; one user in five joins a second workspace. Teams share workspaces (three users
each) and each workspace has its company's domain. Runs `attio-pipe deliver` on it against
the mock Attio (users and workspaces activated, no rate limit) with four option sets, and
prints the requests Attio received per sign-up, by kind.

Python 3 standard library only.
"""

import argparse
import collections
import json
import os
import random
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402
from benchlib.servers import MockAttio  # noqa: E402

TOKEN = "accounts-token"
CONFIGS = [
    ("people only", []),
    ("--companies", ["--companies"]),
    ("--users", ["--users"]),
    ("--users --workspaces --companies", ["--users", "--workspaces", "--companies"]),
]


def stream(users, seed):
    rng = random.Random(seed)
    lines = []
    n = 0

    def emit(event):
        nonlocal n
        n += 1
        event["messageId"] = "m-%d" % n
        lines.append(json.dumps(event, separators=(",", ":")))

    for u in range(users):
        anon, uid = "anon-%d" % u, "usr_%d" % u
        team = u // 3
        ws, domain = "ws-%d" % team, "team%d.example" % team
        for _ in range(rng.randint(2, 5)):
            emit({"type": "page", "anonymousId": anon, "name": "Pricing"})
        group = {"type": "group", "groupId": ws, "traits": {"name": "Team %d" % team,
                                                            "website": "https://" + domain}}
        if rng.random() < 0.5:
            emit(dict(group, anonymousId=anon))
        emit({"type": "identify", "anonymousId": anon, "userId": uid,
              "traits": {"email": "user%d@%s" % (u, domain), "name": "User %d" % u}})
        emit({"type": "track", "anonymousId": anon, "userId": uid, "event": "Signed Up"})
        emit(dict(group, userId=uid))
        second = rng.random() < 0.2
        for _ in range(rng.randint(1, 4)):
            emit({"type": "track", "userId": uid, "event": "Logged In"})
            emit(dict(group, userId=uid))
            if second:
                emit({"type": "group", "userId": uid, "groupId": "ws-extra-%d" % (u % 7),
                      "traits": {"name": "Guild %d" % (u % 7),
                                 "domain": "guild%d.example" % (u % 7)}})
            for _ in range(5):
                emit({"type": "page", "userId": uid, "name": "Dashboard"})
    return "\n".join(lines) + "\n", n


def kind(request):
    path = request.get("path", "").split("?")[0]
    method = request.get("method", "")
    parts = path.split("/")
    obj = parts[3] if len(parts) > 3 else "?"
    if method == "GET" and len(parts) == 4:
        return "check %s" % obj
    if method == "PUT":
        return "assert %s" % obj
    if method == "POST" and path.endswith("/query"):
        return "query %s" % obj
    if method == "POST":
        return "create %s" % obj
    return "%s %s" % (method.lower(), obj)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary")
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    binary = benchlib.binary_or_build(args.binary)
    text, events = stream(args.users, args.seed)
    print("stream: %d events, %d users (sign-ups); load %s" % (events, args.users,
                                                              benchlib.load_text()))
    for label, options in CONFIGS:
        mock = MockAttio(TOKEN, ["--rate", "0", "--read-rate", "0",
                                 "--objects", "users,workspaces"])
        try:
            with tempfile.TemporaryFile() as out:
                run = subprocess.run([binary, "deliver"] + options, input=text.encode(),
                                     stdout=out, stderr=subprocess.PIPE,
                                     env=mock.environment())
            if run.returncode != 0:
                sys.exit("deliver %s: exit %d: %s" % (options, run.returncode,
                                                      run.stderr.decode()[-500:]))
            requests = mock.get("/__mock/requests")
            counts = collections.Counter(kind(r) for r in requests
                                         if not kind(r).startswith("check"))
            writes = sum(c for k, c in counts.items() if not k.startswith("query")
                         and not k.startswith("get"))
            reads = sum(c for k, c in counts.items() if k.startswith(("query", "get")))
            print("%-34s writes %5d (%.2f per sign-up)  reads %5d (%.2f)" % (
                label, writes, writes / args.users, reads, reads / args.users))
            print("    " + ", ".join("%s %d" % kv for kv in sorted(counts.items())))
        finally:
            mock.stop()


if __name__ == "__main__":
    main()
