#!/usr/bin/env python3
"""Instruction and allocation budgets of the hot paths, checked in CI (issue 24, item 3).

    python3 scripts/budget.py [--binary PATH] [--only NAME[,NAME]] [--runs N]
                              [--work DIR] [--update --reason TEXT]

Runs attio-pipe under `valgrind --tool=callgrind` on fixed inputs and compares what it counts
with scripts/budgets.json:

- `build mixed`, `build identify-heavy`, `build distinct-identify`: `attio-pipe build --quiet`
  on the first 100 000 events of each of scripts/benchmark.py's streams (seed 1; the same
  lines as the head of `benchmark.py --stream STREAM`'s default 1 000 000-event file, so the
  counts compare with the ones in Documentation/Performance.md).
- `deliver`: `attio-pipe deliver --concurrency 1` (merge mode, the default) of the first 500
  `identify` calls of the distinct-identify stream with an email not seen before (492
  eligible; 8 addresses are invalid) to Tests/MockAttio/mock_attio.py on 127.0.0.1, where
  every other person exists already: per person a records query, then a create or a PATCH
  planned against the record found (984 requests, every answer read).

Two figures per run, each with a budget:

- `instructions`: instructions executed (callgrind's Ir, every thread) in attio-pipe's own
  code: the binary, which in the release build holds the Swift runtime and Foundation too
  (a dynamically linked --binary: the binary plus the toolchain's libswift*/libFoundation*/
  libdispatch/libBlocksRuntime). Not counted: libc, the dynamic loader, libcurl and the
  other system libraries (see "Determinism" below); they are shown, not budgeted.
- `allocations`: calls to malloc, calloc, realloc, posix_memalign, aligned_alloc and
  memalign from anywhere in the process, so allocation work that happens in libc is still
  budgeted.

A figure fails when it exceeds budget x (1 + tolerance) (tolerance 5% unless budgets.json
says otherwise for a run); one that fell more than the tolerance below its budget is reported
with a suggestion to lower the budget (not a failure). Exit status: 0 within budget, 1 over
budget, 2 when something could not be measured (valgrind or objcopy missing, build failed,
a run failed, or the input or the work done is not the one the budget was measured on).

To raise (or lower) a budget on purpose, in the commit that changes the cost:

    python3 scripts/budget.py --update --reason 'why the hot path now costs more'

which rewrites budgets.json with the counts just measured (all runs, or those of --only).

The binary is built as scripts/release.sh builds it (`swift build -c release
--static-swift-stdlib --scratch-path .build-release --product attio-pipe`): what is measured is
what ships, and in .ci/run release.sh then finds that build done (no second release build).
--binary PATH measures another binary; budgets were measured on the release.sh build, so a
plain `swift build -c release` binary (Swift runtime in shared libraries) counts about 0.2%
more in the binary-plus-runtime figure and is fine for a quick look, not for --update.

Determinism (why these choices; each was checked on a 2-core Debian 12 VM, valgrind 3.19):

- Instructions, not time: callgrind counts what the CPU would execute, so load from other
  work on the machine does not move the figure. Five runs of each build-mode stream differed
  by 0.07% at most (the two threads share the JSON scanning by who is free, and a hand-over
  costs a little), allocations by 0.02% at most.
- glibc picks memcpy, memmove, strlen, memchr ... variants by CPU at load time (ifunc:
  SSE2, AVX2, EVEX/AVX-512, ERMS and the cache sizes decide), so libc's instruction counts
  differ between machines with the same code. Measured here on `build mixed`: with
  GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2,-AVX_Fast_Unaligned_Load,-ERMS (what a CPU without
  AVX2 gets) libc's count goes from 45.5 M to 77.0 M instructions, attio-pipe's own stays
  within 0.02%. (Valgrind 3.19 hides AVX-512, so under it glibc never takes the EVEX
  variants it would take natively here.) Hence only attio-pipe's own object is counted: its
  code does not depend on the CPU it runs on (SIMD types compile to SSE2). The dynamic
  loader's count depends on the installed libraries; libcurl's on its version.
- Swift randomises hashing per process (Dictionary and Set layouts, and so probes and
  collisions, change from run to run): the runs set SWIFT_DETERMINISTIC_HASHING=1, a
  precaution (no difference was measurable beyond the threads' spread).
- Callgrind counts what runs, so the environment is fixed: the runs get only PATH, LC_ALL=C,
  SWIFT_DETERMINISTIC_HASHING and (deliver) the mock's key and address; they run in the work
  directory with relative file names and a copy of the binary at WORK/attio-pipe, so neither
  the checkout's path nor the caller's environment and locale reach the measured process.
- The copy is `objcopy --strip-debug` of the binary: valgrind 3.19 cannot read the DWARF
  that Swift 6.3 writes. Stripping debug sections does not change the code.
- The streams are generated by scripts/benchmark.py's generator (scripts/benchlib/stream.py:
  Python's random with a fixed seed). budgets.json records each input's SHA-256, the number
  of bodies or results and (deliver) the requests: when one differs, the counts are not
  comparable and the script says so (exit 2) instead of comparing; a generator change needs
  --update too.
- Delivery: with --concurrency 1, no rate limit in the mock or in attio-pipe (--rate and
  --read-rate 100000), one eligible event per person and the mock answering each request at
  once, the requests and their order do not depend on timing. The mock is
  Tests/MockAttio/mock_attio.py with Nagle's algorithm turned off (it writes a reply's
  headers and body separately, so with Nagle each answer waited about 40 ms for the delayed
  ACK). Which of the worker threads does a piece of work changes from run to run (the
  per-thread counts and even the number of threads differ), so the figure is the sum over
  all threads (--separate-threads=yes is kept for looking at them); seven runs differed by
  0.02% in instructions and 0.11% in allocations.
- The Swift toolchain and valgrind versions are recorded in budgets.json: a new toolchain
  changes the code generated, so the budgets are measured again (--update) with it.

Python 3 standard library only.
"""

