#!/usr/bin/env python3
"""Local mock of the slice of Attio's REST API that attio-pipe uses.

Standard library only. It implements, as /work/shared/attio-api.md describes:

  PUT  /v2/objects/people/records?matching_attribute=email_addresses   (assert person)
  GET  /v2/self
  GET  /v2/objects/people/attributes

plus a write rate limit (sliding one-second window, 429 with an HTTP-date Retry-After),
fault injection and a control API under /__mock/ (no auth) that exposes what the server
received and the final people store. See README.md next to this file.

Start:  python3 mock_attio.py --port 0      -> prints "LISTENING <port>" once ready.
Stop:   SIGTERM / SIGINT / POST /__mock/shutdown.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import email.utils
import json
import math
import re
import signal
import socket
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

ASSERT_PATH = "/v2/objects/people/records"
SELF_PATH = "/v2/self"
ATTRIBUTES_PATH = "/v2/objects/people/attributes"

DEFAULT_TOKEN = "test-token"
DEFAULT_SCOPES = "record_permission:read-write object_configuration:read"
SCOPE_RECORDS_WRITE = "record_permission:read-write"
SCOPE_OBJECTS_READ = "object_configuration:read"

MAX_TEXT_BYTES = 10 * 1024 * 1024

# The people object's attributes: (api_slug, title, type, is_multiselect, is_unique,
# is_writable). The first five are the ones attio-pipe writes; the last two are "a couple
# of others" so the attribute list looks like a real workspace (one is not writable).
BASE_ATTRIBUTES = [
    ("email_addresses", "Email addresses", "email-address", True, True, True),
    ("name", "Name", "personal-name", False, False, True),
    ("phone_numbers", "Phone numbers", "phone-number", True, False, True),
    ("job_title", "Job title", "text", False, False, True),
    ("description", "Description", "text", False, False, True),
    ("linkedin", "LinkedIn", "text", False, False, True),
    ("created_at", "Created at", "timestamp", False, False, False),
]
ATTRIBUTE_BY_SLUG = {a[0]: a for a in BASE_ATTRIBUTES}
MATCHING_ATTRIBUTE = "email_addresses"

# Strict address check (ASCII only): RFC 5322 dot-atom local part (no leading, trailing or
# doubled dots), hostname labels of letters/digits/hyphens not starting or ending with a
# hyphen, at least two labels, alphabetic (or punycode) TLD.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_RE = re.compile(
    rf"^{_ATEXT}(?:\.{_ATEXT})*@(?:{_LABEL}\.)+(?:[A-Za-z]{{2,63}}|xn--[A-Za-z0-9-]{{1,59}})$"
)
E164_RE = re.compile(r"^\+[1-9]\d{1,14}$")
COUNTRY_CODE_RE = re.compile(r"^[A-Z]{2}$")
# With a country_code Attio accepts a national number; we allow usual separators.
NATIONAL_PHONE_RE = re.compile(r"^\+?[0-9 ()./-]+$")

RULE_KEYS = {
    "status", "count", "email", "delay_ms", "drop", "retry_after", "omit_date",
    "apply", "endpoint", "type", "code", "message",
}
CONFIG_KEYS = {
    "rules", "token_revoked", "scopes", "rename", "archive", "not_writable",
    "skew_seconds", "rate", "latency_ms",
}
ENDPOINTS = {"assert", "self", "attributes"}

# Default error bodies for injected statuses: (type, code, message).
FAULT_BODIES = {
    400: ("invalid_request_error", "validation_type", "Injected fault: invalid request."),
    401: ("auth_error", "unauthorized", "Injected fault: the access token is invalid."),
    403: ("auth_error", "forbidden", "Injected fault: the access token lacks a scope."),
    404: ("invalid_request_error", "not_found", "Injected fault: not found."),
    408: ("invalid_request_error", "request_timeout", "Injected fault: request timeout."),
    409: (
        "invalid_request_error",
        "conflict",
        "The record was modified by another request while this write was being "
        "validated. Please try again.",
    ),
    429: ("rate_limit_error", "rate_limit_exceeded", "Injected fault: rate limit exceeded."),
    500: ("api_error", "internal_server_error", "Injected fault: internal server error."),
    502: ("api_error", "bad_gateway", "Injected fault: bad gateway."),
    503: ("api_error", "service_unavailable", "Injected fault: service unavailable."),
    504: ("api_error", "gateway_timeout", "Injected fault: gateway timeout."),
}


class ApiError(Exception):
    """An Attio-style error answer: {"status_code","type","code","message"}."""

    def __init__(self, status: int, type_: str, code: str, message: str):
        super().__init__(message)
        self.status, self.type, self.code, self.message = status, type_, code, message

    def body(self) -> dict:
        return {
            "status_code": self.status,
            "type": self.type,
            "code": self.code,
            "message": self.message,
        }


def bad_request(message: str, code: str = "validation_type") -> ApiError:
    return ApiError(400, "invalid_request_error", code, message)


def slug_not_found(slug: str) -> ApiError:
    return bad_request(f'Cannot find attribute with slug/ID "{slug}".', "value_not_found")


def iso_time(t: float) -> str:
    dt = datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
    return dt.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def http_date(t: float) -> str:
    """RFC 7231 IMF-fixdate, e.g. 'Tue, 23 May 2023 14:42:01 GMT' (seconds truncated)."""
    return email.utils.formatdate(t, usegmt=True)


def max_in_any_window(timestamps, width: float = 1.0) -> int:
    """Largest number of timestamps inside any half-open window [t, t + width).

    A window holding the most points can always be slid right until its start touches a
    point, so it suffices to try windows starting at each timestamp: two pointers over
    the sorted list, O(n log n) overall.
    """
    ts = sorted(timestamps)
    best, j = 0, 0
    for i, start in enumerate(ts):
        if j < i:
            j = i
        while j < len(ts) and ts[j] < start + width:
            j += 1
        best = max(best, j - i)
    return best


def scopes_grant(scopes: set, needed: str) -> bool:
    """'x:read-write' also satisfies 'x:read'."""
    if needed in scopes:
        return True
    if needed.endswith(":read"):
        return needed[: -len(":read")] + ":read-write" in scopes
    return False


def emails_in(body) -> list:
    """Best-effort list of the email_address strings in an assert body (may be invalid)."""
    try:
        values = body["data"]["values"]
        out = []
        for key, items in values.items():
            # The request's email is the matching attribute's value; renamed slugs are
            # recognised by their value shape.
            for item in items if isinstance(items, list) else []:
                if isinstance(item, dict) and isinstance(item.get("email_address"), str):
                    out.append(item["email_address"])
        return out
    except (TypeError, KeyError, AttributeError):
        return []


# --------------------------------------------------------------------------- config


def default_config(cli) -> dict:
    return {
        "rules": [],
        "token_revoked": False,
        "scopes": cli.scopes,
        "rename": {},
        "archive": [],
        "not_writable": [],
        "skew_seconds": 0.0,
        "rate": cli.rate,
        "latency_ms": cli.latency_ms,
    }


def parse_config(body, cli) -> dict:
    """Validate a POST /__mock/faults body; keys left out take their defaults."""
    if not isinstance(body, dict):
        raise ValueError("body must be a JSON object")
    unknown = set(body) - CONFIG_KEYS
    if unknown:
        raise ValueError(f"unknown keys: {sorted(unknown)}")
    cfg = default_config(cli)
    for key in ("token_revoked",):
        if key in body:
            if not isinstance(body[key], bool):
                raise ValueError(f"{key} must be a boolean")
            cfg[key] = body[key]
    if "scopes" in body:
        scopes = body["scopes"]
        if isinstance(scopes, list) and all(isinstance(s, str) for s in scopes):
            scopes = " ".join(scopes)
        if not isinstance(scopes, str):
            raise ValueError("scopes must be a space-separated string or a list of strings")
        cfg["scopes"] = scopes
    for key in ("skew_seconds", "latency_ms"):
        if key in body:
            v = body[key]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or (key == "latency_ms" and v < 0):
                raise ValueError(f"{key} must be a number" + (" >= 0" if key == "latency_ms" else ""))
            cfg[key] = v
    if "rate" in body:
        if isinstance(body["rate"], bool) or not isinstance(body["rate"], int) or body["rate"] < 0:
            raise ValueError("rate must be an integer >= 0 (0 disables the limit)")
        cfg["rate"] = body["rate"]
    rename = body.get("rename", {})
    if not isinstance(rename, dict) or not all(isinstance(v, str) and v for v in rename.values()):
        raise ValueError("rename must map an existing slug to a new slug")
    for old, new in rename.items():
        if old not in ATTRIBUTE_BY_SLUG:
            raise ValueError(f"rename: unknown slug {old!r}")
    current = [rename.get(a[0], a[0]) for a in BASE_ATTRIBUTES]
    if len(set(current)) != len(current):
        raise ValueError("rename would give two attributes the same slug")
    cfg["rename"] = dict(rename)
    for key in ("archive", "not_writable"):
        slugs = body.get(key, [])
        if not isinstance(slugs, list) or not all(s in ATTRIBUTE_BY_SLUG for s in slugs):
            raise ValueError(f"{key} must be a list of original attribute slugs")
        cfg[key] = list(slugs)
    rules = body.get("rules", [])
    if not isinstance(rules, list):
        raise ValueError("rules must be a list")
    cfg["rules"] = [parse_rule(r, i) for i, r in enumerate(rules)]
    return cfg


def parse_rule(rule, index: int) -> dict:
    where = f"rules[{index}]"
    if not isinstance(rule, dict):
        raise ValueError(f"{where} must be an object")
    unknown = set(rule) - RULE_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    status = rule.get("status")
    if status is not None and (isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599):
        raise ValueError(f"{where}: status must be an integer 400-599")
    count = rule.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int):
        raise ValueError(f"{where}: count must be an integer (negative = unlimited)")
    delay = rule.get("delay_ms", 0)
    if isinstance(delay, bool) or not isinstance(delay, (int, float)) or delay < 0:
        raise ValueError(f"{where}: delay_ms must be a number >= 0")
    endpoint = rule.get("endpoint", "assert")
    if endpoint not in ENDPOINTS:
        raise ValueError(f"{where}: endpoint must be one of {sorted(ENDPOINTS)}")
    email_match = rule.get("email")
    if email_match is not None and not isinstance(email_match, str):
        raise ValueError(f"{where}: email must be a string")
    retry_after = rule.get("retry_after", ...)  # ... = key absent
    if retry_after is not ... and retry_after is not None:
        if isinstance(retry_after, bool) or not isinstance(retry_after, (str, int, float)):
            raise ValueError(f"{where}: retry_after must be a string, a number or null")
        retry_after = str(retry_after)
    for key in ("drop", "omit_date", "apply"):
        if not isinstance(rule.get(key, False), bool):
            raise ValueError(f"{where}: {key} must be a boolean")
    for key in ("type", "code", "message"):
        if key in rule and not isinstance(rule[key], str):
            raise ValueError(f"{where}: {key} must be a string")
    return {
        "index": index,
        "status": status,
        "remaining": count,
        "email": email_match.lower() if email_match else None,
        "delay_ms": delay,
        "drop": rule.get("drop", False),
        "retry_after": retry_after,
        "omit_date": rule.get("omit_date", False),
        "apply": rule.get("apply", False),
        "endpoint": endpoint,
        "type": rule.get("type"),
        "code": rule.get("code"),
        "message": rule.get("message"),
        "fired": 0,
    }


def public_config(cfg: dict) -> dict:
    out = dict(cfg)
    out["rules"] = [
        {k: (None if v is ... else v) for k, v in r.items()} for r in cfg["rules"]
    ]
    return out


# --------------------------------------------------------------------------- state


class MockState:
    """Everything the server remembers. All fields are guarded by `lock`."""

    def __init__(self, cli):
        self.cli = cli
        self.lock = threading.Lock()
        self.workspace_id = str(uuid.uuid4())
        self.object_id = str(uuid.uuid4())
        self.attribute_ids = {a[0]: str(uuid.uuid4()) for a in BASE_ATTRIBUTES}
        self.reset()

    def reset(self):
        # Requests still in flight across a reset must not touch the new counters.
        self.generation = getattr(self, "generation", 0) + 1
        self.config = default_config(self.cli)
        self.people: list[dict] = []  # in creation order
        self.requests: list[dict] = []  # API requests in arrival order
        self.put_arrivals: list[float] = []  # every assert PUT, for stats
        # Arrival times of the PUTs the rate limiter admitted during the last second.
        self.admitted = collections.deque()
        self.in_flight = 0
        self.in_flight_by_email = collections.Counter()
        self.max_concurrent = 0
        self.max_concurrent_per_email = 0

    # -- attributes, honouring rename / archive / not_writable --------------------

    def current_slug(self, original: str) -> str:
        return self.config["rename"].get(original, original)

    def resolve_slug(self, slug: str):
        """Map a slug as a client sends it to the original attribute, or None."""
        for original in ATTRIBUTE_BY_SLUG:
            if self.current_slug(original) == slug:
                return original
        return None

    def attribute_list(self) -> list:
        out = []
        for slug, title, type_, multi, unique, writable in BASE_ATTRIBUTES:
            out.append(
                {
                    "id": {
                        "workspace_id": self.workspace_id,
                        "object_id": self.object_id,
                        "attribute_id": self.attribute_ids[slug],
                    },
                    "api_slug": self.current_slug(slug),
                    "title": title,
                    "description": None,
                    "type": type_,
                    "is_system_attribute": slug in ("email_addresses", "name", "created_at"),
                    "is_multiselect": multi,
                    "is_unique": unique,
                    "is_required": False,
                    "is_writable": writable and slug not in self.config["not_writable"],
                    "is_archived": slug in self.config["archive"],
                }
            )
        return out

    # -- the assert itself --------------------------------------------------------

    def validate_assert(self, query: dict, body) -> dict:
        """Return {original_slug: [value objects]} or raise ApiError(400)."""
        matching = query.get("matching_attribute", [None])[0]
        if not matching:
            raise bad_request(
                'The query parameter "matching_attribute" is required.', "missing_value"
            )
        matching_original = self.resolve_slug(matching)
        if matching_original is None or matching_original in self.config["archive"]:
            raise slug_not_found(matching)
        if matching_original != MATCHING_ATTRIBUTE:
            raise bad_request(
                f'Attribute "{matching}" cannot be used as a matching attribute: '
                "only unique attributes can be used.",
                "invalid_matching_attribute",
            )
        if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
            raise bad_request('Body payload validation error: expected {"data": {"values": {...}}}.')
        values = body["data"].get("values")
        if not isinstance(values, dict):
            raise bad_request('Body payload validation error: "data.values" must be an object.')

        parsed = {}
        for slug, items in values.items():
            original = self.resolve_slug(slug)
            # Archived attributes cannot be written either; the mock reports them like
            # unknown ones (the client cannot do anything different about either).
            if original is None or original in self.config["archive"]:
                raise slug_not_found(slug)
            writable = ATTRIBUTE_BY_SLUG[original][5] and original not in self.config["not_writable"]
            if not writable:
                raise bad_request(
                    f'Cannot write to attribute with slug/ID "{slug}" because it is not writable.',
                    "immutable_value",
                )
            parsed[original] = self.validate_values(slug, original, items)

        current_matching = self.current_slug(MATCHING_ATTRIBUTE)
        if not parsed.get(MATCHING_ATTRIBUTE):
            raise bad_request(
                f'The matching attribute "{current_matching}" must be given at least one value.',
                "missing_value",
            )
        return parsed

    def validate_values(self, slug: str, original: str, items) -> list:
        _, _, type_, multi, _, _ = ATTRIBUTE_BY_SLUG[original]
        if not isinstance(items, list):
            raise bad_request(f'Values for attribute "{slug}" must be an array.')
        if not multi and len(items) > 1:
            raise bad_request(
                f'Attribute "{slug}" is single-select but {len(items)} values were given.',
                "multiple_values_for_single_select",
            )
        out = []
        for item in items:
            if not isinstance(item, dict):
                raise bad_request(
                    f'Values for attribute "{slug}" must be objects (the mock rejects the '
                    f"string shorthand), got {json.dumps(item)[:80]}."
                )
            out.append(validate_value(slug, type_, item))
        return out

    def apply_assert(self, values: dict, now: float) -> dict:
        """Store with Attio's semantics; return the person."""
        emails = [v["email_address"] for v in values[MATCHING_ATTRIBUTE]]
        wanted = {e.lower() for e in emails}
        person = None
        for candidate in self.people:
            if wanted & {v["email_address"].lower() for v in candidate["values"][MATCHING_ATTRIBUTE]}:
                person = candidate
                break
        if person is None:
            person = {
                "record_id": str(uuid.uuid4()),
                "created_at": now,
                "updated_at": now,
                "writes": 0,
                "values": {MATCHING_ATTRIBUTE: []},
            }
            self.people.append(person)
        for original, items in values.items():
            if original == MATCHING_ATTRIBUTE:
                # The matching attribute is additive: addresses are added, never removed.
                known = {v["email_address"].lower() for v in person["values"][MATCHING_ATTRIBUTE]}
                for item in items:
                    if item["email_address"].lower() not in known:
                        known.add(item["email_address"].lower())
                        person["values"][MATCHING_ATTRIBUTE].append(dict(item))
            else:
                # Every other attribute sent replaces what was there (even with []).
                person["values"][original] = [dict(i) for i in items]
        person["updated_at"] = now
        person["writes"] += 1
        return person

    def record_json(self, person: dict) -> dict:
        """The API's view of a person (current slugs, Attio-like value envelopes)."""
        values = {}
        for original, items in person["values"].items():
            type_ = ATTRIBUTE_BY_SLUG[original][2]
            values[self.current_slug(original)] = [
                dict(
                    item,
                    active_from=iso_time(person["updated_at"]),
                    active_until=None,
                    created_by_actor={"type": "api-token", "id": None},
                    attribute_type=type_,
                )
                for item in items
            ]
        values[self.current_slug("created_at")] = [
            {
                "value": iso_time(person["created_at"]),
                "active_from": iso_time(person["created_at"]),
                "active_until": None,
                "created_by_actor": {"type": "system", "id": None},
                "attribute_type": "timestamp",
            }
        ]
        return {
            "data": {
                "id": {
                    "workspace_id": self.workspace_id,
                    "object_id": self.object_id,
                    "record_id": person["record_id"],
                },
                "created_at": iso_time(person["created_at"]),
                "web_url": f"https://app.attio.com/mock-workspace/person/{person['record_id']}/overview",
                "values": values,
            }
        }

    def people_json(self) -> list:
        return [
            {
                "record_id": p["record_id"],
                "created_at": iso_time(p["created_at"]),
                "updated_at": iso_time(p["updated_at"]),
                "writes": p["writes"],
                "email_addresses": [v["email_address"] for v in p["values"][MATCHING_ATTRIBUTE]],
                "values": json.loads(json.dumps(p["values"])),
            }
            for p in self.people
        ]

    def stats_json(self) -> dict:
        status_counts = collections.Counter()
        for r in self.requests:
            if r["endpoint"] != "assert":
                continue
            if r["dropped"]:
                status_counts["dropped"] += 1
            elif r["status"] is not None:
                status_counts[str(r["status"])] += 1
        return {
            "puts": len(self.put_arrivals),
            "max_in_any_1s_window": max_in_any_window(self.put_arrivals),
            "status_counts": dict(sorted(status_counts.items())),
            "max_concurrent": self.max_concurrent,
            "max_concurrent_per_email": self.max_concurrent_per_email,
            "in_flight": self.in_flight,
            "requests": len(self.requests),
            "people": len(self.people),
        }

    # -- rate limiter ---------------------------------------------------------------

    def admit_write(self, now: float):
        """Sliding one-second window over admitted PUT arrivals.

        Returns None when the PUT is admitted, else the time (real clock) from which a
        retry can be admitted.

        A PUT arriving at `now` is admitted iff fewer than `rate` admitted PUTs arrived in
        (now - 1, now]. That guarantees no half-open window [t, t + 1) ever holds more than
        `rate` admitted PUTs: take the last admitted PUT of such a window; every earlier
        one in the window arrived after its arrival minus one second, so it would have
        been refused. Rejected (429) PUTs do not take a slot: they were not processed.
        Arrival order equals timestamp order because the caller holds `lock` while
        reading the clock.

        A slot frees when the oldest admitted arrival leaves the window, i.e. at
        oldest + 1 s. Retry-After is that instant rounded *up* to the next whole second
        (HTTP dates have one-second resolution), so a client that waits until
        Retry-After (correcting skew with Date, which is rounded down) finds a free slot
        unless other clients took it first.
        """
        rate = self.config["rate"]
        if not rate:
            return None
        while self.admitted and self.admitted[0] <= now - 1.0:
            self.admitted.popleft()
        if len(self.admitted) >= rate:
            # With a lowered rate more than `rate` may be in the window: wait until
            # enough have left for one more to fit.
            return self.admitted[len(self.admitted) - rate] + 1.0
        self.admitted.append(now)
        return None

    def pick_rule(self, endpoint: str, emails: list):
        lowered = {e.lower() for e in emails}
        for rule in self.config["rules"]:
            if rule["endpoint"] != endpoint or rule["remaining"] == 0:
                continue
            if rule["email"] is not None and rule["email"] not in lowered:
                continue
            if rule["remaining"] > 0:
                rule["remaining"] -= 1
            rule["fired"] += 1
            return rule
        return None


