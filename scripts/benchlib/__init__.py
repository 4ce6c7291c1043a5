"""What the benchmark and measurement scripts in scripts/ share, so that each says only what it
measures.

- this module: paths, logging, building the release binary (or taking --binary), running a
  child and taking its wall time and peak RSS, the machine and its load, reading what
  attio-pipe wrote (its summary line, the statuses of its results), file helpers;
- `benchlib.stream`: the Segment-spec stream generator of the throughput benchmark
  (`--stream mixed|identify-heavy|distinct-identify`), used by benchmark.py,
  benchmark_spool.py and budget.py, and the cache of the streams it wrote;
- `benchlib.servers`: Tests/MockAttio/mock_attio.py in a child process, and the minimal
  asyncio responders (answer every request at once, or never).

Python 3 standard library only. The scripts import it as `benchlib` (scripts/ is the first
entry of sys.path when one of them runs).
"""

import collections
import itertools
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time

SCRIPT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO_ROOT = os.path.dirname(SCRIPT_DIR)
MOCK = os.path.join(REPO_ROOT, "Tests", "MockAttio", "mock_attio.py")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class SetupError(Exception):
    """Something a measurement needs is missing or failed (build, binary, server)."""


# --------------------------------------------------------------------------
# The binary
# --------------------------------------------------------------------------

