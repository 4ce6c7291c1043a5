#!/usr/bin/env python3
"""What `--spool` costs: ingest throughput, replay after `kill -9`, overhead on delivery.

    python3 scripts/benchmark_spool.py [--binary PATH] [--out bench-out] [--runs 3]
                                       [--events 200000] [--replay-events 100000]
                                       [--no-strace]

Builds attio-pipe (`swift build -c release`) unless --binary is given, generates two streams
into OUT/ with scripts/benchmark.py's generator (scripts/benchlib/stream.py; reused when
present) and measures, best of --runs each:

1. Build-to-spool throughput. `deliver --spool D --state S FILE` on the `mixed` stream
   (--events lines, ~550 bytes each) against a responder that accepts connections and never
   answers: delivery is blocked (the consumer stops at 10 000 queued events), so only the
   ingest thread runs, spooling every line (a group commit, write + `fdatasync`, before every
   read of the file and every 4096 lines or 1 MiB). The time is from the start of the process
   to the modification time of the first `--metrics-file` (rewritten every 0.1 s) that shows
   `attio_pipe_spool_lines_total` equal to the line count, so at most 0.1 s late; then the
   process is killed (SIGKILL). Reported as events/s and MB/s of input. Beside it: the cost of
   one `fdatasync` on this disk (a Python loop of os.write + os.fdatasync next to OUT/), and,
   unless --no-strace or strace is missing, the `fdatasync` calls of one such run and the wall
   time spent in them (`strace -f -c -w`, a separate, untimed run: strace slows it down).
2. Replay. The same kill on a `distinct-identify` stream of --replay-events lines (one identify
   per person, ~97% eligible) leaves a spool whose events have no final result (about 10 000
   of them with their jobs queued, some of those jobs durable, the rest only spooled lines);
   the same command line is then started again against a responder that answers every
   request 200 at once (`--rate 100000 --read-rate 100000 --concurrency 32 --write-mode
   assert`) and timed until it exits (everything delivered), with attio-pipe's CPU time
   (wait4). Recovery alone: the time from the start until the restart creates its new segment
   file (it does so once it has read the old ones), and the time to its first result line
   (which includes the rate limiter's first window, 1 s in every run). Compared with the same
   file delivered without `--spool`.
3. The spool's cost on a normal run: the same file delivered from scratch to the same
   responder with and without `--spool` (wall and CPU time), and the `fdatasync` calls of one
   such run with `--spool` (strace, untimed: the results' `done` records are group-committed).

Every delivery run has `--state S --metrics-file M`; the killed runs `--state-interval 0.1` (the
metrics are polled), the delivery runs `--state-interval 1`. The responders run in a process of
their own (scripts/benchlib/servers.py), so polling here does not slow them down; a Python
asyncio responder on this 2-core machine answers a few thousand requests a second, which bounds
steps 2 and 3. The 1-minute load average is printed with every number (other people build on
this machine). The Markdown table is also written to OUT/spool-results.md.

Python 3 standard library only.
"""

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

from benchlib import (REPO_ROOT, SetupError, attio_env, binary_or_build, count_lines, load1,
                      log, result_statuses)
from benchlib import stream as streams
from benchlib.servers import Responder

TOKEN = "spool-bench-token"


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

METRIC = re.compile(rb"^(attio_pipe_[a-z_]+(?:\{[^}]*\})?) (\S+)$", re.M)


def read_metrics(path):
    try:
        with open(path, "rb") as f:
            text = f.read()
    except OSError:
        return {}
    return {m.group(1).decode(): float(m.group(2)) for m in METRIC.finditer(text)}


def fmt_statuses(counts):
    return ", ".join("%s %d" % kv for kv in sorted(counts.items(), key=lambda kv: -kv[1]))


