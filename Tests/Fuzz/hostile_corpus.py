#!/usr/bin/env python3
"""Generates a hostile NDJSON corpus for attio-pipe and says, line by line, what Python's
`json` module makes of it.

    python3 Tests/Fuzz/hostile_corpus.py --seed 1 --count 12000 --out /tmp/corpus

writes

- `corpus.ndjson`: one generated line per line (raw bytes; no line holds `\\n`, none is blank,
  none ends in `\\r`, and the first line is always a plain valid event so that no line 1
  starts with a byte-order mark, which the tool would skip at the start of its input);
- `expected.ndjson`: one JSON object per corpus line, in order:
  `{"valid": false, "why": "..."}` or
  `{"valid": true, "type": ..., "event": ..., "anonymousId": ..., ...}`.

The lines start as realistic Segment events (identify, track, page, alias, group) and most are
then mutated: truncated, flipped, nested deeply, given odd numbers, escapes, surrogates,
invalid UTF-8, byte-order marks, NUL bytes, control characters, duplicate keys, wrong types,
escaped keys, non-object tops, trailing garbage or trailing commas. Roughly half stay valid.
The output depends only on `--seed` and `--count`.

Validity is decided by Python, not by the mutation that made the line: a line is valid when it
is strict UTF-8, `json.loads` returns an object, it holds no `NaN`/`Infinity` literal, and it
nests at most 256 levels (the event object itself being level 1). See README.md next to this
file for the fields extracted from valid lines and for the deliberate differences between
attio-pipe's scanner and Python's `json`.

Python 3 standard library only.
"""

import argparse
import json
import os
import random
import re
import sys

MAX_DEPTH = 256
BOM = b"\xef\xbb\xbf"

STRING_FIELDS = ["type", "event"]
ID_FIELDS = [
    "anonymousId",
    "anonymous_id",
    "userId",
    "user_id",
    "previousId",
    "previous_id",
    "messageId",
    "message_id",
]

# ---------------------------------------------------------------------------------------------
# The oracle: what Python's json says about a line.


class Num(str):
    """A JSON number, kept as its literal text (so no float rounding, no int digit limit)."""


class Obj(list):
    """A JSON object as its list of (key, value) pairs, duplicates kept in order."""

    def last(self, key, default=None):
        found = default
        for name, value in self:
            if name == key:
                found = value
        return found

    def has(self, key):
        return any(name == key for name, _ in self)

    def every(self, key):
        return [value for name, value in self if name == key]


class NonJSONConstant(ValueError):
    pass


def _reject_constant(name):
    raise NonJSONConstant("non-JSON constant " + name)


_STRING_RE = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET_RE = re.compile(r"[^\[\]{}]+")
_LONE_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def nesting_depth(text):
    """The deepest nesting of objects and arrays. Exact for valid JSON (brackets inside strings
    are ignored); only an upper or lower estimate for invalid JSON, which is invalid anyway."""
    brackets = _NOT_BRACKET_RE.sub("", _STRING_RE.sub("", text))
    depth = deepest = 0
    # Runs of one bracket kind are counted in one step, so a 100 000-deep line costs little.
    for run in re.finditer(r"[\[{]+|[\]}]+", brackets):
        token = run.group()
        if token[0] in "[{":
            depth += len(token)
            deepest = max(deepest, depth)
        else:
            depth -= len(token)
    return deepest


def without_lone_surrogates(text):
    """attio-pipe decodes a lone UTF-16 surrogate escape as U+FFFD; Python keeps it in the str.
    Python has already joined the valid pairs, so every surrogate left is lone."""
    return _LONE_SURROGATE_RE.sub("\ufffd", text)


def is_blank(line):
    return all(byte in b" \t\r" for byte in line)


def string_field(value):
    """`type`, `event`, `traits.email`: a string or null; anything else is a wrong type."""
    if value is None:
        return ("null", None)
    if isinstance(value, Num):
        return None
    if isinstance(value, str):
        return ("string", without_lone_surrogates(value))
    return None


def id_field(value):
    """Ids: a string, a number (its literal text) or null."""
    if value is None:
        return ("null", None)
    if isinstance(value, Num):
        return ("number", str(value))
    if isinstance(value, str):
        return ("string", without_lone_surrogates(value))
    return None


