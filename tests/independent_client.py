#!/usr/bin/env python3
"""An independent Ultra Stream API client, written from the vendor document
alone (Python 3 standard library only; it knows nothing of ultrastream).

It logs in with the MD5 of the password, sends the raw Set-Cookie value
back as its Cookie header (as the vendor's Node.js demo does), polls
get-status and get-settings, toggles start/stop-rec and start/stop-live
(after add-server + enable-server), logs in again whenever a call answers
-17, and logs out. Midway it asks the simulator (POST /__sim/control) to
expire every session, so the re-login path runs.

Exit status 0 when every reply was what the document says; 1 otherwise.

    python3 tests/independent_client.py --port 8080 [--interval 1] [--iterations 20]
"""

import argparse
import hashlib
import http.client
import json
import sys
import time
import urllib.parse

STATUS_RECORD = 0x02
STATUS_LIVING = 0x04
STATUS_RTMP_READY = 0x20


class Unexpected(Exception):
    pass


class Client:
    def __init__(self, host, port, user, password, timeout=10.0):
        self.host, self.port, self.timeout = host, port, timeout
        self.user = user
        self.pass_md5 = hashlib.md5(password.encode("utf-8")).hexdigest()
        self.cookie = None
        self.conn = None
        self.relogins = 0
        self.calls = 0

    def _connection(self):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self.conn

    def _send(self, verb, path, body=None, headers=None):
        """One HTTP exchange on the keep-alive connection. A connection the
        server closed while idle is replaced once, before any reply."""
        headers = dict(headers or {})
        if self.cookie:
            headers["Cookie"] = self.cookie  # the raw Set-Cookie value, attributes and all
        for attempt in (1, 2):
            conn = self._connection()
            try:
                conn.request(verb, path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                return resp, data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                conn.close()
                self.conn = None
                if attempt == 2:
                    raise

    def request(self, method, **params):
        query = urllib.parse.urlencode({"method": method, **params}, quote_via=urllib.parse.quote)
        resp, data = self._send("GET", "/usapi?" + query)
        self.calls += 1
        if resp.status != 200:
            raise Unexpected(f"{method}: HTTP {resp.status}")
        set_cookie = resp.getheader("Set-Cookie")
        if set_cookie:
            self.cookie = set_cookie
        try:
            obj = json.loads(data)
        except ValueError as e:
            raise Unexpected(f"{method}: not JSON ({e}): {data[:200]!r}")
        if not isinstance(obj, dict) or not isinstance(obj.get("result"), int):
            raise Unexpected(f"{method}: no integer result: {obj!r}")
        return obj

    def login(self):
        obj = self.request("login", id=self.user, **{"pass": self.pass_md5})
        if obj["result"] != 0:
            raise Unexpected(f"login: result {obj['result']}")
        if not self.cookie or not self.cookie.startswith("sid="):
            raise Unexpected(f"login: no sid cookie (got {self.cookie!r})")
        sid = self.cookie.split(";")[0][4:]
        if len(sid) != 32 or any(c not in "0123456789abcdef" for c in sid):
            raise Unexpected(f"login: sid is not 32 hex digits: {sid!r}")

    def call(self, method, expect=(0,), **params):
        obj = self.request(method, **params)
        if obj["result"] == -17:
            self.relogins += 1
            self.login()
            obj = self.request(method, **params)
        if obj["result"] not in expect:
            raise Unexpected(f"{method}: result {obj['result']}, expected one of {expect}")
        return obj

    def control(self, command):
        body = json.dumps(command).encode()
        resp, data = self._send("POST", "/__sim/control", body=body, headers={"Content-Type": "application/json"})
        obj = json.loads(data)
        if resp.status != 200 or obj.get("ok") is not True:
            raise Unexpected(f"control {command}: HTTP {resp.status} {obj!r}")
        return obj


STATUS_KEYS = ("cur-status", "box-name", "rec-status", "live-status", "upgrade-status", "format-status",
               "disk-test", "living-test", "check-upgrade", "input-signal", "usb", "sd", "wifi", "eth")
SETTINGS_KEYS = ("name", "rec-control", "main-stream", "sub-stream", "audio", "stream-server")


def run(args):
    c = Client(args.host, args.port, args.user, args.password)

    # Without a session: ping answers, everything else is HTTP 200 + -17.
    ping = c.request("ping")
    if ping["result"] != 0 or not isinstance(ping.get("cur-status"), int):
        raise Unexpected(f"ping: {ping!r}")
    if c.request("get-status")["result"] != -17:
        raise Unexpected("get-status without a session did not answer -17")

    c.login()
    server_name = "PyServer"
    c.call("add-server", type=0, name=server_name, url="rtmp://py.example/live", key="py-key", **{"is-auth": 0, "net-mode": 1})
    servers = c.call("get-settings")["stream-server"]
    ids = [s["id"] for s in servers if s.get("name") == server_name]
    if len(ids) != 1:
        raise Unexpected(f"add-server: {server_name} not listed once in {servers!r}")
    c.call("enable-server", id=ids[0], **{"is-use": 1})

    toggles = {"rec": 0, "live": 0}
    expire_at = args.iterations // 2
    for i in range(args.iterations):
        if i == expire_at:
            c.control({"cmd": "expire-sessions"})
        status = c.call("get-status")
        settings = c.call("get-settings")
        for k in STATUS_KEYS:
            if k not in status:
                raise Unexpected(f"get-status lacks {k}")
        for k in SETTINGS_KEYS:
            if k not in settings:
                raise Unexpected(f"get-settings lacks {k}")
        if status["box-name"] != settings["name"]:
            raise Unexpected("box-name and name differ")
        mask = status["cur-status"]
        if not mask & STATUS_RTMP_READY:
            raise Unexpected(f"an enabled server but no statusRTMPReady in {mask:#x}")
        if i % 4 == 1:
            recording = bool(mask & STATUS_RECORD)
            c.call("stop-rec" if recording else "start-rec")
            after = c.call("get-status")["cur-status"]
            if bool(after & STATUS_RECORD) == recording:
                raise Unexpected(f"{'stop' if recording else 'start'}-rec did not change the mask ({after:#x})")
            toggles["rec"] += 1
        if i % 4 == 3:
            living = bool(mask & STATUS_LIVING)
            c.call("stop-live" if living else "start-live")
            after = c.call("get-status")
            if bool(after["cur-status"] & STATUS_LIVING) == living:
                raise Unexpected(f"{'stop' if living else 'start'}-live did not change the mask")
            if not living and after["live-status"]["result"] not in (22, 23):
                raise Unexpected(f"live-status result {after['live-status']['result']}, expected 23 or 22")
            toggles["live"] += 1
        time.sleep(args.interval)

    final = c.call("get-status")["cur-status"]
    if final & STATUS_RECORD:
        c.call("stop-rec")
    if final & STATUS_LIVING:
        c.call("stop-live")
    c.call("logout")
    if c.request("get-status")["result"] != -17:
        raise Unexpected("still logged in after logout")
    if args.iterations >= 4 and (toggles["rec"] == 0 or toggles["live"] == 0):
        raise Unexpected(f"nothing toggled: {toggles}")
    if expire_at < args.iterations and c.relogins < 1:
        raise Unexpected("sessions were expired but the client never logged in again")
    print(f"independent client: {c.calls} calls, {toggles['rec']} rec and {toggles['live']} live toggles, "
          f"{c.relogins} re-login(s): OK")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--user", default="Admin")
    p.add_argument("--password", default="Admin")
    p.add_argument("--interval", type=float, default=1.0, help="seconds between polls (default 1)")
    p.add_argument("--iterations", type=int, default=20, help="polls (default 20)")
    args = p.parse_args()
    try:
        run(args)
    except Unexpected as e:
        print(f"independent client: UNEXPECTED: {e}", file=sys.stderr)
        return 1
    except (OSError, http.client.HTTPException) as e:
        print(f"independent client: connection failed: {e!r}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
