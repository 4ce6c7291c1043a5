#!/usr/bin/env python3
"""Local mock of the slice of Attio's REST API that attio-pipe uses.

Standard library only. It implements, as Documentation/AttioAPI.md describes:

  PUT  /v2/objects/people/records?matching_attribute=email_addresses   (assert person)
  GET  /v2/self
  GET  /v2/objects/people/attributes

and the record model safe writes and custom attributes need (see "records" below), for
{object} = people, companies, and users and workspaces once activated:

  POST /v2/objects/{object}/records/query                   GET|PATCH|PUT …/records/{id}
  POST /v2/objects/{object}/records                         (create)
  PUT  /v2/objects/companies/records?matching_attribute=domains       (assert company)
  PUT  /v2/objects/users/records?matching_attribute=user_id|primary_email_address
  PUT  /v2/objects/workspaces/records?matching_attribute=workspace_id
  GET  /v2/objects[/{object}], /v2/objects/{companies|users|workspaces}/attributes,
       /v2/objects/{object}/attributes/{slug}/options|statuses

Users and workspaces are disabled, as in a new Attio workspace, until the config's
"objects" (or --objects users,workspaces) activates them: until then every
/v2/objects/users… and /v2/objects/workspaces… route answers 404 not_found and
GET /v2/objects lists people and companies only. Their relationship attributes are kept
on both sides (a user's person and people's associated_users, a user's workspace and
workspaces' users, a workspace's company and companies' associated_workspaces).

and lists and list entries (see "lists" below; the lists are configured with --lists or
the config's "lists", default trials, inbound_leads and key_accounts):

  GET  /v2/lists[/{list}], /v2/lists/{list}/attributes[/{slug}/options|statuses]
  PUT  /v2/lists/{list}/entries                  (assert an entry by its parent record)
  PATCH|GET /v2/lists/{list}/entries/{entry_id}

plus a write and a read rate limit (sliding one-second windows, 429 with an HTTP-date
Retry-After), fault injection and a control API under /__mock/ (no auth) that seeds and
exposes the people, companies, users and workspaces stores, the list entries and what the
server received.
See README.md next to this file.

Start:  python3 mock_attio.py --port 0      -> prints "LISTENING <port>" once ready.
Stop:   SIGTERM / SIGINT / POST /__mock/shutdown.
"""

from __future__ import annotations

import argparse
import collections
import copy
import datetime
import decimal
import email.utils
import functools
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
# What attio-pipe's token needs: records and their schema, and list entries and lists
# (Documentation/AttioAPI.md "Requests and authentication").
DEFAULT_SCOPES = ("record_permission:read-write object_configuration:read "
                  "list_entry:read-write list_configuration:read")
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
    "apply", "endpoint", "type", "code", "message", "echo_headers", "pad_bytes",
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
        "read_rate": cli.read_rate,
        "objects": list(cli.objects),
        # The configured lists (parsed definitions); --lists, else DEFAULT_LISTS.
        "lists": cli.lists if isinstance(getattr(cli, "lists", None), list)
        else parse_lists(DEFAULT_LISTS),
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
    if "read_rate" in body:  # the read budget (records queries and GETs, schema GETs)
        v = body["read_rate"]
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise ValueError("read_rate must be an integer >= 0 (0 disables the limit)")
        cfg["read_rate"] = v
    if "objects" in body:
        cfg["objects"] = parse_objects(body["objects"])
    if "lists" in body:
        cfg["lists"] = parse_lists(body["lists"])
    rename = body.get("rename", {})
    if not isinstance(rename, dict) or not all(isinstance(v, str) and v for v in rename.values()):
        raise ValueError("rename must map an existing slug to a new slug")
    for old, new in rename.items():
        if old not in ATTRIBUTE_BY_SLUG:
            raise ValueError(f"rename: unknown slug {old!r}")
    current = [rename.get(a, a) for a in SPEC_ORDER[PEOPLE]]
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
    pad = rule.get("pad_bytes", 0)
    if isinstance(pad, bool) or not isinstance(pad, int) or pad < 0:
        raise ValueError(f"{where}: pad_bytes must be an integer >= 0")
    retry_after = rule.get("retry_after", ...)  # ... = key absent
    if retry_after is not ... and retry_after is not None:
        if isinstance(retry_after, bool) or not isinstance(retry_after, (str, int, float)):
            raise ValueError(f"{where}: retry_after must be a string, a number or null")
        retry_after = str(retry_after)
    for key in ("drop", "omit_date", "apply", "echo_headers"):
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
        "echo_headers": rule.get("echo_headers", False),
        "pad_bytes": pad,
        "fired": 0,
    }


def public_config(cfg: dict) -> dict:
    out = dict(cfg)
    out["rules"] = [
        {k: (None if v is ... else v) for k, v in r.items()} for r in cfg["rules"]
    ]
    return out


# --------------------------------------------------------------------------- records
#
# Everything below models the rest of Attio's record API that safe writes (find, then update
# or create) and typed custom attributes need: the workspace schema of the people and
# companies objects, records as Attio stores and reads them, query/GET/PATCH/create/PUT-by-id,
# companies with their domain-matched assert, record references, and a separate read budget.
# The original assert path above keeps its strict checks for its seven attributes.

PEOPLE, COMPANIES = "people", "companies"
# Attio's users and workspaces objects (Documentation/AttioAPI.md "Users and workspaces"):
# in every workspace, but disabled until an admin activates them. The mock serves them only
# when the config's "objects" (or --objects) names them; otherwise every /v2/objects/users…
# and /v2/objects/workspaces… route answers 404 not_found.
USERS, WORKSPACES = "users", "workspaces"
OPTIONAL_OBJECTS = (USERS, WORKSPACES)
OBJECT_NOUNS = {PEOPLE: ("Person", "People"), COMPANIES: ("Company", "Companies"),
                USERS: ("User", "Users"), WORKSPACES: ("Workspace", "Workspaces")}
# The attribute each object's store is indexed by (and an assert matches by default).
MATCHING_SLUG = {PEOPLE: "email_addresses", COMPANIES: "domains", USERS: "user_id",
                 WORKSPACES: "workspace_id"}
# Endpoint names are the people ones with a prefix per object ("company_assert", "user_get").
ENDPOINT_PREFIX = {PEOPLE: "", COMPANIES: "company_", USERS: "user_", WORKSPACES: "workspace_"}
# The noun in a record's web_url.
RECORD_NOUN = {PEOPLE: "person", COMPANIES: "company", USERS: "user", WORKSPACES: "workspace"}
# A reference to people or companies may be a plain string: an email, a domain. What a
# string would name in users or workspaces is not documented: refused there.
STRING_REFERENCE = {PEOPLE: "email_addresses", COMPANIES: "domains"}
# What /__mock/… and /__mock/seed show to name a record readably (besides its record_id).
IDENTITY = {PEOPLE: ("email_addresses",), COMPANIES: ("domains",),
            USERS: ("user_id", "primary_email_address"), WORKSPACES: ("workspace_id",)}
# The people attributes the original mock knew: API writes to them keep its strict checks
# (object form only, exactly the documented keys). Every other attribute also accepts the
# shorthand forms Documentation/AttioAPI.md lists ("str", 42.5, true, "Pro", ...).
STRICT_SLUGS = {a[0] for a in BASE_ATTRIBUTES}

# Endpoint names (used in /__mock/requests, in fault rules' "endpoint" and in stats).
# People keep the short names; companies' are prefixed.
WRITE_ENDPOINTS = {
    ENDPOINT_PREFIX[obj] + kind for obj in ENDPOINT_PREFIX
    for kind in ("assert", "create", "patch", "put_record")
}
RECORD_READ_ENDPOINTS = {ENDPOINT_PREFIX[obj] + kind for obj in ENDPOINT_PREFIX
                         for kind in ("query", "get")}
# People's attributes route is the original "attributes" endpoint.
SCHEMA_ENDPOINTS = {ENDPOINT_PREFIX[obj] + "attributes" for obj in ENDPOINT_PREFIX
                    if obj != PEOPLE} | {"options", "statuses", "objects", "object"}
# Read budget: record reads and schema reads (GET /v2/self stays outside both budgets).
READ_ENDPOINTS = RECORD_READ_ENDPOINTS | SCHEMA_ENDPOINTS | {"attributes"}
# People-record endpoints, for max_concurrent_per_person.
PERSON_ENDPOINTS = {"assert", "query", "get", "patch", "put_record", "create"}
# Endpoints answered by records_reply (the original three keep their own code path).
RECORD_ENDPOINTS = (WRITE_ENDPOINTS - {"assert"}) | RECORD_READ_ENDPOINTS | SCHEMA_ENDPOINTS
ENDPOINTS = ENDPOINTS | RECORD_ENDPOINTS
CONFIG_KEYS = CONFIG_KEYS | {"read_rate", "objects"}


def parse_objects(value) -> list:
    """The optional objects an admin has activated: a list, or a string separated by spaces
    or commas, of "users" and "workspaces" (people and companies are always there)."""
    if isinstance(value, str):
        value = [v for v in re.split(r"[\s,]+", value) if v]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("objects must be a list (or a space-separated string) of "
                         + ", ".join(OPTIONAL_OBJECTS))
    unknown = [v for v in value if v not in OPTIONAL_OBJECTS]
    if unknown:
        raise ValueError(f"objects: {unknown} cannot be activated; only "
                         + ", ".join(OPTIONAL_OBJECTS) + " can (people and companies always are)")
    return [obj for obj in OPTIONAL_OBJECTS if obj in value]
SCOPE_RECORDS_READ = "record_permission:read"


def _attr(slug, title, type_, multi=False, unique=False, writable=True, system=False,
          archived=False, currency=None, target=None, options=(), archived_options=(),
          statuses=(), required=False):
    return {
        "api_slug": slug, "original": slug, "title": title, "type": type_, "is_multiselect": multi,
        "is_unique": unique, "is_writable": writable, "is_system_attribute": system,
        "is_required": required,
        "is_archived": archived, "currency": currency, "target": target,
        "options": [(t, False) for t in options] + [(t, True) for t in archived_options],
        "statuses": [(t, False) for t in statuses],
    }


PEOPLE_SPECS = [
    _attr(slug, title, type_, multi, unique, writable,
          system=slug in ("email_addresses", "name", "created_at"))
    for slug, title, type_, multi, unique, writable in BASE_ATTRIBUTES
] + [
    # Standard attributes a real people object also has.
    _attr("company", "Company", "record-reference", system=True, target=COMPANIES),
    _attr("primary_location", "Primary location", "location", system=True),
    _attr("last_email_interaction", "Last email interaction", "interaction", writable=False,
          system=True),
    # Custom attributes, one or more of every type issue 10 maps.
    _attr("signup_source", "Signup source", "text"),
    _attr("utm_campaign", "UTM campaign", "text"),
    _attr("seats", "Seats", "number"),
    _attr("newsletter_consent", "Newsletter consent", "checkbox"),
    _attr("mrr", "MRR", "currency", currency="USD"),
    _attr("trial_ends_on", "Trial ends on", "date"),
    _attr("signed_up_at", "Signed up at", "timestamp"),
    _attr("satisfaction", "Satisfaction", "rating"),
    _attr("plan", "Plan", "select", options=("Free", "Starter", "Pro", "Enterprise"),
          archived_options=("Legacy",)),
    _attr("interests", "Interests", "select", multi=True,
          options=("Analytics", "Automation", "Integrations", "Security")),
    _attr("lifecycle_stage", "Lifecycle stage", "status",
          statuses=("Lead", "Trial", "Customer", "Churned")),
    _attr("billing_email", "Billing email", "email-address"),
    _attr("work_phone", "Work phone", "phone-number"),
    _attr("personal_website", "Personal website", "domain"),
    _attr("accounts", "Accounts", "record-reference", multi=True, target=COMPANIES),
    _attr("lead_score", "Lead score", "number", writable=False),
    _attr("old_segment", "Old segment", "text", archived=True),
    # The pair of users' "person"; listed only while the users object is activated.
    _attr("associated_users", "Associated users", "record-reference", multi=True, system=True,
          target=USERS),
]
COMPANY_SPECS = [
    _attr("domains", "Domains", "domain", multi=True, unique=True, system=True),
    _attr("name", "Name", "text", system=True),
    _attr("description", "Description", "text", system=True),
    _attr("categories", "Categories", "select", multi=True, system=True,
          options=("SaaS", "B2B", "B2C", "Fintech", "Healthcare", "E-commerce")),
    _attr("employee_range", "Employee range", "select", system=True,
          options=("1-10", "11-50", "51-250", "251-1K", "1K-5K", "5K-10K", "10K-50K",
                   "50K-100K", "100K+")),
    _attr("team", "Team", "record-reference", multi=True, system=True, target=PEOPLE),
    _attr("created_at", "Created at", "timestamp", writable=False, system=True),
    _attr("industry", "Industry", "text"),
    _attr("employees", "Employees", "number"),
    _attr("plan", "Plan", "select", options=("Free", "Starter", "Pro", "Enterprise")),
    _attr("arr", "ARR", "currency", currency="EUR"),
    _attr("founded_on", "Founded on", "date"),
    _attr("account_status", "Account status", "status",
          statuses=("Prospect", "Active", "Churned")),
    # The pair of workspaces' "company"; listed only while workspaces is activated.
    _attr("associated_workspaces", "Associated workspaces", "record-reference", multi=True,
          system=True, target=WORKSPACES),
]
# Users and workspaces have the attributes Attio documents for them (and created_at, which
# every object of the mock has), plus one custom attribute each of the kind a workspace adds
# (a user's role, a workspace's plan), for --map-user and --map-workspace.
USER_SPECS = [
    _attr("user_id", "User ID", "text", unique=True, required=True, system=True),
    _attr("primary_email_address", "Primary email address", "email-address", unique=True,
          required=True, system=True),
    _attr("person", "Person", "record-reference", system=True, target=PEOPLE),
    _attr("workspace", "Workspace", "record-reference", multi=True, system=True,
          target=WORKSPACES),
    _attr("created_at", "Created at", "timestamp", writable=False, system=True),
    _attr("role", "Role", "text"),
]
WORKSPACE_SPECS = [
    _attr("workspace_id", "Workspace ID", "text", unique=True, required=True, system=True),
    _attr("name", "Name", "text", system=True),
    _attr("users", "Users", "record-reference", multi=True, system=True, target=USERS),
    _attr("company", "Company", "record-reference", system=True, target=COMPANIES),
    _attr("avatar_url", "Avatar URL", "text", system=True),
    _attr("created_at", "Created at", "timestamp", writable=False, system=True),
    _attr("seats", "Seats", "number"),
]
SPECS = {PEOPLE: {s["api_slug"]: s for s in PEOPLE_SPECS},
         COMPANIES: {s["api_slug"]: s for s in COMPANY_SPECS},
         USERS: {s["api_slug"]: s for s in USER_SPECS},
         WORKSPACES: {s["api_slug"]: s for s in WORKSPACE_SPECS}}