_TRAIT_KEY_RE = re.compile(r"[A-Za-z](?:[A-Za-z_\-. ]{0,22}[A-Za-z])?")


def _is_email_key(name):
    """Trait keys match ignoring ASCII case and the separators _ - . and space between letters
    (`e-mail`, `E_Mail` and `EMAIL` are `email`), as attio-pipe's scanner folds them."""
    return (_TRAIT_KEY_RE.fullmatch(name) is not None
            and re.sub(r"[_\-. ]", "", name).lower() == "email")


def _email_of(traits):
    if not isinstance(traits, Obj):
        return None
    found = [value for name, value in traits if _is_email_key(name)]
    if not found:
        return None
    return string_field(found[-1])


def oracle(line):
    """The expected.ndjson entry for one corpus line."""
    if is_blank(line):
        raise AssertionError("blank lines are not generated")
    try:
        text = line.decode("utf-8", errors="strict")
    except UnicodeDecodeError:
        return {"valid": False, "why": "invalid_utf8"}
    if nesting_depth(text) > MAX_DEPTH:
        return {"valid": False, "why": "too_deep"}
    try:
        value = json.loads(
            text,
            parse_constant=_reject_constant,
            parse_int=Num,
            parse_float=Num,
            object_pairs_hook=Obj,
        )
    except NonJSONConstant:
        return {"valid": False, "why": "nan_or_infinity"}
    except RecursionError:
        return {"valid": False, "why": "too_deep"}
    except ValueError:
        return {"valid": False, "why": "invalid_json"}
    if not isinstance(value, Obj):
        return {"valid": False, "why": "not_object"}

    entry = {"valid": True}
    numbers = []

    def put(name, extracted):
        if extracted is None:
            return
        kind, payload = extracted
        entry[name] = payload
        if kind == "number":
            numbers.append(name)

    for name in STRING_FIELDS:
        if value.has(name):
            put(name, string_field(value.last(name)))
    for name in ID_FIELDS:
        if value.has(name):
            put(name, id_field(value.last(name)))
    put("traits_email", _email_of(value.last("traits")))
    context = value.last("context")
    if isinstance(context, Obj):
        put("context_traits_email", _email_of(context.last("traits")))
    if numbers:
        entry["number_fields"] = numbers

    return entry


# ---------------------------------------------------------------------------------------------
# Realistic events.

FIRST_NAMES = ["Ada", "Grace", "José", "Zoë", "Søren", "Łukasz", "小龍", "Владимир", "محمد",
               "Ærin", "O'Neil", "Jean-Luc", "Ngọc", "😀", "Ψ", "Ōtani"]
LAST_NAMES = ["Lovelace", "Hopper", "Núñez", "Ødegård", "Dvořák", "李", "Иванов", "Ñandú",
              "Smith \"Smitty\"", "Back\\slash", "van der Berg", "🦄 Unicorn", "Müller"]
DOMAINS = ["example.com", "example.org", "bücher.example", "mail.example.co.uk"]
EVENT_NAMES = ["Signed Up", "Logged In", "Lead Generated", "Order Completed", "Page Viewed",
               "signed_up", "logged_in", "leadGenerated", "Identified", "Product Added",
               "Démo demandée", "🚀 Launched"]
URLS = ["https://example.com/", "https://example.com/pricing?ref=ad&utm=1",
        "https://example.com/p/caf%C3%A9", "https://example.com/search?q=a+b#x"]
AGENTS = ["Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 Safari/605.1.15",
          "Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0",
          "curl/8.5.0"]


def random_id(rng, prefix):
    if rng.random() < 0.15:
        return rng.randint(0, 10**9)
    return "%s-%08x" % (prefix, rng.getrandbits(32))


