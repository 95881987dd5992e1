"""The gateway's front door: log-in, forced password change, CSRF, lockout, API tokens,
HTTPS, stored payloads returned inert, and authorization of every documented route.

A real server (watchdog + every service) against a real PostgreSQL; requests go over HTTP
on loopback as a browser or an integration would send them.
"""

import json
import os
import re
import signal
import subprocess
from pathlib import Path

import pytest
import requests
import urllib3

from hslib import REPO_ROOT, wait_for

urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

ENGINEER_DEFAULT = "Teleph0ny!"
NEW_PW = "Corr3ct-Horse-Battery"
OPENAPI = REPO_ROOT / "services" / "gateway" / "openapi.json"


class Api:
    """A browser-like client: cookie jar, CSRF header from the session."""

    def __init__(self, base, verify=False):
        self.base = base
        self.s = requests.Session()
        self.s.verify = verify
        self.csrf = None

    def req(self, method, path, body=None, csrf=True, headers=None, **kw):
        h = dict(headers or {})
        if csrf and self.csrf and method not in ("GET", "HEAD"):
            h["X-CSRF-Token"] = self.csrf
        # verify per request: requests lets the environment override a session's verify
        r = self.s.request(method, self.base + path, json=body, headers=h, timeout=20,
                           verify=self.s.verify, **kw)
        return r

    def login(self, user, pw):
        r = self.req("POST", "/session", {"username": user, "password": pw})
        if r.status_code == 200:
            self.csrf = r.json()["csrf_token"]
        return r


@pytest.fixture
def gw(hs_factory):
    hs = hs_factory()
    hs.start_watchdog()
    hs.wait_ready()
    base = f"http://127.0.0.1:{hs.settings['web.http_port']}/api/v1"
    wait_for(lambda: requests.get(base + "/session", timeout=2).status_code == 401, 30,
             what="the gateway answering")
    hs.base = base
    hs.https_base = f"https://127.0.0.1:{hs.settings['web.https_port']}/api/v1"
    return hs


def engineer(hs):
    """An engineer session with the first-login change done."""
    api = Api(hs.base)
    r = api.login("engineer", ENGINEER_DEFAULT)
    assert r.status_code == 200, r.text
    r = api.req("POST", "/session/password",
                {"current_password": ENGINEER_DEFAULT, "new_password": NEW_PW})
    assert r.status_code == 204, r.text
    return api


def audit_actions(hs):
    with hs.db.connect() as c:
        return [r[0] for r in c.execute("SELECT action FROM audit_events ORDER BY id")]


def test_first_login_forces_password_change(gw):
    api = Api(gw.base)
    r = api.login("engineer", "wrong-password")
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_credentials"
    r = api.login("engineer", ENGINEER_DEFAULT)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["user"]["must_change_password"] is True
    assert "config.users" in body["user"]["permissions"]
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
    # nothing else until the password is changed
    r = api.req("GET", "/users")
    assert r.status_code == 403 and r.json()["error"]["code"] == "password_change_required"
    # the change itself needs the CSRF token ...
    r = api.req("POST", "/session/password",
                {"current_password": ENGINEER_DEFAULT, "new_password": NEW_PW}, csrf=False)
    assert r.status_code == 403 and r.json()["error"]["code"] == "csrf"
    # ... a password the policy accepts, not the manual's and not the old one
    for weak in ("short", "alllowercase1", ENGINEER_DEFAULT, "M1t3l!Superv!sor"):
        r = api.req("POST", "/session/password",
                    {"current_password": ENGINEER_DEFAULT, "new_password": weak})
        assert r.status_code == 400, (weak, r.text)
        assert r.json()["error"]["field"] == "new_password"
    r = api.req("POST", "/session/password",
                {"current_password": ENGINEER_DEFAULT, "new_password": NEW_PW})
    assert r.status_code == 204, r.text
    r = api.req("GET", "/users")
    assert r.status_code == 200
    names = {u["username"] for u in r.json()["items"]}
    assert {"engineer", "supervisor"} <= names
    # the old password is gone, the new one works
    assert Api(gw.base).login("engineer", ENGINEER_DEFAULT).status_code == 401
    assert Api(gw.base).login("engineer", NEW_PW).json()["user"]["must_change_password"] is False
    acts = audit_actions(gw)
    assert acts.count("user.login_failed") >= 2
    assert "user.login" in acts and "user.password_changed" in acts
    # log-out ends the session
    assert api.req("DELETE", "/session").status_code == 204
    assert api.req("GET", "/session").status_code == 401