class Work(object):
    """A fresh spool directory, state, metrics and output files under OUT/."""

    def __init__(self, out):
        self.dir = tempfile.mkdtemp(prefix="spool-bench-", dir=out)
        self.spool = os.path.join(self.dir, "spool")
        self.state = os.path.join(self.dir, "state")
        self.metrics = os.path.join(self.dir, "metrics.prom")

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def deliver_cmd(binary, work, path, spool, interval):
    cmd = [binary, "deliver", "--write-mode", "assert", "--rate", "100000", "--read-rate",
           "100000", "--concurrency", "32", "--no-progress", "--state", work.state,
           "--metrics-file", work.metrics, "--state-interval", interval]
    if spool:
        cmd += ["--spool", work.spool]
    return cmd + [path]


# --------------------------------------------------------------------------
# Measurements
# --------------------------------------------------------------------------

def fdatasync_cost(out, iterations=200):
    """Median and 90th percentile seconds of os.write(N bytes) + os.fdatasync, per size."""
    path = os.path.join(out, "fdatasync-probe")
    result = {}
    for size in (512, 256 * 1024):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        data = b"x" * size
        times = []
        try:
            for _ in range(iterations):
                os.write(fd, data)
                t0 = time.perf_counter()
                os.fdatasync(fd)
                times.append(time.perf_counter() - t0)
        finally:
            os.close(fd)
            os.unlink(path)
        times.sort()
        result[size] = (statistics.median(times), times[int(len(times) * 0.9)])
    return result


def spool_until_done(binary, work, path, lines, hang, settle=0.3, limit=600.0, strace=None):
    """Runs `deliver --spool` against the hanging responder until every line is spooled.

    The end is the modification time of the first `--metrics-file` (rewritten every 0.1 s) that
    shows `attio_pipe_spool_lines_total` at `lines`: at most 0.1 s after the last line was
    appended (an upper bound; the group commit that makes it durable follows at once). The
    process is killed with SIGKILL `settle` seconds later. Returns (seconds from the start to
    that end, metrics at the kill, strace summary or None).
    """
    cmd = deliver_cmd(binary, work, path, True, "0.1")
    summary_path = os.path.join(work.dir, "strace.txt")
    if strace:
        cmd = [strace, "-f", "-qq", "-c", "-w", "-e", "trace=fdatasync,fsync", "-o", summary_path,
               "--"] + cmd
    with open(os.path.join(work.dir, "killed.out"), "wb") as out, \
            open(os.path.join(work.dir, "killed.err"), "wb") as err:
        started = time.time()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=attio_env(hang.base, TOKEN))
    last_mtime, end = None, None
    while True:
        try:
            mtime = os.stat(work.metrics).st_mtime_ns
        except OSError:
            mtime = None
        if mtime is not None and mtime != last_mtime:
            last_mtime = mtime
            metrics = read_metrics(work.metrics)
            if end is None and metrics.get("attio_pipe_spool_lines_total", 0) >= lines:
                end = mtime / 1e9
        if end is not None and time.time() - end >= settle:
            break
        if proc.poll() is not None:
            raise SystemExit("attio-pipe ended early (exit %s): %s" % (
                proc.returncode, open(os.path.join(work.dir, "killed.err"), "rb").read()[-2000:]))
        if time.time() - started > limit:
            proc.kill()
            raise SystemExit("spooling %s did not finish in %.0f s" % (path, limit))
        time.sleep(0.005)
    metrics = read_metrics(work.metrics)
    if strace:
        # Kill attio-pipe itself (strace's child), then let strace write its summary.
        children = open("/proc/%d/task/%d/children" % (proc.pid, proc.pid)).read().split()
        for child in children:
            os.kill(int(child), signal.SIGKILL)
        proc.wait()
        summary = open(summary_path).read()
    else:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        summary = None
    return end - started, metrics, summary


class Delivery(object):
    """What one timed `deliver` run gave."""
    __slots__ = ("wall", "first", "recovered", "cpu", "code", "counts", "load", "replayed")


