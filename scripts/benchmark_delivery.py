#!/usr/bin/env python3
"""Delivery benchmark: `attio-pipe deliver` against the mock Attio server.

    python3 scripts/benchmark_delivery.py [--binary PATH] [--people 1650] [--seed 1]
                                          [--out bench-out] [--latency-ms 150]
                                          [--limit 25] [--rate 25] [--concurrency N]
                                          [--write-mode merge|assert]

1. Generates (deterministically) a Segment-spec NDJSON stream into OUT/:
   N people, each with an anonymous id, interleaved in time so that many are
   active at once. Per person: a few page views, an identify (email, names,
   job title, sometimes a phone such as "+1 415 555 0100"), a `Signed Up`
   track (same traits: nothing new), for some people later sessions with
   `Logged In` (sometimes preceded by a re-identify with a changed job title,
   so some later upserts are real changes), for some a `Lead Generated` with
   `properties.lead_source`. About 8% of people never give an email: none of
   their events is eligible. Every eligible event comes after its person's
   identify with an email, so the generator knows exactly which lines must
   get a result.
2. Builds attio-pipe (`swift build -c release`) unless --binary is given.
3. Starts Tests/MockAttio/mock_attio.py on an ephemeral port with
   `--rate LIMIT --latency-ms LATENCY` (its read limit stays at Attio's 100/s).
   In merge mode (the default, as in attio-pipe) it first seeds the mock with
   every person of the stream as an existing record (the email, an older job
   title, and for people whose stream has a phone an office number), so the
   stream is one of existing people: each plan is a read (a records query, or a
   GET of a record id learned earlier in the run) and a PATCH. Then it runs
   `attio-pipe deliver --write-mode MODE --rate RATE FILE` against it
   (ATTIO_API_KEY / ATTIO_BASE_URL set) and measures the wall time.
4. From the mock (`/__mock/stats`, `/__mock/requests`, `/__mock/people`) and
   the results on stdout it computes:
   - the sustained write rate (PATCHes and creates in merge mode, assert PUTs
     in assert mode) over the steady part of the run (from 2 s after the first
     write to 2 s before the last) and its fraction of the limit (target >=
     95%), the most writes in any 1-second window, the 429 count, reads and
     writes (target 0);
   - reads per second (merge mode), requests (reads + writes) per eligible
     event, and writes sent versus eligible events (the savings of dedupe and
     merge);
   - the proof that every eligible event has exactly one result (none
     missing, no duplicates, no extras, messageId and email matching);
   - that the mock holds one person per distinct email, with the last values
     the stream gave each of them.
5. Prints a Markdown section (`### Delivery benchmark`) and writes it to
   OUT/delivery-results.md.

Exit status: 0 when the exactly-one-result proof holds, 1 when it fails,
2 on a setup error (build, mock, attio-pipe did not finish).

Python 3 standard library only.
"""

import argparse
import datetime
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import time
import unicodedata

from benchlib import SetupError, binary_or_build, load_text, log, machine, parse_summary
from benchlib.servers import MockAttio

TOKEN = "bench-token"
ELIGIBLE_TRACKS = ("Signed Up", "Logged In", "Lead Generated")
RATE_TARGET = 0.95


# --------------------------------------------------------------------------
# Stream generator
# --------------------------------------------------------------------------

FIRST_NAMES = [
    "Ada", "Grace", "Alan", "Linus", "Margaret", "Ken", "Barbara", "Dennis",
    "Frances", "Edsger", "Radia", "Tim", "Hedy", "John", "Katherine", "Donald",
    "Sophie", "Liam", "Olivia", "Noah", "Emma", "Lucas", "Mia", "Ethan", "Amelia",
    "Mateo", "Isla", "Leo", "Chloe", "Oscar", "Hannah", "Arjun", "Priya", "Wei",
    "Yuki", "Fatima", "Omar", "Ines", "Lars", "Freya", "Diego", "Camila",
    "José", "Zoë", "Søren", "Łukasz", "François", "Björn", "Anaïs", "Renée",
]
LAST_NAMES = [
    "Lovelace", "Hopper", "Turing", "Torvalds", "Hamilton", "Thompson", "Liskov",
    "Ritchie", "Allen", "Dijkstra", "Perlman", "Berners-Lee", "Lamarr", "Backus",
    "Johnson", "Knuth", "Martin", "Smith", "Brown", "Wilson", "Taylor", "Clarke",
    "Patel", "Sharma", "Chen", "Tanaka", "Haddad", "Nielsen", "Larsen", "Rossi",
    "Silva", "Santos", "García", "Müller", "Schäfer", "Dubois", "Nowak",
    "O'Brien", "Okafor", "Mensah", "Ivanova", "Johansson", "Fernández", "Murphy",
]
DOMAINS = ["gmail.com", "outlook.com", "proton.me", "icloud.com", "acme.io",
           "globex.com", "initech.co", "hooli.xyz", "piedpiper.net",
           "umbrella-corp.com", "wayne-enterprises.co.uk", "cyberdyne.ai"]
