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
    Trait keys are matched ignoring ASCII case and the separators _ - . and
    space; per trait the documented snake_case key wins, then other spellings,
    then aliases (full_name after name; phone_number, then mobile after phone).
    An eligible track's `properties` carry the same fields and are merged after
    context.traits. A top-level `email` is used when no trait gives one.
  * call type: `type`, else `action` (compared lowercased).
  * eligibility: identify == "Identified", track == its `event`; names compared
    lowercased with everything but [a-z0-9] removed (a track named Identified
    or Identify never triggers). Default set: Identified, Signed Up, Lead
    Generated, Logged In.
  * email: trimmed, lowercased; exactly one '@'; the local part dot-atom
    (ASCII atext or non-ASCII, no empty atoms), the domain >= 2 LDH labels
    without leading/trailing hyphens (non-ASCII allowed). When the profile
    has no email, a userId that is such an address is used.
  * name: "Last, First" is understood; honorifics and suffixes are not first
    or last names; a missing part is taken from `name` (the words after the
    known first name / before the known last name, else first word / rest).
    Simplification: no sequence numbers, so a `name` that contradicts the
    parts is not resolved by recency (the benchmark stream has none).
  * job_title: an honorific alone (Mr, Dr., ...) is left out.
  * phone (simplified E.164): delete ' ', '.', '-', '(', ')' and keep the result
    only if it matches ^\\+[1-9][0-9]{6,14}$ and, for the calling codes of the
    supported regions, the national number's leading digits and length are
    allowed by PHONE_PREFIXES (a copy of the table attio-pipe generates from
    libphonenumber, Sources/AttioPipeCore/Mapping/NationalNumberPrefixes+Generated.swift).
  * description: only on "Lead Generated": properties.lead_source, else
    properties.leadSource (first non-blank string, trimmed).
  * lines that are not valid JSON objects are skipped.