SPEC_ORDER = {PEOPLE: [s["api_slug"] for s in PEOPLE_SPECS],
              COMPANIES: [s["api_slug"] for s in COMPANY_SPECS],
              USERS: [s["api_slug"] for s in USER_SPECS],
              WORKSPACES: [s["api_slug"] for s in WORKSPACE_SPECS]}
# Relationship attributes come in pairs (Documentation/AttioAPI.md "Record references"):
# writing either side updates the other. The people-company pair (company / team) is not
# modelled (see README "Not modelled").
INVERSE = {}
for _a, _b in (((USERS, "person"), (PEOPLE, "associated_users")),
               ((USERS, "workspace"), (WORKSPACES, "users")),
               ((WORKSPACES, "company"), (COMPANIES, "associated_workspaces"))):
    INVERSE[_a], INVERSE[_b] = _b, _a
# rename / archive / not_writable may name any people attribute, not only the first seven.
ATTRIBUTE_BY_SLUG.update({s: None for s in SPECS[PEOPLE] if s not in ATTRIBUTE_BY_SLUG})

DOMAIN_RE = re.compile(rf"^(?:{_LABEL}\.)+(?:[A-Za-z]{{2,63}}|xn--[A-Za-z0-9-]{{1,59}})$")
LOCATION_KEYS = ("line_1", "line_2", "line_3", "line_4", "locality", "region", "postcode",
                 "country_code", "latitude", "longitude")

# Country calling code and national trunk prefix per ISO region, for normalized_phone_number
# (the regions attio-pipe's own normaliser knows). A national number with a country_code the
# mock does not know is still accepted, as before, but its normalized_phone_number is null:
# the mock cannot know it (real Attio can). Numbers written with "+" always normalise.
DIALING = {
    **{cc: ("1", "1") for cc in ("US", "CA", "PR", "AG", "AI", "AS", "BB", "BM", "BS", "DM",
                                 "DO", "GD", "GU", "JM", "KN", "KY", "LC", "MP", "MS", "SX",
                                 "TC", "TT", "VC", "VG", "VI")},
    "GB": ("44", "0"), "IE": ("353", "0"), "DE": ("49", "0"), "FR": ("33", "0"),
    "ES": ("34", None), "IT": ("39", None), "NL": ("31", "0"), "BE": ("32", "0"),
    "CH": ("41", "0"), "AT": ("43", "0"), "SE": ("46", "0"), "DK": ("45", None),
    "NO": ("47", None), "FI": ("358", "0"), "PL": ("48", None), "PT": ("351", None),
    "AU": ("61", "0"), "NZ": ("64", "0"), "IN": ("91", "0"), "JP": ("81", "0"),
    "BR": ("55", "0"), "MX": ("52", None), "ZA": ("27", "0"), "SG": ("65", None),
}
# Calling code -> the region reported as country_code for "+..." numbers (1 -> US).
CALLING_REGION = {}
for _cc, (_code, _trunk) in DIALING.items():
    CALLING_REGION.setdefault(_code, _cc)


def normalize_phone(number: str, country):
    """E.164 for a validated number, or None when the mock cannot tell."""
    digits = re.sub(r"\D", "", number)
    if number.strip().startswith("+"):
        return "+" + digits
    if country in DIALING:
        code, trunk = DIALING[country]
        if trunk and digits.startswith(trunk):
            digits = digits[len(trunk):]
        return "+" + code + digits
    return None


def phone_region(normalized, given):
    if given:
        return given
    if not normalized:
        return None
    for width in (1, 2, 3):
        region = CALLING_REGION.get(normalized[1:1 + width])
        if region:
            return region
    return None


def value_key(spec: dict, item: dict):
    """What makes two values of one attribute the same value (for additive writes and
    uniqueness): emails and domains ignoring case, phones by normalized number, references
    by target, options and statuses by title, everything else by its stored form."""
    type_ = spec["type"]
    if type_ == "email-address":
        return item["email_address"].lower()
    if type_ == "domain":
        return item["domain"].lower()
    if type_ == "phone-number":
        return normalize_phone(item["original_phone_number"], item.get("country_code")) \
            or item["original_phone_number"]
    if type_ == "record-reference":
        return (item["target_object"], item["target_record_id"])
    return json.dumps({k: v for k, v in item.items() if k != "_t"}, sort_keys=True)


def public_items(items: list) -> list:
    """Stored values without the mock's private keys (the time each value became active)."""
    return [{k: v for k, v in item.items() if k != "_t"} for item in items]


def uniqueness_conflict(slug: str, shown) -> ApiError:
    # Observed on the live API (Documentation/AttioAPI.md):
    # 400 invalid_request_error/uniqueness_conflict.
    return bad_request(
        f'Uniqueness conflict: the value "{shown}" for the unique attribute "{slug}" already '
        "belongs to another record.",
        "uniqueness_conflict",
    )


def object_not_activated(obj: str) -> ApiError:
    # Requests for a disabled object fail; Attio does not document the answer. The mock
    # answers 404 not_found, the reading Documentation/AttioAPI.md takes.
    return ApiError(404, "invalid_request_error", "not_found",
                    f'Object with slug/ID "{obj}" not found: the {obj} object is not activated '
                    "in this workspace (an admin activates it in Settings, Data, Objects).")


def record_not_found(record_id: str) -> ApiError:
    return ApiError(404, "invalid_request_error", "not_found",
                    f'Record with ID "{record_id}" not found.')


def decimals_ok(number) -> bool:
    """Attio stores numbers and currency with up to four decimals. Whether it rounds or
    refuses more is not documented: the mock refuses (the safe reading for a client)."""
    try:
        exponent = decimal.Decimal(repr(number)).normalize().as_tuple().exponent
    except (decimal.InvalidOperation, ValueError):
        return False
    return isinstance(exponent, int) and exponent >= -4


def timestamp_value(dt: datetime.datetime) -> str:
    """Attio's timestamp read format: UTC with nine fractional digits."""
    dt = dt.astimezone(datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + f".{dt.microsecond:06d}000Z"


def match_route(method: str, path: str):
    """The routes added for safe writes and custom attributes: a dict with endpoint,
    object, record_id and slug, or None (the original routes are matched elsewhere)."""
    parts = path.strip("/").split("/")
    if parts[:2] != ["v2", "objects"]:
        return None
    rest = parts[2:]
    if not rest:
        return {"endpoint": "objects", "object": None} if method == "GET" else None
    obj = rest[0]
    if obj not in SPECS:
        return None
    prefix = ENDPOINT_PREFIX[obj]
    route = {"object": obj, "record_id": None, "slug": None}
    tail = rest[1:]
    if not tail and method == "GET":
        return dict(route, endpoint="object")
    # People's attributes and assert are the original routes, matched before this.
    if tail == ["attributes"] and method == "GET" and obj != PEOPLE:
        return dict(route, endpoint=prefix + "attributes")
    if len(tail) == 3 and tail[0] == "attributes" and tail[2] in ("options", "statuses") \
            and method == "GET":
        return dict(route, endpoint=tail[2], slug=tail[1])
    if tail == ["records"]:
        if method == "PUT" and obj != PEOPLE:
            return dict(route, endpoint=prefix + "assert")
        if method == "POST":
            return dict(route, endpoint=prefix + "create")
        return None
    if tail == ["records", "query"] and method == "POST":
        return dict(route, endpoint=prefix + "query")
    if len(tail) == 2 and tail[0] == "records":
        endpoint = {"GET": "get", "PATCH": "patch", "PUT": "put_record"}.get(method)
        if endpoint:
            return dict(route, endpoint=prefix + endpoint, record_id=tail[1])
    return None


def scopes_needed(endpoint) -> list:
    if endpoint in LIST_WRITE_ENDPOINTS:
        return [SCOPE_LIST_ENTRIES_WRITE, SCOPE_LISTS_READ]
    if endpoint == "list_entry_get":
        return [SCOPE_LIST_ENTRIES_READ, SCOPE_LISTS_READ]
    if endpoint in ("list_attributes", "list_options", "list_statuses"):
        # Attio's reference names object_configuration:read for its one attributes page
        # (objects and lists alike); a list's configuration is list_configuration:read. The
        # mock wants both, so that a token it accepts works under either reading.
        return [SCOPE_LISTS_READ, SCOPE_OBJECTS_READ]
    if endpoint in LIST_READ_ENDPOINTS:
        return [SCOPE_LISTS_READ]
    if endpoint in ("attributes",) or endpoint in SCHEMA_ENDPOINTS:
        return [SCOPE_OBJECTS_READ]
    if endpoint in RECORD_READ_ENDPOINTS:
        return [SCOPE_RECORDS_READ, SCOPE_OBJECTS_READ]
    return [SCOPE_RECORDS_WRITE, SCOPE_OBJECTS_READ]


def filter_emails(node) -> list:
    """The addresses a query filter looks for under "email_addresses" (for the request log,
    fault rules' "email" and the race switch)."""
    out = []

    def strings(value):
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, dict):
            for key, inner in value.items():
                if key in ("$eq", "email_address"):
                    strings(inner)
                elif key == "$in" and isinstance(inner, list):
                    for x in inner:
                        strings(x)

    def walk(value):
        if isinstance(value, dict):
            for key, inner in value.items():
                if key == "email_addresses":
                    strings(inner)
                elif key in ("$and", "$or") and isinstance(inner, list):
                    for x in inner:
                        walk(x)
                elif key == "$not":
                    walk(inner)

    walk(node)
    return out