def person(rng):
    first = rng.choice(FIRST_NAMES)
    last = rng.choice(LAST_NAMES)
    local = "%s.%d" % (rng.choice(["ada", "grace", "jose", "zoe", "x"]), rng.randint(1, 999))
    traits = {"email": local + "@" + rng.choice(DOMAINS)}
    if rng.random() < 0.7:
        traits["firstName" if rng.random() < 0.5 else "first_name"] = first
        traits["lastName" if rng.random() < 0.5 else "last_name"] = last
    if rng.random() < 0.3:
        traits["name"] = first + " " + last
    if rng.random() < 0.4:
        traits["phone"] = rng.choice(["+1 555 867 5309", "020 7946 0018", "+44 (0)20 7946 0018",
                                      "555-0100", "not a phone", 15558675309])
    if rng.random() < 0.3:
        traits["title"] = rng.choice(["CTO", "Engineer", "Directrice générale"])
    if rng.random() < 0.2:
        traits["email"] = traits["email"].upper()
    return traits


def context(rng, with_traits):
    value = {
        "page": {"url": rng.choice(URLS), "title": "Pricing – Example", "referrer": ""},
        "userAgent": rng.choice(AGENTS),
        "ip": "203.0.113.%d" % rng.randint(1, 254),
        "locale": rng.choice(["en-GB", "fr-FR", "ja-JP"]),
        "library": {"name": "analytics.js", "version": "5.2.1"},
    }
    if with_traits:
        value["traits"] = person(rng)
    return value


def base_event(rng):
    """A realistic Segment event as a dict."""
    kind = rng.choices(["identify", "track", "page", "alias", "group"], [4, 5, 2, 1, 1])[0]
    camel = rng.random() < 0.8
    event = {"type": kind, "messageId" if camel else "message_id": random_id(rng, "m")}
    event["anonymousId" if camel else "anonymous_id"] = random_id(rng, "anon")
    if rng.random() < 0.5:
        event["userId" if camel else "user_id"] = random_id(rng, "user")
    if kind == "identify":
        event["traits"] = person(rng)
    elif kind == "track":
        event["event"] = rng.choice(EVENT_NAMES)
        event["properties"] = {"plan": "pro", "amount": 49.9, "items": [1, 2, 3],
                               "lead_source": rng.choice(["Webinar", "Ads", ""])}
    elif kind == "page":
        event["name"] = "Pricing"
        event["properties"] = {"path": "/pricing", "search": "", "title": "Pricing"}
    elif kind == "alias":
        event["previousId" if camel else "previous_id"] = random_id(rng, "anon")
    else:
        event["groupId"] = random_id(rng, "org")
        event["traits"] = {"name": "Example Ltd", "employees": 42, "industry": "Software"}
    event["context"] = context(rng, rng.random() < 0.35)
    event["timestamp"] = "2024-06-%02dT12:%02d:00.000Z" % (rng.randint(1, 28), rng.randint(0, 59))
    if rng.random() < 0.1:
        event["integrations"] = {"All": True, "Mixpanel": False}
    if rng.random() < 0.1:
        del event["type"]  # a track written without its type
    return event


def dump(rng, value):
    """Python's own JSON text for a value, in one of several styles."""
    return json.dumps(
        value,
        ensure_ascii=rng.random() < 0.3,
        separators=rng.choice([(",", ":"), (", ", ": "), (",", ": ")]),
    )


def members_of(rng, event):
    """The event as a list of [raw key text, raw value text], so mutations can write any bytes."""
    return [[json.dumps(key), dump(rng, value)] for key, value in event.items()]


def render(members, spaced=False):
    colon, comma = (": ", ", ") if spaced else (":", ",")
    return "{" + comma.join(key + colon + value for key, value in members) + "}"


# ---------------------------------------------------------------------------------------------
# Hostile pieces.

VALID_NUMBERS = ["0", "-0", "-0.0e-0", "1e999999", "-1e999999", "1E+2", "12.5e-3", "1e-999999",
                 "123456789012345678901234567890", "-123456789012345678901234567890.5",
                 "4.9e-324", "1.7976931348623157e308", "0.000000000000000000001", "9" * 400]
INVALID_NUMBERS = ["01", "1.", ".5", "+1", "0x1F", "-", "1e", "1e+", "--1", "1.e5", "0.",
                   "1_000", "\u0661\u0662", "00", "-01", "1..2", "1e5.5", "Infinity1"]
