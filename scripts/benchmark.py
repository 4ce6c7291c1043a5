#!/usr/bin/env python3
"""Throughput / memory benchmark of attio-pipe against two peers.

    python3 scripts/benchmark.py [--stream mixed|identify-heavy|distinct-identify]
                                 [--events 1000000] [--visitors 50000] [--seed 1]
                                 [--out bench-out] [--skip-jq] [--jq-events 200000]
                                 [--runs 3] [--binary PATH]

1. Generates (deterministically, with scripts/benchlib/stream.py; reused when
   already present with the same parameters) a realistic Segment-spec NDJSON
   stream into OUT/. `--stream`:
   - `mixed` (default): mostly `page` and commerce/UI `track` events with a
     browser `context`, some `identify` calls and identity-bearing tracks
     (Signed Up, Logged In, Lead Generated), aliases, userIds linked to
     anonymousIds, ~550 bytes per line on average;
   - `identify-heavy`: the same site, but about 8% `identify` calls with names
     and phones (a fifth of the phones not normalisable) and non-ASCII,
     upper-case emails, and about 14% eligible events;
   - `distinct-identify`: one `identify` per visitor (`--visitors` is set to
     `--events`): email, names, phone, job title; the memory-per-visitor case.
2. Builds attio-pipe (`swift build -c release`) unless --binary is given.
3. Runs, each in its own subprocess with stdout redirected to a file:
     attio-pipe build --quiet FILE           (best of --runs)
     python3 scripts/peers/attio_pipe_orjson.py < FILE   (best of --runs)
     jq -c -n -f scripts/peers/attio_pipe.jq < PREFIX    (1 run on the first
        --jq-events events, throughput extrapolated to the whole file)
   Wall time via time.perf_counter(), peak RSS via os.wait4() -> ru_maxrss,
   both taken in a minimal launcher process (benchlib.run_measured; see its
   _LAUNCHER for why).
4. Compares outputs (attio-pipe vs Python line for line; jq vs Python on the
   jq prefix), checks memory flatness (attio-pipe on the first 10% vs the
   whole file) and prints a Markdown table, also written to OUT/results-STREAM.md.

Python 3 standard library only (the peers need orjson and jq).
"""

import argparse
import itertools
import os
import platform
import shutil
import sys

from benchlib import (REPO_ROOT, SCRIPT_DIR, RunResult, SetupError, binary_or_build, count_lines,
                      cpu_model, fmt_int, log, machine, rss_floor_kib, run_measured, tool_version,
                      warm_cache, write_prefix)
from benchlib import stream as streams

PY_PEER = os.path.join(SCRIPT_DIR, "peers", "attio_pipe_orjson.py")
JQ_PEER = os.path.join(SCRIPT_DIR, "peers", "attio_pipe.jq")


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------

def summarize_mix(stats):
    """Groups the generator's per-kind counts for the report."""
    total = sum(stats.values())
    eligible = {"identified", "signedup", "loggedin", "leadgenerated"}
    groups = {"page": 0, "track (other)": 0, "identify": 0, "track (eligible)": 0,
              "alias": 0, "group": 0}
    for k, c in stats.items():
        if k.startswith("track: "):
            norm = "".join(ch for ch in k[7:].lower() if ch.isalnum())
            groups["track (eligible)" if norm in eligible else "track (other)"] += c
        else:
            groups[k] = groups.get(k, 0) + c
    return total, groups