import argparse
import collections
import datetime
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

from benchlib import (REPO_ROOT, SCRIPT_DIR, SetupError, build_release, fmt_int, log,
                      parse_summary, result_statuses, tool_version)
from benchlib import stream as streams
from benchlib.servers import MockAttio

BUDGETS = os.path.join(SCRIPT_DIR, "budgets.json")
DEFAULT_WORK = os.path.join(REPO_ROOT, ".build-budget")
DEFAULT_TOLERANCE = 0.05
BUILD_EVENTS = 100000
SEED = 1
# (run name, benchmark.py stream, visitors of benchmark.py's default 1 000 000-event stream)
BUILD_RUNS = [("build mixed", "mixed", 50000),
              ("build identify-heavy", "identify-heavy", 50000),
              ("build distinct-identify", "distinct-identify", 1000000)]
DELIVER_RUN = "deliver"
DELIVER_PEOPLE = 500
TOKEN = "budget-token-0b6c1f6e2a7d4e0f9c35"  # long: attio-pipe redacts it from answers
ALLOC_FUNCTIONS = {"malloc", "calloc", "realloc", "posix_memalign", "aligned_alloc",
                   "memalign"}
# Toolchain libraries counted with the binary when it is linked dynamically.
RUNTIME_LIBRARY = re.compile(r"^(libswift[^/]*|libFoundation[^/]*|lib_Foundation[^/]*|"
                             r"libdispatch|libBlocksRuntime)\.so(\.[0-9.]+)?$")
RUN_TIMEOUT = 900  # seconds, one valgrind run


# --------------------------------------------------------------------------
# The binary
# --------------------------------------------------------------------------

