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