class RecordsMixin:
    """People and companies records, the workspace schema and the read budget; mixed into
    MockState (same lock: every method here runs with `self.lock` held)."""

    def init_schema(self):
        self.object_ids = {obj: self.object_id if obj == PEOPLE else str(uuid.uuid4())
                           for obj in SPECS}
        self.objects_created_at = time.time()
        self.spec_ids = {
            (obj, slug): self.attribute_ids.get(slug) if obj == PEOPLE and slug in
            self.attribute_ids else str(uuid.uuid4())
            for obj in SPECS for slug in SPECS[obj]
        }

    def reset_records(self):
        self.companies: list[dict] = []
        self.users: list[dict] = []
        self.workspaces: list[dict] = []
        self.races: list[dict] = []
        self.rebuild_indexes()
        self.admitted_reads = collections.deque()
        self.person_in_flight = collections.Counter()
        self.max_concurrent_per_person = 0
        # Admin changes armed with "after_reads" (POST /__mock/options), not yet made.
        self.pending_choices: list[dict] = []
        # Select options and statuses, per (object, slug): admins may add some at run time.
        self.choices = {
            (obj, slug): [{"title": t, "is_archived": a} for t, a in
                          (spec["options"] or spec["statuses"])]
            for obj in SPECS for slug, spec in SPECS[obj].items()
            if spec["type"] in ("select", "status")
        }

    # -- schema -------------------------------------------------------------------

    def store(self, obj: str) -> list:
        return {PEOPLE: self.people, COMPANIES: self.companies, USERS: self.users,
                WORKSPACES: self.workspaces}[obj]

    def object_active(self, obj: str) -> bool:
        """People and companies always; users and workspaces once activated (config
        "objects", --objects)."""
        return obj not in OPTIONAL_OBJECTS or obj in self.config["objects"]

    def attribute_visible(self, obj: str, original: str) -> bool:
        """An attribute exists while its object, and the object it references, are active
        (people's associated_users appears when users is activated)."""
        target = SPECS[obj][original]["target"]
        return self.object_active(obj) and (target is None or self.object_active(target))

    def api_slug(self, obj: str, original: str) -> str:
        return self.current_slug(original) if obj == PEOPLE else original

    def resolve(self, obj: str, slug: str):
        if obj == PEOPLE:
            return self.resolve_slug(slug)
        return slug if slug in SPECS[obj] and self.attribute_visible(obj, slug) else None

    def spec(self, obj: str, original: str) -> dict:
        """The attribute as the workspace currently has it (people honour the fault config)."""
        if is_list_key(obj):
            return self.base_spec(obj, original)
        spec = SPECS[obj][original]
        cfg = self.config
        if obj != PEOPLE or not (cfg["rename"] or cfg["archive"] or cfg["not_writable"]):
            return spec
        return dict(
            spec,
            api_slug=self.current_slug(original),
            is_archived=spec["is_archived"] or original in self.config["archive"],
            is_writable=spec["is_writable"] and original not in self.config["not_writable"],
        )

    def attribute_json(self, obj: str, original: str) -> dict:
        spec = self.spec(obj, original)
        return {
            # For a list's attribute object_id is the list's id (Attio: "the object or list
            # that this attribute belongs to").
            "id": {"workspace_id": self.workspace_id, "object_id": self.container_id(obj),
                   "attribute_id": self.attribute_id(obj, original)},
            "api_slug": spec["api_slug"],
            "title": spec["title"],
            "description": None,
            "type": spec["type"],
            "is_system_attribute": spec["is_system_attribute"],
            "is_multiselect": spec["is_multiselect"],
            "is_unique": spec["is_unique"],
            "is_required": spec["is_required"],
            "is_writable": spec["is_writable"],
            "is_archived": spec["is_archived"],
            "is_default_value_enabled": False,
            "default_value": None,
            "relationship": self.relationship_json(obj, original),
            "created_at": iso_time(self.objects_created_at),
            "config": {
                "currency": {
                    "default_currency_code": spec["currency"],
                    "display_type": "symbol" if spec["currency"] else None,
                },
                "record_reference": {
                    "allowed_object_ids": [self.object_ids[spec["target"]]]
                    if spec["target"] else None,
                },
            },
        }

    def relationship_json(self, obj: str, original: str):
        """The other attribute of a pair, in the shape of Attio's list-attributes example;
        null for every attribute that is not one of a pair."""
        if (obj, original) not in INVERSE:
            return None
        other, slug = INVERSE[(obj, original)]
        spec = SPECS[other][slug]
        return {"id": {"workspace_id": self.workspace_id, "object_id": self.object_ids[other],
                       "attribute_id": self.spec_ids[(other, slug)]},
                "object_slug": other, "title": spec["title"],
                "api_slug": self.api_slug(other, slug), "is_multiselect": spec["is_multiselect"]}

    def attributes_json(self, obj: str) -> list:
        return [self.attribute_json(obj, slug) for slug in SPEC_ORDER[obj]
                if self.attribute_visible(obj, slug)]

    def object_json(self, obj: str) -> dict:
        singular, plural = OBJECT_NOUNS[obj]
        return {"id": {"workspace_id": self.workspace_id, "object_id": self.object_ids[obj]},
                "api_slug": obj, "singular_noun": singular, "plural_noun": plural,
                "created_at": iso_time(self.objects_created_at)}

    # An object's attributes are keyed by (object slug, original slug); a list's by
    # ("lists/<list slug>", attribute slug), so that values, options and statuses of list
    # entries go through the same code as records' (see ListsMixin).

    def base_spec(self, obj: str, original: str) -> dict:
        return self.list_attribute_spec(obj, original) if is_list_key(obj) else SPECS[obj][original]

    def container_id(self, obj: str) -> str:
        """The object_id in an attribute's, option's or status's id: the object's id, or
        the list's."""
        return list_uuid(obj[len(LIST_KEY_PREFIX):]) if is_list_key(obj) else self.object_ids[obj]

    def attribute_id(self, obj: str, original: str) -> str:
        if is_list_key(obj):
            return str(uuid.uuid5(uuid.NAMESPACE_URL, f"mock-attio/{obj}/attributes/{original}"))
        return self.spec_ids[(obj, original)]

    def choice_json(self, obj: str, original: str, choice: dict) -> dict:
        spec = self.base_spec(obj, original)
        ids = {"workspace_id": self.workspace_id, "object_id": self.container_id(obj),
               "attribute_id": self.attribute_id(obj, original)}
        # Stable ids: the same title always gets the same id, across resets.
        key = "option_id" if spec["type"] == "select" else "status_id"
        ids[key] = choice_id(obj, original, choice["title"])
        out = {"id": ids, "title": choice["title"], "is_archived": choice["is_archived"]}
        if spec["type"] == "status":
            out.update(celebration_enabled=False, target_time_in_status=None)
        return out

    def find_choice(self, obj: str, original: str, wanted: str):
        """A current option/status by exact title or by id (archived ones cannot be written:
        not documented, the safe reading)."""
        for choice in self.choices[(obj, original)]:
            if choice["is_archived"]:
                continue
            as_json = self.choice_json(obj, original, choice)
            if wanted == choice["title"] or wanted in as_json["id"].values():
                return choice
        return None

    # -- values ---------------------------------------------------------------------

    def parse_values(self, obj: str, values, lenient: bool = False, check_writable: bool = True) -> dict:
        """{slug as sent: values} -> {original slug: [stored value objects]}, or ApiError(400).

        `lenient` (the seed) also accepts shorthand for the strict seven and skips the
        writable/archived checks (a seed is what the workspace already holds)."""
        if not isinstance(values, dict):
            raise bad_request('Body payload validation error: "data.values" must be an object.')
        parsed = {}
        for slug, items in values.items():
            original = self.resolve(obj, slug)
            if original is None:
                raise slug_not_found(slug)
            spec = self.spec(obj, original)
            if check_writable and spec["is_archived"]:
                raise slug_not_found(slug)
            if check_writable and not spec["is_writable"]:
                raise bad_request(
                    f'Cannot write to attribute with slug/ID "{slug}" because it is not writable.',
                    "immutable_value",
                )
            if obj == PEOPLE and original in STRICT_SLUGS and not lenient:
                parsed[original] = self.validate_values(slug, original, items)
            else:
                parsed[original] = self.coerce_values(obj, spec, slug, items, lenient)
        return parsed

    def coerce_values(self, obj, spec, slug, items, lenient) -> list:
        if spec["is_multiselect"] and not isinstance(items, list):
            raise bad_request(f'Attribute "{slug}" is multi-select: its values must be an array.')
        if not isinstance(items, list):
            items = [items]
        if not spec["is_multiselect"] and len(items) > 1:
            raise bad_request(
                f'Attribute "{slug}" is single-select but {len(items)} values were given.',
                "multiple_values_for_single_select",
            )
        return [self.coerce_item(obj, spec, slug, item, lenient) for item in items]

    def coerce_item(self, obj, spec, slug, raw, lenient) -> dict:
        type_ = spec["type"]

        def bad(why, code="validation_type"):
            return bad_request(f'Invalid value for attribute "{slug}": {why}', code)

        def unwrap(key, optional=()):
            if not isinstance(raw, dict):
                return raw
            if key not in raw:
                raise bad(f'expected a value or an object with "{key}".')
            extra = set(raw) - {key} - set(optional)
            if extra:
                raise bad("unknown key(s) " + ", ".join(f'"{k}"' for k in sorted(extra)) + ".")
            return raw[key]

        def number(value):
            return not isinstance(value, bool) and isinstance(value, (int, float)) \
                and math.isfinite(value)

        if type_ == "text":
            value = unwrap("value")
            if not isinstance(value, str):
                raise bad("expected a string.")
            if len(value.encode("utf-8")) > MAX_TEXT_BYTES:
                raise bad("text is larger than 10 MB.")
            return {"value": value}
        if type_ == "number":
            value = unwrap("value")
            if not number(value):
                raise bad(f"expected a number, got {json.dumps(value)[:80]}.")
            if not decimals_ok(value):
                raise bad("numbers have at most four decimal places.")
            return {"value": value}
        if type_ == "checkbox":
            value = unwrap("value")
            if not isinstance(value, bool):
                raise bad("expected true or false.")
            return {"value": value}
        if type_ == "currency":
            value = unwrap("currency_value", optional=("currency_code",))
            if isinstance(raw, dict) and raw.get("currency_code") not in (None, spec["currency"]):
                raise bad(f'the currency is set by the attribute ({spec["currency"]}), '
                          "it cannot be given per value.")
            if not number(value):
                raise bad(f"expected a number, got {json.dumps(value)[:80]}.")
            if not decimals_ok(value):
                raise bad("currency values have at most four decimal places.")
            return {"currency_value": value}
        if type_ == "date":
            value = unwrap("value")
            # "Time and zone are trimmed": the calendar date as written is kept.
            try:
                if not isinstance(value, str) or not re.match(r"^\d{4}-\d{2}-\d{2}(?:$|[T ])", value):
                    raise ValueError
                if len(value) > 10:
                    datetime.datetime.fromisoformat(value)
                day = datetime.date.fromisoformat(value[:10])
            except ValueError:
                raise bad(f"{json.dumps(value)[:80]} is not an ISO 8601 date.") from None
            return {"value": day.isoformat()}
        if type_ == "timestamp":
            value = unwrap("value")
            # Attio stores timestamps in UTC. Whether it accepts one without a zone (and in
            # which zone it would read it) is not documented: the mock refuses.
            try:
                if not isinstance(value, str) or not re.match(r"^\d{4}-\d{2}-\d{2}[T ]\d", value):
                    raise ValueError
                moment = datetime.datetime.fromisoformat(value)
            except ValueError:
                raise bad(f"{json.dumps(value)[:80]} is not an ISO 8601 timestamp.") from None
            if moment.tzinfo is None:
                raise bad(f"{json.dumps(value)} has no time zone (give Z or an offset).")
            return {"value": timestamp_value(moment)}
        if type_ == "rating":
            value = unwrap("value")
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 5:
                raise bad(f"a rating is an integer from 0 to 5, got {json.dumps(value)[:80]}.")
            return {"value": value}
        if type_ in ("select", "status"):
            key = "option" if type_ == "select" else "status"
            value = unwrap(key)
            if not isinstance(value, str):
                raise bad(f"expected the {key} title (a string).")
            # Titles are compared exactly (case included): how Attio compares them is not
            # documented, so clients should send the title as the options endpoint lists it.
            choice = self.find_choice(obj, spec_original(obj, spec), value)
            if choice is None:
                raise bad(f'there is no {key} "{value}" (options are not created by writes).',
                          "value_not_found")
            return {key: choice["title"]}
        if type_ == "email-address":
            value = unwrap("email_address")
            if (not isinstance(value, str) or len(value) > 254 or not EMAIL_RE.match(value)
                    or len(value.split("@")[0]) > 64):
                raise bad(f'"{value}" is not a valid email address.', "invalid_email_address")
            return {"email_address": value}
        if type_ == "phone-number":
            item = {"original_phone_number": raw} if not isinstance(raw, dict) else dict(raw)
            if item.get("country_code", "") is None:  # documented: null when "+" is given
                del item["country_code"]
            return validate_value(slug, type_, item)
        if type_ == "personal-name":
            if isinstance(raw, str) and lenient:  # seed convenience: "Ada Lovelace"
                first, _, last = raw.partition(" ")
                return {"first_name": first, "last_name": last, "full_name": raw}
            if not isinstance(raw, dict):
                raise bad("expected an object with first_name, last_name and full_name.")
            return validate_value(slug, type_, raw)
        if type_ == "domain":
            value = unwrap("domain")
            if not isinstance(value, str) or len(value) > 253 or not DOMAIN_RE.match(value):
                raise bad(f'"{value}" is not a domain (a host name such as "acme.com", no '
                          "scheme or path).")
            return {"domain": value.lower()}
        if type_ == "record-reference":
            return self.resolve_reference(spec, slug, raw)
        if type_ == "location":
            if isinstance(raw, str):  # how Attio parses the string form is not documented
                return {k: (raw if k == "line_1" else None) for k in LOCATION_KEYS}
            if not isinstance(raw, dict) or set(raw) != set(LOCATION_KEYS):
                raise bad("a location object needs exactly these keys: " + ", ".join(LOCATION_KEYS) + ".")
            return {k: raw[k] for k in LOCATION_KEYS}
        raise bad_request(f'Cannot write to attribute with slug/ID "{slug}".', "immutable_value")

    def resolve_reference(self, spec, slug, raw) -> dict:
        """The three write forms of Documentation/AttioAPI.md "Record references": by id,
        by a matching attribute (a plain string is shorthand for an email or a domain, every
        reference of the mock allowing one object), and target_record_reference's "match".
        The last two need exactly one record to match."""
        target = spec["target"]
        if isinstance(raw, str) and target in STRING_REFERENCE:
            raw = {"target_object": target, STRING_REFERENCE[target]: [raw]}
        if not isinstance(raw, dict) or raw.get("target_object") != target:
            raise bad_request(
                f'Invalid value for attribute "{slug}": expected {{"target_object": "{target}", '
                f'"target_record_id": …}} or {{"target_object": "{target}", '
                f'"{MATCHING_SLUG[target]}": […]}}.')
        keys = set(raw) - {"target_object"}
        if keys == {"target_record_id"}:
            record = self.find_record(target, raw["target_record_id"])
            if record is None:
                raise bad_request(
                    f'Invalid value for attribute "{slug}": no {target} record with ID '
                    f'"{raw["target_record_id"]}".', "value_not_found")
            return {"target_object": target, "target_record_id": record["record_id"]}
        # By a matching attribute: any unique attribute of the target (people's
        # email_addresses, companies' domains, users' user_id or primary_email_address,
        # workspaces' workspace_id).
        unique = [s for s in SPEC_ORDER[target] if SPECS[target][s]["is_unique"]]
        matching = next(iter(keys)) if len(keys) == 1 else None
        given = raw.get(matching)
        if matching == "target_record_reference":
            # Attio's form can also say what happens when no record or several match; the
            # mock does not model those options and refuses them rather than guess.
            match = given.get("match") if isinstance(given, dict) else None
            if not isinstance(given, dict) or set(given) != {"match"} \
                    or not isinstance(match, dict) or len(match) != 1 \
                    or next(iter(match)) not in unique:
                raise bad_request(
                    f'Invalid value for attribute "{slug}": the mock models only '
                    f'"target_record_reference": {{"match": {{<one of '
                    + ", ".join(f'"{u}"' for u in unique) + ">: <value>}}.")
            (matching, given), = match.items()
            if not isinstance(given, list):
                given = [given]
        elif matching in unique and not SPECS[target][matching]["is_multiselect"] \
                and not isinstance(given, list):
            given = [given]  # a single-value attribute may be given bare
        if matching not in unique or not isinstance(given, list) or not given:
            raise bad_request(
                f'Invalid value for attribute "{slug}": give "target_record_id" or a non-empty '
                + " or ".join(f'"{u}"' for u in unique) + " list.")
        spec_m = SPECS[target][matching]
        items = [self.coerce_item(target, spec_m, matching, v, False) for v in given]
        wanted = [value_key(spec_m, item) for item in items]
        found = [record for record in self.store(target)
                 if {value_key(spec_m, v) for v in record["values"].get(matching, [])} & set(wanted)]
        # Emails and domains are named as compared (lower-cased), text values as given.
        shown = wanted if spec_m["type"] in ("email-address", "domain") else \
            [item["value"] for item in items]
        if len(found) == 1:
            return {"target_object": target, "target_record_id": found[0]["record_id"]}
        if found:
            # The values name several records. Attio's code for this is not documented.
            raise bad_request(
                f'Invalid value for attribute "{slug}": {matching} {", ".join(map(str, shown))} '
                f"matches {len(found)} {target} records; a reference must match exactly one.")
        # Attio does not create the referenced record: the write fails (Documentation/AttioAPI.md).
        raise bad_request(
            f'Invalid value for attribute "{slug}": no {target} record with '
            f'{matching} {", ".join(map(str, shown))} (create it first).', "value_not_found")

    # -- the store ------------------------------------------------------------------

    # Indexes, so that a mock holding thousands of people still answers a query or a write in
    # well under a millisecond: record_id -> record, and the matching attribute's value keys
    # (lower-cased emails, domains) -> record. Every change of a store goes through
    # new_record, write_record, remove_record or rebuild_indexes.

    def rebuild_indexes(self):
        self.by_id = {obj: {r["record_id"]: r for r in self.store(obj)} for obj in SPECS}
        self.by_key = {obj: {} for obj in SPECS}
        for obj in SPECS:
            for record in self.store(obj):
                self.index_keys(obj, record, set())

    def matching_keys(self, obj: str, record: dict) -> set:
        spec = SPECS[obj][MATCHING_SLUG[obj]]
        return {value_key(spec, v) for v in record["values"].get(MATCHING_SLUG[obj], [])}

    def index_keys(self, obj: str, record: dict, old: set):
        index = self.by_key[obj]
        new = self.matching_keys(obj, record)
        for key in old - new:
            if index.get(key) is record:
                del index[key]
        for key in new:
            index[key] = record

    def remove_record(self, obj: str, record: dict):
        self.detach(obj, record, time.time())
        self.drop_entries_of(obj, record["record_id"])
        self.store(obj).remove(record)
        self.by_id[obj].pop(record["record_id"], None)
        for key in self.matching_keys(obj, record):
            if self.by_key[obj].get(key) is record:
                del self.by_key[obj][key]

    def find_record(self, obj: str, record_id):
        return self.by_id[obj].get(record_id) if isinstance(record_id, str) else None

    def check_unique(self, obj: str, record, values: dict):
        """Refuse values of unique attributes that another record holds."""
        for original, items in values.items():
            spec = SPECS[obj][original]
            if not spec["is_unique"] or not items:
                continue
            if original == MATCHING_SLUG[obj]:
                index = self.by_key[obj]
                taken = {k for k in (value_key(spec, i) for i in items)
                         if index.get(k) not in (None, record)}
            else:
                taken = {value_key(spec, v) for other in self.store(obj) if other is not record
                         for v in other["values"].get(original, [])}
            for item in items:
                if value_key(spec, item) in taken:
                    raise uniqueness_conflict(self.api_slug(obj, original),
                                              next(iter(public_items([item])[0].values())))

    def new_record(self, obj: str, now: float, origin: str) -> dict:
        record = {"record_id": str(uuid.uuid4()), "created_at": now, "updated_at": now,
                  "writes": 0, "values": {MATCHING_SLUG[obj]: []}, "origin": origin}
        self.store(obj).append(record)
        self.by_id[obj][record["record_id"]] = record
        return record

    def set_values(self, obj, record, original, items, now):
        """Replace an attribute's values; values already held keep their active_from."""
        spec = SPECS[obj][original]
        since = {value_key(spec, v): v.get("_t", now) for v in record["values"].get(original, [])}
        record["values"][original] = [
            dict(item, _t=since.get(value_key(spec, item), now)) for item in items]

    def write_record(self, obj: str, record: dict, values: dict, now: float, mode: str,
                     matching: str = None):
        """mode "assert": the matching attribute gains values, everything else sent is
        replaced. "patch": multiselect values are prepended when absent, single values set.
        "replace" (PUT by id, create, seed): everything sent is replaced."""
        matching = matching or MATCHING_SLUG[obj]
        old_keys = self.matching_keys(obj, record)
        linked = {original: self.linked_ids(record, original) for original in values
                  if (obj, original) in INVERSE}
        for original, items in values.items():
            spec = SPECS[obj][original]
            held = record["values"].get(original, [])
            additive = (mode == "assert" and original == matching) or (
                mode == "patch" and spec["is_multiselect"])
            if not additive:
                self.set_values(obj, record, original, items, now)
                continue
            known = {value_key(spec, v) for v in held}
            fresh = []
            for item in items:
                key = value_key(spec, item)
                if key not in known:
                    known.add(key)
                    fresh.append(dict(item, _t=now))
            # Assert appends (as the original mock did); PATCH prepends (Documentation/AttioAPI.md).
            record["values"][original] = held + fresh if mode == "assert" else fresh + held
        self.index_keys(obj, record, old_keys)
        record["updated_at"] = now
        record["writes"] += 1
        self.sync_pairs(obj, record, linked, now)

    # -- relationship pairs -------------------------------------------------------------
    #
    # Writing either attribute of a pair updates the other (Documentation/AttioAPI.md
    # "Record references"): a user's person = P <=> P's associated_users holds the user; a
    # user's workspace holds W <=> W's users holds the user; a workspace's company = C <=>
    # C's associated_workspaces holds the workspace. The other side's values change without
    # being an API write to that record: its updated_at moves, its writes count does not.

    @staticmethod
    def linked_ids(record: dict, original: str) -> list:
        return [v["target_record_id"] for v in record["values"].get(original, [])]

    def sync_pairs(self, obj: str, record: dict, linked: dict, now: float):
        """After `record`'s pair attributes changed from `linked` ({original: [target ids
        before]}), unlink the targets it lost and link those it gained."""
        for original, before in linked.items():
            other, inverse = INVERSE[(obj, original)]
            after = self.linked_ids(record, original)
            for target_id in before:
                target = self.find_record(other, target_id)
                if target_id not in after and target is not None:
                    self.unlink(target, inverse, record["record_id"], now)
            for target_id in after:
                target = self.find_record(other, target_id)
                if target_id not in before and target is not None:
                    self.link(other, target, inverse, obj, record, original, now)

    def unlink(self, record: dict, original: str, target_id: str, now: float):
        held = record["values"].get(original, [])
        kept = [v for v in held if v["target_record_id"] != target_id]
        if len(kept) != len(held):
            record["values"][original] = kept
            record["updated_at"] = now

    def link(self, obj: str, record: dict, original: str, other: str, target: dict,
             inverse: str, now: float):
        """`record` (of `obj`) gains `target` in `original`, the inverse of `target`'s
        `inverse` having gained `record`. A single-value attribute lets go of the record it
        held, which loses `record` in turn (a person's user moving to another person)."""
        held = record["values"].get(original, [])
        if target["record_id"] in self.linked_ids(record, original):
            return
        if not SPECS[obj][original]["is_multiselect"]:
            for previous_id in self.linked_ids(record, original):
                previous = self.find_record(other, previous_id)
                if previous is not None:
                    self.unlink(previous, inverse, record["record_id"], now)
            held = []
        # Appended: the order Attio lists the other side in is not documented.
        record["values"][original] = held + [
            {"target_object": other, "target_record_id": target["record_id"], "_t": now}]
        record["updated_at"] = now

    def detach(self, obj: str, record: dict, now: float):
        """A record going away (deleted, merged) leaves every pair it was in."""
        for original in list(record["values"]):
            if (obj, original) in INVERSE:
                other, inverse = INVERSE[(obj, original)]
                for target_id in self.linked_ids(record, original):
                    target = self.find_record(other, target_id)
                    if target is not None:
                        self.unlink(target, inverse, record["record_id"], now)

    def check_required(self, obj: str, record, values: dict):
        """Users' user_id and primary_email_address, workspaces' workspace_id: a new record
        needs a value, and no write may clear one. Attio's error for this is not documented:
        the mock answers 400 missing_value, its code for a missing matching value."""
        for original in SPEC_ORDER[obj]:
            if not SPECS[obj][original]["is_required"]:
                continue
            if (original in values and not values[original]) or \
                    (original not in values and record is None):
                raise bad_request(
                    f'Required attribute "{self.api_slug(obj, original)}" must have a value.',
                    "missing_value")

    def assert_record(self, obj: str, values: dict, now: float, matching: str = None) -> dict:
        """Find the record holding any of the matching attribute's values, update it or
        create one. `matching` defaults to the attribute the store is indexed by; another
        unique attribute (users' primary_email_address) is looked up by a scan."""
        matching = matching or MATCHING_SLUG[obj]
        spec = SPECS[obj][matching]
        wanted = {value_key(spec, v) for v in values[matching]}
        if matching == MATCHING_SLUG[obj]:
            hits = {id(r): r for r in (self.by_key[obj].get(k) for k in wanted) if r is not None}
        else:
            hits = {id(r): r for r in self.store(obj)
                    if wanted & {value_key(spec, v) for v in r["values"].get(matching, [])}}
        found = sorted(hits.values(), key=self.store(obj).index)
        if len(found) > 1:
            # Values of two records in one assert: Attio cannot both match and keep them
            # unique. Not documented; the mock refuses like any uniqueness clash.
            raise uniqueness_conflict(self.api_slug(obj, matching),
                                      ", ".join(sorted(map(str, wanted))))
        record = found[0] if found else None
        self.check_unique(obj, record, {k: v for k, v in values.items() if k != matching})
        self.check_required(obj, record, values)
        if record is None:
            record = self.new_record(obj, now, "api")
        self.write_record(obj, record, values, now, "assert", matching)
        return record

    # -- reading ----------------------------------------------------------------------

    def read_value(self, obj: str, spec: dict, item: dict, record: dict) -> dict:
        t = item.get("_t", record["updated_at"])
        out = {"active_from": iso_time(t), "active_until": None,
               "created_by_actor": {"type": "api-token", "id": None},
               "attribute_type": spec["type"]}
        fields = {k: v for k, v in item.items() if k != "_t"}
        type_ = spec["type"]
        if type_ == "email-address":
            address = fields["email_address"]
            local, _, domain = address.rpartition("@")
            fields.update(original_email_address=address, email_domain=domain,
                          email_root_domain=".".join(domain.split(".")[-2:]),
                          email_local_specifier=local.split("+")[0])
        elif type_ == "phone-number":
            normalized = normalize_phone(fields["original_phone_number"], fields.get("country_code"))
            fields.update(normalized_phone_number=normalized,
                          country_code=phone_region(normalized, fields.get("country_code")))
        elif type_ == "currency":
            fields["currency_code"] = spec["currency"]
        elif type_ == "domain":
            fields["root_domain"] = ".".join(fields["domain"].split(".")[-2:])
        elif type_ in ("select", "status"):
            key = "option" if type_ == "select" else "status"
            original = spec_original(obj, spec)
            choice = next((c for c in self.choices[(obj, original)] if c["title"] == fields[key]),
                          {"title": fields[key], "is_archived": False})
            fields[key] = self.choice_json(obj, original, choice)
        out.update(fields)
        return out

    def record_read(self, obj: str, record: dict) -> dict:
        """A record in Attio's read shape: every current attribute, each an array of value
        objects (empty when the record has none)."""
        values = {}
        for original in SPEC_ORDER[obj]:
            spec = self.spec(obj, original)
            if spec["is_archived"] or not self.attribute_visible(obj, original):
                continue
            if original == "created_at":
                items = [{"value": timestamp_value(datetime.datetime.fromtimestamp(
                    record["created_at"], datetime.timezone.utc)), "_t": record["created_at"]}]
            else:
                items = record["values"].get(original, [])
            values[spec["api_slug"]] = [self.read_value(obj, spec, i, record) for i in items]
        noun = RECORD_NOUN[obj]
        return {
            "id": {"workspace_id": self.workspace_id, "object_id": self.object_ids[obj],
                   "record_id": record["record_id"]},
            "created_at": iso_time(record["created_at"]),
            "web_url": f"https://app.attio.com/mock-workspace/{noun}/{record['record_id']}/overview",
            "values": values,
        }

    def readable(self, obj: str, record: dict, original: str):
        """An attribute's values by their main field: a list for a multiselect attribute,
        else the single value or None (for /__mock/… and /__mock/seed answers)."""
        main = {"email-address": "email_address", "domain": "domain",
                "record-reference": "target_record_id"}.get(SPECS[obj][original]["type"], "value")
        values = [v[main] for v in record["values"].get(original, [])]
        if SPECS[obj][original]["is_multiselect"]:
            return values
        return values[0] if values else None

    def identity_json(self, obj: str, record: dict) -> dict:
        """What names a record readably: people's email_addresses, companies' domains,
        users' user_id and primary_email_address, workspaces' workspace_id."""
        return {key: self.readable(obj, record, key) for key in IDENTITY[obj]}

    def reference_json(self, obj: str, record_id: str) -> dict:
        """A referenced record by its id and what names it ({"record_id", "user_id", …})."""
        record = self.find_record(obj, record_id)
        names = self.identity_json(obj, record) if record else {k: None for k in IDENTITY[obj]}
        return {"record_id": record_id, **names}

    def records_json(self, obj: str) -> list:
        """/__mock/people, /__mock/companies, /__mock/users and /__mock/workspaces: the stored
        values as last written, with the identity of the record and of every record it is
        paired with (users' person and workspace, workspaces' users and company, people's
        associated_users, companies' associated_workspaces: these only while the object at
        the other end is activated, so that the default answers stay as they were)."""
        out = []
        for r in self.store(obj):
            entry = {
                "record_id": r["record_id"],
                "created_at": iso_time(r["created_at"]),
                "updated_at": iso_time(r["updated_at"]),
                "writes": r["writes"],
            }
            entry.update(self.identity_json(obj, r))
            if obj == PEOPLE:
                entry["normalized_phone_numbers"] = [
                    normalize_phone(v["original_phone_number"], v.get("country_code"))
                    for v in r["values"].get("phone_numbers", [])]
            for original in SPEC_ORDER[obj]:
                if (obj, original) not in INVERSE or not self.attribute_visible(obj, original):
                    continue
                target = SPECS[obj][original]["target"]
                refs = [self.reference_json(target, v["target_record_id"])
                        for v in r["values"].get(original, [])]
                entry[original] = refs if SPECS[obj][original]["is_multiselect"] else \
                    (refs[0] if refs else None)
            entry["origin"] = r.get("origin", "api")
            entry["values"] = {k: public_items(v) for k, v in r["values"].items()}
            out.append(entry)
        return out

    # -- queries ----------------------------------------------------------------------

    def compile_filter(self, obj: str, node):
        """A query filter as a predicate over records; slugs resolved and operands
        normalised once per query (the mock may hold thousands of people)."""
        if not isinstance(node, dict):
            raise bad_request("Invalid filter: expected an object.", "filter_error")
        tests = []
        for key, cond in node.items():
            if key in ("$and", "$or"):
                if not isinstance(cond, list):
                    raise bad_request(f'Invalid filter: "{key}" takes an array.', "filter_error")
                parts = [self.compile_filter(obj, c) for c in cond]
                tests.append((lambda r, ps=parts: all(p(r) for p in ps)) if key == "$and"
                             else (lambda r, ps=parts: any(p(r) for p in ps)))
            elif key == "$not":
                inner = self.compile_filter(obj, cond)
                tests.append(lambda r, f=inner: not f(r))
            elif key == "record_id":
                wanted = cond.get("$eq") if isinstance(cond, dict) else cond
                tests.append(lambda r, w=wanted: r["record_id"] == w)
            else:
                tests.append(self.compile_attribute_filter(obj, key, cond))
        if len(tests) == 1:
            return tests[0]  # keeps index_keys for query's fast path
        return lambda record: all(t(record) for t in tests)

    def compile_attribute_filter(self, obj, slug, cond):
        original = self.resolve(obj, slug)
        if original is None or self.spec(obj, original)["is_archived"]:
            raise slug_not_found(slug)
        spec = SPECS[obj][original]
        type_ = spec["type"]
        primary = {
            "email-address": "email_address", "phone-number": "normalized_phone_number",
            "domain": "domain", "record-reference": "target_record_id",
            "personal-name": "full_name", "currency": "currency_value", "select": "option",
            "status": "status",
        }.get(type_, "value")
        # {"slug": v} | {"slug": {"$eq": v}} | {"slug": {"field": v}} | {"slug": {"field": {"$eq": v}}}
        field, test = primary, cond
        if isinstance(cond, dict):
            if len(cond) != 1:
                raise bad_request(f'Invalid filter on "{slug}": one condition per attribute '
                                  "(combine with $and).", "filter_error")
            (k, v), = cond.items()
            if not k.startswith("$"):
                field, test = k, v
        if isinstance(test, dict):
            if set(test) - {"$eq", "$in"} or len(test) != 1:
                raise bad_request(f'Invalid filter on "{slug}": the mock models only "$eq" and '
                                  '"$in".', "filter_error")
            (op, operand), = test.items()
            candidates = operand if op == "$in" else [operand]
            if not isinstance(candidates, list):
                raise bad_request('Invalid filter: "$in" takes an array.', "filter_error")
        else:
            candidates = [test]
        # Case handling of $eq on emails is not documented; Attio treats addresses as unique
        # ignoring case (Documentation/AttioAPI.md), so the mock compares them ignoring case. Phones given
        # with "+" compare by their normalized number.
        fold = type_ in ("email-address", "domain")
        phone = type_ == "phone-number" and field in ("normalized_phone_number",
                                                      "original_phone_number")

        def norm(x):
            if phone and isinstance(x, str) and x.strip().startswith("+"):
                return normalize_phone(x, None)
            return x.lower() if fold and isinstance(x, str) else x

        wanted = {json.dumps(norm(c)) for c in candidates}

        def field_value(item, record):
            if field in item and field != "_t":  # the stored form (options: their title)
                return item[field]
            if phone and field == "normalized_phone_number":
                return normalize_phone(item["original_phone_number"], item.get("country_code"))
            value = self.read_value(obj, spec, item, record).get(field)
            return value["title"] if isinstance(value, dict) and "title" in value else value

        def test_record(record):
            return any(json.dumps(norm(field_value(item, record))) in wanted
                       for item in record["values"].get(original, []))

        if original == MATCHING_SLUG[obj] and field == primary and fold:
            # Found through the index (same answer as the scan: keys are lower-cased too;
            # users' and workspaces' text ids are not, and are scanned).
            test_record.index_keys = {c.lower() for c in candidates if isinstance(c, str)}
        return test_record

    def query(self, obj: str, body) -> list:
        if not isinstance(body, dict):
            raise bad_request("Body payload validation error: expected a JSON object.")
        filt = body.get("filter", {})
        limit, offset = body.get("limit", 500), body.get("offset", 0)
        for name, value in (("limit", limit), ("offset", offset)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise bad_request(f'"{name}" must be a non-negative integer.')
        predicate = self.compile_filter(obj, filt)
        keys = getattr(predicate, "index_keys", None)
        if keys is not None:
            hits = {id(r): r for r in (self.by_key[obj].get(k) for k in keys) if r is not None}
            found = sorted(hits.values(), key=self.store(obj).index)
        else:
            found = [r for r in self.store(obj) if predicate(r)]
        return found[offset:offset + limit]

    def route_emails(self, route) -> list:
        """The addresses of the person a by-id request names (for fault rules' "email")."""
        if not route or route.get("object") != PEOPLE or not route.get("record_id"):
            return []
        record = self.find_record(PEOPLE, route["record_id"])
        return [v["email_address"] for v in record["values"][MATCHING_ATTRIBUTE]] if record else []

    def person_enter(self, endpoint, emails, route) -> set:
        """Count a people-record request (assert, query, GET, PATCH, PUT, create) as in
        flight for every address it concerns: those in its body or filter and those of the
        record it names. Two requests sharing an address overlapping in time is what a
        client that serialises each person's find-then-write must never do."""
        if endpoint not in PERSON_ENDPOINTS:
            return set()
        keys = {e.lower() for e in emails + self.route_emails(route)}
        for key in keys:
            self.person_in_flight[key] += 1
            self.max_concurrent_per_person = max(self.max_concurrent_per_person,
                                                 self.person_in_flight[key])
        return keys

    def person_leave(self, keys: set):
        for key in keys:
            self.person_in_flight[key] -= 1

    # -- race, seed, merge ------------------------------------------------------------

    def fire_races(self, trigger: str, emails, now: float):
        """Another writer is faster: the armed record appears now."""
        lowered = {e.lower() for e in emails}
        for race in self.races:
            if race["fired"] or race["trigger"] != trigger or race["email"].lower() not in lowered:
                continue
            if race["email"].lower() in self.by_key[PEOPLE]:
                continue  # already there: nothing to race with
            record = self.new_record(PEOPLE, now, "race")
            self.write_record(PEOPLE, record, race["values"], now, "replace")
            record["writes"] = 0
            race["fired"] = True
            race["record_id"] = record["record_id"]

    def seed(self, body) -> dict:
        """All or nothing: a bad entry leaves every store as it was."""
        saved = copy.deepcopy([self.store(obj) for obj in SPECS])
        saved_entries = copy.deepcopy(self.list_entries)
        try:
            out = self.seed_entries(body)
            if isinstance(body, dict) and "list_entries" in body:
                out["list_entries"] = self.seed_list_entries(body["list_entries"])
            return out
        except ValueError:
            for obj, records in zip(SPECS, saved):
                self.store(obj)[:] = records
            self.rebuild_indexes()
            self.list_entries = saved_entries
            self.rebuild_entry_indexes()
            raise

    def seed_entries(self, body) -> dict:
        if not isinstance(body, dict) or set(body) - set(SPECS) - {"list_entries"}:
            raise ValueError('body must be {"people": [...], "companies": [...], '
                             '"workspaces"?: [...], "users"?: [...], "list_entries"?: [...]}')
        out = {}
        now = time.time()
        # Companies first, so people can reference them by domain; then workspaces (which
        # may name their company) and users (which may name their person and workspaces).
        for obj in (COMPANIES, PEOPLE, WORKSPACES, USERS):
            if obj in OPTIONAL_OBJECTS:
                if obj not in body:
                    continue  # the answer names users and workspaces only when seeded
                if not self.object_active(obj):
                    raise ValueError(f"the {obj} object is not activated (config \"objects\")")
            entries = body.get(obj, [])
            if not isinstance(entries, list):
                raise ValueError(f"{obj} must be a list")
            out[obj] = []
            for index, entry in enumerate(entries):
                where = f"{obj}[{index}]"
                if not isinstance(entry, dict) or set(entry) - {"values", "record_id"}:
                    raise ValueError(f'{where} must be {{"values": {{...}}, "record_id"?: "..."}}')
                try:
                    values = self.parse_values(obj, entry.get("values", {}), lenient=True,
                                               check_writable=False)
                    values.pop("created_at", None)
                    record = self.find_record(obj, entry.get("record_id"))
                    self.check_unique(obj, record, values)
                    self.check_required(obj, record, values)
                except ApiError as err:
                    raise ValueError(f"{where}: {err.message}") from None
                if record is None:
                    record = self.new_record(obj, now, "seed")
                    if "record_id" in entry:
                        if not isinstance(entry["record_id"], str) or not entry["record_id"]:
                            raise ValueError(f"{where}: record_id must be a non-empty string")
                        del self.by_id[obj][record["record_id"]]
                        record["record_id"] = entry["record_id"]
                        self.by_id[obj][record["record_id"]] = record
                writes = record["writes"]
                self.write_record(obj, record, values, now, "replace")
                record["writes"] = writes  # a seed is not an API write
                out[obj].append({"record_id": record["record_id"],
                                 **self.identity_json(obj, record)})
        return out

    def merge(self, body) -> dict:
        """Merge record "from" into record "into" (an Attio user merging duplicates): every
        value "from" held that "into" lacks is added, then "from" is gone (GET/PATCH 404)."""
        if not isinstance(body, dict):
            raise ValueError("body must be an object")
        obj = body.get("object", PEOPLE)
        if obj not in SPECS or not self.object_active(obj):
            raise ValueError("object must be people, companies or an activated object")
        source, target = self.find_record(obj, body.get("from")), self.find_record(obj, body.get("into"))
        if source is None or target is None or source is target:
            raise ValueError('"from" and "into" must be two existing record ids')
        linked = {original: self.linked_ids(target, original) for original in source["values"]
                  if (obj, original) in INVERSE}
        for original, items in source["values"].items():
            spec = SPECS[obj][original]
            held = target["values"].get(original, [])
            if spec["is_multiselect"]:
                known = {value_key(spec, v) for v in held}
                target["values"][original] = held + [v for v in items if value_key(spec, v) not in known]
            elif not held:
                target["values"][original] = list(items)
        # The records "from" was paired with are paired with "into" now (then "from" leaves
        # the pairs it is still in).
        self.sync_pairs(obj, target, linked, time.time())
        self.reparent_entries(obj, source["record_id"], target["record_id"])
        self.remove_record(obj, source)
        self.index_keys(obj, target, set())
        return {"record_id": target["record_id"], "merged": source["record_id"]}

    def add_choice(self, body) -> dict:
        """An admin adds (or archives/unarchives) a select option or a status. With
        "after_reads": N, the change happens only once N more options/statuses reads of that
        attribute have been answered (an admin acting just after a client read the schema)."""
        if not isinstance(body, dict) or set(body) - {"object", "list", "attribute", "title",
                                                      "is_archived", "after_reads"}:
            raise ValueError('body must be {"object"? or "list"?, "attribute", "title", '
                             '"is_archived"?, "after_reads"?}')
        after = body.get("after_reads", 0)
        if isinstance(after, bool) or not isinstance(after, int) or after < 0:
            raise ValueError("after_reads must be a whole number >= 0")
        if after > 0:
            self.add_choice_now({k: v for k, v in body.items() if k != "after_reads"},
                                dry_run=True)
            self.pending_choices.append({"body": {k: v for k, v in body.items()
                                                  if k != "after_reads"},
                                         "remaining": after})
            return {"pending": True, "after_reads": after}
        return self.add_choice_now(body)

    def choices_read(self, obj: str, original: str):
        """An options/statuses read was answered: pending admin changes count it."""
        for pending in list(self.pending_choices):
            body = pending["body"]
            try:
                target = self.choice_target(body)
            except ValueError:
                continue  # its list has been configured away meanwhile
            if target != (obj, original):
                continue
            pending["remaining"] -= 1
            if pending["remaining"] <= 0:
                self.pending_choices.remove(pending)
                self.add_choice_now(body)

    def choice_target(self, body) -> tuple:
        """(object or list key, original slug) of a select or status attribute named by a
        POST /__mock/options body ("object", default people, or "list"; "attribute")."""
        original = body.get("attribute")
        if "list" in body:
            if "object" in body:
                raise ValueError('give "object" or "list", not both')
            lst = self.find_list(body["list"])
            if lst is None:
                raise ValueError(f"no list {body['list']!r} is configured")
            obj = lst["key"]
            if isinstance(original, str):
                original = self.resolve_list_attribute(lst, original) or original
            if (obj, original) not in self.choices:
                raise ValueError(f"list {lst['api_slug']} has no select or status attribute "
                                 f"{original!r}")
            return obj, original
        obj = body.get("object", PEOPLE)
        if obj not in SPECS:
            raise ValueError("object must be people or companies")
        if obj == PEOPLE and isinstance(original, str):
            original = self.resolve(obj, original) or original
        if (obj, original) not in self.choices:
            raise ValueError(f"{obj} has no select or status attribute {original!r}")
        return obj, original

    def add_choice_now(self, body, dry_run: bool = False) -> dict:
        obj, original = self.choice_target(body)
        title, archived = body.get("title"), body.get("is_archived", False)
        if not isinstance(title, str) or not title or not isinstance(archived, bool):
            raise ValueError("title must be a non-empty string, is_archived a boolean")
        if dry_run:
            return {}
        choices = self.choices[(obj, original)]
        choice = next((c for c in choices if c["title"] == title), None)
        if choice is None:
            choice = {"title": title, "is_archived": archived}
            choices.append(choice)
        choice["is_archived"] = archived
        return self.choice_json(obj, original, choice)

    # -- read budget, stats -------------------------------------------------------------

    def admit_read(self, now: float):
        """The read budget, the same sliding window as admit_write over its own arrivals."""
        rate = self.config.get("read_rate", 0)
        if not rate:
            return None
        while self.admitted_reads and self.admitted_reads[0] <= now - 1.0:
            self.admitted_reads.popleft()
        if len(self.admitted_reads) >= rate:
            return self.admitted_reads[len(self.admitted_reads) - rate] + 1.0
        self.admitted_reads.append(now)
        return None

    def records_stats(self) -> dict:
        by_endpoint = collections.Counter(r["endpoint"] for r in self.requests if r["endpoint"])

        def of(kinds):
            picked = [r for r in self.requests if r["endpoint"] in kinds]
            counts = collections.Counter(
                "dropped" if r["dropped"] else str(r["status"])
                for r in picked if r["dropped"] or r["status"] is not None)
            return picked, dict(sorted(counts.items()))

        reads, read_counts = of(READ_ENDPOINTS)
        writes, write_counts = of(WRITE_ENDPOINTS)
        return {
            "reads": len(reads),
            "writes": len(writes),
            "record_reads": sum(by_endpoint[e] for e in RECORD_READ_ENDPOINTS),
            "queries": by_endpoint["query"],
            "gets": by_endpoint["get"],
            "creates": by_endpoint["create"],
            "patches": by_endpoint["patch"],
            "record_puts": by_endpoint["put_record"],
            "company_asserts": by_endpoint["company_assert"],
            "by_endpoint": dict(sorted(by_endpoint.items())),
            "read_status_counts": read_counts,
            "write_status_counts": write_counts,
            "rate_limited_reads": sum(1 for r in reads if r["rate_limited"]),
            "rate_limited_writes": sum(1 for r in writes if r["rate_limited"]),
            "max_reads_in_any_1s_window": max_in_any_window([r["arrival"] for r in reads]),
            "max_writes_in_any_1s_window": max_in_any_window([r["arrival"] for r in writes]),
            "companies": len(self.companies),
            "users": len(self.users),
            "workspaces": len(self.workspaces),
            "races_fired": sum(1 for r in self.races if r["fired"]),
            "max_concurrent_per_person": self.max_concurrent_per_person,
        }


@functools.lru_cache(maxsize=None)
def choice_id(obj: str, original: str, title: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"mock-attio/{obj}/{original}/{title}"))