def build_binary():
    """Builds as scripts/release.sh does; returns the binary's path."""
    return build_release(["--static-swift-stdlib", "--scratch-path", ".build-release",
                          "--product", "attio-pipe"], prefix="budget: ")


def prepare_binary(binary, work):
    """WORK/attio-pipe: the binary without its debug sections, which valgrind cannot read."""
    if not os.access(binary, os.X_OK):
        raise SetupError("%s does not exist or is not executable" % binary)
    if shutil.which("objcopy") is None:
        raise SetupError("objcopy (binutils) not found: it strips the debug information "
                         "valgrind 3.19 cannot read")
    copy = os.path.join(work, "attio-pipe")
    if os.path.exists(copy):
        os.remove(copy)
    p = subprocess.run(["objcopy", "--strip-debug", binary, copy],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if p.returncode != 0:
        raise SetupError("objcopy --strip-debug %s failed: %s"
                         % (binary, p.stdout.decode("utf-8", "replace").strip()))
    return copy


# --------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------

def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def make_stream(work, stream, visitors):
    """WORK/STREAM.ndjson: the first BUILD_EVENTS events of benchmark.py's stream."""
    path = os.path.join(work, "%s.ndjson" % stream)
    if streams.cached(path, BUILD_EVENTS, visitors, SEED, stream) is not None:
        return path
    t0 = time.time()
    # The generator stops after n_events; with the same visitors the lines are the head of
    # the 1 000 000-event stream benchmark.py writes by default.
    streams.generate(path, BUILD_EVENTS, visitors, SEED, stream)
    log("budget:   generated %s (%.0f s)" % (os.path.basename(path), time.time() - t0))
    return path


def normalized_email(event):
    email = (event.get("traits") or {}).get("email")
    return email.strip().lower() if isinstance(email, str) else None


def make_delivery_input(work, distinct_stream, binary):
    """WORK/deliver.ndjson and the people to seed the mock with.

    The first DELIVER_PEOPLE lines of the distinct-identify stream whose email is new (one
    eligible event per person: no two events for one person are ever waiting together, so
    nothing is coalesced and the requests do not depend on timing), and every other person's
    email as attio-pipe normalises it (taken from `build`'s bodies, run natively)."""
    path = os.path.join(work, "deliver.ndjson")
    seen = set()
    kept = []
    with open(distinct_stream, encoding="utf-8") as f:
        for line in f:
            email = normalized_email(json.loads(line))
            if email is None or email in seen:
                continue
            seen.add(email)
            kept.append(line)
            if len(kept) == DELIVER_PEOPLE:
                break
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(kept)
    p = subprocess.run([binary, "build", "--quiet", path], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=measured_env(), cwd=work, timeout=300)
    if p.returncode != 0:
        raise SetupError("attio-pipe build on the delivery input failed (exit %d): %s"
                         % (p.returncode, p.stderr.decode("utf-8", "replace")[-500:]))
    emails = []
    for line in p.stdout.decode("utf-8").splitlines():
        values = json.loads(line)["data"]["values"]
        emails.append(values["email_addresses"][0]["email_address"])
    if len(set(emails)) != len(emails):
        raise SetupError("the delivery input has two bodies for one email address")
    # Every other person exists already, with an older job title: a find, then a PATCH.
    seeded = [{"values": {"email_addresses": [e], "job_title": "Former Title"}}
              for e in emails[::2]]
    return path, len(emails), seeded


# --------------------------------------------------------------------------
# Running under callgrind
# --------------------------------------------------------------------------

def measured_env(extra=None):
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LC_ALL": "C",
           "SWIFT_DETERMINISTIC_HASHING": "1"}
    env.update(extra or {})
    return env


