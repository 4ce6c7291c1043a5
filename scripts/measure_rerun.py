#!/usr/bin/env python3
"""A rerun of the same input with the same --state: what does it write?

    python3 scripts/measure_rerun.py [--binary PATH] [--events 20000] [--people 800]
                                     [--seed 1] [--out rerun-out] [--write-mode merge|assert]

1. Generates (deterministically) a stream of website visitors, interleaved in time: page
   views; a contact form (`Lead Generated` with `properties.lead_source`) filled in
   anonymously, before the visitor ever identifies, so it is skipped `no_email` the first
   time; an `identify` with email, name and job title; `Signed Up`; later sessions with
   `Logged In`, more forms (another lead source) and job title changes; for some people a
   second device whose anonymous id sends a form first and is joined to the user only by a
   later `Logged In`. Every event has its own `messageId`. (The throughput benchmark's
   generator, scripts/benchmark.py, puts the email of anonymous forms in `context.traits`,
   so none of its events changes eligibility between runs.)
2. Starts Tests/MockAttio/mock_attio.py without rate limits and runs
   `attio-pipe deliver --state STATE FILE` twice against it, the same file and the
   same state file both times (what a restarted `tail -n +1 -F` does).
3. Prints, per run, the requests the mock received (reads, writes by endpoint), the
   result statuses and the summary, and whether the people Attio holds changed during
   the second run (they must not: a rerun makes no write).

Exit status: 0 when the second run made no write and changed no person, 1 otherwise,
2 on a setup error. Python 3 standard library only.
"""

import argparse
import collections
import json
import os
import random
import subprocess
import sys

from benchlib import REPO_ROOT, SetupError, log, parse_summary, result_statuses
from benchlib.servers import MockAttio

TOKEN = "rerun-token"


FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "John", "Katherine",
         "Radia", "Ken", "Margaret", "Tim", "Hedy", "Linus", "Sophie", "Niklaus", "Shafi"]
LAST = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Backus",
        "Johnson", "Perlman", "Thompson", "Hamilton", "Berners-Lee", "Lamarr", "Torvalds",
        "Wilson", "Wirth", "Goldwasser"]
TITLES = ["Engineer", "Senior Engineer", "Staff Engineer", "Engineering Manager", "Director",
          "VP Engineering", "CTO", "Product Manager", "Head of Data", "Analyst"]
SOURCES = ["Partner referral", "Webinar: Data 101", "Pricing page demo request", "Newsletter",
           "Trade show", "Free trial form", "Case study download", "Contact sales"]
PAGES = ["/", "/pricing", "/docs", "/blog", "/customers", "/about", "/careers", "/security"]


