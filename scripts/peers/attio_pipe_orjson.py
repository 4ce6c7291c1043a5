#!/usr/bin/env python3
"""Python 3 + orjson peer of `attio-pipe build`, used by scripts/benchmark.py.

    python3 scripts/peers/attio_pipe_orjson.py [FILE] < events.ndjson > bodies.ndjson

Reads Segment-spec NDJSON events (one JSON object per line) and writes one Attio
"assert person" request body per eligible event whose merged profile has a valid
email. It does the real job: identity graph (anonymousId/userId links, alias),
trait merging (context.traits, then identify traits), eligibility matching and
attribute mapping. It is written for speed (one dict lookup per uninteresting
event, profiles only created when something has to be stored, small caches for
event-name normalisation and email validation) but skips nothing.

Semantics (shared with scripts/peers/attio_pipe.jq):
  * ids: `anonymousId` (else `anonymous_id`), `userId` (else `user_id`); only
    non-empty strings count. Anonymous ids and user ids share one namespace.
  * linking: `alias` links `previousId` (else `previous_id`) to `userId`; any
    event carrying both ids links them. When two profiles merge, the traits of
    the older/anonymous side are overlaid by those of the userId side.
  * traits: every event's `context.traits`, then (identify only) `traits`, are
    merged into the profile of the event's userId (else anonymousId). Kept
    traits: email, first_name|firstName, last_name|lastName, name, phone,
    job_title|jobTitle|title (the first key present in that order decides).
    null removes the trait; blank strings and non-string values are ignored;
    strings are stored trimmed.
  * eligibility: identify == "Identified", track == its `event`; names compared
    lowercased with everything but [a-z0-9] removed. Default set: Identified,
    Signed Up, Lead Generated, Logged In.
  * email: trimmed, lowercased, exactly one '@', non-empty local part, domain of
    >= 2 non-empty dot-separated labels, no whitespace.
  * phone (simplified E.164): delete ' ', '.', '-', '(', ')' and keep the result
    only if it matches ^\\+[1-9][0-9]{6,14}$.
  * description: only on "Lead Generated": properties.lead_source, else
    properties.leadSource (first non-blank string, trimmed).
  * lines that are not valid JSON objects are skipped.
"""

import re
import sys

import orjson

ELIGIBLE = frozenset(("identified", "signedup", "leadgenerated", "loggedin"))
LEAD_GENERATED = "leadgenerated"

# canonical field -> accepted keys, first present key wins (snake_case first)
TRAIT_KEYS = (
    ("email", ("email",)),
    ("first_name", ("first_name", "firstName")),
    ("last_name", ("last_name", "lastName")),
    ("name", ("name",)),
    ("phone", ("phone",)),
    ("job_title", ("job_title", "jobTitle", "title")),
)

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")
_PHONE = re.compile(r"\+[1-9][0-9]{6,14}")
_PHONE_STRIP = str.maketrans("", "", " .-()")


def merge_traits(dst, src):
    """Merge the recognised traits of `src` (a dict) into `dst` (a dict)."""
    for field, keys in TRAIT_KEYS:
        for k in keys:
            if k in src:
                v = src[k]
                if v is None:
                    dst.pop(field, None)
                elif type(v) is str:
                    v = v.strip()
                    if v:
                        dst[field] = v
                break