def spec_original(obj: str, spec: dict) -> str:
    """The original slug of a (possibly renamed) spec."""
    return spec["original"]


# --------------------------------------------------------------------------- lists
#
# Lists and list entries (Documentation/AttioAPI.md "Lists and list entries"; Attio's
# endpoint reference for entries, lists and attributes). A list has a parent object (people,
# companies, ...), its own attributes (typed like object attributes: the same coercion, the
# same read shape) and entries, each naming one parent record. The mock serves:
#
#   GET   /v2/lists, /v2/lists/{list}                    (list_configuration:read)
#   GET   /v2/lists/{list}/attributes[/{slug}/options|statuses]
#   PUT   /v2/lists/{list}/entries                       assert an entry by its parent record
#   PATCH /v2/lists/{list}/entries/{entry_id}            update, appending multiselect values
#   GET   /v2/lists/{list}/entries/{entry_id}
#
# {list} is the list's api_slug or its id. Which lists exist is configuration (the fault
# config's "lists", default --lists, default DEFAULT_LISTS); entries are state (seeded with
# /__mock/seed's "list_entries", shown by /__mock/lists/{list}/entries, cleared by reset).

SCOPE_LIST_ENTRIES_WRITE = "list_entry:read-write"
SCOPE_LIST_ENTRIES_READ = "list_entry:read"
SCOPE_LISTS_READ = "list_configuration:read"