def test_lockout_after_policy_attempts(gw):
    eng = engineer(gw)
    r = eng.req("PUT", "/security-policy", {"lockout_enabled": True, "lockout_max_attempts": 3,
                                            "lockout_minutes": 5})
    assert r.status_code == 200 and r.json()["lockout_max_attempts"] == 3
    r = eng.req("POST", "/users", {"username": "alice", "password": "Alice-Pass-1",
                                   "role_id": 2, "first_name": "Alice"})
    assert r.status_code == 201, r.text
    for _ in range(3):
        assert Api(gw.base).login("alice", "nope").status_code == 401
    r = Api(gw.base).login("alice", "Alice-Pass-1")  # right, but locked now
    assert r.status_code == 403, r.text
    err = r.json()["error"]
    assert err["code"] == "account_locked" and 0 < err["retry_after"] <= 300
    # an administrator unlocks
    uid = r_json_id(eng, "alice")
    assert eng.req("PATCH", f"/users/{uid}", {"unlock": True}).status_code == 200
    assert Api(gw.base).login("alice", "Alice-Pass-1").status_code == 200
    assert "user.login_locked" in audit_actions(gw)


def r_json_id(api, username):
    r = api.req("GET", "/users", params={"q": username})
    return next(u["id"] for u in r.json()["items"] if u["username"] == username)


def test_csrf_and_bearer_tokens(gw):
    eng = engineer(gw)
    # cookie without the header: refused, nothing created
    r = eng.req("POST", "/business-units", {"name": "Sales"}, csrf=False)
    assert r.status_code == 403 and r.json()["error"]["code"] == "csrf"
    r = eng.req("POST", "/business-units", {"name": "Sales"},
                csrf=False, headers={"X-CSRF-Token": "forged"})
    assert r.status_code == 403
    units = eng.req("GET", "/business-units").json()["items"]
    assert sorted(u["kind"] for u in units) == ["deleted", "unassigned"]  # system units only
    # an API token: Bearer, no CSRF needed (no ambient credential), revocable
    r = eng.req("POST", "/api-tokens", {"name": "crm"})
    assert r.status_code == 201, r.text
    tok = r.json()
    bearer = requests.Session()
    bearer.headers["Authorization"] = "Bearer " + tok["token"]
    r = bearer.post(gw.base + "/business-units", json={"name": "Sales"}, timeout=10)
    assert r.status_code == 201, r.text
    assert eng.req("DELETE", f"/api-tokens/{tok['id']}").status_code == 204
    # this gateway forgets the token at once (others within the cache's 2 s)
    r = bearer.get(gw.base + "/business-units", timeout=10)
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthenticated"
    with gw.db.connect() as c:
        h = c.execute("SELECT token_hash FROM api_tokens WHERE id = %s", (tok["id"],)).fetchone()
        # only the hash is stored
        assert tok["token"].encode() not in bytes(h[0])


def test_payloads_are_stored_and_returned_inert(gw):
    eng = engineer(gw)
    payloads = ["<script>alert(1)</script>", "'; DROP TABLE users; --", "\" OR 1=1 --",
                "<img src=x onerror=alert(1)>", "Ωmega ünïcode"]
    for i, p in enumerate(payloads):
        r = eng.req("POST", "/users", {"username": f"u{i}", "password": "Some-Pass-123",
                                       "first_name": p, "display_name": p})
        assert r.status_code == 201, r.text
        assert r.json()["display_name"] == p
        assert r.headers["Content-Type"].startswith("application/json")
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        r = eng.req("POST", "/business-units", {"name": p})
        assert r.status_code == 201, r.text
    # filters with injection payloads find nothing and break nothing
    for p in ["' OR 1=1 --", "%", "_", "\\", "1; DELETE FROM users"]:
        r = eng.req("GET", "/users", params={"q": p})
        assert r.status_code == 200 and r.json()["total"] == 0, (p, r.text)
    r = eng.req("GET", "/users", params={"limit": "1; DROP TABLE users"})
    assert r.status_code == 400
    users = eng.req("GET", "/users", params={"limit": 1000}).json()["items"]
    got = {u["display_name"] for u in users}
    assert set(payloads) <= got
    with gw.db.connect() as c:
        assert c.execute("SELECT count(*) FROM users").fetchone()[0] == 2 + len(payloads)


