#!/usr/bin/env python3
"""Throughput / memory benchmark of attio-pipe against two peers.

    python3 scripts/benchmark.py [--stream mixed|identify-heavy|distinct-identify]
                                 [--events 1000000] [--visitors 50000] [--seed 1]
                                 [--out bench-out] [--skip-jq] [--jq-events 200000]
                                 [--runs 3] [--binary PATH]

1. Generates (deterministically; reused when already present with the same
   parameters) a realistic Segment-spec NDJSON stream into OUT/. `--stream`:
   - `mixed` (default): mostly `page` and commerce/UI `track` events with a
     browser `context`, some `identify` calls and identity-bearing tracks
     (Signed Up, Logged In, Lead Generated), aliases, userIds linked to
     anonymousIds, ~550 bytes per line on average;
   - `identify-heavy`: the same site, but about 8% `identify` calls with names
     and phones (a fifth of the phones not normalisable) and non-ASCII,
     upper-case emails, and about 14% eligible events;
   - `distinct-identify`: one `identify` per visitor (`--visitors` is set to
     `--events`): email, names, phone, job title; the memory-per-visitor case.
2. Builds attio-pipe (`swift build -c release`) unless --binary is given.
3. Runs, each in its own subprocess with stdout redirected to a file:
     attio-pipe build --quiet FILE           (best of --runs)
     python3 scripts/peers/attio_pipe_orjson.py < FILE   (best of --runs)
     jq -c -n -f scripts/peers/attio_pipe.jq < PREFIX    (1 run on the first
        --jq-events events, throughput extrapolated to the whole file)
   Wall time via time.perf_counter(), peak RSS via os.wait4() -> ru_maxrss,
   both taken in a minimal launcher process (see _LAUNCHER for why).
4. Compares outputs (attio-pipe vs Python line for line; jq vs Python on the
   jq prefix), checks memory flatness (attio-pipe on the first 10% vs the
   whole file) and prints a Markdown table, also written to OUT/results-STREAM.md.

Python 3 standard library only (the peers need orjson and jq).
"""

import argparse
import itertools
import json
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import time
import unicodedata

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(SCRIPT_DIR)
PY_PEER = os.path.join(SCRIPT_DIR, "peers", "attio_pipe_orjson.py")
JQ_PEER = os.path.join(SCRIPT_DIR, "peers", "attio_pipe.jq")
GENERATOR_VERSION = 4  # bump when the generator's output changes


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Stream generator
# --------------------------------------------------------------------------

FIRST_NAMES = [
    "Ada", "Grace", "Alan", "Linus", "Margaret", "Ken", "Barbara", "Dennis",
    "Frances", "Edsger", "Radia", "Tim", "Hedy", "John", "Katherine", "Donald",
    "Sophie", "Liam", "Olivia", "Noah", "Emma", "Lucas", "Mia", "Ethan", "Amelia",
    "Mateo", "Isla", "Leo", "Chloe", "Oscar", "Hannah", "Arjun", "Priya", "Wei",
    "Yuki", "Fatima", "Omar", "Ines", "Lars", "Freya", "Diego", "Camila",
    "José", "Zoë", "Chloé", "Søren", "Łukasz", "Ümit", "François", "Björn",
    "Anaïs", "Renée", "Mary Jane", "Jean-Luc", "Sean", "Aoife", "Kofi", "Amara",
]
LAST_NAMES = [
    "Lovelace", "Hopper", "Turing", "Torvalds", "Hamilton", "Thompson", "Liskov",
    "Ritchie", "Allen", "Dijkstra", "Perlman", "Berners-Lee", "Lamarr", "Backus",
    "Johnson", "Knuth", "Martin", "Smith", "Brown", "Wilson", "Taylor", "Clarke",
    "Patel", "Sharma", "Chen", "Tanaka", "Haddad", "Nielsen", "Larsen", "Rossi",
    "Silva", "Santos", "García", "Müller", "Schäfer", "Dubois", "Nowak", "Kowalski",
    "O'Brien", "van der Berg", "de la Cruz", "Nguyễn", "Okafor", "Mensah", "Ivanova",
    "Johansson", "Fernández", "Costa", "Murphy", "Kelly", "Yilmaz", "Novak",
]
FREE_DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "proton.me",
                "icloud.com", "gmx.de", "yahoo.co.uk", "orange.fr"]
COMPANY_DOMAINS = ["acme.io", "globex.com", "initech.co", "umbrella-corp.com",
                   "hooli.xyz", "piedpiper.net", "stark-industries.com",
                   "wayne-enterprises.co.uk", "cyberdyne.ai", "soylent.org",
                   "tyrell.io", "wonka.com.au", "aperture-science.dev"]
COMPANIES = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Pied Piper",
             "Stark Industries", "Wayne Enterprises", "Cyberdyne", "Soylent",
             "Tyrell", "Wonka", "Aperture Science"]
TITLES = ["Senior Developer", "Software Engineer", "Head of Growth", "CTO", "CEO",
          "Founder & CEO", "Product Manager", "Marketing Lead", "Data Scientist",
          "VP Sales", "Account Executive", "Designer", "Staff Engineer",
          "Customer Success Manager", "Head of Operations", "Analyst", "COO",
          "Engineering Manager", "Growth Marketer", "Sales Development Rep"]
INVALID_EMAILS = ["n/a", "john@localhost", "jane.doe@gmail", "bob @example.com",
                  "@example.com", "test@@example.com", "none", "foo@bar..com",
                  "mary@example.com.", "user@ example.org"]
INVALID_PHONES = ["n/a", "12345", "555-0100", "call me", "+0 123 456", "0"]
# Local parts people type with their own letters (identify-heavy stream).
UNICODE_LOCALS = ["ÉLODIE.DURAND", "Jürgen.Müller", "ZOË", "SØREN.Ø", "ŁUKASZ.NOWAK",
                  "Ümit.Yılmaz", "FRANÇOIS", "Anaïs.Renée", "BJÖRN", "José.García"]
# (country calling code, national number length, grouping used for display)
PHONE_PLANS = [("1", 10, (3, 3, 4)), ("1", 10, (3, 3, 4)), ("1", 10, (3, 3, 4)),
               ("44", 10, (2, 4, 4)), ("49", 11, (3, 4, 4)), ("33", 9, (1, 2, 2, 2, 2)),
               ("55", 11, (2, 5, 4)), ("91", 10, (5, 5)), ("61", 9, (1, 4, 4)),
               ("34", 9, (3, 3, 3)), ("31", 9, (1, 4, 4)), ("81", 10, (2, 4, 4))]
