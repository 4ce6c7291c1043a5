"""Self-test of mock_attio.py: python3 -m unittest discover -s Tests/MockAttio -v"""

import email.utils
import http.client
import json
import os
import signal
import subprocess
import sys
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