def test_restricted_user_and_privilege_limits(gw):
    eng = engineer(gw)
    # a role with the "User" profile (web access only) and one with Reporting Only
    r = eng.req("POST", "/roles", {"name": "Staff", "profile_id": 3, "access_scope": "own"})
    assert r.status_code == 201, r.text
    staff_role = r.json()["id"]
    r = eng.req("POST", "/users", {"username": "bob", "password": "Bob-Pass-123",
                                   "role_id": staff_role})
    assert r.status_code == 201
    bob = Api(gw.base)
    r = bob.login("bob", "Bob-Pass-123")
    assert r.status_code == 200 and r.json()["user"]["must_change_password"] is True
    assert bob.req("POST", "/session/password", {"current_password": "Bob-Pass-123",
                                                  "new_password": "Bob-New-Pass-9"}).status_code == 204
    assert bob.req("GET", "/session").json()["user"]["permissions"] == ["general.web_access"]
    for path in ("/users", "/roles", "/security-profiles", "/servers", "/audit",
                 "/live/extensions", "/system/status"):
        r = bob.req("GET", path)
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden", path
    # a supervisor cannot hand out the engineer's rights
    sup = Api(gw.base)
    assert sup.login("supervisor", "M1t3l!Superv!sor").status_code == 200
    assert sup.req("POST", "/session/password", {"current_password": "M1t3l!Superv!sor",
                                                  "new_password": "Sup3rvisor-New"}).status_code == 204
    r = sup.req("POST", "/users", {"username": "mallory", "password": "Mallory-Pass-1",
                                   "role_id": 1})
    assert r.status_code == 403, r.text
    r = sup.req("PATCH", f"/users/{r_json_id(eng, 'engineer')}", {"password": "Hijack-Pass-1"})
    assert r.status_code == 403
    # a user without a web-access role cannot log in at all
    r = eng.req("POST", "/users", {"username": "carol", "password": "Carol-Pass-1"})
    assert r.status_code == 201
    r = Api(gw.base).login("carol", "Carol-Pass-1")
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"


def test_https_self_signed_secure_cookie_and_redirect(gw):
    api = Api(gw.https_base)
    # (a 4xx Response is falsy: wrap it)
    r = wait_for(lambda: [api.req("GET", "/session")], 10, what="https answering")[0]
    assert r.status_code == 401
    r = api.login("engineer", ENGINEER_DEFAULT)
    assert r.status_code == 200, r.text
    assert "Secure" in r.headers["Set-Cookie"] and "HttpOnly" in r.headers["Set-Cookie"]
    # many TLS connections in a row: the handshake path once crashed civetweb on OpenSSL 3
    for _ in range(20):
        assert requests.get(gw.https_base + "/session", verify=False, timeout=5).status_code == 401
    tls = Path(gw.settings["paths.state"]) / "gateway" / "tls"
    assert (tls / "server.pem").stat().st_mode & 0o077 == 0
    # the certificate served is the one on disk
    out = subprocess.run(
        ["openssl", "s_client", "-connect", f"127.0.0.1:{gw.settings['web.https_port']}",
         "-servername", "localhost"], input="", capture_output=True, text=True, timeout=20)
    served = re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", out.stdout,
                       re.S).group(0)
    assert served in (tls / "server.crt").read_text()
    # "redirect HTTP to HTTPS": a site setting, applied when the gateway (re)starts
    with gw.db.connect() as c:
        c.execute("UPDATE settings SET value = 'true' WHERE key = 'web.redirect_https'")
    pid = gw.service_pids()["gateway"]
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: gw.service_pids().get("gateway") not in (None, pid), 30,
             what="gateway restarted")
    r = wait_for(lambda: requests.get(gw.base + "/session", allow_redirects=False, timeout=2),
                 20, what="redirect")
    assert r.status_code in (301, 302, 307, 308), r.status_code
    assert r.headers["Location"].startswith("https://")


