#!/usr/bin/env python3
"""What `--signal` costs (issue 23): throughput of `build` and writes per hour of events.

    python3 scripts/measure_signals.py [--binary PATH] [--events 1000000] [--runs 3]

Runs `attio-pipe build` on the throughput benchmark's `mixed` stream (scripts/benchlib, the
same bytes as scripts/benchmark.py's) three ways, alternating, best wall time of --runs:

- without `--signal`;
- with three signals: `last_seen`, `first_seen` and `count:Order Completed`;
- the same with `--signal-interval 15m`;
- the same with `--signal-interval 10000h`: signals only ride on upserts, so the difference to
  the first run is the per-event cost of keeping them, without the writes they add;
- `last_seen` and the count alone, the same way (`first_seen` makes a profile for every
  anonymous visitor, which the other two do not).

and prints, for each, the wall time, the events per second, the bodies written (Attio writes
in `deliver`, before delivery's own merging of a person's queued writes) and those per hour of
the stream's own time (from its first and last `timestamp`).

Python 3 standard library only.
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402
from benchlib import stream as streams  # noqa: E402

SIGNALS = [
    "--signal", "last_seen=last_seen_at", "--signal", "first_seen=first_seen_at",
    "--signal", "count:Order Completed=orders",
]


def stream_hours(path):
    """Hours between the stream's first and last `timestamp`."""
    with open(path, "rb") as f:
        first = json.loads(f.readline())["timestamp"]
        f.seek(max(0, os.path.getsize(path) - 65536))
        last = json.loads(f.read().splitlines()[-1])["timestamp"]
    seconds = [streams_time(t) for t in (first, last)]
    return (seconds[1] - seconds[0]) / 3600.0


def streams_time(text):
    import calendar
    import time
    base, _, fraction = text.rstrip("Z").partition(".")
    return calendar.timegm(time.strptime(base, "%Y-%m-%dT%H:%M:%S")) + float("0." + (fraction or "0"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", help="attio-pipe to measure (default: swift build -c release)")
    ap.add_argument("--events", type=int, default=1000000)
    ap.add_argument("--visitors", type=int, default=50000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", default="bench-out")
    args = ap.parse_args()

    binary = benchlib.binary_or_build(args.binary)
    out_dir = os.path.abspath(args.out)
    os.makedirs(out_dir, exist_ok=True)
    stem = "events-e%d-v%d-s%d" % (args.events, args.visitors, args.seed)
    path = os.path.join(out_dir, stem + ".ndjson")
    meta = streams.cached(path, args.events, args.visitors, args.seed, "mixed")
    if meta is None:
        benchlib.log("Generating %s events -> %s" % (benchlib.fmt_int(args.events), path))
        meta = streams.generate(path, args.events, args.visitors, args.seed, "mixed")
    benchlib.warm_cache(path)
    hours = stream_hours(path)

    variants = [
        ("no --signal", []),
        ("three signals", SIGNALS),
        ("three signals, --signal-interval 15m", SIGNALS + ["--signal-interval", "15m"]),
        ("three signals, --signal-interval 10000h", SIGNALS + ["--signal-interval", "10000h"]),
        ("last_seen and the count, --signal-interval 10000h",
         SIGNALS[:2] + SIGNALS[4:] + ["--signal-interval", "10000h"]),
    ]
    best = {name: None for name, _ in variants}
    bodies = {}
    for run in range(args.runs):
        for name, extra in variants:
            out = os.path.join(out_dir, "signals-out.ndjson")
            err = os.path.join(out_dir, "signals-err.txt")
            result = benchlib.run_measured([binary, "build"] + extra, path, out, err)
            if not result.ok:
                sys.exit("attio-pipe build %s failed: %s" % (" ".join(extra), result.err_tail))
            with open(err) as f:
                summary, _ = benchlib.parse_summary(f.read())
            bodies[name] = summary.get("bodies written", 0)
            if best[name] is None or result.wall < best[name].wall:
                best[name] = result
            benchlib.log("run %d/%d %-40s %.2f s" % (run + 1, args.runs, name, result.wall))

    print("attio-pipe build on the mixed stream: %s events, %.1f hours of event time; %s"
          % (benchlib.fmt_int(meta["events"]), hours, benchlib.load_text()))
    print()
    print("| run | wall (best of %d) | events/s | vs. no signal | bodies | bodies per hour |"
          % args.runs)
    print("|---|---:|---:|---:|---:|---:|")
    base = best["no --signal"].wall
    for name, _ in variants:
        result = best[name]
        print("| %s | %.2f s | %s | %+.1f%% | %s | %s |" % (
            name, result.wall, benchlib.fmt_int(int(meta["events"] / result.wall)),
            (result.wall / base - 1) * 100, benchlib.fmt_int(bodies[name]),
            benchlib.fmt_int(int(bodies[name] / hours))))


if __name__ == "__main__":
    main()