LIST_WRITE_ENDPOINTS = {"list_entry_assert", "list_entry_patch"}
LIST_READ_ENDPOINTS = {"lists", "list_get", "list_attributes", "list_options", "list_statuses",
                       "list_entry_get"}
LIST_ENDPOINTS = LIST_WRITE_ENDPOINTS | LIST_READ_ENDPOINTS
# Lists spend the same budgets as records: entry writes are writes, every GET is a read.
WRITE_ENDPOINTS |= LIST_WRITE_ENDPOINTS
READ_ENDPOINTS |= LIST_READ_ENDPOINTS
ENDPOINTS = ENDPOINTS | LIST_ENDPOINTS
CONFIG_KEYS = CONFIG_KEYS | {"lists"}

# The key a list's attributes, options and statuses are kept under, where an object's slug
# would be: "lists/trials".
LIST_KEY_PREFIX = "lists/"
LIST_SLUG_RE = re.compile(r"^[a-z][a-z0-9_]*$")
# Every type the mock coerces for objects (interaction and actor-reference are system-made).
LIST_ATTRIBUTE_TYPES = ("text", "number", "checkbox", "currency", "date", "timestamp", "rating",
                        "select", "status", "email-address", "phone-number", "domain",
                        "record-reference", "location", "personal-name")
LIST_DEFINITION_KEYS = {"api_slug", "name", "parent_object", "attributes"}
LIST_ATTRIBUTE_KEYS = {"api_slug", "title", "type", "is_multiselect", "is_writable", "is_archived",
                       "options", "archived_options", "statuses", "archived_statuses", "currency",
                       "target"}