LEAD_SOURCES = ["webinar", "contact_form", "ebook_download", "Demo Request",
                "Pricing Page", "partner_referral", "trade_show", "newsletter",
                "Free Trial", "linkedin_ad"]
USER_AGENTS = [
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:126.0) Gecko/20100101 Firefox/126.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.179 Mobile Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80",
    "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:126.0) Gecko/20100101 Firefox/126.0",
]
LOCALES = [("en-US", "America/New_York"), ("en-US", "America/Los_Angeles"),
           ("en-US", "America/Chicago"), ("en-GB", "Europe/London"),
           ("de-DE", "Europe/Berlin"), ("fr-FR", "Europe/Paris"),
           ("es-ES", "Europe/Madrid"), ("pt-BR", "America/Sao_Paulo"),
           ("ja-JP", "Asia/Tokyo"), ("en-IN", "Asia/Kolkata"),
           ("en-AU", "Australia/Sydney"), ("nl-NL", "Europe/Amsterdam")]
REFERRERS = ["https://www.google.com/", "https://www.google.com/", "https://www.bing.com/",
             "https://duckduckgo.com/", "https://t.co/", "https://www.linkedin.com/",
             "https://news.ycombinator.com/", "https://www.reddit.com/r/startups/",
             "https://www.facebook.com/"]
CAMPAIGNS = [
    {"name": "spring_sale", "source": "google", "medium": "cpc", "term": "crm for startups"},
    {"name": "newsletter_2024_06", "source": "newsletter", "medium": "email"},
    {"name": "retargeting_q2", "source": "facebook", "medium": "paid_social", "content": "carousel_b"},
    {"name": "launch_week", "source": "twitter", "medium": "social"},
    {"name": "partner_webinar", "source": "linkedin", "medium": "paid_social", "content": "video"},
]
PRODUCTS = [
    ("p-1001", "Everyday Backpack", "Bags", "Northfold", 89.0),
    ("p-1002", "Trail Runner 3", "Shoes", "Stride", 129.95),
    ("p-1003", "Merino Crew Sweater", "Apparel", "Woolly", 74.5),
    ("p-1004", "Insulated Bottle 750ml", "Accessories", "Hydra", 32.0),
    ("p-1005", "Noise Cancelling Headphones", "Electronics", "Sonance", 249.0),
    ("p-1006", "Desk Lamp Pro", "Home", "Lumen", 59.99),
    ("p-1007", "Rain Shell Jacket", "Apparel", "Northfold", 159.0),
    ("p-1008", "Ceramic Pour-Over Set", "Kitchen", "Kettle & Co", 45.0),
    ("p-1009", "Wireless Charger Duo", "Electronics", "Voltix", 39.99),
    ("p-1010", "Yoga Mat 6mm", "Fitness", "Asana", 55.0),
    ("p-1011", "Weekender Duffel", "Bags", "Northfold", 139.0),
    ("p-1012", "Smart Scale", "Fitness", "Voltix", 79.0),
]
SITE = "https://www.acme-shop.com"
PAGES = [
    ("/", "Acme Shop | Everyday gear", None),
    ("/pricing", "Pricing | Acme Shop", "Pricing"),
    ("/features", "Features | Acme Shop", "Features"),
    ("/blog/how-we-pack-for-a-week", "How we pack for a week | Acme Blog", "Blog Post"),
    ("/blog/choosing-running-shoes", "Choosing running shoes | Acme Blog", "Blog Post"),
    ("/docs/getting-started", "Getting started | Acme Docs", "Docs"),
    ("/signup", "Create your account | Acme Shop", "Sign Up"),
    ("/login", "Log in | Acme Shop", "Log In"),
    ("/cart", "Your cart | Acme Shop", "Cart"),
    ("/checkout", "Checkout | Acme Shop", "Checkout"),
    ("/about", "About us | Acme Shop", "About"),
    ("/contact", "Contact sales | Acme Shop", "Contact"),
]
SEARCH_TERMS = ["backpack", "running shoes", "merino", "gift ideas", "headphones",
                "lamp", "rain jacket", "yoga", "charger", "duffel bag"]
BUTTONS = ["Subscribe", "Get started", "Add to wishlist", "Share", "Contact sales",
           "Download app", "Start free trial", "Watch demo"]

_EPOCH0 = 1717200000.0  # 2024-06-01T00:00:00Z
ID_KEYS = ("anonymousId", "anonymous_id", "userId", "user_id", "previousId")


def _ascii(s):
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode("ascii")


def _slug(s):
    return "".join(c for c in _ascii(s).lower() if c.isalnum())


class Visitor(object):
    __slots__ = ("anon", "anon2", "user", "known", "will_sign_up", "first", "last",
                 "email", "phone_digits", "title", "company", "ua", "ip", "locale",
                 "tz", "used_anon2", "spelling", "has_email")


def _fmt_ts(t, cache={}):
    sec = int(t)
    base = cache.get(sec)
    if base is None:
        if len(cache) > 4096:
            cache.clear()
        base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec))
        cache[sec] = base
    return "%s.%03dZ" % (base, int((t - sec) * 1000))


