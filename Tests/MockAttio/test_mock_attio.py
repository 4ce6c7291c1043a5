"""Self-test of mock_attio.py: python3 -m unittest discover -s Tests/MockAttio -v"""

import email.utils
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import mock_attio  # noqa: E402  (for the pure window function)

ASSERT = "/v2/objects/people/records?matching_attribute=email_addresses"


def start_mock(*args):
    proc = subprocess.Popen(
        [sys.executable, os.path.join(HERE, "mock_attio.py"), "--port", "0", *args],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()
    if not line.startswith("LISTENING "):
        proc.kill()
        raise RuntimeError(f"mock did not start: {line!r}")
    return proc, int(line.split()[1])


def person(email, **extra):
    values = {"email_addresses": [{"email_address": email}]}
    values.update(extra)
    return {"data": {"values": values}}


class MockAttioTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.proc, cls.port = start_mock("--rate", "25")

    @classmethod
    def tearDownClass(cls):
        cls.proc.send_signal(signal.SIGTERM)
        rc = cls.proc.wait(timeout=5)
        cls.proc.stdout.close()
        if rc != 0:
            raise AssertionError(f"mock exited with {rc} on SIGTERM")

    def setUp(self):
        self.control("POST", "/__mock/reset")

    # -- helpers --------------------------------------------------------------------

    def request(self, method, path, body=None, token="test-token", conn=None):
        own = conn is None
        conn = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        try:
            conn.request(method, path, json.dumps(body) if body is not None else None, headers)
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, dict(resp.getheaders()), json.loads(data) if data else None
        finally:
            if own:
                conn.close()

    def put(self, body, **kw):
        return self.request("PUT", ASSERT, body, **kw)

    def control(self, method, path, body=None):
        status, _, data = self.request(method, path, body, token=None)
        self.assertEqual(status, 200, data)
        return data

    # -- tests ----------------------------------------------------------------------

    def test_upsert_and_merge_semantics(self):
        name = [{"first_name": "Ada", "last_name": "Lovelace", "full_name": "Ada Lovelace"}]
        status, _, first = self.put(person(
            "ada@example.com", name=name,
            phone_numbers=[{"original_phone_number": "+15558675309"}],
            job_title=[{"value": "Analyst"}]))
        self.assertEqual(status, 200, first)
        record_id = first["data"]["id"]["record_id"]
        self.assertTrue(first["data"]["web_url"].endswith(record_id + "/overview"))

        # Same person (case-insensitive match): second email added, phones replaced,
        # name and job_title untouched because not sent.
        status, _, second = self.put({"data": {"values": {
            "email_addresses": [{"email_address": "ADA@example.com"},
                                {"email_address": "ada@lovelace.org"}],
            "phone_numbers": [{"original_phone_number": "7700 900123", "country_code": "GB"}],
        }}})
        self.assertEqual(status, 200, second)
        self.assertEqual(second["data"]["id"]["record_id"], record_id)
        # Found through the second address only.
        status, _, third = self.put(person("ada@lovelace.org", description=[{"value": "demo"}]))
        self.assertEqual(third["data"]["id"]["record_id"], record_id)
        # A different address is a different person.
        status, _, other = self.put(person("grace@example.com"))
        self.assertNotEqual(other["data"]["id"]["record_id"], record_id)

        people = self.control("GET", "/__mock/people")
        self.assertEqual(len(people), 2)
        ada = people[0]
        self.assertEqual(ada["record_id"], record_id)
        self.assertEqual(ada["email_addresses"], ["ada@example.com", "ada@lovelace.org"])
        self.assertEqual(ada["values"]["name"], name)
        self.assertEqual(ada["values"]["phone_numbers"],
                         [{"original_phone_number": "7700 900123", "country_code": "GB"}])
        self.assertEqual(ada["values"]["job_title"], [{"value": "Analyst"}])
        self.assertEqual(ada["values"]["description"], [{"value": "demo"}])
        self.assertEqual(ada["writes"], 3)

    def test_validation_errors(self):
        cases = [
            (person("ada@example.com", nickname=[{"value": "x"}]), "value_not_found",
             'Cannot find attribute with slug/ID "nickname".'),
            (person("ada@@example.com"), "invalid_email_address", None),
            (person("ada@example"), "invalid_email_address", None),
            (person("a@example.com", name=[{"first_name": "A", "last_name": "B"}]), None, None),
            (person("a@example.com", name=["Lovelace, Ada"]), None, None),
            (person("a@example.com", phone_numbers=[{"original_phone_number": "5558675309"}]),
             "invalid_phone_number", None),
            (person("a@example.com", phone_numbers=[{"original_phone_number": "+1 555 867"}]),
             "invalid_phone_number", None),
            (person("a@example.com", job_title=[{"value": 3}]), None, None),
            (person("a@example.com", created_at=[{"value": "2020-01-01"}]), "immutable_value", None),
            ({"data": {"values": {"name": [{"first_name": "", "last_name": "",
                                            "full_name": ""}]}}}, "missing_value", None),
        ]
        for body, code, message in cases:
            with self.subTest(body=body):
                status, _, err = self.put(body)
                self.assertEqual(status, 400, err)
                self.assertEqual(err["type"], "invalid_request_error")
                self.assertEqual(err["status_code"], 400)
                if code:
                    self.assertEqual(err["code"], code)
                if message:
                    self.assertEqual(err["message"], message)
        status, _, err = self.request(
            "PUT", "/v2/objects/people/records?matching_attribute=name", person("a@example.com"))
        self.assertEqual(status, 400)
        self.assertEqual(self.control("GET", "/__mock/people"), [])

    def test_rename_archive_not_writable(self):
        self.control("POST", "/__mock/faults", {"rename": {"job_title": "role"},
                                                "archive": ["description"]})
        _, _, attrs = self.request("GET", "/v2/objects/people/attributes")
        by_slug = {a["api_slug"]: a for a in attrs["data"]}
        self.assertIn("role", by_slug)
        self.assertNotIn("job_title", by_slug)
        self.assertTrue(by_slug["description"]["is_archived"])
        self.assertEqual(self.put(person("a@example.com", job_title=[{"value": "x"}]))[0], 400)
        self.assertEqual(self.put(person("a@example.com", description=[{"value": "x"}]))[0], 400)
        status, _, rec = self.put(person("a@example.com", role=[{"value": "x"}]))
        self.assertEqual(status, 200, rec)
        self.assertEqual(rec["data"]["values"]["role"][0]["value"], "x")
        self.control("POST", "/__mock/faults", {"not_writable": ["phone_numbers"]})
        _, _, attrs = self.request("GET", "/v2/objects/people/attributes")
        self.assertFalse({a["api_slug"]: a for a in attrs["data"]}["phone_numbers"]["is_writable"])
        self.assertEqual(self.put(person("a@example.com", phone_numbers=[]))[0], 400)

    def test_auth_401_and_self(self):
        for token in (None, "wrong"):
            status, _, err = self.put(person("a@example.com"), token=token)
            self.assertEqual(status, 401)
            self.assertEqual((err["type"], err["code"]), ("auth_error", "unauthorized"))
        self.assertEqual(self.request("GET", "/v2/self", token="wrong")[2], {"active": False})
        status, _, me = self.request("GET", "/v2/self")
        self.assertEqual(status, 200)
        self.assertTrue(me["active"])
        self.assertIn("record_permission:read-write", me["scope"].split())
        for key in ("workspace_id", "workspace_name", "workspace_slug"):
            self.assertIn(key, me)
        self.control("POST", "/__mock/faults", {"token_revoked": True})
        self.assertEqual(self.put(person("a@example.com"))[0], 401)
        self.assertEqual(self.request("GET", "/v2/objects/people/attributes")[0], 401)
        self.assertEqual(self.request("GET", "/v2/self")[2], {"active": False})

    def test_scopes_403(self):
        self.control("POST", "/__mock/faults", {"scopes": "object_configuration:read"})
        status, _, err = self.put(person("a@example.com"))
        self.assertEqual(status, 403)
        self.assertEqual(err["type"], "auth_error")
        self.assertEqual(self.request("GET", "/v2/objects/people/attributes")[0], 200)
        self.control("POST", "/__mock/faults", {"scopes": "record_permission:read-write"})
        self.assertEqual(self.request("GET", "/v2/objects/people/attributes")[0], 403)
        self.assertEqual(self.control("GET", "/__mock/people"), [])

    def test_rate_limit_429_with_http_date(self):
        results = []
        lock = threading.Lock()

        def worker(i):
            r = self.put(person(f"burst{i}@example.com"))
            with lock:
                results.append(r)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(40)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        ok = [r for r in results if r[0] == 200]
        limited = [r for r in results if r[0] == 429]
        self.assertEqual(len(ok) + len(limited), 40)
        self.assertGreaterEqual(len(ok), 25)
        self.assertTrue(limited)
        status, headers, err = limited[0]
        self.assertEqual((err["type"], err["code"]), ("rate_limit_error", "rate_limit_exceeded"))
        retry_at = email.utils.parsedate_to_datetime(headers["Retry-After"])
        date = email.utils.parsedate_to_datetime(headers["Date"])
        self.assertTrue(headers["Retry-After"].endswith(" GMT"))
        self.assertGreater(retry_at, date)
        self.assertLessEqual((retry_at - date).total_seconds(), 2)
        # Not processed: only admitted writes created people.
        self.assertEqual(len(self.control("GET", "/__mock/people")), len(ok))
        stats = self.control("GET", "/__mock/stats")
        self.assertEqual(stats["puts"], 40)
        self.assertGreater(stats["max_in_any_1s_window"], 25)  # counts every arrival
        self.assertEqual(stats["status_counts"], {"200": len(ok), "429": len(limited)})
        # The admitted ones never exceed the rate in any one-second window.
        admitted = [r["arrival"] for r in self.control("GET", "/__mock/requests")
                    if r["status"] == 200]
        self.assertLessEqual(mock_attio.max_in_any_window(admitted), 25)
        # Waiting until Retry-After gets a slot.
        time.sleep(max(0.0, retry_at.timestamp() - time.time()) + 0.01)
        self.assertEqual(self.put(person("after@example.com"))[0], 200)

    def test_fault_rules(self):
        self.control("POST", "/__mock/faults", {"skew_seconds": 3600, "rules": [
            {"status": 503, "count": 2, "email": "flaky@example.com"},
            {"status": 409, "count": 1, "apply": True},
            {"status": 429, "count": 1, "retry_after": "7", "omit_date": True},
        ]})
        self.assertEqual(self.put(person("ok@example.com"))[0], 409)  # rule 1, applied
        self.assertEqual(self.put(person("flaky@example.com"))[0], 503)
        status, headers, _ = self.put(person("ok@example.com"))
        self.assertEqual((status, headers["Retry-After"]), (429, "7"))
        self.assertNotIn("Date", headers)
        self.assertEqual(self.put(person("flaky@example.com"))[0], 503)
        status, headers, _ = self.put(person("flaky@example.com"))
        self.assertEqual(status, 200)
        skew = email.utils.parsedate_to_datetime(headers["Date"]).timestamp() - time.time()
        self.assertAlmostEqual(skew, 3600, delta=2)
        requests = self.control("GET", "/__mock/requests")
        self.assertEqual([r["fault"] for r in requests], [1, 0, 2, 0, None])
        self.assertEqual([r["status"] for r in requests], [409, 503, 429, 503, 200])
        emails = [p["email_addresses"] for p in self.control("GET", "/__mock/people")]
        self.assertEqual(emails, [["ok@example.com"], ["flaky@example.com"]])

    def test_echo_headers_repeats_the_request_headers_in_the_error(self):
        self.control("POST", "/__mock/faults", {"rules": [
            {"status": 400, "echo_headers": True},
            {"endpoint": "self", "status": 500, "echo_headers": True, "message": "Broken."},
        ]})
        status, _, body = self.put(person("ada@example.com"))
        self.assertEqual(status, 400)
        self.assertIn("Authorization: Bearer test-token", body["message"])
        self.assertEqual(body["request_headers"]["Authorization"], "Bearer test-token")
        status, _, body = self.request("GET", "/v2/self")
        self.assertEqual(status, 500)
        self.assertTrue(body["message"].startswith("Broken. Request headers: "))
        self.assertIn("Bearer test-token", body["message"])
        # Without the key, a rule's error is as before.
        self.control("POST", "/__mock/faults", {"rules": [{"status": 400}]})
        status, _, body = self.put(person("ada@example.com"))
        self.assertNotIn("request_headers", body)
        self.assertNotIn("test-token", body["message"])

    def test_pad_bytes_makes_an_answer_that_large(self):
        self.control("POST", "/__mock/faults", {"rules": [
            {"pad_bytes": 5 * 1024 * 1024, "email": "big@example.com"},
            {"status": 500, "pad_bytes": 1000},
        ]})
        status, _, body = self.put(person("big@example.com"))
        self.assertEqual(status, 200)  # applied, and answered at length
        self.assertEqual(len(body["padding"]), 5 * 1024 * 1024)
        self.assertEqual(body["data"]["values"]["email_addresses"][0]["email_address"], "big@example.com")
        status, _, body = self.put(person("other@example.com"))
        self.assertEqual((status, len(body["padding"])), (500, 1000))
        status, _, body = self.put(person("other@example.com"))
        self.assertEqual(status, 200)
        self.assertNotIn("padding", body)
        with self.assertRaises(AssertionError):
            self.control("POST", "/__mock/faults", {"rules": [{"pad_bytes": -1}]})

    def test_drop_and_delay(self):
        self.control("POST", "/__mock/faults", {"rules": [{"drop": True, "delay_ms": 100}]})
        started = time.time()
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError)):
            self.put(person("drop@example.com"))
        self.assertGreaterEqual(time.time() - started, 0.09)
        self.assertEqual(self.put(person("drop@example.com"))[0], 200)
        requests = self.control("GET", "/__mock/requests")
        self.assertEqual([(r["dropped"], r["status"]) for r in requests], [(True, None), (False, 200)])
        self.assertEqual(self.control("GET", "/__mock/stats")["status_counts"],
                         {"200": 1, "dropped": 1})

    def test_keep_alive_and_concurrency_stats(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        for _ in range(3):  # sequential on one connection: never concurrent
            self.assertEqual(self.put(person("same@example.com"), conn=conn)[0], 200)
        conn.close()
        stats = self.control("GET", "/__mock/stats")
        self.assertEqual((stats["max_concurrent"], stats["max_concurrent_per_email"]), (1, 1))

        self.control("POST", "/__mock/faults", {"latency_ms": 200})
        threads = [threading.Thread(target=self.put, args=(person(e),))
                   for e in ("same@example.com", "SAME@example.com", "other@example.com")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stats = self.control("GET", "/__mock/stats")
        self.assertEqual(stats["max_concurrent"], 3)
        self.assertEqual(stats["max_concurrent_per_email"], 2)
        self.assertEqual(stats["in_flight"], 0)

    def test_control_rejects_bad_config(self):
        status, _, err = self.request("POST", "/__mock/faults", {"rules": [{"stauts": 500}]}, token=None)
        self.assertEqual(status, 400)
        self.assertIn("stauts", err["error"])


RECORDS = "/v2/objects/people/records"
COMPANY_ASSERT = "/v2/objects/companies/records?matching_attribute=domains"


class RecordsTest(unittest.TestCase):
    """The record model added for safe writes (issue 9) and custom attributes (issue 10).

    Its own server, with both budgets off unless a test sets them: these tests write more
    than 25 times a second."""

    @classmethod
    def setUpClass(cls):
        cls.proc, cls.port = start_mock("--rate", "0", "--read-rate", "0")

    tearDownClass = MockAttioTest.__dict__["tearDownClass"]
    setUp = MockAttioTest.setUp
    request = MockAttioTest.request
    put = MockAttioTest.put
    control = MockAttioTest.control

    # -- helpers --------------------------------------------------------------------

    def seed(self, people=(), companies=()):
        return self.control("POST", "/__mock/seed",
                            {"people": list(people), "companies": list(companies)})

    def seed_ada(self):
        return self.seed(people=[{"values": {
            "email_addresses": ["ada@example.com", "ada@work.example"],
            "phone_numbers": ["+442079460958",
                              {"original_phone_number": "07700 900123", "country_code": "GB"}],
            "name": "Ada Lovelace",
            "job_title": "Head of Research",
            "interests": ["Analytics", "Security"],
            "plan": "Pro",
        }}])["people"][0]["record_id"]

    def query(self, filt, limit=1):
        return self.request("POST", RECORDS + "/query", {"filter": filt, "limit": limit})

    def write(self, method, path, values):
        return self.request(method, path, {"data": {"values": values}})

    def stored(self, email):
        for p in self.control("GET", "/__mock/people"):
            if email in p["email_addresses"]:
                return p
        return None

    # -- read shape -----------------------------------------------------------------

    def test_get_by_id_has_attios_read_shape(self):
        record_id = self.seed_ada()
        status, _, body = self.request("GET", f"{RECORDS}/{record_id}")
        self.assertEqual(status, 200, body)
        self.assertEqual(self.control("GET", "/__mock/requests")[0]["answered_record_ids"], [record_id])
        record = body["data"]
        self.assertEqual(record["id"]["record_id"], record_id)
        values = record["values"]
        for slug, items in values.items():
            self.assertIsInstance(items, list, slug)
            for item in items:
                self.assertIsNone(item["active_until"], slug)
                self.assertIn("active_from", item)
                self.assertIn("attribute_type", item)
        self.assertEqual([v["email_address"] for v in values["email_addresses"]],
                         ["ada@example.com", "ada@work.example"])
        self.assertEqual(values["email_addresses"][0]["attribute_type"], "email-address")
        self.assertEqual([(v["original_phone_number"], v["normalized_phone_number"], v["country_code"])
                          for v in values["phone_numbers"]],
                         [("+442079460958", "+442079460958", "GB"),
                          ("07700 900123", "+447700900123", "GB")])
        self.assertEqual(values["name"][0]["full_name"], "Ada Lovelace")
        self.assertEqual((values["name"][0]["first_name"], values["name"][0]["last_name"]),
                         ("Ada", "Lovelace"))
        self.assertEqual(values["job_title"][0]["value"], "Head of Research")
        self.assertEqual(values["plan"][0]["option"]["title"], "Pro")
        self.assertEqual([v["option"]["title"] for v in values["interests"]], ["Analytics", "Security"])
        # Every current attribute is there, empty when the record has no value; archived
        # ones are not.
        self.assertEqual(values["description"], [])
        self.assertEqual(values["company"], [])
        self.assertNotIn("old_segment", values)
        self.assertEqual(values["created_at"][0]["attribute_type"], "timestamp")
        ada = self.stored("ada@example.com")
        self.assertEqual((ada["origin"], ada["writes"]), ("seed", 0))
        self.assertEqual(ada["normalized_phone_numbers"], ["+442079460958", "+447700900123"])
        status, _, err = self.request("GET", f"{RECORDS}/00000000-0000-0000-0000-000000000000")
        self.assertEqual((status, err["code"], err["type"]), (404, "not_found", "invalid_request_error"))

    # -- query ----------------------------------------------------------------------

    def test_query_by_email_in_every_form(self):
        record_id = self.seed_ada()
        self.seed(people=[{"values": {"email_addresses": ["grace@example.com"]}}])
        forms = [
            {"email_addresses": "ada@work.example"},
            {"email_addresses": "ADA@Example.com"},  # case-insensitive (documented choice)
            {"email_addresses": {"email_address": {"$eq": "ada@example.com"}}},
            {"email_addresses": {"email_address": "ada@example.com"}},
            {"email_addresses": {"$eq": "ada@example.com"}},
            {"$and": [{"email_addresses": "ada@example.com"}, {"plan": "Pro"}]},
            {"$or": [{"email_addresses": "nobody@example.com"}, {"email_addresses": "ada@example.com"}]},
            {"phone_numbers": "+447700900123"},
            {"phone_numbers": {"normalized_phone_number": {"$eq": "+442079460958"}}},
            {"record_id": record_id},
        ]
        for filt in forms:
            with self.subTest(filter=filt):
                status, _, body = self.query(filt)
                self.assertEqual(status, 200, body)
                self.assertEqual([r["id"]["record_id"] for r in body["data"]], [record_id])
                self.assertIn("phone_numbers", body["data"][0]["values"])
        status, _, body = self.query({"email_addresses": "nobody@example.com"})
        self.assertEqual((status, body), (200, {"data": []}))
        status, _, body = self.query({}, limit=10)
        self.assertEqual(len(body["data"]), 2)
        status, _, body = self.query({}, limit=1)
        self.assertEqual(len(body["data"]), 1)
        status, _, err = self.query({"nickname": "x"})
        self.assertEqual((status, err["code"]), (400, "value_not_found"))
        status, _, err = self.query({"email_addresses": {"email_address": {"$contains": "ada"}}})
        self.assertEqual(status, 400)
        requests = self.control("GET", "/__mock/requests")
        self.assertEqual(requests[0]["endpoint"], "query")
        self.assertEqual(requests[0]["email"], "ada@work.example")
        self.assertEqual(requests[0]["answered_record_ids"], [record_id])
        stats = self.control("GET", "/__mock/stats")
        self.assertEqual(stats["queries"], len(forms) + 5)
        self.assertEqual(stats["reads"], len(forms) + 5)
        self.assertEqual(stats["writes"], 0)

    # -- PATCH ----------------------------------------------------------------------

    def test_patch_prepends_only_absent_values_and_sets_single_values(self):
        record_id = self.seed_ada()
        status, _, body = self.write("PATCH", f"{RECORDS}/{record_id}", {
            # Already held in another format / letter case: no new value.
            "phone_numbers": [{"original_phone_number": "+447700900123"},
                              {"original_phone_number": "+15558675309"}],
            "email_addresses": [{"email_address": "ADA@example.com"},
                                {"email_address": "ada@new.example"}],
            "interests": ["Security", "Automation"],
            "job_title": [{"value": "CEO"}],
            "seats": 12,
        })
        self.assertEqual(status, 200, body)
        values = body["data"]["values"]
        self.assertEqual([v["normalized_phone_number"] for v in values["phone_numbers"]],
                         ["+15558675309", "+442079460958", "+447700900123"])
        self.assertEqual([v["email_address"] for v in values["email_addresses"]],
                         ["ada@new.example", "ada@example.com", "ada@work.example"])
        self.assertEqual([v["option"]["title"] for v in values["interests"]],
                         ["Automation", "Analytics", "Security"])
        self.assertEqual([v["value"] for v in values["job_title"]], ["CEO"])
        self.assertEqual(values["seats"][0]["value"], 12)
        self.assertEqual(values["name"][0]["full_name"], "Ada Lovelace")  # not sent: kept
        ada = self.stored("ada@example.com")
        self.assertEqual(ada["writes"], 1)
        self.assertEqual(ada["values"]["phone_numbers"][0], {"original_phone_number": "+15558675309"})
        # Sending only what it holds changes nothing.
        status, _, _ = self.write("PATCH", f"{RECORDS}/{record_id}",
                                  {"phone_numbers": [{"original_phone_number": "+442079460958"}]})
        self.assertEqual(status, 200)
        self.assertEqual(len(self.stored("ada@example.com")["values"]["phone_numbers"]), 3)
        # Unknown id, and an address another person holds.
        status, _, err = self.write("PATCH", f"{RECORDS}/nope", {"job_title": [{"value": "x"}]})
        self.assertEqual((status, err["code"]), (404, "not_found"))
        self.seed(people=[{"values": {"email_addresses": ["grace@example.com"]}}])
        status, _, err = self.write("PATCH", f"{RECORDS}/{record_id}",
                                    {"email_addresses": [{"email_address": "Grace@example.com"}]})
        self.assertEqual((status, err["code"]), (400, "uniqueness_conflict"))
        stats = self.control("GET", "/__mock/stats")
        self.assertEqual((stats["patches"], stats["writes"], stats["write_status_counts"]),
                         (4, 4, {"200": 2, "400": 1, "404": 1}))

    def test_put_by_id_replaces_lists(self):
        record_id = self.seed_ada()
        status, _, body = self.write("PUT", f"{RECORDS}/{record_id}",
                                     {"phone_numbers": [{"original_phone_number": "+15558675309"}]})
        self.assertEqual(status, 200, body)
        self.assertEqual(self.stored("ada@example.com")["normalized_phone_numbers"], ["+15558675309"])
        self.assertEqual(self.control("GET", "/__mock/stats")["record_puts"], 1)

    # -- create ---------------------------------------------------------------------

    def test_create_refuses_an_existing_email(self):
        self.seed_ada()
        status, _, err = self.write("POST", RECORDS, {
            "email_addresses": [{"email_address": "Ada@Work.example"}]})
        self.assertEqual((status, err["type"], err["code"]),
                         (400, "invalid_request_error", "uniqueness_conflict"))
        values = {"email_addresses": [{"email_address": "grace@example.com"}],
                  "name": [{"first_name": "Grace", "last_name": "Hopper", "full_name": "Grace Hopper"}],
                  "phone_numbers": [{"original_phone_number": "+15558675309"}]}
        status, _, body = self.write("POST", RECORDS, values)
        self.assertEqual(status, 200, body)
        grace = self.stored("grace@example.com")
        self.assertEqual(grace["record_id"], body["data"]["id"]["record_id"])
        self.assertEqual((grace["origin"], grace["writes"]), ("api", 1))
        self.assertEqual(grace["values"], values)  # exactly what was sent
        stats = self.control("GET", "/__mock/stats")
        self.assertEqual((stats["creates"], stats["people"]), (2, 2))

    # -- assert ---------------------------------------------------------------------

    def test_assert_keeps_emails_and_replaces_other_multiselects(self):
        record_id = self.seed_ada()
        status, _, body = self.put({"data": {"values": {
            "email_addresses": [{"email_address": "ada@example.com"}],
            "phone_numbers": [{"original_phone_number": "+15558675309"}],
            "job_title": [{"value": "CEO"}],
            "interests": ["Automation"],
        }}})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["data"]["id"]["record_id"], record_id)
        ada = self.stored("ada@example.com")
        self.assertEqual(ada["email_addresses"], ["ada@example.com", "ada@work.example"])
        self.assertEqual(ada["normalized_phone_numbers"], ["+15558675309"])  # replaced
        self.assertEqual(ada["values"]["interests"], [{"option": "Automation"}])  # replaced
        self.assertEqual(ada["values"]["job_title"], [{"value": "CEO"}])  # overwritten
        self.assertEqual(ada["values"]["plan"], [{"option": "Pro"}])  # not sent: kept
        # Two people's addresses in one assert cannot both match and stay unique.
        self.seed(people=[{"values": {"email_addresses": ["grace@example.com"]}}])
        status, _, err = self.put({"data": {"values": {"email_addresses": [
            {"email_address": "ada@example.com"}, {"email_address": "grace@example.com"}]}}})
        self.assertEqual((status, err["code"]), (400, "uniqueness_conflict"))

    # -- race, delete, merge --------------------------------------------------------

    def test_race_record_appears_between_query_and_create(self):
        races = self.control("POST", "/__mock/race", {
            "email": "late@example.com", "values": {"job_title": "Rep's title"}})
        self.assertEqual(races[0]["fired"], False)
        status, _, body = self.query({"email_addresses": "late@example.com"})
        self.assertEqual((status, body["data"]), (200, []))
        status, _, err = self.write("POST", RECORDS, {
            "email_addresses": [{"email_address": "late@example.com"}]})
        self.assertEqual((status, err["code"]), (400, "uniqueness_conflict"))
        status, _, body = self.query({"email_addresses": "late@example.com"})
        self.assertEqual(len(body["data"]), 1)
        self.assertEqual(body["data"][0]["values"]["job_title"][0]["value"], "Rep's title")
        race = self.control("GET", "/__mock/race")[0]
        self.assertTrue(race["fired"])
        self.assertEqual(race["record_id"], body["data"][0]["id"]["record_id"])
        self.assertEqual(self.stored("late@example.com")["origin"], "race")
        self.assertEqual(self.control("GET", "/__mock/stats")["races_fired"], 1)
        # trigger "create": the record appears just before the create is processed.
        self.control("POST", "/__mock/race", {"email": "later@example.com", "trigger": "create"})
        self.assertEqual(self.query({"email_addresses": "later@example.com"})[2]["data"], [])
        status, _, err = self.write("POST", RECORDS, {
            "email_addresses": [{"email_address": "later@example.com"}]})
        self.assertEqual((status, err["code"]), (400, "uniqueness_conflict"))
        self.assertEqual(len(self.control("GET", "/__mock/people")), 2)

    def test_deleted_and_merged_records_are_not_found(self):
        ada = self.seed_ada()
        other = self.seed(people=[{"values": {"email_addresses": ["ada@home.example"],
                                              "phone_numbers": ["+15558675309"],
                                              "job_title": "ignored: ada has one"}}])["people"][0]["record_id"]
        merged = self.control("POST", "/__mock/merge", {"from": other, "into": ada})
        self.assertEqual(merged, {"record_id": ada, "merged": other})
        self.assertEqual(self.request("GET", f"{RECORDS}/{other}")[0], 404)
        person = self.stored("ada@example.com")
        self.assertEqual(person["email_addresses"],
                         ["ada@example.com", "ada@work.example", "ada@home.example"])
        self.assertEqual(person["values"]["job_title"], [{"value": "Head of Research"}])
        self.control("DELETE", f"/__mock/people/{ada}")
        self.assertEqual(self.write("PATCH", f"{RECORDS}/{ada}", {"seats": 1})[0], 404)
        self.assertEqual(self.control("GET", "/__mock/people"), [])

    def test_lookups_follow_every_change(self):
        # Queries, uniqueness and assert matching use an index: it must follow PATCHes,
        # asserts, merges, deletes and seeds, with many people stored.
        seeded = self.seed(people=[{"values": {"email_addresses": [f"p{i}@example.com"]}}
                                   for i in range(300)])["people"]
        ids = [p["record_id"] for p in seeded]

        def found(address):
            return [r["id"]["record_id"] for r in self.query({"email_addresses": address})[2]["data"]]

        self.assertEqual(found("P299@example.com"), [ids[299]])
        self.write("PATCH", f"{RECORDS}/{ids[5]}", {"email_addresses": [{"email_address": "five@example.com"}]})
        self.assertEqual(found("five@example.com"), [ids[5]])
        self.assertEqual(self.put(person("five@example.com"))[2]["data"]["id"]["record_id"], ids[5])
        self.control("POST", "/__mock/merge", {"from": ids[6], "into": ids[7]})
        self.assertEqual(found("p6@example.com"), [ids[7]])
        self.control("DELETE", f"/__mock/people/{ids[8]}")
        self.assertEqual(found("p8@example.com"), [])
        status, _, body = self.write("POST", RECORDS, {"email_addresses": [{"email_address": "p8@example.com"}]})
        self.assertEqual(status, 200, body)
        self.assertEqual(found("p8@example.com"), [body["data"]["id"]["record_id"]])
        # A seed edit replacing the addresses frees the old one.
        self.seed(people=[{"record_id": ids[9], "values": {"email_addresses": ["nine@example.com"]}}])
        self.assertEqual((found("p9@example.com"), found("nine@example.com")), ([], [ids[9]]))
        self.assertEqual(self.write("POST", RECORDS, {"email_addresses": [{"email_address": "p9@example.com"}]})[0], 200)
        # The slow path (any other filter) agrees with the index.
        self.assertEqual([r["id"]["record_id"] for r in self.query(
            {"$or": [{"email_addresses": "p6@example.com"}]})[2]["data"]], [ids[7]])

    # -- budgets, scopes, faults ----------------------------------------------------

    def test_reads_and_writes_have_separate_budgets(self):
        self.control("POST", "/__mock/faults", {"read_rate": 1, "rate": 1})
        record_id = self.seed_ada()
        results = []
        lock = threading.Lock()

        def read():
            r = self.query({"email_addresses": "ada@example.com"})
            with lock:
                results.append(r)

        threads = [threading.Thread(target=read) for _ in range(5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        limited = [r for r in results if r[0] == 429]
        self.assertTrue(limited)
        status, headers, err = limited[0]
        self.assertEqual((err["type"], err["code"]), ("rate_limit_error", "rate_limit_exceeded"))
        self.assertTrue(headers["Retry-After"].endswith(" GMT"))
        email.utils.parsedate_to_datetime(headers["Retry-After"])
        # The read budget is spent; the write budget is not.
        self.assertEqual(self.write("PATCH", f"{RECORDS}/{record_id}", {"seats": 3})[0], 200)
        self.assertEqual(self.write("PATCH", f"{RECORDS}/{record_id}", {"seats": 4})[0], 429)
        stats = self.control("GET", "/__mock/stats")
        self.assertEqual(stats["rate_limited_reads"], len(limited))
        self.assertEqual(stats["rate_limited_writes"], 1)
        self.assertEqual(stats["read_status_counts"].get("429"), len(limited))
        self.assertEqual(stats["write_status_counts"], {"200": 1, "429": 1})
        self.assertGreaterEqual(stats["max_reads_in_any_1s_window"], 2)

    def test_concurrency_per_person_spans_reads_and_writes(self):
        record_id = self.seed_ada()
        self.query({"email_addresses": "ada@example.com"})
        self.write("PATCH", f"{RECORDS}/{record_id}", {"seats": 1})
        self.assertEqual(self.control("GET", "/__mock/stats")["max_concurrent_per_person"], 1)
        self.control("POST", "/__mock/faults", {"latency_ms": 300})
        # A query by one of her addresses and a PATCH of her record (named by id only).
        threads = [
            threading.Thread(target=self.query, args=({"email_addresses": "ADA@work.example"},)),
            threading.Thread(target=self.write, args=("PATCH", f"{RECORDS}/{record_id}", {"seats": 2})),
            threading.Thread(target=self.query, args=({"email_addresses": "grace@example.com"},)),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(self.control("GET", "/__mock/stats")["max_concurrent_per_person"], 2)

    def test_read_scope_suffices_for_reads_only(self):
        record_id = self.seed_ada()
        self.control("POST", "/__mock/faults",
                     {"scopes": "record_permission:read object_configuration:read"})
        self.assertEqual(self.query({"email_addresses": "ada@example.com"})[0], 200)
        self.assertEqual(self.request("GET", f"{RECORDS}/{record_id}")[0], 200)
        status, _, err = self.write("PATCH", f"{RECORDS}/{record_id}", {"seats": 1})
        self.assertEqual((status, err["type"]), (403, "auth_error"))
        self.assertEqual(self.write("POST", RECORDS, {"seats": 1})[0], 403)
        self.control("POST", "/__mock/faults", {"scopes": "object_configuration:read"})
        self.assertEqual(self.query({"email_addresses": "ada@example.com"})[0], 403)
        self.assertEqual(self.request("GET", f"{RECORDS}/{record_id}")[0], 403)
        self.assertEqual(self.request("POST", RECORDS + "/query", {}, token="wrong")[0], 401)

    def test_fault_rules_on_record_endpoints(self):
        record_id = self.seed_ada()
        self.control("POST", "/__mock/faults", {"rules": [
            {"endpoint": "query", "status": 503, "email": "ada@example.com"},
            {"endpoint": "patch", "status": 409, "email": "ada@work.example"},  # by the record's address
            {"endpoint": "create", "drop": True, "apply": True},
        ]})
        self.assertEqual(self.query({"email_addresses": "ada@example.com"})[0], 503)
        self.assertEqual(self.query({"email_addresses": "ada@example.com"})[0], 200)
        self.assertEqual(self.write("PATCH", f"{RECORDS}/{record_id}", {"seats": 1})[0], 409)
        self.assertEqual(self.write("PATCH", f"{RECORDS}/{record_id}", {"seats": 2})[0], 200)
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError)):
            self.write("POST", RECORDS, {"email_addresses": [{"email_address": "lost@example.com"}]})
        self.assertIsNotNone(self.stored("lost@example.com"))  # applied, answer lost
        requests = self.control("GET", "/__mock/requests")
        self.assertEqual([r["fault"] for r in requests], [0, None, 1, None, 2])
        self.assertEqual(requests[2]["record_id"], record_id)
        self.assertEqual(requests[2]["object"], "people")

    # -- schema -----------------------------------------------------------------------

    def test_schema_lists_every_type_with_flags_and_config(self):
        status, _, body = self.request("GET", "/v2/objects/people/attributes")
        self.assertEqual(status, 200)
        people = {a["api_slug"]: a for a in body["data"]}
        self.assertEqual([a["api_slug"] for a in body["data"]][:7],
                         ["email_addresses", "name", "phone_numbers", "job_title", "description",
                          "linkedin", "created_at"])
        types = {a["type"] for a in body["data"]}
        for type_ in ("text", "number", "checkbox", "currency", "date", "timestamp", "rating",
                      "select", "status", "email-address", "phone-number", "domain",
                      "record-reference", "personal-name", "location", "interaction"):
            self.assertIn(type_, types)
        for attribute in body["data"]:
            for key in ("api_slug", "type", "is_multiselect", "is_unique", "is_writable",
                        "is_archived", "is_required", "config"):
                self.assertIn(key, attribute)
        self.assertTrue(people["email_addresses"]["is_unique"])
        self.assertTrue(people["interests"]["is_multiselect"])
        self.assertFalse(people["plan"]["is_multiselect"])
        self.assertEqual(people["mrr"]["config"]["currency"]["default_currency_code"], "USD")
        self.assertFalse(people["lead_score"]["is_writable"])
        self.assertFalse(people["last_email_interaction"]["is_writable"])
        self.assertTrue(people["old_segment"]["is_archived"])
        _, _, objects = self.request("GET", "/v2/objects")
        ids = {o["api_slug"]: o["id"]["object_id"] for o in objects["data"]}
        self.assertEqual(people["company"]["config"]["record_reference"]["allowed_object_ids"],
                         [ids["companies"]])
        self.assertEqual(people["email_addresses"]["id"]["object_id"], ids["people"])
        status, _, body = self.request("GET", "/v2/objects/companies/attributes")
        companies = {a["api_slug"]: a for a in body["data"]}
        self.assertTrue(companies["domains"]["is_unique"] and companies["domains"]["is_multiselect"])
        self.assertEqual(companies["arr"]["config"]["currency"]["default_currency_code"], "EUR")
        # rename/archive/not_writable reach custom attributes too.
        self.control("POST", "/__mock/faults", {"rename": {"plan": "tier"}, "archive": ["seats"]})
        _, _, body = self.request("GET", "/v2/objects/people/attributes")
        people = {a["api_slug"]: a for a in body["data"]}
        self.assertIn("tier", people)
        self.assertTrue(people["seats"]["is_archived"])

    def test_options_and_statuses_and_an_admin_adding_one(self):
        status, _, body = self.request("GET", "/v2/objects/people/attributes/plan/options")
        self.assertEqual(status, 200)
        self.assertEqual([o["title"] for o in body["data"]], ["Free", "Starter", "Pro", "Enterprise"])
        option = body["data"][2]
        self.assertIn("option_id", option["id"])
        _, _, body = self.request("GET", "/v2/objects/people/attributes/plan/options?show_archived=true")
        self.assertIn(("Legacy", True), [(o["title"], o["is_archived"]) for o in body["data"]])
        _, _, body = self.request("GET", "/v2/objects/people/attributes/lifecycle_stage/statuses")
        self.assertEqual([s["title"] for s in body["data"]], ["Lead", "Trial", "Customer", "Churned"])
        self.assertIn("status_id", body["data"][0]["id"])
        self.assertEqual(self.request("GET", "/v2/objects/people/attributes/seats/options")[0], 400)
        self.assertEqual(self.request("GET", "/v2/objects/people/attributes/nope/options")[0], 404)
        _, _, body = self.request("GET", "/v2/objects/companies/attributes/categories/options")
        self.assertIn("SaaS", [o["title"] for o in body["data"]])

        self.seed_ada()
        status, _, err = self.put(person("ada@example.com", plan=["Scale"]))
        self.assertEqual((status, err["code"]), (400, "value_not_found"))
        added = self.control("POST", "/__mock/options", {"attribute": "plan", "title": "Scale"})
        self.assertEqual(added["title"], "Scale")
        status, _, body = self.put(person("ada@example.com", plan=["Scale"]))
        self.assertEqual(status, 200, body)
        self.assertEqual(body["data"]["values"]["plan"][0]["option"]["title"], "Scale")
        # By option id too.
        status, _, body = self.put(person("ada@example.com", plan=[{"option": option["id"]["option_id"]}]))
        self.assertEqual((status, body["data"]["values"]["plan"][0]["option"]["title"]), (200, "Pro"))
        self.control("POST", "/__mock/options", {"attribute": "lifecycle_stage", "title": "Expansion"})
        self.assertEqual(self.put(person("ada@example.com", lifecycle_stage="Expansion"))[0], 200)

    def test_an_option_added_after_the_next_read(self):
        """after_reads: the admin adds the option just after a client has read the options."""
        def titles():
            _, _, body = self.request("GET", "/v2/objects/people/attributes/plan/options")
            return [o["title"] for o in body["data"]]
        answer = self.control("POST", "/__mock/options",
                              {"attribute": "plan", "title": "Scale", "after_reads": 1})
        self.assertEqual(answer, {"pending": True, "after_reads": 1})
        self.assertNotIn("Scale", titles())   # the read that arms it does not see it
        self.assertIn("Scale", titles())      # the next one does
        # Another attribute's reads do not count; a bad attribute is refused at once.
        self.control("POST", "/__mock/options",
                     {"attribute": "plan", "title": "Team", "after_reads": 1})
        self.request("GET", "/v2/objects/people/attributes/lifecycle_stage/statuses")
        self.assertNotIn("Team", titles())
        self.assertIn("Team", titles())
        status, _, _ = self.request("POST", "/__mock/options",
                                    {"attribute": "seats", "title": "x", "after_reads": 1},
                                    token=None)
        self.assertEqual(status, 400)

    def test_values_are_validated_by_type(self):
        self.seed(companies=[{"values": {"domains": ["acme.com"]}}])
        good = [
            ("signup_source", "Ad", [{"value": "Ad"}]),
            ("signup_source", [{"value": "Ad"}], [{"value": "Ad"}]),
            ("seats", 42.5, [{"value": 42.5}]),
            ("seats", {"value": 3}, [{"value": 3}]),
            ("newsletter_consent", False, [{"value": False}]),
            ("mrr", 99.5, [{"currency_value": 99.5}]),
            ("mrr", [{"currency_value": 10}], [{"currency_value": 10}]),
            ("trial_ends_on", "2026-12-01T23:30:00-05:00", [{"value": "2026-12-01"}]),
            ("signed_up_at", "2026-12-01T10:00:00+01:00", [{"value": "2026-12-01T09:00:00.000000000Z"}]),
            ("signed_up_at", "2026-12-01T09:00:00Z", [{"value": "2026-12-01T09:00:00.000000000Z"}]),
            ("satisfaction", 5, [{"value": 5}]),
            ("plan", "Pro", [{"option": "Pro"}]),
            ("plan", [{"option": "Free"}], [{"option": "Free"}]),
            ("interests", ["Analytics", "Security"], [{"option": "Analytics"}, {"option": "Security"}]),
            ("lifecycle_stage", {"status": "Trial"}, [{"status": "Trial"}]),
            ("billing_email", "bills@acme.com", [{"email_address": "bills@acme.com"}]),
            ("work_phone", "+15558675309", [{"original_phone_number": "+15558675309"}]),
            ("work_phone", {"original_phone_number": "+15558675309", "country_code": None},
             [{"original_phone_number": "+15558675309"}]),
            ("personal_website", "Ada.dev", [{"domain": "ada.dev"}]),
            ("primary_location", "London", None),
        ]
        for slug, value, stored in good:
            with self.subTest(slug=slug, value=value):
                status, _, body = self.put(person("t@example.com", **{slug: value}))
                self.assertEqual(status, 200, body)
                if stored is not None:
                    self.assertEqual(self.stored("t@example.com")["values"][slug], stored)
        _, _, body = self.request("POST", RECORDS + "/query", {"filter": {"email_addresses": "t@example.com"}})
        self.assertEqual(body["data"][0]["values"]["mrr"][0]["currency_code"], "USD")
        bad = [
            ("signup_source", 3, "validation_type"),
            ("seats", "lots", "validation_type"),
            ("seats", 1.23456, "validation_type"),
            ("newsletter_consent", None, "validation_type"),
            ("newsletter_consent", "yes", "validation_type"),
            ("mrr", {"currency_value": 1, "currency_code": "EUR"}, "validation_type"),
            ("trial_ends_on", "01/12/2026", "validation_type"),
            ("signed_up_at", "2026-12-01T09:00:00", "validation_type"),  # no zone
            ("signed_up_at", "yesterday", "validation_type"),
            ("satisfaction", 9, "validation_type"),
            ("satisfaction", 4.5, "validation_type"),
            ("plan", "pro", "value_not_found"),  # titles are exact
            ("plan", "Legacy", "value_not_found"),  # archived
            ("plan", ["Free", "Pro"], "multiple_values_for_single_select"),
            ("interests", "Analytics", "validation_type"),  # multiselect needs an array
            ("interests", ["Nope"], "value_not_found"),
            ("lifecycle_stage", "Won", "value_not_found"),
            ("billing_email", "not-an-address", "invalid_email_address"),
            ("work_phone", "5558675309", "invalid_phone_number"),
            ("personal_website", "https://ada.dev/about", "validation_type"),
            ("company", {"target_object": "companies", "domains": [{"domain": "nowhere.example"}]},
             "value_not_found"),
            ("company", {"target_object": "companies", "target_record_id": "nope"}, "value_not_found"),
            ("company", {"target_object": "people", "target_record_id": "nope"}, "validation_type"),
            ("lead_score", 10, "immutable_value"),
            ("last_email_interaction", [], "immutable_value"),
            ("old_segment", "x", "value_not_found"),  # archived
        ]
        for slug, value, code in bad:
            with self.subTest(slug=slug, value=value):
                status, _, err = self.put(person("t@example.com", **{slug: value}))
                self.assertEqual((status, err["code"]), (400, code), err)
                if code != "value_not_found" or slug != "old_segment":
                    self.assertIn(slug, err["message"])
        # The original seven keep their strict object-only checks.
        self.assertEqual(self.put(person("t@example.com", job_title="CEO"))[0], 400)

    # -- companies --------------------------------------------------------------------

    def test_companies_assert_and_person_references(self):
        status, _, err = self.put(person("ada@example.com", company={
            "target_object": "companies", "domains": [{"domain": "acme.com"}]}))
        self.assertEqual((status, err["code"]), (400, "value_not_found"))
        status, _, body = self.request("PUT", COMPANY_ASSERT, {"data": {"values": {
            "domains": [{"domain": "acme.com"}], "name": [{"value": "Acme"}],
            "categories": ["SaaS", "B2B"], "employees": 40, "plan": "Pro"}}})
        self.assertEqual(status, 200, body)
        company_id = body["data"]["id"]["record_id"]
        self.assertEqual(body["data"]["values"]["domains"][0]["domain"], "acme.com")
        self.assertIn("/company/", body["data"]["web_url"])
        status, _, body = self.request("PUT", COMPANY_ASSERT, {"data": {"values": {
            "domains": ["ACME.com", "acme.io"], "name": "Acme Inc", "categories": ["Fintech"]}}})
        self.assertEqual((status, body["data"]["id"]["record_id"]), (200, company_id))
        # Matched by one domain only: the other stays.
        status, _, body = self.request("PUT", COMPANY_ASSERT, {"data": {"values": {
            "domains": ["acme.io"]}}})
        self.assertEqual((status, body["data"]["id"]["record_id"]), (200, company_id))
        companies = self.control("GET", "/__mock/companies")
        self.assertEqual(len(companies), 1)
        acme = companies[0]
        self.assertEqual(acme["domains"], ["acme.com", "acme.io"])  # additive
        self.assertEqual(acme["values"]["categories"], [{"option": "Fintech"}])  # replaced
        self.assertEqual(acme["values"]["name"], [{"value": "Acme Inc"}])  # overwritten
        self.assertEqual(acme["values"]["employees"], [{"value": 40}])  # not sent: kept
        self.assertEqual(acme["writes"], 3)
        for reference in ({"target_object": "companies", "domains": [{"domain": "acme.io"}]},
                          {"target_object": "companies", "target_record_id": company_id}):
            with self.subTest(reference=reference):
                status, _, body = self.put(person("ada@example.com", company=[reference]))
                self.assertEqual(status, 200, body)
                link = body["data"]["values"]["company"][0]
                self.assertEqual((link["target_object"], link["target_record_id"],
                                  link["attribute_type"]),
                                 ("companies", company_id, "record-reference"))
        self.assertEqual(self.stored("ada@example.com")["values"]["company"],
                         [{"target_object": "companies", "target_record_id": company_id}])
        status, _, err = self.request(
            "PUT", "/v2/objects/companies/records?matching_attribute=name",
            {"data": {"values": {"domains": ["x.com"]}}})
        self.assertEqual((status, err["code"]), (400, "invalid_matching_attribute"))
        status, _, err = self.request("PUT", COMPANY_ASSERT, {"data": {"values": {"name": "No domain"}}})
        self.assertEqual((status, err["code"]), (400, "missing_value"))
        _, _, body = self.request("POST", "/v2/objects/companies/records/query",
                                  {"filter": {"domains": "acme.io"}})
        self.assertEqual([r["id"]["record_id"] for r in body["data"]], [company_id])
        stats = self.control("GET", "/__mock/stats")
        self.assertEqual((stats["company_asserts"], stats["companies"], stats["puts"]), (5, 1, 3))

    def test_control_rejects_bad_seeds_and_races(self):
        for path, body in [
            ("/__mock/seed", {"people": [{"values": {"nickname": "x"}}]}),
            ("/__mock/seed", {"people": [{"values": {"email_addresses": ["bad@"]}}]}),
            ("/__mock/seed", {"persons": []}),
            ("/__mock/seed", {"people": [{"values": {"company": {
                "target_object": "companies", "domains": ["nowhere.example"]}}}]}),
            ("/__mock/race", {"email": 3}),
            ("/__mock/race", {"email": "a@example.com", "trigger": "later"}),
            ("/__mock/options", {"attribute": "seats", "title": "x"}),
            ("/__mock/merge", {"from": "x", "into": "y"}),
        ]:
            with self.subTest(path=path, body=body):
                status, _, err = self.request("POST", path, body, token=None)
                self.assertEqual(status, 400, err)
                self.assertIn("error", err)
        self.assertEqual(self.control("GET", "/__mock/people"), [])
        self.seed_ada()
        # All or nothing: the first entry is fine, the second clashes with ada.
        status, _, err = self.request("POST", "/__mock/seed", {"people": [
            {"values": {"email_addresses": ["grace@example.com"]}},
            {"values": {"email_addresses": ["ADA@example.com"]}}]}, token=None)
        self.assertEqual(status, 400)
        self.assertEqual(len(self.control("GET", "/__mock/people")), 1)
        # A seed naming an existing record_id edits it (a rep changing a value in the app).
        record_id = self.stored("ada@example.com")["record_id"]
        self.seed(people=[{"record_id": record_id, "values": {"job_title": "Chief Scientist"}}])
        self.assertEqual(self.stored("ada@example.com")["values"]["job_title"],
                         [{"value": "Chief Scientist"}])
        self.assertEqual(self.stored("ada@example.com")["writes"], 0)
        self.assertEqual(self.control("GET", "/__mock/stats")["requests"], 0)

USERS = "/v2/objects/users/records"
WORKSPACES = "/v2/objects/workspaces/records"
USER_ASSERT = USERS + "?matching_attribute=user_id"
WORKSPACE_ASSERT = WORKSPACES + "?matching_attribute=workspace_id"


class NotActivatedTest(unittest.TestCase):
    """Users and workspaces are disabled in a new Attio workspace: a mock started without
    --objects serves neither until the config activates them."""

    setUpClass = RecordsTest.__dict__["setUpClass"]
    tearDownClass = MockAttioTest.__dict__["tearDownClass"]
    setUp = MockAttioTest.setUp
    request = MockAttioTest.request
    control = MockAttioTest.control

    def assert_not_activated(self, method, path, body=None, obj="users"):
        status, _, err = self.request(method, path, body)
        self.assertEqual(status, 404, (method, path, err))
        self.assertEqual((err["type"], err["code"], err["status_code"]),
                         ("invalid_request_error", "not_found", 404))
        self.assertIn("not activated", err["message"])
        self.assertIn(obj, err["message"])

    def test_every_route_is_404_until_activated(self):
        record = {"data": {"values": {"user_id": "u1", "primary_email_address": "a@example.com"}}}
        for obj, base, assert_path in (("users", USERS, USER_ASSERT),
                                       ("workspaces", WORKSPACES, WORKSPACE_ASSERT)):
            for method, path, body in [
                ("GET", f"/v2/objects/{obj}", None),
                ("GET", f"/v2/objects/{obj}/attributes", None),
                ("GET", f"/v2/objects/{obj}/attributes/name/options", None),
                ("PUT", assert_path, record),
                ("POST", base, record),
                ("POST", base + "/query", {}),
                ("GET", base + "/00000000-0000-0000-0000-000000000000", None),
                ("PATCH", base + "/00000000-0000-0000-0000-000000000000", record),
                ("PUT", base + "/00000000-0000-0000-0000-000000000000", record),
                ("GET", base, None),  # a route the mock does not model
            ]:
                with self.subTest(method=method, path=path):
                    self.assert_not_activated(method, path, body, obj)
        # Authentication still comes first on the modelled routes.
        self.assertEqual(self.request("GET", "/v2/objects/users", token="wrong")[0], 401)
        _, _, objects = self.request("GET", "/v2/objects")
        self.assertEqual([o["api_slug"] for o in objects["data"]], ["people", "companies"])
        # The pairs on people and companies do not exist either.
        _, _, people = self.request("GET", "/v2/objects/people/attributes")
        self.assertNotIn("associated_users", [a["api_slug"] for a in people["data"]])
        _, _, companies = self.request("GET", "/v2/objects/companies/attributes")
        self.assertNotIn("associated_workspaces", [a["api_slug"] for a in companies["data"]])
        status, _, err = self.request("PUT", ASSERT, person("a@example.com", associated_users=[]))
        self.assertEqual((status, err["code"]), (400, "value_not_found"))
        status, _, body = self.request("PUT", ASSERT, person("a@example.com"))
        self.assertNotIn("associated_users", body["data"]["values"])
        self.assertNotIn("associated_users", self.control("GET", "/__mock/people")[0])
        status, _, err = self.request("POST", "/__mock/seed",
                                      {"users": [{"values": {"user_id": "u1"}}]}, token=None)
        self.assertEqual(status, 400)
        self.assertIn("not activated", err["error"])
        self.assertEqual(self.control("GET", "/__mock/users"), [])
        requests = self.control("GET", "/__mock/requests")
        self.assertEqual((requests[0]["endpoint"], requests[0]["object"]), ("object", "users"))

    def test_the_config_activates_each_object(self):
        self.assertEqual(self.control("GET", "/__mock/faults")["objects"], [])
        self.control("POST", "/__mock/faults", {"objects": ["users"]})
        status, _, body = self.request("GET", "/v2/objects/users")
        self.assertEqual(status, 200, body)
        self.assertEqual((body["data"]["api_slug"], body["data"]["singular_noun"]), ("users", "User"))
        self.assert_not_activated("GET", "/v2/objects/workspaces", obj="workspaces")
        _, _, objects = self.request("GET", "/v2/objects")
        self.assertEqual([o["api_slug"] for o in objects["data"]], ["people", "companies", "users"])
        _, _, people = self.request("GET", "/v2/objects/people/attributes")
        self.assertIn("associated_users", [a["api_slug"] for a in people["data"]])
        # Without workspaces a user has no workspace attribute.
        _, _, users = self.request("GET", "/v2/objects/users/attributes")
        self.assertEqual([a["api_slug"] for a in users["data"]],
                         ["user_id", "primary_email_address", "person", "created_at", "role"])
        # A string works too; the config is replaced as a whole, so leaving "objects" out
        # deactivates them again.
        self.control("POST", "/__mock/faults", {"objects": "users workspaces"})
        self.assertEqual(self.request("GET", "/v2/objects/workspaces")[0], 200)
        self.control("POST", "/__mock/faults", {"rules": []})
        self.assert_not_activated("GET", "/v2/objects/users")
        for bad in (["deals"], ["people"], 3):
            with self.subTest(objects=bad):
                status, _, err = self.request("POST", "/__mock/faults", {"objects": bad}, token=None)
                self.assertEqual(status, 400, err)

    def test_the_flag_activates_them_from_the_start(self):
        proc, port = start_mock("--objects", "users,workspaces")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/v2/objects", headers={"Authorization": "Bearer test-token"})
            slugs = [o["api_slug"] for o in json.loads(conn.getresponse().read())["data"]]
            self.assertEqual(slugs, ["people", "companies", "users", "workspaces"])
            conn.close()
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=5)
            proc.stdout.close()
        bad = subprocess.run([sys.executable, os.path.join(HERE, "mock_attio.py"),
                              "--objects", "deals"], capture_output=True, text=True, timeout=10)
        self.assertEqual(bad.returncode, 2)
        self.assertEqual(bad.stdout, "")


class UsersWorkspacesTest(unittest.TestCase):
    """Users and workspaces (groundwork for issue 22), activated with --objects."""

    @classmethod
    def setUpClass(cls):
        cls.proc, cls.port = start_mock("--rate", "0", "--read-rate", "0",
                                        "--objects", "users,workspaces")

    tearDownClass = MockAttioTest.__dict__["tearDownClass"]
    setUp = MockAttioTest.setUp
    request = MockAttioTest.request
    put = MockAttioTest.put
    control = MockAttioTest.control
    seed = RecordsTest.seed
    write = RecordsTest.write

    # -- helpers --------------------------------------------------------------------

    def user(self, values, matching="user_id"):
        return self.write("PUT", f"{USERS}?matching_attribute={matching}", values)

    def workspace(self, values):
        return self.write("PUT", WORKSPACE_ASSERT, values)

    def ok(self, answer):
        status, _, body = answer
        self.assertEqual(status, 200, body)
        return body["data"]

    def mock(self, obj, key, value):
        """The entry of /__mock/{obj} whose `key` is `value`."""
        found = [r for r in self.control("GET", f"/__mock/{obj}") if r[key] == value]
        self.assertEqual(len(found), 1, (obj, key, value))
        return found[0]

    def error(self, answer, code):
        status, _, err = answer
        self.assertEqual((status, err["code"]), (400, code), err)
        return err

    # -- schema -----------------------------------------------------------------------

    def test_schema_of_users_and_workspaces(self):
        _, _, objects = self.request("GET", "/v2/objects")
        ids = {o["api_slug"]: o["id"]["object_id"] for o in objects["data"]}
        self.assertEqual(list(ids), ["people", "companies", "users", "workspaces"])
        status, _, body = self.request("GET", "/v2/objects/users/attributes")
        self.assertEqual(status, 200)
        users = {a["api_slug"]: a for a in body["data"]}
        self.assertEqual(list(users), ["user_id", "primary_email_address", "person", "workspace",
                                       "created_at", "role"])
        flags = {slug: (a["type"], a["is_multiselect"], a["is_unique"], a["is_required"],
                        a["is_writable"]) for slug, a in users.items()}
        self.assertEqual(flags, {
            "user_id": ("text", False, True, True, True),
            "primary_email_address": ("email-address", False, True, True, True),
            "person": ("record-reference", False, False, False, True),
            "workspace": ("record-reference", True, False, False, True),
            "created_at": ("timestamp", False, False, False, False),
            "role": ("text", False, False, False, True)})
        self.assertEqual(users["person"]["config"]["record_reference"]["allowed_object_ids"],
                         [ids["people"]])
        self.assertEqual(users["workspace"]["config"]["record_reference"]["allowed_object_ids"],
                         [ids["workspaces"]])
        self.assertEqual(users["user_id"]["id"]["object_id"], ids["users"])
        _, _, body = self.request("GET", "/v2/objects/workspaces/attributes")
        workspaces = {a["api_slug"]: a for a in body["data"]}
        self.assertEqual(list(workspaces), ["workspace_id", "name", "users", "company",
                                            "avatar_url", "created_at", "seats"])
        self.assertTrue(workspaces["workspace_id"]["is_unique"] and workspaces["workspace_id"]["is_required"])
        self.assertTrue(workspaces["users"]["is_multiselect"])
        self.assertFalse(workspaces["company"]["is_multiselect"])
        self.assertEqual(workspaces["company"]["config"]["record_reference"]["allowed_object_ids"],
                         [ids["companies"]])
        # The pairs, on both sides, as Attio's attribute object names them.
        _, _, body = self.request("GET", "/v2/objects/people/attributes")
        people = {a["api_slug"]: a for a in body["data"]}
        self.assertTrue(people["associated_users"]["is_multiselect"])
        self.assertEqual(people["associated_users"]["relationship"]["api_slug"], "person")
        self.assertEqual(people["associated_users"]["relationship"]["object_slug"], "users")
        self.assertEqual(people["associated_users"]["relationship"]["id"]["attribute_id"],
                         users["person"]["id"]["attribute_id"])
        self.assertIsNone(people["company"]["relationship"])  # company/team: not modelled
        _, _, body = self.request("GET", "/v2/objects/companies/attributes")
        companies = {a["api_slug"]: a for a in body["data"]}
        self.assertEqual(companies["associated_workspaces"]["relationship"]["api_slug"], "company")
        self.assertEqual(users["workspace"]["relationship"],
                         {"id": workspaces["users"]["id"], "object_slug": "workspaces",
                          "title": "Users", "api_slug": "users", "is_multiselect": True})
        self.assertEqual(self.request("GET", "/v2/objects/workspaces")[2]["data"]["plural_noun"],
                         "Workspaces")

    # -- assert, create, query, GET, PATCH, PUT -----------------------------------------

    def test_user_assert_by_user_id_and_by_email(self):
        first = self.ok(self.user({"user_id": "u1", "primary_email_address": "ada@example.com"}))
        user_id = first["id"]["record_id"]
        self.assertIn("/user/", first["web_url"])
        self.assertEqual(first["values"]["user_id"][0]["value"], "u1")
        self.assertEqual(first["values"]["primary_email_address"][0]["email_address"],
                         "ada@example.com")
        self.assertEqual((first["values"]["person"], first["values"]["workspace"]), ([], []))
        # By user_id: found, the address is replaced (a single value).
        again = self.ok(self.user({"user_id": ["u1"],
                                   "primary_email_address": [{"email_address": "ada@new.example"}]}))
        self.assertEqual(again["id"]["record_id"], user_id)
        # By primary_email_address (any letter case): found, user_id replaced.
        third = self.ok(self.user({"primary_email_address": "ADA@new.example", "user_id": "u1b"},
                                  matching="primary_email_address"))
        self.assertEqual(third["id"]["record_id"], user_id)
        stored = self.mock("users", "record_id", user_id)
        self.assertEqual((stored["user_id"], stored["primary_email_address"], stored["writes"]),
                         ("u1b", "ada@new.example", 3))
        self.assertEqual(stored["values"]["user_id"], [{"value": "u1b"}])
        self.assertEqual((stored["person"], stored["workspace"], stored["origin"]), (None, [], "api"))
        # user_id compares exactly: "U1B" is another user.
        other = self.ok(self.user({"user_id": "U1B", "primary_email_address": "grace@example.com"}))
        self.assertNotEqual(other["id"]["record_id"], user_id)
        self.assertEqual(len(self.control("GET", "/__mock/users")), 2)
        self.assertEqual(self.control("GET", "/__mock/stats")["users"], 2)
        # The assert's checks.
        self.error(self.write("PUT", USERS, {"user_id": "u9"}), "missing_value")
        self.error(self.user({"user_id": "u9"}, matching="person"), "invalid_matching_attribute")
        self.error(self.user({"user_id": "u9"}, matching="nickname"), "value_not_found")
        self.error(self.user({"primary_email_address": "x@example.com"}), "missing_value")
        self.error(self.user({"user_id": "u9", "primary_email_address": "not-an-address"}),
                   "invalid_email_address")
        self.error(self.user({"user_id": ["u9", "u10"], "primary_email_address": "x@example.com"}),
                   "multiple_values_for_single_select")

    def test_required_attributes(self):
        # A new user needs both required values; a new workspace its workspace_id.
        err = self.error(self.user({"user_id": "u1"}), "missing_value")
        self.assertIn("primary_email_address", err["message"])
        self.error(self.user({"primary_email_address": "a@example.com"},
                             matching="primary_email_address"), "missing_value")
        self.error(self.write("POST", USERS, {"user_id": "u1"}), "missing_value")
        self.error(self.write("POST", WORKSPACES, {"name": "Acme"}), "missing_value")
        self.assertEqual(self.control("GET", "/__mock/users"), [])
        record_id = self.ok(self.write("POST", USERS, {"user_id": "u1",
                                                        "primary_email_address": "a@example.com"}))["id"]["record_id"]
        # An existing user is updated without them, but no write may clear one.
        self.ok(self.user({"user_id": "u1"}))
        self.error(self.write("PATCH", f"{USERS}/{record_id}", {"user_id": []}), "missing_value")
        self.error(self.write("PUT", f"{USERS}/{record_id}", {"primary_email_address": []}),
                   "missing_value")
        self.ok(self.write("PUT", f"{USERS}/{record_id}", {"user_id": "u2"}))
        self.assertEqual(self.mock("users", "record_id", record_id)["user_id"], "u2")

    def test_uniqueness_conflicts(self):
        ada = self.ok(self.user({"user_id": "u1", "primary_email_address": "ada@example.com"}))
        grace = self.ok(self.user({"user_id": "u2", "primary_email_address": "grace@example.com"}))
        for answer in (
            # A new user with ada's address (any case), or ada's user_id.
            self.user({"user_id": "u3", "primary_email_address": "ADA@example.com"}),
            self.write("POST", USERS, {"user_id": "u1", "primary_email_address": "x@example.com"}),
            self.write("POST", USERS, {"user_id": "u3", "primary_email_address": "ada@example.com"}),
            # Grace, matched by address, taking ada's user_id.
            self.user({"primary_email_address": "grace@example.com", "user_id": "u1"},
                      matching="primary_email_address"),
            self.write("PATCH", f"{USERS}/{grace['id']['record_id']}",
                       {"primary_email_address": "ada@example.com"}),
            self.write("PUT", f"{USERS}/{grace['id']['record_id']}", {"user_id": "u1"}),
        ):
            with self.subTest(answer=answer):
                self.error(answer, "uniqueness_conflict")
        self.assertEqual([(u["user_id"], u["primary_email_address"])
                          for u in self.control("GET", "/__mock/users")],
                         [("u1", "ada@example.com"), ("u2", "grace@example.com")])
        self.ok(self.workspace({"workspace_id": "w1"}))
        self.error(self.write("POST", WORKSPACES, {"workspace_id": "w1"}), "uniqueness_conflict")
        w2 = self.ok(self.write("POST", WORKSPACES, {"workspace_id": "w2"}))
        self.error(self.write("PATCH", f"{WORKSPACES}/{w2['id']['record_id']}",
                              {"workspace_id": "w1"}), "uniqueness_conflict")
        # Writing a record's own value again is no conflict.
        self.ok(self.write("PATCH", f"{USERS}/{ada['id']['record_id']}",
                           {"user_id": "u1", "primary_email_address": "Ada@example.com"}))

    def test_create_query_get_patch_put_and_delete(self):
        workspace = self.ok(self.write("POST", WORKSPACES, {
            "workspace_id": "w1", "name": "Acme prod", "avatar_url": "https://acme.com/a.png"}))
        record_id = workspace["id"]["record_id"]
        self.assertIn("/workspace/", workspace["web_url"])
        got = self.ok(self.request("GET", f"{WORKSPACES}/{record_id}"))
        self.assertEqual(got["values"]["name"][0]["value"], "Acme prod")
        self.assertEqual(got["values"]["avatar_url"][0]["value"], "https://acme.com/a.png")
        self.assertEqual((got["values"]["users"], got["values"]["company"]), ([], []))
        self.ok(self.write("POST", WORKSPACES, {"workspace_id": "w2", "name": "Other"}))
        for filt in ({"workspace_id": "w1"}, {"workspace_id": {"$eq": "w1"}},
                     {"workspace_id": {"value": "w1"}}, {"name": "Acme prod"},
                     {"workspace_id": {"$in": ["w1", "w9"]}}):
            with self.subTest(filter=filt):
                found = self.ok(self.request("POST", WORKSPACES + "/query", {"filter": filt}))
                self.assertEqual([r["id"]["record_id"] for r in found], [record_id])
        self.assertEqual(self.ok(self.request("POST", WORKSPACES + "/query",
                                              {"filter": {"workspace_id": "W1"}})), [])
        patched = self.ok(self.write("PATCH", f"{WORKSPACES}/{record_id}", {"name": "Acme"}))
        self.assertEqual(patched["values"]["name"][0]["value"], "Acme")
        self.assertEqual(patched["values"]["avatar_url"][0]["value"], "https://acme.com/a.png")
        self.ok(self.write("PUT", f"{WORKSPACES}/{record_id}", {"avatar_url": []}))
        stored = self.mock("workspaces", "workspace_id", "w1")
        self.assertEqual(stored["values"], {"workspace_id": [{"value": "w1"}],
                                            "name": [{"value": "Acme"}], "avatar_url": []})
        self.assertEqual(stored["writes"], 3)
        users = self.ok(self.request("POST", USERS + "/query",
                                     {"filter": {"primary_email_address": "nobody@example.com"}}))
        self.assertEqual(users, [])
        self.control("DELETE", f"/__mock/workspaces/{record_id}")
        status, _, err = self.request("GET", f"{WORKSPACES}/{record_id}")
        self.assertEqual((status, err["code"]), (404, "not_found"))
        self.assertEqual(self.write("PATCH", f"{USERS}/{record_id}", {"user_id": "x"})[0], 404)
        self.assertEqual(self.request("DELETE", f"/__mock/users/{record_id}", token=None)[0], 404)
        self.error(self.workspace({"workspace_id": "w3", "created_at": "x"}), "immutable_value")
        requests = self.control("GET", "/__mock/requests")
        self.assertEqual(requests[0]["endpoint"], "workspace_create")
        self.assertEqual((requests[0]["object"], requests[0]["answered_record_ids"]),
                         ("workspaces", [record_id]))
        self.assertEqual((requests[1]["endpoint"], requests[1]["record_id"]),
                         ("workspace_get", record_id))
        by_endpoint = self.control("GET", "/__mock/stats")["by_endpoint"]
        self.assertEqual(by_endpoint["workspace_query"], 6)
        self.assertEqual(by_endpoint["user_query"], 1)

    def test_references_by_id_and_by_matching_attribute(self):
        acme = self.ok(self.request("PUT", COMPANY_ASSERT, {"data": {"values": {
            "domains": ["acme.com"]}}}))["id"]["record_id"]
        ada = self.ok(self.put(person("ada@example.com")))["id"]["record_id"]
        # Not there yet: never created by the reference.
        self.error(self.workspace({"workspace_id": "w1", "company": {
            "target_object": "companies", "domains": ["initech.com"]}}), "value_not_found")
        self.error(self.user({"user_id": "u1", "primary_email_address": "ada@example.com",
                              "workspace": [{"target_object": "workspaces", "workspace_id": "w1"}]}),
                   "value_not_found")
        self.assertEqual(self.control("GET", "/__mock/workspaces"), [])
        w1 = self.ok(self.workspace({"workspace_id": "w1", "company": {
            "target_object": "companies", "domains": [{"domain": "ACME.com"}]}}))
        self.assertEqual([(v["target_object"], v["target_record_id"], v["attribute_type"])
                          for v in w1["values"]["company"]],
                         [("companies", acme, "record-reference")])
        w2 = self.ok(self.workspace({"workspace_id": "w2", "company": [
            {"target_object": "companies", "target_record_id": acme}]}))["id"]["record_id"]
        user = self.ok(self.user({
            "user_id": "u1", "primary_email_address": "ada@example.com",
            "person": {"target_object": "people", "email_addresses": [{"email_address": "ada@example.com"}]},
            "workspace": [{"target_object": "workspaces", "workspace_id": "w1"},
                          {"target_object": "workspaces", "target_record_id": w2}]}))
        self.assertEqual(user["values"]["person"][0]["target_record_id"], ada)
        self.assertEqual([v["target_record_id"] for v in user["values"]["workspace"]],
                         [w1["id"]["record_id"], w2])
        # A user named by user_id or by address (bare or in a list: single-value attributes).
        for reference in ({"target_object": "users", "user_id": "u1"},
                          {"target_object": "users", "user_id": [{"value": "u1"}]},
                          {"target_object": "users", "primary_email_address": ["ADA@example.com"]}):
            with self.subTest(reference=reference):
                got = self.ok(self.write("PUT", f"{WORKSPACES}/{w2}", {"users": [reference]}))
                self.assertEqual([v["target_record_id"] for v in got["values"]["users"]],
                                 [user["id"]["record_id"]])
        for bad in ({"target_object": "companies", "target_record_id": acme},  # wrong object
                    {"target_object": "users", "name": "x"},  # not a unique attribute
                    {"target_object": "users", "user_id": []}):
            with self.subTest(bad=bad):
                self.error(self.write("PATCH", f"{WORKSPACES}/{w2}", {"users": [bad]}),
                           "validation_type")
        self.error(self.write("PATCH", f"{WORKSPACES}/{w2}", {"users": [
            {"target_object": "users", "target_record_id": "nope"}]}), "value_not_found")
        # Queries on references (by record id).
        found = self.ok(self.request("POST", USERS + "/query", {"filter": {"person": ada}}))
        self.assertEqual([r["id"]["record_id"] for r in found], [user["id"]["record_id"]])

    def test_every_reference_form(self):
        acme = self.ok(self.request("PUT", COMPANY_ASSERT, {"data": {"values": {
            "domains": ["acme.com", "acme.io"]}}}))["id"]["record_id"]
        self.ok(self.request("PUT", COMPANY_ASSERT, {"data": {"values": {"domains": ["initech.com"]}}}))
        ada = self.ok(self.put(person("ada@example.com")))["id"]["record_id"]
        self.ok(self.put(person("grace@example.com")))
        w1 = self.ok(self.workspace({"workspace_id": "w1"}))["id"]["record_id"]
        self.ok(self.user({"user_id": "u1", "primary_email_address": "u1@example.com"}))
        # (attribute written, form, record it must name)
        cases = [
            # A plain string: an email for people, a domain for companies, bare or in a list.
            (USERS, "person", "ADA@example.com", ada),
            (USERS, "person", ["ada@example.com"], ada),
            (WORKSPACES, "company", "acme.io", acme),
            ("people", "company", "acme.com", acme),  # people's company takes it too
            # target_record_reference with "match" on a unique attribute.
            (USERS, "person", {"target_object": "people", "target_record_reference": {
                "match": {"email_addresses": "ada@example.com"}}}, ada),
            (WORKSPACES, "company", {"target_object": "companies", "target_record_reference": {
                "match": {"domains": [{"domain": "acme.io"}]}}}, acme),
            (USERS, "workspace", [{"target_object": "workspaces", "target_record_reference": {
                "match": {"workspace_id": "w1"}}}], w1),
            # Several values of one record are one match.
            (USERS, "person", {"target_object": "people",
                               "email_addresses": ["ada@example.com", "ADA@example.com"]}, ada),
        ]
        for obj, slug, form, expected in cases:
            with self.subTest(obj=obj, slug=slug, form=form):
                if obj == USERS:
                    answer = self.user({"user_id": "u1", slug: form})
                elif obj == WORKSPACES:
                    answer = self.workspace({"workspace_id": "w1", slug: form})
                else:
                    answer = self.put(person("grace@example.com", **{slug: form}))
                self.assertEqual([v["target_record_id"] for v in self.ok(answer)["values"][slug]],
                                 [expected])
        # The forms that name no record, several records, or that the mock does not model.
        for slug, form, code in [
            ("person", "nobody@example.com", "value_not_found"),
            ("person", {"target_object": "people", "target_record_reference": {
                "match": {"email_addresses": "nobody@example.com"}}}, "value_not_found"),
            ("person", {"target_object": "people",
                        "email_addresses": ["ada@example.com", "grace@example.com"]}, "validation_type"),
            ("person", {"target_object": "people", "target_record_reference": {
                "match": {"email_addresses": ["ada@example.com", "grace@example.com"]}}},
             "validation_type"),
            ("person", {"target_object": "people", "target_record_reference": {
                "match": {"name": "Ada"}}}, "validation_type"),
            ("person", {"target_object": "people", "target_record_reference": {
                "match": {"email_addresses": "ada@example.com"}, "if_not_found": "create"}},
             "validation_type"),
            ("person", {"target_object": "people", "target_record_reference": ["x"]},
             "validation_type"),
            ("person", "not an address", "invalid_email_address"),
            ("workspace", ["w1"], "validation_type"),  # no string form for workspaces
        ]:
            with self.subTest(slug=slug, form=form):
                err = self.error(self.user({"user_id": "u1", slug: form}), code)
                if code == "validation_type" and isinstance(form, dict) and "email_addresses" in form:
                    self.assertIn("exactly one", err["message"])
        self.error(self.write("PATCH", f"{WORKSPACES}/{w1}", {"users": ["u1"]}), "validation_type")
        self.error(self.request("PUT", COMPANY_ASSERT, {"data": {"values": {"domains": ["acme.com"],
                   "team": [{"target_object": "people",
                             "email_addresses": ["ada@example.com", "grace@example.com"]}]}}}),
                   "validation_type")
        self.assertEqual(self.mock("users", "user_id", "u1")["person"]["record_id"], ada)

    def test_seed_users_and_workspaces(self):
        answer = self.seed(companies=[{"values": {"domains": ["acme.com"]}}],
                           people=[{"values": {"email_addresses": ["ada@example.com"]}}])
        self.assertEqual(set(answer), {"companies", "people"})  # as before: no new keys
        answer = self.control("POST", "/__mock/seed", {
            "workspaces": [{"values": {"workspace_id": "w1", "name": "Acme",
                                       "company": {"target_object": "companies",
                                                   "domains": ["acme.com"]}}}],
            "users": [{"values": {"user_id": "u1", "primary_email_address": "ada@example.com",
                                  "workspace": [{"target_object": "workspaces",
                                                 "workspace_id": "w1"}]},
                       "record_id": "user-1"}]})
        self.assertEqual(answer["users"], [{"record_id": "user-1", "user_id": "u1",
                                            "primary_email_address": "ada@example.com"}])
        self.assertEqual(answer["workspaces"][0]["workspace_id"], "w1")
        self.assertEqual(set(answer), {"companies", "people", "workspaces", "users"})
        stored = self.mock("users", "record_id", "user-1")
        self.assertEqual((stored["origin"], stored["writes"]), ("seed", 0))
        for body in ({"users": [{"values": {"user_id": "u2"}}]},  # required address missing
                     {"users": [{"values": {"user_id": "u1", "primary_email_address": "b@example.com"}}]},
                     {"workspaces": [{"values": {"workspace_id": "w2"}}],
                      "users": [{"values": {"nickname": "x"}}]}):
            with self.subTest(body=body):
                status, _, err = self.request("POST", "/__mock/seed", body, token=None)
                self.assertEqual(status, 400, err)
        # All or nothing: w2 was not kept.
        self.assertEqual([w["workspace_id"] for w in self.control("GET", "/__mock/workspaces")], ["w1"])

    # -- relationship pairs -------------------------------------------------------------

    def ids(self, record, slug):
        return [v["target_record_id"] for v in record["values"][slug]]

    def get(self, base, record_id):
        return self.ok(self.request("GET", f"{base}/{record_id}"))

    def test_a_users_person_and_the_persons_associated_users(self):
        ada = self.ok(self.put(person("ada@example.com")))["id"]["record_id"]
        grace = self.ok(self.put(person("grace@example.com")))["id"]["record_id"]
        u1 = self.ok(self.user({"user_id": "u1", "primary_email_address": "ada@example.com",
                                "person": {"target_object": "people",
                                           "email_addresses": ["ada@example.com"]}}))["id"]["record_id"]
        linked = self.get(RECORDS, ada)["values"]["associated_users"]
        self.assertEqual([(v["target_object"], v["target_record_id"], v["attribute_type"])
                          for v in linked], [("users", u1, "record-reference")])
        stored = self.control("GET", "/__mock/people")[0]
        self.assertEqual(stored["associated_users"],
                         [{"record_id": u1, "user_id": "u1", "primary_email_address": "ada@example.com"}])
        self.assertEqual(stored["values"]["associated_users"],
                         [{"target_object": "users", "target_record_id": u1}])
        self.assertEqual(stored["writes"], 1)  # the other side's change is not an API write
        self.assertNotEqual(stored["updated_at"], stored["created_at"])
        # A later write moves the user to grace: ada loses it.
        self.ok(self.user({"user_id": "u1", "person": [{"target_object": "people",
                                                        "target_record_id": grace}]}))
        self.assertEqual(self.ids(self.get(RECORDS, ada), "associated_users"), [])
        self.assertEqual(self.ids(self.get(RECORDS, grace), "associated_users"), [u1])
        self.assertEqual(self.mock("users", "user_id", "u1")["person"],
                         {"record_id": grace, "email_addresses": ["grace@example.com"]})
        # From the person's side: ada's PATCH adds u1 (and u2); u1 leaves grace.
        u2 = self.ok(self.user({"user_id": "u2", "primary_email_address": "u2@example.com"}))["id"]["record_id"]
        self.ok(self.write("PATCH", f"{RECORDS}/{ada}", {"associated_users": [
            {"target_object": "users", "user_id": "u1"},
            {"target_object": "users", "target_record_id": u2}]}))
        self.assertEqual(self.ids(self.get(USERS, u1), "person"), [ada])
        self.assertEqual(self.ids(self.get(USERS, u2), "person"), [ada])
        self.assertEqual(self.ids(self.get(RECORDS, grace), "associated_users"), [])
        # An assert replaces the list: u1 is no one's user any more, u2 stays ada's.
        self.ok(self.put(person("ada@example.com", associated_users=[
            {"target_object": "users", "target_record_id": u2}])))
        self.assertEqual(self.ids(self.get(USERS, u1), "person"), [])
        self.assertEqual(self.mock("users", "user_id", "u1")["person"], None)
        self.assertEqual(self.mock("people", "record_id", ada)["associated_users"],
                         [{"record_id": u2, "user_id": "u2", "primary_email_address": "u2@example.com"}])
        # A user's PUT clearing its person clears the pair too.
        self.ok(self.write("PUT", f"{USERS}/{u2}", {"person": []}))
        self.assertEqual(self.ids(self.get(RECORDS, ada), "associated_users"), [])
        # The pair is queryable from both sides.
        self.ok(self.user({"user_id": "u1", "person": [
            {"target_object": "people", "target_record_id": ada}]}))
        found = self.ok(self.request("POST", RECORDS + "/query",
                                     {"filter": {"associated_users": u1}}))
        self.assertEqual([r["id"]["record_id"] for r in found], [ada])

    def test_a_users_workspaces_and_the_workspaces_users(self):
        w1 = self.ok(self.workspace({"workspace_id": "w1"}))["id"]["record_id"]
        w2 = self.ok(self.workspace({"workspace_id": "w2"}))["id"]["record_id"]
        ref = {"w1": {"target_object": "workspaces", "workspace_id": "w1"},
               "w2": {"target_object": "workspaces", "workspace_id": "w2"}}
        u1 = self.ok(self.user({"user_id": "u1", "primary_email_address": "a@example.com",
                                "workspace": [ref["w1"]]}))["id"]["record_id"]
        self.assertEqual(self.ids(self.get(WORKSPACES, w1), "users"), [u1])
        # PATCH adds: u1 in both.
        self.ok(self.write("PATCH", f"{USERS}/{u1}", {"workspace": [ref["w2"]]}))
        self.assertEqual(self.ids(self.get(USERS, u1), "workspace"), [w2, w1])
        self.assertEqual(self.ids(self.get(WORKSPACES, w2), "users"), [u1])
        # An assert replaces the list: u1 leaves w1.
        self.ok(self.user({"user_id": "u1", "workspace": [ref["w2"]]}))
        self.assertEqual(self.ids(self.get(WORKSPACES, w1), "users"), [])
        self.assertEqual(self.ids(self.get(WORKSPACES, w2), "users"), [u1])
        # From the workspace's side: w1's users become u1 and u2; both gain w1.
        u2 = self.ok(self.user({"user_id": "u2", "primary_email_address": "b@example.com"}))["id"]["record_id"]
        self.ok(self.write("PUT", f"{WORKSPACES}/{w1}", {"users": [
            {"target_object": "users", "user_id": "u1"},
            {"target_object": "users", "primary_email_address": "B@example.com"}]}))
        self.assertEqual(self.ids(self.get(USERS, u1), "workspace"), [w2, w1])
        self.assertEqual(self.ids(self.get(USERS, u2), "workspace"), [w1])
        # w2 asserted with no users: u1 leaves it.
        self.ok(self.workspace({"workspace_id": "w2", "users": []}))
        self.assertEqual(self.ids(self.get(USERS, u1), "workspace"), [w1])
        self.assertEqual(self.mock("workspaces", "workspace_id", "w1")["users"], [
            {"record_id": u1, "user_id": "u1", "primary_email_address": "a@example.com"},
            {"record_id": u2, "user_id": "u2", "primary_email_address": "b@example.com"}])
        self.assertEqual(self.mock("users", "user_id", "u1")["workspace"],
                         [{"record_id": w1, "workspace_id": "w1"}])
        self.assertEqual(self.mock("workspaces", "workspace_id", "w2")["users"], [])

    def test_a_workspaces_company_and_the_companys_associated_workspaces(self):
        acme = self.ok(self.request("PUT", COMPANY_ASSERT, {"data": {"values": {
            "domains": ["acme.com"]}}}))["id"]["record_id"]
        initech = self.ok(self.request("PUT", COMPANY_ASSERT, {"data": {"values": {
            "domains": ["initech.com"]}}}))["id"]["record_id"]
        w1 = self.ok(self.workspace({"workspace_id": "w1", "company": [
            {"target_object": "companies", "domains": ["acme.com"]}]}))["id"]["record_id"]
        acme_read = self.get("/v2/objects/companies/records", acme)
        self.assertEqual(self.ids(acme_read, "associated_workspaces"), [w1])
        self.assertEqual(self.mock("companies", "record_id", acme)["associated_workspaces"],
                         [{"record_id": w1, "workspace_id": "w1"}])
        # Moved to initech.
        self.ok(self.write("PATCH", f"{WORKSPACES}/{w1}", {"company": [
            {"target_object": "companies", "target_record_id": initech}]}))
        self.assertEqual(self.mock("companies", "record_id", acme)["associated_workspaces"], [])
        self.assertEqual(self.mock("companies", "record_id", initech)["associated_workspaces"],
                         [{"record_id": w1, "workspace_id": "w1"}])
        self.assertEqual(self.mock("workspaces", "workspace_id", "w1")["company"],
                         {"record_id": initech, "domains": ["initech.com"]})
        # From the company's side: acme's assert names w1 and w2; w1 leaves initech.
        w2 = self.ok(self.workspace({"workspace_id": "w2"}))["id"]["record_id"]
        self.ok(self.request("PUT", COMPANY_ASSERT, {"data": {"values": {
            "domains": ["acme.com"], "associated_workspaces": [
                {"target_object": "workspaces", "workspace_id": "w1"},
                {"target_object": "workspaces", "target_record_id": w2}]}}}))
        self.assertEqual(self.mock("workspaces", "workspace_id", "w1")["company"]["record_id"], acme)
        self.assertEqual(self.mock("workspaces", "workspace_id", "w2")["company"]["record_id"], acme)
        self.assertEqual(self.mock("companies", "record_id", initech)["associated_workspaces"], [])
        # initech takes w2 (a PATCH adds): acme keeps w1 only.
        self.ok(self.write("PATCH", f"/v2/objects/companies/records/{initech}", {
            "associated_workspaces": [{"target_object": "workspaces", "workspace_id": "w2"}]}))
        self.assertEqual(self.ids(self.get("/v2/objects/companies/records", acme),
                                  "associated_workspaces"), [w1])
        self.assertEqual(self.ids(self.get(WORKSPACES, w2), "company"), [initech])

    def test_deleting_and_merging_keep_the_pairs(self):
        ada = self.ok(self.put(person("ada@example.com")))["id"]["record_id"]
        other = self.ok(self.put(person("ada@home.example")))["id"]["record_id"]
        acme = self.ok(self.request("PUT", COMPANY_ASSERT, {"data": {"values": {
            "domains": ["acme.com"]}}}))["id"]["record_id"]
        w1 = self.ok(self.workspace({"workspace_id": "w1", "company": {
            "target_object": "companies", "target_record_id": acme}}))["id"]["record_id"]
        u1 = self.ok(self.user({"user_id": "u1", "primary_email_address": "ada@example.com",
                                "person": {"target_object": "people", "target_record_id": other},
                                "workspace": [{"target_object": "workspaces",
                                               "target_record_id": w1}]}))["id"]["record_id"]
        # ada@home is merged into ada: u1 is ada's user now.
        self.control("POST", "/__mock/merge", {"from": other, "into": ada})
        self.assertEqual(self.ids(self.get(USERS, u1), "person"), [ada])
        self.assertEqual(self.ids(self.get(RECORDS, ada), "associated_users"), [u1])
        # Deleting the workspace takes it out of u1's workspaces and acme's workspaces.
        self.control("DELETE", f"/__mock/workspaces/{w1}")
        self.assertEqual(self.ids(self.get(USERS, u1), "workspace"), [])
        self.assertEqual(self.mock("companies", "record_id", acme)["associated_workspaces"], [])
        # Deleting the person: u1 has no person.
        self.control("DELETE", f"/__mock/people/{ada}")
        self.assertEqual(self.mock("users", "user_id", "u1")["person"], None)
        # Two users merged: the person stays the one "into" had, the workspaces are joined.
        w2 = self.ok(self.workspace({"workspace_id": "w2"}))["id"]["record_id"]
        grace = self.ok(self.put(person("grace@example.com")))["id"]["record_id"]
        u2 = self.ok(self.user({"user_id": "u2", "primary_email_address": "u2@example.com",
                                "person": {"target_object": "people", "target_record_id": grace},
                                "workspace": [{"target_object": "workspaces",
                                               "target_record_id": w2}]}))["id"]["record_id"]
        self.control("POST", "/__mock/merge", {"object": "users", "from": u2, "into": u1})
        self.assertEqual(self.ids(self.get(USERS, u1), "person"), [grace])
        self.assertEqual(self.ids(self.get(USERS, u1), "workspace"), [w2])
        self.assertEqual(self.ids(self.get(WORKSPACES, w2), "users"), [u1])
        self.assertEqual(self.ids(self.get(RECORDS, grace), "associated_users"), [u1])
        self.assertEqual(self.request("GET", f"{USERS}/{u2}")[0], 404)

    def test_seeds_keep_the_pairs(self):
        self.seed(people=[{"values": {"email_addresses": ["ada@example.com"]}, "record_id": "p-ada"}])
        self.control("POST", "/__mock/seed", {
            "workspaces": [{"values": {"workspace_id": "w1"}, "record_id": "w-1"}],
            "users": [{"values": {"user_id": "u1", "primary_email_address": "ada@example.com",
                                  "person": {"target_object": "people", "target_record_id": "p-ada"},
                                  "workspace": [{"target_object": "workspaces", "target_record_id": "w-1"}]},
                       "record_id": "u-1"}]})
        self.assertEqual(self.mock("people", "record_id", "p-ada")["associated_users"],
                         [{"record_id": "u-1", "user_id": "u1", "primary_email_address": "ada@example.com"}])
        self.assertEqual(self.mock("workspaces", "record_id", "w-1")["users"][0]["record_id"], "u-1")
        # A seed editing the user (an admin in the app) moves the pairs too.
        self.control("POST", "/__mock/seed", {"users": [{"record_id": "u-1", "values": {"workspace": []}}]})
        self.assertEqual(self.mock("workspaces", "record_id", "w-1")["users"], [])

    # -- scopes, budgets, faults ----------------------------------------------------------

    def test_scopes_budgets_and_faults_as_for_people(self):
        self.control("POST", "/__mock/faults",
                     {"scopes": "record_permission:read object_configuration:read"})
        self.assertEqual(self.request("POST", USERS + "/query", {})[0], 200)
        self.assertEqual(self.request("GET", "/v2/objects/users/attributes")[0], 200)
        status, _, err = self.user({"user_id": "u1", "primary_email_address": "a@example.com"})
        self.assertEqual((status, err["type"], err["code"]), (403, "auth_error", "forbidden"))
        self.assertEqual(self.write("POST", WORKSPACES, {"workspace_id": "w1"})[0], 403)
        self.control("POST", "/__mock/faults", {"scopes": "record_permission:read-write"})
        self.assertEqual(self.request("GET", "/v2/objects/workspaces/attributes")[0], 403)
        self.assertEqual(self.request("POST", WORKSPACES + "/query", {})[0], 403)
        self.assertEqual(self.request("GET", "/v2/objects/users", token="wrong")[0], 401)
        # One write budget for every object, one read budget.
        self.control("POST", "/__mock/faults", {"rate": 2, "read_rate": 1})
        self.assertEqual(self.put(person("a@example.com"))[0], 200)
        self.assertEqual(self.user({"user_id": "u1", "primary_email_address": "a@example.com"})[0], 200)
        status, headers, err = self.workspace({"workspace_id": "w1"})
        self.assertEqual((status, err["code"]), (429, "rate_limit_exceeded"))
        self.assertTrue(headers["Retry-After"].endswith(" GMT"))
        self.assertEqual(self.request("GET", "/v2/objects/users")[0], 200)
        self.assertEqual(self.request("POST", WORKSPACES + "/query", {})[0], 429)
        stats = self.control("GET", "/__mock/stats")
        self.assertEqual((stats["rate_limited_writes"], stats["rate_limited_reads"]), (1, 1))
        self.assertEqual(stats["write_status_counts"], {"200": 2, "403": 2, "429": 1})
        # Fault rules name the new endpoints.
        self.control("POST", "/__mock/faults", {"rules": [
            {"endpoint": "user_assert", "status": 503},
            {"endpoint": "workspace_get", "status": 404, "count": -1}]})
        self.assertEqual(self.user({"user_id": "u1"})[0], 503)
        self.assertEqual(self.user({"user_id": "u1"})[0], 200)
        self.assertEqual(self.request("GET", f"{WORKSPACES}/x")[0], 404)
        status, _, err = self.request("POST", "/__mock/faults",
                                      {"rules": [{"endpoint": "user_lookup"}]}, token=None)
        self.assertEqual(status, 400)


TRIALS = "/v2/lists/trials"
TRIAL_ENTRIES = TRIALS + "/entries"


class ListsTest(unittest.TestCase):
    """Lists and list entries (for --list-entry and --forward-only): the default lists, the
    assert by parent, PATCH, the errors, scopes, budgets and the control routes."""

    setUpClass = RecordsTest.__dict__["setUpClass"]
    tearDownClass = MockAttioTest.__dict__["tearDownClass"]
    setUp = MockAttioTest.setUp
    request = MockAttioTest.request
    put = MockAttioTest.put
    control = MockAttioTest.control
    seed = RecordsTest.seed

    # -- helpers --------------------------------------------------------------------

    def seed_people(self, *emails):
        answer = self.seed(people=[{"values": {"email_addresses": [e]}} for e in emails])
        return [p["record_id"] for p in answer["people"]]

    def assert_entry(self, record_id, values, path=TRIAL_ENTRIES, parent_object="people", **kw):
        return self.request("PUT", path, {"data": {"parent_record_id": record_id,
                                                   "parent_object": parent_object,
                                                   "entry_values": values}}, **kw)

    def patch_entry(self, entry_id, values, path=TRIAL_ENTRIES, **kw):
        return self.request("PATCH", f"{path}/{entry_id}", {"data": {"entry_values": values}}, **kw)

    def ok(self, answer):
        status, _, body = answer
        self.assertEqual(status, 200, body)
        return body["data"]

    def entries(self, lst="trials"):
        return self.control("GET", f"/__mock/lists/{lst}/entries")

    def error(self, answer, status, code, message=None):
        got, _, err = answer
        self.assertEqual((got, err["status_code"], err["type"], err["code"]),
                         (status, status, "invalid_request_error", code), err)
        if message is not None:
            self.assertEqual(err["message"], message)
        return err

    @staticmethod
    def titles(values):
        return [v.get("status", v.get("option", {}))["title"] for v in values]

    # -- lists and their schema -------------------------------------------------------

    def test_default_lists_and_their_attributes(self):
        lists = self.ok(self.request("GET", "/v2/lists"))
        self.assertEqual([(l["api_slug"], l["parent_object"]) for l in lists],
                         [("trials", ["people"]), ("inbound_leads", ["people"]),
                          ("key_accounts", ["companies"])])
        trials = lists[0]
        for key in ("id", "name", "workspace_access", "workspace_member_access",
                    "created_by_actor", "created_at"):
            self.assertIn(key, trials)
        list_id = trials["id"]["list_id"]
        # By slug or by id.
        self.assertEqual(self.ok(self.request("GET", TRIALS)), trials)
        self.assertEqual(self.ok(self.request("GET", f"/v2/lists/{list_id}")), trials)
        attributes = self.ok(self.request("GET", TRIALS + "/attributes"))
        by_slug = {a["api_slug"]: a for a in attributes}
        self.assertEqual(list(by_slug), ["stage", "plan", "features", "score", "signed_up_at",
                                         "health", "old_stage", "created_at"])
        self.assertEqual([by_slug[s]["type"] for s in ("stage", "plan", "score", "signed_up_at")],
                         ["status", "select", "number", "timestamp"])
        self.assertTrue(by_slug["features"]["is_multiselect"])
        self.assertFalse(by_slug["health"]["is_writable"])
        self.assertTrue(by_slug["old_stage"]["is_archived"])
        self.assertFalse(by_slug["created_at"]["is_writable"])
        self.assertEqual({a["id"]["object_id"] for a in attributes}, {list_id})
        _, _, objects = self.request("GET", "/v2/objects/people/attributes")
        self.assertEqual(set(by_slug["stage"]) - {"id"}, set(objects["data"][0]) - {"id"})
        _, _, leads = self.request("GET", "/v2/lists/inbound_leads/attributes")
        self.assertEqual([a["api_slug"] for a in leads["data"]], ["stage", "source", "created_at"])

    def test_statuses_come_in_their_configured_order(self):
        statuses = self.ok(self.request("GET", TRIALS + "/attributes/stage/statuses"))
        self.assertEqual([s["title"] for s in statuses], ["Lead", "Trial", "Customer", "Churned"])
        self.assertIn("status_id", statuses[0]["id"])
        self.assertEqual(statuses[0]["id"]["object_id"],
                         self.ok(self.request("GET", TRIALS))["id"]["list_id"])
        for key in ("is_archived", "celebration_enabled", "target_time_in_status"):
            self.assertIn(key, statuses[0])
        statuses = self.ok(self.request("GET", TRIALS + "/attributes/stage/statuses?show_archived=true"))
        self.assertEqual([(s["title"], s["is_archived"]) for s in statuses][-1], ("Paused", True))
        leads = self.ok(self.request("GET", "/v2/lists/inbound_leads/attributes/stage/statuses"))
        self.assertEqual([s["title"] for s in leads], ["New", "Contacted", "Qualified"])
        options = self.ok(self.request("GET", TRIALS + "/attributes/plan/options"))
        self.assertEqual([o["title"] for o in options], ["Free", "Starter", "Pro", "Enterprise"])
        # By attribute id too; the wrong kind; an unknown attribute.
        stage_id = statuses[0]["id"]["attribute_id"]
        self.assertEqual(len(self.ok(self.request("GET", f"{TRIALS}/attributes/{stage_id}/statuses"))), 4)
        self.error(self.request("GET", TRIALS + "/attributes/plan/statuses"), 400, "validation_type",
                   "This attribute is not a status attribute.")
        self.error(self.request("GET", TRIALS + "/attributes/nope/statuses"), 404, "not_found",
                   'Attribute with slug/ID "nope" not found.')
        # An admin adds a status: listed last, writable at once; gone after reset.
        added = self.control("POST", "/__mock/options",
                             {"list": "trials", "attribute": "stage", "title": "Expansion"})
        self.assertEqual(added["title"], "Expansion")
        statuses = self.ok(self.request("GET", TRIALS + "/attributes/stage/statuses"))
        self.assertEqual([s["title"] for s in statuses][-1], "Expansion")
        record_id, = self.seed_people("ada@example.com")
        self.ok(self.assert_entry(record_id, {"stage": "Expansion"}))
        # A config that leaves the list as it was keeps it; one that changes the list does not.
        self.control("POST", "/__mock/faults", {"rules": []})
        self.assertEqual(len(self.ok(self.request("GET", TRIALS + "/attributes/stage/statuses"))), 5)
        changed = self.control("GET", "/__mock/faults")["lists"]
        changed[0]["name"] = "Trials (renamed)"
        self.control("POST", "/__mock/faults", {"lists": changed})
        self.assertEqual(len(self.ok(self.request("GET", TRIALS + "/attributes/stage/statuses"))), 4)
        self.assertEqual(len(self.entries()), 1)  # entries are kept
        self.control("POST", "/__mock/options",
                     {"list": "trials", "attribute": "stage", "title": "Expansion"})
        self.control("POST", "/__mock/reset")
        statuses = self.ok(self.request("GET", TRIALS + "/attributes/stage/statuses"))
        self.assertNotIn("Expansion", [s["title"] for s in statuses])
        # Armed for after the next read, as for objects.
        self.control("POST", "/__mock/options", {"list": "trials", "attribute": "stage",
                                                 "title": "Won back", "after_reads": 1})
        self.assertNotIn("Won back", [s["title"] for s in self.ok(
            self.request("GET", TRIALS + "/attributes/stage/statuses"))])
        self.assertIn("Won back", [s["title"] for s in self.ok(
            self.request("GET", TRIALS + "/attributes/stage/statuses"))])
        for bad in ({"list": "nope", "attribute": "stage", "title": "x"},
                    {"list": "trials", "attribute": "score", "title": "x"},
                    {"list": "trials", "object": "people", "attribute": "stage", "title": "x"}):
            with self.subTest(body=bad):
                self.assertEqual(self.request("POST", "/__mock/options", bad, token=None)[0], 400)

    # -- the assert by parent, PATCH, GET ------------------------------------------------

    def test_assert_creates_then_updates_the_parents_entry(self):
        ada, grace = self.seed_people("ada@example.com", "grace@example.com")
        entry = self.ok(self.assert_entry(ada, {
            "stage": "Trial", "plan": "Pro", "features": ["Analytics", "Security"], "score": 3,
            "signed_up_at": "2026-12-01T10:00:00+01:00"}))
        entry_id = entry["id"]["entry_id"]
        self.assertEqual((entry["parent_record_id"], entry["parent_object"]), (ada, "people"))
        self.assertEqual(set(entry["id"]), {"workspace_id", "list_id", "entry_id"})
        values = entry["entry_values"]
        # Every current attribute, each an array of value objects in the records' read shape.
        self.assertEqual(list(values), ["stage", "plan", "features", "score", "signed_up_at",
                                        "health", "created_at"])
        self.assertEqual(self.titles(values["stage"]), ["Trial"])
        self.assertEqual(values["stage"][0]["attribute_type"], "status")
        self.assertIsNone(values["stage"][0]["active_until"])
        self.assertEqual(self.titles(values["features"]), ["Analytics", "Security"])
        self.assertEqual(values["score"][0]["value"], 3)
        self.assertEqual(values["signed_up_at"][0]["value"], "2026-12-01T09:00:00.000000000Z")
        self.assertEqual(values["health"], [])
        # The same parent again: the same entry; sent attributes replaced (a multiselect
        # becomes exactly the list sent), the others kept.
        entry = self.ok(self.assert_entry(ada, {"stage": "Customer", "features": ["Automation"]}))
        self.assertEqual(entry["id"]["entry_id"], entry_id)
        self.assertEqual(self.titles(entry["entry_values"]["stage"]), ["Customer"])
        self.assertEqual(self.titles(entry["entry_values"]["features"]), ["Automation"])
        self.assertEqual(entry["entry_values"]["score"][0]["value"], 3)
        # No values: the entry as it is. [] clears.
        self.assertEqual(self.ok(self.assert_entry(ada, {}))["id"]["entry_id"], entry_id)
        self.assertEqual(self.ok(self.assert_entry(ada, {"plan": []}))["entry_values"]["plan"], [])
        # Another parent, another list (by id): other entries.
        other = self.ok(self.assert_entry(grace, {"stage": "Lead"}))
        self.assertNotEqual(other["id"]["entry_id"], entry_id)
        list_id = entry["id"]["list_id"]
        lead = self.ok(self.assert_entry(ada, {"stage": "New"}, path="/v2/lists/inbound_leads/entries"))
        self.assertNotEqual(lead["id"]["list_id"], list_id)
        self.ok(self.assert_entry(ada, {}, path=f"/v2/lists/{list_id}/entries"))
        stored = self.entries()
        self.assertEqual([e["entry_id"] for e in stored], [entry_id, other["id"]["entry_id"]])
        self.assertEqual(stored[0]["parent"], {"record_id": ada, "email_addresses": ["ada@example.com"]})
        self.assertEqual((stored[0]["writes"], stored[0]["origin"]), (5, "api"))
        self.assertEqual(stored[0]["values"]["stage"], [{"status": "Customer"}])
        self.assertEqual(stored[0]["values"]["features"], [{"option": "Automation"}])
        self.assertEqual(stored[0]["values"]["plan"], [])
        self.assertEqual(self.entries("inbound_leads")[0]["values"], {"stage": [{"status": "New"}]})
        requests = self.control("GET", "/__mock/requests")
        self.assertEqual({r["endpoint"] for r in requests}, {"list_entry_assert"})
        self.assertEqual((requests[0]["list"], requests[0]["entry_id"], requests[0]["object"]),
                         ("trials", None, None))
        self.assertEqual(requests[0]["answered_entry_ids"], [entry_id])
        self.assertEqual(requests[-1]["list"], list_id)
        stats = self.control("GET", "/__mock/stats")
        self.assertEqual((stats["list_entry_asserts"], stats["list_entries"], stats["writes"]), (7, 3, 7))

    def test_patch_appends_multiselect_values_and_get_reads_the_entry(self):
        ada, = self.seed_people("ada@example.com")
        entry_id = self.ok(self.assert_entry(ada, {"stage": "Lead", "features": ["Analytics"]}))["id"]["entry_id"]
        entry = self.ok(self.patch_entry(entry_id, {"stage": "Trial", "features": ["Security", "Analytics"]}))
        self.assertEqual(self.titles(entry["entry_values"]["stage"]), ["Trial"])
        # Values it lacks are prepended; held ones are neither duplicated nor moved.
        self.assertEqual(self.titles(entry["entry_values"]["features"]), ["Security", "Analytics"])
        self.assertEqual(self.ok(self.request("GET", f"{TRIAL_ENTRIES}/{entry_id}")), entry)
        requests = self.control("GET", "/__mock/requests")
        self.assertEqual([(r["endpoint"], r["entry_id"]) for r in requests][1:],
                         [("list_entry_patch", entry_id), ("list_entry_get", entry_id)])
        # A status is what is sent: no forward-only switch (Lead after Trial is written).
        self.assertEqual(self.titles(self.ok(self.patch_entry(entry_id, {"stage": "Lead"}))
                                     ["entry_values"]["stage"]), ["Lead"])
        self.error(self.request("PATCH", f"{TRIAL_ENTRIES}/{entry_id}",
                                {"data": {"parent_record_id": ada, "entry_values": {}}}),
                   400, "immutable_value", "The parent record for a list entry cannot be updated once created.")
        self.error(self.request("PATCH", f"{TRIAL_ENTRIES}/{entry_id}", {"data": {}}), 400, "validation_type")
        missing = "00000000-0000-0000-0000-000000000000"
        for method, path in (("PATCH", f"{TRIAL_ENTRIES}/{missing}"), ("GET", f"{TRIAL_ENTRIES}/{missing}"),
                             ("GET", f"/v2/lists/inbound_leads/entries/{entry_id}")):  # another list's
            with self.subTest(method=method, path=path):
                body = {"data": {"entry_values": {}}} if method == "PATCH" else None
                self.error(self.request(method, path, body), 404, "not_found")
        self.assertEqual(self.entries()[0]["writes"], 3)

    def test_two_entries_for_one_parent_is_multiple_match_results(self):
        answer = self.control("POST", "/__mock/seed", {
            "people": [{"values": {"email_addresses": ["ada@example.com"]}}],
            "list_entries": [
                {"list": "trials", "parent": "ada@example.com", "values": {"stage": "Lead"}},
                {"list": "trials", "parent": "ada@example.com", "values": {"stage": "Trial"}}]})
        ada = answer["people"][0]["record_id"]
        first, second = [e["entry_id"] for e in answer["list_entries"]]
        self.assertEqual([e["parent_record_id"] for e in answer["list_entries"]], [ada, ada])
        self.error(self.assert_entry(ada, {"stage": "Customer"}), 400, "multiple_match_results",
                   "Multiple entries were founds for the given parent record. Please remove "
                   "duplicates or use the update or create entry endpoints instead.")
        stored = self.entries()
        self.assertEqual([(e["entry_id"], e["values"]["stage"], e["writes"], e["origin"]) for e in stored],
                         [(first, [{"status": "Lead"}], 0, "seed"), (second, [{"status": "Trial"}], 0, "seed")])
        # Each is still writable by its id; once one is gone the assert works again.
        self.ok(self.patch_entry(second, {"stage": "Customer"}))
        self.control("DELETE", f"/__mock/lists/trials/entries/{first}")
        self.assertEqual(self.ok(self.assert_entry(ada, {}))["id"]["entry_id"], second)

    def test_value_errors_answer_as_for_objects_and_change_nothing(self):
        ada, = self.seed_people("ada@example.com")
        self.ok(self.assert_entry(ada, {"stage": "Lead"}))
        cases = [
            ({"stage": "Won"}, "value_not_found",
             'Invalid value for attribute "stage": there is no status "Won" (options are not '
             "created by writes)."),
            ({"stage": "Paused"}, "value_not_found", None),  # archived
            ({"stage": "trial"}, "value_not_found", None),  # titles compare exactly
            ({"plan": "Scale"}, "value_not_found", None),
            ({"nope": 1}, "value_not_found", 'Cannot find attribute with slug/ID "nope".'),
            ({"old_stage": "x"}, "value_not_found", 'Cannot find attribute with slug/ID "old_stage".'),
            ({"health": 5}, "immutable_value", None),
            ({"created_at": "2026-01-01T00:00:00Z"}, "immutable_value", None),
            ({"stage": ["Lead", "Trial"]}, "multiple_values_for_single_select", None),
            ({"features": "Analytics"}, "validation_type", None),  # a multiselect needs an array
            ({"score": "high"}, "validation_type", None),
            ({"signed_up_at": "2026-12-01T10:00:00"}, "validation_type", None),  # no zone
            ({"stage": "Trial", "plan": "Scale"}, "value_not_found", None),  # all or nothing
        ]
        for values, code, message in cases:
            with self.subTest(values=values):
                self.error(self.assert_entry(ada, values), 400, code, message)
                entry_id = self.entries()[0]["entry_id"]
                self.error(self.patch_entry(entry_id, values), 400, code, message)
        stored = self.entries()
        self.assertEqual((len(stored), stored[0]["values"], stored[0]["writes"]),
                         (1, {"stage": [{"status": "Lead"}]}, 1))
        # Statuses and options by id and in object form, as for objects.
        statuses = self.ok(self.request("GET", TRIALS + "/attributes/stage/statuses"))
        self.assertEqual(self.titles(self.ok(self.assert_entry(ada, {"stage": {
            "status": statuses[2]["id"]["status_id"]}}))["entry_values"]["stage"]), ["Customer"])
        self.assertEqual(self.titles(self.ok(self.assert_entry(ada, {"stage": [{"status": "Churned"}]}))
                                     ["entry_values"]["stage"]), ["Churned"])
        # Malformed bodies.
        for body in ({"data": {"parent_object": "people", "entry_values": {}}},
                     {"data": {"parent_record_id": ada, "parent_object": "people"}},
                     {"data": {"parent_record_id": ada, "parent_object": "people", "entry_values": {},
                               "record_id": ada}},
                     {"values": {}}):
            with self.subTest(body=body):
                self.error(self.request("PUT", TRIAL_ENTRIES, body), 400, "validation_type")

    def test_unknown_list_is_404(self):
        ada, = self.seed_people("ada@example.com")
        self.error(self.assert_entry(ada, {}, path="/v2/lists/nope/entries"), 404, "not_found",
                   'List with slug/ID "nope" was not found.')
        for method, path in (("GET", "/v2/lists/nope"), ("GET", "/v2/lists/nope/attributes"),
                             ("GET", "/v2/lists/nope/attributes/stage/statuses"),
                             ("PATCH", "/v2/lists/nope/entries/x"), ("GET", "/v2/lists/nope/entries/x")):
            with self.subTest(method=method, path=path):
                body = {"data": {"entry_values": {}}} if method == "PATCH" else None
                self.error(self.request(method, path, body), 404, "not_found",
                           'List with slug/ID "nope" not found.')
        self.error(self.request("GET", "/v2/lists/trials/entries"), 404, "not_found")  # not modelled
        self.assertEqual(self.request("GET", "/__mock/lists/nope/entries", token=None)[0], 404)
        self.assertEqual(self.entries(), [])

    def test_parent_record_missing_or_of_another_object(self):
        ada, = self.seed_people("ada@example.com")
        missing = "00000000-0000-0000-0000-000000000000"
        self.error(self.assert_entry(missing, {"stage": "Lead"}), 400, "value_not_found",
                   f'Parent record with slug/ID "{missing}" not found.')
        company = self.seed(companies=[{"values": {"domains": ["acme.com"]}}])["companies"][0]["record_id"]
        # A company is no parent for a people list, nor ada's id a company.
        self.error(self.assert_entry(company, {}, parent_object="companies"), 400, "validation_type")
        self.error(self.assert_entry(ada, {}, parent_object="deals"), 404, "not_found",
                   'Parent object with slug/ID "deals" not found.')
        self.error(self.assert_entry(ada, {"stage": "Prospect"}, path="/v2/lists/key_accounts/entries",
                                     parent_object="companies"), 400, "value_not_found")
        entry = self.ok(self.assert_entry(company, {"stage": "Prospect", "tier": "Gold"},
                                          path="/v2/lists/key_accounts/entries", parent_object="companies"))
        self.assertEqual(entry["parent_object"], "companies")
        self.assertEqual(self.entries("key_accounts")[0]["parent"]["domains"], ["acme.com"])
        # parent_object may be the object's id.
        objects = {o["api_slug"]: o["id"]["object_id"] for o in self.ok(self.request("GET", "/v2/objects"))}
        self.assertEqual(self.ok(self.assert_entry(ada, {}, parent_object=objects["people"]))
                         ["parent_object"], "people")
        # A merged person's entries move to the person kept; a deleted one's go.
        grace, = self.seed_people("grace@example.com")
        self.ok(self.assert_entry(grace, {"stage": "Trial"}))
        self.control("POST", "/__mock/merge", {"from": grace, "into": ada})
        self.assertEqual([e["parent_record_id"] for e in self.entries()], [ada, ada])
        self.error(self.assert_entry(ada, {}), 400, "multiple_match_results")
        self.error(self.assert_entry(grace, {}), 400, "value_not_found")
        self.control("DELETE", f"/__mock/people/{ada}")
        self.assertEqual(self.entries(), [])

    # -- scopes, budgets, faults ----------------------------------------------------------

    def test_scopes(self):
        ada, = self.seed_people("ada@example.com")
        self.assertEqual(self.request("GET", "/v2/self")[2]["scope"].split(),
                         ["record_permission:read-write", "object_configuration:read",
                          "list_entry:read-write", "list_configuration:read"])
        entry_id = self.ok(self.assert_entry(ada, {"stage": "Lead"}))["id"]["entry_id"]
        base = "record_permission:read-write object_configuration:read"
        for scopes, allowed, refused in [
            (base, [], ["lists", "list", "attributes", "statuses", "assert", "patch", "get"]),
            (base + " list_configuration:read", ["lists", "list", "attributes", "statuses"],
             ["assert", "patch", "get"]),
            (base + " list_configuration:read list_entry:read", ["get"], ["assert", "patch"]),
            (base + " list_entry:read-write", [], ["assert", "patch", "get", "lists"]),
            ("list_entry:read-write list_configuration:read", ["assert", "patch", "get", "lists"],
             ["attributes", "statuses"]),  # list attributes want object_configuration:read too
        ]:
            self.control("POST", "/__mock/faults", {"scopes": scopes})
            calls = {
                "lists": lambda: self.request("GET", "/v2/lists"),
                "list": lambda: self.request("GET", TRIALS),
                "attributes": lambda: self.request("GET", TRIALS + "/attributes"),
                "statuses": lambda: self.request("GET", TRIALS + "/attributes/stage/statuses"),
                "assert": lambda: self.assert_entry(ada, {"stage": "Trial"}),
                "patch": lambda: self.patch_entry(entry_id, {"score": 1}),
                "get": lambda: self.request("GET", f"{TRIAL_ENTRIES}/{entry_id}"),
            }
            for name in allowed + refused:
                with self.subTest(scopes=scopes, call=name):
                    status, _, body = calls[name]()
                    if name in allowed:
                        self.assertEqual(status, 200, body)
                    else:
                        self.assertEqual((status, body["type"], body["code"]), (403, "auth_error", "forbidden"))
                        self.assertIn("missing the required scope", body["message"])
        self.control("POST", "/__mock/faults", {})
        self.assertEqual(self.assert_entry(ada, {}, token="wrong")[0], 401)
        self.assertEqual(self.request("GET", "/v2/lists", token=None)[0], 401)
        self.control("POST", "/__mock/faults", {"token_revoked": True})
        self.assertEqual(self.request("GET", "/v2/lists")[0], 401)

    def test_rate_limits_count_list_requests(self):
        ada, = self.seed_people("ada@example.com")
        self.control("POST", "/__mock/faults", {"rate": 1, "read_rate": 1})
        entry_id = self.ok(self.assert_entry(ada, {"stage": "Lead"}))["id"]["entry_id"]
        # One write budget for records and entries, one read budget for everything read.
        status, headers, err = self.patch_entry(entry_id, {"stage": "Trial"})
        self.assertEqual((status, err["type"], err["code"]), (429, "rate_limit_error", "rate_limit_exceeded"))
        email.utils.parsedate_to_datetime(headers["Retry-After"])
        self.assertEqual(self.put(person("ada@example.com"))[0], 429)
        self.assertEqual(self.request("GET", TRIALS + "/attributes/stage/statuses")[0], 200)
        self.assertEqual(self.request("GET", "/v2/lists")[0], 429)
        self.assertEqual(self.request("POST", RECORDS + "/query", {})[0], 429)
        stats = self.control("GET", "/__mock/stats")
        self.assertEqual((stats["rate_limited_writes"], stats["rate_limited_reads"]), (2, 2))
        self.assertEqual(stats["write_status_counts"], {"200": 1, "429": 2})
        self.assertEqual(stats["by_endpoint"]["list_entry_patch"], 1)
        self.assertEqual(self.entries()[0]["values"]["stage"], [{"status": "Lead"}])  # not applied
        requests = self.control("GET", "/__mock/requests")
        self.assertEqual([r["rate_limited"] for r in requests], [False, True, True, False, True, True])

    def test_fault_rules_name_the_list_endpoints(self):
        ada, = self.seed_people("ada@example.com")
        self.control("POST", "/__mock/faults", {"rules": [
            {"endpoint": "list_entry_assert", "status": 503},
            {"endpoint": "list_entry_assert", "drop": True, "apply": True},
            {"endpoint": "list_statuses", "status": 500, "count": -1}]})
        self.assertEqual(self.assert_entry(ada, {"stage": "Lead"})[0], 503)
        self.assertEqual(self.entries(), [])
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError)):
            self.assert_entry(ada, {"stage": "Trial"})
        self.assertEqual(self.entries()[0]["values"]["stage"], [{"status": "Trial"}])  # applied
        self.assertEqual(self.request("GET", TRIALS + "/attributes/stage/statuses")[0], 500)
        self.assertEqual(self.request("GET", TRIALS + "/attributes")[0], 200)
        self.assertEqual([r["fault"] for r in self.control("GET", "/__mock/requests")], [0, 1, 2, None])
        status, _, _ = self.request("POST", "/__mock/faults",
                                    {"rules": [{"endpoint": "list_entry_upsert"}]}, token=None)
        self.assertEqual(status, 400)

    # -- configuration and control routes -------------------------------------------------

    def test_configured_lists_replace_the_defaults(self):
        self.assertEqual([l["api_slug"] for l in self.control("GET", "/__mock/faults")["lists"]],
                         ["trials", "inbound_leads", "key_accounts"])
        config = {"lists": [
            {"api_slug": "deals", "name": "Deals", "parent_object": ["companies"], "attributes": [
                {"api_slug": "stage", "type": "status", "statuses": ["Open", "Won"]},
                {"api_slug": "value", "type": "currency", "currency": "EUR"},
                {"api_slug": "owner", "type": "record-reference", "target": "people"},
                {"api_slug": "note", "type": "text", "is_writable": False},
                {"api_slug": "legacy", "type": "text", "is_archived": True}]},
            {"api_slug": "trials", "attributes": [
                {"api_slug": "stage", "type": "status", "statuses": ["Trial", "Lead"]}]}]}
        self.control("POST", "/__mock/faults", config)
        lists = self.ok(self.request("GET", "/v2/lists"))
        self.assertEqual([(l["api_slug"], l["name"], l["parent_object"]) for l in lists],
                         [("deals", "Deals", ["companies"]), ("trials", "Trials", ["people"])])
        self.assertEqual([s["title"] for s in self.ok(self.request(
            "GET", TRIALS + "/attributes/stage/statuses"))], ["Trial", "Lead"])
        attributes = {a["api_slug"]: a for a in self.ok(self.request("GET", "/v2/lists/deals/attributes"))}
        self.assertEqual(attributes["value"]["config"]["currency"]["default_currency_code"], "EUR")
        self.assertFalse(attributes["note"]["is_writable"])
        self.assertTrue(attributes["legacy"]["is_archived"])
        self.error(self.request("GET", "/v2/lists/inbound_leads"), 404, "not_found")
        answer = self.control("POST", "/__mock/seed", {
            "people": [{"values": {"email_addresses": ["ada@example.com"]}}],
            "companies": [{"values": {"domains": ["acme.com"]}}]})
        acme = answer["companies"][0]["record_id"]
        entry = self.ok(self.assert_entry(acme, {"stage": "Open", "value": 1200.5, "owner": "ada@example.com"},
                                          path="/v2/lists/deals/entries", parent_object="companies"))
        self.assertEqual(entry["entry_values"]["value"][0]["currency_code"], "EUR")
        self.assertEqual(entry["entry_values"]["owner"][0]["target_record_id"], answer["people"][0]["record_id"])
        self.error(self.assert_entry(acme, {"note": "x"}, path="/v2/lists/deals/entries",
                                     parent_object="companies"), 400, "immutable_value")
        # Leaving "lists" out of a later config, or a reset, brings the defaults back.
        self.control("POST", "/__mock/faults", {"rules": []})
        self.assertEqual(len(self.ok(self.request("GET", "/v2/lists"))), 3)
        for bad in ([{"api_slug": "Bad Slug"}], [{"api_slug": "a"}, {"api_slug": "a"}],
                    [{"api_slug": "a", "parent_object": "deals"}],
                    [{"api_slug": "a", "attributes": [{"api_slug": "s", "type": "status",
                                                       "is_multiselect": True}]}],
                    [{"api_slug": "a", "attributes": [{"api_slug": "created_at", "type": "text"}]}],
                    [{"api_slug": "a", "attributes": [{"api_slug": "r", "type": "record-reference"}]}],
                    [{"api_slug": "a", "attributes": [{"api_slug": "s", "type": "select",
                                                       "statuses": ["x"]}]}],
                    [{"api_slug": "a", "attributes": [{"api_slug": "s", "type": "interaction"}]}],
                    {"api_slug": "a"}):
            with self.subTest(lists=bad):
                status, _, err = self.request("POST", "/__mock/faults", {"lists": bad}, token=None)
                self.assertEqual(status, 400, err)

    def test_lists_flag(self):
        lists = [{"api_slug": "pipeline", "parent_object": "people", "attributes": [
            {"api_slug": "stage", "type": "status", "statuses": ["A", "B"]}]}]
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(lists, f)
            path = f.name
        try:
            for arg in (json.dumps(lists), path):
                proc, port = start_mock("--lists", arg)
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                    conn.request("GET", "/v2/lists", headers={"Authorization": "Bearer test-token"})
                    slugs = [l["api_slug"] for l in json.loads(conn.getresponse().read())["data"]]
                    self.assertEqual(slugs, ["pipeline"])
                    conn.close()
                finally:
                    proc.send_signal(signal.SIGTERM)
                    proc.wait(timeout=5)
                    proc.stdout.close()
        finally:
            os.remove(path)
        for arg in ('[{"api_slug": 1}]', "/nonexistent/lists.json", "[not json"):
            with self.subTest(arg=arg):
                bad = subprocess.run([sys.executable, os.path.join(HERE, "mock_attio.py"),
                                      "--lists", arg], capture_output=True, text=True, timeout=10)
                self.assertEqual(bad.returncode, 2)
                self.assertEqual(bad.stdout, "")
                self.assertIn("--lists", bad.stderr)

    def test_seeding_entries_and_reset(self):
        ada, = self.seed_people("ada@example.com")
        answer = self.control("POST", "/__mock/seed", {"list_entries": [
            {"list": "trials", "parent_record_id": ada, "entry_id": "e-1",
             "values": {"stage": "Trial", "health": 7, "old_stage": "Beta", "features": ["Security"]}},
            {"list": "inbound_leads", "parent": {"target_object": "people",
                                                  "email_addresses": ["ada@example.com"]}}]})
        self.assertEqual(answer["list_entries"][0], {"entry_id": "e-1", "list": "trials", "parent_record_id": ada})
        self.assertEqual(answer["people"], [])
        stored = self.entries()[0]
        # Read-only and archived attributes may hold seeded values; reads show the former.
        self.assertEqual(stored["values"]["health"], [{"value": 7}])
        entry = self.ok(self.request("GET", f"{TRIAL_ENTRIES}/e-1"))
        self.assertEqual(entry["entry_values"]["health"][0]["value"], 7)
        self.assertNotIn("old_stage", entry["entry_values"])
        # A seed naming the entry edits it (a user in the app).
        self.control("POST", "/__mock/seed", {"list_entries": [
            {"list": "trials", "parent_record_id": ada, "entry_id": "e-1", "values": {"stage": "Customer"}}]})
        self.assertEqual(self.entries()[0]["values"]["stage"], [{"status": "Customer"}])
        self.assertEqual(len(self.entries()), 1)
        summary = {l["api_slug"]: l for l in self.control("GET", "/__mock/lists")}
        self.assertEqual((summary["trials"]["entries"], summary["inbound_leads"]["entries"]), (1, 1))
        self.assertEqual(summary["key_accounts"]["parent_object"], "companies")
        # All or nothing: a bad entry keeps the people and entries of the same request out.
        for bad in ([{"list": "nope", "parent_record_id": ada}],
                    [{"list": "trials"}],
                    [{"list": "trials", "parent_record_id": ada, "parent": "ada@example.com"}],
                    [{"list": "trials", "parent": "nobody@example.com"}],
                    [{"list": "trials", "parent_record_id": ada, "values": {"stage": "Won"}}],
                    [{"list": "trials", "parent_record_id": ada, "values": {"nope": 1}}],
                    [{"list": "key_accounts", "parent_record_id": ada}],
                    [{"list": "trials", "parent_record_id": ada, "parent_object": ["people", 1]}],
                    [{"list": "trials", "parent_record_id": ada, "values": ["stage"]}],
                    [{"list": "inbound_leads", "parent_record_id": ada, "entry_id": "e-1"}],
                    {"list": "trials"}):
            with self.subTest(list_entries=bad):
                status, _, err = self.request("POST", "/__mock/seed", {
                    "people": [{"values": {"email_addresses": ["late@example.com"]}}],
                    "list_entries": [{"list": "trials", "parent": "late@example.com"}] +
                    (bad if isinstance(bad, list) else [bad])}, token=None)
                self.assertEqual(status, 400, err)
                self.assertIn("error", err)
                self.assertEqual(len(self.control("GET", "/__mock/people")), 1)
                self.assertEqual(len(self.entries()), 1)
        self.control("POST", "/__mock/reset")
        self.assertEqual((self.entries(), self.entries("inbound_leads")), ([], []))
        self.assertEqual(self.control("GET", "/__mock/stats")["list_entries"], 0)