def deliver_timed(binary, work, path, spool, fast, strace=None, limit=1800.0):
    """Runs `deliver` against the fast responder until it exits.

    Measures the wall time, the time to the first result line, attio-pipe's CPU time (user +
    system, from wait4) and, on a restart, the recovery: the time until a segment file that was
    not in the spool directory before appears (a run opens its own new segment once it has read
    the old ones). With `strace`, the run is traced (`strace -c`) and the summary returned too.
    """
    run = Delivery()
    run.load = load1()
    before = set(os.listdir(work.spool)) if spool and os.path.isdir(work.spool) else None
    out_path = os.path.join(work.dir, "results-%d.out" % time.time_ns())
    summary_path = out_path + ".strace"
    cmd = deliver_cmd(binary, work, path, spool, "1")
    if strace:
        cmd = [strace, "-f", "-qq", "-c", "-w", "-e", "trace=fdatasync,fsync", "-o", summary_path,
               "--"] + cmd
    with open(out_path, "wb") as out, open(out_path + ".err", "wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=attio_env(fast.base, TOKEN))
    run.first = run.recovered = None
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        now = time.perf_counter()
        if pid:
            break
        if before is not None and run.recovered is None:
            try:
                if any(name.startswith("segment-") and name not in before
                       for name in os.listdir(work.spool)):
                    run.recovered = now - started
            except OSError:
                pass
        if run.first is None and os.path.getsize(out_path) > 0:
            run.first = now - started
        if now - started > limit:
            proc.kill()
            raise SystemExit("delivering %s did not finish in %.0f s" % (path, limit))
        time.sleep(0.002 if run.first is None else 0.02)
    run.wall = now - started
    run.code = proc.returncode = os.waitstatus_to_exitcode(status)
    run.cpu = usage.ru_utime + usage.ru_stime
    if run.first is None and os.path.getsize(out_path) > 0:
        run.first = run.wall
    if run.code != 0:
        log("  exit %d: %s" % (run.code, open(out_path + ".err", "rb").read()[-1500:]))
    run.counts = result_statuses(out_path)
    run.replayed = read_metrics(work.metrics).get("attio_pipe_spool_replayed_total", 0)
    summary = open(summary_path).read() if strace else None
    return run, summary


def parse_strace(summary):
    """(calls, seconds) of fdatasync in a `strace -c` summary."""
    for line in summary.splitlines():
        fields = line.split()
        if fields and fields[-1] == "fdatasync":
            return int(fields[3]), float(fields[1])
    return None


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def ensure_stream(out, stream, events, visitors, seed):
    path = os.path.join(out, "spool-%s-%d-s%d-g%d.ndjson" % (
        stream, events, seed, streams.GENERATOR_VERSION))
    if streams.cached(path, events, visitors, seed, stream) is None:
        log("generating %s (%d events) ..." % (path, events))
        streams.generate(path, events, visitors, seed, stream)
    return path, os.path.getsize(path), count_lines(path)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--binary", help="attio-pipe to measure (default: build the release one)")
    ap.add_argument("--out", default=os.path.join(REPO_ROOT, "bench-out"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--events", type=int, default=200_000, help="lines of the ingest stream")
    ap.add_argument("--replay-events", type=int, default=100_000,
                    help="lines of the replay / delivery stream")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-strace", action="store_true", help="do not count fdatasync calls")
    args = ap.parse_args(argv)

    os.makedirs(args.out, exist_ok=True)
    try:
        binary = binary_or_build(args.binary)
    except SetupError as e:
        log("error: %s" % e)
        return 2
    strace = None if args.no_strace else shutil.which("strace")

    mixed, mixed_bytes, mixed_lines = ensure_stream(
        args.out, "mixed", args.events, max(1000, args.events // 20), args.seed)
    ident, ident_bytes, ident_lines = ensure_stream(
        args.out, "distinct-identify", args.replay_events, args.replay_events, args.seed)
    hang, fast = Responder("hang"), Responder("fast")
    rows = []
    try:
        load_start = os.getloadavg()
        sync = fdatasync_cost(args.out)
        sync_load = load1()
        log("fdatasync: %s" % sync)

        # 1. Build-to-spool throughput.
        ingest = []
        for run in range(args.runs):
            work = Work(args.out)
            load = load1()
            seconds, metrics, _ = spool_until_done(binary, work, mixed, mixed_lines, hang)
            disk = metrics.get("attio_pipe_spool_bytes", 0)
            ingest.append((seconds, load, disk))
            log("ingest run %d: %.3f s, %.0f lines/s, load %.2f, spool %.1f MB" % (
                run + 1, seconds, mixed_lines / seconds, load, disk / 1e6))
            work.remove()
        syncs = None
        if strace:
            work = Work(args.out)
            _, _, summary = spool_until_done(binary, work, mixed, mixed_lines, hang,
                                             strace=strace)
            syncs = parse_strace(summary)
            log("strace: fdatasync %s" % (syncs,))
            work.remove()

        # 2 and 3, interleaved so that each comparison sees the same load.
        plain, fresh, replay, killed = [], [], [], []
        for number in range(1, args.runs + 1):
            work = Work(args.out)
            run, _ = deliver_timed(binary, work, ident, False, fast)
            plain.append(run)
            log("no spool run %d: %.2f s, CPU %.2f s, first result %.3f s, load %.2f, %s" % (
                number, run.wall, run.cpu, run.first or -1, run.load, fmt_statuses(run.counts)))
            work.remove()

            work = Work(args.out)
            run, _ = deliver_timed(binary, work, ident, True, fast)
            fresh.append(run)
            log("spool run %d: %.2f s, CPU %.2f s, first result %.3f s, load %.2f, %s" % (
                number, run.wall, run.cpu, run.first or -1, run.load, fmt_statuses(run.counts)))
            work.remove()

            work = Work(args.out)
            load = load1()
            seconds, metrics, _ = spool_until_done(binary, work, ident, ident_lines, hang)
            killed.append((seconds, load))
            run, _ = deliver_timed(binary, work, ident, True, fast)
            replay.append(run)
            log("killed after spooling %d lines in %.2f s (load %.2f); restart: %.2f s, CPU "
                "%.2f s, recovered %.3f s, first result %.3f s, replayed %d, load %.2f, %s" % (
                    ident_lines, seconds, load, run.wall, run.cpu, run.recovered or -1,
                    run.first or -1, run.replayed, run.load, fmt_statuses(run.counts)))
            work.remove()
        delivery_syncs = None
        if strace:
            work = Work(args.out)
            run, summary = deliver_timed(binary, work, ident, True, fast, strace=strace)
            delivery_syncs = parse_strace(summary)
            log("strace of a spool delivery: fdatasync %s, %d results" % (
                delivery_syncs, sum(run.counts.values())))
            work.remove()
    finally:
        hang.close()
        fast.close()

    # Table.
    mb = 1e6
    s_best, k_best = min(ingest), min(killed)
    by_wall = lambda rows: min(rows, key=lambda r: r.wall)
    least = lambda rows, key: min(getattr(r, key) for r in rows if getattr(r, key) is not None)
    p_best, f_best, r_best = by_wall(plain), by_wall(fresh), by_wall(replay)
    results = sum(p_best.counts.values())
    loads = [r[1] for r in ingest + killed] + [r.load for r in plain + fresh + replay]
    lines = []
    lines.append("### Spool benchmark (`scripts/benchmark_spool.py`)")
    lines.append("")
    lines.append("| measurement | best of %d | rate | attio-pipe CPU (best) | load (1 min) |"
                 % args.runs)
    lines.append("|---|---|---|---|---|")
    lines.append("| ingest to spool, `mixed` stream, %d lines, %.1f MB | %.2f s | %.0f events/s, "
                 "%.1f MB/s | | %.2f |" % (mixed_lines, mixed_bytes / mb, s_best[0],
                                            mixed_lines / s_best[0],
                                            mixed_bytes / mb / s_best[0], s_best[1]))
    lines.append("| ingest to spool, `distinct-identify` stream, %d lines, %.1f MB | %.2f s | "
                 "%.0f events/s, %.1f MB/s | | %.2f |" % (
                     ident_lines, ident_bytes / mb, k_best[0], ident_lines / k_best[0],
                     ident_bytes / mb / k_best[0], k_best[1]))
    if syncs:
        lines.append("| `fdatasync` calls while spooling the `mixed` stream (strace, untimed) | "
                     "%d calls, %.2f s in them | %.0f lines, %.0f KiB per call | | |" % (
                         syncs[0], syncs[1], mixed_lines / syncs[0],
                         mixed_bytes / 1024 / syncs[0]))
    lines.append("| one `fdatasync` after a 512 B / 256 KiB write (median; p90) | "
                 "%.2f ms / %.2f ms | p90 %.2f ms / %.2f ms | | %.2f |" % (
                     sync[512][0] * 1e3, sync[262144][0] * 1e3, sync[512][1] * 1e3,
                     sync[262144][1] * 1e3, sync_load))
    lines.append("| deliver %d events (%d results), no `--spool` | %.2f s | %.0f events/s | "
                 "%.2f s | %.2f |" % (ident_lines, results, p_best.wall,
                                      ident_lines / p_best.wall, least(plain, "cpu"),
                                      p_best.load))
    lines.append("| deliver %d events, `--spool` (fresh) | %.2f s | %.0f events/s (%+.0f%% "
                 "time) | %.2f s (%+.0f%%) | %.2f |" % (
                     ident_lines, f_best.wall, ident_lines / f_best.wall,
                     (f_best.wall / p_best.wall - 1) * 100, least(fresh, "cpu"),
                     (least(fresh, "cpu") / least(plain, "cpu") - 1) * 100, f_best.load))
    if delivery_syncs:
        lines.append("| `fdatasync` calls of a `--spool` delivery (strace, untimed) | %d calls, "
                     "%.2f s in them | %.1f results per call | | |" % (
                         delivery_syncs[0], delivery_syncs[1], results / delivery_syncs[0]))
    lines.append("| restart after `kill -9` with %d spooled events (%d jobs sent again from "
                 "the spool, the other lines processed again), until all delivered | %.2f s | "
                 "%.0f events/s (%+.0f%% time vs no spool) | %.2f s (%+.0f%%) | %.2f |" % (
                     ident_lines, r_best.replayed, r_best.wall, ident_lines / r_best.wall,
                     (r_best.wall / p_best.wall - 1) * 100, least(replay, "cpu"),
                     (least(replay, "cpu") / least(plain, "cpu") - 1) * 100, r_best.load))
    lines.append("| restart: recovery (start until it opens its new segment, the old ones read) "
                 "| %.3f s | | | |" % least(replay, "recovered"))
    lines.append("| start to the first result line: no spool / fresh spool / restart (the "
                 "rate limiter's first window is 1 s) | %.3f s / %.3f s / %.3f s | | | |" % (
                     least(plain, "first"), least(fresh, "first"), least(replay, "first")))
    lines.append("")
    lines.append("Results of the restart: %s; of the run without spool: %s." % (
        fmt_statuses(r_best.counts), fmt_statuses(p_best.counts)))
    lines.append("")
    lines.append("Load average (1 min) during the runs: %.2f-%.2f (at start %s); %d CPUs; %s." % (
        min(loads), max(loads), " / ".join("%.2f" % x for x in load_start), os.cpu_count(),
        binary))
    text = "\n".join(lines)
    print(text)
    with open(os.path.join(args.out, "spool-results.md"), "w") as f:
        f.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