"""

import re
import sys

import orjson

ELIGIBLE = frozenset(("identified", "signedup", "leadgenerated", "loggedin"))
LEAD_GENERATED = "leadgenerated"

# folded key -> (field, rank); per field the lowest rank present wins. Rank 0 is
# reserved for the exact snake_case key (see _trait_slot).
FOLDED_KEYS = {
    "email": ("email", 1),
    "firstname": ("first_name", 1),
    "lastname": ("last_name", 1),
    "jobtitle": ("job_title", 1),
    "name": ("name", 1),
    "fullname": ("name", 2),
    "phone": ("phone", 1),
    "phonenumber": ("phone", 2),
    "mobile": ("phone", 3),
    "title": ("job_title", 4),
}
SNAKE_KEYS = frozenset(("first_name", "last_name", "job_title"))
_KEY_SEPARATORS = str.maketrans("", "", "_-. ")
_slot_cache = {}


def _trait_slot(key):
    try:
        return _slot_cache[key]
    except KeyError:
        pass
    slot = None
    if key.isascii():
        folded = key.translate(_KEY_SEPARATORS).lower()
        if folded.isalpha():
            slot = FOLDED_KEYS.get(folded)
            if slot is not None and key in SNAKE_KEYS:
                slot = (slot[0], 0)
    if len(_slot_cache) < 100000:
        _slot_cache[key] = slot
    return slot


HONORIFICS = frozenset(("mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "mme",
                        "mlle", "rev", "herr", "frau", "m", "messrs"))
SUFFIXES = frozenset(("jr", "sr", "ii", "iii", "iv", "phd", "md", "esq", "dds", "mba", "cpa"))


def _fold_word(w):
    return w.lower().replace(".", "").replace(",", "")


def split_name(full):
    """(first, last, full) of a name as written."""
    full = full.strip()
    if "," in full:
        before, after = full.split(",", 1)
        bw = before.replace(",", " ").split()
        aw = after.replace(",", " ").split()
        if aw and bw and not all(_fold_word(w) in SUFFIXES for w in aw):
            keep = lambda ws: [w for w in ws if _fold_word(w) not in HONORIFICS
                               and _fold_word(w) not in SUFFIXES]
            first, last = " ".join(keep(aw)), " ".join(keep(bw))
            return first, last, " ".join(x for x in (first, last) if x)
    words = full.replace(",", " ").split()
    while words and _fold_word(words[0]) in HONORIFICS:
        words.pop(0)
    while len(words) > 1 and _fold_word(words[-1]) in SUFFIXES:
        words.pop()
    return (words[0] if words else ""), " ".join(words[1:]), full


def _find(part, words):
    needle = [w.lower() for w in part.split()]
    lower = [w.lower() for w in words]
    for i in range(len(words) - len(needle) + 1):
        if needle and lower[i:i + len(needle)] == needle:
            return i, i + len(needle)
    return None

PHONE_PREFIXES = {
    "1": "2:400 3:480 4:400 5:400 6:400 7:400 8:400 9:400",
    "44": "1:600 2:400 3:400 5:400 7:400 8:680 9:400",
    "353": "1:700 2:380 4:780 5:380 6:380 7:200 8:600 9:380",
    "49": "1:7ff0 2:ffc0 3:ffe0 40:ffe0 41:ffe0 42:ffe0 43:ffe0 44:ffe0 45:ffe0 46:ffe0 47:ffe0 48:ffe0 490:3fe0 491:3fe0 492:3fe0 493:3fe0 494:3fe0 495:3fe0 496:3fe0 497:1fe0 498:60 499:e0 5:ffc0 6:ffe0 7:ffc0 8:ffe0 9:ffc0",
    "33": "1:200 2:200 3:200 4:200 5:200 6:200 7:200 8:200 9:200",
    "34": "400:200 51:200 6:200 7:200 8:200 9:200",
    "39": "0:1fc0 1:e00 30:1e00 31:1e00 32:1e00 33:1e00 34:1e00 35:1e00 36:1e00 37:1e00 38:1e00 39:600 43:400 55:400 70:400 8:740",
    "31": "1:260 2:200 30:200 310:200 311:200 312:200 313:200 314:200 315:200 316:200 317:200 318:200 32:200 33:200 34:200 35:200 36:200 37:200 38:200 39:200 4:200 5:200 6:200 7:200 8:780 9:f80",
    "32": "1:100 2:100 3:100 4:300 5:100 6:100 7:100 8:100 9:100",
    "41": "2:200 3:200 4:200 5:200 6:200 7:200 8:1200 9:200",
    "43": "1:3ff0 2:3f80 3:3fc0 40:3fc0 41:3fc0 42:3fc0 430:3f80 432:180 433:80 434:80 435:3f80 436:80 437:80 438:380 439:780 44:3fc0 45:3fc0 46:3fc0 47:3fc0 48:3fc0 49:3fc0 5:3fe0 6:3fc0 7:3fc0 8:3f00 9:3e00",
    "46": "1:380 2:13c0 3:380 4:380 5:300 6:1380 7:200 8:380 9:780",
    "45": "2:100 3:100 4:100 5:100 6:100 7:100 8:100 9:100",
    "47": "0:20 2:100 3:100 4:100 5:100 6:100 7:100 8:100 9:100",
    "358": "1:7e0 2:7e0 30:7e0 31:7e0 32:7e0 33:7e0 34:7e0 35:3e0 36:7e0 37:7e0 38:7e0 39:7e0 4:7c0 5:7e0 6:7e0 7:1fc0 8:3e0 9:3e0",
    "48": "1:280 2:2c0 3:280 4:280 5:280 6:3c0 7:280 8:680 9:280",
    "351": "169:200 2:200 30:200 6:200 7:200 8:200 9:200",
    "61": "10:17e0 11:17e0 12:17e0 13:17e0 14:17e0 15:17e0 16:17e0 17:17e0 180:5e0 181:5e0 182:5e0 183:1e0 184:5e0 185:5e0 186:5e0 187:5e0 188:5e0 189:5e0 19:17e0 2:200 3:200 4:200 7:200 8:200",
    "64": "1:400 2:700 3:100 4:100 50:680 60:100 61:100 62:100 63:100 65:100 66:100 67:100 68:100 69:100 7:300 8:7e0 9:700",
    "91": "000:2000 1:3f00 2:400 3:400 4:400 5:400 6:400 7:400 8:400 9:400",
    "81": "000:100 001:3ff00 002:3ff00 003:3ff00 004:3ff00 005:3ff00 006:3ff00 007:3ff00 008:3ff00 009:3ff00 1:200 2:600 3:200 4:200 5:600 6:600 7:600 8:600 9:600",
    "55": "1:c00 2:c00 3:d00 4:d00 50:e00 51:e00 52:e00 53:e00 54:e00 550:e00 551:e00 552:e00 553:e00 554:e00 555:600 556:e00 557:e00 558:e00 559:e00 56:e00 57:e00 58:e00 59:e00 6:c00 7:c00 8:e00 9:e00",
    "52": "2:400 3:400 4:400 5:400 6:400 7:400 8:400 9:400",
    "27": "1:200 2:200 3:200 4:200 5:200 6:200 7:200 8:7e0 9:200",
    "65": "1:800 3:100 6:100 700:800 8:500 9:100",
}


def _prefix_tables():
    tables = {}
    for code, entries in PHONE_PREFIXES.items():
        t = {}
        for entry in entries.split():
            prefix, mask = entry.split(":")
            t[prefix] = int(mask, 16)
        tables[code] = t
    return tables


_PREFIX_TABLES = _prefix_tables()


def phone_allowed(e164):
    digits = e164[1:]
    for n in (1, 2, 3):
        table = _PREFIX_TABLES.get(digits[:n])
        if table is not None:
            nsn = digits[n:]
            for depth in (1, 2, 3):
                mask = table.get(nsn[:depth])
                if mask is not None:
                    return bool(mask >> len(nsn) & 1)
            return False
    return True


_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_ATOM = r"(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]|[^\x00-\x7f])+"
_LABEL = r"(?:[A-Za-z0-9\u0080-\U0010ffff](?:[A-Za-z0-9\u0080-\U0010ffff-]*[A-Za-z0-9\u0080-\U0010ffff])?)"
_EMAIL = re.compile(_ATOM + r"(?:\." + _ATOM + r")*@" + _LABEL + r"(?:\." + _LABEL + r")+")
_PHONE = re.compile(r"\+[1-9][0-9]{6,14}")
_PHONE_STRIP = str.maketrans("", "", " .-()")


def merge_traits(dst, src):
    """Merge the recognised traits of `src` (a dict) into `dst` (a dict): per
    field the best-ranked key whose value is null or a non-blank string."""
    best = {}
    for k, v in src.items():
        slot = _trait_slot(k)
        if slot is None:
            continue
        if v is None:
            pass
        elif type(v) is str:
            v = v.strip()
            if not v:
                continue
        else:
            continue
        field, rank = slot
        b = best.get(field)
        if b is None or rank <= b[0]:
            best[field] = (rank, v)
    for field, (_, v) in best.items():
        if v is None:
            dst.pop(field, None)
        else:
            dst[field] = v


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
        if t is None:
            t = e.get("action")
        if type(t) is str:
            t = t.lower()

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

        # eligibility
        name = None
        if t == "identify":
            name = "identified"
        elif t == "track":
            ev = e.get("event")
            if type(ev) is str:
                try:
                    name = name_cache[ev]
                except KeyError:
                    name = _NON_ALNUM.sub("", ev.lower())
                    if name not in ELIGIBLE or name in ("identified", "identify"):
                        name = None
                    name_cache[ev] = name
        pt = None
        if name is not None and t == "track":
            pt = e.get("properties")
            if type(pt) is not dict or not pt:
                pt = None
        top_email = e.get("email")
        if type(top_email) is not str or not top_email.strip():
            top_email = None
        if top_email is not None:
            given = {}
            for src in (ct, tt, pt):
                if src is not None:
                    merge_traits(given, src)
            if "email" in given or any(
                    src is not None and any(_trait_slot(k) == ("email", 1) and src[k] is None
                                            for k in src) for src in (ct, tt, pt)):
                top_email = None
        if ct is not None or tt is not None or pt is not None or top_email is not None:
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
                if pt is not None:
                    merge_traits(traits, pt)
                if top_email is not None:
                    traits["email"] = top_email.strip()

        if name is None:
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
            raw_email = u.strip() if u is not None else None
            if raw_email is None or not email_match(raw_email.lower()):
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
                full = " ".join(x for x in (first, last) if x is not None)
            else:
                sf, sl, sfull = split_name(full)
                if first is None and last is None:
                    first, last, full = sf, sl, sfull
                else:
                    words = (sf + " " + sl).split()
                    fr = _find(first, words) if first is not None else None
                    lr = _find(last, words) if last is not None else None
                    if fr is None and lr is None:
                        full = " ".join(x for x in (first, last) if x)
                    else:
                        if last is None:
                            last = " ".join(words[fr[1]:])
                        if first is None:
                            first = " ".join(words[:lr[0]])
                        full = sfull
            values["name"] = [{
                "first_name": first if first is not None else "",
                "last_name": last if last is not None else "",
                "full_name": full,
            }]

        phone = traits.get("phone")
        if phone is not None:
            phone = phone.translate(_PHONE_STRIP)
            if phone_match(phone) and phone_allowed(phone):
                values["phone_numbers"] = [{"original_phone_number": phone}]

        title = traits.get("job_title")
        if title is not None and _fold_word(title) not in HONORIFICS:
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