NON_JSON_CONSTANTS = ["NaN", "Infinity", "-Infinity"]
VALID_ESCAPE_STRINGS = [
    r'"\"\\\/\b\f\n\r\t\u00e9"',
    r'"\ud83d\ude00"',
    r'"\ud800"',
    r'"\udc00"',
    r'"\ud800\u0041"',
    r'"\udc00\ud800"',
    r'"\ud800\ud800\udc00"',
    r'"a\u0000b"',
    r'"\u001f\u007f\u0080\uffff\ufffe"',
    r'"\uD83D\uDE00 upper"',
    r'"\u00E9t\u00e9"',
    r'"\/\/slashes\/"',
    r'"\ufeffbom"',
    r'"tab\there"',
    '"\ufeff raw bom inside a string"',
    '"emoji 😀 and e\u0301 and \u00e9"',
    '"\u2028\u2029"',
    '""',
    '"   "',
    r'"\ud800\\u0041"',
    r'"\ud83d\ude00\ud83d"',
    r'"x\ud83d"',
    r'"\ud83d\u0000"',
    r'"\uDBFF\uDFFF\uD800\uDC00"',
    r'"\udbff\udfff\udc00\ud800"',
    r'"\u0022quoted\u0022 \u005c"',
    '"\u00e9\\u00e9😀\\n"',
]
INVALID_ESCAPE_STRINGS = [r'"\x41"', r'"\u12G4"', r'"\u12"', r'"\u"', r'"\U0041"', r'"\a"',
                          r'"\0"', r'"\'"', r'"abc\"', '"\\\u00e9"', r'"\u 123"', r'"\u+123"']
INVALID_UTF8 = [b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xff", b"\xfe", b"\x80",
                b"\xe2\x82", b"\xf0\x9f\x98", b"\xc3", b"\xc3\x28", b"\xe0\x80\xaf",
                b"\xf8\x88\x80\x80\x80", b"\xed\xbf\xbf", b"\xc1\xbf", b"\xf5\x80\x80\x80"]
VALID_UTF8 = ["é", "€", "😀", "\U0010ffff", "\ufffd", "\u0800", "\ud7ff", "\ue000", "\x7f"]
WRONG_TYPES = ["5", "[1]", '{"x":1}', "null", "true", "false", '"x"', "[]", "{}", "-0.0e-0",
               '{"email":42}', '{"email":["a@example.com"]}', '{"traits":5}', '[{"email":"a"}]',
               '{"email":null}', '{"email":"dup@example.com"}', '""']
KEY_TARGETS = ["type", "event", "anonymousId", "anonymous_id", "userId", "user_id", "previousId",
               "previous_id", "messageId", "message_id", "traits", "context", "properties"]


def escaped_key(rng, key):
    """The key with some characters written as \\u escapes (any case of hex digits)."""
    out = []
    for char in key:
        if rng.random() < 0.4:
            code = "\\u%04x" % ord(char)
            out.append(code.upper().replace("\\U", "\\u") if rng.random() < 0.3 else code)
        else:
            out.append(char)
    if all(not part.startswith("\\") for part in out):
        out[0] = "\\u%04x" % ord(key[0])
    return '"' + "".join(out) + '"'


def nested(rng, depth, leaf='"deep"'):
    """A value nested `depth` levels (arrays, objects or a mix)."""
    style = rng.choice(["array", "object", "mixed"])
    if style == "array":
        return "[" * depth + leaf + "]" * depth
    if style == "object":
        return '{"a":' * depth + leaf + "}" * depth
    opens, closes = [], []
    for _ in range(depth):
        if rng.random() < 0.5:
            opens.append("[")
            closes.append("]")
        else:
            opens.append('{"k":')
            closes.append("}")
    return "".join(opens) + leaf + "".join(reversed(closes))


def deep_depth(rng):
    """Total nesting (the event being level 1) around the 256 limit, under it and far over."""
    roll = rng.random()
    if roll < 0.35:
        return rng.choice([255, 256, 256, 257, 257, 258])
    if roll < 0.65:
        return rng.randint(2, 256)
    if roll < 0.99:
        return rng.randint(257, 3000)
    return rng.choice([10_000, 100_000])


# ---------------------------------------------------------------------------------------------
# Mutations. Structural ones work on the member list and mostly keep the line valid; byte-level
# ones mostly break it. Python decides either way.