def compare_outputs(path_a, path_b):
    """Line-for-line comparison. Returns dict(identical, lines_a, lines_b,
    differing (positions), first=(lineno, a, b) or None, only_a, only_b
    (lines present in one output but not the other, counted as multisets,
    which stays meaningful when one side skipped or added a line))."""
    first = None
    differing = 0
    na = nb = 0
    count = {}
    with open(path_a, "rb") as fa, open(path_b, "rb") as fb:
        for i, (la, lb) in enumerate(itertools.zip_longest(fa, fb), 1):
            if la is not None:
                na += 1
            if lb is not None:
                nb += 1
            if la != lb:
                differing += 1
                if first is None:
                    first = (i, la, lb)
                if la is not None:
                    count[la] = count.get(la, 0) + 1
                if lb is not None:
                    count[lb] = count.get(lb, 0) - 1
    only_a = sum(c for c in count.values() if c > 0)
    only_b = -sum(c for c in count.values() if c < 0)
    return {"identical": differing == 0, "lines_a": na, "lines_b": nb,
            "differing": differing, "first": first, "only_a": only_a, "only_b": only_b}



def fmt_line(b, limit=400):
    if b is None:
        return "(no line)"
    s = b.decode("utf-8", "replace").rstrip("\n")
    return s if len(s) <= limit else s[:limit] + "…"