# The lists of a mock started without --lists: two people lists whose "stage" statuses have
# an order (what --forward-only needs), and a companies list (a list attio-pipe's people
# events cannot use). Every list also has "created_at" (system, not writable), added last.
DEFAULT_LISTS = [
    {"api_slug": "trials", "name": "Trials", "parent_object": "people", "attributes": [
        {"api_slug": "stage", "type": "status",
         "statuses": ["Lead", "Trial", "Customer", "Churned"], "archived_statuses": ["Paused"]},
        {"api_slug": "plan", "type": "select",
         "options": ["Free", "Starter", "Pro", "Enterprise"], "archived_options": ["Legacy"]},
        {"api_slug": "features", "type": "select", "is_multiselect": True,
         "options": ["Analytics", "Automation", "Integrations", "Security"]},
        {"api_slug": "score", "type": "number"},
        {"api_slug": "signed_up_at", "type": "timestamp"},
        {"api_slug": "health", "type": "number", "is_writable": False},
        {"api_slug": "old_stage", "type": "text", "is_archived": True},
    ]},
    {"api_slug": "inbound_leads", "name": "Inbound leads", "parent_object": "people",
     "attributes": [
         {"api_slug": "stage", "type": "status", "statuses": ["New", "Contacted", "Qualified"]},
         {"api_slug": "source", "type": "text"},
     ]},
    {"api_slug": "key_accounts", "name": "Key accounts", "parent_object": "companies",
     "attributes": [
         {"api_slug": "stage", "type": "status",
          "statuses": ["Prospect", "Negotiation", "Won", "Lost"]},
         {"api_slug": "tier", "type": "select", "options": ["Bronze", "Silver", "Gold"]},
     ]},
]


def is_list_key(obj) -> bool:
    return isinstance(obj, str) and obj.startswith(LIST_KEY_PREFIX)