# --------------------------------------------------------------------------- values


def validate_value(slug: str, type_: str, item: dict) -> dict:
    def check_keys(required: set, optional: set = frozenset()):
        missing = required - set(item)
        if missing:
            raise bad_request(
                f'Invalid value for attribute "{slug}": missing required key(s) '
                + ", ".join(f'"{k}"' for k in sorted(missing))
                + "."
            )
        extra = set(item) - required - optional
        if extra:
            raise bad_request(
                f'Invalid value for attribute "{slug}": unknown key(s) '
                + ", ".join(f'"{k}"' for k in sorted(extra))
                + "."
            )

    if type_ == "email-address":
        check_keys({"email_address"})
        address = item["email_address"]
        if (
            not isinstance(address, str)
            or len(address) > 254
            or not EMAIL_RE.match(address)
            or len(address.split("@")[0]) > 64
        ):
            raise bad_request(
                f'Invalid value for attribute "{slug}": "{address}" is not a valid email address.',
                "invalid_email_address",
            )
        return {"email_address": address}
    if type_ == "personal-name":
        keys = {"first_name", "last_name", "full_name"}
        check_keys(keys)
        for key in sorted(keys):
            if not isinstance(item[key], str):
                raise bad_request(f'Invalid value for attribute "{slug}": "{key}" must be a string.')
        return {k: item[k] for k in ("first_name", "last_name", "full_name")}
    if type_ == "phone-number":
        check_keys({"original_phone_number"}, {"country_code"})
        number, country = item["original_phone_number"], item.get("country_code")
        if country is not None and (not isinstance(country, str) or not COUNTRY_CODE_RE.match(country)):
            raise bad_request(
                f'Invalid value for attribute "{slug}": country_code must be an ISO 3166-1 '
                "alpha-2 code.",
                "invalid_phone_number",
            )
        if isinstance(number, str) and country is None:
            ok = bool(E164_RE.match(number))
        elif isinstance(number, str):
            digits = re.sub(r"\D", "", number)
            ok = bool(NATIONAL_PHONE_RE.match(number)) and 4 <= len(digits) <= 15
            if number.startswith("+"):
                ok = ok and bool(E164_RE.match("+" + digits))
        else:
            ok = False
        if not ok:
            raise bad_request(
                f'Invalid value for attribute "{slug}": "{number}" is not a valid phone number '
                "(E.164 expected, or give a country_code).",
                "invalid_phone_number",
            )
        out = {"original_phone_number": number}
        if country is not None:
            out["country_code"] = country
        return out
    if type_ == "text":
        check_keys({"value"})
        if not isinstance(item["value"], str):
            raise bad_request(f'Invalid value for attribute "{slug}": "value" must be a string.')
        if len(item["value"].encode("utf-8")) > MAX_TEXT_BYTES:
            raise bad_request(f'Invalid value for attribute "{slug}": text is larger than 10 MB.')
        return {"value": item["value"]}
    raise bad_request(f'Cannot write to attribute with slug/ID "{slug}".', "immutable_value")


