#!/usr/bin/env python3
"""Identity memory at any shape of id (issue 24, item 2): attio-pipe against the simplest script.

    python3 scripts/measure_id_shapes.py [--binary PATH] [--visitors 1000000] [--runs 1]
                                         [--shapes uuid,hex24,numeric,short]

For each shape of `anonymousId` it writes (once; cached in --out) a stream of one `identify`
per distinct visitor, each with an email, first and last name, phone and job title, a
`messageId` and a `timestamp`, and no `userId`:

- `uuid`: canonical UUIDs (`cd613e30-d8f1-4adf-91b7-584a2265b1f5`);
- `hex24`: 24 hex digits, as MongoDB ObjectIds (`65a1f0c2e4b0a1b2c3d4e5f6`);
- `numeric`: 12-digit numbers (`100000423117`);
- `short`: short arbitrary strings (`v4231-kq`).

It then runs `attio-pipe build` and `scripts/peers/minimal_orjson.py` (needs orjson) on each,
alternating, and prints wall time and peak RSS (ru_maxrss of the child alone; best of --runs)
with the ratio, plus the machine's load. The figures in Documentation/Performance.md come from
here. Python 3 standard library (and orjson for the peer).
"""

import argparse
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402
from benchlib import stream as streams  # noqa: E402

SHAPES = ("uuid", "hex24", "numeric", "short")
PEER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers", "minimal_orjson.py")


def visitor_id(shape, index, rng):
    if shape == "uuid":
        h = "%032x" % rng.getrandbits(128)
        return "%s-%s-4%s-%s%s-%s" % (h[:8], h[8:12], h[13:16], "89ab"[int(h[16], 16) & 3],
                                      h[17:20], h[20:32])
    if shape == "hex24":
        return "%024x" % rng.getrandbits(96)
    if shape == "numeric":
        return "%d" % (100000000000 + rng.randrange(900000000000))
    letters = "abcdefghijkmnpqrstuvwxyz"
    return "v%d-%s%s" % (index, rng.choice(letters), rng.choice(letters))


def generate(path, shape, visitors, seed):
    """One identify per visitor; deterministic for (shape, visitors, seed)."""
    rng = random.Random("%s-%d" % (shape, seed))
    with open(path + ".tmp", "w") as out:
        for index in range(visitors):
            first = rng.choice(streams.FIRST_NAMES)
            last = rng.choice(streams.LAST_NAMES)
            local = "%s.%s%d" % (streams._slug(first), streams._slug(last), rng.randrange(10000))
            domain = rng.choice(streams.FREE_DOMAINS + streams.COMPANY_DOMAINS)
            phone = "+1 %03d %03d %04d" % (rng.randrange(201, 990), rng.randrange(200, 1000),
                                          rng.randrange(10000))
            seconds = index // 20
            line = ('{"type":"identify","anonymousId":"%s","messageId":"msg-%032x",'
                    '"timestamp":"2024-06-%02dT%02d:%02d:%02d.000Z","traits":{"email":"%s@%s",'
                    '"first_name":"%s","last_name":"%s","phone":"%s","title":"%s"}}\n') % (
                visitor_id(shape, index, rng), rng.getrandbits(128),
                1 + seconds // 86400 % 28, seconds // 3600 % 24, seconds // 60 % 60, seconds % 60,
                local, domain, first, last, phone, rng.choice(streams.TITLES))
            out.write(line)
    os.replace(path + ".tmp", path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", help="attio-pipe to measure (default: swift build -c release)")
    ap.add_argument("--visitors", type=int, default=1000000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--shapes", default=",".join(SHAPES))
    ap.add_argument("--no-peer", action="store_true", help="measure attio-pipe only")
    ap.add_argument("--out", default="bench-out")
    args = ap.parse_args()

    shapes = [s for s in args.shapes.split(",") if s]
    unknown = [s for s in shapes if s not in SHAPES]
    if unknown:
        ap.error("unknown shape %s (one of %s)" % (", ".join(unknown), ", ".join(SHAPES)))
    binary = benchlib.binary_or_build(args.binary)
    out_dir = os.path.abspath(args.out)
    os.makedirs(out_dir, exist_ok=True)
    floor = benchlib.rss_floor_kib(out_dir)
    benchlib.log("machine: %s; load before: %s; RSS floor of the method: %d KiB"
                 % (benchlib.cpu_model(), benchlib.load_text(), floor))

    rows = []
    for shape in shapes:
        path = os.path.join(out_dir, "ids-%s-v%d-s%d.ndjson" % (shape, args.visitors, args.seed))
        if not os.path.exists(path):
            benchlib.log("Generating %s visitors (%s) -> %s"
                         % (benchlib.fmt_int(args.visitors), shape, path))
            generate(path, shape, args.visitors, args.seed)
        benchlib.warm_cache(path)
        scratch = os.path.join(out_dir, "ids-%s" % shape)
        commands = [("attio-pipe", [binary, "build"])]
        if not args.no_peer:
            commands.append(("minimal", [sys.executable, PEER]))
        best = {}
        for _ in range(args.runs):
            for name, argv in commands:
                r = benchlib.run_measured(argv, path, scratch + ".out", scratch + ".err")
                if not r.ok:
                    sys.exit("%s failed on %s (exit %s): %s" % (name, shape, r.code, r.err_tail))
                kept = best.get(name)
                best[name] = (min(kept[0], r.wall) if kept else r.wall,
                              min(kept[1], r.maxrss_kib) if kept else r.maxrss_kib)
        ours = best["attio-pipe"]
        peer = best.get("minimal")
        rows.append((shape, ours, peer, benchlib.load_text()))
        benchlib.log("%-8s attio-pipe %.2f s %.0f MiB%s" % (
            shape, ours[0], ours[1] / 1024.0,
            "; minimal %.2f s %.0f MiB; %.1fx" % (peer[0], peer[1] / 1024.0, peer[0] / ours[0])
            if peer else ""))

    print("| `anonymousId` | attio-pipe | peak RSS | minimal script | peak RSS | ratio | load after |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for shape, ours, peer, load in rows:
        print("| %s | %.2f s | %.0f MiB | %s | %s | %s | %s |" % (
            shape, ours[0], ours[1] / 1024.0,
            "%.2f s" % peer[0] if peer else "-", "%.0f MiB" % (peer[1] / 1024.0) if peer else "-",
            "%.1f×" % (peer[0] / ours[0]) if peer else "-", load))


if __name__ == "__main__":
    main()