class Generator(object):
    def __init__(self, n_events, n_visitors, seed, stream="mixed"):
        self.n_events = n_events
        self.n_visitors = n_visitors
        self.stream = stream
        self.rng = random.Random(seed)
        self.t = _EPOCH0
        self.visitors = [self._make_visitor(i) for i in range(n_visitors)]
        self.stats = {}
        self.seen_ids = set()
        self.ids_at_tenth = 0

    # -- ids ---------------------------------------------------------------
    def _uuid(self):
        h = "%032x" % self.rng.getrandbits(128)
        return "%s-%s-4%s-%s%s-%s" % (h[:8], h[8:12], h[13:16], "89ab"[int(h[16], 16) & 3],
                                      h[17:20], h[20:32])

    def _msgid(self):
        return "ajs-next-%032x" % self.rng.getrandbits(128)

    def _make_visitor(self, i):
        r = self.rng
        v = Visitor()
        v.anon = self._uuid()
        v.anon2 = self._uuid() if r.random() < 0.25 else None
        v.used_anon2 = False
        v.user = "usr_%012x" % r.getrandbits(48)
        v.known = False
        v.will_sign_up = r.random() < 0.45
        v.first = r.choice(FIRST_NAMES)
        v.last = r.choice(LAST_NAMES)
        fa, la = _slug(v.first), _slug(v.last)
        style = r.random()
        if style < 0.35:
            local = "%s.%s" % (fa, la)
        elif style < 0.55:
            local = "%s%s" % (fa[0], la)
        elif style < 0.7:
            local = "%s_%s%d" % (fa, la, r.randrange(1, 100))
        else:
            local = "%s%d" % (fa, r.randrange(1, 10000))
        ci = r.randrange(len(COMPANIES))
        v.company = COMPANIES[ci]
        domain = COMPANY_DOMAINS[ci] if r.random() < 0.45 else r.choice(FREE_DOMAINS)
        email = "%s@%s" % (local, domain)
        x = r.random()
        if x < 0.03:
            email = r.choice(INVALID_EMAILS)
        elif x < 0.12:
            email = email[0].upper() + email[1:].replace(domain, domain.capitalize())
        elif x < 0.16:
            email = "  %s " % email
        elif self.stream == "identify-heavy" and x < 0.36:
            email = "%s%d@%s" % (r.choice(UNICODE_LOCALS), r.randrange(1, 1000), domain.upper())
        v.email = email
        v.has_email = r.random() < 0.93
        v.phone_digits = None
        if r.random() < 0.6:
            cc, n, groups = r.choice(PHONE_PLANS)
            national = str(r.randrange(2, 10)) + "".join(
                str(r.randrange(10)) for _ in range(n - 1))
            v.phone_digits = (cc, national, groups)
        v.title = r.choice(TITLES) if r.random() < 0.55 else None
        v.ua = r.choice(USER_AGENTS)
        v.ip = "%d.%d.%d.%d" % (r.randrange(11, 223), r.randrange(256),
                                r.randrange(256), r.randrange(1, 255))
        v.locale, v.tz = r.choice(LOCALES)
        v.spelling = r.random()  # <0.5 snake_case traits, <0.9 camelCase, else name only
        return v

    def _phone(self, v):
        r = self.rng
        if r.random() < (0.2 if self.stream == "identify-heavy" else 0.04):
            return r.choice(INVALID_PHONES)
        cc, national, groups = v.phone_digits
        parts, pos = [], 0
        for g in groups:
            parts.append(national[pos:pos + g])
            pos += g
        style = r.randrange(7)
        if style == 0:
            return "+%s%s" % (cc, national)
        if style == 1:
            return "+%s %s" % (cc, " ".join(parts))
        if style == 2:
            return "+%s-%s" % (cc, "-".join(parts))
        if style == 3:
            return "+%s (%s) %s" % (cc, parts[0], "-".join(parts[1:]))
        if style == 4:
            return "+%s.%s" % (cc, ".".join(parts))
        if style == 5:
            return "+%s %s" % (cc, "".join(parts))
        return "(+%s) %s" % (cc, " ".join(parts))

    # -- context -----------------------------------------------------------
    def _context(self, v, page, traits=None):
        r = self.rng
        path, title, _ = page
        x = r.random()
        ref = r.choice(REFERRERS) if x < 0.2 else (SITE + "/" if x < 0.35 else "")
        search = ""
        campaign = None
        if r.random() < 0.06:
            campaign = r.choice(CAMPAIGNS)
            search = "?utm_source=%s&utm_medium=%s&utm_campaign=%s" % (
                campaign["source"], campaign["medium"], campaign["name"])
        ctx = {
            "ip": v.ip,
            "library": {"name": "analytics.js", "version": "next-1.72.0"},
            "locale": v.locale,
            "page": {"referrer": ref, "title": title, "url": SITE + path + search},
            "userAgent": v.ua,
        }
        if not ref:
            del ctx["page"]["referrer"]
        if campaign is not None:
            ctx["campaign"] = campaign
        if traits:
            ctx["traits"] = traits
        return ctx

    def _base(self, typ, v, anon, user, page, ctx_traits=None, server=False):
        r = self.rng
        self.t += r.expovariate(1.0 / 2.4)
        ev = {"type": typ}
        if anon is not None:
            ev["anonymousId" if r.random() < 0.97 else "anonymous_id"] = anon
        if user is not None:
            ev["userId" if r.random() < 0.97 else "user_id"] = user
        if server:
            # server-side call (analytics-node): no browser context
            ev["context"] = {"library": {"name": "analytics-node", "version": "2.1.0"}}
            if ctx_traits:
                ev["context"]["traits"] = ctx_traits
        else:
            ev["context"] = self._context(v, page, ctx_traits)
        ev["messageId"] = self._msgid()
        ev["timestamp"] = _fmt_ts(self.t)
        return ev

    def _ids(self, v):
        """(anonymousId, userId) that an ordinary event of this visitor carries."""
        r = self.rng
        anon = v.anon
        if v.anon2 is not None and v.known and r.random() < 0.35:
            anon = v.anon2
        if not v.known:
            return anon, None
        x = r.random()
        if x < 0.8:
            return anon, v.user
        if x < 0.93:
            return None, v.user
        return anon, None

    def _traits(self, v, full=True):
        """Identify traits in this visitor's preferred spelling."""
        r = self.rng
        t = {}
        if v.has_email:
            t["email"] = v.email
        if v.spelling < 0.5:
            t["first_name"] = v.first
            t["last_name"] = v.last
        elif v.spelling < 0.9:
            t["firstName"] = v.first
            t["lastName"] = v.last
        else:
            t["name"] = "%s %s" % (v.first, v.last)
        if v.spelling < 0.5 and r.random() < 0.3:
            t["name"] = "%s %s" % (v.first, v.last)
        if v.phone_digits is not None:
            t["phone"] = self._phone(v)
        if v.title is not None:
            key = "job_title" if v.spelling < 0.5 else ("jobTitle" if r.random() < 0.7 else "title")
            t[key] = v.title
        if full:
            t["company"] = {"name": v.company}
            t["plan"] = r.choice(["free", "starter", "pro", "business"])
            t["createdAt"] = _fmt_ts(self.t)
        return t

    def _track(self, v, name, props, anon, user, page=None, ctx_traits=None, server=False):
        ev = self._base("track", v, anon, user, page or self.rng.choice(PAGES), ctx_traits,
                        server)
        ev["event"] = name
        ev["properties"] = props
        return ev

    def _variant(self, title_case):
        """'Signed Up' sometimes spelled signed_up / signedUp / SIGNED UP."""
        x = self.rng.random()
        if x < 0.75:
            return title_case
        words = title_case.split()
        if x < 0.88:
            return "_".join(w.lower() for w in words)
        if x < 0.96:
            return words[0].lower() + "".join(words[1:])
        return title_case.upper()

    # -- event kinds -------------------------------------------------------
    def _page(self, v):
        r = self.rng
        anon, user = self._ids(v)
        page = r.choice(PAGES)
        if page[0] == "/" and r.random() < 0.3:
            pid, pname, cat, brand, price = r.choice(PRODUCTS)
            page = ("/products/%s" % _slug(pname), "%s | Acme Shop" % pname, "Product")
        ev = self._base("page", v, anon, user, page)
        if page[2]:
            ev["name"] = page[2]
        if r.random() < 0.3:
            ev["properties"] = {"path": page[0]}
        return [ev]

    def _commerce(self, v):
        r = self.rng
        anon, user = self._ids(v)
        pid, pname, cat, brand, price = r.choice(PRODUCTS)
        product = {"product_id": pid, "category": cat, "name": pname, "price": price}
        x = r.random()
        if x < 0.34:
            name, props = "Product Viewed", dict(product, position=r.randrange(1, 25))
        elif x < 0.5:
            name, props = "Product Added", dict(product, quantity=r.randrange(1, 4),
                                                cart_id="%016x" % r.getrandbits(64))
        elif x < 0.6:
            name, props = "Product List Viewed", {"list_id": cat.lower() + "-grid", "category": cat}
        elif x < 0.68:
            name, props = "Products Searched", {"query": r.choice(SEARCH_TERMS)}
        elif x < 0.76:
            name, props = "Checkout Started", {"order_id": "ord_%010x" % r.getrandbits(40),
                                               "value": price, "revenue": price,
                                               "currency": "USD", "products": [product]}
        elif x < 0.8:
            q = r.randrange(1, 3)
            name, props = "Order Completed", {"order_id": "ord_%010x" % r.getrandbits(40),
                                              "total": round(price * q, 2), "tax": round(price * q * 0.08, 2),
                                              "shipping": 5.0, "currency": "USD",
                                              "products": [dict(product, quantity=q)]}
        elif x < 0.9:
            name, props = "Button Clicked", {"label": r.choice(BUTTONS), "location": "header"}
        elif x < 0.95:
            name, props = "Video Played", {"video_id": "vid_%06x" % r.getrandbits(24),
                                           "position": r.randrange(0, 300), "sound": 1}
        else:
            name, props = "Newsletter Subscribed", {"list": "weekly"}
        if r.random() < 0.05:
            name = "_".join(w.lower() for w in name.split())
        server = name in ("Order Completed", "Checkout Started") or r.random() < 0.25
        return [self._track(v, name, props, anon, user, server=server)]

    def _sign_up(self, v):
        r = self.rng
        v.known = True
        page = PAGES[6]
        method = r.choice(["email", "google", "github"])
        out = []
        if r.random() < 0.15:
            # alias flavour: alias first, then identify/track by userId only
            ev = self._base("alias", v, None, v.user, page)
            ev["previousId"] = v.anon
            out.append(ev)
            ident = self._base("identify", v, None, v.user, page)
            ident["traits"] = self._traits(v)
            out.append(ident)
            out.append(self._track(v, self._variant("Signed Up"), {"method": method},
                                   None, v.user, page))
        else:
            ident = self._base("identify", v, v.anon, v.user, page)
            ident["traits"] = self._traits(v)
            out.append(ident)
            out.append(self._track(v, self._variant("Signed Up"), {"method": method},
                                   v.anon, v.user, page, server=r.random() < 0.5))
        return out

    def _logged_in(self, v):
        anon, user = self._ids(v)
        if v.anon2 is not None and not v.used_anon2:
            v.used_anon2 = True
            anon, user = v.anon2, v.user  # new device: links anon2 to the user
        ctx = {"email": v.email} if (v.has_email and self.rng.random() < 0.4) else None
        return [self._track(v, self._variant("Logged In"), {"method": "password"},
                            anon, user, PAGES[7], ctx)]

    def _lead(self, v):
        r = self.rng
        anon, user = self._ids(v)
        ctx = None
        if v.has_email and (not v.known or r.random() < 0.3):
            # anonymous form fill: the email arrives in context.traits
            ctx = {"email": v.email}
            if r.random() < 0.5:
                ctx["name"] = "%s %s" % (v.first, v.last)
        key = "lead_source" if r.random() < 0.7 else "leadSource"
        props = {key: r.choice(LEAD_SOURCES), "form_id": "form_%d" % r.randrange(1, 9)}
        if r.random() < 0.05:
            props = {"form_id": "form_0"}
        return [self._track(v, self._variant("Lead Generated"), props, anon, user,
                            PAGES[11], ctx)]

    def _identify_update(self, v):
        r = self.rng
        anon, user = self._ids(v)
        if user is None and anon is None:
            anon = v.anon
        ev = self._base("identify", v, anon, user, r.choice(PAGES))
        x = r.random()
        if x < 0.4:
            traits = self._traits(v, full=False)
        elif x < 0.6 and v.phone_digits is not None:
            traits = {"phone": self._phone(v)}
        elif x < 0.75:
            v.title = r.choice(TITLES)
            traits = {"title" if r.random() < 0.5 else "job_title": v.title}
        elif x < 0.82:
            v.title = None
            traits = {"jobTitle": None, "job_title": None, "title": None}
        elif x < 0.9:
            traits = {"firstName": "   ", "lastName": "", "plan": "pro"}
        else:
            traits = {"plan": r.choice(["pro", "business"]), "seats": r.randrange(1, 50)}
        ev["traits"] = traits
        return [ev]

    def _anon_identify(self, v):
        # newsletter-style identify without a userId (email only)
        ev = self._base("identify", v, v.anon, None, self.rng.choice(PAGES))
        ev["traits"] = {"email": v.email} if v.has_email else {"newsletter": True}
        return [ev]

    def _alias_late(self, v):
        ev = self._base("alias", v, None, v.user, self.rng.choice(PAGES))
        ev["previousId"] = v.anon2 if v.anon2 is not None else v.anon
        return [ev]

    def _group(self, v):
        anon, user = self._ids(v)
        ev = self._base("group", v, anon, user, self.rng.choice(PAGES))
        ev["groupId"] = "grp_" + _slug(v.company)
        ev["traits"] = {"name": v.company, "email": "billing@" + COMPANY_DOMAINS[0],
                        "employees": self.rng.randrange(5, 5000)}
        return [ev]

    def _distinct_identify(self, v):
        """One full identify of a visitor seen once (the distinct-identify stream)."""
        v.known = True
        ev = self._base("identify", v, v.anon, v.user if self.rng.random() < 0.5 else None,
                        self.rng.choice(PAGES), server=True)
        traits = self._traits(v, full=False)
        traits["email"] = v.email  # every visitor has one here
        ev["traits"] = traits
        return [ev]

    def events(self):
        r = self.rng
        n = self.n_visitors
        produced = 0
        heavy = self.stream == "identify-heavy"
        distinct = self.stream == "distinct-identify"
        while produced < self.n_events:
            if distinct:
                evs = self._distinct_identify(self.visitors[produced])
            else:
                v = self.visitors[int(n * (r.random() ** 1.6))]
                x = r.random()
            if distinct:
                pass
            elif heavy and x < 0.085:
                # identify calls of known and anonymous visitors alike, and the
                # eligible tracks that follow them
                evs = self._identify_update(v) if v.known else self._sign_up(v)
            elif heavy and x < 0.095:
                evs = self._logged_in(v) if v.known else self._lead(v)
            elif not v.known:
                if v.will_sign_up and x < 0.05:
                    evs = self._sign_up(v)
                elif x < 0.058:
                    evs = self._lead(v)
                elif x < 0.064:
                    evs = self._anon_identify(v)
                elif x < 0.068:
                    ev = self._track(v, self._variant("Logged In"), {"method": "password"},
                                     v.anon, None, PAGES[7])
                    evs = [ev]
                elif x < 0.60:
                    evs = self._page(v)
                else:
                    evs = self._commerce(v)
            else:
                if x < 0.03:
                    evs = self._logged_in(v)
                elif x < 0.042:
                    evs = self._lead(v)
                elif x < 0.066:
                    evs = self._identify_update(v)
                elif x < 0.068:
                    evs = self._alias_late(v)
                elif x < 0.073:
                    evs = self._group(v)
                elif x < 0.60:
                    evs = self._page(v)
                else:
                    evs = self._commerce(v)
            for ev in evs:
                if produced >= self.n_events:
                    break
                produced += 1
                self._count(ev)
                if produced == max(1, self.n_events // 10):
                    self.ids_at_tenth = len(self.seen_ids)
                yield ev

    def _count(self, ev):
        for k in ID_KEYS:
            i = ev.get(k)
            if i is not None:
                self.seen_ids.add(i)
        t = ev["type"]
        key = t if t != "track" else "track: " + ev["event"]
        self.stats[key] = self.stats.get(key, 0) + 1


def generate(path, n_events, n_visitors, seed, stream="mixed"):
    gen = Generator(n_events, n_visitors, seed, stream)
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    tmp = path + ".tmp"
    total = 0
    t0 = time.time()
    with open(tmp, "wb", buffering=1 << 20) as f:
        buf = []
        for i, ev in enumerate(gen.events()):
            line = (dumps(ev) + "\n").encode("utf-8")
            total += len(line)
            buf.append(line)
            if len(buf) >= 10000:
                f.write(b"".join(buf))
                buf = []
                if (i + 1) % 200000 == 0:
                    log("  generated %d events (%.0f s)" % (i + 1, time.time() - t0))
        f.write(b"".join(buf))
    os.replace(tmp, path)
    return {"bytes": total, "events": n_events, "stats": gen.stats,
            "distinct_ids": len(gen.seen_ids), "distinct_ids_head10pct": gen.ids_at_tenth}


def scan_distinct_ids(path, tenth):
    """(distinct ids in the file, distinct ids in its first `tenth` lines)."""
    pat = re.compile(rb'"(?:anonymousId|anonymous_id|userId|user_id|previousId)":"([^"]*)"')
    seen = set()
    at_tenth = 0
    with open(path, "rb") as f:
        for i, line in enumerate(f, 1):
            seen.update(pat.findall(line))
            if i == tenth:
                at_tenth = len(seen)
    return len(seen), at_tenth


def summarize_mix(stats):
    """Groups the generator's per-kind counts for the report."""
    total = sum(stats.values())
    eligible = {"identified", "signedup", "loggedin", "leadgenerated"}
    groups = {"page": 0, "track (other)": 0, "identify": 0, "track (eligible)": 0,
              "alias": 0, "group": 0}
    for k, c in stats.items():
        if k.startswith("track: "):
            norm = "".join(ch for ch in k[7:].lower() if ch.isalnum())
            groups["track (eligible)" if norm in eligible else "track (other)"] += c
        else:
            groups[k] = groups.get(k, 0) + c
    return total, groups


# --------------------------------------------------------------------------
# Running and measuring
# --------------------------------------------------------------------------

class RunResult(object):
    def __init__(self, ok, wall, maxrss_kib, code, err_tail):
        self.ok = ok
        self.wall = wall
        self.maxrss_kib = maxrss_kib
        self.code = code
        self.err_tail = err_tail


def _exit_code(status):
    if os.WIFEXITED(status):
        return os.WEXITSTATUS(status)
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return -1


# Tiny launcher, run as a fresh `python3 -I -S` process. On Linux a process's
# ru_maxrss survives execve() and starts from the memory of the process that
# forked it, so a child forked straight from this (large) benchmark process
# would report at least this process's RSS. The launcher is small, forks and
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
    code = _exit_code(int(status_s))
    tail = ""
    if code != 0:
        with open(stderr_path, "rb") as f:
            data = f.read()
        tail = data[-2000:].decode("utf-8", "replace").strip()
    return RunResult(code == 0, float(wall_s), int(rss_s), code, tail)


def rss_floor_kib(out_dir):
    """ru_maxrss the launcher reports for `true`: the floor of the method."""
    true = shutil.which("true") or "/bin/true"
    scratch = os.path.join(out_dir, "logs", "true.out")
    r = run_measured([true], None, scratch, scratch + ".stderr")
    return r.maxrss_kib if r.ok else 0


def count_lines(path):
    n = 0
    with open(path, "rb") as f:
        while True:
            chunk = f.read(1 << 20)
            if not chunk:
                break
            n += chunk.count(b"\n")
    return n


def compare_outputs(path_a, path_b):
    """Line-for-line comparison. Returns dict(identical, lines_a, lines_b,
    differing (positions), first=(lineno, a, b) or None, only_a, only_b
    (lines present in one output but not the other, counted as multisets,
    which stays meaningful when one side skipped or added a line))."""
    first = None
    differing = 0
    na = nb = 0
    count = {}
    with open(path_a, "rb") as fa, open(path_b, "rb") as fb:
        for i, (la, lb) in enumerate(itertools.zip_longest(fa, fb), 1):
            if la is not None:
                na += 1
            if lb is not None:
                nb += 1
            if la != lb:
                differing += 1
                if first is None:
                    first = (i, la, lb)
                if la is not None:
                    count[la] = count.get(la, 0) + 1
                if lb is not None:
                    count[lb] = count.get(lb, 0) - 1
    only_a = sum(c for c in count.values() if c > 0)
    only_b = -sum(c for c in count.values() if c < 0)
    return {"identical": differing == 0, "lines_a": na, "lines_b": nb,
            "differing": differing, "first": first, "only_a": only_a, "only_b": only_b}


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
    with open(path, "rb") as f:
        while f.read(8 << 20):
            pass


def build_binary():
    """swift build -c release; returns (binary_path or None, message)."""
    swift = shutil.which("swift")
    if swift is None:
        return None, "`swift` not found on PATH"
    log("Building attio-pipe: swift build -c release ...")
    t0 = time.time()
    p = subprocess.run([swift, "build", "-c", "release"], cwd=REPO_ROOT,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = p.stdout.decode("utf-8", "replace")
    if p.returncode != 0:
        lines = [l for l in out.splitlines() if "error" in l.lower()] or out.splitlines()
        return None, "`swift build -c release` failed (exit %d):\n%s" % (
            p.returncode, "\n".join(lines[-15:]))
    log("  built in %.0f s" % (time.time() - t0))
    q = subprocess.run([swift, "build", "-c", "release", "--show-bin-path"], cwd=REPO_ROOT,
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    bindir = q.stdout.decode().strip() or os.path.join(REPO_ROOT, ".build", "release")
    binary = os.path.join(bindir, "attio-pipe")
    if not os.access(binary, os.X_OK):
        return None, "build succeeded but %s is missing" % binary
    return binary, "built with `swift build -c release`"


def tool_version(argv):
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        return p.stdout.decode("utf-8", "replace").strip().splitlines()[0]
    except Exception:
        return "unknown"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------

def fmt_int(n):
    return "{:,}".format(int(round(n)))


def fmt_line(b, limit=400):
    if b is None:
        return "(no line)"
    s = b.decode("utf-8", "replace").rstrip("\n")
    return s if len(s) <= limit else s[:limit] + "…"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stream", choices=["mixed", "identify-heavy", "distinct-identify"],
                    default="mixed", help="which stream to generate and measure (default mixed)")
    ap.add_argument("--events", type=int, default=1000000)
    ap.add_argument("--visitors", type=int, default=50000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default="bench-out")
    ap.add_argument("--skip-jq", action="store_true", help="do not run the jq peer")
    ap.add_argument("--jq-events", type=int, default=200000,
                    help="jq runs on this many leading events, throughput is extrapolated (default 200000)")
    ap.add_argument("--runs", type=int, default=3, help="runs per implementation, best wall time kept")
    ap.add_argument("--binary", help="use this attio-pipe binary instead of building")
    args = ap.parse_args()
    if args.events < 10 or args.visitors < 1:
        ap.error("need --events >= 10 and --visitors >= 1")
    if args.stream == "distinct-identify":
        args.visitors = args.events

    out_dir = os.path.abspath(args.out)
    os.makedirs(out_dir, exist_ok=True)
    logs = os.path.join(out_dir, "logs")
    os.makedirs(logs, exist_ok=True)

    # 1. stream -------------------------------------------------------------
    stem = "events-e%d-v%d-s%d" % (args.events, args.visitors, args.seed)
    if args.stream != "mixed":
        stem = "%s-%s" % (args.stream, stem)
    events_path = os.path.join(out_dir, stem + ".ndjson")
    meta_path = os.path.join(out_dir, stem + ".meta.json")
    meta = None
    if os.path.exists(events_path) and os.path.exists(meta_path):
        with open(meta_path) as f:
            meta = json.load(f)
        if (meta.get("generator_version") != GENERATOR_VERSION
                or meta.get("bytes") != os.path.getsize(events_path)):
            meta = None
    if meta is None:
        log("Generating %s events from %s visitors (seed %d) -> %s" % (
            fmt_int(args.events), fmt_int(args.visitors), args.seed, events_path))
        info = generate(events_path, args.events, args.visitors, args.seed, args.stream)
        meta = {"generator_version": GENERATOR_VERSION, "events": args.events,
                "visitors": args.visitors, "seed": args.seed, "bytes": info["bytes"],
                "stats": info["stats"], "distinct_ids": info["distinct_ids"],
                "distinct_ids_head10pct": info["distinct_ids_head10pct"]}
        with open(meta_path, "w") as f:
            json.dump(meta, f, indent=1, sort_keys=True)
    else:
        log("Reusing %s" % events_path)
        if "distinct_ids" not in meta:  # meta written by an older benchmark.py
            meta["distinct_ids"], meta["distinct_ids_head10pct"] = scan_distinct_ids(
                events_path, max(1, meta["events"] // 10))
            with open(meta_path, "w") as f:
                json.dump(meta, f, indent=1, sort_keys=True)
    n_events = meta["events"]
    n_bytes = meta["bytes"]
    total, mix = summarize_mix(meta["stats"])

    tenth_n = max(1, n_events // 10)
    tenth_path = os.path.join(out_dir, stem + ".head10pct.ndjson")
    tenth_bytes = write_prefix(events_path, tenth_path, tenth_n)
    jq_n = min(args.jq_events, n_events)
    jq_path = events_path if jq_n == n_events else os.path.join(out_dir, stem + ".head%d.ndjson" % jq_n)
    jq_bytes = n_bytes if jq_n == n_events else write_prefix(events_path, jq_path, jq_n)

    # 2. binary -------------------------------------------------------------
    if args.binary:
        binary = os.path.abspath(args.binary)
        if os.access(binary, os.X_OK):
            bin_msg = "given with --binary"
        else:
            bin_msg = "--binary %s does not exist or is not executable" % binary
            binary = None
    else:
        binary, bin_msg = build_binary()
    if binary is None:
        log("attio-pipe NOT AVAILABLE: %s" % bin_msg)

    warm_cache(events_path)
    floor_kib = rss_floor_kib(out_dir)

    # 3. runs ---------------------------------------------------------------
    py_argv = [sys.executable, PY_PEER]
    jq_bin = shutil.which("jq")
    results = {}
    out_ap = os.path.join(out_dir, "out-attio-pipe-%s.ndjson" % args.stream)
    out_py = os.path.join(out_dir, "out-python-orjson-%s.ndjson" % args.stream)
    ap_argv = [binary, "build", "--quiet", events_path] if binary else None

    ap_runs, py_runs = [], []
    ap_fail = py_fail = None
    for i in range(args.runs):
        if ap_argv and ap_fail is None:
            r = run_measured(ap_argv, None, out_ap, os.path.join(logs, "attio-pipe.stderr"))
            if r.ok:
                ap_runs.append(r)
                log("  attio-pipe     run %d/%d: %6.2f s  peak RSS %7.1f MiB" % (
                    i + 1, args.runs, r.wall, r.maxrss_kib / 1024.0))
            else:
                ap_fail = r
                log("  attio-pipe FAILED (exit %s): %s" % (r.code, r.err_tail[-800:]))
        if py_fail is None:
            r = run_measured(py_argv, events_path, out_py, os.path.join(logs, "python.stderr"))
            if r.ok:
                py_runs.append(r)
                log("  python+orjson  run %d/%d: %6.2f s  peak RSS %7.1f MiB" % (
                    i + 1, args.runs, r.wall, r.maxrss_kib / 1024.0))
            else:
                py_fail = r
                log("  python+orjson FAILED (exit %s): %s" % (r.code, r.err_tail[-800:]))

    def best(runs):
        if not runs:
            return None
        b = min(runs, key=lambda r: r.wall)
        return RunResult(True, b.wall, max(r.maxrss_kib for r in runs), 0, "")

    results["ap"] = best(ap_runs)
    results["py"] = best(py_runs)

    # memory flatness: attio-pipe on the first 10%
    ap_tenth = None
    if results["ap"] is not None:
        r = run_measured([binary, "build", "--quiet", tenth_path], None,
                         os.path.join(out_dir, "out-attio-pipe-head10pct.ndjson"),
                         os.path.join(logs, "attio-pipe-head10pct.stderr"))
        ap_tenth = r if r.ok else None
        log("  attio-pipe on first 10%%: %s" % (
            "peak RSS %.1f MiB" % (r.maxrss_kib / 1024.0) if r.ok else "FAILED: " + r.err_tail[-300:]))

    # jq on a prefix (+ the Python peer on the same prefix, for a correctness check)
    jq_res = jq_fail = None
    jq_cmp = None
    out_jq = os.path.join(out_dir, "out-jq-prefix.ndjson")
    out_py_prefix = os.path.join(out_dir, "out-python-orjson-prefix.ndjson")
    if args.skip_jq:
        jq_note = "skipped (--skip-jq)"
    elif jq_bin is None:
        jq_note = "skipped (jq not found)"
    else:
        jq_note = None
        log("  jq on the first %s events (slow) ..." % fmt_int(jq_n))
        r = run_measured([jq_bin, "-c", "-n", "-f", JQ_PEER], jq_path, out_jq,
                         os.path.join(logs, "jq.stderr"))
        if r.ok:
            jq_res = r
            log("  jq             run 1/1: %6.2f s  peak RSS %7.1f MiB" % (r.wall, r.maxrss_kib / 1024.0))
            if jq_path == events_path and results["py"] is not None:
                jq_cmp = compare_outputs(out_py, out_jq)
            else:
                pr = run_measured(py_argv, jq_path, out_py_prefix, os.path.join(logs, "python-prefix.stderr"))
                if pr.ok:
                    jq_cmp = compare_outputs(out_py_prefix, out_jq)
        else:
            jq_fail = r
            log("  jq FAILED (exit %s): %s" % (r.code, r.err_tail[-800:]))

    # 4. report -------------------------------------------------------------
    mb = n_bytes / 1e6
    rows = []

    def row(label, res, events, nbytes, bodies, wall_note=""):
        eps = events / res.wall
        rss = "%.1f" % (res.maxrss_kib / 1024.0)
        if res.maxrss_kib <= floor_kib * 1.03:
            rss = "≤ " + rss  # at the launcher's floor: the real figure is lower
        return "| %s | %s | %s%s | %s | %.1f | %s | %s |" % (
            label, fmt_int(events), "%.2f" % res.wall, wall_note, fmt_int(eps),
            nbytes / 1e6 / res.wall, rss, fmt_int(bodies))

    swift_ver = tool_version(["swift", "--version"]) if shutil.which("swift") else "swift not found"
    try:
        import importlib
        orjson_ver = importlib.import_module("orjson").__version__
    except Exception:
        orjson_ver = "?"
    py_ver = platform.python_version()
    jq_ver = tool_version([jq_bin, "--version"]) if jq_bin else "jq not found"

    ap_bodies = count_lines(out_ap) if results["ap"] else None
    py_bodies = count_lines(out_py) if results["py"] else None

    if results["ap"]:
        rows.append(row("attio-pipe (Swift, release)", results["ap"], n_events, n_bytes, ap_bodies))
    else:
        reason = bin_msg if binary is None else "run failed (exit %s)" % (ap_fail.code if ap_fail else "?")
        rows.append("| attio-pipe (Swift, release) | — | — | — | — | — | not available: %s |"
                    % reason.splitlines()[0].replace("|", "\\|"))
    if results["py"]:
        rows.append(row("Python %s + orjson %s (peer)" % (py_ver, orjson_ver), results["py"], n_events,
                        n_bytes, py_bodies))
    else:
        rows.append("| Python + orjson | — | — | — | — | — | failed (exit %s) |" % py_fail.code)
    if jq_res:
        scaled = n_events / (jq_n / jq_res.wall)
        note = " (≈%s s for all %s)" % ("%.0f" % scaled if scaled >= 10 else "%.1f" % scaled,
                                       fmt_int(n_events)) if jq_n != n_events else ""
        rows.append(row("%s (peer; first %s events%s)" % (jq_ver, fmt_int(jq_n),
                                                    ", extrapolated" if jq_n != n_events else ""),
                        jq_res, jq_n, jq_bytes, count_lines(out_jq), note))
    elif jq_fail:
        rows.append("| jq | — | — | — | — | — | failed (exit %s) |" % jq_fail.code)

    md = []
    md.append("### Throughput benchmark: `--stream %s`" % args.stream)
    md.append("")
    md.append("Input: %s Segment events, %.1f MB (%d bytes/line on average) from %s visitors "
              "(seed %d), generated by `scripts/benchmark.py`: %s." % (
                  fmt_int(n_events), mb, round(n_bytes / n_events), fmt_int(meta["visitors"]),
                  meta["seed"],
                  ", ".join("%s %.1f%%" % (k, 100.0 * v / total)
                            for k, v in sorted(mix.items(), key=lambda kv: -kv[1]) if v)))
    md.append("Machine: %s, %d cores, %s %s; %s; jq: %s." % (
        cpu_model(), os.cpu_count() or 0, platform.system(), platform.release(),
        swift_ver, jq_ver))
    md.append("")
    md.append("| Implementation | Events | Wall time (s) | Events/s | MB/s | Peak RSS (MiB) | Bodies |")
    md.append("|---|---:|---:|---:|---:|---:|---:|")
    md.extend(rows)
    md.append("")
    if results["ap"] and results["py"]:
        ratio = (n_events / results["ap"].wall) / (n_events / results["py"].wall)
        md.append("- attio-pipe / Python+orjson throughput: **%.1f×** events/s." % ratio)
    if results["ap"] and results["py"]:
        c = compare_outputs(out_ap, out_py)
        if c["identical"]:
            md.append("- Output check: attio-pipe and the Python peer produced identical output "
                      "(%s bodies, line for line)." % fmt_int(c["lines_a"]))
        else:
            i, la, lb = c["first"]
            md.append("- Output check: attio-pipe (%s lines) and the Python peer (%s lines) are "
                      "**not identical**: %s lines appear only in attio-pipe's output and %s only "
                      "in the Python peer's (%s positions differ); first difference at line %d "
                      "(outputs kept in `%s/`):" % (
                          fmt_int(c["lines_a"]), fmt_int(c["lines_b"]), fmt_int(c["only_a"]),
                          fmt_int(c["only_b"]), fmt_int(c["differing"]), i,
                          os.path.basename(out_dir)))
            md.append("  - attio-pipe: `%s`" % fmt_line(la))
            md.append("  - python:     `%s`" % fmt_line(lb))
    if jq_cmp is not None:
        if jq_cmp["identical"]:
            md.append("- jq peer output identical to the Python peer's on the same %s events "
                      "(%s bodies)." % (fmt_int(jq_n), fmt_int(jq_cmp["lines_a"])))
        else:
            i, la, lb = jq_cmp["first"]
            md.append("- jq vs Python peer on the first %s events: NOT identical (%s lines only in "
                      "Python's, %s only in jq's); first difference at line %d: python `%s` / "
                      "jq `%s`." % (fmt_int(jq_n), fmt_int(jq_cmp["only_a"]),
                                    fmt_int(jq_cmp["only_b"]), i, fmt_line(la), fmt_line(lb)))
    if jq_note:
        md.append("- jq: %s." % jq_note)
    if results["ap"] and ap_tenth:
        md.append("- Memory flatness: attio-pipe peak RSS %.1f MiB on the first 10%% (%s events, "
                  "%.0f MB, %s distinct ids) vs %.1f MiB on the whole file (%s events, "
                  "%.0f MB, %s distinct ids; identity state must grow with distinct ids)." % (
                      ap_tenth.maxrss_kib / 1024.0, fmt_int(tenth_n), tenth_bytes / 1e6,
                      fmt_int(meta["distinct_ids_head10pct"]),
                      results["ap"].maxrss_kib / 1024.0, fmt_int(n_events), mb,
                      fmt_int(meta["distinct_ids"])))
    if binary is None:
        md.append("- attio-pipe was not measured: %s" % bin_msg.replace("\n", "\n  "))
        stale = os.path.join(REPO_ROOT, ".build", "release", "attio-pipe")
        if not args.binary and os.access(stale, os.X_OK):
            md.append("  (an older build exists: `--binary %s` would benchmark it)" %
                      os.path.relpath(stale, os.getcwd()))
    elif ap_fail is not None:
        err = ap_fail.err_tail.splitlines()[-10:]
        if err:
            md.append("- attio-pipe failed (exit %s) on `%s build --quiet FILE`:\n  ```\n  %s\n  ```" % (
                ap_fail.code, binary, "\n  ".join(err)))
        else:
            md.append("- attio-pipe failed (exit %s, no stderr output) on `%s build --quiet FILE`." % (
                ap_fail.code, binary))
    md.append("- Method: each implementation runs in its own process reading the same file "
              "(attio-pipe: `attio-pipe build --quiet FILE`; peers: stdin), stdout to a file; "
              "wall time is the best of %d run(s) (jq: 1 run on the first %s events, "
              "events/s extrapolated to the full stream); peak RSS = `ru_maxrss` from "
              "`wait4` (max over runs), taken by a minimal `python3 -I -S` launcher that "
              "forks and execs the command (Linux carries `ru_maxrss` across exec, so the "
              "floor of this method is %.1f MiB, measured on `true`); MB = 10^6 bytes. "
              "Peers: `scripts/peers/`." % (args.runs, fmt_int(jq_n), floor_kib / 1024.0))
    text = "\n".join(md) + "\n"
    results_path = os.path.join(out_dir, "results-%s.md" % args.stream)
    with open(results_path, "w") as f:
        f.write(text)
    print(text)
    log("Written to %s" % results_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
