"""The Segment-spec NDJSON stream of the throughput benchmark, and the cache of the streams it
wrote.

    from benchlib import stream
    meta = stream.cached(path, events, visitors, seed, "mixed") \
        or stream.generate(path, events, visitors, seed, "mixed")

Deterministic: the same events, visitors, seed and stream give the same bytes (Python's
`random` with the seed). `--stream`:

- `mixed` (default): mostly `page` and commerce/UI `track` events with a browser `context`,
  some `identify` calls and identity-bearing tracks (Signed Up, Logged In, Lead Generated),
  aliases, userIds linked to anonymousIds, ~550 bytes per line on average;
- `identify-heavy`: the same site, but about 8% `identify` calls with names and phones (a
  fifth of the phones not normalisable) and non-ASCII, upper-case emails, and about 14%
  eligible events;
- `distinct-identify`: one `identify` per visitor (give as many visitors as events): email,
  names, phone, job title; the memory-per-visitor case.

The generator stops after n_events: with the same visitors and seed, a shorter stream is the
head of a longer one (budget.py's inputs are the first 100 000 lines of benchmark.py's
1 000 000-event streams). scripts/benchmark.py, benchmark_spool.py and budget.py generate
with it; budgets.json records the SHA-256 of budget.py's inputs, so a change of the bytes
shows there (and needs GENERATOR_VERSION bumped, and the budgets measured again).
"""

import json
import os
import random
import time
import unicodedata

from benchlib import log

STREAMS = ("mixed", "identify-heavy", "distinct-identify")
GENERATOR_VERSION = 4  # bump when the generator's output changes

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


def meta_path(path):
    """STEM.meta.json beside STEM.ndjson: what generate() wrote there."""
    stem = path[:-len(".ndjson")] if path.endswith(".ndjson") else path
    return stem + ".meta.json"


def cached(path, n_events, n_visitors, seed, stream="mixed"):
    """The meta of the stream at PATH when generate() wrote it with these parameters and this
    GENERATOR_VERSION (and the file still has its size), else None."""
    try:
        with open(meta_path(path)) as f:
            meta = json.load(f)
        size = os.path.getsize(path)
    except (OSError, ValueError):
        return None
    want = {"generator_version": GENERATOR_VERSION, "events": n_events,
            "visitors": n_visitors, "seed": seed, "stream": stream, "bytes": size}
    if any(meta.get(k) != v for k, v in want.items()) or "distinct_ids" not in meta:
        return None
    return meta


def generate(path, n_events, n_visitors, seed, stream="mixed"):
    """Writes the stream to PATH and its meta beside it; returns the meta: the parameters,
    `bytes`, `stats` (events per type, tracks per name), `distinct_ids` (anonymous ids, user
    ids and previous ids) and `distinct_ids_head10pct` (in the first tenth of the events)."""
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
    meta = {"generator_version": GENERATOR_VERSION, "events": n_events,
            "visitors": n_visitors, "seed": seed, "stream": stream, "bytes": total,
            "stats": gen.stats, "distinct_ids": len(gen.seen_ids),
            "distinct_ids_head10pct": gen.ids_at_tenth}
    with open(meta_path(path), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
    return meta
