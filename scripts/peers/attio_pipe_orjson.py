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
            if phone_match(phone):
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