# --------------------------------------------------------------------------- HTTP


class Reply:
    """A response to send: status, JSON body, extra headers; or a dropped connection."""

    def __init__(self, status=200, body=None, headers=None, drop=False, omit_date=False):
        self.status, self.body, self.drop, self.omit_date = status, body, drop, omit_date
        self.headers = headers or {}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "MockAttio/1.0"
    sys_version = ""
    timeout = 120  # idle keep-alive connections are closed after this many seconds

    # Quiet unless --verbose.
    def log_message(self, format, *args):  # noqa: A002 (signature from the base class)
        if self.server.cli.verbose:
            sys.stderr.write("mock_attio: " + (format % args) + "\n")

    def do_GET(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def do_PATCH(self):
        self.dispatch()

    def do_DELETE(self):
        self.dispatch()

    # -- plumbing -------------------------------------------------------------------

    def read_body(self) -> bytes:
        """Read the whole body (Content-Length or chunked) so keep-alive stays in sync."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def send_reply(self, reply: Reply) -> bool:
        """Send (or drop). Returns False if the client had already gone away."""
        if reply.drop:
            # Close without a byte of response: the server closes the socket once the
            # handler returns and close_connection is set.
            self.close_connection = True
            return True
        payload = json.dumps(reply.body if reply.body is not None else {}).encode("utf-8")
        self.log_request(reply.status)
        try:
            self.send_response_only(reply.status)
            self.send_header("Server", self.server_version)
            if not reply.omit_date:
                skew = self.server.state.config["skew_seconds"]
                self.send_header("Date", http_date(time.time() + skew))
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()
            return True
        except (BrokenPipeError, ConnectionResetError, TimeoutError, OSError):
            self.close_connection = True
            return False

    def dispatch(self):
        try:
            raw = self.read_body()
        except (ValueError, OSError):
            self.close_connection = True
            self.send_reply(Reply(400, bad_request("Could not read the request body.").body()))
            return
        split = urlsplit(self.path)
        if split.path.startswith("/__mock/") or split.path == "/__mock":
            self.shutdown_after_reply = False
            self.send_reply(self.control(split, raw))
            if self.shutdown_after_reply:
                self.server.stop_event.set()
        else:
            self.api(split, raw)

    # -- the Attio API --------------------------------------------------------------

    def api(self, split, raw: bytes):
        state: MockState = self.server.state
        method, path = self.command, split.path
        endpoint = {
            ("PUT", ASSERT_PATH): "assert",
            ("GET", SELF_PATH): "self",
            ("GET", ATTRIBUTES_PATH): "attributes",
        }.get((method, path))

        body, body_error = None, None
        if raw:
            try:
                body = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                body, body_error = raw.decode("utf-8", "replace"), str(exc)
        emails = emails_in(body) if endpoint == "assert" else []
        email_key = emails[0].lower() if emails else None

        auth = self.headers.get("Authorization", "")
        token_ok = auth == f"Bearer {self.server.cli.token}"

        # Every decision that depends on arrival order is taken here, under the lock,
        # with the arrival timestamp read inside it.
        with state.lock:
            now = time.time()
            cfg = state.config
            record = {
                "seq": len(state.requests) + 1,
                "method": method,
                "path": self.path,
                "endpoint": endpoint,
                "arrival": now,
                "completed": None,
                "email": emails[0] if emails else None,
                "body": body,
                "headers": {k: v for k, v in self.headers.items()},
                "status": None,
                "dropped": False,
                "rate_limited": False,
                "fault": None,
                "client_gone": False,
            }
            state.requests.append(record)
            generation = state.generation
            scopes = set(cfg["scopes"].split())
            delay = cfg["latency_ms"] / 1000.0 if endpoint else 0.0
            decided = None  # a Reply decided at arrival
            rule = None

            if endpoint == "assert":
                state.put_arrivals.append(now)
                state.in_flight += 1
                state.max_concurrent = max(state.max_concurrent, state.in_flight)
                if email_key:
                    state.in_flight_by_email[email_key] += 1
                    state.max_concurrent_per_email = max(
                        state.max_concurrent_per_email, state.in_flight_by_email[email_key]
                    )

            if endpoint is None:
                if path in (ASSERT_PATH, SELF_PATH, ATTRIBUTES_PATH):
                    decided = error_reply(ApiError(405, "invalid_request_error", "method_not_allowed",
                                                   f"Method {method} is not allowed on {path}."))
                elif path.startswith("/v2/objects/") and path.endswith("/records"):
                    decided = error_reply(ApiError(404, "invalid_request_error", "not_found",
                                                   "Object not found."))
                else:
                    decided = error_reply(ApiError(404, "invalid_request_error", "not_found",
                                                   f"No route for {method} {path}."))
            elif endpoint == "self":
                if not token_ok or cfg["token_revoked"]:
                    decided = Reply(200, {"active": False})
            elif not token_ok or cfg["token_revoked"]:
                decided = error_reply(ApiError(
                    401, "auth_error", "unauthorized",
                    "Missing or invalid access token." if not cfg["token_revoked"]
                    else "The access token has been revoked."))
            else:
                needed = [SCOPE_OBJECTS_READ] if endpoint == "attributes" else [
                    SCOPE_RECORDS_WRITE, SCOPE_OBJECTS_READ]
                missing = [s for s in needed if not scopes_grant(scopes, s)]
                if missing:
                    decided = error_reply(ApiError(
                        403, "auth_error", "forbidden",
                        "The access token is missing the required scope(s): " + " ".join(missing) + "."))

            if decided is None and endpoint == "assert":
                free_at = state.admit_write(now)
                if free_at is not None:
                    record["rate_limited"] = True
                    retry_at = math.floor(free_at + cfg["skew_seconds"]) + 1
                    decided = error_reply(
                        ApiError(429, "rate_limit_error", "rate_limit_exceeded",
                                 "Rate limit exceeded, please try again later."),
                        {"Retry-After": http_date(retry_at)})

            if decided is None and endpoint is not None:
                rule = state.pick_rule(endpoint, emails)
                if rule is not None:
                    record["fault"] = rule["index"]
                    delay += rule["delay_ms"] / 1000.0

        # Latency and injected delays are spent outside the lock, so other requests are
        # served (and counted as concurrent) meanwhile.
        if delay > 0:
            time.sleep(delay)

        if decided is not None:
            reply = decided
        elif rule is not None and (rule["status"] is not None or rule["drop"]):
            if rule["apply"]:
                self.normal_reply(endpoint, split, body, body_error)  # store changes, answer lost
            reply = self.fault_reply(rule)
        else:
            reply = self.normal_reply(endpoint, split, body, body_error)

        # Leave the in-flight set *before* sending: a client that sends the next write for
        # the same address as soon as it reads this answer must not be seen overlapping.
        with state.lock:
            record["completed"] = time.time()
            record["status"] = None if reply.drop else reply.status
            record["dropped"] = reply.drop
            if endpoint == "assert" and generation == state.generation:
                state.in_flight -= 1
                if email_key:
                    state.in_flight_by_email[email_key] -= 1
        if not self.send_reply(reply):
            with state.lock:
                record["client_gone"] = True

    def normal_reply(self, endpoint, split, body, body_error) -> Reply:
        state: MockState = self.server.state
        with state.lock:
            cfg = state.config
            if endpoint == "self":
                return Reply(200, {
                    "active": True,
                    "scope": cfg["scopes"],
                    "client_id": "mock-client",
                    "token_type": "Bearer",
                    "exp": None,
                    "iat": int(time.time()) - 3600,
                    "sub": state.workspace_id,
                    "aud": "mock-client",
                    "iss": "attio.com",
                    "authorized_by_workspace_member_id": None,
                    "workspace_id": state.workspace_id,
                    "workspace_name": "Mock Workspace",
                    "workspace_slug": "mock-workspace",
                    "workspace_logo_url": None,
                })
            if endpoint == "attributes":
                return Reply(200, {"data": state.attribute_list()})
            try:
                content_type = self.headers.get("Content-Type", "")
                if content_type.split(";")[0].strip().lower() != "application/json":
                    raise bad_request('Content-Type must be "application/json".')
                if body_error is not None or body is None:
                    raise bad_request("Body payload validation error: the body is not valid JSON.")
                values = state.validate_assert(parse_qs(split.query), body)
            except ApiError as err:
                return error_reply(err)
            person = state.apply_assert(values, time.time())
            return Reply(200, state.record_json(person))

    def fault_reply(self, rule: dict) -> Reply:
        if rule["drop"]:
            return Reply(drop=True)
        status = rule["status"]
        type_, code, message = FAULT_BODIES.get(
            status,
            ("api_error" if status >= 500 else "invalid_request_error", "injected_fault",
             f"Injected fault {status}."),
        )
        err = ApiError(status, rule["type"] or type_, rule["code"] or code, rule["message"] or message)
        headers = {}
        retry_after = rule["retry_after"]
        if retry_after is ...:  # not given: 429 gets the usual "next whole second"
            if status == 429:
                skew = self.server.state.config["skew_seconds"]
                headers["Retry-After"] = http_date(math.floor(time.time() + skew) + 1)
        elif retry_after is not None:  # null: deliberately no Retry-After
            headers["Retry-After"] = retry_after
        return Reply(status, err.body(), headers, omit_date=rule["omit_date"])

    # -- control API ----------------------------------------------------------------

    def control(self, split, raw: bytes) -> Reply:
        state: MockState = self.server.state
        route = (self.command, split.path.rstrip("/"))
        with state.lock:
            if route == ("GET", "/__mock/requests"):
                return Reply(200, json.loads(json.dumps(state.requests)))
            if route == ("GET", "/__mock/people"):
                return Reply(200, state.people_json())
            if route == ("GET", "/__mock/stats"):
                return Reply(200, state.stats_json())
            if route == ("GET", "/__mock/faults"):
                return Reply(200, public_config(state.config))
            if route == ("POST", "/__mock/faults"):
                try:
                    state.config = parse_config(json.loads(raw.decode("utf-8") or "{}"), self.server.cli)
                except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
                    return Reply(400, {"error": str(exc)})
                return Reply(200, public_config(state.config))
            if route == ("POST", "/__mock/reset"):
                state.reset()
                return Reply(200, {"ok": True})
            if route == ("POST", "/__mock/shutdown"):
                # Answer first; shutdown() blocks until serve_forever returns, so it runs
                # on its own thread.
                # The main thread stops the server once this answer has been sent.
                self.close_connection = True
                self.shutdown_after_reply = True
                return Reply(200, {"ok": True})
        return Reply(404, {"error": f"no control route {self.command} {split.path}"})


def error_reply(err: ApiError, headers=None) -> Reply:
    return Reply(err.status, err.body(), headers)


class MockServer(ThreadingHTTPServer):
    daemon_threads = True
    # Bursts of parallel connections must not overflow the listen backlog (a dropped SYN
    # is retried a second later and would distort every timing the tests look at).
    request_queue_size = 256

    def __init__(self, address, cli):
        self.cli = cli
        self.state = MockState(cli)
        self.stop_event = threading.Event()
        # An IPv6 host (--host ::1) needs an IPv6 socket; the class default is IPv4.
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, Handler)

    def handle_error(self, request, client_address):
        # Clients that vanish mid-request are part of the game; stay quiet.
        if self.cli.verbose:
            super().handle_error(request, client_address)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="Local mock of Attio's REST API for attio-pipe tests.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (::1 for IPv6)")
    p.add_argument("--port", type=int, default=0, help="0 = pick a free port (default)")
    p.add_argument("--token", default=DEFAULT_TOKEN, help="accepted bearer token (default test-token)")
    p.add_argument("--rate", type=int, default=25,
                   help="admitted PUTs per sliding second; 0 disables the limit (default 25)")
    p.add_argument("--latency-ms", type=float, default=0,
                   help="delay before answering every API request (default 0)")
    p.add_argument("--scopes", default=DEFAULT_SCOPES, help="space-separated token scopes")
    p.add_argument("--verbose", action="store_true", help="log requests and errors to stderr")
    return p.parse_args(argv)


def main(argv=None) -> int:
    cli = parse_args(argv)
    server = MockServer((cli.host, cli.port), cli)

    def on_signal(signum, frame):
        server.stop_event.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    sys.stdout.write(f"LISTENING {server.server_address[1]}\n")
    sys.stdout.flush()
    # The main thread only waits, so signal handlers run promptly.
    while not server.stop_event.wait(0.2):
        pass
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
