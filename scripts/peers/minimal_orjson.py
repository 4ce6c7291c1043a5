#!/usr/bin/env python3
"""The hand-written baseline a user would compare attio-pipe with (issue 24): Python + orjson,
a dict of traits per anonymousId, one assert-person body per eligible event.

    python3 scripts/peers/minimal_orjson.py < events.ndjson > bodies.ndjson

It does far less than attio-pipe (and than scripts/peers/attio_pipe_orjson.py, the peer
with the same semantics): no userId/alias linking, no email validation beyond an "@", no
name splitting or phone normalisation, no ordering of values, no bounded memory. It is here
to measure speed and memory against the simplest thing that could work.
"""

import sys

import orjson

ELIGIBLE = {"identified", "signedup", "leadgenerated", "loggedin"}
KEPT = ("email", "first_name", "last_name", "phone", "title")


def main():
    profiles = {}
    out = sys.stdout.buffer
    for line in sys.stdin.buffer:
        try:
            event = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        visitor = event.get("anonymousId")
        if not isinstance(visitor, str):
            continue
        kind = event.get("type")
        name = "identified" if kind == "identify" else event.get("event") or ""
        traits = event.get("traits") or {}
        if traits:
            profile = profiles.setdefault(visitor, {})
            for key in KEPT:
                value = traits.get(key)
                if isinstance(value, str) and value.strip():
                    profile[key] = value.strip()
        key = "".join(c for c in name.lower() if c.isalnum())
        profile = profiles.get(visitor)
        if key not in ELIGIBLE or not profile or "@" not in profile.get("email", ""):
            continue
        values = {"email_addresses": [{"email_address": profile["email"].lower()}]}
        first, last = profile.get("first_name", ""), profile.get("last_name", "")
        if first or last:
            full = (first + " " + last).strip()
            values["name"] = [{"first_name": first, "last_name": last, "full_name": full}]
        if "phone" in profile:
            values["phone_numbers"] = [{"original_phone_number": profile["phone"]}]
        if "title" in profile:
            values["job_title"] = [{"value": profile["title"]}]
        out.write(orjson.dumps({"data": {"values": values}}) + b"\n")


if __name__ == "__main__":
    main()