def routes_in_source():
    """(method, path) of every route table entry in services/gateway/*.c."""
    out = set()
    for f in (REPO_ROOT / "services" / "gateway").glob("*.c"):
        for m, p in re.findall(r'\{\s*"(GET|POST|PUT|PATCH|DELETE)",\s*"(/[^"]*)"',
                               f.read_text()):
            out.add((m, p))
    return out


def doc_routes():
    doc = json.loads(OPENAPI.read_text())
    out = {}
    for path, ops in doc["paths"].items():
        for m, op in ops.items():
            if m.upper() in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                out[(m.upper(), re.sub(r"\{[^}]+\}", "{}", path))] = (path, op)
    return doc, out


def test_openapi_document_matches_the_routes(gw):
    doc, routes = doc_routes()
    served = json.loads(requests.get(gw.base + "/openapi.json", timeout=10).text)
    assert served == doc
    src = routes_in_source()
    assert src, "no route tables found"
    missing = src - set(routes)
    extra = set(routes) - src - {("GET", "/live/ws")}
    assert not missing, f"routes not documented: {sorted(missing)}"
    assert not extra, f"documented but not served: {sorted(extra)}"


def sample_path(path):
    return re.sub(r"\{[^}]+\}", "999999", path)


def test_authorization_matrix(gw):
    """Every documented route x anonymous, restricted (web access only) and engineer."""
    _, routes = doc_routes()
    eng = engineer(gw)
    r = eng.req("POST", "/roles", {"name": "Web only", "profile_id": 3, "access_scope": "none"})
    role = r.json()["id"]
    eng.req("POST", "/users", {"username": "restricted", "password": "Restr1cted-Pass",
                               "role_id": role, "must_change_password": False})
    restricted = Api(gw.base)
    assert restricted.login("restricted", "Restr1cted-Pass").status_code == 200
    anon = Api(gw.base)
    problems = []
    for (method, _), (path, op) in sorted(routes.items()):
        if path == "/live/ws":
            continue
        perm = op.get("x-permission", "")
        url = sample_path(path)
        body = {} if method in ("POST", "PUT", "PATCH") else None
        if perm == "none" or (method, path) == ("DELETE", "/session"):
            continue  # public routes and log-out are tested on their own
        ra = anon.req(method, url, body)
        if ra.status_code != 401:
            problems.append(("anonymous", method, path, ra.status_code))
        rr = restricted.req(method, url, body)
        want = 403 if perm not in ("any",) else None
        if want and rr.status_code != want:
            problems.append(("restricted", method, path, rr.status_code))
        re_ = eng.req(method, url, body)
        if re_.status_code in (401, 403, 405, 500):
            problems.append(("engineer", method, path, re_.status_code, re_.text[:120]))
    assert not problems, problems