def set_member(members, key, value):
    for member in members:
        if json.loads(member[0]) == key:
            member[1] = value
            return
    members.append([json.dumps(key), value])


def pick_string_field(rng, members):
    options = ["anonymousId", "userId", "messageId", "event", "type", "user_id", "previousId"]
    return rng.choice(options)


def m_duplicate_keys(rng, members):
    for _ in range(rng.randint(1, 3)):
        key = rng.choice(KEY_TARGETS + ["traits", "traits", "event", "anonymousId"])
        value = rng.choice(WRONG_TYPES + ['"dup-%d"' % rng.randint(0, 99),
                                          '{"email":"last@example.com"}',
                                          '{"traits":{"email":"ctx@example.com"}}',
                                          '{"page":{}}'])
        position = rng.randint(0, len(members))
        members.insert(position, [json.dumps(key), value])
    return render(members).encode()


def m_wrong_types(rng, members):
    for _ in range(rng.randint(1, 4)):
        set_member(members, rng.choice(KEY_TARGETS), rng.choice(WRONG_TYPES))
    if rng.random() < 0.3:
        set_member(members, "context", '{"traits":' + rng.choice(WRONG_TYPES) + "}")
    return render(members).encode()


def m_escaped_keys(rng, members):
    targets = [m for m in members if json.loads(m[0]) in KEY_TARGETS] or members
    for member in rng.sample(targets, min(len(targets), rng.randint(1, 3))):
        member[0] = escaped_key(rng, json.loads(member[0]))
    if rng.random() < 0.4:
        set_member(members, "traits", "{" + escaped_key(rng, "email") + ':"esc@example.com"}')
    return render(members).encode()


def m_escapes(rng, members):
    for _ in range(rng.randint(1, 3)):
        literal = rng.choice(VALID_ESCAPE_STRINGS)
        where = rng.random()
        if where < 0.6:
            set_member(members, pick_string_field(rng, members), literal)
        elif where < 0.8:
            set_member(members, "traits", '{"email":' + literal + "}")
        else:
            set_member(members, "context", '{"traits":{"email":' + literal + '}}')
    if rng.random() < 0.15:
        set_member(members, rng.choice(["event", "userId"]), rng.choice(INVALID_ESCAPE_STRINGS))
    return render(members).encode()


def m_numbers(rng, members):
    roll = rng.random()
    if roll < 0.55:
        number = rng.choice(VALID_NUMBERS)
    elif roll < 0.85:
        number = rng.choice(INVALID_NUMBERS)
    else:
        number = rng.choice(NON_JSON_CONSTANTS)
    target = rng.choice(["anonymousId", "userId", "messageId", "previous_id", "type", "event",
                         "odd", "properties"])
    if target == "properties":
        number = '{"amount":' + number + "}"
    elif target == "odd" and rng.random() < 0.5:
        number = "[" + number + "," + rng.choice(VALID_NUMBERS) + "]"
    set_member(members, target, number)
    return render(members).encode()


def m_deep(rng, members):
    depth = deep_depth(rng)
    where = rng.choice(["top", "properties", "context_traits", "traits"])
    # Levels used above the nested value: the event (1), plus one per wrapping object.
    above = {"top": 1, "properties": 2, "traits": 2, "context_traits": 3}[where]
    value = nested(rng, max(depth - above, 1))
    if where == "top":
        set_member(members, rng.choice(["deep", "anonymousId", "event"]), value)
    elif where == "properties":
        set_member(members, "properties", '{"deep":' + value + "}")
    elif where == "traits":
        set_member(members, "traits", '{"email":"deep@example.com","deep":' + value + "}")
    else:
        set_member(members, "context", '{"traits":{"deep":' + value +
                   ',"email":"ctxdeep@example.com"}}')
    return render(members).encode()


NEAR_MISS_KEYS = ["Type", "TYPE", "type ", " type", "tipe", "evenT", "events", "anonymousID",
                  "anonymousid", "anonymous-id", "userid", "user_Id", "usrId", "messageID",
                  "previousID", "previousId_", "Traits", "trait", "contexts", "Context", "",
                  "ty\u0000pe", "type\u0000", "\u00fcserId"]