class WindowTest(unittest.TestCase):
    def test_max_in_any_window_is_exact(self):
        f = mock_attio.max_in_any_window
        self.assertEqual(f([]), 0)
        self.assertEqual(f([5.0]), 1)
        self.assertEqual(f([0.0, 1.0]), 1)  # [t, t+1) is half-open
        self.assertEqual(f([0.0, 0.999, 1.0, 1.5, 1.99]), 4)
        self.assertEqual(f([3.0, 0.1, 0.2, 2.0, 0.3]), 3)


class LifecycleTest(unittest.TestCase):
    def test_shutdown_endpoint(self):
        proc, port = start_mock()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("POST", "/__mock/shutdown")
        self.assertEqual(conn.getresponse().status, 200)
        conn.close()
        self.assertEqual(proc.wait(timeout=5), 0)
        proc.stdout.close()


class IPv6Test(unittest.TestCase):
    def test_listens_on_ipv6_loopback(self):
        proc, port = start_mock("--host", "::1")
        try:
            conn = http.client.HTTPConnection("::1", port, timeout=10)
            conn.request("GET", "/v2/self", headers={"Authorization": "Bearer test-token"})
            resp = conn.getresponse()
            self.assertEqual(resp.status, 200)
            self.assertTrue(json.loads(resp.read())["active"])
            conn.close()
        finally:
            proc.kill()
            proc.wait(timeout=5)
            proc.stdout.close()


if __name__ == "__main__":
    unittest.main()