def main(argv):
    if len(argv) > 1 and argv[1] != "-":
        inp = open(argv[1], "rb")
    else:
        inp = sys.stdin.buffer
    write = sys.stdout.buffer.write
    loads = orjson.loads
    dumps = orjson.dumps
    JSONDecodeError = orjson.JSONDecodeError
    NEWLINE = orjson.OPT_APPEND_NEWLINE

    # id -> profile; a profile is [traits: dict, member_ids: list]; every
    # member id maps to the same list object, so lookups are a single get().
    profiles = {}
    get_profile = profiles.get
    name_cache = {}   # raw event name -> normalised name if eligible else None
    email_cache = {}  # raw email trait -> normalised email or None
    email_match = _EMAIL.fullmatch
    phone_match = _PHONE.fullmatch

    def own(ident):
        p = get_profile(ident)
        if p is None:
            p = [{}, [ident]]
            profiles[ident] = p
        return p

    def link(old, new):
        po = get_profile(old)
        pn = get_profile(new)
        if po is not None and po is pn:
            return po
        if old == new:
            return own(new)
        if po is None:
            po = [{}, [old]]
            profiles[old] = po
        if pn is None:
            pn = [{}, [new]]
            profiles[new] = pn
        traits = po[0].copy()
        traits.update(pn[0])  # the userId side wins on conflicts
        if len(po[1]) >= len(pn[1]):
            keep, gone = po, pn
        else:
            keep, gone = pn, po
        keep[0] = traits
        keep[1].extend(gone[1])
        for m in gone[1]:
            profiles[m] = keep
        return keep

    for line in inp:
        try:
            e = loads(line)
        except JSONDecodeError:
            continue
        if type(e) is not dict:
            continue

        a = e.get("anonymousId")
        if type(a) is not str or not a:
            a = e.get("anonymous_id")
            if type(a) is not str or not a:
                a = None
        u = e.get("userId")
        if type(u) is not str or not u:
            u = e.get("user_id")
            if type(u) is not str or not u:
                u = None
        t = e.get("type")

        prof = None
        if t == "alias" and u is not None:
            p = e.get("previousId")
            if type(p) is not str or not p:
                p = e.get("previous_id")
            if type(p) is str and p:
                prof = link(p, u)
        if a is not None and u is not None:
            prof = link(a, u)

        # traits: context.traits (any event), then traits (identify)
        ctx = e.get("context")
        ct = ctx.get("traits") if type(ctx) is dict else None
        if type(ct) is not dict or not ct:
            ct = None
        tt = None
        if t == "identify":
            tt = e.get("traits")
            if type(tt) is not dict or not tt:
                tt = None
        if ct is not None or tt is not None:
            if prof is None:
                ident = u if u is not None else a
                if ident is not None:
                    prof = own(ident)
            if prof is not None:
                traits = prof[0]
                if ct is not None:
                    merge_traits(traits, ct)
                if tt is not None:
                    merge_traits(traits, tt)

        # eligibility
        if t == "identify":
            name = "identified"
        elif t == "track":
            ev = e.get("event")
            if type(ev) is not str:
                continue
            try:
                name = name_cache[ev]
            except KeyError:
                name = _NON_ALNUM.sub("", ev.lower())
                if name not in ELIGIBLE:
                    name = None
                name_cache[ev] = name
            if name is None:
                continue
        else:
            continue

        if prof is None:
            if u is not None:
                prof = get_profile(u)
            elif a is not None:
                prof = get_profile(a)
            if prof is None:
                continue
        traits = prof[0]
        raw_email = traits.get("email")
        if raw_email is None:
            continue
        try:
            email = email_cache[raw_email]
        except KeyError:
            email = raw_email.strip().lower()
            if not email_match(email):
                email = None
            email_cache[raw_email] = email
        if email is None:
            continue

        values = {"email_addresses": [{"email_address": email}]}

        full = traits.get("name")
        first = traits.get("first_name")
        last = traits.get("last_name")
        if full is not None or first is not None or last is not None:
            if full is None:
                if first is None:
                    full = last
                elif last is None:
                    full = first
                else:
                    full = first + " " + last
            elif first is None or last is None:
                parts = full.split(None, 1)
                if first is None:
                    first = parts[0]
                if last is None:
                    last = parts[1] if len(parts) > 1 else ""
            values["name"] = [{
                "first_name": first if first is not None else "",
                "last_name": last if last is not None else "",
                "full_name": full,
            }]

        phone = traits.get("phone")
        if phone is not None:
            phone = phone.translate(_PHONE_STRIP)
            if phone_match(phone):
                values["phone_numbers"] = [{"original_phone_number": phone}]

        title = traits.get("job_title")
        if title is not None:
            values["job_title"] = [{"value": title}]

        if name == LEAD_GENERATED:
            props = e.get("properties")
            if type(props) is dict:
                for key in ("lead_source", "leadSource"):
                    d = props.get(key)
                    if type(d) is str:
                        d = d.strip()
                        if d:
                            values["description"] = [{"value": d}]
                            break

        write(dumps({"data": {"values": values}}, option=NEWLINE))

    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