def m_near_miss_keys(rng, members):
    """Keys that look like the ones the tool reads but are not: all ignored."""
    for _ in range(rng.randint(1, 4)):
        key = rng.choice(NEAR_MISS_KEYS)
        value = rng.choice(WRONG_TYPES + ['"identify"', '"Signed Up"', '"near@example.com"'])
        members.insert(rng.randint(0, len(members)), [json.dumps(key), value])
    if rng.random() < 0.5:
        near = rng.choice(["Email", "EMAIL", "e-mail", "emails", "emai", "email "])
        set_member(members, rng.choice(["traits", "context"]),
                   '{"%s":"near@example.com","traits":{"%s":"near@example.com"}}' % (near, near))
    return render(members).encode()


def m_valid_utf8(rng, members):
    text = "".join(rng.choice(VALID_UTF8) for _ in range(rng.randint(1, 5)))
    set_member(members, pick_string_field(rng, members), json.dumps(text, ensure_ascii=False))
    return render(members).encode()


def m_whitespace(rng, members):
    """JSON white space (space, tab, CR) between tokens, never inside strings."""

    def padding():
        return "".join(rng.choice([" ", "\t", "\r", "  "]) for _ in range(rng.randint(0, 3)))

    parts = re.split(r'("(?:[^"\\]|\\.)*")', render(members, spaced=True))
    for index in range(0, len(parts), 2):  # the even parts are outside strings
        parts[index] = re.sub(r"[,:{}\[\]]", lambda m: padding() + m.group() + padding(),
                              parts[index])
    return ("".join(parts) + rng.choice(["", " ", "\t", " \t"])).encode()


def m_truncate(rng, line):
    return line[: rng.randint(1, len(line) - 1)]


def m_flip(rng, line):
    data = bytearray(line)
    for _ in range(rng.randint(1, 3)):
        index = rng.randrange(len(data))
        if rng.random() < 0.5:
            data[index] ^= 1 << rng.randrange(8)
        else:
            data[index] = rng.randrange(256)
    return bytes(data)


INTERESTING_BYTES = b'"\\{}[],: \t\x00\x01\x1f\x7f\x80\xbf\xc0\xff0-e.'


def m_insert(rng, line):
    data = bytearray(line)
    for _ in range(rng.randint(1, 2)):
        index = rng.randint(0, len(data))
        byte = rng.choice(INTERESTING_BYTES) if rng.random() < 0.7 else rng.randrange(256)
        data[index:index] = bytes([byte])
    return bytes(data)


def m_delete(rng, line):
    data = bytearray(line)
    for _ in range(rng.randint(1, 2)):
        if len(data) > 2:
            del data[rng.randrange(len(data))]
    return bytes(data)


def string_value_positions(line):
    """Byte offsets just after the opening quote of string values (after `:"`)."""
    return [match.end() for match in re.finditer(rb':\s*"', line)]


def inject_in_string(rng, line, piece):
    positions = string_value_positions(line)
    if not positions:
        return line[:1] + piece + line[1:]
    index = rng.choice(positions)
    return line[:index] + piece + line[index:]


def m_invalid_utf8(rng, line):
    piece = rng.choice(INVALID_UTF8)
    if rng.random() < 0.8:
        return inject_in_string(rng, line, piece)
    index = rng.randint(0, len(line))
    return line[:index] + piece + line[index:]


def m_bom(rng, line):
    roll = rng.random()
    if roll < 0.6:
        return BOM + line  # a BOM at a line start inside the stream: invalid
    if roll < 0.8:
        return inject_in_string(rng, line, BOM)  # U+FEFF inside a string: valid
    return line[:1] + BOM + line[1:]  # between tokens: invalid


def m_nul(rng, line):
    if rng.random() < 0.5:
        return inject_in_string(rng, line, b"\x00")
    index = rng.randint(0, len(line))
    return line[:index] + b"\x00" * rng.randint(1, 3) + line[index:]


def m_control(rng, line):
    byte = bytes([rng.choice([b for b in range(0x20) if b != 0x0A])])
    return inject_in_string(rng, line, byte)