JOB_TITLES = ["Engineer", "Senior Engineer", "Staff Engineer", "Engineering Manager",
              "Product Manager", "Designer", "Data Scientist", "Analyst", "CTO",
              "VP Engineering", "Head of Growth", "Marketing Manager", "Founder",
              "Account Executive", "Customer Success Manager", "Consultant"]
LEAD_SOURCES = ["Webinar", "Whitepaper", "Pricing page", "Demo request", "Newsletter",
                "Partner referral", "Trade show", "Free trial"]
PAGES = [("Home", "/"), ("Pricing", "/pricing"), ("Docs", "/docs"),
         ("Blog", "/blog"), ("Features", "/features"), ("About", "/about"),
         ("Integrations", "/integrations"), ("Careers", "/careers")]
OTHER_TRACKS = ["Button Clicked", "Video Played", "Form Viewed", "Docs Searched"]
PLANS = ["free", "starter", "pro", "enterprise"]
USER_AGENTS = [
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
]
BASE_TIME = datetime.datetime(2024, 5, 6, 8, 0, 0, tzinfo=datetime.timezone.utc)
DAY_SECONDS = 10 * 3600  # people start within a ten-hour working day


def ascii_slug(text):
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text.lower()) or "x"


def make_phone(rng):
    if rng.random() < 0.7:
        return "+1 415 555 %04d" % rng.randrange(100, 200)
    return "+44 20 7946 %04d" % rng.randrange(0, 1000)


def person_script(rng, index):
    """One person's events in order, as (delay_seconds, event_without_ids, eligible)."""
    first = rng.choice(FIRST_NAMES)
    last = rng.choice(LAST_NAMES)
    has_email = rng.random() >= 0.08
    email = "%s.%s.%d@%s" % (ascii_slug(first), ascii_slug(last), index, rng.choice(DOMAINS))
    title = rng.choice(JOB_TITLES)
    phone = make_phone(rng) if rng.random() < 0.4 else None
    person = {"first": first, "last": last, "email": email if has_email else None,
              "phone": phone, "title": title, "lead_source": None}
    steps = []  # (gap seconds before this event, event dict, eligible)

    def page():
        name, path = rng.choice(PAGES)
        return {"type": "page", "name": name,
                "properties": {"path": path, "url": "https://example.com" + path,
                               "title": name + " | Example"}}

    def track(event, properties=None):
        ev = {"type": "track", "event": event}
        if properties:
            ev["properties"] = properties
        return ev

    def full_traits():
        traits = {"first_name": first, "last_name": last, "job_title": person["title"]}
        if has_email:
            traits["email"] = email
        if phone:
            traits["phone"] = phone
        return traits

    for _ in range(rng.randint(1, 4)):
        steps.append((rng.uniform(5, 120), page(), False))
    steps.append((rng.uniform(5, 60), {"type": "identify", "traits": full_traits()}, has_email))
    for _ in range(rng.randint(0, 2)):
        steps.append((rng.uniform(2, 30), page(), False))
    if rng.random() < 0.3:
        steps.append((rng.uniform(2, 30), track(rng.choice(OTHER_TRACKS)), False))
    # Signed Up right after the identify: same traits, nothing new to write.
    steps.append((rng.uniform(1, 10), track("Signed Up", {"plan": rng.choice(PLANS)}),
                  has_email))
    if rng.random() < 0.6:
        for _ in range(rng.randint(1, 3)):
            steps.append((rng.uniform(600, 7200), page(), False))
            if rng.random() < 0.25:
                # Re-identify with a changed job title: a real change for the next upsert.
                person["title"] = rng.choice([t for t in JOB_TITLES if t != person["title"]])
                traits = full_traits() if rng.random() < 0.5 else {"job_title": person["title"]}
                steps.append((rng.uniform(5, 60), {"type": "identify", "traits": traits},
                              has_email))
            steps.append((rng.uniform(1, 30), track("Logged In"), has_email))
            for _ in range(rng.randint(0, 2)):
                steps.append((rng.uniform(5, 300), page(), False))
    if rng.random() < 0.35:
        for _ in range(2 if rng.random() < 0.15 else 1):
            source = rng.choice(LEAD_SOURCES)
            person["lead_source"] = source
            steps.append((rng.uniform(60, 3600),
                          track("Lead Generated", {"lead_source": source,
                                                   "form": "contact-sales"}), has_email))
    return person, steps