def callgrind(work, name, run, argv, env, stdout_path):
    """Runs argv under callgrind (one output file per thread); returns (status, stderr, files)."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    prefix = os.path.join(work, "callgrind.%s.run%d" % (slug, run))
    vg = ["valgrind", "--tool=callgrind", "--separate-threads=yes",
          "--callgrind-out-file=%s.out" % os.path.basename(prefix)]
    with open(stdout_path, "wb") as out:
        p = subprocess.run(vg + argv, stdout=out, stderr=subprocess.PIPE, env=env, cwd=work,
                           timeout=RUN_TIMEOUT)
    files = sorted(os.path.join(work, f) for f in os.listdir(work)
                   if f.startswith(os.path.basename(prefix) + ".out"))
    stderr = p.stderr.decode("utf-8", "replace")
    return p.returncode, stderr, files


_NAMED = re.compile(r"\((\d+)\)(?: (.*))?$")


def parse_callgrind(path):
    """Self cost (Ir) per object and the calls to allocation functions, from one file."""
    objects = {}
    functions = {}
    self_cost = collections.Counter()
    allocations = 0
    obj = None
    callee = None
    skip_cost_line = False

    def name_of(table, value):
        m = _NAMED.match(value)
        if not m:
            return value
        if m.group(2) is not None:
            table[m.group(1)] = m.group(2)
        return table.get(m.group(1), value)

    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            c = line[:1]
            if c.isdigit() or c in "+-*":
                if skip_cost_line:  # the inclusive cost of a call, not self cost
                    skip_cost_line = False
                    continue
                parts = line.split()
                if len(parts) > 1:
                    self_cost[obj] += int(parts[1])
            elif line.startswith("ob="):
                obj = name_of(objects, line[3:].strip())
            elif line.startswith("cob="):
                name_of(objects, line[4:].strip())
            elif line.startswith("fn="):
                name_of(functions, line[3:].strip())
            elif line.startswith("cfn="):
                callee = name_of(functions, line[4:].strip())
            elif line.startswith("calls="):
                skip_cost_line = True
                if callee in ALLOC_FUNCTIONS:
                    allocations += int(line[6:].split()[0])
    return self_cost, allocations


def count(files, binary):
    """{"instructions", "allocations", "other"} over every thread's file."""
    cost = collections.Counter()
    allocations = 0
    for path in files:
        c, a = parse_callgrind(path)
        cost.update(c)
        allocations += a
    if not cost:
        raise SetupError("callgrind wrote no counts (%s)" % (", ".join(files) or "no files"))
    own = 0
    for obj, ir in cost.items():
        if obj and (os.path.realpath(obj) == os.path.realpath(binary)
                    or RUNTIME_LIBRARY.match(os.path.basename(obj))):
            own += ir
    return {"instructions": own, "allocations": allocations,
            "other": sum(cost.values()) - own}


def run_build(work, binary, name, run, stream_path):
    out = os.path.join(work, "out.%s.ndjson" % re.sub(r"[^a-z0-9]+", "-", name))
    argv = ["./attio-pipe", "build", "--quiet", os.path.basename(stream_path)]
    t0 = time.time()
    status, stderr, files = callgrind(work, name, run, argv, measured_env(), out)
    wall = time.time() - t0
    if status != 0:
        raise SetupError("%s: attio-pipe exited with %d:\n%s" % (name, status, stderr[-1500:]))
    with open(out, "rb") as f:
        bodies = sum(1 for _ in f)
    result = count(files, binary)
    result.update(wall=wall, work={"bodies": bodies}, files=files)
    return result


def run_deliver(work, binary, run, mock, input_path, eligible, seeded):
    mock.post("/__mock/reset", {})
    mock.post("/__mock/seed", {"people": seeded})
    out = os.path.join(work, "out.deliver.ndjson")
    argv = ["./attio-pipe", "deliver", "--concurrency", "1", "--rate", "100000",
            "--read-rate", "100000", os.path.basename(input_path)]
    env = measured_env({"ATTIO_API_KEY": TOKEN, "ATTIO_BASE_URL": mock.base})
    t0 = time.time()
    status, stderr, files = callgrind(work, DELIVER_RUN, run, argv, env, out)
    wall = time.time() - t0
    summary, _ = parse_summary(stderr)
    if status != 0:
        raise SetupError("deliver: attio-pipe exited with %d:\n%s" % (status, stderr[-1500:]))
    statuses = result_statuses(out)
    done = statuses["upserted"] + statuses["unchanged"]
    if done != eligible or sum(statuses.values()) != eligible:
        raise SetupError("deliver: %d eligible events, results %s" % (eligible, dict(statuses)))
    result = count(files, binary)
    result.update(wall=wall, files=files,
                  work={"results": eligible, "requests": summary.get("requests")})
    return result