def generate(path, n_events, n_people, seed):
    """Writes the stream; returns how many lines it has."""
    rng = random.Random(seed)
    timeline = []  # (time, sequence, event)
    counter = [0]

    def add(time, event):
        counter[0] += 1
        event["messageId"] = "msg-%d-%08x" % (counter[0], rng.getrandbits(32))
        timeline.append((time, counter[0], event))

    # A little more than asked, cut to exactly n_events lines once sorted by time.
    per_person = max(8, n_events * 5 // (n_people * 4))
    for index in range(n_people):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = "%s.%s%d@example.com" % (first.lower(), last.lower().replace("-", ""), index)
        user = "usr_%06d" % index
        anon = "anon-%06d-a" % index
        second = "anon-%06d-b" % index if rng.random() < 0.3 else None
        title = rng.choice(TITLES)
        time = rng.uniform(0, 1000)
        budget = per_person + rng.randint(-per_person // 2, per_person // 2)

        def page(device, user_id=None):
            event = {"type": "page", "anonymousId": device, "name": rng.choice(PAGES)}
            if user_id:
                event["userId"] = user_id
            return event

        def lead(device, user_id=None):
            event = {"type": "track", "event": "Lead Generated", "anonymousId": device,
                     "properties": {"lead_source": rng.choice(SOURCES)}}
            if user_id:
                event["userId"] = user_id
            return event

        events = [page(anon) for _ in range(rng.randint(1, 4))]
        if rng.random() < 0.6:
            events.append(lead(anon))  # a form before the identify: no_email the first time
        if rng.random() < 0.9:  # some visitors never identify
            events.append({"type": "identify", "anonymousId": anon, "userId": user,
                           "traits": {"email": email, "name": "%s %s" % (first, last),
                                      "title": title}})
            events.append({"type": "track", "event": "Signed Up", "anonymousId": anon,
                           "userId": user})
            while len(events) < budget:
                x = rng.random()
                if x < 0.55:
                    events.append(page(anon, user))
                elif x < 0.65:
                    events.append({"type": "track", "event": "Logged In", "anonymousId": anon,
                                   "userId": user})
                elif x < 0.73:
                    events.append(lead(anon, user))
                elif x < 0.8:
                    title = rng.choice(TITLES)
                    events.append({"type": "identify", "userId": user, "anonymousId": anon,
                                   "traits": {"title": title}})
                elif second and x < 0.9:
                    # The second device: anonymous pages and a form, joined by a later login.
                    events.append(page(second))
                    if rng.random() < 0.4:
                        events.append(lead(second))
                    if rng.random() < 0.3:
                        events.append({"type": "track", "event": "Logged In",
                                       "anonymousId": second, "userId": user})
                else:
                    events.append(page(anon, user))
        for event in events:
            time += rng.expovariate(1 / 20)
            add(time, event)
    timeline.sort()
    with open(path, "w", encoding="utf-8") as out:
        for _, _, event in timeline[:n_events]:
            out.write(json.dumps(event, separators=(",", ":")) + "\n")
    return min(n_events, len(timeline))


def people_snapshot(mock):
    """What Attio holds per person, without the times of the writes."""
    return {
        person["record_id"]: json.dumps(person["values"], sort_keys=True)
        for person in mock.get("/__mock/people")
    }


def run(binary, arguments, mock, results_path):
    with open(results_path, "wb") as out:
        finished = subprocess.run(
            [binary] + arguments, stdout=out, stderr=subprocess.PIPE, env=mock.environment())
    _, summary = parse_summary(finished.stderr.decode())
    return finished.returncode, dict(result_statuses(results_path)), summary or ""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=os.path.join(REPO_ROOT, ".build", "release",
                                                         "attio-pipe"))
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--people", type=int, default=800)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default="rerun-out")
    parser.add_argument("--write-mode", default="merge", choices=["merge", "assert"])
    args = parser.parse_args()
    if not os.access(args.binary, os.X_OK):
        sys.exit("no attio-pipe at %s (swift build -c release, or --binary PATH)" % args.binary)
    os.makedirs(args.out, exist_ok=True)
    stream = os.path.join(args.out, "rerun-%d-s%d.ndjson" % (args.events, args.seed))
    state = os.path.join(args.out, "rerun.state")
    if os.path.exists(state):
        os.remove(state)
    lines = generate(stream, args.events, args.people, args.seed)
    try:
        mock = MockAttio(TOKEN, ["--rate", "0", "--read-rate", "0"],
                         log_path=os.path.join(args.out, "mock.log"))
    except SetupError as e:
        log("error: %s" % e)
        return 2
    try:
        arguments = ["deliver", "--write-mode", args.write_mode, "--rate", "1000",
                     "--read-rate", "1000", "--state", state, stream]
        report = ["stream: %s, %d lines, %d people generated" % (stream, lines, args.people)]
        before = mock.get("/__mock/stats")
        first = run(args.binary, arguments, mock, os.path.join(args.out, "results-1.ndjson"))
        middle = mock.get("/__mock/stats")
        people = people_snapshot(mock)
        second = run(args.binary, arguments, mock, os.path.join(args.out, "results-2.ndjson"))
        after = mock.get("/__mock/stats")
        changed = sum(1 for record, values in people_snapshot(mock).items()
                      if people.get(record) != values)
        for label, (status, statuses, summary), start, end in [
                ("run 1", first, before, middle), ("run 2 (same file, same --state)", second,
                                                   middle, after)]:
            by_endpoint = collections.Counter(end["by_endpoint"])
            by_endpoint.subtract(start["by_endpoint"])
            report.append("%s: exit %d; %d requests (%d reads, %d writes: %s); results %s" % (
                label, status, end["reads"] + end["writes"] - start["reads"] - start["writes"],
                end["reads"] - start["reads"], end["writes"] - start["writes"],
                json.dumps({k: v for k, v in sorted(by_endpoint.items()) if v}),
                json.dumps(statuses, sort_keys=True)))
            report.append("  summary: %s" % summary.replace("attio-pipe: ", ""))
        report.append("people in the mock: %d; changed by run 2: %d" % (len(people), changed))
        print("\n".join(report))
        return 0 if after["writes"] == middle["writes"] and changed == 0 else 1
    finally:
        mock.stop()


if __name__ == "__main__":
    sys.exit(main())