def build_release(extra=(), prefix=""):
    """`swift build -c release EXTRA...` in the repository; returns the binary's path.

    Raises SetupError, with the last error lines of the compiler, when swift is missing or the
    build fails. `prefix` starts each progress line on stderr."""
    swift = shutil.which("swift")
    if swift is None:
        raise SetupError("`swift` not found on PATH (or pass --binary)")
    argv = ["build", "-c", "release"] + list(extra)
    shown = "swift " + " ".join(argv)
    log("%sBuilding attio-pipe: %s ..." % (prefix, shown))
    t0 = time.time()
    p = subprocess.run([swift] + argv, cwd=REPO_ROOT,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if p.returncode != 0:
        out = p.stdout.decode("utf-8", "replace").splitlines()
        errors = [line for line in out if "error" in line.lower()] or out
        raise SetupError("`%s` failed (exit %d):\n%s" % (shown, p.returncode,
                                                         "\n".join(errors[-15:])))
    log("%s  built in %.0f s" % (prefix, time.time() - t0))
    q = subprocess.run([swift] + argv + ["--show-bin-path"], cwd=REPO_ROOT,
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    bindir = q.stdout.decode().strip() or os.path.join(REPO_ROOT, ".build", "release")
    binary = os.path.join(bindir, "attio-pipe")
    if not os.access(binary, os.X_OK):
        raise SetupError("build succeeded but %s is missing" % binary)
    return binary


def binary_or_build(path, extra=(), prefix=""):
    """The executable given with --binary PATH or, without one, build_release(extra)."""
    if path:
        binary = os.path.abspath(path)
        if not os.access(binary, os.X_OK):
            raise SetupError("--binary %s does not exist or is not executable" % binary)
        return binary
    return build_release(extra, prefix)


# --------------------------------------------------------------------------
# Running a child: wall time and peak RSS
# --------------------------------------------------------------------------

class RunResult(object):
    def __init__(self, ok, wall, maxrss_kib, code, err_tail):
        self.ok = ok
        self.wall = wall
        self.maxrss_kib = maxrss_kib
        self.code = code
        self.err_tail = err_tail


def exit_code(status):
    """The exit status of a wait status; minus the signal's number when a signal ended it."""
    if os.WIFEXITED(status):
        return os.WEXITSTATUS(status)
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return -1


# Tiny launcher, run as a fresh `python3 -I -S` process. On Linux a process's
# ru_maxrss survives execve() and starts from the memory of the process that
# forked it, so a child forked straight from a (large) benchmark process
# would report at least that process's RSS. The launcher is small, forks and
# execs the measured command, times it and reaps it with os.wait4().
_LAUNCHER = r"""
import os, sys, time
res, argv = sys.argv[1], sys.argv[2:]
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execv(argv[0], argv)
    except OSError as exc:
        os.write(2, ("cannot execute %s: %s\n" % (argv[0], exc)).encode())
        os._exit(127)
_, status, ru = os.wait4(pid, 0)
wall = time.perf_counter() - t0
with open(res, "w") as f:
    f.write("%r %d %d\n" % (wall, status, ru.ru_maxrss))
"""


def run_measured(argv, stdin_path, stdout_path, stderr_path):
    """Runs argv once (stdin from stdin_path or /dev/null, stdout to
    stdout_path); returns RunResult with wall time and ru_maxrss (KiB)."""
    exe = argv[0] if os.path.isabs(argv[0]) else shutil.which(argv[0])
    if exe is None or not os.access(exe, os.X_OK):
        return RunResult(False, 0.0, 0, None, "cannot execute %s" % argv[0])
    res_path = stdout_path + ".rusage"
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    try:
        with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
            subprocess.run([sys.executable, "-I", "-S", "-c", _LAUNCHER, res_path, exe] + list(argv[1:]),
                           stdin=stdin, stdout=out, stderr=err, check=False)
    finally:
        if stdin_path:
            stdin.close()
    try:
        with open(res_path) as f:
            wall_s, status_s, rss_s = f.read().split()
        os.unlink(res_path)
    except (OSError, ValueError):
        return RunResult(False, 0.0, 0, None, "launcher failed")
    code = exit_code(int(status_s))
    tail = ""
    if code != 0:
        with open(stderr_path, "rb") as f:
            data = f.read()
        tail = data[-2000:].decode("utf-8", "replace").strip()
    return RunResult(code == 0, float(wall_s), int(rss_s), code, tail)


def rss_floor_kib(scratch_dir):
    """ru_maxrss run_measured reports for `true`: the floor of the method."""
    true = shutil.which("true") or "/bin/true"
    scratch = os.path.join(scratch_dir, "true.out")
    r = run_measured([true], None, scratch, scratch + ".stderr")
    return r.maxrss_kib if r.ok else 0


# --------------------------------------------------------------------------
# The machine
# --------------------------------------------------------------------------

def load1():
    """The 1-minute load average."""
    return os.getloadavg()[0]


def load_text():
    """`1.23 / 0.98 / 0.76`: the 1, 5 and 15-minute load averages."""
    return " / ".join("%.2f" % x for x in os.getloadavg())


def machine(name):
    """`NAME, 2 cores, Linux 6.1.0-...`."""
    return "%s, %d cores, %s %s" % (name, os.cpu_count() or 0, platform.system(),
                                    platform.release())


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def tool_version(argv):
    """The first line `argv` (e.g. `swift --version`) prints, or "unknown"."""
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        lines = p.stdout.decode("utf-8", "replace").strip().splitlines()
        return lines[0] if lines else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


# --------------------------------------------------------------------------
# What attio-pipe wrote
# --------------------------------------------------------------------------

def attio_env(base, token):
    """This process's environment with attio-pipe pointed at the server at `base`."""
    return dict(os.environ, ATTIO_API_KEY=token, ATTIO_BASE_URL=base)


def parse_summary(stderr_text):
    """`attio-pipe: lines read: 14, bodies written: 7, ...` -> ({"lines read": 14, ...}, line);
    the last such line of stderr, or ({}, None)."""
    for line in reversed(stderr_text.splitlines()):
        if line.startswith("attio-pipe:") and "lines read" in line:
            fields = {}
            for part in line[len("attio-pipe:"):].split(","):
                m = re.match(r"\s*([^:]+):\s*(\d+)\s*$", part)
                if m:
                    fields[m.group(1).strip()] = int(m.group(2))
            return fields, line
    return {}, None


def result_statuses(path):
    """How many of the result lines in PATH have each `status` ("?": not a JSON object with a
    string status), in the order first seen."""
    counts = collections.Counter()
    with open(path, "rb") as f:
        for line in f:
            try:
                status = json.loads(line).get("status")
            except (ValueError, AttributeError):
                status = None
            counts[status if isinstance(status, str) else "?"] += 1
    return counts


# --------------------------------------------------------------------------
# Files and numbers
# --------------------------------------------------------------------------

def count_lines(path):
    with open(path, "rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))


def write_prefix(src, dst, n_lines):
    """First n_lines lines of src into dst (reused if already complete)."""
    meta = dst + ".meta"
    want = "%s %d %d" % (os.path.basename(src), os.path.getsize(src), n_lines)
    if os.path.exists(dst) and os.path.exists(meta):
        with open(meta) as f:
            if f.read().strip() == want:
                return os.path.getsize(dst)
    size = 0
    with open(src, "rb") as fi, open(dst, "wb") as fo:
        for line in itertools.islice(fi, n_lines):
            fo.write(line)
            size += len(line)
    with open(meta, "w") as f:
        f.write(want + "\n")
    return size


def warm_cache(path):
    """Reads the file once, so that the first measured run does not pay for the disk."""
    with open(path, "rb") as f:
        while f.read(8 << 20):
            pass


def fmt_int(n):
    """1234567.4 -> `1,234,567`."""
    return "{:,}".format(int(round(n)))