# --------------------------------------------------------------------------
# Budgets
# --------------------------------------------------------------------------

def load_budgets():
    if not os.path.exists(BUDGETS):
        return {"tolerance": DEFAULT_TOLERANCE, "runs": {}}
    with open(BUDGETS, encoding="utf-8") as f:
        return json.load(f)


def fmt_change(measured, budget):
    if not budget:
        return "new"
    return "%+.2f%%" % (100.0 * (measured - budget) / budget)


def compare(budgets, measured):
    """Prints the table; returns (over, not_comparable)."""
    rows = []
    over, below, not_comparable = [], [], []
    default_tol = budgets.get("tolerance", DEFAULT_TOLERANCE)
    for name, m in measured.items():
        b = budgets.get("runs", {}).get(name)
        if b is None:
            not_comparable.append("%s: no budget in scripts/budgets.json (add it with --update)"
                                  % name)
            b = {"input_sha256": m["input_sha256"]}
            b.update(m["work"])
        differs = [] if b.get("input_sha256") == m["input_sha256"] else [
            "the input differs (SHA-256; generator changed?)"]
        differs += ["%s %s (budget measured with %s)" % (k, m["work"][k], b.get(k))
                    for k in m["work"] if b.get(k) != m["work"][k]]
        if differs:
            not_comparable.append("%s: not the work the budget was measured on: %s"
                                  % (name, "; ".join(differs)))
        tol = b.get("tolerance", default_tol)
        for metric in ("instructions", "allocations"):
            budget = b.get(metric)
            value = m[metric]
            limit = budget * (1 + tol) if budget is not None else None
            if budget is None:
                verdict = "no budget"
            elif value > limit:
                verdict = "OVER"
                over.append("%s %s" % (name, metric))
            elif value < budget * (1 - tol):
                verdict = "far below"
                below.append("%s %s" % (name, metric))
            else:
                verdict = "ok"
            rows.append((name, metric, fmt_int(budget) if budget is not None else "-",
                         "%.0f%%" % (100 * tol),
                         fmt_int(value) + (" (%d runs, spread %s)" % (
                             m["runs"], m["spread"][metric]) if m["spread"] else ""),
                         fmt_change(value, budget), verdict))
    headers = ("run", "counted", "budget", "tol.", "measured", "change", "")
    widths = [max(len(str(r[i])) for r in rows + [headers]) for i in range(len(headers))]
    line = "  ".join("%-*s" if i in (0, 1, 6) else "%*s" for i in range(len(headers)))
    print(line % tuple(x for pair in zip(widths, headers) for x in pair))
    for r in rows:
        print(line % tuple(x for pair in zip(widths, r) for x in pair))
    print()
    for name, m in measured.items():
        print("%s: %s instructions outside attio-pipe's own code (libc, loader, libcurl; not "
              "budgeted), %s, %.0f s under callgrind" % (
                  name, fmt_int(m["other"]),
                  ", ".join("%s %s" % (v, k) for k, v in m["work"].items()), m["wall"]))
    if below:
        print("\nFar below budget (more than the tolerance): %s. If that is a lasting "
              "improvement, lower the budget so that it is kept:\n"
              "    python3 scripts/budget.py --update --reason '...'" % ", ".join(below))
    return over, not_comparable