def generate(path_prefix, people, seed):
    """Writes PREFIX.ndjson; returns the expectation (eligible lines, final state)."""
    rng = random.Random(seed)
    timeline = []  # (time, person index, step index, event, eligible)
    persons = []
    for index in range(people):
        person, steps = person_script(rng, index)
        aid = "anon-%06d-%08x" % (index, rng.getrandbits(32))
        ua = rng.choice(USER_AGENTS)
        ip = "203.0.113.%d" % rng.randrange(1, 255)
        t = rng.uniform(0, DAY_SECONDS)
        for step_index, (gap, event, eligible) in enumerate(steps):
            t += gap
            event = dict(event)
            event["anonymousId"] = aid
            event["context"] = {"ip": ip, "userAgent": ua, "library": {
                "name": "analytics.js", "version": "4.1.0"}}
            timeline.append((t, index, step_index, event, eligible))
        persons.append(person)
    timeline.sort(key=lambda item: (item[0], item[1], item[2]))

    eligible = []  # {"line", "messageId", "email", "kind"}
    counts = {}
    with open(path_prefix + ".ndjson", "w", encoding="utf-8") as f:
        for line_no, (t, index, step_index, event, is_eligible) in enumerate(timeline, 1):
            message_id = "bench-%06d-%03d" % (index, step_index)
            stamp = BASE_TIME + datetime.timedelta(seconds=t)
            out = {"type": event["type"], "anonymousId": event["anonymousId"],
                   "messageId": message_id,
                   "timestamp": stamp.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"}
            for key in ("event", "name", "traits", "properties", "context"):
                if key in event:
                    out[key] = event[key]
            f.write(json.dumps(out, ensure_ascii=False, separators=(",", ":")) + "\n")
            kind = event["type"] if event["type"] != "track" else "track:" + event["event"]
            counts[kind] = counts.get(kind, 0) + 1
            if is_eligible:
                email = persons[index]["email"]
                assert email and (event["type"] == "identify"
                                  or event.get("event") in ELIGIBLE_TRACKS)
                eligible.append({"line": line_no, "messageId": message_id, "email": email,
                                 "kind": kind})
    final = {}
    for p in persons:
        if p["email"]:
            final[p["email"]] = {"first_name": p["first"], "last_name": p["last"],
                                 "job_title": p["title"], "phone": p["phone"],
                                 "lead_source": p["lead_source"]}
    expectation = {"people": people, "seed": seed, "lines": len(timeline),
                   "event_counts": counts, "eligible": eligible, "final": final}
    with open(path_prefix + ".expected.json", "w", encoding="utf-8") as f:
        json.dump(expectation, f, ensure_ascii=False)
    return expectation


# --------------------------------------------------------------------------
# Analysis
# --------------------------------------------------------------------------

def check_results(results, bad_lines, expectation):
    """The exactly-one-result proof. Returns (ok, facts, problems)."""
    expected = {e["line"]: e for e in expectation["eligible"]}
    by_line = {}
    for r in results:
        by_line.setdefault(r.get("line"), []).append(r)
    missing = sorted(set(expected) - set(by_line))
    extra = sorted(l for l in by_line if l not in expected)
    duplicated = sorted(l for l, rs in by_line.items() if len(rs) > 1)
    mismatched = []
    for line, rs in by_line.items():
        e = expected.get(line)
        if e is None:
            continue
        for r in rs:
            if r.get("messageId") != e["messageId"] or \
                    str(r.get("email", "")).lower() != e["email"].lower() or "file" in r:
                mismatched.append(line)
    problems = []
    if bad_lines:
        problems.append("%d stdout line(s) are not JSON objects" % len(bad_lines))
    if missing:
        problems.append("%d eligible line(s) without a result, e.g. %s"
                        % (len(missing), missing[:10]))
    if duplicated:
        problems.append("%d line(s) with more than one result, e.g. %s"
                        % (len(duplicated), duplicated[:10]))
    if extra:
        problems.append("%d result(s) for lines that are not eligible, e.g. %s"
                        % (len(extra), extra[:10]))
    if mismatched:
        problems.append("%d result(s) whose messageId/email do not match the line, e.g. %s"
                        % (len(mismatched), sorted(set(mismatched))[:10]))
    facts = {"expected": len(expected), "results": len(results), "missing": len(missing),
             "duplicated": len(duplicated), "extra": len(extra),
             "mismatched": len(set(mismatched)), "bad_lines": len(bad_lines)}
    return not problems, facts, problems


def rate_figures(puts, limit, client_rate):
    """Sustained rate from the mock's request log (arrival times of the writes)."""
    arrivals = sorted(r["arrival"] for r in puts)
    admitted = sorted(r["arrival"] for r in puts if r.get("status") not in (429,))
    if not arrivals:
        return {}
    first, last = arrivals[0], arrivals[-1]
    span = last - first
    figs = {"first": first, "last": last, "span": span, "puts": len(arrivals),
            "admitted": len(admitted)}
    completed = [r["completed"] for r in puts if r.get("completed")]
    figs["sending_time"] = (max(completed) if completed else last) - first
    figs["overall_rate"] = len(admitted) / span if span > 0 else float("nan")
    # Steady part: whole seconds from 2 s after the first PUT, ending at least 2 s before
    # the last (whole seconds so that a sliding-window limit is not over-counted at the edges).
    lo = first + 2.0
    hi = lo + max(0, int((last - 2.0) - lo))
    if hi - lo >= 1.0:
        n = sum(1 for a in admitted if lo <= a < hi)
        figs["steady_window"] = hi - lo
        figs["steady_puts"] = n
        figs["steady_rate"] = n / (hi - lo)
        # The same part measured phase-free: a client that sends its window's worth in a
        # burst and then waits makes a count over a fixed window depend on where the bursts
        # fall. From the first PUT of the part, take a whole number of windows' worth of
        # PUTs (a multiple of the client's rate) and divide by the time they took.
        inside = [a for a in admitted if lo <= a < hi]
        step = max(1, int(client_rate))
        k = (len(inside) - 1) // step * step
        if k >= step and inside[k] > inside[0]:
            figs["cycle_rate"] = k / (inside[k] - inside[0])
        # Whole seconds of the steady part, counted one by one.
        buckets = []
        t = lo
        while t + 1.0 <= hi:
            buckets.append(sum(1 for a in admitted if t <= a < t + 1.0))
            t += 1.0
        if buckets:
            figs["per_second_min"] = min(buckets)
            figs["per_second_median"] = statistics.median(buckets)
            figs["per_second_max"] = max(buckets)
            figs["seconds_below_target"] = sum(1 for b in buckets if b < RATE_TARGET * limit)
            figs["seconds"] = len(buckets)
    else:
        figs["steady_window"] = 0.0
        figs["steady_rate"] = figs["overall_rate"]
        figs["steady_puts"] = len(admitted)
    figs["fraction"] = figs["steady_rate"] / limit if limit else float("nan")
    gaps = [b - a for a, b in zip(arrivals, arrivals[1:])]
    figs["longest_gap"] = max(gaps) if gaps else 0.0
    # Bursts: runs of PUTs separated by pauses longer than 0.4 s.
    bursts, size, starts = [], 1, [arrivals[0]]
    for gap, a in zip(gaps, arrivals[1:]):
        if gap > 0.4:
            bursts.append(size)
            size = 1
            starts.append(a)
        else:
            size += 1
    bursts.append(size)
    if len(bursts) >= 3:
        figs["burst_size"] = statistics.median(bursts[1:-1])
        figs["burst_period"] = statistics.median(b - a for a, b in zip(starts, starts[1:]))
        figs["burst_length"] = statistics.median(
            arrivals[sum(bursts[:i + 1]) - 1] - starts[i] for i in range(1, len(bursts) - 1))
        figs["bursts"] = len(bursts)
    return figs


def digits(phone):
    return re.sub(r"[^\d+]", "", phone or "")


def check_people(people, expectation):
    """The mock's store against the last values the stream gave each person."""
    final = expectation["final"]
    wanted = {e["email"].lower() for e in expectation["eligible"]}
    store = {}
    problems = []
    for p in people:
        for addr in p.get("email_addresses", []):
            if addr.lower() in store:
                problems.append("address %s is on two people" % addr)
            store[addr.lower()] = p
    missing = sorted(wanted - set(store))
    extra = sorted(set(store) - wanted)
    if missing:
        problems.append("%d email(s) with no person in the mock, e.g. %s"
                        % (len(missing), missing[:5]))
    if extra:
        problems.append("%d unexpected address(es) in the mock, e.g. %s"
                        % (len(extra), extra[:5]))
    wrong = []
    for email, want in final.items():
        p = store.get(email.lower())
        if p is None:
            continue
        values = p.get("values", {})
        got_name = (values.get("name") or [{}])[0]
        got_title = ((values.get("job_title") or [{}])[0]).get("value")
        got_phone = ((values.get("phone_numbers") or [{}])[0]).get("original_phone_number")
        got_desc = ((values.get("description") or [{}])[0]).get("value")
        diffs = []
        if got_name.get("first_name") != want["first_name"] or \
                got_name.get("last_name") != want["last_name"]:
            diffs.append("name %r" % got_name)
        if got_title != want["job_title"]:
            diffs.append("job_title %r != %r" % (got_title, want["job_title"]))
        if digits(got_phone) != digits(want["phone"]):
            diffs.append("phone %r != %r" % (got_phone, want["phone"]))
        if want["lead_source"] is not None and got_desc != want["lead_source"]:
            diffs.append("description %r != %r" % (got_desc, want["lead_source"]))
        if diffs:
            wrong.append("%s: %s" % (email, "; ".join(diffs)))
    if wrong:
        problems.append("%d person(s) whose final values differ from the stream's last, e.g. %s"
                        % (len(wrong), wrong[:3]))
    facts = {"people": len(people), "distinct_emails": len(wanted),
             "final_state_wrong": len(wrong)}
    return facts, problems


def pct(x):
    return "%.1f%%" % (100.0 * x)


def render(ctx):  # noqa: C901 (a report, read top to bottom)
    exp, figs, summary = ctx["expectation"], ctx["rate"], ctx["summary"]
    proof_ok, proof, statuses = ctx["proof_ok"], ctx["proof"], ctx["statuses"]
    stats, people_facts = ctx["stats"], ctx["people_facts"]
    eligible = len(exp["eligible"])
    puts = ctx["writes"]
    reads = ctx["reads"]
    noun = ctx["noun"]
    n429 = ctx["n429"]
    limit, rate = ctx["limit"], ctx["client_rate"]
    frac = figs.get("fraction", float("nan"))
    saved = 1 - puts / eligible if eligible else float("nan")
    rate_ok = frac >= RATE_TARGET
    people_ok = people_facts["people"] == people_facts["distinct_emails"]
    mark = lambda ok: "yes" if ok else "**NO**"  # noqa: E731

    out = []
    out.append("### Delivery benchmark")
    out.append("")
    out.append(
        "Measured with `python3 scripts/benchmark_delivery.py`: `attio-pipe deliver "
        "--write-mode %s --rate %s%s` "
        "against `Tests/MockAttio/mock_attio.py --rate %s --latency-ms %s` on 127.0.0.1%s. "
        "Stream: %s people (seed %s, %.0f%% with an email), %s lines, %s eligible events "
        "(%s), %s distinct emails."
        % (ctx["write_mode"], rate,
           (" --concurrency %s" % ctx["concurrency"]) if ctx["concurrency"] else "",
           limit, ctx["latency_ms"],
           (" (read limit 100/s), every person of the stream seeded as an existing record "
            "(an older job title, an office phone for those with a phone)")
           if ctx["write_mode"] == "merge" else "",
           exp["people"], exp["seed"],
           100.0 * len(exp["final"]) / exp["people"], exp["lines"], eligible,
           ", ".join("%s %d" % (k.replace("track:", ""), v) for k, v in sorted(
               ctx["eligible_kinds"].items(), key=lambda kv: -kv[1])),
           people_facts["distinct_emails"]))
    out.append("Machine: %s, load average (1/5/15 min) %s before the run, %s after; "
               "attio-pipe: %s."
               % (ctx["machine"], ctx["load_before"], ctx["load_after"], ctx["binary_desc"]))
    out.append("")
    out.append("| Measure | Value | Target | Met |")
    out.append("|---|---|---|---|")
    out.append("| Sustained %s/s (steady part, %.1f s) | %.2f | ≥ %.2f (95%% of %s) | %s |"
               % (noun, figs.get("steady_window", 0.0), figs.get("steady_rate", 0.0),
                  RATE_TARGET * limit, limit, mark(rate_ok)))
    out.append("| Fraction of the limit | %s | ≥ 95%% | %s |" % (pct(frac), mark(rate_ok)))
    out.append("| Most %s in any 1 s window (mock) | %s | ≤ %s | %s |"
               % (noun, stats.get("max_writes_in_any_1s_window"), limit,
                  mark(stats.get("max_writes_in_any_1s_window", 0) <= limit)))
    if ctx["write_mode"] == "merge":
        out.append("| Reads/s (queries and GETs; steady part) | %.2f | ≤ 100 | %s |"
                   % (ctx["steady_reads"], mark(stats.get("max_reads_in_any_1s_window", 0)
                                               <= 100)))
    out.append("| 429 responses (reads and writes) | %s | 0 | %s |" % (n429, mark(n429 == 0)))
    out.append("| Eligible events | %s | | |" % eligible)
    out.append("| Requests sent (reads + writes at the mock) | %s (%s + %s) | | |"
               % (reads + puts, reads, puts))
    out.append("| Requests per eligible event | %.3f | | |"
               % ((reads + puts) / eligible if eligible else float("nan")))
    out.append("| Writes saved by dedupe + merge | %s (%s) | | |"
               % (eligible - puts, pct(saved)))
    out.append("| Results on stdout | %s | %s, one per eligible event | %s |"
               % (proof["results"], eligible, mark(proof_ok)))
    out.append("| People in the mock | %s | %s (distinct emails) | %s |"
               % (people_facts["people"], people_facts["distinct_emails"], mark(people_ok)))
    out.append("| Wall time of `deliver` | %.1f s | | |" % ctx["wall"])
    out.append("| First write to last answer | %.1f s | | |" % figs.get("sending_time", 0.0))
    out.append("")
    out.append("- Exactly one result per eligible event: **%s**. %d expected, %d results; "
               "missing %d, duplicated %d, extra %d, messageId/email mismatches %d%s."
               % ("proved" if proof_ok else "FAILED", proof["expected"], proof["results"],
                  proof["missing"], proof["duplicated"], proof["extra"], proof["mismatched"],
                  (", non-JSON lines %d" % proof["bad_lines"]) if proof["bad_lines"] else ""))
    out.append("- Result statuses: %s."
               % (", ".join("%s %d" % (k, v) for k, v in sorted(statuses.items()))
                  or "none"))
    out.append("- Requests: %d %s for %d eligible events, %.2f events per write; "
               "%s of the writes saved (merging an upsert into the one still waiting for "
               "the same email, skipping upserts that would change nothing)%s."
               % (puts, noun, eligible, eligible / puts if puts else float("nan"), pct(saved),
                  ("; mock endpoints %s" % json.dumps(stats.get("by_endpoint", {}),
                                                     sort_keys=True))
                  if ctx["write_mode"] == "merge" else ""))
    if "cycle_rate" in figs:
        out.append("- Rate cross-check, independent of where bursts fall in the window: "
                   "%.2f %s/s (%s of the limit) over whole multiples of %s %s; overall "
                   "%.2f %s/s from the first to the last (%.1f s)."
                   % (figs["cycle_rate"], noun, pct(figs["cycle_rate"] / limit),
                      int(float(rate)), noun, figs["overall_rate"], noun, figs["span"]))
    if "burst_size" in figs:
        out.append("- Sending pattern: %d bursts of a median %s %s, one every %.3f s, each "
                   "sent within %.2f s (longest pause between two %.2f s)."
                   % (figs["bursts"], figs["burst_size"], noun, figs["burst_period"],
                      figs["burst_length"], figs["longest_gap"]))
    if "per_second_min" in figs:
        out.append("- Whole seconds of the steady part, counted from its start: %d, writes per "
                   "second min %d / median %s / max %d, %d below 95%% of the limit (a burst "
                   "straddling a second's boundary makes that second low and the window "
                   "count, not any single second, is the sustained figure)."
                   % (figs["seconds"], figs["per_second_min"], figs["per_second_median"],
                      figs["per_second_max"], figs["seconds_below_target"]))
    out.append("- Mock: %d writes, status counts %s; %d reads, status counts %s; most "
               "reads in any 1 s window %s; max concurrent requests about one person %s."
               % (puts, json.dumps(stats.get("write_status_counts", {}), sort_keys=True),
                  reads, json.dumps(stats.get("read_status_counts", {}), sort_keys=True),
                  stats.get("max_reads_in_any_1s_window"), ctx["per_person"]))
    out.append("- attio-pipe exit status %s; summary: `%s`"
               % (ctx["exit_status"], (ctx["summary_line"] or "(none)")
                  .replace("attio-pipe: ", "")))
    for p in ctx["problems"]:
        out.append("- Problem: %s" % p)
    for n in ctx["notes"]:
        out.append("- Note: %s" % n)
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", help="attio-pipe binary (default: swift build -c release)")
    ap.add_argument("--people", type=int, default=1650,
                    help="people in the stream (default 1650: about 60 s of sending at 25/s)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default="bench-out")
    ap.add_argument("--latency-ms", type=int, default=150, help="mock latency (default 150)")
    ap.add_argument("--limit", type=int, default=25, help="mock write rate (default 25/s)")
    ap.add_argument("--rate", type=float, default=25, help="attio-pipe --rate (default 25)")
    ap.add_argument("--concurrency", type=int, help="attio-pipe --concurrency (default: its own)")
    ap.add_argument("--write-mode", choices=("merge", "assert"), default="merge",
                    help="attio-pipe --write-mode (default merge, against existing people)")
    ap.add_argument("--timeout", type=float, default=900,
                    help="give up on attio-pipe after this many seconds (default 900)")
    args = ap.parse_args(argv)
    rate_text = ("%g" % args.rate)

    os.makedirs(args.out, exist_ok=True)
    prefix = os.path.join(args.out, "delivery-p%d-s%d" % (args.people, args.seed))
    log("Generating %d people (seed %d) -> %s.ndjson" % (args.people, args.seed, prefix))
    expectation = generate(prefix, args.people, args.seed)
    events_path = prefix + ".ndjson"
    log("  %d lines, %d eligible events, %d distinct emails"
        % (expectation["lines"], len(expectation["eligible"]), len(expectation["final"])))

    try:
        binary = binary_or_build(args.binary)
        binary_desc = "`%s`" % binary if args.binary else "release build of the working tree"
        version = subprocess.run([binary, "--version"], stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT).stdout.decode().strip()
        if version:
            binary_desc += " (%s)" % version

        mock = MockAttio(TOKEN, ["--rate", args.limit, "--latency-ms", args.latency_ms],
                         log_path=prefix + ".mock.log")
        if args.write_mode == "merge":
            seeded = []
            for email, p in sorted(expectation["final"].items()):
                values = {"email_addresses": [email], "job_title": "Previous title"}
                if p["phone"]:
                    values["phone_numbers"] = ["+442079460958"]
                seeded.append({"values": values})
            mock.post("/__mock/seed", {"people": seeded})
            log("  seeded %d existing people" % len(seeded))
    except SetupError as e:
        log("error: %s" % e)
        return 2

    results_path = prefix + ".results.ndjson"
    stderr_path = prefix + ".stderr.txt"
    try:
        cmd = [binary, "deliver", "--write-mode", args.write_mode, "--rate", rate_text]
        if args.concurrency:
            cmd += ["--concurrency", str(args.concurrency)]
        cmd.append(events_path)
        log("Running: %s  (mock on port %d, --rate %s --latency-ms %d)"
            % (" ".join(cmd), mock.port, args.limit, args.latency_ms))
        with open(results_path, "wb") as fo, open(stderr_path, "wb") as fe:
            load_before = load_text()
            t0 = time.perf_counter()
            proc = subprocess.Popen(cmd, stdout=fo, stderr=fe, env=mock.environment(),
                                    stdin=subprocess.DEVNULL)
            try:
                exit_status = proc.wait(timeout=args.timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                raise SetupError("attio-pipe deliver did not finish within %.0f s"
                                 % args.timeout)
            wall = time.perf_counter() - t0
        load_after = load_text()
        log("  finished in %.1f s, exit status %d (load average %s before, %s after)"
            % (wall, exit_status, load_before, load_after))
        stats = mock.get("/__mock/stats")
        requests = mock.get("/__mock/requests")
        people = mock.get("/__mock/people")
    except SetupError as e:
        log("error: %s" % e)
        mock.stop()
        return 2
    finally:
        mock.stop()

    with open(prefix + ".mock-requests.json", "w", encoding="utf-8") as f:
        json.dump([{k: r.get(k) for k in ("seq", "method", "endpoint", "arrival", "completed",
                                          "email", "status", "rate_limited", "client_gone")}
                   for r in requests], f)

    with open(prefix + ".mock-people.json", "w", encoding="utf-8") as f:
        json.dump(people, f, ensure_ascii=False)

    results, bad_lines = [], []
    with open(results_path, "rb") as f:
        for raw in f:
            try:
                obj = json.loads(raw)
                if not isinstance(obj, dict):
                    raise ValueError
                results.append(obj)
            except ValueError:
                bad_lines.append(raw)
    with open(stderr_path, "r", encoding="utf-8", errors="replace") as f:
        stderr_text = f.read()
    summary, summary_line = parse_summary(stderr_text)

    proof_ok, proof, problems = check_results(results, bad_lines, expectation)
    statuses = {}
    for r in results:
        statuses[r.get("status")] = statuses.get(r.get("status"), 0) + 1
    write_endpoints = ("assert", "patch", "create", "put_record")
    puts = [r for r in requests if r.get("endpoint") in write_endpoints]
    reads = [r for r in requests if r.get("endpoint") in ("query", "get")]
    figs = rate_figures(puts, args.limit, args.rate)
    steady_reads = float("nan")
    if figs.get("steady_window"):
        lo = figs["first"] + 2.0
        hi = lo + figs["steady_window"]
        steady_reads = sum(1 for r in reads if lo <= r["arrival"] < hi
                           and r.get("status") != 429) / figs["steady_window"]
    n429 = sum(1 for r in puts + reads if r.get("status") == 429)
    per_person = stats.get("max_concurrent_per_person" if args.write_mode == "merge"
                           else "max_concurrent_per_email", 0)
    people_facts, people_problems = check_people(people, expectation)
    eligible_kinds = {}
    for e in expectation["eligible"]:
        eligible_kinds[e["kind"]] = eligible_kinds.get(e["kind"], 0) + 1

    other = list(people_problems)
    if n429:
        other.append("%d request(s) answered 429 with --rate %s against a %d/s limit"
                     % (n429, rate_text, args.limit))
    if figs.get("fraction", 0) < RATE_TARGET:
        other.append("sustained rate %.2f/s is %s of the limit, below the 95%% target"
                     % (figs.get("steady_rate", 0.0), pct(figs.get("fraction", 0.0))))
    if "cycle_rate" in figs and figs["cycle_rate"] < RATE_TARGET * args.limit <= \
            figs.get("steady_rate", 0.0):
        other.append("the phase-free cross-check gives %.2f/s (%s of the limit), below the "
                     "95%% target" % (figs["cycle_rate"], pct(figs["cycle_rate"] / args.limit)))
    if per_person > 1:
        other.append("the mock saw %d concurrent requests about one person" % per_person)
    if exit_status != 0:
        other.append("attio-pipe exited with status %d (stderr in %s)"
                     % (exit_status, stderr_path))
    if summary.get("eligible") is not None and summary["eligible"] != len(expectation["eligible"]):
        other.append("attio-pipe's summary counts %d eligible events, the generator %d"
                     % (summary["eligible"], len(expectation["eligible"])))
    if summary.get("requests") is not None and summary["requests"] != len(puts) + len(reads):
        other.append("attio-pipe's summary counts %d requests, the mock received %d"
                     % (summary["requests"], len(puts) + len(reads)))
    non_assert = [r for r in requests if r.get("endpoint") not in write_endpoints
                  and r.get("endpoint") not in ("query", "get")]
    failed_puts = [r for r in puts + reads if r.get("status") not in (200, 429)]
    if failed_puts:
        other.append("%d request(s) got a status other than 200/429: %s"
                     % (len(failed_puts), sorted({str(r.get("status")) for r in failed_puts})))
    for key in ("failed", "not_sent"):
        if statuses.get(key):
            other.append("%d result(s) are `%s`" % (statuses[key], key))

    ctx = {"expectation": expectation, "rate": figs, "summary": summary,
           "summary_line": summary_line, "proof_ok": proof_ok, "proof": proof,
           "statuses": statuses, "stats": stats, "people_facts": people_facts,
           "limit": args.limit, "client_rate": rate_text, "latency_ms": args.latency_ms,
           "concurrency": args.concurrency, "wall": wall, "exit_status": exit_status,
           "machine": machine(platform.machine()), "binary_desc": binary_desc,
           "eligible_kinds": eligible_kinds,
           "write_mode": args.write_mode, "writes": len(puts), "reads": len(reads),
           "noun": "PUTs" if args.write_mode == "assert" else "writes", "n429": n429,
           "steady_reads": steady_reads, "per_person": per_person,
           "load_before": load_before, "load_after": load_after,
           "problems": problems + other, "notes": []}
    if figs.get("steady_window", 0.0) < 20:
        ctx["notes"].append("the steady part is only %.0f s long, too short for a meaningful "
                            "sustained rate (a burst more or less moves it by several %%); "
                            "use more --people" % figs.get("steady_window", 0.0))
    if non_assert:
        ctx["notes"].append("%d other API request(s) (%s) were not counted"
                               % (len(non_assert), ", ".join(sorted(
                                   {str(r.get("endpoint") or r.get("path")) for r in non_assert}))))
    text = render(ctx)
    md_path = os.path.join(args.out, "delivery-results.md")
    with open(md_path, "w", encoding="utf-8") as f:
        f.write(text)
    print(text, end="")
    log("Written to %s (results: %s, attio-pipe stderr: %s)" % (md_path, results_path, stderr_path))
    return 0 if proof_ok else 1


if __name__ == "__main__":
    sys.exit(main())