@functools.lru_cache(maxsize=None)
def list_uuid(slug: str) -> str:
    """A list's id, derived from its slug: stable across resets and config changes."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"mock-attio/lists/{slug}"))


def slug_title(slug: str) -> str:
    return slug.replace("_", " ").capitalize()


def parse_lists(value) -> list:
    """Validate list definitions (the fault config's "lists", --lists) and fill in their
    defaults; the answer is what GET /__mock/faults shows."""
    if not isinstance(value, list):
        raise ValueError("lists must be a list of list definitions")
    out, slugs = [], set()
    for index, raw in enumerate(value):
        where = f"lists[{index}]"
        if not isinstance(raw, dict) or set(raw) - LIST_DEFINITION_KEYS:
            raise ValueError(f"{where} must be an object with keys "
                             + ", ".join(sorted(LIST_DEFINITION_KEYS)))
        slug = raw.get("api_slug")
        if not isinstance(slug, str) or not LIST_SLUG_RE.match(slug):
            raise ValueError(f"{where}: api_slug must match {LIST_SLUG_RE.pattern}")
        if slug in slugs:
            raise ValueError(f"{where}: two lists have the api_slug {slug!r}")
        slugs.add(slug)
        parent = raw.get("parent_object", PEOPLE)
        if isinstance(parent, list) and len(parent) == 1:
            parent = parent[0]  # the API's array form
        if parent not in SPECS:
            raise ValueError(f"{where}: parent_object must be one of " + ", ".join(SPECS))
        name = raw.get("name", slug_title(slug))
        if not isinstance(name, str) or not name:
            raise ValueError(f"{where}: name must be a non-empty string")
        attributes = raw.get("attributes", [])
        if not isinstance(attributes, list):
            raise ValueError(f"{where}: attributes must be a list")
        parsed, seen = [], set()
        for j, attr in enumerate(attributes):
            parsed.append(parse_list_attribute(attr, f"{where}.attributes[{j}]", seen))
        out.append({"api_slug": slug, "name": name, "parent_object": parent,
                    "attributes": parsed})
    return out


def parse_list_attribute(attr, where: str, seen: set) -> dict:
    if not isinstance(attr, dict) or set(attr) - LIST_ATTRIBUTE_KEYS:
        raise ValueError(f"{where} must be an object with keys among "
                         + ", ".join(sorted(LIST_ATTRIBUTE_KEYS)))
    slug, type_ = attr.get("api_slug"), attr.get("type")
    if not isinstance(slug, str) or not LIST_SLUG_RE.match(slug) or slug == "created_at":
        raise ValueError(f"{where}: api_slug must match {LIST_SLUG_RE.pattern} and not be "
                         "created_at (every list has that one)")
    if slug in seen:
        raise ValueError(f"{where}: two attributes have the api_slug {slug!r}")
    seen.add(slug)
    if type_ not in LIST_ATTRIBUTE_TYPES:
        raise ValueError(f"{where}: type must be one of " + ", ".join(LIST_ATTRIBUTE_TYPES))
    out = {"api_slug": slug, "title": attr.get("title", slug_title(slug)), "type": type_}
    if not isinstance(out["title"], str) or not out["title"]:
        raise ValueError(f"{where}: title must be a non-empty string")
    for key, default in (("is_multiselect", False), ("is_writable", True), ("is_archived", False)):
        out[key] = attr.get(key, default)
        if not isinstance(out[key], bool):
            raise ValueError(f"{where}: {key} must be a boolean")
    if type_ == "status" and out["is_multiselect"]:
        raise ValueError(f"{where}: a status attribute holds one status (is_multiselect false)")
    titles = set()
    for key, owner in (("options", "select"), ("archived_options", "select"),
                       ("statuses", "status"), ("archived_statuses", "status")):
        given = attr.get(key, [])
        if given and type_ != owner:  # [] is accepted: what GET /__mock/faults shows
            raise ValueError(f"{where}: {key} is for {owner} attributes")
        if not isinstance(given, list) or not all(isinstance(t, str) and t for t in given):
            raise ValueError(f"{where}: {key} must be a list of non-empty titles")
        if titles & set(given) or len(set(given)) != len(given):
            raise ValueError(f"{where}: a title appears twice")
        titles |= set(given)
        out[key] = list(given)
    currency = attr.get("currency", "USD" if type_ == "currency" else None)
    if attr.get("currency") is not None and type_ != "currency":
        raise ValueError(f"{where}: currency is for currency attributes")
    if currency is not None and (not isinstance(currency, str)
                                 or not re.match(r"^[A-Z]{3}$", currency)):
        raise ValueError(f"{where}: currency must be a three-letter code (\"EUR\")")
    target = attr.get("target")
    if (type_ == "record-reference") != (target is not None) or (target is not None
                                                                  and target not in SPECS):
        raise ValueError(f"{where}: a record-reference attribute (and only one) names its "
                         "target object: " + ", ".join(SPECS))
    out.update(currency=currency, target=target)
    return out


def load_lists(arg) -> list:
    """--lists: a JSON file, or the JSON itself (starting with "["); none: the defaults."""
    if arg is None:
        return parse_lists(DEFAULT_LISTS)
    text = arg
    if not arg.lstrip().startswith("["):
        try:
            with open(arg, encoding="utf-8") as f:
                text = f.read()
        except OSError as exc:
            raise ValueError(f"cannot read {arg}: {exc.strerror}") from None
    return parse_lists(json.loads(text))  # a JSONDecodeError is a ValueError


def match_list_route(method: str, path: str):
    """The list routes: a dict with endpoint, list (the path's slug or id), entry_id and
    slug, or None."""
    parts = path.strip("/").split("/")
    if parts[:2] != ["v2", "lists"]:
        return None
    rest = parts[2:]
    route = {"object": None, "record_id": None, "list": None, "entry_id": None, "slug": None}
    if not rest:
        return dict(route, endpoint="lists") if method == "GET" else None
    route["list"], tail = rest[0], rest[1:]
    if method == "GET":
        if not tail:
            return dict(route, endpoint="list_get")
        if tail == ["attributes"]:
            return dict(route, endpoint="list_attributes")
        if len(tail) == 3 and tail[0] == "attributes" and tail[2] in ("options", "statuses"):
            return dict(route, endpoint="list_" + tail[2], slug=tail[1])
    if tail == ["entries"] and method == "PUT":
        return dict(route, endpoint="list_entry_assert")
    if len(tail) == 2 and tail[0] == "entries":
        endpoint = {"PATCH": "list_entry_patch", "GET": "list_entry_get"}.get(method)
        if endpoint:
            return dict(route, endpoint=endpoint, entry_id=tail[1])
    return None


def list_not_found(ident: str, endpoint: str) -> ApiError:
    # Attio's reference words it two ways; the assert's page says "was not found".
    verb = "was not found" if endpoint == "list_entry_assert" else "not found"
    return ApiError(404, "invalid_request_error", "not_found", f'List with slug/ID "{ident}" {verb}.')


def entry_not_found(entry_id: str) -> ApiError:
    # Not in Attio's reference (its 404 example names the list); worded like records'.
    return ApiError(404, "invalid_request_error", "not_found", f'Entry with ID "{entry_id}" not found.')


def multiple_match_results() -> ApiError:
    # Attio's reference for the assert: 400 invalid_request_error/multiple_match_results
    # (the page's prose calls it "MULTIPLE_MATCH_RESULTS"), with this example message.
    return bad_request("Multiple entries were founds for the given parent record. Please remove "
                       "duplicates or use the update or create entry endpoints instead.",
                       "multiple_match_results")


class ListsMixin:
    """Lists, their attributes and their entries; mixed into MockState (same lock: every
    method here runs with `self.lock` held). Values, options and statuses go through
    RecordsMixin's code with the list's key ("lists/<slug>") where an object slug would be."""

    def reset_lists(self):
        # Entries per list key, in creation order, and two indexes: entry_id -> entry,
        # (list key, parent object, parent record id) -> [entries].
        self.list_entries: dict = {}
        self.rebuild_entry_indexes()
        self.lists_fingerprint = None  # the list table is rebuilt from the config on next use
        self.list_definitions = {}  # api_slug -> its definition (JSON) the choices were set from

    def rebuild_entry_indexes(self):
        self.entry_by_id = {}
        self.entries_by_parent = collections.defaultdict(list)
        for entries in self.list_entries.values():
            for entry in entries:
                self.entry_by_id[entry["entry_id"]] = entry
                self.entries_by_parent[self.parent_key(entry)].append(entry)

    @staticmethod
    def parent_key(entry: dict) -> tuple:
        return entry["list_key"], entry["parent_object"], entry["parent_record_id"]

    # -- configuration --------------------------------------------------------------

    def lists_table(self) -> dict:
        """The configured lists by api_slug, rebuilt when the config's "lists" changed. A
        list whose definition changed gets its configured options and statuses back (ones
        an admin added with POST /__mock/options are gone); the others keep theirs."""
        fingerprint = json.dumps(self.config["lists"], sort_keys=True)
        if fingerprint != self.lists_fingerprint:
            table, definitions = {}, {}
            for definition in self.config["lists"]:
                lst = self.build_list(definition)
                table[lst["api_slug"]] = lst
                definitions[lst["api_slug"]] = json.dumps(definition, sort_keys=True)
                if self.list_definitions.get(lst["api_slug"]) == definitions[lst["api_slug"]]:
                    continue
                for slug, spec in lst["attrs"].items():
                    if spec["type"] in ("select", "status"):
                        self.choices[(lst["key"], slug)] = [
                            {"title": t, "is_archived": a}
                            for t, a in (spec["options"] or spec["statuses"])]
            # A list configured away and back gets its configured choices again.
            self.list_definitions = definitions
            self.lists_by_slug = table
            self.lists_by_key = {lst["key"]: lst for lst in table.values()}
            self.lists_by_id = {lst["list_id"]: lst for lst in table.values()}
            self.lists_fingerprint = fingerprint
        return self.lists_by_slug

    @staticmethod
    def build_list(definition: dict) -> dict:
        attrs = {}
        for a in definition["attributes"]:
            spec = _attr(a["api_slug"], a["title"], a["type"], multi=a["is_multiselect"],
                         writable=a["is_writable"], archived=a["is_archived"],
                         currency=a["currency"], target=a["target"], options=a["options"],
                         archived_options=a["archived_options"], statuses=a["statuses"])
            spec["statuses"] += [(t, True) for t in a["archived_statuses"]]
            attrs[a["api_slug"]] = spec
        attrs["created_at"] = _attr("created_at", "Created at", "timestamp", writable=False,
                                    system=True)
        slug = definition["api_slug"]
        return {"api_slug": slug, "key": LIST_KEY_PREFIX + slug, "list_id": list_uuid(slug),
                "name": definition["name"], "parent_object": definition["parent_object"],
                "attrs": attrs}

    def find_list(self, ident):
        """A configured list by api_slug or id, else None."""
        table = self.lists_table()
        if not isinstance(ident, str):
            return None
        return table.get(ident) or self.lists_by_id.get(ident)

    def list_attribute_spec(self, key: str, slug: str) -> dict:
        return self.lists_by_key[key]["attrs"][slug]

    def resolve_list_attribute(self, lst: dict, ident: str):
        """An attribute of the list by api_slug or attribute id, else None."""
        if ident in lst["attrs"]:
            return ident
        return next((slug for slug in lst["attrs"]
                     if self.attribute_id(lst["key"], slug) == ident), None)

    def list_json(self, lst: dict) -> dict:
        return {"id": {"workspace_id": self.workspace_id, "list_id": lst["list_id"]},
                "api_slug": lst["api_slug"], "name": lst["name"],
                # An array: "some legacy lists may have multiple allowed parents".
                "parent_object": [lst["parent_object"]],
                "workspace_access": "full-access", "workspace_member_access": [],
                "created_by_actor": {"type": "system", "id": None},
                "created_at": iso_time(self.objects_created_at)}

    def list_attributes_json(self, lst: dict) -> list:
        return [self.attribute_json(lst["key"], slug) for slug in lst["attrs"]]

    # -- entries --------------------------------------------------------------------

    def parse_entry_values(self, lst: dict, values, lenient: bool = False) -> dict:
        """{slug or attribute id: values} -> {slug: [stored value objects]}, or ApiError(400),
        with the checks and coercion of object attributes (`lenient`, for the seed: archived
        and read-only attributes may hold values)."""
        if not isinstance(values, dict):
            raise bad_request('Body payload validation error: "data.entry_values" must be an object.')
        parsed = {}
        for ident, items in values.items():
            slug = self.resolve_list_attribute(lst, ident)
            if slug is None:
                raise slug_not_found(ident)
            spec = lst["attrs"][slug]
            if not lenient and spec["is_archived"]:
                raise slug_not_found(ident)
            if not lenient and not spec["is_writable"]:
                raise bad_request(
                    f'Cannot write to attribute with slug/ID "{ident}" because it is not writable.',
                    "immutable_value")
            parsed[slug] = self.coerce_values(lst["key"], spec, ident, items, lenient)
        return parsed

    def parent_object_of(self, lst: dict, given) -> str:
        """The object a body's parent_object (slug or object id) names; it must be the
        list's parent object. Neither answer is in Attio's reference: an unknown object
        answers like its create-a-list page (404), another object 400 validation_type."""
        obj = None
        if isinstance(given, str):
            obj = given if given in SPECS else next(
                (o for o, oid in self.object_ids.items() if oid == given), None)
        if obj is None or not self.object_active(obj):
            raise ApiError(404, "invalid_request_error", "not_found",
                           f'Parent object with slug/ID "{given}" not found.')
        if obj != lst["parent_object"]:
            raise bad_request(f'List "{lst["api_slug"]}" holds {lst["parent_object"]} records: '
                              f'a record of "{obj}" cannot be its parent.')
        return obj

    def parent_record(self, obj: str, record_id):
        record = self.find_record(obj, record_id)
        if record is None:
            # Attio's reference, for the create-an-entry endpoint (the assert's page lists
            # no answer for it): 400 value_not_found.
            raise bad_request(f'Parent record with slug/ID "{record_id}" not found.',
                              "value_not_found")
        return record

    def entries_of_parent(self, lst: dict, obj: str, record_id: str) -> list:
        return list(self.entries_by_parent.get((lst["key"], obj, record_id), ()))

    def find_entry(self, lst: dict, entry_id):
        entry = self.entry_by_id.get(entry_id) if isinstance(entry_id, str) else None
        return entry if entry is not None and entry["list_key"] == lst["key"] else None

    def new_entry(self, lst: dict, obj: str, record_id: str, now: float, origin: str,
                  entry_id: str = None) -> dict:
        entry = {"entry_id": entry_id or str(uuid.uuid4()), "list_key": lst["key"],
                 "parent_object": obj, "parent_record_id": record_id, "created_at": now,
                 "updated_at": now, "writes": 0, "values": {}, "origin": origin}
        self.list_entries.setdefault(lst["key"], []).append(entry)
        self.entry_by_id[entry["entry_id"]] = entry
        self.entries_by_parent[self.parent_key(entry)].append(entry)
        return entry

    def remove_entry(self, entry: dict):
        self.list_entries[entry["list_key"]].remove(entry)
        del self.entry_by_id[entry["entry_id"]]
        self.entries_by_parent[self.parent_key(entry)].remove(entry)

    def drop_entries_of(self, obj: str, record_id: str):
        """A deleted record's entries go with it (Attio deletes a record's list entries
        with it)."""
        for entry in [e for e in self.entry_by_id.values()
                      if (e["parent_object"], e["parent_record_id"]) == (obj, record_id)]:
            self.remove_entry(entry)

    def reparent_entries(self, obj: str, from_id: str, into_id: str):
        """A merge moves the merged-away record's entries to the record it was merged into
        (how Attio treats them is not documented; keeping them is the reading under which
        a person can end up with two entries in one list)."""
        for entry in [e for e in self.entry_by_id.values()
                      if (e["parent_object"], e["parent_record_id"]) == (obj, from_id)]:
            self.entries_by_parent[self.parent_key(entry)].remove(entry)
            entry["parent_record_id"] = into_id
            self.entries_by_parent[self.parent_key(entry)].append(entry)

    def write_entry(self, lst: dict, entry: dict, values: dict, now: float, mode: str):
        """mode "replace" (the assert, the seed): every attribute sent becomes exactly what
        was sent (a multiselect the list sent, [] clears). "patch": multiselect values not
        held yet are prepended, single values set. Values kept keep their active_from."""
        for slug, items in values.items():
            spec = lst["attrs"][slug]
            held = entry["values"].get(slug, [])
            if mode == "patch" and spec["is_multiselect"]:
                known = {value_key(spec, v) for v in held}
                fresh = []
                for item in items:
                    key = value_key(spec, item)
                    if key not in known:
                        known.add(key)
                        fresh.append(dict(item, _t=now))
                entry["values"][slug] = fresh + held
            else:
                since = {value_key(spec, v): v.get("_t", now) for v in held}
                entry["values"][slug] = [dict(item, _t=since.get(value_key(spec, item), now))
                                         for item in items]
        entry["updated_at"] = now
        entry["writes"] += 1

    def assert_entry(self, lst: dict, data: dict, now: float) -> dict:
        """PUT /v2/lists/{list}/entries: the parent's one entry is updated, none: one is
        created, several: 400 multiple_match_results (nothing changes)."""
        obj = self.parent_object_of(lst, data["parent_object"])
        record = self.parent_record(obj, data["parent_record_id"])
        values = self.parse_entry_values(lst, data["entry_values"])
        found = self.entries_of_parent(lst, obj, record["record_id"])
        if len(found) > 1:
            raise multiple_match_results()
        entry = found[0] if found else self.new_entry(lst, obj, record["record_id"], now, "api")
        self.write_entry(lst, entry, values, now, "replace")
        return entry

    def entry_read(self, lst: dict, entry: dict) -> dict:
        """An entry in Attio's read shape: entry_values has every current (non-archived)
        attribute of the list, each an array of value objects as records' values are."""
        values = {}
        for slug, spec in lst["attrs"].items():
            if spec["is_archived"]:
                continue
            if slug == "created_at":
                items = [{"value": timestamp_value(datetime.datetime.fromtimestamp(
                    entry["created_at"], datetime.timezone.utc)), "_t": entry["created_at"]}]
            else:
                items = entry["values"].get(slug, [])
            values[slug] = [self.read_value(lst["key"], spec, item, entry) for item in items]
        return {"id": {"workspace_id": self.workspace_id, "list_id": lst["list_id"],
                       "entry_id": entry["entry_id"]},
                "parent_record_id": entry["parent_record_id"],
                "parent_object": entry["parent_object"],
                "created_at": iso_time(entry["created_at"]),
                "entry_values": values}

    # -- control --------------------------------------------------------------------

    def entries_json(self, lst: dict) -> list:
        """/__mock/lists/{list}/entries: every entry of the list in creation order, with its
        parent's readable identity and its values in stored form (attribute slugs)."""
        out = []
        for entry in self.list_entries.get(lst["key"], []):
            out.append({
                "entry_id": entry["entry_id"],
                "list": lst["api_slug"],
                "list_id": lst["list_id"],
                "parent_object": entry["parent_object"],
                "parent_record_id": entry["parent_record_id"],
                "parent": self.reference_json(entry["parent_object"], entry["parent_record_id"]),
                "created_at": iso_time(entry["created_at"]),
                "updated_at": iso_time(entry["updated_at"]),
                "writes": entry["writes"],
                "origin": entry["origin"],
                "values": {k: public_items(v) for k, v in entry["values"].items()},
            })
        return out

    def lists_summary(self) -> list:
        return [{"api_slug": lst["api_slug"], "list_id": lst["list_id"], "name": lst["name"],
                 "parent_object": lst["parent_object"],
                 "attributes": list(lst["attrs"]),
                 "entries": len(self.list_entries.get(lst["key"], []))}
                for lst in self.lists_table().values()]

    def seed_list_entries(self, items) -> list:
        """POST /__mock/seed's "list_entries" (after the records of the same request):
        [{"list", "parent_record_id" or "parent", "parent_object"?, "values"?, "entry_id"?}].
        Unlike the API it may give one parent several entries."""
        if not isinstance(items, list):
            raise ValueError("list_entries must be a list")
        out, now = [], time.time()
        for index, item in enumerate(items):
            where = f"list_entries[{index}]"
            if not isinstance(item, dict) or set(item) - {"list", "parent_record_id", "parent",
                                                          "parent_object", "values", "entry_id"}:
                raise ValueError(f'{where} must be {{"list", "parent_record_id" or "parent", '
                                 '"parent_object"?, "values"?, "entry_id"?}')
            lst = self.find_list(item.get("list"))
            if lst is None:
                raise ValueError(f"{where}: no list {item.get('list')!r} is configured")
            if ("parent_record_id" in item) == ("parent" in item):
                raise ValueError(f'{where}: give "parent_record_id" or "parent" (an email, a '
                                 'domain or a reference object)')
            try:
                obj = self.parent_object_of(lst, item.get("parent_object", lst["parent_object"]))
                if "parent" in item:
                    ref = self.resolve_reference({"target": obj}, "parent", item["parent"])
                    record_id = ref["target_record_id"]
                else:
                    record_id = self.parent_record(obj, item["parent_record_id"])["record_id"]
                values = self.parse_entry_values(lst, item.get("values", {}), lenient=True)
            except ApiError as err:
                raise ValueError(f"{where}: {err.message}") from None
            values.pop("created_at", None)
            entry_id = item.get("entry_id")
            entry = self.entry_by_id.get(entry_id) if isinstance(entry_id, str) else None
            if entry_id is not None and (not isinstance(entry_id, str) or not entry_id):
                raise ValueError(f"{where}: entry_id must be a non-empty string")
            if entry is not None:
                # Editing an entry (a user changing a value in the app): the values given
                # replace the entry's; its list and parent stay.
                if entry["list_key"] != lst["key"] or \
                        (entry["parent_object"], entry["parent_record_id"]) != (obj, record_id):
                    raise ValueError(f"{where}: entry {entry_id} has another list or parent")
            else:
                entry = self.new_entry(lst, obj, record_id, now, "seed", entry_id)
            writes = entry["writes"]
            self.write_entry(lst, entry, values, now, "replace")
            entry["writes"] = writes  # a seed is not an API write
            out.append({"entry_id": entry["entry_id"], "list": lst["api_slug"],
                        "parent_record_id": record_id})
        return out

    def lists_stats(self) -> dict:
        by_endpoint = collections.Counter(r["endpoint"] for r in self.requests
                                          if r["endpoint"] in LIST_ENDPOINTS)
        return {"list_entry_asserts": by_endpoint["list_entry_assert"],
                "list_entry_patches": by_endpoint["list_entry_patch"],
                "list_entries": len(self.entry_by_id)}



# --------------------------------------------------------------------------- state


class MockState(ListsMixin, RecordsMixin):
    """Everything the server remembers. All fields are guarded by `lock`."""

    def __init__(self, cli):
        self.cli = cli
        self.lock = threading.Lock()
        self.workspace_id = str(uuid.uuid4())
        self.object_id = str(uuid.uuid4())
        self.attribute_ids = {a[0]: str(uuid.uuid4()) for a in BASE_ATTRIBUTES}
        self.init_schema()
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
        self.reset_records()
        self.reset_lists()

    # -- attributes, honouring rename / archive / not_writable --------------------

    def current_slug(self, original: str) -> str:
        return self.config["rename"].get(original, original)

    def resolve_slug(self, slug: str):
        """Map a slug as a client sends it to the original attribute, or None."""
        for original in ATTRIBUTE_BY_SLUG:
            if self.current_slug(original) == slug:
                return original if self.attribute_visible(PEOPLE, original) else None
        return None

    def attribute_list(self) -> list:
        # Every people attribute (the original seven first), honouring rename/archive/
        # not_writable; see RecordsMixin.attribute_json for the shape.
        return self.attributes_json(PEOPLE)

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

        # Unknown, renamed-away or archived slugs, read-only ones, then each value by type
        # (the original seven keep their strict object-only checks).
        parsed = self.parse_values(PEOPLE, values)

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
        """Store with Attio's semantics; return the person (see RecordsMixin.assert_record)."""
        return self.assert_record(PEOPLE, values, now)

    def record_json(self, person: dict) -> dict:
        """The API's view of a person (current slugs, Attio's read shape)."""
        return {"data": self.record_read(PEOPLE, person)}

    def people_json(self) -> list:
        return self.records_json(PEOPLE)

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
            **self.records_stats(),
            **self.lists_stats(),
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
        self.pad_bytes = 0  # a "padding" member of this many bytes (a rule's pad_bytes)


class RecordsHandlerMixin:
    """The HTTP side of the record routes and of their control routes (mixed into Handler)."""

    def records_reply(self, endpoint, body, body_error) -> Reply:
        state: MockState = self.server.state
        route = self.route
        obj = route["object"]
        # The endpoint without its object's prefix: "company_get" and "user_get" are "get".
        kind = endpoint[len(ENDPOINT_PREFIX[obj]):] if obj and \
            endpoint.startswith(ENDPOINT_PREFIX[obj]) else endpoint
        with state.lock:
            now = time.time()
            try:
                if obj is not None and not state.object_active(obj):
                    raise object_not_activated(obj)
                if endpoint == "objects":
                    return Reply(200, {"data": [state.object_json(o) for o in SPECS
                                                if state.object_active(o)]})
                if endpoint == "object":
                    return Reply(200, {"data": state.object_json(obj)})
                if kind == "attributes":
                    return Reply(200, {"data": state.attributes_json(obj)})
                if endpoint in ("options", "statuses"):
                    return self.choices_reply(state, obj, route["slug"], endpoint)
                if kind == "get":
                    record = state.find_record(obj, route["record_id"])
                    if record is None:
                        raise record_not_found(route["record_id"])
                    return self.record_answer(state, obj, record)
                self.require_json_body(body, body_error)
                if kind == "query":
                    found = state.query(obj, body)
                    if obj == PEOPLE and not found:
                        state.fire_races("query", filter_emails(body.get("filter")), now)
                    self.answered_record_ids = [r["record_id"] for r in found]
                    return Reply(200, {"data": [state.record_read(obj, r) for r in found]})
                if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
                    raise bad_request('Body payload validation error: expected {"data": {"values": {...}}}.')
                if kind == "assert":  # companies, users, workspaces (people's is the original)
                    matching = parse_qs(self.route_query).get("matching_attribute", [None])[0]
                    if not matching:
                        raise bad_request('The query parameter "matching_attribute" is required.',
                                          "missing_value")
                    original = state.resolve(obj, matching)
                    if original is None:
                        raise slug_not_found(matching)
                    # Any unique attribute: companies' domains, users' user_id or
                    # primary_email_address, workspaces' workspace_id.
                    if not SPECS[obj][original]["is_unique"]:
                        raise bad_request(
                            f'Attribute "{matching}" cannot be used as a matching attribute: '
                            "only unique attributes can be used.", "invalid_matching_attribute")
                    values = state.parse_values(obj, body["data"].get("values"))
                    if not values.get(original):
                        raise bad_request(f'The matching attribute "{matching}" must be given at '
                                          "least one value.", "missing_value")
                    record = state.assert_record(obj, values, now, original)
                    return self.record_answer(state, obj, record)
                values = state.parse_values(obj, body["data"].get("values"))
                if kind == "create":
                    if obj == PEOPLE:
                        state.fire_races("create", [v["email_address"] for v in
                                                    values.get(MATCHING_ATTRIBUTE, [])], now)
                    state.check_unique(obj, None, values)
                    state.check_required(obj, None, values)
                    record = state.new_record(obj, now, "api")
                    state.write_record(obj, record, values, now, "replace")
                    return self.record_answer(state, obj, record)
                record = state.find_record(obj, route["record_id"])
                if record is None:
                    raise record_not_found(route["record_id"])
                state.check_unique(obj, record, values)
                state.check_required(obj, record, values)
                mode = "patch" if kind == "patch" else "replace"
                state.write_record(obj, record, values, now, mode)
                return self.record_answer(state, obj, record)
            except ApiError as err:
                return error_reply(err)

    def record_answer(self, state, obj, record) -> Reply:
        self.answered_record_ids = [record["record_id"]]
        return Reply(200, {"data": state.record_read(obj, record)})

    def choices_reply(self, state, obj, slug, endpoint) -> Reply:
        original = state.resolve(obj, slug)
        if original is None:
            raise ApiError(404, "invalid_request_error", "not_found",
                           f'Attribute with slug/ID "{slug}" not found.')
        wanted = "select" if endpoint == "options" else "status"
        if SPECS[obj][original]["type"] != wanted:
            raise bad_request(f'Attribute "{slug}" is not a {wanted} attribute.')
        show_archived = parse_qs(self.route_query).get("show_archived", ["false"])[0] == "true"
        reply = Reply(200, {"data": [
            state.choice_json(obj, original, c) for c in state.choices[(obj, original)]
            if show_archived or not c["is_archived"]]})
        state.choices_read(obj, original)
        return reply

    def control_records(self, route, raw: bytes):
        """Control routes of the record model; None when the route is not one of them.
        Called with the state lock held."""
        state: MockState = self.server.state
        method, path = route
        try:
            parts = path.split("/")  # "", "__mock", object[, record id]
            if method == "GET" and len(parts) == 3 and parts[2] in SPECS and parts[2] != PEOPLE:
                return Reply(200, state.records_json(parts[2]))  # companies, users, workspaces
            if route == ("GET", "/__mock/race"):
                return Reply(200, json.loads(json.dumps(state.races)))
            if method == "DELETE" and len(parts) == 4 and parts[2] in SPECS:
                obj = parts[2]
                record = state.find_record(obj, parts[3])
                if record is None:
                    return Reply(404, {"error": "no such record"})
                state.remove_record(obj, record)
                return Reply(200, {"ok": True, "record_id": record["record_id"]})
            if method != "POST" or path not in ("/__mock/seed", "/__mock/race", "/__mock/options",
                                                "/__mock/merge"):
                return None
            body = json.loads(raw.decode("utf-8") or "{}")
            if path == "/__mock/seed":
                return Reply(200, state.seed(body))
            if path == "/__mock/merge":
                return Reply(200, state.merge(body))
            if path == "/__mock/options":
                return Reply(200, state.add_choice(body))
            # /__mock/race
            if not isinstance(body, dict) or set(body) - {"email", "values", "trigger"}:
                raise ValueError('body must be {"email", "values"?, "trigger"?: "query"|"create"}')
            email_ = body.get("email")
            trigger = body.get("trigger", "query")
            if not isinstance(email_, str) or trigger not in ("query", "create"):
                raise ValueError('email must be a string, trigger "query" or "create"')
            raw_values = dict(body.get("values") or {})
            raw_values.setdefault("email_addresses", [email_])
            try:
                values = state.parse_values(PEOPLE, raw_values, lenient=True, check_writable=False)
            except ApiError as err:
                raise ValueError(err.message) from None
            if email_.lower() not in {v["email_address"].lower() for v in values[MATCHING_ATTRIBUTE]}:
                values[MATCHING_ATTRIBUTE].append({"email_address": email_})
            state.races.append({"email": email_, "trigger": trigger, "values": values,
                                "fired": False, "record_id": None})
            return Reply(200, json.loads(json.dumps(state.races)))
        except (ValueError, UnicodeDecodeError) as exc:
            return Reply(400, {"error": str(exc)})


class ListsHandlerMixin:
    """The HTTP side of the list routes and of their control routes (mixed into Handler)."""

    def lists_reply(self, endpoint, body, body_error) -> Reply:
        state: MockState = self.server.state
        route = self.route
        with state.lock:
            now = time.time()
            try:
                table = state.lists_table()
                if endpoint == "lists":
                    return Reply(200, {"data": [state.list_json(lst) for lst in table.values()]})
                lst = state.find_list(route["list"])
                if lst is None:
                    raise list_not_found(route["list"], endpoint)
                if endpoint == "list_get":
                    return Reply(200, {"data": state.list_json(lst)})
                if endpoint == "list_attributes":
                    return Reply(200, {"data": state.list_attributes_json(lst)})
                if endpoint in ("list_options", "list_statuses"):
                    return self.list_choices_reply(state, lst, route["slug"], endpoint)
                if endpoint == "list_entry_get":
                    entry = state.find_entry(lst, route["entry_id"])
                    if entry is None:
                        raise entry_not_found(route["entry_id"])
                    return self.entry_answer(state, lst, entry)
                self.require_json_body(body, body_error)
                data = body.get("data") if isinstance(body, dict) else None
                if not isinstance(data, dict):
                    raise bad_request('Body payload validation error: expected {"data": {...}}.')
                if endpoint == "list_entry_assert":
                    for key, kind in (("parent_record_id", str), ("parent_object", str),
                                      ("entry_values", dict)):
                        if not isinstance(data.get(key), kind):
                            raise bad_request(f'Body payload validation error: "data.{key}" is '
                                              f"required ({'an object' if kind is dict else 'a string'}).")
                    extra = set(data) - {"parent_record_id", "parent_object", "entry_values"}
                    if extra:
                        raise bad_request("Body payload validation error: unknown key(s) "
                                          + ", ".join(f'"data.{k}"' for k in sorted(extra)) + ".")
                    return self.entry_answer(state, lst, state.assert_entry(lst, data, now))
                # list_entry_patch: {"data": {"entry_values": {...}}}, nothing else.
                extra = set(data) - {"entry_values"}
                if extra & {"parent_record_id", "parent_object"}:
                    raise bad_request("The parent record for a list entry cannot be updated once "
                                      "created.", "immutable_value")  # Attio's reference
                if extra:
                    raise bad_request("Body payload validation error: unknown key(s) "
                                      + ", ".join(f'"data.{k}"' for k in sorted(extra)) + ".")
                if not isinstance(data.get("entry_values"), dict):
                    raise bad_request('Body payload validation error: "data.entry_values" is '
                                      "required (an object).")
                values = state.parse_entry_values(lst, data["entry_values"])
                entry = state.find_entry(lst, route["entry_id"])
                if entry is None:
                    raise entry_not_found(route["entry_id"])
                state.write_entry(lst, entry, values, now, "patch")
                return self.entry_answer(state, lst, entry)
            except ApiError as err:
                return error_reply(err)

    def entry_answer(self, state, lst, entry) -> Reply:
        self.answered_entry_ids = [entry["entry_id"]]
        return Reply(200, {"data": state.entry_read(lst, entry)})

    def require_json_body(self, body, body_error):
        """A write's body must be JSON, sent as such (Attio's 400s otherwise)."""
        content_type = self.headers.get("Content-Type", "")
        if content_type.split(";")[0].strip().lower() != "application/json":
            raise bad_request('Content-Type must be "application/json".')
        if body_error is not None or body is None:
            raise bad_request("Body payload validation error: the body is not valid JSON.")

    def list_choices_reply(self, state, lst, ident, endpoint) -> Reply:
        slug = state.resolve_list_attribute(lst, ident)
        if slug is None:
            raise ApiError(404, "invalid_request_error", "not_found",
                           f'Attribute with slug/ID "{ident}" not found.')
        wanted = "select" if endpoint == "list_options" else "status"
        if lst["attrs"][slug]["type"] != wanted:
            # Attio's reference words it so for lists and objects alike.
            raise bad_request(f"This attribute is not a {wanted} attribute.")
        show_archived = parse_qs(self.route_query).get("show_archived", ["false"])[0] == "true"
        # In their configured order (admin-added ones last): --forward-only relies on it.
        reply = Reply(200, {"data": [
            state.choice_json(lst["key"], slug, c) for c in state.choices[(lst["key"], slug)]
            if show_archived or not c["is_archived"]]})
        state.choices_read(lst["key"], slug)
        return reply

    def control_lists(self, route, raw: bytes):
        """GET /__mock/lists, GET /__mock/lists/{list}/entries, DELETE
        /__mock/lists/{list}/entries/{entry_id}; None when the route is not one of them.
        Called with the state lock held."""
        state: MockState = self.server.state
        method, path = route
        parts = path.split("/")  # "", "__mock", "lists"[, list, "entries"[, entry id]]
        if parts[2:3] != ["lists"]:
            return None
        if method == "GET" and len(parts) == 3:
            return Reply(200, state.lists_summary())
        if len(parts) < 5 or parts[4] != "entries":
            return None
        lst = state.find_list(parts[3])
        if lst is None:
            return Reply(404, {"error": f"no list {parts[3]!r} is configured"})
        if method == "GET" and len(parts) == 5:
            return Reply(200, state.entries_json(lst))
        if method == "DELETE" and len(parts) == 6:
            entry = state.find_entry(lst, parts[5])
            if entry is None:
                return Reply(404, {"error": "no such entry"})
            state.remove_entry(entry)
            return Reply(200, {"ok": True, "entry_id": entry["entry_id"]})
        return None


class Handler(ListsHandlerMixin, RecordsHandlerMixin, BaseHTTPRequestHandler):
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
        body = reply.body if reply.body is not None else {}
        if reply.pad_bytes and isinstance(body, dict):
            body = dict(body, padding="x" * reply.pad_bytes)
        payload = json.dumps(body).encode("utf-8")
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
        # The record routes (query, GET/PATCH/PUT by id, create, companies, schema).
        self.route, self.route_query, self.answered_record_ids = None, split.query, None
        self.answered_entry_ids = None
        if endpoint is None:
            self.route = match_route(method, path) or match_list_route(method, path)
            endpoint = self.route["endpoint"] if self.route else None

        body, body_error = None, None
        if raw:
            try:
                body = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                body, body_error = raw.decode("utf-8", "replace"), str(exc)
        emails = emails_in(body) if endpoint == "assert" else []
        if endpoint in ("create", "patch", "put_record"):
            emails = emails_in(body)
        elif endpoint == "query" and isinstance(body, dict):
            emails = filter_emails(body.get("filter"))
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
            record.update(object=(self.route or {}).get("object") or (PEOPLE if endpoint == "assert" else None),
                          record_id=(self.route or {}).get("record_id"))
            if endpoint in LIST_ENDPOINTS:  # the list (as the path names it) and entry id
                record.update(list=self.route["list"], entry_id=self.route["entry_id"])
            # Fault rules' "email" (and the per-person concurrency) also match a by-id request
            # for a person holding the address.
            emails = emails + state.route_emails(self.route)
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
            person_keys = state.person_enter(endpoint, emails, self.route)

            parts = path.strip("/").split("/")
            if endpoint is None:
                if parts[:2] == ["v2", "objects"] and len(parts) > 2 \
                        and parts[2] in OPTIONAL_OBJECTS and not state.object_active(parts[2]):
                    decided = error_reply(object_not_activated(parts[2]))
                elif path in (ASSERT_PATH, SELF_PATH, ATTRIBUTES_PATH):
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
                needed = scopes_needed(endpoint)
                missing = [s for s in needed if not scopes_grant(scopes, s)]
                if missing:
                    decided = error_reply(ApiError(
                        403, "auth_error", "forbidden",
                        "The access token is missing the required scope(s): " + " ".join(missing) + "."))

            if decided is None and endpoint in WRITE_ENDPOINTS | READ_ENDPOINTS:
                # Writes (every assert, create, PATCH, PUT) share one budget, reads another.
                free_at = state.admit_write(now) if endpoint in WRITE_ENDPOINTS else state.admit_read(now)
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
        if rule is not None and rule["pad_bytes"] and not reply.drop:
            reply.pad_bytes = rule["pad_bytes"]

        # Leave the in-flight set *before* sending: a client that sends the next write for
        # the same address as soon as it reads this answer must not be seen overlapping.
        with state.lock:
            record["completed"] = time.time()
            record["status"] = None if reply.drop else reply.status
            record["dropped"] = reply.drop
            if self.answered_record_ids is not None and not reply.drop and reply.status == 200:
                record["answered_record_ids"] = self.answered_record_ids
            if self.answered_entry_ids is not None and not reply.drop and reply.status == 200:
                record["answered_entry_ids"] = self.answered_entry_ids
            if endpoint == "assert" and generation == state.generation:
                state.in_flight -= 1
                if email_key:
                    state.in_flight_by_email[email_key] -= 1
            if generation == state.generation:
                state.person_leave(person_keys)
        if not self.send_reply(reply):
            with state.lock:
                record["client_gone"] = True

    def normal_reply(self, endpoint, split, body, body_error) -> Reply:
        state: MockState = self.server.state
        if endpoint in LIST_ENDPOINTS:
            return self.lists_reply(endpoint, body, body_error)
        if endpoint in RECORD_ENDPOINTS:
            return self.records_reply(endpoint, body, body_error)
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
                self.require_json_body(body, body_error)
                values = state.validate_assert(parse_qs(split.query), body)
            except ApiError as err:
                return error_reply(err)
            try:
                person = state.apply_assert(values, time.time())
            except ApiError as err:
                return error_reply(err)
            self.answered_record_ids = [person["record_id"]]
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
        message = rule["message"] or message
        if rule["echo_headers"]:
            # What a careless server or gateway does: the request's headers, the
            # Authorization header included, repeated in the error.
            message += " Request headers: " + "; ".join(f"{k}: {v}" for k, v in self.headers.items())
        err = ApiError(status, rule["type"] or type_, rule["code"] or code, message)
        headers = {}
        retry_after = rule["retry_after"]
        if retry_after is ...:  # not given: 429 gets the usual "next whole second"
            if status == 429:
                skew = self.server.state.config["skew_seconds"]
                headers["Retry-After"] = http_date(math.floor(time.time() + skew) + 1)
        elif retry_after is not None:  # null: deliberately no Retry-After
            headers["Retry-After"] = retry_after
        body = err.body()
        if rule["echo_headers"]:
            body["request_headers"] = dict(self.headers.items())
        return Reply(status, body, headers, omit_date=rule["omit_date"])

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
            extra = self.control_records(route, raw)
            if extra is None:
                extra = self.control_lists(route, raw)
            if extra is not None:
                return extra
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
                   help="admitted writes (asserts, creates, PATCHes, PUTs, list entry writes) "
                        "per sliding second; 0 disables the limit (default 25)")
    p.add_argument("--read-rate", type=int, default=100,
                   help="admitted reads (record queries and GETs, schema GETs, list GETs) per "
                        "sliding second; 0 disables the limit (default 100)")
    p.add_argument("--latency-ms", type=float, default=0,
                   help="delay before answering every API request (default 0)")
    p.add_argument("--scopes", default=DEFAULT_SCOPES, help="space-separated token scopes")
    p.add_argument("--objects", default="",
                   help='optional objects an admin has activated: "users", "workspaces" or '
                        '"users,workspaces" (default: neither, as in a new Attio workspace)')
    p.add_argument("--lists", default=None,
                   help="the workspace's lists: a JSON file, or the JSON itself, a list of list "
                        "definitions (see README.md, Lists); default: trials, inbound_leads "
                        "and key_accounts")
    p.add_argument("--verbose", action="store_true", help="log requests and errors to stderr")
    return p.parse_args(argv)


def main(argv=None) -> int:
    cli = parse_args(argv)
    try:
        cli.objects = parse_objects(cli.objects)
    except ValueError as exc:
        sys.stderr.write(f"mock_attio: --objects: {exc}\n")
        return 2
    try:
        cli.lists = load_lists(cli.lists)
    except ValueError as exc:
        sys.stderr.write(f"mock_attio: --lists: {exc}\n")
        return 2
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