def update(budgets, measured, reason, versions):
    runs = budgets.setdefault("runs", {})
    for name, m in measured.items():
        entry = runs.get(name, {})
        entry.update({"instructions": m["instructions"], "allocations": m["allocations"],
                      "input_sha256": m["input_sha256"]})
        entry.update(m["work"])
        runs[name] = entry
    budgets["tolerance"] = budgets.get("tolerance", DEFAULT_TOLERANCE)
    budgets["reason"] = reason
    budgets["updated"] = datetime.date.today().isoformat()
    budgets["measured_with"] = versions
    ordered = {"_about": budgets.get("_about", (
        "Budgets checked by scripts/budget.py (run by .ci/run): instructions in attio-pipe's "
        "own code and allocation calls, per run; a figure above budget x (1 + tolerance) "
        "fails. Change them only with `python3 scripts/budget.py --update --reason '...'`, "
        "in the commit that changes the cost. See Documentation/Performance.md, "
        "\"Budgets in CI\".")),
        "reason": budgets["reason"], "updated": budgets["updated"],
        "tolerance": budgets["tolerance"], "measured_with": budgets["measured_with"],
        "runs": {k: runs[k] for k in sorted(runs, key=run_order)}}
    with open(BUDGETS + ".tmp", "w", encoding="utf-8") as f:
        json.dump(ordered, f, indent=2)
        f.write("\n")
    os.replace(BUDGETS + ".tmp", BUDGETS)


def run_order(name):
    names = [r[0] for r in BUILD_RUNS] + [DELIVER_RUN]
    return names.index(name) if name in names else len(names)