class Inbox:
    """A real SMTP server's (aiosmtpd's) handler that keeps what it was sent."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def test_password_reset_by_emailed_link(gw):
    """A forgotten password: a one-time link by email (a real SMTP server), never a password."""
    from aiosmtpd.controller import Controller
    from email import message_from_bytes
    from hslib import free_port

    inbox = Inbox()
    port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        eng = engineer(gw)
        r = eng.req("PUT", "/settings/email", {"server": "127.0.0.1", "port": port,
                                               "from": "pbx@example.com"})
        assert r.status_code == 200, r.text
        r = eng.req("POST", "/users", {"username": "dave", "password": "Dave-Pass-123",
                                       "email": "dave@example.com", "role_id": 2,
                                       "must_change_password": False})
        assert r.status_code == 201, r.text
        anon = Api(gw.base)
        # the same answer for an unknown name: nothing tells who has an account
        assert anon.req("POST", "/password-reset", {"username": "nobody"}).status_code == 202
        assert anon.req("POST", "/password-reset", {"username": "dave"}).status_code == 202
        wait_for(lambda: inbox.messages, 10, what="the reset email")
        env = inbox.messages[0]
        assert env.rcpt_tos == ["dave@example.com"] and len(inbox.messages) == 1
        text = message_from_bytes(env.content).get_payload(decode=True).decode()
        assert "Dave-Pass-123" not in text
        token = re.search(r"#/reset\?token=([A-Za-z0-9_-]+)", text).group(1)
        r = anon.req("POST", "/password-reset/confirm", {"token": token,
                                                         "new_password": "Dave-New-Pass-4"})
        assert r.status_code == 204, r.text
        # the link works once; the old password is gone, the new one works
        r = anon.req("POST", "/password-reset/confirm", {"token": token,
                                                         "new_password": "Dave-Other-Pass-5"})
        assert r.status_code == 400
        assert Api(gw.base).login("dave", "Dave-Pass-123").status_code == 401
        assert Api(gw.base).login("dave", "Dave-New-Pass-4").status_code == 200
        acts = audit_actions(gw)
        assert "user.password_reset_requested" in acts and "user.password_reset" in acts
    finally:
        smtp.stop()


def ws_connect(hs, cookie=None):
    """Opens the live view's WebSocket as a browser would (session cookie); returns the
    connection or the HTTP status of the refused handshake."""
    import websockets

    uri = hs.base.replace("http://", "ws://") + "/live/ws"
    headers = {"Cookie": f"hs_session={cookie}"} if cookie else {}

    async def go():
        try:
            return await websockets.connect(uri, extra_headers=headers, open_timeout=5)
        except websockets.exceptions.InvalidStatusCode as e:
            return e.status_code
    return go()


def test_live_websocket_login_snapshot_and_cap(gw):
    """Anonymous → 401; an engineer's first message is the snapshot; live views are capped at
    three quarters of web.threads (hslib runs 4: two live views), and the rest stay free for
    HTTP, so the site still answers with every live place taken."""
    import asyncio

    assert gw.settings["web.threads"] == 4
    api = engineer(gw)
    cookie = api.s.cookies.get("hs_session")

    async def scenario():
        assert await ws_connect(gw) == 401
        open_ws = []
        try:
            for _ in range(2):
                ws = await ws_connect(gw, cookie)
                assert not isinstance(ws, int), f"refused with {ws}"
                first = json.loads(await asyncio.wait_for(ws.recv(), 5))
                assert first["topic"] == "live.snapshot"
                assert isinstance(first["body"], (list, dict))
                open_ws.append(ws)
            assert await ws_connect(gw, cookie) == 503
            loop = asyncio.get_running_loop()
            r = await loop.run_in_executor(None, lambda: api.req("GET", "/session"))
            assert r.status_code == 200
        finally:
            for ws in open_ws:
                await ws.close()
        # a closed live view gives its place back
        async def reopened():
            ws = await ws_connect(gw, cookie)
            if isinstance(ws, int):
                return False
            await ws.close()
            return True
        for _ in range(50):
            if await reopened():
                return
            await asyncio.sleep(0.1)
        raise AssertionError("the place of a closed live view was not given back")

    asyncio.run(scenario())


def test_idle_keep_alive_connections_do_not_lock_out_the_site(gw):
    """civetweb gives a connection a worker for its keep-alive life: browsers that go idle
    with web.threads connections open must not shut everybody else out for long."""
    import socket
    import time

    host, port = "127.0.0.1", gw.settings["web.http_port"]
    api = engineer(gw)
    cookie = api.s.cookies.get("hs_session")
    req = (f"GET /api/v1/session HTTP/1.1\r\nHost: {host}\r\n"
           f"Cookie: hs_session={cookie}\r\n\r\n").encode()
    idle = []
    try:
        for _ in range(gw.settings["web.threads"]):
            s = socket.create_connection((host, port), timeout=5)
            s.sendall(req)
            head = s.recv(4096)
            assert head.startswith(b"HTTP/1.1 200") and b"Connection: keep-alive" in head, head
            idle.append(s)  # answered, kept alive, now idle: each holds a worker
        t0 = time.monotonic()
        r = api.req("GET", "/session", headers={"Connection": "close"})
        waited = time.monotonic() - t0
        assert r.status_code == 200
    finally:
        for s in idle:
            s.close()
    assert waited < 8, f"a new visitor waited {waited:.1f} s behind idle connections"