def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stream", choices=streams.STREAMS,
                    default="mixed", help="which stream to generate and measure (default mixed)")
    ap.add_argument("--events", type=int, default=1000000)
    ap.add_argument("--visitors", type=int, default=50000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default="bench-out")
    ap.add_argument("--skip-jq", action="store_true", help="do not run the jq peer")
    ap.add_argument("--jq-events", type=int, default=200000,
                    help="jq runs on this many leading events, throughput is extrapolated (default 200000)")
    ap.add_argument("--runs", type=int, default=3, help="runs per implementation, best wall time kept")
    ap.add_argument("--binary", help="use this attio-pipe binary instead of building")
    args = ap.parse_args()
    if args.events < 10 or args.visitors < 1:
        ap.error("need --events >= 10 and --visitors >= 1")
    if args.stream == "distinct-identify":
        args.visitors = args.events

    out_dir = os.path.abspath(args.out)
    os.makedirs(out_dir, exist_ok=True)
    logs = os.path.join(out_dir, "logs")
    os.makedirs(logs, exist_ok=True)

    # 1. stream -------------------------------------------------------------
    stem = "events-e%d-v%d-s%d" % (args.events, args.visitors, args.seed)
    if args.stream != "mixed":
        stem = "%s-%s" % (args.stream, stem)
    events_path = os.path.join(out_dir, stem + ".ndjson")
    meta = streams.cached(events_path, args.events, args.visitors, args.seed, args.stream)
    if meta is None:
        log("Generating %s events from %s visitors (seed %d) -> %s" % (
            fmt_int(args.events), fmt_int(args.visitors), args.seed, events_path))
        meta = streams.generate(events_path, args.events, args.visitors, args.seed, args.stream)
    else:
        log("Reusing %s" % events_path)
    n_events = meta["events"]
    n_bytes = meta["bytes"]
    total, mix = summarize_mix(meta["stats"])

    tenth_n = max(1, n_events // 10)
    tenth_path = os.path.join(out_dir, stem + ".head10pct.ndjson")
    tenth_bytes = write_prefix(events_path, tenth_path, tenth_n)
    jq_n = min(args.jq_events, n_events)
    jq_path = events_path if jq_n == n_events else os.path.join(out_dir, stem + ".head%d.ndjson" % jq_n)
    jq_bytes = n_bytes if jq_n == n_events else write_prefix(events_path, jq_path, jq_n)

    # 2. binary -------------------------------------------------------------
    try:
        binary = binary_or_build(args.binary)
        bin_msg = "given with --binary" if args.binary else "built with `swift build -c release`"
    except SetupError as e:
        binary, bin_msg = None, str(e)
    if binary is None:
        log("attio-pipe NOT AVAILABLE: %s" % bin_msg)

    warm_cache(events_path)
    floor_kib = rss_floor_kib(logs)

    # 3. runs ---------------------------------------------------------------
    py_argv = [sys.executable, PY_PEER]
    jq_bin = shutil.which("jq")
    results = {}
    out_ap = os.path.join(out_dir, "out-attio-pipe-%s.ndjson" % args.stream)
    out_py = os.path.join(out_dir, "out-python-orjson-%s.ndjson" % args.stream)
    ap_argv = [binary, "build", "--quiet", events_path] if binary else None

    ap_runs, py_runs = [], []
    ap_fail = py_fail = None
    for i in range(args.runs):
        if ap_argv and ap_fail is None:
            r = run_measured(ap_argv, None, out_ap, os.path.join(logs, "attio-pipe.stderr"))
            if r.ok:
                ap_runs.append(r)
                log("  attio-pipe     run %d/%d: %6.2f s  peak RSS %7.1f MiB" % (
                    i + 1, args.runs, r.wall, r.maxrss_kib / 1024.0))
            else:
                ap_fail = r
                log("  attio-pipe FAILED (exit %s): %s" % (r.code, r.err_tail[-800:]))
        if py_fail is None:
            r = run_measured(py_argv, events_path, out_py, os.path.join(logs, "python.stderr"))
            if r.ok:
                py_runs.append(r)
                log("  python+orjson  run %d/%d: %6.2f s  peak RSS %7.1f MiB" % (
                    i + 1, args.runs, r.wall, r.maxrss_kib / 1024.0))
            else:
                py_fail = r
                log("  python+orjson FAILED (exit %s): %s" % (r.code, r.err_tail[-800:]))

    def best(runs):
        if not runs:
            return None
        b = min(runs, key=lambda r: r.wall)
        return RunResult(True, b.wall, max(r.maxrss_kib for r in runs), 0, "")

    results["ap"] = best(ap_runs)
    results["py"] = best(py_runs)

    # memory flatness: attio-pipe on the first 10%
    ap_tenth = None
    if results["ap"] is not None:
        r = run_measured([binary, "build", "--quiet", tenth_path], None,
                         os.path.join(out_dir, "out-attio-pipe-head10pct.ndjson"),
                         os.path.join(logs, "attio-pipe-head10pct.stderr"))
        ap_tenth = r if r.ok else None
        log("  attio-pipe on first 10%%: %s" % (
            "peak RSS %.1f MiB" % (r.maxrss_kib / 1024.0) if r.ok else "FAILED: " + r.err_tail[-300:]))

    # jq on a prefix (+ the Python peer on the same prefix, for a correctness check)
    jq_res = jq_fail = None
    jq_cmp = None
    out_jq = os.path.join(out_dir, "out-jq-prefix.ndjson")
    out_py_prefix = os.path.join(out_dir, "out-python-orjson-prefix.ndjson")
    if args.skip_jq:
        jq_note = "skipped (--skip-jq)"
    elif jq_bin is None:
        jq_note = "skipped (jq not found)"
    else:
        jq_note = None
        log("  jq on the first %s events (slow) ..." % fmt_int(jq_n))
        r = run_measured([jq_bin, "-c", "-n", "-f", JQ_PEER], jq_path, out_jq,
                         os.path.join(logs, "jq.stderr"))
        if r.ok:
            jq_res = r
            log("  jq             run 1/1: %6.2f s  peak RSS %7.1f MiB" % (r.wall, r.maxrss_kib / 1024.0))
            if jq_path == events_path and results["py"] is not None:
                jq_cmp = compare_outputs(out_py, out_jq)
            else:
                pr = run_measured(py_argv, jq_path, out_py_prefix, os.path.join(logs, "python-prefix.stderr"))
                if pr.ok:
                    jq_cmp = compare_outputs(out_py_prefix, out_jq)
        else:
            jq_fail = r
            log("  jq FAILED (exit %s): %s" % (r.code, r.err_tail[-800:]))

    # 4. report -------------------------------------------------------------
    mb = n_bytes / 1e6
    rows = []

    def row(label, res, events, nbytes, bodies, wall_note=""):
        eps = events / res.wall
        rss = "%.1f" % (res.maxrss_kib / 1024.0)
        if res.maxrss_kib <= floor_kib * 1.03:
            rss = "≤ " + rss  # at the launcher's floor: the real figure is lower
        return "| %s | %s | %s%s | %s | %.1f | %s | %s |" % (
            label, fmt_int(events), "%.2f" % res.wall, wall_note, fmt_int(eps),
            nbytes / 1e6 / res.wall, rss, fmt_int(bodies))

    swift_ver = tool_version(["swift", "--version"]) if shutil.which("swift") else "swift not found"
    try:
        import importlib
        orjson_ver = importlib.import_module("orjson").__version__
    except Exception:
        orjson_ver = "?"
    py_ver = platform.python_version()
    jq_ver = tool_version([jq_bin, "--version"]) if jq_bin else "jq not found"

    ap_bodies = count_lines(out_ap) if results["ap"] else None
    py_bodies = count_lines(out_py) if results["py"] else None

    if results["ap"]:
        rows.append(row("attio-pipe (Swift, release)", results["ap"], n_events, n_bytes, ap_bodies))
    else:
        reason = bin_msg if binary is None else "run failed (exit %s)" % (ap_fail.code if ap_fail else "?")
        rows.append("| attio-pipe (Swift, release) | — | — | — | — | — | not available: %s |"
                    % reason.splitlines()[0].replace("|", "\\|"))
    if results["py"]:
        rows.append(row("Python %s + orjson %s (peer)" % (py_ver, orjson_ver), results["py"], n_events,
                        n_bytes, py_bodies))
    else:
        rows.append("| Python + orjson | — | — | — | — | — | failed (exit %s) |" % py_fail.code)
    if jq_res:
        scaled = n_events / (jq_n / jq_res.wall)
        note = " (≈%s s for all %s)" % ("%.0f" % scaled if scaled >= 10 else "%.1f" % scaled,
                                       fmt_int(n_events)) if jq_n != n_events else ""
        rows.append(row("%s (peer; first %s events%s)" % (jq_ver, fmt_int(jq_n),
                                                    ", extrapolated" if jq_n != n_events else ""),
                        jq_res, jq_n, jq_bytes, count_lines(out_jq), note))
    elif jq_fail:
        rows.append("| jq | — | — | — | — | — | failed (exit %s) |" % jq_fail.code)

    md = []
    md.append("### Throughput benchmark: `--stream %s`" % args.stream)
    md.append("")
    md.append("Input: %s Segment events, %.1f MB (%d bytes/line on average) from %s visitors "
              "(seed %d), generated by `scripts/benchmark.py`: %s." % (
                  fmt_int(n_events), mb, round(n_bytes / n_events), fmt_int(meta["visitors"]),
                  meta["seed"],
                  ", ".join("%s %.1f%%" % (k, 100.0 * v / total)
                            for k, v in sorted(mix.items(), key=lambda kv: -kv[1]) if v)))
    md.append("Machine: %s; %s; jq: %s." % (machine(cpu_model()), swift_ver, jq_ver))
    md.append("")
    md.append("| Implementation | Events | Wall time (s) | Events/s | MB/s | Peak RSS (MiB) | Bodies |")
    md.append("|---|---:|---:|---:|---:|---:|---:|")
    md.extend(rows)
    md.append("")
    if results["ap"] and results["py"]:
        ratio = (n_events / results["ap"].wall) / (n_events / results["py"].wall)
        md.append("- attio-pipe / Python+orjson throughput: **%.1f×** events/s." % ratio)
    if results["ap"] and results["py"]:
        c = compare_outputs(out_ap, out_py)
        if c["identical"]:
            md.append("- Output check: attio-pipe and the Python peer produced identical output "
                      "(%s bodies, line for line)." % fmt_int(c["lines_a"]))
        else:
            i, la, lb = c["first"]
            md.append("- Output check: attio-pipe (%s lines) and the Python peer (%s lines) are "
                      "**not identical**: %s lines appear only in attio-pipe's output and %s only "
                      "in the Python peer's (%s positions differ); first difference at line %d "
                      "(outputs kept in `%s/`):" % (
                          fmt_int(c["lines_a"]), fmt_int(c["lines_b"]), fmt_int(c["only_a"]),
                          fmt_int(c["only_b"]), fmt_int(c["differing"]), i,
                          os.path.basename(out_dir)))
            md.append("  - attio-pipe: `%s`" % fmt_line(la))
            md.append("  - python:     `%s`" % fmt_line(lb))
    if jq_cmp is not None:
        if jq_cmp["identical"]:
            md.append("- jq peer output identical to the Python peer's on the same %s events "
                      "(%s bodies)." % (fmt_int(jq_n), fmt_int(jq_cmp["lines_a"])))
        else:
            i, la, lb = jq_cmp["first"]
            md.append("- jq vs Python peer on the first %s events: NOT identical (%s lines only in "
                      "Python's, %s only in jq's); first difference at line %d: python `%s` / "
                      "jq `%s`." % (fmt_int(jq_n), fmt_int(jq_cmp["only_a"]),
                                    fmt_int(jq_cmp["only_b"]), i, fmt_line(la), fmt_line(lb)))
    if jq_note:
        md.append("- jq: %s." % jq_note)
    if results["ap"] and ap_tenth:
        md.append("- Memory flatness: attio-pipe peak RSS %.1f MiB on the first 10%% (%s events, "
                  "%.0f MB, %s distinct ids) vs %.1f MiB on the whole file (%s events, "
                  "%.0f MB, %s distinct ids; identity state must grow with distinct ids)." % (
                      ap_tenth.maxrss_kib / 1024.0, fmt_int(tenth_n), tenth_bytes / 1e6,
                      fmt_int(meta["distinct_ids_head10pct"]),
                      results["ap"].maxrss_kib / 1024.0, fmt_int(n_events), mb,
                      fmt_int(meta["distinct_ids"])))
    if binary is None:
        md.append("- attio-pipe was not measured: %s" % bin_msg.replace("\n", "\n  "))
        stale = os.path.join(REPO_ROOT, ".build", "release", "attio-pipe")
        if not args.binary and os.access(stale, os.X_OK):
            md.append("  (an older build exists: `--binary %s` would benchmark it)" %
                      os.path.relpath(stale, os.getcwd()))
    elif ap_fail is not None:
        err = ap_fail.err_tail.splitlines()[-10:]
        if err:
            md.append("- attio-pipe failed (exit %s) on `%s build --quiet FILE`:\n  ```\n  %s\n  ```" % (
                ap_fail.code, binary, "\n  ".join(err)))
        else:
            md.append("- attio-pipe failed (exit %s, no stderr output) on `%s build --quiet FILE`." % (
                ap_fail.code, binary))
    md.append("- Method: each implementation runs in its own process reading the same file "
              "(attio-pipe: `attio-pipe build --quiet FILE`; peers: stdin), stdout to a file; "
              "wall time is the best of %d run(s) (jq: 1 run on the first %s events, "
              "events/s extrapolated to the full stream); peak RSS = `ru_maxrss` from "
              "`wait4` (max over runs), taken by a minimal `python3 -I -S` launcher that "
              "forks and execs the command (Linux carries `ru_maxrss` across exec, so the "
              "floor of this method is %.1f MiB, measured on `true`); MB = 10^6 bytes. "
              "Peers: `scripts/peers/`." % (args.runs, fmt_int(jq_n), floor_kib / 1024.0))
    text = "\n".join(md) + "\n"
    results_path = os.path.join(out_dir, "results-%s.md" % args.stream)
    with open(results_path, "w") as f:
        f.write(text)
    print(text)
    log("Written to %s" % results_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