# --------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--binary", help="measure this attio-pipe instead of building it as "
                                     "scripts/release.sh does")
    ap.add_argument("--only", help="comma-separated runs: %s (default: all)" % ", ".join(
        [r[0] for r in BUILD_RUNS] + [DELIVER_RUN]))
    ap.add_argument("--runs", type=int, default=1,
                    help="measure each run N times; the median is compared, the spread shown")
    ap.add_argument("--work", default=DEFAULT_WORK,
                    help="streams and callgrind files (default .build-budget/; kept for "
                         "callgrind_annotate)")
    ap.add_argument("--update", action="store_true",
                    help="write the counts measured now into scripts/budgets.json")
    ap.add_argument("--reason", help="why the budgets change (required with --update)")
    args = ap.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # in CI's log, in order with the progress lines
    if args.update and not (args.reason and args.reason.strip()):
        ap.error("--update needs --reason 'why the budget changes'")
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    names = [r[0] for r in BUILD_RUNS] + [DELIVER_RUN]
    selected = names
    if args.only:
        selected = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = [n for n in selected if n not in names]
        if unknown:
            ap.error("unknown run(s) %s; the runs are: %s" % (", ".join(unknown),
                                                             ", ".join(names)))

    t_start = time.time()
    try:
        if shutil.which("valgrind") is None:
            raise SetupError("valgrind not found (Debian: apt-get install valgrind)")
        work = os.path.abspath(args.work)
        os.makedirs(work, exist_ok=True)
        for old in os.listdir(work):
            if old.startswith("callgrind."):
                os.remove(os.path.join(work, old))
        binary = prepare_binary(os.path.abspath(args.binary) if args.binary
                                else build_binary(), work)
        versions = {"swift": tool_version(["swift", "--version"]),
                    "valgrind": tool_version(["valgrind", "--version"]),
                    "binary": ("--binary (not the release.sh build)" if args.binary else
                               "swift build -c release --static-swift-stdlib "
                               "(as scripts/release.sh)")}

        streams = {}
        for name, stream, visitors in BUILD_RUNS:
            if name in selected or (stream == "distinct-identify" and DELIVER_RUN in selected):
                streams[stream] = make_stream(work, stream, visitors)

        samples = collections.defaultdict(list)
        inputs = {}
        mock = None
        try:
            if DELIVER_RUN in selected:
                path, eligible, seeded = make_delivery_input(
                    work, streams["distinct-identify"], binary)
                inputs[DELIVER_RUN] = path
                mock = MockAttio(TOKEN, ["--rate", "0", "--read-rate", "0"],
                                 log_path=os.path.join(work, "mock.stderr"),
                                 disable_nagle=True)
            for i in range(args.runs):
                for name, stream, _ in BUILD_RUNS:
                    if name in selected:
                        inputs[name] = streams[stream]
                        log("budget: %s (run %d/%d) ..." % (name, i + 1, args.runs))
                        samples[name].append(
                            run_build(work, binary, name, i + 1, streams[stream]))
                if DELIVER_RUN in selected:
                    log("budget: %s (run %d/%d) ..." % (DELIVER_RUN, i + 1, args.runs))
                    samples[DELIVER_RUN].append(
                        run_deliver(work, binary, i + 1, mock, inputs[DELIVER_RUN], eligible,
                                    seeded))
        finally:
            if mock is not None:
                mock.stop()
    except (SetupError, subprocess.TimeoutExpired) as e:
        log("budget: %s" % e)
        return 2

    measured = collections.OrderedDict()
    for name in selected:
        runs = samples[name]
        m = dict(runs[0])
        for metric in ("instructions", "allocations", "other", "wall"):
            m[metric] = statistics.median(r[metric] for r in runs)
        m["instructions"] = int(round(m["instructions"]))
        m["allocations"] = int(round(m["allocations"]))
        m["input_sha256"] = sha256_of(inputs[name])
        m["runs"] = len(runs)
        m["spread"] = {}
        if len(runs) > 1:
            for metric in ("instructions", "allocations"):
                lo = min(r[metric] for r in runs)
                hi = max(r[metric] for r in runs)
                m["spread"][metric] = "%.2f%%" % (100.0 * (hi - lo) / lo if lo else 0.0)
        if any(r["work"] != m["work"] for r in runs):
            log("budget: %s: the runs did different work: %s" % (
                name, [r["work"] for r in runs]))
            return 2
        measured[name] = m

    budgets = load_budgets()
    print("attio-pipe budgets: %s, %s; tolerance %.0f%% (scripts/budgets.json; last change: %s)"
          % (versions["swift"], versions["valgrind"],
             100 * budgets.get("tolerance", DEFAULT_TOLERANCE),
             budgets.get("reason", "none yet")))
    for k in ("swift", "valgrind"):
        recorded = budgets.get("measured_with", {}).get(k)
        if recorded and recorded != versions[k]:
            print("note: the budgets were measured with %s, this is %s: counts may differ "
                  "for that reason alone" % (recorded, versions[k]))
    print()
    over, not_comparable = compare(budgets, measured)
    print("\nbudget: %.0f s in all; callgrind files in %s (callgrind_annotate FILE shows where "
          "the instructions go)" % (time.time() - t_start, os.path.relpath(work, os.getcwd())))

    if args.update:
        update(budgets, measured, args.reason.strip(), versions)
        print("budget: scripts/budgets.json updated (%s). Commit it with the change that "
              "moved the counts." % ", ".join(measured))
        return 0
    if not_comparable:
        print("\nNOT COMPARED:\n  " + "\n  ".join(not_comparable))
        print("If the change of input or work is intended (generator, mapping or delivery "
              "rules), measure the budgets again:\n"
              "    python3 scripts/budget.py --update --reason '...'")
        return 2
    if over:
        print("\nOVER BUDGET: %s.\nThe hot path became more expensive. If that is intended, "
              "raise the budget in the same commit, with the reason:\n"
              "    python3 scripts/budget.py --update --reason '...'\n"
              "Where the instructions go: callgrind_annotate on the files above, against a "
              "run of the previous commit." % ", ".join(over))
        return 1
    print("\nWithin budget.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