def m_not_object(rng, line):
    return rng.choice([b"[]", b'"x"', b"42", b"null", b"true", b"false", b"-0.5e3", b'""',
                       b'[{"type":"identify","traits":{"email":"a@example.com"}}]',
                       b'"{\\"type\\":\\"identify\\"}"', b" [ ] ", b"[" + line + b"]",
                       b'["' + line.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"]',
                       b"NaN", b"Infinity", b"{", b"}", b"[", b"nul", b"tru", b"1 2"])


def m_trailing(rng, line):
    tail = rng.choice([b"x", b"}", b" {}", b",", b"\x00", b" ,", b"]", b'"', b" 1",
                       b" " + line, line, b"\t", b"  ", b" \t "])
    return line + tail


def m_trailing_comma(rng, line):
    roll = rng.random()
    if roll < 0.5:
        return line[:-1] + b",}"
    if roll < 0.8:
        return line[:-1] + b',"items":[1,2,]}'
    return line[:-1] + b',"o":{"a":1,}}'


def m_syntax(rng, line):
    return rng.choice([
        line.replace(b":", b"", 1),
        line.replace(b'"', b"'", 2),
        re.sub(rb'"(\w+)":', rb"\1:", line, count=1),
        b"// comment\t" + line,
        line[:-1] + b"/* c */}",
        line.replace(b",", b",,", 1),
        line.replace(b",", b"", 1),
        line[:-1] + b',"a":undefined}',
        line[:-1] + b',"a":True}',
        line[:-1] + b',"a":nulls}',
        line[:-1] + b',"":1}',
        line[:-1] + b',"a" :\t1 }',
        line.replace(b"{", b"{ \x0b", 1),
        line.replace(b"{", b"{\xc2\xa0", 1),
    ])


def m_nan(rng, line):
    return line[:-1] + b',"x":' + rng.choice(NON_JSON_CONSTANTS).encode() + b"}"


STRUCTURAL = [
    (m_duplicate_keys, 10),
    (m_wrong_types, 10),
    (m_escaped_keys, 6),
    (m_escapes, 10),
    (m_numbers, 8),
    (m_deep, 6),
    (m_valid_utf8, 4),
    (m_near_miss_keys, 4),
    (m_whitespace, 4),
]
BYTE_LEVEL = [
    (m_truncate, 10),
    (m_flip, 8),
    (m_insert, 6),
    (m_delete, 5),
    (m_invalid_utf8, 8),
    (m_bom, 4),
    (m_nul, 4),
    (m_control, 4),
    (m_not_object, 4),
    (m_trailing, 5),
    (m_trailing_comma, 3),
    (m_syntax, 4),
    (m_nan, 2),
]


def weighted(rng, table):
    return rng.choices([f for f, _ in table], [w for _, w in table])[0]


def generate_line(rng, number):
    """One corpus line (bytes): never blank, no `\\n`, no `\\r` at its end."""
    event = base_event(rng)
    members = members_of(rng, event)
    if number == 1:
        # The tool skips a BOM at the very start of its input; keep line 1 plain.
        return render(members).encode()
    roll = rng.random()
    if roll < 0.12:
        line = render(members, spaced=rng.random() < 0.3).encode()
    else:
        line = weighted(rng, STRUCTURAL)(rng, members)
    if roll >= 0.5 or rng.random() < 0.05:
        for _ in range(1 if rng.random() < 0.85 else 2):
            if len(line) >= 2:
                line = weighted(rng, BYTE_LEVEL)(rng, line)
    line = line.replace(b"\n", b" ")
    while line.endswith(b"\r"):
        line = line[:-1] + b" "
    return line


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--out", required=True, help="directory for corpus.ndjson, expected.ndjson")
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    valid = 0
    with open(os.path.join(args.out, "corpus.ndjson"), "wb") as corpus, \
            open(os.path.join(args.out, "expected.ndjson"), "w", encoding="ascii") as expected:
        for number in range(1, args.count + 1):
            line = generate_line(rng, number)
            while is_blank(line):
                line = generate_line(rng, number)
            entry = oracle(line)
            valid += entry["valid"]
            corpus.write(line + b"\n")
            expected.write(json.dumps(entry, ensure_ascii=True, sort_keys=True) + "\n")
    print("%d lines, %d valid, %d invalid" % (args.count, valid, args.count - valid),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
